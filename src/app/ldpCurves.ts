import type { Model } from "../core/model.js";
import { optimum } from "../core/optimum.js";
import { rewardLaw } from "../core/rewardLaw.js";
import { linspace, refineCurve } from "./refine.js";

/** The rate functions and Γ, sampled for drawing (plot/ldp.ts's `LdpCurves`). */
export interface LdpCurves {
  readonly rate: { readonly x: number; readonly J: number; readonly Ip: number }[];
  readonly scgf: { readonly t: number; readonly value: number }[];
}

/** Points of Γ to start from: its curve is smooth, so a modest even grid, refined where it bends. */
const SCGF_START = 33;

/**
 * J_Δ, I_p and Γ at budget Δ, sampled finely enough to draw as smooth curves over the x and t ranges
 * of a table (`ldpSummary`'s points): the table's x grid refined where a chord strays from the curve
 * (near a heavy reward atom J bends within a fraction of the grid step), and Γ on an even grid refined
 * likewise. The rates depend on the model only through the law of its reward, so they are computed on
 * that law (one outcome per reward level: the same values to rounding, ~10⁻¹¹ relative, at a fraction
 * of the cost); the printed tables keep their own points, computed on the model.
 */
export function ldpCurves(
  model: Model,
  delta: number,
  table: {
    readonly rate: readonly { readonly x: number }[];
    readonly scgf: readonly { readonly t: number }[];
  },
): LdpCurves {
  // λ* solved once on the law; the refinement then evaluates its rates and Γ point by point.
  const opt = optimum(rewardLaw(model), delta, "klRate");
  const xs = [...new Set(table.rate.map((r) => r.x).filter(Number.isFinite))].sort((a, b) => a - b);
  const rate = refineCurve(xs, (at) => {
    const rows = at.map((x) => opt.rate(x));
    return [rows.map((r) => r.J), rows.map((r) => r.Ip)];
  });
  const ts = table.scgf.map((g) => g.t).filter(Number.isFinite);
  const t0 = Math.min(...ts);
  const t1 = Math.max(...ts);
  const scgf =
    ts.length === 0
      ? { xs: [], ys: [[]] }
      : refineCurve(linspace(t0, t1, t1 > t0 ? SCGF_START : 1), (at) => [at.map((t) => opt.scgf(t).value)]);
  return {
    rate: rate.xs.map((x, i) => ({ x, J: rate.ys[0]![i]!, Ip: rate.ys[1]![i]! })),
    scgf: scgf.xs.map((t, i) => ({ t, value: scgf.ys[0]![i]! })),
  };
}
