import { bestOfN, bonOutcomeLogProbs } from "../../core/bon.js";
import type { Model } from "../../core/model.js";
import { outcomeProbabilities } from "./distribution.js";

/** N or log N, exactly one (bestOfN checks). */
export type BonSize = { readonly n?: number; readonly logN?: number };

/** The `bon` result: `n` null when N overflows a double. */
export interface BonSummary {
  readonly n: number | null;
  readonly logN: number;
  readonly reward: number;
  readonly kl: number;
  readonly klBound: number;
  readonly winRate: number;
}

/** One outcome of `bon --dist` (and `soft-bon --dist`): p and the policy's π. */
export interface PolicyOutcome {
  readonly outcome: string;
  readonly p: number;
  readonly pi: number;
}

/**
 * `bonkl bon`: best-of-N at real N ≥ 1 or log N ≥ 0 (exactly one): reward, exact KL with ties, the folklore
 * bound and the win rate; n is null when N overflows a double. `withDistribution` adds π_N per outcome.
 */
export function bonSummary(model: Model, spec: BonSize): BonSummary;
/**
 * `bonkl bon`: best-of-N at real N ≥ 1 or log N ≥ 0 (exactly one): reward, exact KL with ties, the folklore
 * bound and the win rate; n is null when N overflows a double. `withDistribution` adds π_N per outcome.
 */
export function bonSummary(
  model: Model,
  spec: BonSize,
  withDistribution: true,
): BonSummary & { readonly distribution: PolicyOutcome[] };
/**
 * `bonkl bon`: best-of-N at real N ≥ 1 or log N ≥ 0 (exactly one): reward, exact KL with ties, the folklore
 * bound and the win rate; n is null when N overflows a double. `withDistribution` adds π_N per outcome.
 */
export function bonSummary(
  model: Model,
  spec: BonSize,
  withDistribution?: boolean,
): BonSummary | (BonSummary & { readonly distribution: PolicyOutcome[] });
export function bonSummary(model: Model, spec: BonSize, withDistribution = false) {
  const r = bestOfN(model, spec);
  const out: BonSummary = {
    n: Number.isFinite(r.n) ? r.n : null,
    logN: r.logN,
    reward: r.reward,
    kl: r.kl,
    klBound: r.klBound,
    winRate: r.winRate,
  };
  if (!withDistribution) return out;
  return { ...out, distribution: policyOutcomes(model, bonOutcomeLogProbs(model, r)) };
}

/** A policy's distribution with p beside it, over every input outcome. */
export function policyOutcomes(model: Model, logpi: Float64Array): PolicyOutcome[] {
  return outcomeProbabilities(model, logpi).map(({ outcome, p, q }) => ({ outcome, p, pi: q }));
}
