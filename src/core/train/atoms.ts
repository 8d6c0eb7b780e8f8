import { type Model, modelFromLogWeights } from "../model.js";

/**
 * Exchangeable outcomes, pooled. Every population objective trained here (REINFORCE, PPO, DPO and
 * best-of-N distillation with exact expectations) is symmetric under permutations of outcomes with the
 * same reference probability and the same reward, and a run starts from q = p, so two such outcomes
 * receive the same gradient at every step and Adam (a per-coordinate rule) keeps their logits equal.
 * An exact-gradient run can therefore work on the distinct (p, r) pairs, the atoms, with one logit each
 * standing for every member's: the same trajectory as the run over all outcomes, to rounding, at the
 * cost of the atoms (74,286 SUBTLEX words are 4,590 atoms). Sampled runs break the symmetry (a draw
 * moves one outcome), so they use one atom per outcome.
 */
export interface Atoms {
  /** The pooled model: atom a has mass m_a·p_a (m_a members of probability p_a each) and reward r_a. */
  readonly model: Model;
  /** m_a, the number of outcomes in atom a. */
  readonly members: Float64Array;
  /** log m_a. */
  readonly logMembers: Float64Array;
  /** The atom of each support outcome of the original model. */
  readonly atomOf: Uint32Array;
  /** The original model. */
  readonly source: Model;
}

/** One atom per support outcome: the unpooled run. */
export function singletonAtoms(model: Model): Atoms {
  const atomOf = new Uint32Array(model.size);
  for (let i = 0; i < model.size; i++) atomOf[i] = i;
  return {
    model,
    members: new Float64Array(model.size).fill(1),
    logMembers: new Float64Array(model.size),
    atomOf,
    source: model,
  };
}

/**
 * Pools the outcomes with equal log p and equal r (as doubles). Atoms are numbered in order of first
 * appearance, so the result does not depend on anything but the model.
 */
export function pooledAtoms(model: Model): Atoms {
  const index = new Map<number, Map<number, number>>();
  const atomOf = new Uint32Array(model.size);
  const logp: number[] = [];
  const r: number[] = [];
  const count: number[] = [];
  for (let i = 0; i < model.size; i++) {
    const lp = model.logp[i]!;
    const ri = model.r[i]!;
    let byReward = index.get(lp);
    if (!byReward) {
      byReward = new Map();
      index.set(lp, byReward);
    }
    let a = byReward.get(ri);
    if (a === undefined) {
      a = logp.length;
      byReward.set(ri, a);
      logp.push(lp);
      r.push(ri);
      count.push(0);
    }
    count[a]!++;
    atomOf[i] = a;
  }
  if (logp.length === model.size) return singletonAtoms(model);
  const members = Float64Array.from(count);
  const logMembers = Float64Array.from(count, Math.log);
  // log(m_a p_a) = log p_a + log m_a; the weights already sum to 1 (up to rounding, which
  // modelFromLogWeights normalises away).
  const logw = Float64Array.from(logp, (lp, a) => lp + logMembers[a]!);
  return {
    model: modelFromLogWeights(logw, Float64Array.from(r)),
    members,
    logMembers,
    atomOf,
    source: model,
  };
}

/** Log-probabilities per support outcome of the source model, from log-masses per atom. */
export function expandLogProbs(atoms: Atoms, atomLogProbs: ArrayLike<number>): Float64Array {
  const out = new Float64Array(atoms.source.size);
  for (let i = 0; i < out.length; i++) {
    const a = atoms.atomOf[i]!;
    out[i] = atomLogProbs[a]! - atoms.logMembers[a]!;
  }
  return out;
}
