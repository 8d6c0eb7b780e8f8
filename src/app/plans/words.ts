import type { Model } from "../../core/model.js";
import { optimum } from "../../core/optimum.js";

/** Models with more outcomes than this are word models: the report lists the words that move. */
export const WORD_MODEL_SIZE = 100;

/** One word (outcome) with its reward and its probability before (p) and after (φ) alignment. */
export interface Mover {
  readonly outcome: string;
  readonly reward: number;
  readonly p: number;
  readonly phi: number;
}

/** The words the optimum at a budget favours and disfavours most. */
export interface Movers {
  readonly klRate: number;
  readonly lambda: number;
  /** E_φ r at that budget: the expected reward (sentiment) per word after alignment. */
  readonly reward: number;
  readonly gain: Mover[];
  readonly lose: Mover[];
  /** φ_Δ(w)/p(w) = e^{λ r(w) − Λ(λ)}: the same factor for every word of a reward level. */
  readonly factors: { readonly reward: number; readonly ratio: number }[];
}

/** The `count` words (outcomes) that gain and lose the most probability under φ_Δ, and the factor of each level. */
export function movers(model: Model, law: Model, delta: number, count: number): Movers {
  const opt = optimum(model, delta);
  const rows = model.labels.map((outcome, i) => ({
    outcome,
    reward: model.r[i]!,
    p: model.p[i]!,
    phi: Math.exp(opt.logPhi[i]!),
  }));
  const byChange = [...rows].sort((a, b) => b.phi - b.p - (a.phi - a.p));
  const lawPhi = optimum(law, delta).logPhi;
  const factors = Array.from(law.r, (reward, l) => ({ reward, ratio: Math.exp(lawPhi[l]! - law.logp[l]!) }));
  return {
    klRate: delta,
    lambda: opt.lambda,
    reward: opt.xStar,
    gain: byChange.slice(0, count),
    lose: byChange.slice(-count).reverse(),
    factors,
  };
}
