import type { Model } from "./model.js";
import { sortWithIndex } from "./numerics/argsort.js";
import { expFast } from "./numerics/fastExp.js";
import { cumulativeLogSumExp, logSumExp } from "./numerics/logspace.js";
import { NeumaierSum } from "./numerics/sum.js";

/**
 * The distinct reward levels v_1 < … < v_L of a model with their masses, in the log domain (MATH §2).
 * Ties are exact equality of the rewards as doubles.
 */
export interface Levels {
  readonly count: number;
  readonly values: Float64Array;
  /** log P(v) = log p(r = v). */
  readonly logMass: Float64Array;
  /** log F(v) = log p(r ≤ v). */
  readonly logCdf: Float64Array;
  /** log Q(v) = log p(r > v); −∞ at the top level. */
  readonly logAbove: Float64Array;
  /** P(v) and F(v) in the linear domain (0 where they underflow), for sums that need no logs. */
  readonly mass: Float64Array;
  readonly cdf: Float64Array;
  /** For each support outcome, the index of its level. */
  readonly levelOf: Uint32Array;
}

/** The distinct rewards of a model, ascending, with their masses: the sorted part of Levels. */
export interface RewardLevels {
  readonly count: number;
  readonly values: Float64Array;
  readonly logMass: Float64Array;
  /** e^{log P(v)} (0 where it underflows). */
  readonly mass: Float64Array;
  /** The support outcomes in reward order (ties in input order). */
  readonly order: Uint32Array;
  /** Where each level starts in `order` (and the end); undefined without ties, when level l is at l. */
  readonly starts: Uint32Array | undefined;
}

const sortedCache = new WeakMap<Model, RewardLevels>();
const cache = new WeakMap<Model, Levels>();

/**
 * The reward levels of a model without the tails (computed once per model: one sort, numerics/argsort.ts).
 * Shared by levelsOf and by the passes that run over the levels in reward order (frontier.ts's tiltPoint).
 */
export function rewardLevels(model: Model): RewardLevels {
  const hit = sortedCache.get(model);
  if (hit) return hit;
  const { order, sorted, carried: sortedLogp } = sortWithIndex(model.r, model.logp);
  const n = model.size;
  let count = n > 0 ? 1 : 0;
  for (let k = 1; k < n; k++) if (sorted[k]! !== sorted[k - 1]!) count++;
  // Without ties the sorted arrays are the levels as they are, and level l starts at l.
  let bounds: Uint32Array | undefined;
  let values = sorted;
  let logMass = sortedLogp;
  if (count < n) {
    bounds = new Uint32Array(count + 1);
    for (let k = 0, l = 0; k < n; k++) if (k === 0 || sorted[k]! !== sorted[k - 1]!) bounds[l++] = k;
    bounds[count] = n;
    values = new Float64Array(count);
    logMass = new Float64Array(count);
    for (let l = 0; l < count; l++) {
      const from = bounds[l]!;
      const to = bounds[l + 1]!;
      values[l] = sorted[from]!;
      logMass[l] = to - from === 1 ? sortedLogp[from]! : logSumExp(sortedLogp, from, to);
    }
  }
  // expFast: within 1 ulp, like Math.exp, at a third to a half of the cost.
  const mass = new Float64Array(count);
  for (let l = 0; l < count; l++) mass[l] = expFast(logMass[l]!);
  const levels: RewardLevels = { count, values, logMass, mass, order, starts: bounds };
  sortedCache.set(model, levels);
  return levels;
}

/** The reward levels of a model (computed once per model). */
export function levelsOf(model: Model): Levels {
  const hit = cache.get(model);
  if (hit) return hit;
  const { count, values, logMass, mass, order, starts } = rewardLevels(model);
  const n = model.size;
  const { logCdf, logAbove, cdf } = tails(logMass, mass);
  // Which level each outcome is in is a scatter through the permutation: made only when asked for.
  let levelOf: Uint32Array | undefined;
  const levels: Levels = {
    count,
    values,
    logMass,
    logCdf,
    logAbove,
    mass,
    cdf,
    get levelOf() {
      if (!levelOf) {
        levelOf = new Uint32Array(n);
        if (starts === undefined) for (let k = 0; k < n; k++) levelOf[order[k]!] = k;
        else {
          for (let l = 0; l < count; l++)
            for (let k = starts[l]!; k < starts[l + 1]!; k++) levelOf[order[k]!] = l;
        }
      }
      return levelOf;
    },
  };
  cache.set(model, levels);
  return levels;
}

/**
 * The levels of a law given directly: `values` strictly increasing, `logMass` their log-probabilities
 * (summing to 1 in the log domain; a caller with a window of a law puts the mass outside it into an end
 * level). Used for laws that are not a model's rewards, such as that of a sum S_n.
 */
export function levelsFromLaw(values: Float64Array, logMass: Float64Array): Levels {
  const count = values.length;
  for (let l = 1; l < count; l++) {
    if (!(values[l]! > values[l - 1]!))
      throw new RangeError("levelsFromLaw: values must be strictly increasing");
  }
  const mass = new Float64Array(count);
  for (let l = 0; l < count; l++) mass[l] = Math.exp(logMass[l]!);
  const { logCdf, logAbove, cdf } = tails(logMass, mass);
  const levelOf = new Uint32Array(count);
  for (let l = 0; l < count; l++) levelOf[l] = l;
  return { count, values, logMass, logCdf, logAbove, mass, cdf, levelOf };
}

/**
 * log F and log Q from the level masses. When every mass is above e^{−600} the prefix sums run in the
 * linear domain (compensated); otherwise through the rescaled log-domain running sum.
 * Either way the relative error of every F and Q is a few ε, so Q keeps its accuracy far below 1e-16.
 */
function tails(
  logMass: Float64Array,
  mass: Float64Array,
): {
  logCdf: Float64Array;
  logAbove: Float64Array;
  cdf: Float64Array;
} {
  const count = logMass.length;
  let lo = Number.POSITIVE_INFINITY;
  for (let l = 0; l < count; l++) lo = Math.min(lo, logMass[l]!);
  const logAbove = new Float64Array(count);
  if (lo < -600) {
    const logCdf = cumulativeLogSumExp(logMass);
    const inclusive = cumulativeLogSumExp(logMass, true);
    for (let l = 0; l < count; l++)
      logAbove[l] = l + 1 < count ? inclusive[l + 1]! : Number.NEGATIVE_INFINITY;
    const cdf = new Float64Array(count);
    for (let l = 0; l < count; l++) cdf[l] = Math.exp(logCdf[l]!);
    return { logCdf, logAbove, cdf };
  }
  // Every mass is a normal double here (≥ e^{−600}), so the prefix sums can run in the linear domain.
  const logCdf = new Float64Array(count);
  const cdf = new Float64Array(count);
  const forward = new NeumaierSum();
  for (let l = 0; l < count; l++) {
    forward.add(mass[l]!);
    cdf[l] = forward.value;
    logCdf[l] = Math.log(cdf[l]!);
  }
  const backward = new NeumaierSum();
  logAbove[count - 1] = Number.NEGATIVE_INFINITY;
  for (let l = count - 1; l > 0; l--) {
    backward.add(mass[l]!);
    logAbove[l - 1] = Math.log(backward.value);
  }
  return { logCdf, logAbove, cdf };
}

/** log p(r < v_l) = log F(v_l⁻); −∞ for the lowest level. */
export function logBelow(levels: Levels, l: number): number {
  return l > 0 ? levels.logCdf[l - 1]! : Number.NEGATIVE_INFINITY;
}

/** Spreads a per-level log-probability over the outcomes of each level in proportion to p. */
export function outcomeLogProbs(model: Model, levels: Levels, levelLogProb: Float64Array): Float64Array {
  const out = new Float64Array(model.size);
  for (let i = 0; i < model.size; i++) {
    const l = levels.levelOf[i]!;
    out[i] = model.logp[i]! + levelLogProb[l]! - levels.logMass[l]!;
  }
  return out;
}
