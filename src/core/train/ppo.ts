import { InputError, show } from "../errors.js";
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
 * PPO's clipped surrogate (Schulman et al. 2017, eq. 7) with a KL penalty. Each step freezes q_old and
 * takes `epochs` passes of Adam steps on
 *   L(θ) = E_{q_old} Σ_t min(ρ_t A, clip(ρ_t, 1 − ε, 1 + ε) A) − β KL(q_θ^n ‖ p^n),   ρ_t = q_θ(y_t)/q_old(y_t),
 * the penalty in the loss (as GRPO and OpenRLHF's `use_kl_loss` place it), with A the advantage of r;
 * or, with `penalty: "reward"`, in the reward as InstructGPT and TRL's PPO place it: A is then the
 * advantage of r − β log(q_old/p), frozen for the whole step, and the loss has no KL term.
 * Either way a fixed point has r − β log(q/p) constant, which is q = φ_{1/β} (MATH §1), REINFORCE's
 * optimum, and the first pass of a step is REINFORCE's gradient.
 *
 * With exact gradients and Adam (AMSGrad) on SUBTLEX × AFINN at β = 1, the penalty in the loss
 * converged (1e-12 nats after 1,279 steps at α = 0.1); in the reward, after first reaching 1e-3 nats
 * the KL to the optimum rose back to 6e-3 … 1e-2 at α = 0.02 … 0.05 before settling (1e-6 after 1,412
 * and 492 steps), and at α = 0.1 … 0.2 it was still 1e-3 … 2e-2 after 1,500: the frozen penalty gives
 * the passes within a step no curvature, so they overshoot.
 *
 * With respect to one logit, ∂ρ_y/∂θ_k = ρ_y (δ_{yk} − q_k), so with w = A·1[not clipped]
 *   ∂L/∂θ_k = q_k (w(k) − E_q w)   (exact expectations: q_old(y) ρ_y = q(y)),
 * and the penalty adds −β q_k (u(k) − E_q u), u = log(q/p). A term is clipped when A > 0 and ρ > 1 + ε,
 * or A < 0 and ρ < 1 − ε: min() then picks the constant.
 */
export type Penalty = "loss" | "reward";
/** Where the KL penalty can go, the default first. */
export const PENALTIES: readonly Penalty[] = ["loss", "reward"];

/** PPO's constants. */
export interface PpoOptions {
  /** ε of the clip (default 0.2, Schulman et al.). */
  readonly clip: number;
  /** Passes over each rollout (default 4). */
  readonly epochs: number;
  /** Minibatches per pass in a sampled run (default 4). */
  readonly minibatches: number;
  /** Where the KL penalty goes (default "loss"). */
  readonly penalty: Penalty;
}

/** Schulman et al.'s ε = 0.2, 4 passes of 4 minibatches, the penalty in the loss. */
export const PPO_DEFAULTS: PpoOptions = { clip: 0.2, epochs: 4, minibatches: 4, penalty: "loss" };

/** Refuses PPO constants out of range (minibatches at most the batch size), naming the field. */
export function checkPpo(o: PpoOptions, batch: number): void {
  if (!(o.clip > 0 && o.clip < 1))
    throw new InputError("clip", `ε must be in (0, 1), got ${show(o.clip)}`, "out_of_range");
  if (!Number.isSafeInteger(o.epochs) || o.epochs < 1)
    throw new InputError("epochs", `expected a whole number ≥ 1, got ${show(o.epochs)}`, "out_of_range");
  if (!Number.isSafeInteger(o.minibatches) || o.minibatches < 1 || o.minibatches > batch) {
    throw new InputError(
      "minibatches",
      `expected a whole number from 1 to the batch size ${batch}, got ${show(o.minibatches)}`,
      "out_of_range",
    );
  }
  if (!PENALTIES.includes(o.penalty)) {
    throw new InputError("penalty", `expected one of ${PENALTIES.join(", ")}, got ${show(o.penalty)}`);
  }
}

function active(A: number, rho: number, clip: number): boolean {
  return !((A > 0 && rho > 1 + clip) || (A < 0 && rho < 1 - clip));
}

/**
 * Exact: the surrogate's expectation over q_old summed over the outcomes. The per-token advantage is
 * the exact one of a memoryless policy (a perfect critic): A(y) = a(y) − E_{q_old} a, since a token does
 * not change the law of the others; so the sequence surrogate is n times the single-token one.
 */
export function ppoExactStep(ctx: StepContext, beta: number, o: PpoOptions): void {
  const { policy } = ctx;
  const { r, logp } = policy.atoms.model;
  const m = policy.atoms.members;
  const K = policy.q.length;
  const inReward = o.penalty === "reward";
  const logOld = Float64Array.from(policy.logq);
  const A = new Float64Array(K);
  const mean = new NeumaierSum();
  for (let k = 0; k < K; k++) {
    A[k] = inReward ? r[k]! - beta * (logOld[k]! - logp[k]!) : r[k]!;
    mean.add(policy.q[k]! * A[k]!);
  }
  for (let k = 0; k < K; k++) A[k] = A[k]! - mean.value;
  const w = new Float64Array(K);
  for (let e = 0; e < o.epochs; e++) {
    const { q, logq } = policy;
    const Ew = new NeumaierSum();
    for (let k = 0; k < K; k++) {
      let wk = active(A[k]!, Math.exp(logq[k]! - logOld[k]!), o.clip) ? A[k]! : 0;
      if (!inReward) wk -= beta * (logq[k]! - logp[k]!);
      w[k] = wk;
      Ew.add(q[k]! * wk);
    }
    for (let k = 0; k < K; k++) ctx.grad[k] = (-ctx.length * q[k]! * (w[k]! - Ew.value)) / m[k]!;
    applyGradient(ctx);
  }
}

/** A seeded Fisher–Yates permutation of 0 … B−1. */
function permutation(B: number, ctx: StepContext): Uint32Array {
  const p = new Uint32Array(B);
  for (let i = 0; i < B; i++) p[i] = i;
  for (let i = B - 1; i > 0; i--) {
    const j = ctx.rng.nextInt(i + 1);
    const t = p[i]!;
    p[i] = p[j]!;
    p[j] = t;
  }
  return p;
}

/**
 * Sampled: B responses from q_old with leave-one-out advantages A_i of their summed rewards (no critic,
 * as in RLOO and GRPO), every token of a response sharing its A_i with its own ratio; `epochs` passes
 * over `minibatches` shuffled minibatches, one Adam step each. The penalty in the loss is estimated from
 * the same tokens: ∇KL(q_θ‖p) = E_{q_old}[ρ u_θ ∇log q_θ] per token (u = log(q/p), importance weighted,
 * unbiased); in the reward, a_i = R_i − β log(q_old^n(y_i)/p^n(y_i)) before the baseline.
 */
export function ppoSampledStep(ctx: StepContext, beta: number, o: PpoOptions): void {
  const { policy, batch: B, length: n } = ctx;
  const { r, logp } = policy.atoms.model;
  const K = policy.q.length;
  const inReward = o.penalty === "reward";
  const tokens = drawTokens(tableOf(policy.logq), ctx.rng, B, n);
  const logOld = Float64Array.from(tokens, (y) => policy.logq[y]!);
  const { R, U } = responseScores(tokens, n, r, policy.logq, logp);
  const A = leaveOneOut(inReward ? R.map((x, i) => x - beta * U[i]!) : R);
  const size = Math.floor(B / o.minibatches);
  for (let e = 0; e < o.epochs; e++) {
    const order = permutation(B, ctx);
    for (let b = 0; b < o.minibatches; b++) {
      const from = b * size;
      const to = b === o.minibatches - 1 ? B : from + size;
      const { logq, q } = policy;
      ctx.grad.fill(0);
      let dense = 0;
      for (let j = from; j < to; j++) {
        const i = order[j]!;
        for (let t = i * n; t < (i + 1) * n; t++) {
          const y = tokens[t]!;
          const rho = Math.exp(logq[y]! - logOld[t]!);
          let c = active(A[i]!, rho, o.clip) ? A[i]! * rho : 0;
          if (!inReward) c -= beta * rho * (logq[y]! - logp[y]!);
          c /= to - from;
          ctx.grad[y]! -= c;
          dense += c;
        }
      }
      for (let k = 0; k < K; k++) ctx.grad[k]! += q[k]! * dense;
      applyGradient(ctx);
    }
  }
}
