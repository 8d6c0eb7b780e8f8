import { type BonOptions, bestOfN } from "./bon.js";
import { levelsOf } from "./levels.js";
import type { Model } from "./model.js";

/** Tolerance on the residuals of log g_N from a line, relative to 1 + |log g_N| (see bonExactTilt). */
export const EXACT_TILT_TOLERANCE = 1e-10;

/** The λ for which best-of-N equals the tilt φ_λ exactly. */
export interface ExactTilt {
  /** The tilt λ with π_N = φ_λ (Infinity: π_N = p(·|r = r_max)). */
  readonly lambda: number;
}

/**
 * When is best-of-N exactly an exponential tilt? (MATH §7, the one-token question.) On a single-step
 * model π_N(y) = p(y) g_N(r(y)) with g_N(v) = P_N(v)/P(v) (MATH §2), and φ_λ(y) = p(y) e^{λ r(y) − Λ(λ)}.
 * Both are p times a function of the reward, so KL(π_N‖φ_λ) = 0 for some λ iff log g_N is affine in v
 * over the reward levels of supp p, with slope λ ≥ 0 (g_N increases in v). With one level π_N = p = φ_0;
 * with two levels any increasing function is affine, so π_N is always a tilt,
 * λ = log(g_N(v_2)/g_N(v_1)) / (v_2 − v_1); with three or more it is the exception (N = 1, or p on a
 * curve: e.g. N = 2, p = (a, b, 1 − a − b), equally spaced rewards, (2a + b)² = a(1 + a + b)).
 *
 * Tolerance: each log g_N(v_l) comes from bestOfN with a relative error of a few ε (its logRatios), so
 * the levels count as affine when every residual from the line through the lowest and highest level is
 * at most EXACT_TILT_TOLERANCE·(1 + |log g_N(v_l)|). N = ∞ (log N = ∞) gives λ = ∞ (p given the top
 * level, the saturated tilt); so does a two-level slope beyond the doubles.
 */
export function bonExactTilt(model: Model, options: BonOptions): ExactTilt | null {
  const levels = levelsOf(model);
  const L = levels.count;
  if (L === 1) return { lambda: 0 };
  const bon = bestOfN(model, options);
  if (bon.logN === Number.POSITIVE_INFINITY) return { lambda: Number.POSITIVE_INFINITY };
  if (bon.logN === 0) return { lambda: 0 };
  const v = levels.values;
  // log g_N(v_l) = log π_N(v_l) − log P(v_l).
  const u = Float64Array.from(bon.levelLogProbs, (lp, l) => lp - levels.logMass[l]!);
  const top = u[L - 1]!;
  if (u[0] === Number.NEGATIVE_INFINITY) {
    // The lowest levels' share is below the doubles: only the line through the two levels can be a tilt.
    return L === 2 ? { lambda: Number.POSITIVE_INFINITY } : null;
  }
  const lambda = (top - u[0]!) / (v[L - 1]! - v[0]!);
  for (let l = 1; l < L - 1; l++) {
    const line = u[0]! + lambda * (v[l]! - v[0]!);
    if (!(Math.abs(u[l]! - line) <= EXACT_TILT_TOLERANCE * (1 + Math.abs(u[l]!)))) return null;
  }
  return { lambda: Math.max(0, lambda) };
}
