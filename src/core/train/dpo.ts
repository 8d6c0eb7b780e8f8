import { levelsOf } from "../levels.js";
import type { Model } from "../model.js";
import { applyGradient, drawTokens, responseScores, type StepContext, tableOf } from "./context.js";

/**
 * DPO (Rafailov et al. 2023) on preference pairs drawn from the reference, labelled by Bradley–Terry
 * from the reward: y₁, y₂ ~ p independently, y₁ preferred with probability σ(r(y₁) − r(y₂)). With
 * h = log(q/p) and z = β(h(y₁) − h(y₂)) the DPO loss of a labelled pair is −log σ(±z), and its
 * expectation over the label is the binary cross-entropy BCE(t, σ(z)) = softplus(z) − t z,
 * t = σ(r(y₁) − r(y₂)). The population loss
 *   L(q) = Σ_{y₁,y₂} p(y₁) p(y₂) BCE(σ(r₁ − r₂), σ(β(h₁ − h₂)))
 * is, pair by pair, a cross-entropy minimised exactly when its two probabilities agree:
 * β(h₁ − h₂) = r₁ − r₂ for every pair in supp p × supp p. Hence h = r/β + c, i.e.
 *   q ∝ p e^{r/β} = φ_{1/β},
 * attained (the softmax reaches it), unique on supp p (every pair has positive weight and BCE(t, σ(z))
 * is strictly convex in z), and the same optimum as KL-penalised RL with coefficient β (MATH §8).
 * The scale matters: with preferences σ((r₁ − r₂)/τ) the optimum is φ_{1/(βτ)}, so the tilt φ_{1/β} of
 * REINFORCE and PPO needs τ = 1, the Bradley–Terry model on r itself, as here.
 *
 * Gradient (∂z/∂h₁ = β, and h = θ − log Σe^θ − log p, whose normalising term drops out since the
 * gradient's entries sum to 0 by antisymmetry):
 *   ∂L/∂θ_k = 2β p(k) Σ_j p(j) [σ(β(h_k − h_j)) − σ(r_k − r_j)].
 */

/**
 * T_a = Σ_b P_b σ(r_a − r_b), the preference half of the gradient: fixed for a model, so computed once,
 * through the reward levels (O(A·L), not O(A²)).
 */
const preferenceCache = new WeakMap<Model, Float64Array>();

function preferences(model: Model): Float64Array {
  const hit = preferenceCache.get(model);
  if (hit) return hit;
  const lv = levelsOf(model);
  const L = lv.count;
  const byLevel = new Float64Array(L);
  for (let i = 0; i < L; i++) {
    let t = 0;
    for (let j = 0; j < L; j++) t += lv.mass[j]! * sigmoid(lv.values[i]! - lv.values[j]!);
    byLevel[i] = t;
  }
  const T = Float64Array.from(lv.levelOf, (l) => byLevel[l]!);
  preferenceCache.set(model, T);
  return T;
}

/** σ(x) = 1/(1 + e^{−x}): a few ulps relative on both sides (e^{−x} = ∞ gives 0, never NaN). */
export function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

/** Largest spread of β·h for which the e^{βh} of every atom fit in a double together. */
const RATIO_SPREAD = 600;

/**
 * The exact gradient: S_a = Σ_b P_b σ(β(h_a − h_b)) over pairs of atoms, O(A²) with each unordered pair
 * once (σ(−z) = 1 − σ(z)), minus T_a. When the spread of βh allows, σ(β(h_a − h_b)) = E_a/(E_a + E_b)
 * with E = e^{βh − shift}: one division a pair and no exp. Both sums are O(1) with non-negative terms,
 * so their difference carries an absolute error of about A·ε, far below the gradients a run follows.
 */
export function dpoExactStep(ctx: StepContext, beta: number): void {
  const { policy } = ctx;
  const model = policy.atoms.model;
  const { p, logp } = model;
  const m = policy.atoms.members;
  const K = p.length;
  const T = preferences(model);
  const bh = new Float64Array(K);
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (let k = 0; k < K; k++) {
    bh[k] = beta * (policy.logq[k]! - logp[k]!);
    lo = Math.min(lo, bh[k]!);
    hi = Math.max(hi, bh[k]!);
  }
  const S = new Float64Array(K);
  if (hi - lo <= RATIO_SPREAD) {
    const shift = 0.5 * (hi + lo);
    const E = Float64Array.from(bh, (v) => Math.exp(v - shift));
    for (let a = 0; a < K; a++) {
      const Ea = E[a]!;
      const pa = p[a]!;
      let Sa = 0.5 * pa;
      for (let b = a + 1; b < K; b++) {
        const s = Ea / (Ea + E[b]!);
        Sa += p[b]! * s;
        S[b]! += pa * (1 - s);
      }
      S[a]! += Sa;
    }
  } else {
    for (let a = 0; a < K; a++) {
      const pa = p[a]!;
      let Sa = 0.5 * pa;
      for (let b = a + 1; b < K; b++) {
        const s = sigmoid(bh[a]! - bh[b]!);
        Sa += p[b]! * s;
        S[b]! += pa * (1 - s);
      }
      S[a]! += Sa;
    }
  }
  for (let k = 0; k < K; k++) ctx.grad[k] = (2 * beta * p[k]! * (S[k]! - T[k]!)) / m[k]!;
  applyGradient(ctx);
}

/**
 * The sampled gradient: B fresh pairs of responses from p^{⊗n} each step, labelled by Bradley–Terry on
 * their summed rewards, h of a response the sum of its tokens' log(q/p). The normalising terms cancel
 * in h(y_w) − h(y_l) (both responses have n tokens), so a pair moves only the logits of its tokens:
 * ∂/∂θ_k [−log σ(z)] = −β σ(−z) (c_w(k) − c_l(k)) with c the token counts. Fresh pairs make this a
 * stochastic gradient of the population loss, whose optimum is φ_{1/β}; a fixed data set would converge
 * to the optimum of its own empirical loss instead.
 */
export function dpoSampledStep(ctx: StepContext, beta: number): void {
  const { policy, batch: B, length: n } = ctx;
  const { r, logp } = policy.atoms.model;
  const { logq } = policy;
  // Responses 2i and 2i + 1 form pair i.
  const pairs = drawTokens(referenceTable(policy.atoms.model), ctx.rng, 2 * B, n);
  const { R, U } = responseScores(pairs, n, r, logq, logp);
  ctx.grad.fill(0);
  for (let i = 0; i < B; i++) {
    const firstWins = ctx.rng.nextDouble() < sigmoid(R[2 * i]! - R[2 * i + 1]!);
    const [w, l] = firstWins ? [2 * i, 2 * i + 1] : [2 * i + 1, 2 * i];
    const c = (beta * sigmoid(-beta * (U[w]! - U[l]!))) / B;
    for (let t = 0; t < n; t++) {
      ctx.grad[pairs[w * n + t]!]! -= c;
      ctx.grad[pairs[l * n + t]!]! += c;
    }
  }
  applyGradient(ctx);
}

const referenceCache = new WeakMap<Model, ReturnType<typeof tableOf>>();

function referenceTable(model: Model): ReturnType<typeof tableOf> {
  let t = referenceCache.get(model);
  if (!t) {
    t = tableOf(model.logp);
    referenceCache.set(model, t);
  }
  return t;
}
