import { InputError, show } from "../errors.js";
import { isConstantReward, type Model } from "../model.js";
import { type LdpRate, optimum, type ScgfPoint } from "../optimum.js";
import { checkX } from "./cramer.js";
import { finiteLengthCheck, type LdpCheck } from "./ldpCheck.js";

/**
 * Large deviations of the per-token reward under the optimum (MATH §4), as the `ldp` command reports
 * them: the rates on a grid of rewards, Γ with its Rényi forms, the cumulants and, optionally, the exact
 * finite-n tails beside J_Δ. The mathematics is in optimum.ts (J_Δ, Γ), sequence/cramer.ts (I_p) and
 * sequence/ldpCheck.ts (the finite-n tails).
 */

/**
 * The rate J_Δ(x) of the LDP of S_n/n under φ_{λ*}^{⊗n} (MATH §4): zero at x = x*, +∞ outside
 * [r_min, r_max], J(r_max) = log(1/p*) − λ* r_max + Λ(λ*). Saturated budgets (λ* = ∞) give J = 0 at
 * r_max and +∞ elsewhere.
 */
export function ldpRate(model: Model, delta: number, x: number): LdpRate {
  checkX(x, "x");
  return optimum(model, delta, "klRate").rateForms(x);
}

/** Γ(t) = lim (1/n) log E_φ e^{t S_n} = Λ(λ*+t) − Λ(λ*) (exact for every n) with its Rényi forms. */
export function scgf(model: Model, delta: number, t: number): ScgfPoint {
  return optimum(model, delta, "klRate").scgf(t);
}

/** Where to evaluate ldpSummary's rate function and SCGF, and the optional finite-n check. */
export interface LdpOptions {
  /** Reward values at which to evaluate the rates (default: `grid` points over [r_min, r_max]). */
  readonly xs?: readonly number[];
  /** Number of evenly spaced points over [r_min, r_max] (default 41). */
  readonly grid?: number;
  /** Values of t for Γ (default: −λ* / 2, −λ* / 4 when λ* is finite and positive, then 0, 0.5, 1, 2, 3). */
  readonly ts?: readonly number[];
  /**
   * A length n: adds −(1/n) log P_φ(S_n ≥ n x) for the xs above x*. Non-lattice rewards are quantised
   * to a grid first (`checkGrid`, automatic by default) and the check then carries a bracket.
   */
  readonly checkLength?: number;
  /** Grid step h for the check on non-lattice rewards (also forces quantisation of lattice ones). */
  readonly checkGrid?: number;
}

export type { LdpCheck } from "./ldpCheck.js";

/**
 * Large deviations of S_n under the optimum φ_{λ*} at per-token budget Δ (MATH §4): λ*, x* = V(Δ), the
 * rate functions J_Δ and I_p at each x, the SCGF Γ(t) with its Rényi forms, cumulants and the check.
 */
export interface LdpSummary {
  readonly lambda: number;
  readonly xStar: number;
  readonly saturated: boolean;
  readonly rate: { x: number; J: number; Ip: number }[];
  readonly scgf: ScgfPoint[];
  /** Cumulants of r under φ_{λ*}: Λ'(λ*), …, Λ''''(λ*); those of S_n are n times these. */
  readonly cumulants: [number, number, number, number];
  readonly check?: LdpCheck[];
  /** How the check's tails were computed: "exact" (lattice), or "grid" (quantised to checkGrid). */
  readonly checkMethod?: "exact" | "grid";
  /** The grid step used by the check, null when exact. */
  readonly checkGrid?: number | null;
}

/** Points of the default x grid over [r_min, r_max] for the rate function. */
export const DEFAULT_GRID = 41;

/**
 * The reward values of the rate table: `xs` as given, or `grid` (default 41) evenly spaced points over
 * [r_min, r_max] (one point for a constant reward).
 */
export function rateGrid(model: Model, options: Pick<LdpOptions, "xs" | "grid"> = {}): number[] {
  if (options.xs !== undefined) {
    for (const [i, x] of options.xs.entries()) checkX(x, `x[${i}]`);
    return [...options.xs];
  }
  const K = options.grid ?? DEFAULT_GRID;
  if (!Number.isSafeInteger(K) || K < 2 || K > 1e6) {
    throw new InputError(
      "grid",
      `expected a whole number of points from 2 to 1000000, got ${show(K)}`,
      "out_of_range",
    );
  }
  const { rMin, rMax } = model;
  return isConstantReward(model)
    ? [rMin]
    : Array.from({ length: K }, (_, k) => (k === K - 1 ? rMax : rMin + ((rMax - rMin) * k) / (K - 1)));
}

/** The `ldp` summary (MATH §4): rates on a grid, Γ with its Rényi forms, cumulants, the exact-law check. */
export function ldpSummary(model: Model, delta: number, options: LdpOptions = {}): LdpSummary {
  const opt = optimum(model, delta, "klRate");
  const xs = rateGrid(model, options);
  const neg = opt.lambda > 0 && Number.isFinite(opt.lambda) ? [-opt.lambda / 2, -opt.lambda / 4] : [];
  const ts = options.ts ?? [...neg, 0, 0.5, 1, 2, 3];
  const scgf = ts.map((t, i) => opt.scgf(t, `t[${i}]`));
  const summary: LdpSummary = {
    lambda: opt.lambda,
    xStar: opt.xStar,
    saturated: opt.saturated,
    rate: xs.map((x) => opt.rate(x)),
    scgf,
    cumulants: opt.cumulants(),
  };
  if (options.checkLength === undefined) return summary;
  return { ...summary, ...finiteLengthCheck(opt, xs, options.checkLength, options.checkGrid) };
}
