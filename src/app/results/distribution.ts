import type { Model } from "../../core/model.js";

/** One outcome of a distribution as the commands print it: its label, p, and the policy's probability. */
export interface OutcomeProbability {
  readonly outcome: string;
  readonly p: number;
  readonly q: number;
}

/**
 * A distribution given by its logs on the support, spread back over every input outcome in input order
 * (outcomes with p = 0 are listed with probability 0).
 */
export function outcomeProbabilities(model: Model, logq: Float64Array): OutcomeProbability[] {
  const q = new Float64Array(model.allRewards.length);
  const p = new Float64Array(model.allRewards.length);
  for (let j = 0; j < model.size; j++) {
    q[model.support[j]!] = Math.exp(logq[j]!);
    p[model.support[j]!] = model.p[j]!;
  }
  return model.allLabels.map((outcome, i) => ({ outcome, p: p[i]!, q: q[i]! }));
}
