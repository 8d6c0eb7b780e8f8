/**
 * A first guess for the tilt's λ_Δ (d(λ_Δ) = Δ, MATH §1) without a pass over the outcomes per trial λ:
 * the rewards in BINS equal-width bins, each kept as its mass and first two moments about its centre
 * (one pass, no exponential). Within a bin of half-width h, Σ P e^{λ(v − c_b)} = M₀ + λM₁ + λ²M₂/2 up
 * to (λh)³/6 relative, so for λh ≤ 0.02 the bins give d(λ) to about 1e-6 and λ_Δ to about as much (up
 * to λh = ¼ they still give a guess within about 1e-3, where M₀ + λM₁ + λ²M₂/2 stays positive), and
 * Newton's method on the bins costs O(BINS) a step. The guess only decides where the exact passes start
 * (tilt.ts); nothing reported comes from the bins.
 */

const BINS = 2048;

/** Per bin: scaled offset of its centre from the mean, and its moments about the centre (units of s). */
export interface CoarseBins {
  readonly offset: Float64Array;
  readonly m0: Float64Array;
  readonly m1: Float64Array;
  readonly m2: Float64Array;
  /** Half-width of a bin, in units of s. */
  readonly halfWidth: number;
  /** Bins with mass. */
  readonly count: number;
}

/**
 * Bins of values over [min, max] with masses, moments measured in units of `scale` (a power of two
 * ≥ max − min) about each bin's centre; centre offsets from `mean`.
 */
export function coarseBins(
  values: Float64Array,
  mass: Float64Array,
  min: number,
  max: number,
  mean: number,
  scale: number,
): CoarseBins {
  const inv = 1 / scale;
  const width = (max - min) / BINS;
  const toBin = BINS / (max - min);
  const m = new Float64Array(3 * BINS);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    const b = Math.min(BINS - 1, ((v - min) * toBin) | 0);
    const y = (v - (min + (b + 0.5) * width)) * inv;
    const p = mass[i]!;
    const py = p * y;
    const o = 3 * b;
    m[o] = m[o]! + p;
    m[o + 1] = m[o + 1]! + py;
    m[o + 2] = m[o + 2]! + py * y;
  }
  let count = 0;
  for (let b = 0; b < BINS; b++) if (m[3 * b]! > 0) count++;
  const offset = new Float64Array(count);
  const m0 = new Float64Array(count);
  const m1 = new Float64Array(count);
  const m2 = new Float64Array(count);
  for (let b = 0, j = 0; b < BINS; b++) {
    if (!(m[3 * b]! > 0)) continue;
    offset[j] = (min + (b + 0.5) * width - mean) * inv;
    m0[j] = m[3 * b]!;
    m1[j] = m[3 * b + 1]!;
    m2[j] = m[3 * b + 2]!;
    j++;
  }
  return { offset, m0, m1, m2, halfWidth: (width / 2) * inv, count };
}

/** d(λ) and Var_φ(u) from the bins at Λ = λs (centre the mean, shifted by the largest exponent). */
function coarseKl(bins: CoarseBins, lambdaScaled: number): { d: number; variance: number } {
  const { offset, m0, m1, m2, count } = bins;
  const L = lambdaScaled;
  let shift = Number.NEGATIVE_INFINITY;
  for (let j = 0; j < count; j++) shift = Math.max(shift, L * offset[j]!);
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  for (let j = 0; j < count; j++) {
    const D = offset[j]!;
    const w = Math.exp(L * D - shift);
    const g0 = m0[j]! + L * (m1[j]! + (L * m2[j]!) / 2);
    const g1 = m1[j]! + L * m2[j]!;
    s0 += w * g0;
    s1 += w * (D * g0 + g1);
    s2 += w * (D * (D * g0 + 2 * g1) + m2[j]!);
  }
  const m = s1 / s0;
  return { d: L * m - (shift + Math.log(s0)), variance: s2 / s0 - m * m };
}

/**
 * λ with d(λ) = Δ on the bins, by Newton's method kept in a bracket, from `guess`; undefined when the
 * bins cannot say (λh beyond ¼ on the way, or no convergence).
 */
export function coarseLambda(
  bins: CoarseBins,
  scale: number,
  delta: number,
  guess: number,
): number | undefined {
  let lambda = guess;
  let lo = 0;
  let hi = Number.POSITIVE_INFINITY;
  for (let it = 0; it < 100; it++) {
    const L = lambda * scale;
    if (!(L * bins.halfWidth <= 0.25)) return undefined;
    const { d, variance } = coarseKl(bins, L);
    if (!Number.isFinite(d) || !(variance > 0)) return undefined;
    const f = d - delta;
    if (f < 0) lo = lambda;
    else hi = lambda;
    // d'(λ) = λ Var_φ(r) = λ s² Var_φ(u).
    let next = lambda - f / (lambda * scale * scale * variance);
    if (!(next > lo && next < hi)) next = hi === Number.POSITIVE_INFINITY ? 4 * lambda : 0.5 * (lo + hi);
    if (Math.abs(next - lambda) <= 1e-14 * lambda) return next;
    lambda = next;
  }
  return undefined;
}
