import { klFromLogs } from "../divergence.js";
import type { Model } from "../model.js";
import { NeumaierSum } from "../numerics/sum.js";
import { lambdaForKl } from "../tilt.js";
import type { Target } from "./targets.js";

/**
 * Where a policy q stands, computed exactly from q (no estimate): its reward and KL, its KL to the tilt
 * φ_λ directly and through the identity of MATH §1,
 *   KL(q‖φ_λ) = KL(q‖p) − KL(φ_λ‖p) + λ(E_φ r − E_q r),
 * its KL to the method's optimum, and the frontier at its own KL: V(KL(q‖p)), the reward it leaves on
 * the table, and its KL to the optimum φ_Δ with the same KL. For a sequence of n tokens under q^{⊗n}
 * every one of these is n times the per-token value (MATH §3), and is reported per sequence.
 */
export interface TrainPoint {
  readonly step: number;
  /** E_{q^n} R. */
  readonly reward: number;
  /** KL(q^n ‖ p^n). */
  readonly kl: number;
  /** KL(q^n ‖ φ_λ^n), summed directly. */
  readonly klToTilt: number;
  /** The same through the identity. */
  readonly klToTiltByIdentity: number;
  /** KL(q^n ‖ the method's optimum): the tilt, or π_N for best-of-N distillation. */
  readonly klToOptimum: number;
  /** V(KL): the largest reward of any policy with the same KL (per sequence). */
  readonly frontierReward: number;
  /** V(KL) − E R ≥ 0. */
  readonly rewardGap: number;
  /** KL(q^n ‖ φ_Δ^n) with Δ = KL(q‖p): the distance to the optimum at its own KL. */
  readonly klToFrontier: number;
}

/** The point of `logq` (log-masses per atom of `model`), scaled to sequences of `length` tokens. */
export function trainPoint(
  model: Model,
  target: Target,
  logq: Float64Array,
  step: number,
  length = 1,
): TrainPoint {
  const reward = new NeumaierSum();
  for (let a = 0; a < model.size; a++) reward.add(Math.exp(logq[a]!) * model.r[a]!);
  const Er = reward.value;
  const kl = klFromLogs(logq, model.logp);
  const klToTilt = klFromLogs(logq, target.tiltLogProbs);
  const { tilt } = target;
  const identity = Math.max(0, kl - tilt.kl + tilt.lambda * (tilt.reward - Er));
  const klToOptimum = target.kind === "tilt" ? klToTilt : klFromLogs(logq, target.logProbs);
  const own = lambdaForKl(model, Math.min(kl, model.klMax)).point;
  const frontierReward = own.reward;
  // At its own KL the identity reads KL(q‖φ_Δ) = λ_Δ (V(Δ) − E_q r): the reward gap priced at λ_Δ.
  // Past saturation the optimum is p(·|r = r_max), and a policy with mass elsewhere is infinitely far.
  const klToFrontier = own.saturated
    ? Number.POSITIVE_INFINITY
    : Math.max(0, kl - own.kl + own.lambda * (own.reward - Er));
  return {
    step,
    reward: length * Er,
    kl: length * kl,
    klToTilt: length * klToTilt,
    klToTiltByIdentity: length * identity,
    klToOptimum: length * klToOptimum,
    frontierReward: length * frontierReward,
    rewardGap: length * Math.max(0, frontierReward - Er),
    klToFrontier: length * klToFrontier,
  };
}
