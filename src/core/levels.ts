import type { Model } from "./model.js";
import { sortValues } from "./numerics/argsort.js";
import { expFast } from "./numerics/fastExp.js";
import { cumulativeLogSumExp, logSumExp } from "./numerics/logspace.js";
import { firstAtLeast } from "./numerics/search.js";
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
  /** P(v), F(v) and Q(v) in the linear domain (0 where they underflow), for sums that need no logs. */
  readonly mass: Float64Array;
  readonly cdf: Float64Array;
  readonly above: Float64Array;
  /**
   * True when logCdf and logAbove are exactly Math.log of cdf and above: the log arrays are then only
   * built when first read, and logCdfAt/logAboveAt give single entries without building them.
   */
  readonly linearTails: boolean;
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
}

const sortedCache = new WeakMap<Model, RewardLevels>();
const cache = new WeakMap<Model, Levels>();

/**
 * The reward levels of a model without the tails (computed once per model: one sort, numerics/argsort.ts,
 * which carries log p along and no permutation: nothing here needs one). Shared by levelsOf and by the
 * passes that run over the levels in reward order (frontier.ts's tiltPoint).
 */
export function rewardLevels(model: Model): RewardLevels {
  const hit = sortedCache.get(model);
  if (hit) return hit;
  const { sorted, carried } = sortValues(model.r, model.logp);
  const levels = mergeTies(sorted, carried);
  sortedCache.set(model, levels);
  return levels;
}

/**
 * Sorted values with their log masses (ties adjacent) as levels: equal values merged, their masses
 * added in the log domain, and the linear masses e^{log P}.
 */
export function mergeTies(sorted: Float64Array, sortedLogp: Float64Array): RewardLevels {
  const n = sorted.length;
  let count = n > 0 ? 1 : 0;
  for (let k = 1; k < n; k++) if (sorted[k]! !== sorted[k - 1]!) count++;
  // Without ties the sorted arrays are the levels as they are.
  let values = sorted;
  let logMass = sortedLogp;
  if (count < n) {
    const bounds = new Uint32Array(count + 1);
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
  return { count, values, logMass, mass };
}

const residuals = new WeakMap<Model, number>();

/** Σ P(v) (v − E_p r) over the reward levels, as computed: 0 in exact arithmetic (computed once per model). */
export function levelResidual(model: Model): number {
  let res = residuals.get(model);
  if (res === undefined) {
    const { values, mass } = rewardLevels(model);
    const s = new NeumaierSum();
    for (let l = 0; l < values.length; l++) s.add(mass[l]! * (values[l]! - model.mean));
    res = s.value;
    residuals.set(model, res);
  }
  return res;
}

/** The reward levels of a model (computed once per model). */
export function levelsOf(model: Model): Levels {
  const hit = cache.get(model);
  if (hit) return hit;
  const { count, values, logMass, mass } = rewardLevels(model);
  // Which level each outcome is in, made only when asked for: a binary search of its reward among the
  // level values, which are the distinct rewards themselves, so the match is exact (−0 finds 0).
  let levelOf: Uint32Array | undefined;
  const levels = levelsRecord(count, values, logMass, mass, () => {
    if (!levelOf) {
      const { r, size } = model;
      levelOf = new Uint32Array(size);
      for (let i = 0; i < size; i++) levelOf[i] = firstAtLeast(values, r[i]!);
    }
    return levelOf;
  });
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
  const levelOf = new Uint32Array(count);
  for (let l = 0; l < count; l++) levelOf[l] = l;
  return levelsRecord(count, values, logMass, mass, () => levelOf);
}

/**
 * Levels with the tails of these masses (values strictly increasing, mass = e^{logMass} as computed by
 * the caller), where nothing asks which level an outcome is in.
 */
export function levelsOfMasses(values: Float64Array, logMass: Float64Array, mass: Float64Array): Levels {
  return levelsRecord(values.length, values, logMass, mass, () => {
    throw new RangeError("levelsOfMasses: these levels are not a model's (no levelOf)");
  });
}

/** The Levels record over given masses: tails made once, their logs on first read. */
function levelsRecord(
  count: number,
  values: Float64Array,
  logMass: Float64Array,
  mass: Float64Array,
  levelOf: () => Uint32Array,
): Levels {
  const t = tails(logMass, mass);
  return {
    count,
    values,
    logMass,
    get logCdf() {
      return t.logCdf();
    },
    get logAbove() {
      return t.logAbove();
    },
    mass,
    cdf: t.cdf,
    above: t.above,
    linearTails: t.linear,
    get levelOf() {
      return levelOf();
    },
  };
}

interface Tails {
  readonly cdf: Float64Array;
  readonly above: Float64Array;
  readonly linear: boolean;
  readonly logCdf: () => Float64Array;
  readonly logAbove: () => Float64Array;
}

/** Math.log of every entry, made once on first call. */
function lazyLog(x: Float64Array): () => Float64Array {
  let out: Float64Array | undefined;
  return () => {
    if (!out) {
      out = new Float64Array(x.length);
      for (let l = 0; l < x.length; l++) out[l] = Math.log(x[l]!);
    }
    return out;
  };
}

/**
 * F and Q from the level masses. When every mass is above e^{−600} the prefix sums run in the linear
 * domain (compensated) and log F, log Q are their logs, taken only where read: best-of-N with a large
 * N needs them at a handful of top levels. Otherwise they come from the rescaled log-domain running
 * sum. Either way the relative error of every F and Q is a few ε, so Q keeps its accuracy far below 1e-16.
 */
function tails(logMass: Float64Array, mass: Float64Array): Tails {
  const count = logMass.length;
  let lo = Number.POSITIVE_INFINITY;
  for (let l = 0; l < count; l++) lo = Math.min(lo, logMass[l]!);
  const cdf = new Float64Array(count);
  const above = new Float64Array(count);
  if (lo < -600) {
    const logCdf = cumulativeLogSumExp(logMass);
    const inclusive = cumulativeLogSumExp(logMass, true);
    const logAbove = new Float64Array(count);
    for (let l = 0; l < count; l++)
      logAbove[l] = l + 1 < count ? inclusive[l + 1]! : Number.NEGATIVE_INFINITY;
    for (let l = 0; l < count; l++) {
      cdf[l] = Math.exp(logCdf[l]!);
      above[l] = Math.exp(logAbove[l]!);
    }
    return { cdf, above, linear: false, logCdf: () => logCdf, logAbove: () => logAbove };
  }
  // Every mass is a normal double here (≥ e^{−600}), so the prefix sums can run in the linear domain.
  const forward = new NeumaierSum();
  for (let l = 0; l < count; l++) {
    forward.add(mass[l]!);
    cdf[l] = forward.value;
  }
  const backward = new NeumaierSum();
  if (count > 0) above[count - 1] = 0;
  for (let l = count - 1; l > 0; l--) {
    backward.add(mass[l]!);
    above[l - 1] = backward.value;
  }
  return { cdf, above, linear: true, logCdf: lazyLog(cdf), logAbove: lazyLog(above) };
}

/** log F(v_l): levels.logCdf[l] without building the whole array when it is not built yet. */
export function logCdfAt(levels: Levels, l: number): number {
  return levels.linearTails ? Math.log(levels.cdf[l]!) : levels.logCdf[l]!;
}

/** log Q(v_l): levels.logAbove[l], likewise. */
export function logAboveAt(levels: Levels, l: number): number {
  return levels.linearTails ? Math.log(levels.above[l]!) : levels.logAbove[l]!;
}

/** log p(r < v_l) = log F(v_l⁻); −∞ for the lowest level. */
export function logBelow(levels: Levels, l: number): number {
  return l > 0 ? logCdfAt(levels, l - 1) : Number.NEGATIVE_INFINITY;
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
