import { InputError, show } from "../errors.js";
import { sortValues } from "../numerics/argsort.js";
import { sum } from "../numerics/sum.js";

/**
 * The unbiased estimator of the expected best-of-N reward from m ≥ N scored samples of one prompt
 * (MATH §5; Nakano et al. 2021, WebGPT §4; Gao et al. 2022, app. on best-of-n estimation).
 *
 * With the samples sorted by selection score ascending and g the reward being evaluated,
 *   R̂_N = Σ_{i=N}^{m} w_{i,N} g_i,   w_{i,N} = C(i−1, N−1) / C(m, N),
 * the probability that the i-th smallest of the m samples is the largest of a uniformly random N-subset.
 * So R̂_N is the exact average of "g of the best" over all C(m, N) subsets, hence unbiased for E[g of
 * best-of-N]. Ties in the score: g is averaged within each tied block first (uniform tie-break).
 */

const LOG_FACTORIAL_TABLE = 256;
const logFactorials = (() => {
  const t = new Float64Array(LOG_FACTORIAL_TABLE + 1);
  // Partial sums of log k: relative error ≲ k·ε/log k! on each entry, under 1e-15 for k ≤ 256.
  for (let k = 2; k <= LOG_FACTORIAL_TABLE; k++) t[k] = t[k - 1]! + Math.log(k);
  return t;
})();

/**
 * log k! for integers k ≥ 0. A table up to 256, then Stirling's series
 * log k! = (k + ½) log k − k + ½ log 2π + 1/(12k) − 1/(360k³) + 1/(1260k⁵) − 1/(1680k⁷)
 * (Abramowitz & Stegun 6.1.41), whose truncation error at k > 256 is below 1e-22.
 */
export function logFactorial(k: number): number {
  if (!Number.isInteger(k) || k < 0) throw new InputError("k", `expected an integer ≥ 0, got ${show(k)}`);
  if (k <= LOG_FACTORIAL_TABLE) return logFactorials[k]!;
  const r = 1 / k;
  const r2 = r * r;
  const series = r * (1 / 12 - r2 * (1 / 360 - r2 * (1 / 1260 - r2 / 1680)));
  return (k + 0.5) * Math.log(k) - k + 0.5 * Math.log(2 * Math.PI) + series;
}

/** log C(n, k) for integers 0 ≤ k ≤ n, from log-factorials (never the binomial itself). */
export function logChoose(n: number, k: number): number {
  if (!Number.isInteger(n) || !Number.isInteger(k) || k < 0 || k > n) {
    throw new InputError("k", `expected integers 0 ≤ k ≤ n, got n = ${show(n)}, k = ${show(k)}`);
  }
  return logFactorial(n) - logFactorial(k) - logFactorial(n - k);
}

function checkCounts(m: number, n: number): void {
  if (!Number.isInteger(m) || m < 1) throw new InputError("m", `expected an integer ≥ 1, got ${show(m)}`);
  if (!Number.isInteger(n) || n < 1 || n > m) {
    throw new InputError("n", `expected an integer with 1 ≤ N ≤ m = ${m}, got ${show(n)}`);
  }
}

/**
 * The rank weights w_{i,N} = C(i−1, N−1)/C(m, N), i = 1…m (index i−1), by the downward recurrence
 * w_m = N/m, w_{i−1} = w_i·(i−N)/(i−1): no binomial is formed, the large weights come first, and the
 * relative error of w_i is at most about (m − i)·ε (tiny weights may underflow to 0, harmlessly).
 */
export function bonRankWeights(m: number, n: number): Float64Array {
  checkCounts(m, n);
  const w = new Float64Array(m);
  let v = n / m;
  for (let i = m; i >= n; i--) {
    w[i - 1] = v;
    if (i > n) v *= (i - n) / (i - 1);
  }
  return w;
}

/**
 * One rank weight, for checks and single values. w = (N/m)·C(i−1, N−1)/C(m−1, N−1), and the ratio is
 * Π_{j=1}^{N−1} (i−j)/(m−j) = Π_{k=i}^{m−1} (k−N+1)/k: the shorter product is summed in logs (relative
 * error ≲ (terms)·ε) when it has at most 1000 factors, else log-gamma differences are used.
 */
export function bonRankWeight(i: number, m: number, n: number): number {
  checkCounts(m, n);
  if (!Number.isInteger(i) || i < 1 || i > m) {
    throw new InputError("i", `expected an integer rank 1 ≤ i ≤ m = ${m}, got ${show(i)}`);
  }
  if (i < n) return 0;
  let log = Math.log(n / m);
  if (Math.min(n - 1, m - i) > 1000) log += logChoose(i - 1, n - 1) - logChoose(m - 1, n - 1);
  else if (n - 1 <= m - i) for (let j = 1; j < n; j++) log += Math.log((i - j) / (m - j));
  else for (let k = i; k < m; k++) log += Math.log((k - n + 1) / k);
  return Math.exp(log);
}

function checkFinite(x: Float64Array, field: string): void {
  for (let i = 0; i < x.length; i++) {
    if (!Number.isFinite(x[i]!)) throw new InputError(`${field}[${i}]`, `must be finite, got ${show(x[i])}`);
  }
}

/**
 * The evaluated rewards in ascending order of the selection score, each replaced by the mean over its
 * tied block of scores (uniform tie-break). Without gold the sorted scores themselves.
 */
export function tieAveragedByScore(score: Float64Array, gold?: Float64Array): Float64Array {
  if (gold === undefined) return sortValues(score).sorted;
  const { sorted, carried } = sortValues(score, gold);
  const m = sorted.length;
  for (let start = 0; start < m; ) {
    let end = start + 1;
    while (end < m && sorted[end] === sorted[start]) end++;
    if (end - start > 1) {
      let s = 0;
      for (let k = start; k < end; k++) s += carried[k]!;
      carried.fill(s / (end - start), start, end);
    }
    start = end;
  }
  return carried;
}

/**
 * R̂_N for N = 1…min(nMax, m) (index N−1) for one prompt: `score` selects, `gold` (same length, optional)
 * is the reward evaluated, else the score itself. O(m log m + m·min(nMax, m)).
 * Each sum is taken about the sample mean of g (the weights sum to 1), with compensation (Neumaier).
 */
export function unbiasedBonReward(
  score: Float64Array,
  gold: Float64Array | undefined,
  nMax: number,
): Float64Array {
  const m = score.length;
  if (m === 0) throw new InputError("score", "no samples: at least one scored sample is needed");
  checkFinite(score, "score");
  if (gold !== undefined) {
    if (gold.length !== m) {
      throw new InputError("gold", `has ${gold.length} entries but score has ${m}; they must match`);
    }
    checkFinite(gold, "gold");
  }
  if (!(nMax >= 1) || (!Number.isInteger(nMax) && nMax !== Number.POSITIVE_INFINITY)) {
    throw new InputError("nMax", `expected an integer ≥ 1, got ${show(nMax)}`);
  }
  const g = tieAveragedByScore(score, gold);
  const mean = sum(g) / m;
  const gMin = g.reduce((a, b) => Math.min(a, b), Number.POSITIVE_INFINITY);
  const gMax = g.reduce((a, b) => Math.max(a, b), Number.NEGATIVE_INFINITY);
  const top = Math.min(nMax, m);
  const out = new Float64Array(top);
  for (let n = 1; n <= top; n++) {
    let w = n / m;
    let s = 0;
    let c = 0;
    for (let i = m; i >= n; i--) {
      const term = w * (g[i - 1]! - mean);
      const t = s + term;
      c += Math.abs(s) >= Math.abs(term) ? s - t + term : term - t + s;
      s = t;
      if (i > n) w *= (i - n) / (i - 1);
    }
    // A convex combination of the g's: clamp rounding back into [min g, max g].
    out[n - 1] = Math.min(gMax, Math.max(gMin, mean + (s + c)));
  }
  return out;
}
