import type { Model } from "./model.js";
import { argsort } from "./numerics/argsort.js";
import { cumulativeLogSumExp, logSumExp } from "./numerics/logspace.js";

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
  /** For each support outcome, the index of its level. */
  readonly levelOf: Uint32Array;
}

const cache = new WeakMap<Model, Levels>();

/** The reward levels of a model (computed once per model: one sort, O(n log n) at most). */
export function levelsOf(model: Model): Levels {
  const hit = cache.get(model);
  if (hit) return hit;
  const order = argsort(model.r);
  const n = model.size;
  const levelOf = new Uint32Array(n);
  const starts: number[] = [];
  for (let k = 0; k < n; k++) {
    if (k === 0 || model.r[order[k]!]! !== model.r[order[k - 1]!]!) starts.push(k);
    levelOf[order[k]!] = starts.length - 1;
  }
  const count = starts.length;
  const values = new Float64Array(count);
  const logMass = new Float64Array(count);
  for (let l = 0; l < count; l++) {
    const from = starts[l]!;
    const to = l + 1 < count ? starts[l + 1]! : n;
    values[l] = model.r[order[from]!]!;
    if (to - from === 1) logMass[l] = model.logp[order[from]!]!;
    else {
      const g = new Float64Array(to - from);
      for (let k = from; k < to; k++) g[k - from] = model.logp[order[k]!]!;
      logMass[l] = logSumExp(g);
    }
  }
  const logCdf = cumulativeLogSumExp(logMass);
  const logAboveInclusive = cumulativeLogSumExp(logMass, true);
  const logAbove = new Float64Array(count);
  for (let l = 0; l < count; l++)
    logAbove[l] = l + 1 < count ? logAboveInclusive[l + 1]! : Number.NEGATIVE_INFINITY;
  const levels: Levels = { count, values, logMass, logCdf, logAbove, levelOf };
  cache.set(model, levels);
  return levels;
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
