import { InputError, show } from "./errors.js";
import type { Model } from "./model.js";
import { SUM_TOLERANCE } from "./model.js";
import { klTerm } from "./numerics/logspace.js";
import { NeumaierSum } from "./numerics/sum.js";
import { lambdaForKl, tiltLogProbs } from "./tilt.js";

/**
 * How far a policy q is from the KL-constrained optimum at its own KL (MATH §1):
 * KL(q‖φ_λ) = KL(q‖p) − KL(φ_λ‖p) + λ(E_φ r − E_q r), computed both directly and through the identity.
 */
export interface GapResult {
  readonly kl: number;
  readonly reward: number;
  /** V(KL(q‖p)): the best reward any policy reaches with the same KL. */
  readonly optimalReward: number;
  readonly rewardGap: number;
  /** λ of the optimum at that KL (Infinity when saturated). */
  readonly lambda: number;
  readonly saturated: boolean;
  readonly klToOptimal: number;
  readonly klToOptimalByIdentity: number;
}

/** Validates a policy given in the model's input order (support or not) and normalises it. */
export function checkPolicy(model: Model, q: unknown, field = "policy"): Float64Array {
  const n = model.allRewards.length;
  if (!Array.isArray(q) && !ArrayBuffer.isView(q)) {
    throw new InputError(field, `expected an array of ${n} probabilities, got ${show(q)}`);
  }
  const arr = q as ArrayLike<unknown>;
  if (arr.length !== n) {
    throw new InputError(
      field,
      `has ${arr.length} entries but the model has ${n} outcomes (give them in model order)`,
    );
  }
  const out = new Float64Array(n);
  const total = new NeumaierSum();
  for (let i = 0; i < n; i++) {
    const v = arr[i];
    if (typeof v !== "number" || !Number.isFinite(v)) {
      throw new InputError(`${field}[${i}]`, `expected a finite number, got ${show(v)}`);
    }
    if (v < 0) throw new InputError(`${field}[${i}]`, `probabilities must be ≥ 0, got ${show(v)}`);
    out[i] = v;
    total.add(v);
  }
  const s = total.value;
  if (Math.abs(s - 1) > SUM_TOLERANCE) {
    throw new InputError(field, `probabilities sum to ${s} (must be 1 within ${SUM_TOLERANCE})`);
  }
  for (let i = 0; i < n; i++) out[i] = out[i]! / s;
  return out;
}

/**
 * A policy q (probabilities in the model's input order, summing to 1 within SUM_TOLERANCE) against the
 * optimum at its own KL: reward gap V(KL(q‖p)) − E_q r ≥ 0 and KL(q‖φ_λ), both directly and through the
 * identity (MATH §1); KL(q‖p) is Infinity when q puts mass outside the reference's support.
 */
export function policyGap(model: Model, policy: unknown, field = "policy"): GapResult {
  const q = checkPolicy(model, policy, field);
  const n = q.length;
  const reward = new NeumaierSum();
  for (let i = 0; i < n; i++) reward.add(q[i]! * model.allRewards[i]!);
  const onSupport = new Float64Array(model.size);
  let offSupport = false;
  const isSupport = new Uint8Array(n);
  for (let j = 0; j < model.size; j++) {
    onSupport[j] = q[model.support[j]!]!;
    isSupport[model.support[j]!] = 1;
  }
  for (let i = 0; i < n; i++) if (!isSupport[i] && q[i]! > 0) offSupport = true;
  const Er = reward.value;
  const klTo = (logb: Float64Array): number => {
    if (offSupport) return Number.POSITIVE_INFINITY;
    const s = new NeumaierSum();
    for (let j = 0; j < model.size; j++) {
      const qj = onSupport[j]!;
      const t = qj === 0 ? Math.exp(logb[j]!) : klTerm(logb[j]!, Math.log(qj) - logb[j]!);
      if (t === Number.POSITIVE_INFINITY) return t;
      // Σ [q log(q/b) − q + b]: every term ≥ 0. Both q and b sum to 1, so Σ (q − b) is rounding noise only;
      // adding it back would turn KL(p‖p) into ±1e-16, which V's infinite slope at 0 magnifies to ~1e-8.
      s.add(t);
    }
    return Math.max(0, s.value);
  };
  let onTop = !offSupport;
  for (let j = 0; j < model.size; j++) if (onSupport[j]! > 0 && model.r[j] !== model.rMax) onTop = false;
  // On the argmax, KL(q‖p) = KL(q‖p(·|Y*)) + log(1/p*) ≥ log(1/p*) exactly: rounding must not put such a
  // policy (e.g. p(·|Y*) itself) below the saturation threshold.
  const kl = onTop ? Math.max(klTo(model.logp), model.klMax) : klTo(model.logp);
  const point = lambdaForKl(model, Math.min(kl, model.klMax)).point;
  const klToOptimal = klTo(tiltLogProbs(model, point));
  let identity: number;
  if (point.saturated) {
    identity = onTop ? Math.max(0, kl - model.klMax) : Number.POSITIVE_INFINITY;
  } else identity = Math.max(0, kl - point.kl + point.lambda * (point.reward - Er));
  return {
    kl,
    reward: Er,
    optimalReward: point.reward,
    rewardGap: point.reward - Er,
    lambda: point.lambda,
    saturated: point.saturated,
    klToOptimal,
    klToOptimalByIdentity: identity,
  };
}
