import type { Model } from "../../core/model.js";
import { softBestOfN, softBonOutcomeLogProbs } from "../../core/softBon.js";
import { type BonSize, type PolicyOutcome, policyOutcomes } from "./bon.js";

/** The `soft-bon` result: `n` null when N overflows a double. */
export interface SoftBonSummary {
  readonly n: number | null;
  readonly temperature: number;
  readonly reward: number;
  readonly kl: number;
  readonly klToTilt: number;
}

/** N or log N (exactly one) and the temperature τ > 0. */
export type SoftBonSpec = BonSize & { readonly temperature: number };

/**
 * `bonkl soft-bon`: soft best-of-N at N (or log N) and temperature τ > 0: reward, KL to the reference and
 * KL to the tilt φ_{1/τ}; n is null when N overflows a double. `withDistribution` adds π per outcome.
 */
export function softBonSummary(model: Model, spec: SoftBonSpec): SoftBonSummary;
/**
 * `bonkl soft-bon`: soft best-of-N at N (or log N) and temperature τ > 0: reward, KL to the reference and
 * KL to the tilt φ_{1/τ}; n is null when N overflows a double. `withDistribution` adds π per outcome.
 */
export function softBonSummary(
  model: Model,
  spec: SoftBonSpec,
  withDistribution: true,
): SoftBonSummary & { readonly distribution: PolicyOutcome[] };
/**
 * `bonkl soft-bon`: soft best-of-N at N (or log N) and temperature τ > 0: reward, KL to the reference and
 * KL to the tilt φ_{1/τ}; n is null when N overflows a double. `withDistribution` adds π per outcome.
 */
export function softBonSummary(
  model: Model,
  spec: SoftBonSpec,
  withDistribution?: boolean,
): SoftBonSummary | (SoftBonSummary & { readonly distribution: PolicyOutcome[] });
export function softBonSummary(model: Model, spec: SoftBonSpec, withDistribution = false) {
  const r = softBestOfN(model, spec);
  const out: SoftBonSummary = {
    n: Number.isFinite(r.n) ? r.n : null,
    temperature: r.temperature,
    reward: r.reward,
    kl: r.kl,
    klToTilt: r.klToTilt,
  };
  if (!withDistribution) return out;
  return { ...out, distribution: policyOutcomes(model, softBonOutcomeLogProbs(model, r)) };
}
