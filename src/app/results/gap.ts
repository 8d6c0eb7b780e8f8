import { policyGap } from "../../core/gap.js";
import type { Model } from "../../core/model.js";

/** The `gap` result: a policy q against the optimum at its own KL (λ null when saturated). */
export interface GapSummary {
  readonly kl: number;
  readonly reward: number;
  readonly optimalReward: number;
  readonly rewardGap: number;
  readonly lambda: number | null;
  readonly klToOptimal: number;
  readonly klToOptimalByIdentity: number;
}

/**
 * `bonkl gap`: a policy (probabilities in the model's input order) against the optimum at its own KL,
 * with KL(q‖φ) computed directly and by the identity; lambda is null when saturated.
 */
export function gapSummary(model: Model, policy: unknown): GapSummary {
  const g = policyGap(model, policy);
  return {
    kl: g.kl,
    reward: g.reward,
    optimalReward: g.optimalReward,
    rewardGap: g.rewardGap,
    lambda: g.saturated ? null : g.lambda,
    klToOptimal: g.klToOptimal,
    klToOptimalByIdentity: g.klToOptimalByIdentity,
  };
}
