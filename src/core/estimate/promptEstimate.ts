import { folkloreKlBound } from "../bon.js";
import { beiramiKl } from "./beirami.js";
import type { LevelCurves, LevelCurvesCache } from "./curves.js";
import { type LevelTilt, levelTiltForKl, type ScoreLevels } from "./tiltLevels.js";

/**
 * Everything `bonkl estimate` computes for one prompt from its score levels (MATH §5):
 * best-of-N for N = 1…nMax (unbiased reward and gold, plug-in KL with ties, the folklore bound, the
 * Beirami et al. estimate, win rate), the tilt of the empirical law over a KL grid, and best-of-N
 * against that tilt at equal KL.
 */
export interface PromptEstimate {
  readonly samples: number;
  /** Unbiased E[reward of best-of-N], N = 1…nMax (index N−1). */
  readonly reward: Float64Array;
  /** Unbiased E[gold of best-of-N] (ties in the score averaged), when gold is given. */
  readonly gold?: Float64Array;
  readonly kl: Float64Array;
  readonly klBeirami: Float64Array;
  readonly winRate: Float64Array;
  /** One per KL budget of the grid. */
  readonly tilt: LevelTilt[];
  /** One per N of `compareN`: best-of-N on p̂ against the tilt of p̂ at the same KL. */
  readonly comparison: PromptComparison[];
}

/** Best-of-N on p̂ against the tilt of p̂ at the same KL, for one N. */
export interface PromptComparison {
  readonly n: number;
  /** KL(π_N ‖ p̂) = KL(φ̂_λ ‖ p̂). */
  readonly kl: number;
  /** Plug-in E_{π_N} r on p̂ (the same law the tilt is computed on, so the gap is ≥ 0 to rounding). */
  readonly bonReward: number;
  readonly tiltReward: number;
  /** tiltReward − bonReward. */
  readonly gap: number;
  /** KL(π_N ‖ φ̂_λ) = λ·gap by the identity of MATH §1 (the KL terms cancel at equal KL); ∞·0 = 0. */
  readonly klToTilt: number;
}

/** N = 1…nMax, the KL grid (nats) for the tilt, the N compared with it, and the curves cache to share. */
export interface PromptEstimateOptions {
  readonly nMax: number;
  readonly klGrid: readonly number[];
  /** The N at which best-of-N is compared with the tilt (each ≤ nMax). */
  readonly compareN: readonly number[];
  readonly cache: LevelCurvesCache;
  /** Per level: the mean reference probability e^{logprob} of its responses, for the Beirami estimate. */
  readonly refProb?: Float64Array;
}

/**
 * Σ_{l ≥ from} weights[row + l]·(x_l − centre) + centre (the weights below `from` are zero), clamped into
 * [min x, max x]: a convex combination, with Neumaier compensation.
 */
function combine(
  weights: Float64Array,
  row: number,
  x: Float64Array,
  centre: number,
  lo: number,
  hi: number,
  from = 0,
): number {
  let s = 0;
  let c = 0;
  for (let l = from; l < x.length; l++) {
    const term = weights[row + l]! * (x[l]! - centre);
    const t = s + term;
    c += Math.abs(s) >= Math.abs(term) ? s - t + term : term - t + s;
    s = t;
  }
  return Math.min(hi, Math.max(lo, centre + s + c));
}

function range(x: Float64Array): [number, number] {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < x.length; i++) {
    lo = Math.min(lo, x[i]!);
    hi = Math.max(hi, x[i]!);
  }
  return [lo, hi];
}

/**
 * One prompt's estimates from its score levels (MATH §5; see PromptEstimate). The rewards are convex
 * combinations of the observed scores (with compensated sums), so they stay within their range; the
 * Beirami estimate never exceeds the folklore bound.
 */
export function estimatePrompt(lv: ScoreLevels, options: PromptEstimateOptions): PromptEstimate {
  const { nMax } = options;
  const curves: LevelCurves = options.cache.get(lv.counts);
  const L = lv.values.length;
  const top = lv.values[L - 1]!;
  const [gLo, gHi] = lv.gold ? range(lv.gold) : [0, 0];
  let goldMean = 0;
  if (lv.gold) for (let l = 0; l < L; l++) goldMean += (lv.counts[l]! * lv.gold[l]!) / lv.samples;
  const reward = new Float64Array(nMax);
  const gold = lv.gold ? new Float64Array(nMax) : undefined;
  for (let n = 1; n <= nMax; n++) {
    const row = (n - 1) * L;
    const from = curves.unbiasedStart[n - 1]!;
    reward[n - 1] = combine(curves.unbiasedWeights, row, lv.values, lv.mean, lv.values[0]!, top, from);
    if (gold) gold[n - 1] = combine(curves.unbiasedWeights, row, lv.gold!, goldMean, gLo, gHi, from);
  }
  let klBeirami = curves.klBeirami;
  if (options.refProb) {
    klBeirami = new Float64Array(nMax);
    for (let n = 1; n <= nMax; n++) {
      let s = 0;
      for (let l = 0; l < L; l++) {
        const p = curves.pluginLaw[(n - 1) * L + l]!;
        if (p > 0) s += p * beiramiKl(n, options.refProb[l]!);
      }
      klBeirami[n - 1] = Math.min(folkloreKlBound(Math.log(n)), Math.max(0, s));
    }
  }
  // One solve for the grid and the matched budgets together: sorted budgets warm-start each other.
  const klAt = options.compareN.map((n) => curves.kl[n - 1]!);
  const solved = levelTiltForKl(lv, [...options.klGrid, ...klAt]);
  const tilt = solved.slice(0, options.klGrid.length);
  const matched = solved.slice(options.klGrid.length);
  const comparison = options.compareN.map((n, j): PromptComparison => {
    const bonReward = combine(curves.pluginLaw, (n - 1) * L, lv.values, top, lv.values[0]!, top);
    const t = matched[j]!;
    const gap = t.reward - bonReward;
    return {
      n,
      kl: klAt[j]!,
      bonReward,
      tiltReward: t.reward,
      gap,
      klToTilt: gap === 0 ? 0 : Math.max(0, t.lambda * gap),
    };
  });
  const base = {
    samples: lv.samples,
    reward,
    kl: curves.kl,
    klBeirami,
    winRate: curves.winRate,
    tilt,
    comparison,
  };
  return gold ? { ...base, gold } : base;
}
