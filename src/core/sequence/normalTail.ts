/**
 * The standard normal tail Q(x) = P(Z ≥ x) and Mills' ratio R(x) = Q(x)/φ(x), for the saddlepoint
 * formulas, where Q is needed far beyond the underflow of e^{−x²/2}. Abramowitz & Stegun 7.1.6 (the
 * positive series of erf) below the crossover; above it the Laplace continued fraction
 * R(x) = 1/(x + 1/(x + 2/(x + 3/(x + …)))) (A&S 26.2.14), evaluated bottom-up.
 */

const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);
const CROSSOVER = 3;

/** log φ(x) = −x²/2 − ½ log 2π. */
export function logNormalDensity(x: number): number {
  return -0.5 * x * x - LOG_SQRT_2PI;
}

/** erf(z) for 0 ≤ z ≤ 3/√2 by A&S 7.1.6: (2/√π) e^{−z²} Σ 2^k z^{2k+1}/(1·3·…·(2k+1)), all terms positive. */
function erfSeries(z: number): number {
  let term = z;
  let sum = z;
  for (let k = 1; k < 200; k++) {
    term *= (2 * z * z) / (2 * k + 1);
    sum += term;
    if (term < 1e-17 * sum) break;
  }
  return (2 / Math.sqrt(Math.PI)) * Math.exp(-z * z) * sum;
}

/** Mills' ratio R(x) = Q(x)/φ(x) for x ≥ CROSSOVER (continued fraction, relative error < 1e-15). */
function millsFraction(x: number): number {
  // The fraction's tail after k levels errs by about e^{−2x√k}: 400 levels suffice at x = 3.
  const depth = x < 5 ? 400 : x < 10 ? 120 : 40;
  let t = x;
  for (let k = depth; k >= 1; k--) t = x + k / t;
  return 1 / t;
}

/** Q(x) = P(Z ≥ x) for any real x (0 and 1 at ∓∞). */
export function normalUpper(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  if (x < 0) return 1 - normalUpper(-x);
  if (x <= CROSSOVER) return 0.5 * (1 - erfSeries(x / Math.SQRT2));
  if (x === Number.POSITIVE_INFINITY) return 0;
  return Math.exp(logNormalDensity(x)) * millsFraction(x);
}

/** log Q(x), accurate for every x ≥ 0 however far Q is below the smallest double. */
export function logNormalUpper(x: number): number {
  if (x <= CROSSOVER) return Math.log(normalUpper(x));
  if (x === Number.POSITIVE_INFINITY) return Number.NEGATIVE_INFINITY;
  return logNormalDensity(x) + Math.log(millsFraction(x));
}

/**
 * R(x) − 1/x for x > 0: what the Lugannani–Rice formula adds to 1/u in the upper tail. Near 0 it is
 * dominated by −1/x; far out it is −1/x³ + 3/x⁵ − …, taken from the asymptotic series past x = 1e4.
 */
export function millsMinusReciprocal(x: number): number {
  if (x > 1e4) {
    const y = 1 / (x * x);
    return (-y / x) * (1 - 3 * y + 15 * y * y);
  }
  const r = x <= CROSSOVER ? normalUpper(x) / Math.exp(logNormalDensity(x)) : millsFraction(x);
  return r - 1 / x;
}
