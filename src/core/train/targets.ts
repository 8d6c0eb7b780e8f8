import { bestOfN, bonOutcomeLogProbs } from "../bon.js";
import { InputError, show } from "../errors.js";
import type { Model } from "../model.js";
import { brentRoot } from "../numerics/roots.js";
import { lambdaForKl, type TiltPoint, tiltAt, tiltLogProbs } from "../tilt.js";

/**
 * The closed-form optimum each method converges to (MATH §8): the tilt φ_{1/β} for KL-penalised RL
 * (REINFORCE, PPO) and for DPO with Bradley–Terry preferences from r (dpo.ts derives it), the best-of-N
 * law π_N for best-of-N distillation; and beside it the tilt with the same KL, the point of the
 * frontier a run is measured against.
 */
export interface Target {
  readonly kind: "tilt" | "bon";
  /** λ of the tilt compared with: 1/β, or for best-of-N given by N the λ with KL(φ_λ‖p) = KL(π_N‖p). */
  readonly lambda: number;
  /** log N (best-of-N only). */
  readonly logN?: number;
  /** log of the target's mass per atom. */
  readonly logProbs: Float64Array;
  /** E r and KL(·‖p) of the target. */
  readonly reward: number;
  readonly kl: number;
  /** The tilt φ_λ and its log-masses. */
  readonly tilt: TiltPoint;
  readonly tiltLogProbs: Float64Array;
}

/** Refuses a β that is not a finite number > 0, naming `field`. */
export function checkBeta(beta: number, field = "beta"): void {
  if (!(beta > 0) || !Number.isFinite(beta)) {
    throw new InputError(
      field,
      `the KL penalty β must be a finite number > 0, got ${show(beta)}`,
      "out_of_range",
    );
  }
}

/** φ_{1/β}: the optimum of E_q r − β KL(q‖p) (MATH §1). */
export function tiltTarget(model: Model, beta: number): Target {
  checkBeta(beta);
  const tilt = tiltAt(model, 1 / beta);
  const logProbs = tiltLogProbs(model, tilt);
  return {
    kind: "tilt",
    lambda: tilt.lambda,
    logProbs,
    reward: tilt.reward,
    kl: tilt.kl,
    tilt,
    tiltLogProbs: logProbs,
  };
}

/** π_N for N = e^{logN} (MATH §2), beside the tilt with the same KL. */
export function bonTarget(model: Model, logN: number, lambda?: number): Target {
  const bon = bestOfN(model, { logN });
  const tilt =
    lambda === undefined ? lambdaForKl(model, Math.min(bon.kl, model.klMax)).point : tiltAt(model, lambda);
  if (tilt.saturated) {
    throw new InputError(
      "n",
      `best-of-N with log N = ${show(logN)} is saturated (KL ${show(bon.kl)} = log 1/p*): its law is p conditioned on r = r_max, which no softmax reaches in finitely many steps; take a smaller N`,
      "out_of_range",
    );
  }
  return {
    kind: "bon",
    lambda: tilt.lambda,
    logN,
    logProbs: bonOutcomeLogProbs(model, bon),
    reward: bon.reward,
    kl: bon.kl,
    tilt,
    tiltLogProbs: tiltLogProbs(model, tilt),
  };
}

/**
 * log N of the best-of-N law with KL(π_N‖p) = Δ: KL(π_N‖p) increases with N from 0 to log 1/p*, so a
 * bracket is grown by doubling and the root found by Brent's method to a relative 1e-12 in log N.
 */
export function logNForKl(model: Model, delta: number): number {
  if (!(delta > 0)) return 0;
  const f = (logN: number) => bestOfN(model, { logN }).kl - delta;
  let hi = 1;
  while (f(hi) < 0) {
    hi *= 2;
    if (hi > 1e300) return Number.POSITIVE_INFINITY;
  }
  return brentRoot(f, 0, hi, { xRelTol: 1e-12 }).x;
}
