import { type BonResult, bestOfNOnLevels, folkloreKlBound } from "../bon.js";
import { InputError, show } from "../errors.js";
import { levelsFromLaw } from "../levels.js";
import { isConstantReward, type Model } from "../model.js";
import { logSumExp } from "../numerics/logspace.js";
import { checkKl, type LambdaSolution, lambdaForKl } from "../tilt.js";
import { enumeratedLaw } from "./compositions.js";
import { latticeOf } from "./lattice.js";
import { autoGrids, type Quantised, quantiseModel } from "./quantise.js";
import { DIRECT_AUTO_POINTS, sumLaw, sumTail } from "./sumLaw.js";

/**
 * Best-of-N over memoryless sequences with additive reward against the KL-constrained optimum
 * (MATH §3, Yang et al. 2024). Given a reward level s, best-of-N and the optimum are both p^n(·|R = s),
 * so every sequence-level quantity is a sum over the law of S_n: best-of-N is computed exactly on that
 * law (bestOfNOnLevels), over a window of S_n around where it concentrates, with the mass outside the
 * window kept as two end levels.
 *
 * KL(π_N‖φ^{⊗n}) = KL(π_N‖p^n) − λ* E_π S + nΛ(λ*) is evaluated as
 * [KL(π_N‖p^n) − n d(λ*)] − λ*(E_π S − n x*), both brackets small, so the O(n) terms never cancel.
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
    };
  }
  if (enumerated) {
    const levels = levelsFromLaw(enumerated.values, enumerated.logMass);
    return finish(model, n, klRate, logN, sol, optimal, bestOfNOnLevels(levels, logN), "enumeration");
  }
  const lattice = latticeOf(model);
  if (!lattice) throw new InputError("model", "the rewards are not on a lattice (a + h·k)");
  // Where best-of-N concentrates: N·Q(s) ≈ 1, i.e. at n·V(log N / n), where Q decays at rate λ_N.
  const atN = lambdaForKl(model, logN / n, "logN");
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
  const below = law.sMin > n * model.rMin ? sumTail(model, n, law.sMin - step / 2).logLowerTail : -Infinity;
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
  const above = law.sMax < n * model.rMax ? sumTail(model, n, law.sMax + step / 2).logUpperTail : -Infinity;
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
  return finish(model, n, klRate, logN, sol, optimal, bestOfNOnLevels(levels, logN), law.method);
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
): SequenceResult {
  const xStar = sol.point.reward;
  const reward = Math.min(n * model.rMax, Math.max(n * model.rMin, bon.reward));
  const klToReference = Math.min(n * model.klMax, bon.kl);
  const klToOptimal = sol.saturated
    ? Number.POSITIVE_INFINITY
    : Math.max(0, klToReference - n * sol.point.kl - sol.lambda * (reward - n * xStar));
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
  };
}
