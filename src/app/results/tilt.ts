import { InputError, show } from "../../core/errors.js";
import type { Model } from "../../core/model.js";
import { cumulants, lambdaForKl, type TiltPoint, tiltAt, tiltLogProbs } from "../../core/tilt.js";
import { outcomeProbabilities } from "./distribution.js";

/** `bonkl tilt`: the optimum for a KL budget, a λ, or β = 1/λ. */
export type TiltSpec = { kl: number } | { lambda: number } | { beta: number };

/** The `tilt` result: λ and Λ null when saturated (λ = ∞), β = 0 there. */
export interface TiltSummary {
  readonly lambda: number | null;
  readonly beta: number;
  readonly kl: number;
  readonly reward: number;
  readonly logPartition: number | null;
  readonly saturated: boolean;
  readonly rewardMax: number;
  readonly klMax: number;
  /** Cumulants of r under φ: mean, variance, third and fourth. */
  readonly cumulants: [number, number, number, number];
}

/** One outcome of `tilt --dist`: p and φ. */
export interface TiltOutcome {
  readonly outcome: string;
  readonly p: number;
  readonly phi: number;
}

/**
 * `bonkl tilt`: the optimum φ_λ at a KL budget, a λ or a β (TiltSpec), with its reward, KL, log-partition
 * and cumulants; lambda and logPartition are null (β = 0) when saturated. `withDistribution` adds φ per
 * outcome in the model's input order (0 off the support).
 */
export function tiltSummary(model: Model, spec: TiltSpec): TiltSummary;
/**
 * `bonkl tilt`: the optimum φ_λ at a KL budget, a λ or a β (TiltSpec), with its reward, KL, log-partition
 * and cumulants; lambda and logPartition are null (β = 0) when saturated. `withDistribution` adds φ per
 * outcome in the model's input order (0 off the support).
 */
export function tiltSummary(
  model: Model,
  spec: TiltSpec,
  withDistribution: true,
): TiltSummary & { readonly distribution: TiltOutcome[] };
/**
 * `bonkl tilt`: the optimum φ_λ at a KL budget, a λ or a β (TiltSpec), with its reward, KL, log-partition
 * and cumulants; lambda and logPartition are null (β = 0) when saturated. `withDistribution` adds φ per
 * outcome in the model's input order (0 off the support).
 */
export function tiltSummary(
  model: Model,
  spec: TiltSpec,
  withDistribution?: boolean,
): TiltSummary | (TiltSummary & { readonly distribution: TiltOutcome[] });
export function tiltSummary(model: Model, spec: TiltSpec, withDistribution = false) {
  const point = tiltPoint(model, spec);
  const out: TiltSummary = {
    lambda: point.saturated ? null : point.lambda,
    beta: point.saturated ? 0 : 1 / point.lambda,
    kl: point.kl,
    reward: point.reward,
    logPartition: point.saturated ? null : point.logPartition,
    saturated: point.saturated,
    rewardMax: model.rMax,
    klMax: model.klMax,
    cumulants: cumulants(model, point),
  };
  if (!withDistribution) return out;
  const distribution = outcomeProbabilities(model, tiltLogProbs(model, point)).map(
    ({ outcome, p, q }): TiltOutcome => ({ outcome, p, phi: q }),
  );
  return { ...out, distribution };
}

function tiltPoint(model: Model, spec: TiltSpec): TiltPoint {
  if ("kl" in spec) return lambdaForKl(model, spec.kl, "kl").point;
  if ("lambda" in spec) return tiltAt(model, spec.lambda, "lambda");
  if (Number.isNaN(spec.beta) || !(spec.beta > 0)) {
    throw new InputError(
      "beta",
      `β = 1/λ must be a number > 0 (Infinity for λ = 0), got ${show(spec.beta)}`,
      "out_of_range",
    );
  }
  return tiltAt(model, 1 / spec.beta, "beta");
}
