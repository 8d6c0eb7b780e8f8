import { expFast } from "../numerics/fastExp.js";
import { type Atoms, expandLogProbs } from "./atoms.js";

/**
 * A tabular softmax policy q = softmax(θ) over the outcomes of a model, held per atom (atoms.ts): θ_a is
 * the logit of each member of atom a, so atom a has mass Q_a = m_a e^{θ_a}/Σ_b m_b e^{θ_b}. For a
 * sequence of n tokens the same q is used at every position (the per-token, memoryless policy q^{⊗n}).
 * A run starts at the reference: θ = log p, q = p.
 */
export class SoftmaxPolicy {
  readonly atoms: Atoms;
  /** θ_a, one member's logit. */
  readonly logits: Float64Array;
  /** log Q_a. */
  readonly logq: Float64Array;
  /** Q_a. */
  readonly q: Float64Array;

  constructor(atoms: Atoms, logits?: Float64Array) {
    this.atoms = atoms;
    const A = atoms.model.size;
    this.logits = logits ? Float64Array.from(logits) : new Float64Array(A);
    if (!logits) for (let a = 0; a < A; a++) this.logits[a] = atoms.model.logp[a]! - atoms.logMembers[a]!;
    this.logq = new Float64Array(A);
    this.q = new Float64Array(A);
    this.refresh();
  }

  /**
   * Recomputes log Q and Q from the logits (after an optimiser step): one exponential an atom, shifted
   * by the largest logit (the log-sum-exp's own terms give Q after one division).
   */
  refresh(): void {
    const { logits, logq, q } = this;
    const logm = this.atoms.logMembers;
    const K = logits.length;
    let max = Number.NEGATIVE_INFINITY;
    for (let a = 0; a < K; a++) {
      const x = logits[a]! + logm[a]!;
      logq[a] = x;
      if (x > max) max = x;
    }
    let z = 0;
    for (let a = 0; a < K; a++) {
      const e = expFast(logq[a]! - max);
      q[a] = e;
      z += e;
    }
    const logZ = max + Math.log(z);
    for (let a = 0; a < K; a++) {
      logq[a] = logq[a]! - logZ;
      q[a] = q[a]! / z;
    }
  }

  /** log q per support outcome of the source model (support order). */
  outcomeLogProbs(): Float64Array {
    return expandLogProbs(this.atoms, this.logq);
  }
}
