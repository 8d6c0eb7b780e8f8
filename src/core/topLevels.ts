import { type Levels, levelsOfMasses, mergeTies } from "./levels.js";
import type { Model } from "./model.js";
import { sortValues } from "./numerics/argsort.js";
import { NeumaierSum } from "./numerics/sum.js";

/**
 * The reward levels best-of-N can pick, without sorting the rest (MATH §2). P_N(v) ≤ F(v)^N ≤ e^{−N·Q(v)}
 * with Q(v) = p(r > v), so every level with N·Q(v) > 750 has log P_N(v) < −750: its probability is 0 in
 * doubles (the same −∞ or underflow bestOfN's level formulas give it), and it adds its mass to the KL and
 * nothing to the reward or the win rate. For large N only the top levels have Q(v) ≤ 750/N.
 *
 * Here the rewards go into BUCKETS equal-width buckets (one pass, their masses); from the top bucket down
 * the buckets are taken until their mass exceeds the threshold, so every reward below them has
 * Q > threshold. The rewards in them are sorted into levels, and all the mass below is one extra level
 * at the bottom. bestOfNOnLevels on these levels gives bestOfN's reward, KL and win rate: the same
 * formulas level by level (the tails F and Q of the taken levels are the same sums), the settled levels'
 * masses added as one.
 *
 * Used only where the formulas match bestOfN's on all levels: every log p ≥ −600 (linear tails), N ≥ e
 * (not the N < e series), and the levels taken hold at most a quarter of the mass and of the outcomes.
 */

const BUCKETS = 4096;
/** bestOfN's levels give N·Q > 750 a probability 0 (e^{−750} underflows, also through its roundings). */
const SETTLED_NQ = 750;
/** Below this many outcomes the full sort is as cheap. */
const MIN_SIZE = 4096;

/**
 * The levels of `model` with Q(v) ≤ threshold (plus one level holding the mass below them), or
 * undefined where the shortcut does not apply. `threshold`: Q above which best-of-N settles a level.
 */
export function topLevels(model: Model, threshold: number): Levels | undefined {
  const n = model.size;
  const { r, p, logp, rMin, rMax } = model;
  if (n < MIN_SIZE || !(rMax > rMin) || !(threshold < 0.25)) return undefined;
  const toBucket = BUCKETS / (rMax - rMin);
  const mass = new Float64Array(BUCKETS);
  const count = new Uint32Array(BUCKETS);
  let minLogp = 0;
  for (let i = 0; i < n; i++) {
    const b = Math.min(BUCKETS - 1, ((r[i]! - rMin) * toBucket) | 0);
    mass[b] = mass[b]! + p[i]!;
    count[b] = count[b]! + 1;
    if (logp[i]! < minLogp) minLogp = logp[i]!;
  }
  if (minLogp < -600) return undefined;
  // Buckets from the top until their mass exceeds the threshold (with a margin for the plain sums).
  let first = BUCKETS;
  let above = 0;
  let taken = 0;
  while (first > 0 && !(above > threshold * (1 + 1e-6))) {
    first--;
    above += mass[first]!;
    taken += count[first]!;
  }
  if (above > 0.25 || taken > n / 4) return undefined;
  const values = new Float64Array(taken);
  const logs = new Float64Array(taken);
  // The mass below: blocks of 512 outcomes summed plainly, the block sums with compensation.
  const below = new NeumaierSum();
  for (let start = 0, j = 0; start < n; start += 512) {
    const end = Math.min(n, start + 512);
    let part = 0;
    for (let i = start; i < end; i++) {
      const b = Math.min(BUCKETS - 1, ((r[i]! - rMin) * toBucket) | 0);
      if (b >= first) {
        values[j] = r[i]!;
        logs[j++] = logp[i]!;
      } else part += p[i]!;
    }
    below.add(part);
  }
  const { sorted, carried } = sortValues(values, logs);
  const top = mergeTies(sorted, carried);
  // The mass below, as a level at r_min (below every level taken: r_min is in a bucket not taken).
  const L = top.count + 1;
  const v = new Float64Array(L);
  const lm = new Float64Array(L);
  const m = new Float64Array(L);
  const bottom = below.value;
  v[0] = rMin;
  lm[0] = Math.log(bottom);
  m[0] = bottom;
  v.set(top.values, 1);
  lm.set(top.logMass, 1);
  m.set(top.mass, 1);
  return levelsOfMasses(v, lm, m);
}

/** The Q above which best-of-N at log N settles a level (see the module comment): +∞ for N < e. */
export function settledTail(logN: number): number {
  if (!(logN >= 1)) return Number.POSITIVE_INFINITY;
  return SETTLED_NQ * Math.exp(-logN);
}
