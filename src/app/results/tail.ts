import { isConstantReward, type Model } from "../../core/model.js";
import { log1mexp } from "../../core/numerics/logspace.js";
import { enumeratedTail } from "../../core/sequence/compositions.js";
import { reflectedModel } from "../../core/sequence/cramer.js";
import { latticeOf } from "../../core/sequence/lattice.js";
import { quantiseModel } from "../../core/sequence/quantise.js";
import { saddlepointUpperTail } from "../../core/sequence/saddlepoint.js";
import { sumTail } from "../../core/sequence/sumLaw.js";

/**
 * The `tail` result: the law of S_n at one point, in logs. `relErrorBound` bounds the relative error of
 * each log (`errorKind` "bound") or estimates it (`errorKind` "estimate", the saddlepoint's).
 */
export interface TailSummary {
  /** log P(S_n = s); null where atoms are not approximated (the saddlepoint). */
  readonly logPmf: number | null;
  readonly logUpperTail: number;
  readonly logLowerTail: number;
  /** A lattice engine (sumLaw's methods), "enumeration" or "saddlepoint". */
  readonly method: string;
  readonly relErrorBound: number;
  readonly errorKind: "bound" | "estimate";
}

/** `tail --grid h`: the quantised sum's exact law at s, and brackets on the true tails. */
export interface QuantisedTailSummary extends TailSummary {
  readonly grid: number;
  /** n·h/2: the bound on |S_n − S_n^q|. */
  readonly sumError: number;
  readonly upperTailBracket: [number, number];
  readonly lowerTailBracket: [number, number];
}

/**
 * `bonkl tail`: the law of S_n at one point, in the log domain. Lattice rewards: exact engines, with a
 * bound on the relative error of each log (`errorKind` "bound"). Other rewards: the saddlepoint
 * (Lugannani–Rice) tails with `logPmf` null (atoms of a non-lattice sum are not approximated) and
 * `relErrorBound` an asymptotic estimate of the relative error of each log, not a bound
 * (`errorKind` "estimate"). With a grid step h, the rewards are quantised first (quantisedTailSummary).
 */
export function tailSummary(model: Model, n: number, s: number, grid?: number): TailSummary {
  if (grid !== undefined) return quantisedTailSummary(model, n, s, grid);
  if (!isConstantReward(model) && !latticeOf(model)) {
    // Short sequences: the exact law by enumerating the compositions of n over the reward levels.
    const exact = Number.isInteger(n) && n >= 1 ? enumeratedTail(model, n, s) : undefined;
    if (exact) {
      const { logPmf, logUpperTail, logLowerTail, relErrorBound } = exact;
      return { logPmf, logUpperTail, logLowerTail, method: "enumeration", relErrorBound, errorKind: "bound" };
    }
    return saddlepointTails(model, n, s);
  }
  const t = sumTail(model, n, s);
  return {
    logPmf: t.logPmf,
    logUpperTail: t.logUpperTail,
    logLowerTail: t.logLowerTail,
    method: t.method,
    relErrorBound: t.relErrorBound,
    errorKind: "bound",
  };
}

/**
 * The tail on the side of s away from the mean is the saddlepoint's; the other is its complement (the
 * continuous approximation has no atoms), whose relative error shrinks by p/(1 − p).
 */
function saddlepointTails(model: Model, n: number, s: number): TailSummary {
  const upper = s >= n * model.mean;
  const near = upper ? saddlepointUpperTail(model, n, s) : saddlepointUpperTail(reflectedModel(model), n, -s);
  const p = Math.exp(near.logUpperTail);
  const far = log1mexp(-Math.min(0, near.logUpperTail)) + 0;
  const farDelta = near.relErrorEstimate * (p / (1 - p));
  // A relative error δ of a probability P is an error of about δ in log P.
  const relLog = (v: number, delta: number) =>
    delta === 0 || !Number.isFinite(v)
      ? 0
      : v === 0
        ? Number.POSITIVE_INFINITY
        : -Math.log1p(-Math.min(delta, 0.5)) / Math.abs(v);
  return {
    logPmf: null,
    logUpperTail: upper ? near.logUpperTail : far,
    logLowerTail: upper ? far : near.logUpperTail,
    method: "saddlepoint",
    relErrorBound: Math.max(
      relLog(near.logUpperTail, near.relErrorEstimate),
      relLog(far, Number.isFinite(farDelta) ? farDelta : near.relErrorEstimate),
    ),
    errorKind: "estimate",
  };
}

/**
 * `bonkl tail --grid h`: the exact law of the quantised sum S_n^q (sequence/quantise.ts) at s, and
 * brackets on the tails of the true S_n. Every sequence has |S_n − S_n^q| ≤ n·h/2, so
 * {S_n^q ≥ s + nh/2} ⊆ {S_n ≥ s} ⊆ {S_n^q ≥ s − nh/2}, and likewise for the lower tail: the brackets are
 * rigorous (up to the engines' stated relative errors), whatever the rewards.
 */
export function quantisedTailSummary(model: Model, n: number, s: number, h: number): QuantisedTailSummary {
  const { model: q } = quantiseModel(model, h, "grid");
  const half = (n * h) / 2;
  const at = sumTail(q, n, s);
  const below = sumTail(q, n, s - half);
  const above = sumTail(q, n, s + half);
  return {
    logPmf: at.logPmf,
    logUpperTail: at.logUpperTail,
    logLowerTail: at.logLowerTail,
    method: at.method,
    relErrorBound: Math.max(at.relErrorBound, below.relErrorBound, above.relErrorBound),
    errorKind: "bound",
    grid: h,
    sumError: half,
    upperTailBracket: [above.logUpperTail, below.logUpperTail],
    lowerTailBracket: [below.logLowerTail, above.logLowerTail],
  };
}
