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
