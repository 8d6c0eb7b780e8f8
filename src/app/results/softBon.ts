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

type SoftBonSpec = BonSize & { readonly temperature: number };

export function softBonSummary(model: Model, spec: SoftBonSpec): SoftBonSummary;
export function softBonSummary(
  model: Model,
  spec: SoftBonSpec,
  withDistribution: true,
): SoftBonSummary & { readonly distribution: PolicyOutcome[] };
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
