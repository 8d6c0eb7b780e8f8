import { InputError } from "../errors.js";
import type { AliasTable } from "../estimate/sample.js";
import { NeumaierSum } from "../numerics/sum.js";
import { applyGradient, drawTokens, leaveOneOut, type StepContext, tableOf } from "./context.js";

/**
 * Best-of-N distillation: fit q to the best-of-N law π_N (MATH §2, computed exactly by bestOfN), whose
 * minimiser is π_N itself for each divergence offered:
 * - "forward": KL(π_N‖q), maximum likelihood on best-of-N samples (BoN distillation, as in BOND's
 *   forward term and SFT on best-of-N outputs); ∂/∂θ_k = q(k) − π_N(k).
 * - "reverse": KL(q‖π_N), variational best-of-N (vBoN; Amini, Vieira & Cotterell 2024), RL with reward
 *   log π_N − log q; ∂/∂θ_k = q(k) (v(k) − E_q v), v = log(q/π_N).
 * - "jeffreys": ½ KL(π_N‖q) + ½ KL(q‖π_N), BOND's Jeffreys objective (Sessa et al. 2024) at β = ½.
 */
export type Divergence = "forward" | "reverse" | "jeffreys";

/** The divergences offered, the default first. */
export const DIVERGENCES: readonly Divergence[] = ["forward", "reverse", "jeffreys"];

/** Weight of the reverse term. */
function reverseWeight(d: Divergence): number {
  return d === "forward" ? 0 : d === "reverse" ? 1 : 0.5;
}

/** Refuses a divergence that would be infinite for every softmax (π_N with probabilities 0). */
export function checkDivergence(d: Divergence, logTarget: Float64Array): void {
  if (d === "forward") return;
  for (let k = 0; k < logTarget.length; k++) {
    if (logTarget[k] === Number.NEGATIVE_INFINITY) {
      throw new InputError(
        "divergence",
        `best-of-N gives probability 0 (below the smallest double, even in logs) to some outcomes, so KL(q‖π_N) is infinite for every softmax q; use the forward divergence or a smaller N`,
      );
    }
  }
}

/** The exact gradient of the chosen divergence, summed over the outcomes, and one optimiser step. */
export function distillExactStep(ctx: StepContext, logTarget: Float64Array, d: Divergence): void {
  const { q, logq } = ctx.policy;
  const m = ctx.policy.atoms.members;
  const w = reverseWeight(d);
  const K = q.length;
  let Ev = 0;
  if (w > 0) {
    const s = new NeumaierSum();
    for (let k = 0; k < K; k++) s.add(q[k]! * (logq[k]! - logTarget[k]!));
    Ev = s.value;
  }
  for (let k = 0; k < K; k++) {
    const forward = q[k]! - Math.exp(logTarget[k]!);
    const reverse = w > 0 ? q[k]! * (logq[k]! - logTarget[k]! - Ev) : 0;
    ctx.grad[k] = ((1 - w) * forward + w * reverse) / m[k]!;
  }
  applyGradient(ctx);
}

/**
 * Sampled: the forward term from B draws of π_N (the law sampled exactly, as a best-of-N sampler would
 * for any N), q(k) − (count of k)/B; the reverse term from B draws of q with leave-one-out advantages
 * of the reward −v = log π_N − log q.
 */
export function distillSampledStep(
  ctx: StepContext,
  logTarget: Float64Array,
  targetTable: AliasTable,
  d: Divergence,
): void {
  const { q, logq } = ctx.policy;
  const { batch: B, rng } = ctx;
  const w = reverseWeight(d);
  const K = q.length;
  ctx.grad.fill(0);
  if (w < 1) {
    for (let k = 0; k < K; k++) ctx.grad[k] = (1 - w) * q[k]!;
    const draws = drawTokens(targetTable, rng, B, 1);
    for (let i = 0; i < B; i++) ctx.grad[draws[i]!]! -= (1 - w) / B;
  }
  if (w > 0) {
    const draws = drawTokens(tableOf(logq), rng, B, 1);
    const a = Float64Array.from(draws, (y) => logTarget[y]! - logq[y]!);
    const A = leaveOneOut(a);
    for (let i = 0; i < B; i++) ctx.grad[draws[i]!]! -= (w * A[i]!) / B;
  }
  applyGradient(ctx);
}
