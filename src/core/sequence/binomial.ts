import { log1mexp } from "../numerics/logspace.js";
import { NeumaierSum } from "../numerics/sum.js";

/**
 * The binomial law in the log domain by Loader's saddle-point form (C. Loader, "Fast and accurate
 * computation of binomial probabilities", 2000; the algorithm of R's dbinom):
 *   log b(k; n, p) = stirlerr(n) − stirlerr(k) − stirlerr(n−k) − bd0(k, np) − bd0(n−k, nq)
 *                    − ½ log(2π k (n−k)/n).
 * Every term is O(1) or a non-negative deviance computed without cancellation, so the result keeps
 * relative accuracy for n up to 2^53, where lgamma(n+1) − lgamma(k+1) − lgamma(n−k+1) would cancel.
 */

const LN_SQRT_2PI = 0.9189385332046728;

/** stirlerr(n) = log n! − (n + ½) log n + n − log √(2π) for n = 0..15 (Loader's table, integer n). */
const STIRLERR_SMALL = [
  0, 0.08106146679532726, 0.0413406959554093, 0.02767792568499834, 0.020790672103765093, 0.016644691189821193,
  0.013876128823070748, 0.01189670994589177, 0.010411265261972096, 0.009255462182712733, 0.00833056343336287,
  0.007573675487951841, 0.00694284010720953, 0.006408994188004207, 0.0059513701127588475,
  0.005554733551962801,
];

/** Stirling's error term log n! − log(√(2πn) (n/e)^n) for integer n ≥ 1 (Loader 2000, series for n > 15). */
export function stirlerr(n: number): number {
  if (n <= 15) return STIRLERR_SMALL[n]!;
  const S0 = 1 / 12;
  const S1 = 1 / 360;
  const S2 = 1 / 1260;
  const S3 = 1 / 1680;
  const S4 = 1 / 1188;
  const nn = n * n;
  if (n > 500) return (S0 - S1 / nn) / n;
  if (n > 80) return (S0 - (S1 - S2 / nn) / nn) / n;
  if (n > 35) return (S0 - (S1 - (S2 - S3 / nn) / nn) / nn) / n;
  return (S0 - (S1 - (S2 - (S3 - S4 / nn) / nn) / nn) / nn) / n;
}

/** The deviance x log(x/M) + M − x ≥ 0, by a series in v = (x − M)/(x + M) when x ≈ M (Loader 2000). */
export function bd0(x: number, M: number): number {
  if (Math.abs(x - M) < 0.1 * (x + M)) {
    let v = (x - M) / (x + M);
    let s = (x - M) * v;
    let ej = 2 * x * v;
    v = v * v;
    for (let j = 1; j < 1000; j++) {
      ej *= v;
      const s1 = s + ej / (2 * j + 1);
      if (s1 === s) return s1;
      s = s1;
    }
    return s;
  }
  return x * Math.log(x / M) + M - x;
}

/**
 * log P(K = k) for K ~ Binomial(n, p), given p and q = 1 − p each accurate (pass both: q = 1 − p would
 * lose p's relative accuracy when p is near 1) and their logs.
 */
export function binomialLogPmf(
  k: number,
  n: number,
  p: number,
  q: number,
  logp: number,
  logq: number,
): number {
  if (k < 0 || k > n || !Number.isInteger(k)) return Number.NEGATIVE_INFINITY;
  if (k === 0) return n * logq;
  if (k === n) return n * logp;
  const lc = stirlerr(n) - stirlerr(k) - stirlerr(n - k) - bd0(k, n * p) - bd0(n - k, n * q);
  return lc + 0.5 * Math.log(n / (k * (n - k))) - LN_SQRT_2PI;
}

/** Below this many nats under the first term a monotone tail sum stops (the rest is < e^{−50} of it). */
const TAIL_CUTOFF = 50;

/** log Σ of the pmf from k0 outward (direction ±1) while the terms decrease, to e^{−50} of the first. */
function monotoneTail(k0: number, dir: 1 | -1, pmf: (k: number) => number, n: number): number {
  const first = pmf(k0);
  if (first === Number.NEGATIVE_INFINITY) return first;
  const s = new NeumaierSum();
  for (let k = k0; k >= 0 && k <= n; k += dir) {
    const t = pmf(k) - first;
    s.add(Math.exp(t));
    if (t < -TAIL_CUTOFF) break;
  }
  return first + Math.log(s.value);
}

/**
 * log P(K ≥ k0) and log P(K ≤ k0) for K ~ Binomial(n, p): the tail away from the mode is summed outward
 * from k0 (its terms decrease geometrically or faster), the other as log(1 − that of k0 ∓ 1).
 */
export function binomialLogTails(
  k0: number,
  n: number,
  p: number,
  q: number,
  logp: number,
  logq: number,
): { upper: number; lower: number } {
  const pmf = (k: number) => binomialLogPmf(k, n, p, q, logp, logq);
  const mode = Math.min(n, Math.floor((n + 1) * p));
  const upper = (k: number): number => {
    if (k <= 0) return 0;
    if (k > n) return Number.NEGATIVE_INFINITY;
    if (k > mode) return monotoneTail(k, 1, pmf, n);
    return log1mexp(-monotoneTail(k - 1, -1, pmf, n));
  };
  const lower = (k: number): number => {
    if (k >= n) return 0;
    if (k < 0) return Number.NEGATIVE_INFINITY;
    if (k < mode) return monotoneTail(k, -1, pmf, n);
    return log1mexp(-monotoneTail(k + 1, 1, pmf, n));
  };
  return { upper: upper(k0), lower: lower(k0) };
}
