import { levelsOf } from "../levels.js";
import type { Model } from "../model.js";
import { sortValues } from "../numerics/argsort.js";
import { logSumExp } from "../numerics/logspace.js";

/**
 * The exact law of S_n for any finite reward law (lattice or not) by enumerating the compositions of n
 * over the L reward levels: S_n = Σ c_l v_l with probability n!/Π c_l! · Π P_l^{c_l} (multinomial, in
 * logs). There are C(n+L−1, L−1) of them, so this is for small n·L only: the reference for the saddlepoint
 * and quantised answers, and the exact answer for short sequences.
 */

/** Largest number of compositions enumerated. */
export const MAX_COMPOSITIONS = 200_000;

/** C(n+L−1, L−1), or Infinity once it exceeds `cap`. */
export function compositionCount(n: number, L: number, cap = MAX_COMPOSITIONS): number {
  let c = 1;
  for (let i = 1; i < L; i++) {
    c = (c * (n + i)) / i;
    if (c > cap) return Number.POSITIVE_INFINITY;
  }
  return Math.round(c);
}

/** The law of S_n: strictly increasing values and their log-probabilities. */
export interface EnumeratedLaw {
  readonly values: Float64Array;
  readonly logMass: Float64Array;
}

/**
 * The law of S_n by enumeration, or undefined when there are more than MAX_COMPOSITIONS compositions.
 * Sums that differ by rounding only (within 64ε·n·max|v|) are one value.
 */
export function enumeratedLaw(model: Model, n: number): EnumeratedLaw | undefined {
  const { values: v, logMass: lq, count: L } = levelsOf(model);
  const total = compositionCount(n, L);
  if (!Number.isFinite(total)) return undefined;
  // log k! for k ≤ n, a compensated running sum of logs.
  const logFact = new Float64Array(n + 1);
  let acc = 0;
  let comp = 0;
  for (let k = 1; k <= n; k++) {
    const y = Math.log(k) - comp;
    const t = acc + y;
    comp = t - acc - y;
    acc = t;
    logFact[k] = acc;
  }
  const sums = new Float64Array(total);
  const logs = new Float64Array(total);
  let idx = 0;
  // Depth-first over c_0..c_{L−1} with Σ c = n; the last level takes what is left.
  const visit = (l: number, left: number, value: number, logp: number): void => {
    if (l === L - 1) {
      sums[idx] = value + left * v[l]!;
      logs[idx] = logp + left * lq[l]! - logFact[left]!;
      idx++;
      return;
    }
    for (let c = 0; c <= left; c++) {
      visit(l + 1, left - c, value + c * v[l]!, logp + c * lq[l]! - logFact[c]!);
    }
  };
  visit(0, n, 0, logFact[n]!);
  const { sorted, carried } = sortValues(sums, logs);
  let maxAbs = 0;
  for (let l = 0; l < L; l++) maxAbs = Math.max(maxAbs, Math.abs(v[l]!));
  const tol = 64 * Number.EPSILON * n * maxAbs;
  const outV: number[] = [];
  const outL: number[] = [];
  for (let i = 0; i < total; ) {
    let j = i + 1;
    while (j < total && sorted[j]! - sorted[i]! <= tol) j++;
    outV.push(sorted[i]!);
    outL.push(j - i === 1 ? carried[i]! : logSumExp(carried, i, j));
    i = j;
  }
  // Normalise away the rounding of the log-factorials.
  const logTotal = logSumExp(outL);
  return { values: Float64Array.from(outV), logMass: Float64Array.from(outL, (x) => x - logTotal) };
}

/** Point probability and both tails of S_n at s, exactly by enumeration, in logs. */
export interface EnumeratedTail {
  readonly logPmf: number;
  readonly logUpperTail: number;
  readonly logLowerTail: number;
  /** Bound on the relative error of each finite, non-zero log above. */
  readonly relErrorBound: number;
}

/**
 * The tail of S_n at s from the enumerated law, or undefined when enumeration is too large. Sums within
 * the law's rounding tolerance of s count as equal to s (so P(S_n = s) is an atom, not zero, when s was
 * typed as a sum of rewards rounded to a few digits).
 */
export function enumeratedTail(model: Model, n: number, s: number): EnumeratedTail | undefined {
  const law = enumeratedLaw(model, n);
  if (!law) return undefined;
  const { values, logMass } = law;
  const { values: v, logMass: lq, count: L } = levelsOf(model);
  let maxAbs = 0;
  let maxLog = 0;
  for (let l = 0; l < L; l++) {
    maxAbs = Math.max(maxAbs, Math.abs(v[l]!));
    if (Number.isFinite(lq[l]!)) maxLog = Math.max(maxLog, -lq[l]!);
  }
  const tol = 64 * Number.EPSILON * n * maxAbs;
  // First index with value ≥ s − tol and first with value > s + tol (values strictly increase).
  let lo = 0;
  while (lo < values.length && values[lo]! < s - tol) lo++;
  let hi = lo;
  while (hi < values.length && values[hi]! <= s + tol) hi++;
  const logPmf = hi > lo ? logSumExp(logMass, lo, hi) : Number.NEGATIVE_INFINITY;
  const logUpperTail = lo < values.length ? logSumExp(logMass, lo, values.length) : Number.NEGATIVE_INFINITY;
  const logLowerTail = hi > 0 ? logSumExp(logMass, 0, hi) : Number.NEGATIVE_INFINITY;
  // Each log-mass is a sum of at most 2L + 1 rounded terms of size ≤ n·maxLog + log n! (≤ n log n + n·maxLog),
  // then normalised and log-sum-exp'ed: an absolute error of a few ε times that size, over |log P|.
  const size = n * maxLog + n * Math.log(Math.max(n, 2)) + 1;
  const absError = (4 * L + 8) * Number.EPSILON * size;
  const rel = (x: number) => (Number.isFinite(x) && x !== 0 ? absError / Math.abs(x) : 0);
  return {
    logPmf,
    logUpperTail: Math.min(0, logUpperTail),
    logLowerTail: Math.min(0, logLowerTail),
    relErrorBound: Math.max(rel(logPmf), rel(logUpperTail), rel(logLowerTail)),
  };
}
