import { NeumaierSum } from "../numerics/sum.js";
import {
  applyGradient,
  drawTokens,
  leaveOneOut,
  responseScores,
  type StepContext,
  tableOf,
} from "./context.js";

/**
 * REINFORCE with a KL penalty (Williams 1992; the penalty as in Ziegler et al. 2019): maximise
 * J(q) = E_{q^n}[R] − β KL(q^n‖p^n) = n Σ_y q(y) (r(y) − β log(q(y)/p(y))), whose maximiser is the tilt
 * φ_{1/β} (MATH §1). With a = r − β log(q/p) the policy gradient with respect to a logit is
 *   ∂J/∂θ_y = n q(y) (a(y) − E_q a)
 * (the score function E_q[a ∇log q], the −β E_q[∇log q] term of the penalty being 0).
 */

/** a(y) = r(y) − β u(y), u = log(q/p), per atom, and its mean under q. */
function penalisedRewards(ctx: StepContext, beta: number): { a: Float64Array; mean: number } {
  const { logq, q, atoms } = ctx.policy;
  const { r, logp } = atoms.model;
  const a = new Float64Array(q.length);
  const mean = new NeumaierSum();
  for (let k = 0; k < q.length; k++) {
    a[k] = r[k]! - beta * (logq[k]! - logp[k]!);
    mean.add(q[k]! * a[k]!);
  }
  return { a, mean: mean.value };
}

/** The exact gradient: expectations summed over the outcomes. */
export function reinforceExactStep(ctx: StepContext, beta: number): void {
  const { q } = ctx.policy;
  const m = ctx.policy.atoms.members;
  const { a, mean } = penalisedRewards(ctx, beta);
  const n = ctx.length;
  for (let k = 0; k < q.length; k++) ctx.grad[k] = (-n * q[k]! * (a[k]! - mean)) / m[k]!;
  applyGradient(ctx);
}

/**
 * The sampled gradient: B responses y_i ~ q^{⊗n}, a_i = R(y_i) − β log(q^n(y_i)/p^n(y_i)), leave-one-out
 * advantages A_i, and the estimate (1/B) Σ_i A_i ∇log q^n(y_i) = (1/B) Σ_i A_i c_i (c_i: token counts).
 */
export function reinforceSampledStep(ctx: StepContext, beta: number): void {
  const { logq } = ctx.policy;
  const { r, logp } = ctx.policy.atoms.model;
  const { batch: B, length: n } = ctx;
  const tokens = drawTokens(tableOf(logq), ctx.rng, B, n);
  const { R, U } = responseScores(tokens, n, r, logq, logp);
  const A = leaveOneOut(R.map((x, i) => x - beta * U[i]!));
  ctx.grad.fill(0);
  for (let i = 0; i < B; i++) {
    for (let t = i * n; t < (i + 1) * n; t++) ctx.grad[tokens[t]!]! -= A[i]! / B;
  }
  applyGradient(ctx);
}
