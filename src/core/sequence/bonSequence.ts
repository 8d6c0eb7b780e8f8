import { type BonResult, bestOfNOnLevels, folkloreKlBound } from "../bon.js";
import { InputError, show } from "../errors.js";
import { type Levels, levelsFromLaw, levelsOf } from "../levels.js";
import { isConstantReward, type Model } from "../model.js";
import { logSumExp } from "../numerics/logspace.js";
import { checkKl, type LambdaSolution, lambdaForKl } from "../tilt.js";
import { enumeratedLaw } from "./compositions.js";
import { latticeOf } from "./lattice.js";
import { autoGrids, type Quantised, quantiseModel } from "./quantise.js";
import { DIRECT_AUTO_POINTS, type SumTail, sumLaw, sumTail } from "./sumLaw.js";
import { type TiltedSequence, tiltedSequence } from "./tiltedSequence.js";

/** Bounds on the absolute error of each field of a SequenceResult (see SequenceResult.accuracy). */
export interface SequenceAccuracy {
  readonly rewardPerToken: number;
  readonly xStar: number;
  readonly klToReference: number;
  readonly klToReferencePerToken: number;
  readonly klToOptimal: number;
  readonly klToOptimalPerToken: number;
  readonly gapTimesLength: number;
}

/**
 * Best-of-N over memoryless sequences with additive reward against the KL-constrained optimum
 * (MATH §3, Yang et al. 2024). Given a reward level s, best-of-N and the optimum are both p^n(·|R = s),
 * so every sequence-level quantity is a sum over the law of S_n: best-of-N is computed exactly on that
 * law (bestOfNOnLevels), over a window of S_n around where it concentrates, with the mass outside the
 * window kept as two end levels.
 *
 * For lattice rewards with log N ≥ 1 the law is taken in the frame of the tilt where best-of-N
 * concentrates and every KL field is a sum of O(log n) terms (tiltedSequence.ts); elsewhere (short
 * sequences, enumerated laws, N < e, saturation) KL(π_N‖φ^{⊗n}) = KL(π_N‖p^n) − λ* E_π S + nΛ(λ*) is
 * evaluated as [KL(π_N‖p^n) − n d(λ*)] − λ*(E_π S − n x*). Either way `accuracy` bounds the absolute
 * error of each field, from the engines' own error bounds carried through (first order).
 */
export interface SequenceResult {
  readonly length: number;
  readonly klRate: number;
  readonly logN: number;
  /** λ* for the per-token budget (Infinity when saturated). */
  readonly lambda: number;
  /** x* = V(Δ), the optimal reward per token. */
  readonly xStar: number;
  readonly saturated: boolean;
  readonly optimal: { readonly rewardPerToken: number; readonly kl: number; readonly klPerToken: number };
  readonly bon: {
    readonly rewardPerToken: number;
    readonly klToReference: number;
    readonly klToReferencePerToken: number;
    readonly klToOptimal: number;
    readonly klToOptimalPerToken: number;
    readonly klBound: number;
  };
  /** n·(x* − E_π R/n). */
  readonly gapTimesLength: number;
  /**
   * How the law of S_n was computed: "binomial", "direct", "fft", "constant" (lattice rewards, exact),
   * "enumeration" (all compositions of n over the reward levels, exact for any rewards), or one of the
   * lattice methods applied to the rewards quantised to `grid`.
   */
  readonly method: string;
  /** The grid step h the rewards were quantised to, or null when the law of S_n is exact. */
  readonly grid: number | null;
  /**
   * Bound on |reward per token − exact| for bon.rewardPerToken and xStar: h/2 on a grid, 0 otherwise.
   * The KL fields and λ are exact for the quantised model and have no such bound (see quantise.ts).
   */
  readonly rewardErrorPerToken: number;
  /**
   * Bounds on the absolute error of each field for the model as computed (the quantised one when `grid`
   * is set: its own error is `rewardErrorPerToken`).
   */
  readonly accuracy: SequenceAccuracy;
}

/** Options of bonSequence: log N (default n·klRate) and a reward grid step. */
export interface SequenceOptions {
  /** log N (default n·klRate). */
  readonly logN?: number;
  /**
   * Quantise the rewards to this grid step h first. By default only non-lattice rewards are quantised,
   * and only when n is too large to enumerate the compositions, to the finest automatic grid the exact
   * engines handle (see autoGrids).
   */
  readonly grid?: number;
}

/** Nats beyond which a best-of-N tail is treated as empty (e^{−60} relative, far below rounding). */
const TAIL_NATS = 60;

/** Errors of the lattice engines that a coarser grid can cure (light sub-lattice classes, huge windows). */
const GRID_SENSITIVE = new Set(["range", "at", "length"]);

/**
 * Best-of-N over length-n sequences (n a whole number ≥ 1) against the optimum at per-token budget
 * klRate ≥ 0, with log N = n·klRate unless given (see SequenceResult, MATH §3). Constant and lattice
 * rewards, and non-lattice ones short enough to enumerate, use the exact law of S_n; other rewards are
 * quantised to an automatic grid (or `options.grid`), which bounds the reward error per token by h/2.
 * Throws InputError when no grid the engines handle gives an accurate law.
 */
export function bonSequence(
  model: Model,
  n: number,
  klRate: number,
  options: SequenceOptions = {},
): SequenceResult {
  if (!Number.isSafeInteger(n) || n < 1) {
    throw new InputError("length", `n must be a whole number ≥ 1, got ${show(n)}`);
  }
  checkKl(klRate, "klRate");
  const logN = options.logN ?? n * klRate;
  if (Number.isNaN(logN) || logN < 0) throw new InputError("logN", `log N must be ≥ 0, got ${show(logN)}`);
  if (options.grid !== undefined) {
    const q = quantiseModel(model, options.grid);
    try {
      return quantisedSequence(q, n, klRate, logN);
    } catch (e) {
      if (e instanceof InputError && GRID_SENSITIVE.has(e.field)) {
        throw new InputError(
          "grid",
          `the rewards on the grid h = ${show(options.grid)} have no accurate law of S_n at n = ${n} ` +
            `(${e.detail}); choose a coarser grid, or leave --grid out for the automatic one`,
        );
      }
      throw e;
    }
  }
  if (isConstantReward(model)) return exactSequence(model, n, klRate, logN);
  const lattice = latticeOf(model);
  if (lattice) {
    // Past the direct engine's size the FFT takes over, and on a sparse lattice at moderate n (levels
    // 0, 37, 101, 253 steps apart, n = 30–100) its law has light residue classes that it resolves one
    // window per point, for seconds. The compositions are then few: enumerating them is exact and fast.
    const law = n * lattice.span + 1 > DIRECT_AUTO_POINTS ? enumeratedLaw(model, n) : undefined;
    return exactSequence(model, n, klRate, logN, law);
  }
  const law = enumeratedLaw(model, n);
  if (law) return exactSequence(model, n, klRate, logN, law);
  // Non-lattice rewards, too long to enumerate: the finest automatic grid the engines handle.
  const sol = lambdaForKl(model, klRate, "klRate");
  const sigma = Math.sqrt(Math.max(model.variance, sol.saturated ? 0 : sol.point.variance));
  // Where best-of-N concentrates: the tilt λ_N with V(λ_N) at log N / n (see exactSequence).
  const atN = lambdaForKl(model, Math.min(logN / n, model.klMax), "logN");
  const theta = atN.saturated ? 0 : atN.lambda;
  const tried: string[] = [];
  for (const q of autoGrids(model, n, sigma, theta)) {
    try {
      return quantisedSequence(q, n, klRate, logN);
    } catch (e) {
      if (!(e instanceof InputError && GRID_SENSITIVE.has(e.field))) throw e;
      tried.push(show(q.grid));
    }
  }
  throw new InputError(
    "grid",
    `the rewards are not on a lattice and no automatic grid${tried.length ? ` (${tried.join(", ")})` : ""} ` +
      `gives an accurate law ` +
      `of S_n at n = ${n}; give a grid step with --grid`,
  );
}

/** exactSequence on the quantised model, with the grid step and the reward error it brings. */
function quantisedSequence(q: Quantised, n: number, klRate: number, logN: number): SequenceResult {
  return {
    ...exactSequence(q.model, n, klRate, logN),
    grid: q.grid,
    rewardErrorPerToken: q.rewardErrorPerToken,
  };
}

/** The law of S_n outside a window, or from enumeration: values and log-masses in increasing order. */
interface Law {
  readonly values: Float64Array;
  readonly logMass: Float64Array;
}

/** bonSequence on the exact law of S_n: a lattice model's (windowed), or an enumerated one. */
function exactSequence(
  model: Model,
  n: number,
  klRate: number,
  logN: number,
  enumerated?: Law,
): SequenceResult {
  const exactFields = { grid: null, rewardErrorPerToken: 0 };
  const sol = lambdaForKl(model, klRate, "klRate");
  const xStar = sol.point.reward;
  const perTokenKl = Math.min(klRate, model.klMax);
  const optimal = { rewardPerToken: xStar, kl: n * perTokenKl, klPerToken: perTokenKl };
  if (isConstantReward(model)) {
    return {
      length: n,
      klRate,
      logN,
      lambda: 0,
      xStar,
      saturated: false,
      optimal: { ...optimal, kl: 0, klPerToken: 0 },
      bon: {
        rewardPerToken: model.rMax,
        klToReference: 0,
        klToReferencePerToken: 0,
        klToOptimal: 0,
        klToOptimalPerToken: 0,
        klBound: folkloreKlBound(logN),
      },
      gapTimesLength: 0,
      method: "constant",
      ...exactFields,
      accuracy: accuracyOf(n, {
        rewardPerToken: 0,
        xStar: 0,
        klToReference: 0,
        klToOptimal: 0,
        gapTimesLength: 0,
      }),
    };
  }
  const lattice = latticeOf(model);
  // Where best-of-N concentrates: N·Q(s) ≈ 1, i.e. at n·V(log N / n), where Q decays at rate λ_N.
  const atN = lattice ? lambdaForKl(model, Math.min(logN / n, model.klMax), "logN") : undefined;
  if (lattice && atN && !atN.saturated && !sol.saturated && logN >= 1) {
    const t = tiltedSequence(model, lattice, n, logN, atN.lambda, sol.lambda, perTokenKl);
    if (t) return fromTilted(model, n, klRate, logN, sol, optimal, t);
  }
  if (enumerated) {
    const levels = levelsFromLaw(enumerated.values, enumerated.logMass);
    const { values: v, logMass: lq, count: L } = levelsOf(model);
    let maxAbs = 0;
    let maxLog = 0;
    for (let l = 0; l < L; l++) {
      maxAbs = Math.max(maxAbs, Math.abs(v[l]!));
      if (Number.isFinite(lq[l]!)) maxLog = Math.max(maxLog, -lq[l]!);
    }
    // As enumeratedTail: (4L + 8)ε times the size of the log-masses summed.
    const logError = (4 * L + 8) * Number.EPSILON * (n * maxLog + n * Math.log(Math.max(n, 2)) + 1);
    const bon = bestOfNOnLevels(levels, logN);
    return finish(model, n, klRate, logN, sol, optimal, bon, "enumeration", levels, logError);
  }
  if (!lattice || !atN) throw new InputError("model", "the rewards are not on a lattice (a + h·k)");
  const step = lattice.step;
  let lo: number;
  let hi: number;
  if (atN.saturated) {
    hi = n * model.rMax;
    lo = hi - (TAIL_NATS / Math.max(model.klMax, 1e-300)) * (model.rMax - model.rMin) - 10 * step;
  } else {
    const centre = n * atN.point.reward;
    lo = centre - (TAIL_NATS + Math.log1p(n)) / atN.lambda - 10 * step;
    hi = centre + TAIL_NATS / atN.lambda + 10 * step;
  }
  lo = Math.max(lo, n * model.rMin);
  hi = Math.min(hi, n * model.rMax);
  const law = sumLaw(model, n, { range: [lo, hi] });
  const values: number[] = [];
  const logMass: number[] = [];
  let endError = 0;
  const endTail = (t: SumTail, value: number): number => {
    if (Number.isFinite(value)) endError = Math.max(endError, t.relErrorBound * Math.abs(value));
    return value;
  };
  const lowTail = law.sMin > n * model.rMin ? sumTail(model, n, law.sMin - step / 2) : undefined;
  const below = lowTail ? endTail(lowTail, lowTail.logLowerTail) : Number.NEGATIVE_INFINITY;
  if (below > Number.NEGATIVE_INFINITY) {
    values.push(law.sMin - step);
    logMass.push(below);
  }
  for (let i = 0; i < law.logPmf.length; i++) {
    const lp = law.logPmf[i]!;
    if (lp > Number.NEGATIVE_INFINITY) {
      values.push(law.offset + step * (law.kMin + i));
      logMass.push(lp);
    }
  }
  const highTail = law.sMax < n * model.rMax ? sumTail(model, n, law.sMax + step / 2) : undefined;
  const above = highTail ? endTail(highTail, highTail.logUpperTail) : Number.NEGATIVE_INFINITY;
  if (above > Number.NEGATIVE_INFINITY) {
    values.push(law.sMax + step);
    logMass.push(above);
  }
  // The pieces come from different computations; renormalise their rounding away.
  const logTotal = logSumExp(logMass);
  const levels = levelsFromLaw(
    Float64Array.from(values),
    Float64Array.from(logMass, (x) => x - logTotal),
  );
  // Each log P carries the engine's bound plus the rounding of its untilting, −θK + nΛ(θ) (a few ε of
  // each); the end levels their own relative bounds.
  let maxLogP = 0;
  for (const lp of logMass) maxLogP = Math.max(maxLogP, Math.abs(lp));
  let maxTheta = 0;
  for (const t of law.thetas) maxTheta = Math.max(maxTheta, Math.abs(t));
  const logError =
    Math.max(law.logErrorBound, endError) + 4 * Number.EPSILON * (maxLogP + maxTheta * n * lattice.span);
  const bon = bestOfNOnLevels(levels, logN);
  return finish(model, n, klRate, logN, sol, optimal, bon, law.method, levels, logError);
}

/** The result of the tilted-frame engine. */
function fromTilted(
  model: Model,
  n: number,
  klRate: number,
  logN: number,
  sol: LambdaSolution,
  optimal: SequenceResult["optimal"],
  t: TiltedSequence,
): SequenceResult {
  const xStar = sol.point.reward;
  const reward = Math.min(model.rMax, Math.max(model.rMin, t.rewardPerToken));
  const klToReference = Math.min(n * model.klMax, t.klToReference);
  return {
    length: n,
    klRate,
    logN,
    lambda: sol.lambda,
    xStar,
    saturated: false,
    optimal,
    bon: {
      rewardPerToken: reward,
      klToReference,
      klToReferencePerToken: klToReference / n,
      klToOptimal: t.klToOptimal,
      klToOptimalPerToken: t.klToOptimal / n,
      klBound: folkloreKlBound(logN),
    },
    // n·(x* − E R/n) with the exact x* (the double xStar may be an ulp off, n ulps in this field).
    gapTimesLength: t.gapTimesLength,
    method: t.method,
    grid: null,
    rewardErrorPerToken: 0,
    accuracy: accuracyOf(n, {
      rewardPerToken: t.error.rewardPerToken,
      // The tilt solver's x* against the double-double one (itself exact to ~1e-30).
      xStar: Math.abs(xStar - t.xStar) + 4 * Number.EPSILON * Math.abs(t.xStar),
      klToReference: t.error.klToReference,
      klToOptimal: t.error.klToOptimal,
      gapTimesLength: t.error.gapTimesLength,
    }),
  };
}

/** The accuracy record with the per-token bounds. */
function accuracyOf(
  n: number,
  a: Omit<SequenceAccuracy, "klToReferencePerToken" | "klToOptimalPerToken">,
): SequenceAccuracy {
  return { ...a, klToReferencePerToken: a.klToReference / n, klToOptimalPerToken: a.klToOptimal / n };
}

function finish(
  model: Model,
  n: number,
  klRate: number,
  logN: number,
  sol: LambdaSolution,
  optimal: SequenceResult["optimal"],
  bon: BonResult,
  method: string,
  levels: Levels,
  logError: number,
): SequenceResult {
  const xStar = sol.point.reward;
  const reward = Math.min(n * model.rMax, Math.max(n * model.rMin, bon.reward));
  const klToReference = Math.min(n * model.klMax, bon.kl);
  const klToOptimal = sol.saturated
    ? Number.POSITIVE_INFINITY
    : Math.max(0, klToReference - n * sol.point.kl - sol.lambda * (reward - n * xStar));
  const err = classicErrors(levels, bon, logError);
  const eps = Number.EPSILON;
  // The O(n) terms of the KL to the optimum, each rounded (n·d(λ*) with d to a few ε).
  const optRound =
    8 *
    eps *
    (klToReference + n * sol.point.kl + Math.abs(sol.lambda) * (Math.abs(reward) + n * Math.abs(xStar)));
  return {
    length: n,
    klRate,
    logN,
    lambda: sol.lambda,
    xStar,
    saturated: sol.saturated,
    optimal,
    bon: {
      rewardPerToken: reward / n,
      klToReference,
      klToReferencePerToken: klToReference / n,
      klToOptimal,
      klToOptimalPerToken: klToOptimal / n,
      klBound: folkloreKlBound(logN),
    },
    gapTimesLength: n * xStar - reward,
    method,
    grid: null,
    rewardErrorPerToken: 0,
    accuracy: accuracyOf(n, {
      rewardPerToken: err.reward / n,
      xStar: 16 * eps * Math.max(Math.abs(model.rMax), Math.abs(model.rMin)),
      klToReference: err.kl,
      klToOptimal: sol.saturated ? 0 : err.kl + Math.abs(sol.lambda) * err.reward + optRound,
      gapTimesLength: err.reward + 16 * eps * n * Math.abs(xStar),
    }),
  };
}

/**
 * First-order error bounds of bestOfNOnLevels when every log P(v) is known to ±η: with A = N·(−log F)
 * (from the levels), log π_l errs by A_l(e^η − 1) + η plus the rounding of log N + log(−log F), ε·log N
 * of A; KL = Σ π u, u = log(π/P), and E R = Σ π v.
 */
function classicErrors(levels: Levels, bon: BonResult, eta: number): { kl: number; reward: number } {
  const { count, values, logMass, above, logAbove, cdf } = levels;
  const logN = bon.logN;
  const eps = Number.EPSILON;
  let mean = 0;
  for (let l = 0; l < count; l++) mean += Math.exp(bon.levelLogProbs[l]!) * values[l]!;
  let kl = 0;
  let reward = 0;
  for (let l = 0; l < count; l++) {
    const lp = bon.levelLogProbs[l]!;
    if (!(lp > -745)) continue;
    const pi = Math.exp(lp);
    const logQ = levels.linearTails ? Math.log(above[l]!) : logAbove[l]!;
    const minusLogF = logQ < -Math.LN2 ? Math.exp(logQ) : -Math.log(cdf[l]!);
    // In logs: N itself overflows for log N > 709, and the top level has −log F = 0.
    const A = minusLogF > 0 && Number.isFinite(logN) ? Math.exp(logN + Math.log(minusLogF)) : 0;
    // (N = ∞ puts all the mass on the top level, where A = 0: no rounding of log N enters.)
    const roundN = Number.isFinite(logN) ? 4 * eps * logN : 0;
    const e = A > 0 ? A * Math.expm1(2 * eta + roundN) + 2 * eta + 16 * eps * (1 + A) : 2 * eta + 16 * eps;
    const u = lp - logMass[l]!;
    kl += pi * (e * (Math.abs(u) + 1) + eta + 2 * eps * Math.abs(logMass[l]!));
    reward += 2 * pi * e * Math.abs(values[l]! - mean) + pi * eps * Math.abs(values[l]!);
  }
  return { kl: kl + 4 * eps * Math.abs(bon.kl), reward: reward + 4 * eps * Math.abs(bon.reward) };
}
