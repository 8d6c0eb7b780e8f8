import { InputError, show } from "../errors.js";
import { isConstantReward } from "../model.js";
import type { Optimum } from "../optimum.js";
import { latticeOf } from "./lattice.js";
import { autoGrids, quantiseModel } from "./quantise.js";
import { MAX_LENGTH, type SumTail, sumTail, trySumTail } from "./sumLaw.js";

/**
 * The large-deviation rate at a finite length (MATH §4): −(1/n) log P_φ(S_n ≥ n x) under φ^{⊗n}, from
 * the exact law of S_n, to set beside J_Δ(x) for x above x*. Lattice rewards take the law itself;
 * others are quantised to a grid h first, and the value then comes with a bracket that holds the exact one.
 */

/** One point of the finite-n check. */
export interface LdpCheck {
  readonly x: number;
  readonly minusLogTailOverN: number;
  /**
   * On a grid h only: [−(1/n) log P_q(S ≥ n(x − h/2)), −(1/n) log P_q(S ≥ n(x + h/2))], which contains the
   * exact value since |S_n − S_n^q| ≤ n·h/2 for the quantised sum S_n^q.
   */
  readonly bracket?: [number, number];
}

/** The finite-n check at one length: its points and how their tails were computed. */
export interface LdpCheckResult {
  readonly check: LdpCheck[];
  /** How the tails were computed: "exact" (lattice), or "grid" (quantised to checkGrid). */
  readonly checkMethod: "exact" | "grid";
  /** The grid step used, null when exact. */
  readonly checkGrid: number | null;
}

/**
 * The check at length n for the xs above x* (others are left out). `grid` quantises the rewards to that
 * step (also lattice ones); by default only non-lattice rewards are, to the finest automatic grid whose
 * quantised law has accurate tails at n.
 */
export function finiteLengthCheck(
  opt: Optimum,
  xs: readonly number[],
  n: number,
  grid?: number,
): LdpCheckResult {
  if (!Number.isSafeInteger(n) || n < 1 || n > MAX_LENGTH) {
    throw new InputError(
      "checkLength",
      `n must be a whole number from 1 to ${MAX_LENGTH}, got ${show(n)}`,
      "out_of_range",
    );
  }
  const q = opt.tilted;
  const above = xs.filter((x) => x > opt.xStar && x <= opt.model.rMax);
  if (grid === undefined && (isConstantReward(q) || latticeOf(q))) {
    const check = above.map((x) => ({ x, minusLogTailOverN: -sumTail(q, n, n * x).logUpperTail / n }));
    return { check, checkMethod: "exact", checkGrid: null };
  }
  // The tails are wanted above x*, where the tilt of φ is ≥ 0: smoothness is checked at φ itself.
  const grids =
    grid !== undefined ? [quantiseModel(q, grid, "checkGrid")] : autoGrids(q, n, Math.sqrt(q.variance), 0);
  let last: InputError | undefined;
  let tried = 0;
  for (const { model: quantised, grid: h } of grids) {
    tried++;
    // Every tail the check needs, in order, up to the first the engines cannot give accurately.
    const tails = new Map<number, SumTail>();
    const s = above.flatMap((x) => [n * x, n * (x - h / 2), n * (x + h / 2)]);
    last = undefined;
    for (const at of s) {
      if (tails.has(at)) continue;
      const t = trySumTail(quantised, n, at);
      if (!t.ok) {
        last = t.error;
        break;
      }
      tails.set(at, t.value);
    }
    if (last) continue;
    const rate = (at: number) => -tails.get(at)!.logUpperTail / n;
    const check = above.map(
      (x): LdpCheck => ({
        x,
        minusLogTailOverN: rate(n * x),
        bracket: [rate(n * (x - h / 2)), rate(n * (x + h / 2))],
      }),
    );
    return { check, checkMethod: "grid", checkGrid: h };
  }
  throw new InputError(
    "checkGrid",
    tried === 0
      ? `no automatic grid gives a smooth enough quantised law at n = ${n}; give a grid step with --check-grid`
      : `the tails of the quantised sum at n = ${n} have no accurate digit on the grid${tried > 1 ? "s tried" : ""} ` +
          `(${last?.detail}); give a coarser --check-grid`,
    "inaccurate",
  );
}
