import { InputError, show } from "../errors.js";
import type { Rng } from "../estimate/bootstrap.js";
import {
  type AliasTable,
  aliasTableFromLogWeights,
  drawAlias,
  MAX_SAMPLE_LENGTH,
} from "../estimate/sample.js";
import type { Model } from "../model.js";

/**
 * Scored samples from a trained per-token policy q^{⊗n}, each with its log-probability under the policy
 * and under the reference, as an RLHF pipeline logs them (token-summed): what `audit` reads (MATH §8).
 * The draws are seeded and reproducible like estimate/sample.ts's, from an alias table over q.
 */
export interface PolicySampler {
  readonly model: Model;
  /** log q on the model's support. */
  readonly logq: Float64Array;
  readonly length: number;
  readonly table: AliasTable;
}

/** Prepares a policy (log q on the model's support) for responses of `length` tokens. */
export function policySampler(model: Model, logq: Float64Array, length = 1): PolicySampler {
  if (logq.length !== model.size) {
    throw new InputError(
      "policy",
      `has ${logq.length} entries but the model has ${model.size} outcomes with p > 0`,
    );
  }
  if (!Number.isSafeInteger(length) || length < 1 || length > MAX_SAMPLE_LENGTH) {
    throw new InputError(
      "length",
      `expected a whole number from 1 to ${MAX_SAMPLE_LENGTH}, got ${show(length)}`,
      "out_of_range",
    );
  }
  return { model, logq, length, table: aliasTableFromLogWeights(logq, "policy") };
}

/** `count` responses: summed reward, Σ log q, Σ log p, and (optionally) the token indices. */
export interface PolicyBatch {
  readonly count: number;
  readonly reward: Float64Array;
  readonly logprobPolicy: Float64Array;
  readonly logprobRef: Float64Array;
  /** Support indices of the tokens, `length` per response (row-major), when asked for. */
  readonly tokens?: Uint32Array;
}

/** Neumaier's compensated running sum, as a pair (sum, compensation). */
function add(s: Float64Array, j: 0 | 2, x: number): void {
  const a = s[j]!;
  const t = a + x;
  s[j + 1]! += Math.abs(a) >= Math.abs(x) ? a - t + x : x - t + a;
  s[j] = t;
}

/** Draws `count` responses with `rng` (advancing it); sums are compensated, as in sampleResponses. */
export function samplePolicy(
  sampler: PolicySampler,
  rng: Rng,
  count: number,
  options: { readonly tokens?: boolean } = {},
): PolicyBatch {
  if (!Number.isSafeInteger(count) || count < 0) {
    throw new InputError("count", `expected a whole number ≥ 0, got ${show(count)}`, "out_of_range");
  }
  const { table, length: n, logq } = sampler;
  const { r, logp } = sampler.model;
  const reward = new Float64Array(count);
  const logprobPolicy = new Float64Array(count);
  const logprobRef = new Float64Array(count);
  const tokens = options.tokens ? new Uint32Array(count * n) : undefined;
  const acc = new Float64Array(4);
  const accRef = new Float64Array(4);
  for (let k = 0, t = 0; k < count; k++) {
    acc.fill(0);
    accRef.fill(0);
    for (let j = 0; j < n; j++, t++) {
      const y = drawAlias(table, rng);
      if (tokens) tokens[t] = y;
      add(acc, 0, r[y]!);
      add(acc, 2, logq[y]!);
      add(accRef, 0, logp[y]!);
    }
    reward[k] = acc[0]! + acc[1]!;
    logprobPolicy[k] = acc[2]! + acc[3]!;
    logprobRef[k] = accRef[0]! + accRef[1]!;
  }
  return tokens
    ? { count, reward, logprobPolicy, logprobRef, tokens }
    : { count, reward, logprobPolicy, logprobRef };
}

/** One row as `sample --policy` writes it. */
export interface PolicySampleRow {
  readonly prompt: number;
  /** The token labels joined by spaces. */
  readonly response: string;
  readonly reward: number;
  readonly logprob_policy: number;
  readonly logprob_ref: number;
}

/**
 * `prompts × perPrompt` rows, prompt-major, from one seeded stream (the same arguments give the same
 * rows). Every prompt has the same model: the prompt column lets per-prompt estimators run on it.
 */
export function policySampleRows(
  sampler: PolicySampler,
  options: { readonly prompts: number; readonly perPrompt: number; readonly rng: Rng },
): PolicySampleRow[] {
  const { prompts, perPrompt, rng } = options;
  for (const [name, v] of [
    ["prompts", prompts],
    ["perPrompt", perPrompt],
  ] as const) {
    if (!Number.isSafeInteger(v) || v < 1)
      throw new InputError(name, `expected a whole number ≥ 1, got ${show(v)}`, "out_of_range");
  }
  const batch = samplePolicy(sampler, rng, prompts * perPrompt, { tokens: true });
  const labels = sampler.model.labels;
  const n = sampler.length;
  const rows: PolicySampleRow[] = [];
  for (let k = 0; k < batch.count; k++) {
    const words: string[] = [];
    for (let j = 0; j < n; j++) words.push(labels[batch.tokens![k * n + j]!]!);
    rows.push({
      prompt: Math.floor(k / perPrompt),
      response: words.join(" "),
      reward: batch.reward[k]!,
      logprob_policy: batch.logprobPolicy[k]!,
      logprob_ref: batch.logprobRef[k]!,
    });
  }
  return rows;
}
