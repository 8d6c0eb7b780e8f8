import type { Rng } from "../estimate/bootstrap.js";
import { type AliasTable, aliasTableFromLogWeights, drawAlias } from "../estimate/sample.js";
import type { Adam } from "./adam.js";
import type { SoftmaxPolicy } from "./policy.js";

/** What a method's step works on: the policy, its optimiser and a gradient buffer (one entry per atom). */
export interface StepContext {
  readonly policy: SoftmaxPolicy;
  readonly adam: Adam;
  /** Scratch for the gradient of the loss with respect to one member's logit, per atom. */
  readonly grad: Float64Array;
  /** Step size for this step (the schedule's value). */
  readonly lr: number;
  /** Tokens per response (1: the single-step model). */
  readonly length: number;
  /** Responses (or preference pairs) per sampled step. */
  readonly batch: number;
  /** The seeded stream of a sampled run. */
  readonly rng: Rng;
}

/** One optimiser step on the gradient in ctx.grad, then the policy's probabilities refreshed. */
export function applyGradient(ctx: StepContext): void {
  ctx.adam.step(ctx.policy.logits, ctx.grad, ctx.lr);
  ctx.policy.refresh();
}

/** `count` draws of `length` tokens each from log-weights (row-major token indices). */
export function drawTokens(table: AliasTable, rng: Rng, count: number, length: number): Uint32Array {
  const out = new Uint32Array(count * length);
  for (let k = 0; k < out.length; k++) out[k] = drawAlias(table, rng);
  return out;
}

/** Summed reward R and log-ratio U = Σ log(q/p) of each response of `length` tokens. */
export function responseScores(
  tokens: Uint32Array,
  length: number,
  r: Float64Array,
  logq: Float64Array,
  logp: Float64Array,
): { readonly R: Float64Array; readonly U: Float64Array } {
  const count = tokens.length / length;
  const R = new Float64Array(count);
  const U = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    let sr = 0;
    let su = 0;
    for (let t = i * length; t < (i + 1) * length; t++) {
      const y = tokens[t]!;
      sr += r[y]!;
      su += logq[y]! - logp[y]!;
    }
    R[i] = sr;
    U[i] = su;
  }
  return { R, U };
}

/** An alias table over the atoms of a policy or model (log-masses). */
export function tableOf(logMasses: Float64Array): AliasTable {
  return aliasTableFromLogWeights(logMasses, "policy");
}

/**
 * Leave-one-out baselines (RLOO; Kool, van Hoof & Welling 2019, "Buy 4 REINFORCE samples, get a
 * baseline for free!"): A_i = a_i − mean_{j≠i} a_j, unbiased, and Σ_i A_i = 0, so the score-function
 * term −n q Σ A_i of the gradient vanishes and the estimate touches only the outcomes drawn.
 */
export function leaveOneOut(a: Float64Array): Float64Array {
  const B = a.length;
  let s = 0;
  for (let i = 0; i < B; i++) s += a[i]!;
  const out = new Float64Array(B);
  for (let i = 0; i < B; i++) out[i] = B > 1 ? (B * a[i]! - s) / (B - 1) : 0;
  return out;
}
