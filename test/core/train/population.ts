/**
 * Independent references for the training tests: the population objectives written out plainly over
 * outcome-level probability vectors (no atoms, no log-domain care), their closed-form optima, and a
 * gradient by central differences. Only for small models.
 */
import { Rng } from "../../../src/core/estimate/bootstrap.js";
import { type Model, modelFromLogWeights } from "../../../src/core/model.js";
import type { Adam } from "../../../src/core/train/adam.js";
import { pooledAtoms, singletonAtoms } from "../../../src/core/train/atoms.js";
import type { StepContext } from "../../../src/core/train/context.js";
import { SoftmaxPolicy } from "../../../src/core/train/policy.js";

export function softmax(theta: ArrayLike<number>): number[] {
  const m = Math.max(...Array.from(theta));
  const e = Array.from(theta, (t) => Math.exp(t - m));
  const z = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / z);
}

const sig = (x: number) => 1 / (1 + Math.exp(-x));
const softplus = (x: number) => (x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x)));

/** J(q) = E_q r − β KL(q‖p). */
export function penalisedReward(p: number[], r: number[], beta: number, q: number[]): number {
  return q.reduce((s, qi, i) => s + qi * (r[i]! - beta * Math.log(qi / p[i]!)), 0);
}

/** PPO's surrogate with the penalty in the loss, q_old frozen: Σ q_old min(ρA, clip(ρ)A) − β KL(q‖p). */
export function ppoSurrogate(
  p: number[],
  r: number[],
  beta: number,
  qOld: number[],
  q: number[],
  clip: number,
): number {
  const mean = qOld.reduce((s, x, i) => s + x * r[i]!, 0);
  let s = 0;
  for (let i = 0; i < q.length; i++) {
    const A = r[i]! - mean;
    const rho = q[i]! / qOld[i]!;
    const clipped = Math.min(Math.max(rho, 1 - clip), 1 + clip);
    s += qOld[i]! * Math.min(rho * A, clipped * A);
  }
  return s - q.reduce((t, qi, i) => t + qi * Math.log(qi / p[i]!), 0) * beta;
}

/** DPO's population loss Σ_ij p_i p_j BCE(σ(r_i − r_j), σ(β(h_i − h_j))), h = log(q/p). */
export function dpoLoss(p: number[], r: number[], beta: number, q: number[]): number {
  let s = 0;
  for (let i = 0; i < p.length; i++)
    for (let j = 0; j < p.length; j++) {
      const z = beta * (Math.log(q[i]! / p[i]!) - Math.log(q[j]! / p[j]!));
      s += p[i]! * p[j]! * (softplus(z) - sig(r[i]! - r[j]!) * z);
    }
  return s;
}

export function klDirect(a: number[], b: number[]): number {
  return a.reduce((s, ai, i) => (ai > 0 ? s + ai * Math.log(ai / b[i]!) : s), 0);
}

/** The tilt q ∝ p e^{r/β}, directly. */
export function tiltDirect(p: number[], r: number[], beta: number): number[] {
  const w = p.map((pi, i) => pi * Math.exp(r[i]! / beta));
  const z = w.reduce((a, b) => a + b, 0);
  return w.map((x) => x / z);
}

/**
 * Best-of-N for integer N by the BOND formula (Sessa et al. 2024, MATH §2), ties included:
 * π_N(y) = p(y) F(y)^{N−1} Σ_{i=1}^{N} (F⁻(y)/F(y))^{i−1}.
 */
export function bonDirect(p: number[], r: number[], N: number): number[] {
  return p.map((py, k) => {
    let F = 0;
    let Fm = 0;
    for (let j = 0; j < p.length; j++) {
      if (r[j]! <= r[k]!) F += p[j]!;
      if (r[j]! < r[k]!) Fm += p[j]!;
    }
    let s = 0;
    for (let i = 1; i <= N; i++) s += (Fm / F) ** (i - 1);
    return py * F ** (N - 1) * s;
  });
}

/** ∂f/∂θ_k by central differences with step h. */
export function numericGradient(f: (theta: number[]) => number, theta: number[], h = 1e-5): number[] {
  return theta.map((_, k) => {
    const up = theta.slice();
    const down = theta.slice();
    up[k]! += h;
    down[k]! -= h;
    return (f(up) - f(down)) / (2 * h);
  });
}

/** A model from plain arrays (p normalised). */
export function modelOf(p: number[], r: number[]): Model {
  return modelFromLogWeights(Float64Array.from(p, Math.log), Float64Array.from(r));
}

/**
 * Runs one step function on a policy with logits θ (unpooled) and returns the gradients it hands to
 * the optimiser, in order; `move` is applied to the logits after each call (to reach ρ ≠ 1 in PPO).
 */
export function capturedGradients(
  model: Model,
  theta: number[],
  step: (ctx: StepContext) => void,
  move?: (x: Float64Array, call: number) => void,
  options: { length?: number; pooled?: boolean; batch?: number; rng?: Rng } = {},
): Float64Array[] {
  const atoms = options.pooled ? pooledAtoms(model) : singletonAtoms(model);
  const policy = new SoftmaxPolicy(atoms, Float64Array.from(theta));
  const calls: Float64Array[] = [];
  const adam = {
    step(x: Float64Array, g: ArrayLike<number>) {
      calls.push(Float64Array.from(g));
      move?.(x, calls.length);
    },
  } as unknown as Adam;
  step({
    policy,
    adam,
    grad: new Float64Array(atoms.model.size),
    lr: 0.1,
    length: options.length ?? 1,
    batch: options.batch ?? 2,
    rng: options.rng ?? new Rng(1),
  });
  return calls;
}
