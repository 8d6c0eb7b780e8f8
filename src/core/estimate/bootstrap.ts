import { InputError, show } from "../errors.js";

/**
 * Seeded randomness and the percentile bootstrap (Efron & Tibshirani 1993, ch. 13) for confidence
 * intervals over samples (MATH §5). Everything is reproducible from the seed, on any platform.
 */

/** splitmix32 (a 32-bit SplitMix finaliser, constants from Wellons' hash-prospector): scrambles seeds. */
function splitmix32(state: number): number {
  let z = state | 0;
  z ^= z >>> 16;
  z = Math.imul(z, 0x21f0aaad);
  z ^= z >>> 15;
  z = Math.imul(z, 0x735a2d97);
  z ^= z >>> 15;
  return z >>> 0;
}

/**
 * xoshiro128** (Blackman & Vigna 2018) over 32-bit integers, its state filled by splitmix32 from the
 * seed's low and high words, so small seeds (0, 1, 2, …) give unrelated streams.
 */
export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  /** `seed`: an integer in [0, 2^53). */
  constructor(seed: number) {
    if (!Number.isSafeInteger(seed) || seed < 0) {
      throw new InputError("seed", `expected an integer in [0, 2^53), got ${show(seed)}`);
    }
    const lo = seed >>> 0;
    const hi = Math.floor(seed / 2 ** 32) >>> 0;
    const golden = 0x9e3779b9;
    let x = (lo ^ Math.imul(hi, 0x85ebca6b)) >>> 0;
    const next = (): number => {
      x = (x + golden) >>> 0;
      return splitmix32(x ^ hi);
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** A uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const s1 = this.s1;
    const r = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
    const t = s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return r;
  }

  /** A uniform double in [0, 1) with 53 random bits. */
  nextDouble(): number {
    const a = this.nextUint32() >>> 5;
    const b = this.nextUint32() >>> 6;
    return (a * 67108864 + b) / 9007199254740992;
  }

  /** A uniform integer in [0, n), 1 ≤ n ≤ 2^32, without modulo bias (rejection of the short last block). */
  nextInt(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > 2 ** 32) {
      throw new InputError("n", `expected an integer in [1, 2^32], got ${show(n)}`);
    }
    const limit = 2 ** 32 - (2 ** 32 % n);
    for (;;) {
      const u = this.nextUint32();
      if (u < limit) return u % n;
    }
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** m indices drawn uniformly with replacement from 0…m−1 (into `out` when given). */
export function resampleIndices(rng: Rng, m: number, out = new Uint32Array(m)): Uint32Array {
  for (let i = 0; i < m; i++) out[i] = rng.nextInt(m);
  return out;
}

/**
 * The q-quantile (0 ≤ q ≤ 1) of values sorted ascending, by linear interpolation between order
 * statistics (Hyndman & Fan 1996, definition 7: h = (n − 1)q).
 */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) throw new InputError("values", "no values to take a quantile of");
  if (!(q >= 0 && q <= 1)) throw new InputError("q", `expected a probability in [0, 1], got ${show(q)}`);
  const h = (n - 1) * q;
  const k = Math.floor(h);
  const a = sorted[k]!;
  if (k + 1 >= n) return a;
  const b = sorted[k + 1]!;
  return a === b ? a : a + (h - k) * (b - a);
}

/** Resamples, the PRNG seed (a fixed seed gives the same interval every run) and the interval's level. */
export interface BootstrapOptions {
  /** Number of resamples B (default 1000). */
  readonly replicates?: number;
  readonly seed: number;
  /** Confidence level of the percentile interval (default 0.95). */
  readonly level?: number;
}

/** A vector statistic with its percentile interval and bootstrap standard error per component. */
export interface BootstrapResult {
  /** The statistic on the original samples. */
  readonly estimate: Float64Array;
  /** Percentile interval [lower, upper] per component. */
  readonly lower: Float64Array;
  readonly upper: Float64Array;
  /** Standard deviation of the replicates per component (the bootstrap standard error). */
  readonly standardError: Float64Array;
  readonly replicates: number;
}

/**
 * Percentile bootstrap of a vector statistic of m samples: `statistic(indices)` gets the indices of a
 * resample (the identity for the estimate) and returns the same number of components every time.
 * Replicates with a NaN component are left out of that component's interval.
 */
export function bootstrap(
  m: number,
  statistic: (indices: Uint32Array) => ArrayLike<number>,
  options: BootstrapOptions,
): BootstrapResult {
  if (!Number.isInteger(m) || m < 1) throw new InputError("m", `expected an integer ≥ 1, got ${show(m)}`);
  const B = options.replicates ?? 1000;
  if (!Number.isInteger(B) || B < 1) {
    throw new InputError("replicates", `expected an integer ≥ 1, got ${show(B)}`);
  }
  const level = options.level ?? 0.95;
  if (!(level > 0 && level < 1)) {
    throw new InputError("level", `expected a confidence level in (0, 1), got ${show(level)}`);
  }
  const rng = new Rng(options.seed);
  const identity = new Uint32Array(m);
  for (let i = 0; i < m; i++) identity[i] = i;
  const estimate = Float64Array.from(statistic(identity));
  const k = estimate.length;
  const reps = new Float64Array(B * k);
  const idx = new Uint32Array(m);
  for (let b = 0; b < B; b++) {
    const s = statistic(resampleIndices(rng, m, idx));
    if (s.length !== k) {
      throw new InputError("statistic", `returned ${s.length} components, but ${k} on the original samples`);
    }
    for (let j = 0; j < k; j++) reps[j * B + b] = s[j]!;
  }
  const lower = new Float64Array(k);
  const upper = new Float64Array(k);
  const standardError = new Float64Array(k);
  const alpha = (1 - level) / 2;
  for (let j = 0; j < k; j++) {
    const col = reps.subarray(j * B, (j + 1) * B).filter((v) => !Number.isNaN(v));
    if (col.length === 0) {
      throw new InputError("statistic", `component ${j} was NaN on every resample`);
    }
    col.sort();
    lower[j] = quantileSorted(col, alpha);
    upper[j] = quantileSorted(col, 1 - alpha);
    let mean = 0;
    for (let b = 0; b < col.length; b++) mean += col[b]!;
    mean /= col.length;
    let ss = 0;
    for (let b = 0; b < col.length; b++) ss += (col[b]! - mean) ** 2;
    const se = col.length > 1 ? Math.sqrt(ss / (col.length - 1)) : 0;
    // An infinite replicate makes the spread infinite (and mean − mean would be NaN).
    standardError[j] = Number.isNaN(se) ? Number.POSITIVE_INFINITY : se;
  }
  return { estimate, lower, upper, standardError, replicates: B };
}
