import { isConstantReward, type Model } from "../../core/model.js";
import { softBestOfN, softBonOutcomeLogProbs } from "../../core/softBon.js";
import { lambdaForKl } from "../../core/tilt.js";
import { type GapSummary, gapSummary } from "../results/gap.js";

/** N of the soft best-of-N policies placed against the optimum. */
export const SOFT_NS = [4, 16, 64] as const;
/** The temperature-scaled reference p^{1/T}: T = ½ sharpens p to ∝ p². */
export const SHARPENING_T = 0.5;

/** A policy other than the optimum, placed against it at its own KL (the `gap` result, named). */
export type Policy = GapSummary & {
  readonly policy: string;
  readonly kind: "soft-bon" | "temperature" | "restricted";
  /** soft-bon: N and τ; temperature: T; restricted: the reward threshold. */
  readonly n?: number;
  readonly temperature?: number;
  readonly threshold?: number;
};

/** Spreads a distribution over the support back to every input outcome, in input order (policyGap's form). */
function spread(model: Model, q: Float64Array): number[] {
  const out = new Array<number>(model.allRewards.length).fill(0);
  for (let j = 0; j < model.size; j++) out[model.support[j]!] = q[j]!;
  return out;
}

function normalise(w: Float64Array): Float64Array {
  let total = 0;
  for (const x of w) total += x;
  return w.map((x) => x / total);
}

/**
 * Other policies placed against the optimum at their own KL (MATH §1's identity at work): soft best-of-N
 * at the temperature 1/λ_Δ of the optimum at the budget Δ (it tends to that optimum as N grows), the
 * temperature-scaled reference p^{1/T} (which ignores the reward), and p restricted to rewards at or above
 * their mean. Soft best-of-N and the restriction keep each reward level's law ∝ p, so they are placed on
 * the reward law; p^{1/T} reshapes the levels inside, so it needs the model itself.
 */
export function otherPolicies(model: Model, law: Model, delta: number): Policy[] {
  // A constant reward is saturated at every Δ (λ = ∞), and every τ gives π = p there: τ = ∞, not 1/∞ = 0.
  const tau = isConstantReward(law) ? Number.POSITIVE_INFINITY : 1 / lambdaForKl(law, delta).lambda;
  const soft = SOFT_NS.map((n) => {
    const s = softBestOfN(law, { n, temperature: tau });
    const q = normalise(softBonOutcomeLogProbs(law, s).map(Math.exp));
    const policy = `soft best-of-${n}, τ = ${tau.toPrecision(3)}`;
    return { policy, kind: "soft-bon" as const, n, temperature: tau, ...gapSummary(law, spread(law, q)) };
  });
  // p^{1/T} in logs: p² of a rare word underflows long before its log does.
  const logSharp = model.logp.map((l) => l / SHARPENING_T);
  let top = Number.NEGATIVE_INFINITY;
  for (const l of logSharp) top = Math.max(top, l);
  const sharpened = normalise(logSharp.map((l) => Math.exp(l - top)));
  const threshold = law.mean;
  const above = normalise(law.p.map((p, j) => (law.r[j]! >= threshold ? p : 0)));
  return [
    ...soft,
    {
      policy: `temperature-scaled p, T = ${SHARPENING_T} (∝ p²)`,
      kind: "temperature" as const,
      temperature: SHARPENING_T,
      ...gapSummary(model, spread(model, sharpened)),
    },
    {
      policy: "p restricted to r ≥ Eₚ r",
      kind: "restricted" as const,
      threshold,
      ...gapSummary(law, spread(law, above)),
    },
  ];
}
