/**
 * In-place iterative radix-2 complex FFT (Cooley–Tukey, decimation in time) on split real/imaginary
 * arrays. Twiddles are computed directly (cos/sin of 2πj/W per index, no recurrence), so the rounding
 * error of a transform is O(ε log₂ W) relative to the input's 2-norm.
 */

const twiddleCache = new Map<number, { cos: Float64Array; sin: Float64Array }>();

function twiddles(size: number): { cos: Float64Array; sin: Float64Array } {
  const hit = twiddleCache.get(size);
  if (hit) return hit;
  const half = size / 2;
  const cos = new Float64Array(half);
  const sin = new Float64Array(half);
  for (let j = 0; j < half; j++) {
    cos[j] = Math.cos((2 * Math.PI * j) / size);
    sin[j] = Math.sin((2 * Math.PI * j) / size);
  }
  const t = { cos, sin };
  twiddleCache.set(size, t);
  return t;
}

/** True when w is a power of two ≥ 1. */
export function isPowerOfTwo(w: number): boolean {
  return Number.isInteger(w) && w >= 1 && (w & (w - 1)) === 0;
}

/**
 * x_j ← Σ_f X_f e^{sign·2πi f j/W} (no 1/W factor); sign −1 is the forward transform.
 * W = re.length must be a power of two.
 */
export function fftInPlace(re: Float64Array, im: Float64Array, sign: 1 | -1): void {
  const size = re.length;
  if (size <= 1) return;
  for (let i = 1, j = 0; i < size; i++) {
    let bit = size >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      const tr = re[i]!;
      re[i] = re[j]!;
      re[j] = tr;
      const ti = im[i]!;
      im[i] = im[j]!;
      im[j] = ti;
    }
  }
  const { cos, sin } = twiddles(size);
  for (let len = 2; len <= size; len <<= 1) {
    const half = len >> 1;
    const stride = size / len;
    for (let start = 0; start < size; start += len) {
      for (let k = 0; k < half; k++) {
        const wr = cos[k * stride]!;
        const wi = sign * sin[k * stride]!;
        const a = start + k;
        const b = a + half;
        const xr = re[b]! * wr - im[b]! * wi;
        const xi = re[b]! * wi + im[b]! * wr;
        re[b] = re[a]! - xr;
        im[b] = im[a]! - xi;
        re[a] = re[a]! + xr;
        im[a] = im[a]! + xi;
      }
    }
  }
}

const realWork = new Map<number, { re: Float64Array; im: Float64Array }>();

/**
 * The real sequence x_j = Σ_{f=0}^{W−1} X_f e^{2πi f j/W}, j = 0..W−1, of a Hermitian spectrum given by
 * its first half X_0..X_{W/2} (re, im of length W/2 + 1), written into out (length W, a power of two
 * ≥ 4): one complex transform of size M = W/2 on Z_k = E_k + i·O_k, E_k = X_k + conj(X_{M−k}) and
 * O_k = (X_k − conj(X_{M−k}))·e^{2πik/W}, whose output is z_m = x_{2m} + i·x_{2m+1} (the standard
 * real-FFT split; half the work of the full complex transform).
 */
export function inverseRealFft(re: Float64Array, im: Float64Array, out: Float64Array): void {
  const W = out.length;
  const M = W / 2;
  let work = realWork.get(M);
  if (!work) {
    work = { re: new Float64Array(M), im: new Float64Array(M) };
    realWork.set(M, work);
  }
  const zr = work.re;
  const zi = work.im;
  const { cos, sin } = twiddles(W);
  for (let k = 0; k < M; k++) {
    const ar = re[k]!;
    const ai = im[k]!;
    const br = re[M - k]!;
    const bi = -im[M - k]!;
    const er = ar + br;
    const ei = ai + bi;
    const dr = ar - br;
    const di = ai - bi;
    const c = cos[k]!;
    const s = sin[k]!;
    const or = dr * c - di * s;
    const oi = dr * s + di * c;
    zr[k] = er - oi;
    zi[k] = ei + or;
  }
  fftInPlace(zr, zi, 1);
  for (let m = 0; m < M; m++) {
    out[2 * m] = zr[m]!;
    out[2 * m + 1] = zi[m]!;
  }
}
