import { InputError, show } from "./errors.js";
import { type Levels, levelsOf, logAboveAt, logBelow, logCdfAt, outcomeLogProbs } from "./levels.js";
import type { Model } from "./model.js";
import { expFast } from "./numerics/fastExp.js";
import {
  expm1mx,
  klTerm,
  klTermLinear,
  log1mexp,
  log1mexpRatio,
  log1pexp,
  log1pFast,
  logLog1pExp,
  logLog1pRatio,
  logMinusLog1mExp,
  SMALL_T,
} from "./numerics/logspace.js";
import { NeumaierSum } from "./numerics/sum.js";
import { settledTail, topLevels } from "./topLevels.js";

/**
 * Best-of-N (MATH §2): the law of the selected reward P_N(v) = F(v)^N − F(v⁻)^N with uniform tie-break,
 * for real N ≥ 1 given as N or as log N, entirely in the log domain.
 *
 * With A(v) = N·(−log F(v)) and δ(v) = N·log(F(v)/F(v⁻)):  log P_N(v) = −A(v) + log1mexp(δ(v)).
 * −log F comes from the upper tail Q when F ≥ ½ (so Q far below 1e-308 still counts), and δ from
 * log1p(P(v)/F(v⁻)), so neither F^N nor a difference of two powers is ever formed.
 * For N < e the ratio P_N(v)/P(v) = F^{N−1}(1 + ρ(1 − ρ^{N−1})/(1 − ρ)), ρ = F(v⁻)/F(v), is used
 * instead with N − 1 = expm1(log N): it keeps the KL's relative accuracy as N → 1.
 * Each has two implementations (logRatios picks): one reading the tails linearly, with N itself formed,
 * for the common case (every level mass a normal double, N ≤ e^700), where most levels cost one
 * logarithm; and one entirely in logs for the rest (huge N, masses far below 1e-308).
 */

/** N or log N for best-of-N: give exactly one (real N ≥ 1, or log N ≥ 0 for N beyond a double). */
export interface BonOptions {
  readonly n?: number;
  readonly logN?: number;
}

/** The best-of-N policy π_N on a model's reward levels, with its reward, exact KL and win rate. */
export interface BonResult {
  /** N, or Infinity when e^{log N} overflows a double. */
  readonly n: number;
  readonly logN: number;
  /** log π_N per reward level (levelsOf order). */
  readonly levelLogProbs: Float64Array;
  /** E_{π_N} r. */
  readonly reward: number;
  /** KL(π_N ‖ p), exact with ties. */
  readonly kl: number;
  /** The folklore value log N − (N−1)/N, an upper bound on kl (Beirami et al. 2024). */
  readonly klBound: number;
  /** P(best-of-N beats a fresh draw from p), ties counted half. */
  readonly winRate: number;
}

/** Validates N or log N (exactly one) and returns log N ∈ [0, ∞]. */
export function resolveLogN(options: BonOptions, nField = "n", logNField = "logN"): number {
  const { n, logN } = options;
  if ((n === undefined) === (logN === undefined)) {
    throw new InputError(nField, `give exactly one of ${nField} and ${logNField}`);
  }
  if (n !== undefined) {
    if (typeof n !== "number" || Number.isNaN(n) || n < 1) {
      throw new InputError(nField, `N must be a number ≥ 1, got ${show(n)}`);
    }
    return Math.log(n);
  }
  if (typeof logN !== "number" || Number.isNaN(logN) || logN < 0) {
    throw new InputError(logNField, `log N must be a number ≥ 0 (N ≥ 1), got ${show(logN)}`);
  }
  return logN;
}

/** log(−log F(v_l)), from whichever of F and Q = 1 − F is the smaller. −∞ at the top level. */
function logMinusLogCdf(levels: Levels, l: number, logQ: number): number {
  if (logQ <= -Math.LN2) return logQ === Number.NEGATIVE_INFINITY ? logQ : logMinusLog1mExp(logQ);
  return Math.log(-logCdfAt(levels, l));
}

/**
 * The least Q above which logN + log Q > 710 for sure (see logRatios), so that the test needs no log:
 * a relative margin of 1e-9 covers the rounding of exp, log and the sum. 0 when every Q > 0 passes
 * (log N > 1456: log Q ≥ log(5e-324) = −744.4), +∞ where no shortcut is taken (exp(t) subnormal).
 */
function settledAbove(logN: number): number {
  const t = 710 - logN;
  if (t > -700) return Math.exp(t) * (1 + 1e-9);
  return t < -746 ? 0 : Number.POSITIVE_INFINITY;
}

/** log(P_N(v_l)/P(v_l)) for every level, written into u. */
function logRatios(levels: Levels, logN: number, u: Float64Array): void {
  if (logN === Number.POSITIVE_INFINITY) {
    u.fill(Number.NEGATIVE_INFINITY);
    u[levels.count - 1] = -levels.logMass[levels.count - 1]!;
  } else if (logN < 1) {
    if (levels.linearTails) logRatiosNearOneLinear(levels, logN, u);
    else logRatiosNearOne(levels, logN, u);
  } else if (logN <= LINEAR_N_MAX && levels.linearTails) logRatiosLinear(levels, logN, u);
  else logRatiosLog(levels, logN, u);
}

/** N = e^{log N} is formed (and the tails read linearly) up to this log N: far from overflow. */
const LINEAR_N_MAX = 700;

/**
 * N < e: P_N/P = F^{N−1}(1 + ρ(1 − ρ^{N−1})/(1 − ρ)), ρ = F(v⁻)/F(v), with N − 1 = expm1(log N), so the
 * KL keeps its relative accuracy as N → 1.
 */
function logRatiosNearOne(levels: Levels, logN: number, u: Float64Array): void {
  const nm1 = Math.expm1(logN);
  for (let l = 0; l < levels.count; l++) {
    const below = logBelow(levels, l);
    const a =
      below === Number.NEGATIVE_INFINITY ? Number.POSITIVE_INFINITY : log1pexp(levels.logMass[l]! - below);
    const rho = Math.exp(-a);
    // (1 − ρ^{N−1})/(1 − ρ) → N − 1 as a → 0 (a level far lighter than the mass below it).
    const ratio = a < 1e-17 ? nm1 : -Math.expm1(-nm1 * a) / -Math.expm1(-a);
    const extra = rho === 0 ? 0 : rho * ratio;
    u[l] = nm1 * logCdfAt(levels, l) + Math.log1p(extra);
  }
}

/**
 * logRatiosNearOne with linear tails: with t = P(v)/F(v⁻), ρ = 1/(1 + t) and 1 − ρ = t/(1 + t) exactly
 * in form, so ρ(1 − ρ^{N−1})/(1 − ρ) = −expm1(−(N − 1)·log1p(t))/t: three calls a level (−log F,
 * expm1, log1p) instead of eight, with log1p(t) by its series for tiny t.
 */
function logRatiosNearOneLinear(levels: Levels, logN: number, u: Float64Array): void {
  const nm1 = Math.expm1(logN);
  const { count, mass, cdf, above } = levels;
  for (let l = 0; l < count; l++) {
    const q = above[l]!;
    const logF = q <= 0.5 ? log1pFast(-q) : Math.log(cdf[l]!);
    // The lowest level: F(v⁻) = 0, ρ = 0 and P_N/P = F^{N−1}.
    if (l === 0) {
      u[l] = nm1 * logF;
      continue;
    }
    const t = mass[l]! / cdf[l - 1]!;
    u[l] = nm1 * logF + Math.log1p(-Math.expm1(-nm1 * log1pFast(t)) / t);
  }
}

/**
 * e ≤ N ≤ e^{700} with every mass a normal double (linear tails): the formula of logRatiosLog with N
 * itself and the tails as they are. A = N·x with x = −log F(v) (from −log1p(−Q) when F ≥ ½), and
 * δ = N·log1p(t), t = P(v)/F(v⁻). Forming N is exact to one rounding, where exp(log N + log x) carries
 * an error of ε·log N. A = ∞ (N·x > 1.8e308) gives −∞, as the log branch does once log N + log x > 710.
 *
 * Most levels of a large law have t < 2^−12 and δ ≤ log 2; there log(1 − e^{−δ}) − log P(v) =
 * log N + log t + log(log1p(t)/t) + log((1 − e^{−δ})/δ) − log P(v), and log t − log P(v) = −log F(v⁻)
 * is the previous level's x: the two series need no logarithm, so such a level costs one call (for
 * x), against eleven in logRatiosLog.
 */
function logRatiosLinear(levels: Levels, logN: number, u: Float64Array): void {
  const N = Math.exp(logN);
  const { count, logMass, mass, cdf, above } = levels;
  // Read once: where this module is loaded as CommonJS, an imported binding is a getter call per read.
  const smallT = SMALL_T;
  let xBelow = Number.POSITIVE_INFINITY;
  for (let l = 0; l < count; l++) {
    const q = above[l]!;
    const x = q <= 0.5 ? -log1pFast(-q) : -Math.log(cdf[l]!);
    const A = N * x;
    if (A === Number.POSITIVE_INFINITY) u[l] = Number.NEGATIVE_INFINITY;
    else if (l === 0) {
      // F(v⁻) = 0: δ = ∞ and P_N = F^N.
      u[l] = -A - logMass[l]!;
    } else {
      const t = mass[l]! / cdf[l - 1]!;
      const delta = N * log1pFast(t);
      if (t < smallT && delta <= Math.LN2)
        u[l] = -A + (logN + xBelow + logLog1pRatio(t) + log1mexpRatio(delta));
      else u[l] = -A + log1mexp(delta) - logMass[l]!;
    }
    xBelow = x;
  }
}

/** Any N ≥ e, entirely in logs: log N + log Q may exceed 710, and Q may be far below 1e-308. */
function logRatiosLog(levels: Levels, logN: number, u: Float64Array): void {
  const L = levels.count;
  const { above } = levels;
  const settled = settledAbove(logN);
  for (let l = 0; l < L; l++) {
    // −log F ≥ Q, so A = N(−log F) overflows whenever log N + log Q > 710: then log P_N(v) = −A is −∞
    // to double precision (the true value, about −e^{log N + log Q}, has no double) and nothing else
    // is needed. For huge N this settles every level but the top few without a transcendental call.
    // The same test on Q itself first, so the logs of the tails are only taken at the levels left.
    if (above[l]! > settled) {
      u[l] = Number.NEGATIVE_INFINITY;
      continue;
    }
    const logQ = logAboveAt(levels, l);
    if (logN + logQ > 710) {
      u[l] = Number.NEGATIVE_INFINITY;
      continue;
    }
    const A = Math.exp(logN + logMinusLogCdf(levels, l, logQ));
    const below = logBelow(levels, l);
    // log(1 − e^{−δ}) = log δ − δ/2 + …: kept in logs so a δ below the smallest double still counts.
    const logDelta =
      below === Number.NEGATIVE_INFINITY
        ? Number.POSITIVE_INFINITY
        : logN + logLog1pExp(levels.logMass[l]! - below);
    const logGain = logDelta < -40 ? logDelta : log1mexp(Math.exp(logDelta));
    u[l] = -A + logGain - levels.logMass[l]!;
  }
}

/** log N − (N−1)/N = log N − 1 + e^{−log N}, without cancellation near N = 1. */
export function folkloreKlBound(logN: number): number {
  return logN === Number.POSITIVE_INFINITY ? logN : expm1mx(-logN);
}

/**
 * The best-of-N law, expected reward, exact KL, folklore bound and win rate. O(L) after the levels.
 * For large N only the levels best-of-N can pick are sorted (topLevels.ts): the same reward, KL and win
 * rate, and the law over every level (levelLogProbs) is computed from the full sort when first read.
 */
export function bestOfN(model: Model, options: BonOptions): BonResult {
  const logN = resolveLogN(options);
  const top = topLevels(model, logN > LINEAR_N_MAX ? settledAbove(logN) : settledTail(logN));
  const r = bestOfNOnLevels(top ?? levelsOf(model), logN);
  const fields = {
    n: r.n,
    logN,
    reward: Math.min(model.rMax, Math.max(model.rMin, r.reward)),
    kl: Math.min(model.klMax, r.kl),
    klBound: r.klBound,
    winRate: r.winRate,
  };
  if (!top) return { ...fields, levelLogProbs: r.levelLogProbs };
  let all: Float64Array | undefined;
  return {
    ...fields,
    get levelLogProbs() {
      all ??= bestOfNOnLevels(levelsOf(model), logN).levelLogProbs;
      return all;
    },
  };
}

/**
 * Best-of-N for any law given by its levels (a model's rewards, or the law of a sum S_n): the same
 * result as bestOfN without the clamps to the model's range. `logN` must already be validated (≥ 0).
 */
export function bestOfNOnLevels(levels: Levels, logN: number): BonResult {
  const L = levels.count;
  // log(π_N/p) per level, turned into log π_N in place: one array for both.
  const levelLogProbs = new Float64Array(L);
  logRatios(levels, logN, levelLogProbs);
  const top = levels.values[L - 1]!;
  const reward = new NeumaierSum();
  const kl = new NeumaierSum();
  const win = new NeumaierSum();
  const { values, logMass: logMasses, mass, cdf, linearTails } = levels;
  for (let l = 0; l < L; l++) {
    const ul = levelLogProbs[l]!;
    // A level that best-of-N never picks (most of them for large N) adds its mass to the KL and nothing else.
    if (ul === Number.NEGATIVE_INFINITY) {
      kl.add(mass[l]!);
      continue;
    }
    const logMass = logMasses[l]!;
    const lp = logMass + ul;
    levelLogProbs[l] = lp;
    const pi = expFast(lp);
    reward.add(pi * (values[l]! - top));
    // P·g(u) = P(1 − e^u(1 − u)) is P to rounding once u < −40: the common case for large N. With
    // linear tails every mass is a normal double, and so is π = P e^u for u ≥ −40.
    kl.add(ul < -40 ? mass[l]! : linearTails ? klTermLinear(mass[l]!, pi, ul) : klTerm(logMass, ul));
    win.add(pi * ((l > 0 ? cdf[l - 1]! : 0) + 0.5 * mass[l]!));
  }
  return {
    n: Math.exp(logN),
    logN,
    levelLogProbs,
    reward: top + reward.value,
    kl: kl.value,
    klBound: folkloreKlBound(logN),
    winRate: Math.min(1, win.value),
  };
}

/** log π_N on the support outcomes (within a level, proportional to p). */
export function bonOutcomeLogProbs(model: Model, result: BonResult): Float64Array {
  return outcomeLogProbs(model, levelsOf(model), result.levelLogProbs);
}
