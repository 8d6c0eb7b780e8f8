/**
 * Log-domain elementary functions. Every function here is exact to a few ulps over the domain stated
 * and never forms a quantity that can overflow or cancel when its logarithm is well defined.
 * Reference for the branch points: M. Mächler, "Accurately computing log(1 − exp(−|a|))", Rmpfr
 * vignette, 2012.
 */

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
 * Outside the domain (x < 0) the result is NaN by definition; callers only pass x ≥ 0.
 */
export function log1mexp(x: number): number {
  return x <= Math.LN2 ? Math.log(-Math.expm1(-x)) : Math.log1p(-Math.exp(-x));
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
  // log(−log(1 − x)/x) = x/2 + 5x²/24 + x³/8 + …; below x = e^{−12} the x³ term is under 1e-16·|y|.
  if (y < -12) {
    const x = Math.exp(y);
    return y + x * (0.5 + (5 / 24) * x);
  }
  // log1mexp keeps 1 − e^y accurate when y is close to 0 (log1p(−e^y) would round e^y to 1).
  return Math.log(-log1mexp(-y));
}

/** log(log(1 + e^y)) for every real y: the log of log1pexp, exact for very negative y. */
export function logLog1pExp(y: number): number {
  // log(log(1 + x)/x) = −x/2 + 5x²/24 − x³/8 + …; below x = e^{−12} the x³ term is under 1e-16·|y|.
  if (y < -12) {
    const x = Math.exp(y);
    return y + x * (-0.5 + (5 / 24) * x);
  }
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
