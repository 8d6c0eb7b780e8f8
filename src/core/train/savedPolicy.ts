import { InputError, show } from "../errors.js";
import type { Model } from "../model.js";
import { SUM_TOLERANCE } from "../model.js";
import { logSumExp } from "../numerics/logspace.js";

/**
 * The saved form of a trained per-token policy, as `bonkl train --save-policy FILE` writes it:
 *   { "format": "bonkl-policy", "version": 1,
 *     "outcomes": [label, …],          the model's outcomes with p > 0 (outcomes with p = 0 have q = 0),
 *     "logq": [log q(y), …],           natural logs, normalised (logsumexp = 0 to rounding),
 *     "length": n,                     tokens per response: the policy is q^{⊗n} over length-n responses,
 *     … }                              anything else (method, β, steps, exact values) is informative.
 * The reader needs only outcomes and logq (length defaults to 1), so a policy from elsewhere can be given
 * in the same form.
 */
export interface SavedPolicy {
  readonly format: "bonkl-policy";
  readonly version: 1;
  readonly outcomes: readonly string[];
  readonly logq: readonly number[];
  readonly length: number;
  readonly [key: string]: unknown;
}

const RESERVED = new Set(["format", "version", "outcomes", "logq", "length"]);

/**
 * The policy `logq` (support order of `model`) in the saved form, with `extra` fields after it (any
 * named like the format's own fields are refused, so they cannot overwrite them).
 */
export function savePolicy(
  model: Model,
  logq: ArrayLike<number>,
  length: number,
  extra: Record<string, unknown> = {},
): SavedPolicy {
  for (const key of Object.keys(extra)) {
    if (RESERVED.has(key)) throw new InputError(key, "is a field of the saved policy format itself");
  }
  return {
    format: "bonkl-policy",
    version: 1,
    outcomes: model.labels,
    logq: Array.from(logq),
    length,
    ...extra,
  };
}

/** A policy read back: log q on the support of the model, in its support order. */
export interface LoadedPolicy {
  readonly logq: Float64Array;
  readonly length: number;
}

/**
 * Reads a saved policy against a model. Outcomes are matched by label when the model's labels are
 * distinct (any order), else by position; every outcome with p > 0 must appear exactly once, and none
 * other. logq must be finite and sum (as probabilities) to 1 within 1e-9; it is renormalised.
 */
export function loadPolicy(model: Model, value: unknown, field = "policy"): LoadedPolicy {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new InputError(field, `expected an object with "outcomes" and "logq", got ${show(value)}`);
  }
  const v = value as Record<string, unknown>;
  const { outcomes, logq } = v;
  if (!Array.isArray(outcomes))
    throw new InputError(`${field}.outcomes`, `expected an array of labels, got ${show(outcomes)}`);
  if (!Array.isArray(logq))
    throw new InputError(`${field}.logq`, `expected an array of numbers, got ${show(logq)}`);
  if (logq.length !== outcomes.length) {
    throw new InputError(
      `${field}.logq`,
      `has ${logq.length} entries but outcomes has ${outcomes.length}; they must match`,
    );
  }
  const labels = model.labels;
  if (outcomes.length !== model.size) {
    throw new InputError(
      `${field}.outcomes`,
      `has ${outcomes.length} entries but the model has ${model.size} outcomes with p > 0; a policy gives every one of them (and no other) a log-probability`,
    );
  }
  const index = new Map<string, number>();
  for (let j = 0; j < labels.length; j++) index.set(labels[j]!, j);
  const byLabel = index.size === labels.length;
  const out = new Float64Array(model.size).fill(Number.NaN);
  for (let i = 0; i < outcomes.length; i++) {
    const label = outcomes[i];
    if (typeof label !== "string")
      throw new InputError(`${field}.outcomes[${i}]`, `expected a string, got ${show(label)}`);
    const x = logq[i];
    if (typeof x !== "number" || !Number.isFinite(x)) {
      throw new InputError(
        `${field}.logq[${i}]`,
        `expected a finite log-probability, got ${show(x)}`,
        "invalid_number",
      );
    }
    let j: number;
    if (byLabel) {
      const hit = index.get(label);
      if (hit === undefined) {
        throw new InputError(
          `${field}.outcomes[${i}]`,
          `${show(label)} is not an outcome of the model with p > 0`,
        );
      }
      j = hit;
    } else {
      if (label !== labels[i]) {
        throw new InputError(
          `${field}.outcomes[${i}]`,
          `the model's labels repeat, so outcomes must follow its order: expected ${show(labels[i])}, got ${show(label)}`,
        );
      }
      j = i;
    }
    if (!Number.isNaN(out[j]!))
      throw new InputError(`${field}.outcomes[${i}]`, `${show(label)} appears twice`);
    out[j] = x;
  }
  const total = logSumExp(out);
  if (!(Math.abs(Math.expm1(total)) <= SUM_TOLERANCE)) {
    throw new InputError(
      `${field}.logq`,
      `the probabilities sum to ${Math.exp(total)} (must be 1 within ${SUM_TOLERANCE})`,
      "out_of_range",
    );
  }
  for (let j = 0; j < out.length; j++) out[j] = out[j]! - total;
  const length = v.length ?? 1;
  if (typeof length !== "number" || !Number.isSafeInteger(length) || length < 1) {
    throw new InputError(
      `${field}.length`,
      `expected a whole number ≥ 1 (tokens per response), got ${show(length)}`,
      "out_of_range",
    );
  }
  return { logq: out, length };
}
