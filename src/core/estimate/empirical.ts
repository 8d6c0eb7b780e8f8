import { type BonOptions, type BonResult, bestOfN } from "../bon.js";
import { InputError, show } from "../errors.js";
import { type Model, modelFromLogWeights } from "../model.js";
import { sortValues } from "../numerics/argsort.js";
import { logSumExp } from "../numerics/logspace.js";
import { NeumaierSum } from "../numerics/sum.js";
import { lambdaForKl, tiltLogProbs } from "../tilt.js";

/**
 * Plug-in estimates from one prompt's m scored samples (MATH §5): the empirical law p̂ of the selection
 * score, with its ties (a 0/1 verifier reward saturates best-of-N's KL at log(1/p̂_correct)), as a model
 * whose outcomes are the distinct scores with their sample counts; every exact computation on models
 * then applies to p̂.
 */
export interface EmpiricalLaw {
  /** Outcomes = distinct scores ascending, p = count/m. */
  readonly model: Model;
  /** Samples per distinct score. */
  readonly counts: Float64Array;
  /** Mean gold reward per distinct score (when gold is given). */
  readonly gold?: Float64Array;
  /** m. */
  readonly samples: number;
}

/** The empirical law of `score` (and the per-level mean of `gold`). O(m log m). */
export function empiricalLaw(score: Float64Array, gold?: Float64Array): EmpiricalLaw {
  const m = score.length;
  if (m === 0) throw new InputError("score", "no samples: at least one scored sample is needed");
  for (let i = 0; i < m; i++) {
    if (!Number.isFinite(score[i]!))
      throw new InputError(`score[${i}]`, `must be finite, got ${show(score[i])}`);
  }
  if (gold !== undefined) {
    if (gold.length !== m) {
      throw new InputError("gold", `has ${gold.length} entries but score has ${m}; they must match`);
    }
    for (let i = 0; i < m; i++) {
      if (!Number.isFinite(gold[i]!))
        throw new InputError(`gold[${i}]`, `must be finite, got ${show(gold[i])}`);
    }
  }
  const { sorted, carried } = sortValues(score, gold);
  let levels = 0;
  for (let k = 0; k < m; k++) if (k === 0 || sorted[k] !== sorted[k - 1]) levels++;
  const values = new Float64Array(levels);
  const counts = new Float64Array(levels);
  const goldMean = gold === undefined ? undefined : new Float64Array(levels);
  for (let k = 0, l = -1; k < m; k++) {
    if (k === 0 || sorted[k] !== sorted[k - 1]) values[++l] = sorted[k]!;
    counts[l]!++;
    if (goldMean) goldMean[l]! += carried[k]!;
  }
  if (goldMean) for (let l = 0; l < levels; l++) goldMean[l]! /= counts[l]!;
  const logw = counts.map(Math.log);
  const model = modelFromLogWeights(logw, values, undefined, Math.log(m), counts);
  return goldMean ? { model, counts, gold: goldMean, samples: m } : { model, counts, samples: m };
}

/** Σ_l e^{logπ_l} g_l over the levels of an empirical law (ascending scores). */
function goldUnder(logProbs: Float64Array, gold: Float64Array): number {
  const s = new NeumaierSum();
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (let l = 0; l < gold.length; l++) {
    s.add(Math.exp(logProbs[l]!) * gold[l]!);
    lo = Math.min(lo, gold[l]!);
    hi = Math.max(hi, gold[l]!);
  }
  return Math.min(hi, Math.max(lo, s.value));
}

/** Best-of-N on the empirical law: reward, exact KL (ties included), folklore bound, win rate. */
export interface PluginBon extends BonResult {
  /** E of the gold reward under best-of-N from p̂ (uniform tie-break within a score). */
  readonly gold?: number;
}

/**
 * Plug-in best-of-N for real N ≥ 1 (MATH §2 applied to p̂). Its reward is the plug-in (biased) value;
 * `unbiasedBonReward` is the unbiased one for integer N ≤ m.
 */
export function pluginBestOfN(law: EmpiricalLaw, options: BonOptions): PluginBon {
  const res = bestOfN(law.model, options);
  // The law's outcomes are its distinct scores ascending, so they are the levels, in the same order.
  return law.gold ? { ...res, gold: goldUnder(res.levelLogProbs, law.gold) } : res;
}

/** The default effective sample size below which a tilt estimate is flagged untrusted. */
export const MIN_TRUSTED_ESS = 30;

/** The optimal tilt estimated with self-normalised weights w_i ∝ e^{λ r_i} over the samples. */
export interface TiltEstimate {
  /** The KL budget Δ asked for. */
  readonly kl: number;
  /** λ with KL̂(λ) = Δ, or ∞ when Δ ≥ log(m/#{i: r_i = max r}) (saturated: weight on the top samples). */
  readonly lambda: number;
  readonly saturated: boolean;
  /** KL̂ at λ: Δ, or log(m/#top) when saturated. */
  readonly klAchieved: number;
  /** Σ w_i r_i / Σ w_i. */
  readonly reward: number;
  /** Σ w_i g_i / Σ w_i (when gold is given). */
  readonly gold?: number;
  /** Effective sample size (Σw)²/Σw², in [1, m] (Kish 1965). */
  readonly ess: number;
  /** ess ≥ minEss (default 30). */
  readonly trusted: boolean;
}

/**
 * For a KL budget Δ, solve KL̂(λ) = λ Ê_φ r − log Ê_p e^{λ r} = Δ: this is KL(φ̂_λ ‖ p̂), the exact tilt of
 * the empirical law (MATH §1, §5), solved in the log domain by `lambdaForKl`. The weights and the
 * ESS = 1 / Σ_i φ̂_i² = 1 / Σ_l φ̂_l²/c_l (level l holds c_l samples sharing φ̂_l) come from log φ̂.
 * Rule for `trusted`: ESS ≥ minEss; below it the estimate rests on too few samples to be relied on.
 */
export function tiltEstimate(
  law: EmpiricalLaw,
  delta: number,
  options: { readonly minEss?: number } = {},
): TiltEstimate {
  const minEss = options.minEss ?? MIN_TRUSTED_ESS;
  if (Number.isNaN(minEss) || minEss < 0) {
    throw new InputError("minEss", `expected a number ≥ 0, got ${show(minEss)}`);
  }
  const sol = lambdaForKl(law.model, delta);
  const logPhi = tiltLogProbs(law.model, sol.point);
  const L = law.counts.length;
  const t = new Float64Array(L);
  for (let l = 0; l < L; l++) t[l] = 2 * logPhi[l]! - Math.log(law.counts[l]!);
  const ess = Math.min(law.samples, Math.max(1, Math.exp(-logSumExp(t))));
  const base = {
    kl: delta,
    lambda: sol.lambda,
    saturated: sol.saturated,
    klAchieved: sol.point.kl,
    reward: sol.point.reward,
    ess,
    trusted: ess >= minEss,
  };
  return law.gold ? { ...base, gold: goldUnder(logPhi, law.gold) } : base;
}
