import type { Model } from "../../core/model.js";
import { optimum } from "../../core/optimum.js";
import { type LdpSummary, ldpSummary } from "../../core/sequence/ldp.js";
import { finiteLengthCheck } from "../../core/sequence/ldpCheck.js";
import { type LdpCurves, ldpCurves } from "../ldpCurves.js";

/** One point of the approach to J_Δ: the exact −(1/n) log P_φ(S_n ≥ n x) beside J_Δ(x). */
export interface LdpCheckPoint {
  readonly x: number;
  readonly J: number;
  readonly minusLogTailOverN: number;
}

/** The exact finite-n rates at one length. */
export interface RateApproach {
  readonly n: number;
  readonly points: LdpCheckPoint[];
}

/** The lengths at which a rates figure shows the approach to J_Δ. */
export const APPROACH_LENGTHS: readonly number[] = [100, 1000, 10000];

/**
 * −(1/n) log P_φ(S_n ≥ n x) at each length for the xs above x*, with J_Δ(x) beside it (none when the
 * budget saturates: φ then sits at r_max). λ* is solved once for all lengths. `grid` quantises the rewards
 * first (see finiteLengthCheck).
 */
export function rateApproach(
  model: Model,
  delta: number,
  xs: readonly number[],
  lengths: readonly number[],
  grid?: number,
): RateApproach[] {
  const opt = optimum(model, delta, "klRate");
  if (opt.saturated) return [];
  return lengths.map((n) => ({
    n,
    points: finiteLengthCheck(opt, xs, n, grid).check.map((c) => ({
      x: c.x,
      J: opt.rate(c.x).J,
      minusLogTailOverN: c.minusLogTailOverN,
    })),
  }));
}

/** Largest |Γ(t) − its Rényi forms| over the t of a summary. */
export function renyiAgreement(ldp: LdpSummary): number {
  let worst = 0;
  for (const s of ldp.scgf) {
    for (const form of [s.renyiCrossEntropyForm, s.renyiDivergenceForm]) {
      if (form !== null) worst = Math.max(worst, Math.abs(form - s.value));
    }
  }
  return worst;
}

/** The report's large deviations: the summary on a grid, how well the Rényi forms agree, and the approach. */
export interface LargeDeviations extends LdpSummary {
  /** Largest |Γ(t) − its Rényi forms| over the t shown. */
  readonly renyiAgreement: number;
  readonly checks: RateApproach[];
  /** J, I_p and Γ sampled finely for the figure's curves (the tables keep the 41 points above). */
  readonly curves: LdpCurves;
}

/**
 * The rates on a 41-point grid, Γ with its Rényi forms, and exact finite-n tails approaching J_Δ at ten
 * points between x* and r_max (each costs an FFT), at n = 100, 1000 (and 10000 unless `quick`).
 */
export function largeDeviations(model: Model, delta: number, quick: boolean): LargeDeviations {
  const ldp = ldpSummary(model, delta, { grid: 41 });
  const xs = Array.from({ length: 10 }, (_, i) => ldp.xStar + ((model.rMax - ldp.xStar) * (i + 1)) / 10);
  const lengths = quick ? APPROACH_LENGTHS.slice(0, 2) : APPROACH_LENGTHS;
  return {
    ...ldp,
    renyiAgreement: renyiAgreement(ldp),
    checks: rateApproach(model, delta, xs, lengths),
    curves: ldpCurves(model, delta, ldp),
  };
}
