import { expFast } from "./fastExp.js";
import { NeumaierSum } from "./sum.js";

/**
 * The sums behind one point of the exponential tilt (the same formulas as tilt.ts), over reward levels
 * sorted ascending: values v with masses P, for a centre c and λ > 0. With x = λ(v − c):
 *   L = log Σ P e^x,  m = Σ P (v − c) e^x / Σ P e^x,  m2 = Σ P (v − c)² e^x / Σ P e^x,  d = λm − L.
 * Sorted values make every branch of the pass a contiguous range (x is increasing in the index), so
 * each range runs as its own branch-free loop, and exponentials use expFast. Blocks of BLOCK terms are
 * summed plainly and the block sums with compensation, as in tilt.ts.
 */
export interface TiltSums {
  readonly L: number;
  readonly m: number;
  readonly m2: number;
  readonly d: number;
  /** max(|λm|, |L|)/|d|: how much the difference d = λm − L cancelled. */
  readonly cond: number;
}

const BLOCK = 512;

/**
 * First index in [0, n) whose x = λ(v − c) is above `limit` (or at least `limit` when `inclusive`);
 * values ascend, so x, computed exactly as the loops compute it, does not decrease with the index.
 */
function firstX(values: Float64Array, c: number, lambda: number, limit: number, inclusive: boolean): number {
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const x = lambda * (values[mid]! - c);
    if (inclusive ? x >= limit : x > limit) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * Centre c = E_p r (for moderate λ): L = log1p(λ·residual + Σ P (e^x − 1 − x)), every term ≥ 0, with
 * e^x − 1 − x from its series where |x| < ½ and from e^x elsewhere (tilt.ts's statsAtMean).
 * `residual` is Σ P (v − c) as computed: what rounding left of a quantity that is 0 exactly.
 */
export function meanCentredSums(
  values: Float64Array,
  mass: Float64Array,
  c: number,
  residual: number,
  lambda: number,
): TiltSums {
  const n = values.length;
  // The series range [seriesFrom, seriesTo): −½ < x < ½, the same test as tilt.ts's.
  const seriesFrom = firstX(values, c, lambda, -0.5, false);
  const seriesTo = Math.max(seriesFrom, firstX(values, c, lambda, 0.5, true));
  const T = new NeumaierSum();
  const M1 = new NeumaierSum();
  const M2 = new NeumaierSum();
  T.add(lambda * residual);
  for (let start = 0; start < n; start += BLOCK) {
    const end = Math.min(n, start + BLOCK);
    let t = 0;
    let m1 = 0;
    let m2 = 0;
    // Below the series range, then in it, then above it.
    const a = Math.min(Math.max(seriesFrom, start), end);
    const b = Math.min(Math.max(seriesTo, a), end);
    for (let i = start; i < a; i++) {
      const dr = values[i]! - c;
      const x = lambda * dr;
      const e = expFast(x) - 1;
      const pi = mass[i]!;
      t += pi * (e - x);
      m1 += pi * dr * e;
      m2 += pi * dr * dr * (1 + e);
    }
    for (let i = a; i < b; i++) {
      const dr = values[i]! - c;
      const x = lambda * dr;
      const emx = expm1mxEstrin(x);
      const e = x + emx;
      const pi = mass[i]!;
      t += pi * emx;
      m1 += pi * dr * e;
      m2 += pi * dr * dr * (1 + e);
    }
    for (let i = b; i < end; i++) {
      const dr = values[i]! - c;
      const x = lambda * dr;
      const e = expFast(x) - 1;
      const pi = mass[i]!;
      t += pi * (e - x);
      m1 += pi * dr * e;
      m2 += pi * dr * dr * (1 + e);
    }
    T.add(t);
    M1.add(m1);
    M2.add(m2);
  }
  return meanCentredResult(lambda, residual, T.value, M1.value, M2.value);
}

/**
 * The tilt's quantities from the mean-centred sums t = λ·residual + Σ p (e^x − 1 − x), M1 = Σ p (r−c)(e^x − 1)
 * and M2 = Σ p (r−c)² e^x (shared with tilt.ts, which makes the same sums over outcomes).
 */
export function meanCentredResult(
  lambda: number,
  residual: number,
  t: number,
  M1: number,
  M2: number,
): TiltSums {
  const L = Math.log1p(t);
  const m = (residual + M1) / (1 + t);
  return withGap(lambda, L, m, M2 / (1 + t));
}

/** The tilt's quantities from the max-shifted sums s = Σ p e^{x − mx}, M1 = Σ … (r−c), M2 = Σ … (r−c)². */
export function maxCentredResult(lambda: number, mx: number, s: number, M1: number, M2: number): TiltSums {
  return withGap(lambda, mx + Math.log(s), M1 / s, M2 / s);
}

/** d = λm − L and how much it cancelled. */
function withGap(lambda: number, L: number, m: number, m2: number): TiltSums {
  const d = lambda * m - L;
  return { L, m, m2, d, cond: Math.max(Math.abs(lambda * m), Math.abs(L)) / Math.abs(d) };
}

/**
 * Centre c = r_max (for large λ): a max-shifted log-sum-exp, every x ≤ 0 (tilt.ts's statsAtMax). When
 * the shift is moderate, P·e^x·e^{−max} saves the log P addition, and levels whose e^x underflows to 0
 * (a prefix, since x increases) are skipped: they add exactly 0.
 */
export function maxCentredSums(
  values: Float64Array,
  mass: Float64Array,
  logMass: Float64Array,
  c: number,
  lambda: number,
): TiltSums {
  const n = values.length;
  let mx = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n; i++) {
    const a = logMass[i]! + lambda * (values[i]! - c);
    if (a > mx) mx = a;
  }
  const S = new NeumaierSum();
  const M1 = new NeumaierSum();
  const M2 = new NeumaierSum();
  const shift = Math.exp(-mx);
  const direct = mx > -600;
  // expFast(x) is exactly 0 below −745.2.
  const first = direct ? firstX(values, c, lambda, -745.2, true) : 0;
  for (let start = first - (first % BLOCK); start < n; start += BLOCK) {
    const end = Math.min(n, start + BLOCK);
    let s0 = 0;
    let m1 = 0;
    let m2 = 0;
    if (direct) {
      for (let i = Math.max(start, first); i < end; i++) {
        const dr = values[i]! - c;
        const w = mass[i]! * expFast(lambda * dr) * shift;
        s0 += w;
        m1 += w * dr;
        m2 += w * dr * dr;
      }
    } else {
      for (let i = start; i < end; i++) {
        const dr = values[i]! - c;
        const w = expFast(logMass[i]! + lambda * dr - mx);
        s0 += w;
        m1 += w * dr;
        m2 += w * dr * dr;
      }
    }
    S.add(s0);
    M1.add(m1);
    M2.add(m2);
  }
  return maxCentredResult(lambda, mx, S.value, M1.value, M2.value);
}

const F = [1, 1, 2, 6, 24, 120, 720, 5040, 40320, 362880, 3628800, 39916800, 479001600, 6227020800];
const C2 = 1 / F[2]!;
const C3 = 1 / F[3]!;
const C4 = 1 / F[4]!;
const C5 = 1 / F[5]!;
const C6 = 1 / F[6]!;
const C7 = 1 / F[7]!;
const C8 = 1 / F[8]!;
const C9 = 1 / F[9]!;
const C10 = 1 / F[10]!;
const C11 = 1 / F[11]!;
const C12 = 1 / F[12]!;
const C13 = 1 / F[13]!;
const C14 = 1 / 87178291200;
const C15 = 1 / 1307674368000;
const C16 = 1 / 20922789888000;
const C17 = 1 / 355687428096000;

/**
 * Σ_{k=2}^{17} x^k/k! (e^x − 1 − x for |x| < ½, truncation < 1e-20 relative), the same series as
 * logspace.ts's expm1mxSeries, evaluated by Estrin's scheme: four independent cubics instead of one
 * chain of 16 dependent steps, which the processor overlaps.
 */
function expm1mxEstrin(x: number): number {
  const x2 = x * x;
  const x4 = x2 * x2;
  const a = C2 + x * C3 + x2 * (C4 + x * C5);
  const b = C6 + x * C7 + x2 * (C8 + x * C9);
  const c = C10 + x * C11 + x2 * (C12 + x * C13);
  const d = C14 + x * C15 + x2 * (C16 + x * C17);
  return x2 * (a + x4 * b + x4 * x4 * (c + x4 * d));
}
