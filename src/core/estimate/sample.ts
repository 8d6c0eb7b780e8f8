import { InputError, show } from "../errors.js";
import type { Model } from "../model.js";
import { NeumaierSum } from "../numerics/sum.js";
import type { Rng } from "./bootstrap.js";

/**
 * Synthetic scored samples from a model, so that estimates from samples (MATH §5) can be checked against
 * the exact answers: a response of length n is n iid tokens from p, its reward the sum S_n of the token
 * rewards (MATH §3) and its log-probability the sum of the tokens' log p. Seeded and reproducible: the
 * same model, length, seed and count give the same draws on every platform.
 */

/**
 * Walker's alias table (Walker 1977) built by Vose's method (Vose 1991, "A linear algorithm for generating
 * random numbers with a given distribution"): column i is kept with probability `keep[i]`, else `alias[i]`
 * is returned, so a draw costs one uniform column and one coin whatever the number of outcomes.
 */
export interface AliasTable {
  readonly size: number;
  /** Probability of keeping the column, in [0, 1]. */
  readonly keep: Float64Array;
  readonly alias: Uint32Array;
}

/**
 * The alias table of linear weights w ≥ 0 (not all 0). The scaled weights K·w/Σw and every update are
 * exact when the weights are dyadic and K is a power of two, so such tables reproduce p exactly.
 * The update q_l ← (q_l + q_s) − 1 is the stable order (Schwarz, "Darts, dice and coins", 2011).
 */
export function aliasTable(weights: ArrayLike<number>, field = "weights"): AliasTable {
  const K = weights.length;
  if (K === 0) throw new InputError(field, "no outcomes to sample from");
  if (K > 2 ** 32) throw new InputError(field, `at most 2^32 outcomes, got ${K}`);
  const total = new NeumaierSum();
  for (let i = 0; i < K; i++) {
    const w = weights[i]!;
    if (!(w >= 0 && w < Number.POSITIVE_INFINITY)) {
      throw new InputError(`${field}[${i}]`, `weights must be finite and ≥ 0, got ${show(w)}`);
    }
    total.add(w);
  }
  if (!(total.value > 0)) throw new InputError(field, "every weight is 0: nothing to sample");
  const q = new Float64Array(K);
  for (let i = 0; i < K; i++) q[i] = (weights[i]! * K) / total.value;
  const keep = new Float64Array(K);
  const alias = new Uint32Array(K);
  // Both worklists in one array: small from the front, large from the back.
  const work = new Uint32Array(K);
  let nSmall = 0;
  let nLarge = 0;
  for (let i = 0; i < K; i++) {
    if (q[i]! < 1) work[nSmall++] = i;
    else work[K - 1 - nLarge++] = i;
  }
  while (nSmall > 0 && nLarge > 0) {
    const s = work[--nSmall]!;
    const l = work[K - nLarge]!;
    keep[s] = q[s]!;
    alias[s] = l;
    q[l] = q[l]! + q[s]! - 1;
    if (q[l]! < 1) {
      nLarge--;
      work[nSmall++] = l;
    }
  }
  // What is left has q = 1 up to rounding: those columns always keep.
  for (let j = 0; j < nSmall; j++) keep[work[j]!] = 1;
  for (let j = 0; j < nLarge; j++) keep[work[K - 1 - j]!] = 1;
  for (let i = 0; i < K; i++) if (keep[i] === 1) alias[i] = i;
  return { size: K, keep, alias };
}

/**
 * The alias table of log-weights (any scale, −∞ for 0): shifted by their maximum before exponentiating,
 * so weights like e^{−800} (which underflow to 0 as they stand) keep their ratios. An outcome more than
 * ~745 nats below the largest gets weight 0: its probability is below 1e-323, never drawn in practice.
 */
export function aliasTableFromLogWeights(logWeights: ArrayLike<number>, field = "logWeights"): AliasTable {
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < logWeights.length; i++) {
    const v = logWeights[i]!;
    if (Number.isNaN(v) || v === Number.POSITIVE_INFINITY) {
      throw new InputError(`${field}[${i}]`, `log-weights must be finite or -Infinity, got ${show(v)}`);
    }
    max = Math.max(max, v);
  }
  if (max === Number.NEGATIVE_INFINITY) throw new InputError(field, "every weight is 0: nothing to sample");
  return aliasTable(
    Float64Array.from(logWeights, (v) => Math.exp(v - max)),
    field,
  );
}

/** The law an alias table draws from: P(i) = (keep_i + Σ_{j: alias_j = i, j ≠ i} (1 − keep_j)) / K. */
export function aliasProbabilities(table: AliasTable): Float64Array {
  const P = new Float64Array(table.size);
  for (let i = 0; i < table.size; i++) {
    P[i]! += table.keep[i]!;
    if (table.alias[i] !== i) P[table.alias[i]!]! += 1 - table.keep[i]!;
  }
  for (let i = 0; i < table.size; i++) P[i]! /= table.size;
  return P;
}

/** One draw: a uniform column (rejection, no modulo bias) and a 53-bit coin. */
export function drawAlias(table: AliasTable, rng: Rng): number {
  const i = rng.nextInt(table.size);
  const keep = table.keep[i]!;
  if (keep === 1) return i;
  return rng.nextDouble() < keep ? i : table.alias[i]!;
}

/**
 * Largest response length sampled token by token. Above it the cost (one draw per token) stops being
 * sensible for sample files; such lengths are refused rather than approximated.
 */
export const MAX_SAMPLE_LENGTH = 100_000;

/** Largest length whose token labels are kept (the `response` column); longer responses carry none. */
export const MAX_LABELLED_LENGTH = 64;

/** A model prepared for sampling responses of a fixed length. */
export interface ResponseSampler {
  readonly model: Model;
  readonly length: number;
  readonly table: AliasTable;
}

/** Prepares `model` (its support, with p as the model holds it) for responses of `length` tokens. */
export function responseSampler(model: Model, length = 1): ResponseSampler {
  if (!Number.isSafeInteger(length) || length < 1 || length > MAX_SAMPLE_LENGTH) {
    throw new InputError(
      "length",
      `n must be a whole number from 1 to ${MAX_SAMPLE_LENGTH} (responses are sampled token by token), got ${show(length)}`,
    );
  }
  // The model's p is exact for linear inputs (0.3 stays 0.3), so dyadic models give exact tables.
  return { model, length, table: aliasTable(model.p, "model.p") };
}

/** `count` responses: rewards S_n, log-probabilities Σ log p, and (optionally) the token indices. */
export interface ResponseBatch {
  readonly count: number;
  readonly reward: Float64Array;
  readonly logprob: Float64Array;
  /** Support indices of the tokens, `length` per response (row-major), when asked for. */
  readonly tokens?: Uint32Array;
}

/**
 * Draws `count` responses with `rng` (advancing it). Sums are compensated (Neumaier), so S_n of
 * integer rewards is exact and others are off by about ε·|S_n| (+ nε²Σ|r|, Neumaier's bound).
 * Pass a previous batch of at least `count` rows as `into` to reuse its buffers.
 */
export function sampleResponses(
  sampler: ResponseSampler,
  rng: Rng,
  count: number,
  options: { readonly tokens?: boolean; readonly into?: ResponseBatch } = {},
): ResponseBatch {
  if (!Number.isSafeInteger(count) || count < 0) {
    throw new InputError("count", `expected a whole number ≥ 0, got ${show(count)}`);
  }
  const { table, length: n } = sampler;
  const { r, logp } = sampler.model;
  const into = options.into;
  const fits = into !== undefined && into.reward.length >= count;
  const reward = fits ? into.reward : new Float64Array(count);
  const logprob = fits ? into.logprob : new Float64Array(count);
  let tokens: Uint32Array | undefined;
  if (options.tokens) {
    tokens =
      fits && into.tokens && into.tokens.length >= count * n ? into.tokens : new Uint32Array(count * n);
  }
  if (n === 1) {
    for (let k = 0; k < count; k++) {
      const y = drawAlias(table, rng);
      reward[k] = r[y]!;
      logprob[k] = logp[y]!;
      if (tokens) tokens[k] = y;
    }
  } else {
    for (let k = 0, t = 0; k < count; k++) {
      let sr = 0;
      let cr = 0;
      let sl = 0;
      let cl = 0;
      for (let j = 0; j < n; j++, t++) {
        const y = drawAlias(table, rng);
        if (tokens) tokens[t] = y;
        // Neumaier's compensated sums, inlined: this is the hot loop.
        const a = r[y]!;
        const u = sr + a;
        cr += Math.abs(sr) >= Math.abs(a) ? sr - u + a : a - u + sr;
        sr = u;
        const b = logp[y]!;
        const v = sl + b;
        cl += Math.abs(sl) >= Math.abs(b) ? sl - v + b : b - v + sl;
        sl = v;
      }
      reward[k] = sr + cr;
      logprob[k] = sl + cl;
    }
  }
  return tokens ? { count, reward, logprob, tokens } : { count, reward, logprob };
}
