/**
 * Log-domain elementary functions. Every function here is exact to a few ulps over the domain stated
 * and never forms a quantity that can overflow or cancel when its logarithm is well defined.
 * Reference for the branch points: M. Mächler, "Accurately computing log(1 − exp(−|a|))", Rmpfr
 * vignette, 2012.
 */

import { expFast } from "./fastExp.js";

/** log(e^a + e^b); −∞ when both are −∞. */
export function logAddExp(a: number, b: number): number {
  if (a === Number.NEGATIVE_INFINITY) return b;
  if (b === Number.NEGATIVE_INFINITY) return a;
  if (a === b) return a + Math.LN2; // also +∞ for a = b = +∞ (the general branch gives ∞ − ∞ = NaN)
  return a > b ? a + Math.log1p(Math.exp(b - a)) : b + Math.log1p(Math.exp(a - b));
}

/**
 * log Σ e^{x_i} over x[from..to) (two passes: the maximum, then a scaled sum).
 * −∞ for an empty range or when every term is −∞; +∞ when some term is +∞.
 */
export function logSumExp(x: ArrayLike<number>, from = 0, to = x.length): number {
  let max = Number.NEGATIVE_INFINITY;
  for (let i = from; i < to; i++) {
    const v = x[i]!;
    if (v > max) max = v;
  }
  if (max === Number.NEGATIVE_INFINITY || max === Number.POSITIVE_INFINITY) return max;
  let s = 0;
  for (let i = from; i < to; i++) s += Math.exp(x[i]! - max);
  return max + Math.log(s);
}

/**
 * log(1 − e^{−x}) for x ≥ 0: −∞ at 0, 0 at +∞. Mächler's switch at log 2 keeps full relative accuracy.
 * Below it, log x + log1mexpRatio(x) takes one logarithm where log(−expm1(−x)) takes two; above 37,
 * −e^{−x} is exact to rounding (the next term, e^{−2x}/2, is below half an ulp of it).
 * Outside the domain (x < 0) the result is NaN by definition; callers only pass x ≥ 0.
 */
export function log1mexp(x: number): number {
  if (x <= Math.LN2) return Math.log(x) + log1mexpRatio(x);
  if (x <= 37) return Math.log1p(-expFast(-x));
  return -expFast(-x);
}

/**
 * log((1 − e^{−x})/x) for 0 ≤ x ≤ log 2. Since 1 − e^{−x} = 2e^{−x/2} sinh(x/2), this is
 * −x/2 + log(sinh(x/2)/(x/2)) = −x/2 + Σ_{k≥1} B_{2k} x^{2k} / (2k·(2k)!) (B: Bernoulli numbers), a
 * series in x² that converges for x < 2π; eight terms leave a truncation below 7e-19 on the domain
 * (checked against mpmath), against a result of magnitude ≥ log 2 once log x is added.
 */
export function log1mexpRatio(x: number): number {
  const y = x * x;
  const s =
    1 / 24 +
    y *
      (-1 / 2880 +
        y *
          (1 / 181440 +
            y *
              (-1 / 9676800 +
                y *
                  (1 / 479001600 +
                    y *
                      (-691 / 15692092416000 +
                        y * (1 / 1046139494400 + y * (-3617 / 170729965486080000)))))));
  return -0.5 * x + y * s;
}

/** Where the log1p series below hold: |t| < 2^−12. */
export const SMALL_T = 2.44140625e-4;

/**
 * log(1 + t) for t > −1, as Math.log1p but by its series t − t²/2 + t³/3 − t⁴/4 + t⁵/5 when |t| < 2^−12
 * (relative truncation below 1.5e-19): hot loops pass mostly tiny t.
 */
export function log1pFast(t: number): number {
  if (Math.abs(t) < SMALL_T) return t * (1 + t * (-0.5 + t * (1 / 3 + t * (-0.25 + t * 0.2))));
  return Math.log1p(t);
}

/**
 * log(log1p(t)/t) for |t| < 2^−12, by its series −t/2 + 5t²/24 − t³/8 + 251t⁴/2880 − 19t⁵/288
 * (absolute truncation below 1e-22 on the domain, checked against mpmath).
 */
export function logLog1pRatio(t: number): number {
  return t * (-0.5 + t * (5 / 24 + t * (-0.125 + t * (251 / 2880 - t * (19 / 288)))));
}

/** log(1 + e^x) for every real x (Mächler's four branches). */
export function log1pexp(x: number): number {
  if (x <= -37) return Math.exp(x);
  if (x <= 18) return Math.log1p(Math.exp(x));
  if (x <= 33.3) return x + Math.exp(-x);
  return x;
}

/** e^x − 1 − x without cancellation near 0 (series for |x| < 1/2, truncation < 1e-20). */
export function expm1mx(x: number): number {
  return Math.abs(x) < 0.5 ? expm1mxSeries(x) : Math.expm1(x) - x;
}

/** Σ_{k=2}^{17} x^k/k! in Horner form: e^x − 1 − x to full relative accuracy for |x| < 1/2. */
export function expm1mxSeries(x: number): number {
  let t = INV_FACT[17]!;
  for (let k = 16; k >= 2; k--) t = t * x + INV_FACT[k]!;
  return t * x * x;
}

const FACT: number[] = [1];
for (let k = 1; k <= 25; k++) FACT[k] = FACT[k - 1]! * k;
const INV_FACT = Float64Array.from(FACT, (f) => 1 / f);
/** (k−1)/k!: the coefficients of g(u) = u e^u − e^u + 1. */
const KL_SERIES = Float64Array.from(FACT, (f, k) => (k - 1) / f);

/**
 * log(−log(1 − e^{y})) for y < 0, i.e. log(−log(1 − Q)) given y = log Q with 0 < Q < 1.
 * For tiny Q this is y + Q/2 + …; it stays exact when Q is far below the smallest double.
 */
export function logMinusLog1mExp(y: number): number {
  // log(−log(1 − x)/x) = logLog1pRatio(−x), x = e^y: the series, exact to rounding below x = e^{−12}.
  if (y < -12) return y + logLog1pRatio(-Math.exp(y));
  // log1mexp keeps 1 − e^y accurate when y is close to 0 (log1p(−e^y) would round e^y to 1).
  return Math.log(-log1mexp(-y));
}

/** log(log(1 + e^y)) for every real y: the log of log1pexp, exact for very negative y. */
export function logLog1pExp(y: number): number {
  // log(log(1 + x)/x) = logLog1pRatio(x), x = e^y: the series, exact to rounding below x = e^{−12}.
  if (y < -12) return y + logLog1pRatio(Math.exp(y));
  return Math.log(log1pexp(y));
}

/**
 * g(u) = u e^u − e^u + 1 ≥ 0, the per-outcome KL integrand: KL(q‖p) = Σ p g(log(q/p)) when both sum to 1.
 * Series Σ_{k≥2} (k−1) u^k / k! for |u| < 1 (24 terms, truncation < 1e-22); closed forms elsewhere,
 * where the cancellation costs at most a factor 4 (at u = −1).
 */
export function klIntegrand(u: number): number {
  if (u === Number.NEGATIVE_INFINITY) return 1;
  if (Math.abs(u) < 1) {
    let t = 0;
    for (let k = 24; k >= 2; k--) t = t * u + KL_SERIES[k]!;
    return t * u * u;
  }
  if (u < 0) return 1 - Math.exp(u) * (1 - u);
  return (u - 1) * Math.expm1(u) + u;
}

/**
 * p·g(u) given log p and u = log(q/p): one term of KL(q‖p) = Σ_y [q log(q/p) − q + p], which is ≥ 0
 * term by term, so sums of such terms never cancel. Large u is handled through q = p e^u directly so
 * that neither e^u nor p overflow or underflow on their own.
 */
export function klTerm(logp: number, u: number): number {
  if (logp === Number.NEGATIVE_INFINITY) return u === Number.NEGATIVE_INFINITY ? 0 : Number.POSITIVE_INFINITY;
  if (u === Number.POSITIVE_INFINITY) return Number.POSITIVE_INFINITY;
  if (u >= 1) return Math.exp(logp + u) * (u - 1) + Math.exp(logp);
  return Math.exp(logp) * klIntegrand(u);
}

/**
 * klTerm when p and q = p e^u are both known as normal doubles: no transcendental call. The branches
 * are klTerm's (q(u − 1) + p for u ≥ 1, the series for |u| < 1, p − q(1 − u) below), with q in place
 * of p e^u; the result differs from klTerm's by the rounding of q only.
 */
export function klTermLinear(p: number, q: number, u: number): number {
  if (u >= 1) return q * (u - 1) + p;
  if (u > -1) return p * klIntegrand(u);
  return p - q * (1 - u);
}

/**
 * Running log Σ_{j≤i} e^{x_j} (or Σ_{j≥i} when `reverse`), with a rescaled, compensated running sum so
 * the relative error stays a few ε however many terms there are.
 */
export function cumulativeLogSumExp(x: ArrayLike<number>, reverse = false): Float64Array {
  const n = x.length;
  const out = new Float64Array(n);
  let m = Number.NEGATIVE_INFINITY;
  let s = 0;
  let c = 0;
  for (let k = 0; k < n; k++) {
    const i = reverse ? n - 1 - k : k;
    const v = x[i]!;
    if (v > m) {
      const scale = m === Number.NEGATIVE_INFINITY ? 0 : Math.exp(m - v);
      s *= scale;
      c *= scale;
      m = v;
    }
    if (v !== Number.NEGATIVE_INFINITY) {
      const t = Math.exp(v - m);
      const u = s + t;
      if (Math.abs(s) >= t) c += s - u + t;
      else c += t - u + s;
      s = u;
    }
    out[i] = m === Number.NEGATIVE_INFINITY ? m : m + Math.log(s + c);
  }
  return out;
}
