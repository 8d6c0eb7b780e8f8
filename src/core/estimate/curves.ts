import { InputError, show } from "../errors.js";
import { NeumaierSum } from "../numerics/sum.js";
import { beiramiKl } from "./beirami.js";

/**
 * Everything about best-of-N on one prompt's empirical law that depends only on how the m samples fall
 * into tied score levels (the counts c_1…c_L, ascending score), for integer N = 1…nMax:
 * - the plug-in law P_N(l) = F_l^N − F_{l−1}^N with F_l = (c_1+…+c_l)/m (MATH §2 on p̂), its exact KL
 *   (ties included), win rate and the Beirami et al. estimate with ε = p̂(level);
 * - the unbiased level weights W_{l,N} = [C(k_l, N) − C(k_{l−1}, N)]/C(m, N) (k_l = c_1+…+c_l): the
 *   rank weights C(i−1, N−1)/C(m, N) of MATH §5 summed over a tied block, so Σ_l W_{l,N} ḡ_l is the
 *   unbiased estimator with g averaged within ties.
 * Rewards enter only linearly afterwards, so prompts with the same tie pattern (e.g. all scores
 * distinct) share one `LevelCurves`, and a cache makes the transcendental work once per pattern.
 */
export interface LevelCurves {
  readonly m: number;
  readonly levels: number;
  /** N = 1…nMax. */
  readonly nMax: number;
  /** P_N(l) at [(N−1)·L + l]. */
  readonly pluginLaw: Float64Array;
  /** W_{l,N} at [(N−1)·L + l] (zero where N > m). */
  readonly unbiasedWeights: Float64Array;
  /** The first level with W_{l,N} > 0 (levels below hold fewer than N samples in all): index N−1. */
  readonly unbiasedStart: Int32Array;
  /** KL(π_N ‖ p̂), N = 1…nMax (index N−1). */
  readonly kl: Float64Array;
  /** Win rate Σ_l P_N(l) [F_{l−1} + p̂_l/2]. */
  readonly winRate: Float64Array;
  /** Σ_l P_N(l) D̂_N(p̂_l) (Beirami et al.; see beiramiKl). */
  readonly klBeirami: Float64Array;
}

function checkCounts(counts: ArrayLike<number>, nMax: number): number {
  let m = 0;
  for (let l = 0; l < counts.length; l++) {
    const c = counts[l]!;
    if (!Number.isInteger(c) || c < 1)
      throw new InputError(`counts[${l}]`, `expected an integer ≥ 1, got ${show(c)}`);
    m += c;
  }
  if (counts.length === 0) throw new InputError("counts", "no samples");
  if (!Number.isInteger(nMax) || nMax < 1)
    throw new InputError("nMax", `expected an integer ≥ 1, got ${show(nMax)}`);
  return m;
}

/** The curves for one tie pattern. O(L·nMax) transcendental functions and O(m·nMax) for the weights. */
export function levelCurves(counts: ArrayLike<number>, nMax: number): LevelCurves {
  const m = checkCounts(counts, nMax);
  const L = counts.length;
  const logF = new Float64Array(L);
  const logRatio = new Float64Array(L);
  const below = new Float64Array(L);
  const logMass = new Float64Array(L);
  let k = 0;
  for (let l = 0; l < L; l++) {
    const c = counts[l]!;
    below[l] = k / m;
    k += c;
    logF[l] = Math.log(k / m);
    // log(F_{l−1}/F_l) = log1p(−c_l/k_l): F^N − F⁻^N = F^N (1 − e^{N·logRatio}) without cancellation.
    logRatio[l] = Math.log1p(-c / k);
    logMass[l] = Math.log(c / m);
  }
  const pluginLaw = new Float64Array(nMax * L);
  const kl = new Float64Array(nMax);
  const winRate = new Float64Array(nMax);
  const klBeirami = new Float64Array(nMax);
  const klMax = -logMass[L - 1]!;
  for (let n = 1; n <= nMax; n++) {
    const row = (n - 1) * L;
    const klSum = new NeumaierSum();
    const winSum = new NeumaierSum();
    const bSum = new NeumaierSum();
    for (let l = 0; l < L; l++) {
      // N = 1 is p̂ itself: exactly, so its KL is exactly 0.
      const logP = n === 1 ? logMass[l]! : n * logF[l]! + Math.log(-Math.expm1(n * logRatio[l]!));
      const p = Math.exp(logP);
      pluginLaw[row + l] = p;
      if (p > 0) {
        klSum.add(p * (logP - logMass[l]!));
        winSum.add(p * (below[l]! + 0.5 * Math.exp(logMass[l]!)));
        bSum.add(p * beiramiKl(n, Math.exp(logMass[l]!)));
      }
    }
    kl[n - 1] = Math.min(klMax, Math.max(0, klSum.value));
    winRate[n - 1] = Math.min(1, Math.max(0, winSum.value));
    klBeirami[n - 1] = Math.max(0, bSum.value);
  }
  // W_{l,N} = 0 while k_l < N: the best of N distinct ranks is at rank ≥ N.
  const unbiasedStart = new Int32Array(nMax);
  for (let n = 1, l = 0, k = counts[0]!; n <= nMax; n++) {
    while (l < L - 1 && k < n) k += counts[++l]!;
    unbiasedStart[n - 1] = l;
  }
  return {
    m,
    levels: L,
    nMax,
    pluginLaw,
    unbiasedWeights: unbiasedLevelWeights(counts, m, nMax),
    unbiasedStart,
    kl,
    winRate,
    klBeirami,
  };
}

/**
 * W_{l,N} for N = 1…min(nMax, m): rank weights w_{i,N} = C(i−1, N−1)/C(m, N) by the downward recurrence
 * w_m = N/m, w_{i−1} = w_i (i−N)/(i−1) (as in bonRankWeights), summed over each tied block.
 */
function unbiasedLevelWeights(counts: ArrayLike<number>, m: number, nMax: number): Float64Array {
  const L = counts.length;
  const out = new Float64Array(nMax * L);
  const top = Math.min(nMax, m);
  for (let n = 1; n <= top; n++) {
    const row = (n - 1) * L;
    let w = n / m;
    let i = m;
    for (let l = L - 1; l >= 0 && i >= n; l--) {
      let s = 0;
      for (let j = 0; j < counts[l]! && i >= n; j++, i--) {
        s += w;
        if (i > n) w *= (i - n) / (i - 1);
      }
      out[row + l] = s;
    }
  }
  return out;
}

/** The tie pattern as a cache key: "d<m>" when all m scores are distinct (the common case). */
export function tiePatternKey(counts: ArrayLike<number>): string {
  let distinct = true;
  for (let l = 0; l < counts.length; l++) if (counts[l] !== 1) distinct = false;
  return distinct ? `d${counts.length}` : Array.prototype.join.call(counts, ",");
}

/**
 * A bounded cache of LevelCurves by tie pattern: at most `capacity` entries and `maxDoubles` stored
 * numbers (each entry holds 2·L·nMax; default 2^22 doubles = 32 MB), cleared when either is reached.
 */
export class LevelCurvesCache {
  private readonly map = new Map<string, LevelCurves>();
  private doubles = 0;
  constructor(
    readonly nMax: number,
    readonly capacity = 256,
    readonly maxDoubles = 2 ** 22,
  ) {}

  /** The curves for this tie pattern (level counts in ascending score order), computed once and kept. */
  get(counts: ArrayLike<number>): LevelCurves {
    const key = tiePatternKey(counts);
    let c = this.map.get(key);
    if (!c) {
      c = levelCurves(counts, this.nMax);
      const size = 2 * c.levels * c.nMax;
      if (this.map.size >= this.capacity || this.doubles + size > this.maxDoubles) {
        this.map.clear();
        this.doubles = 0;
      }
      this.map.set(key, c);
      this.doubles += size;
    }
    return c;
  }
}
