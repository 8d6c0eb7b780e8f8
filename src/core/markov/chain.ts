import { InputError, show } from "../errors.js";
import { MAX_REWARD, SUM_TOLERANCE } from "../model.js";

/**
 * A Markov reference over k states (MATH §7): y_1 ~ μ, y_{t+1} ~ P(y_t, ·), reward S_n = Σ_t r(y_t).
 *
 * The transition is stored as P = S + w uᵀ: a sparse part S in compressed rows and an optional rank-one
 * part (w ≥ 0 per row, u a law). The rank-one part is what Dirichlet smoothing of counts adds,
 * P(a, b) = (C(a, b) + β u(b)) / (C(a) + β), so a smoothed word-level chain over thousands of states
 * stays sparse: a product x P costs nnz(S) + 2k.
 */
export interface MarkovChain {
  readonly k: number;
  readonly states: readonly string[];
  readonly r: Float64Array;
  /** μ, normalised. */
  readonly initial: Float64Array;
  /** Row a of S: columns col[rowStart[a] .. rowStart[a+1]) with values val[…]. */
  readonly rowStart: Int32Array;
  readonly col: Int32Array;
  readonly val: Float64Array;
  /** The rank-one part w uᵀ, or null. */
  readonly lowRank: { readonly w: Float64Array; readonly u: Float64Array } | null;
}

/** Sparse counts or probabilities, one compressed row per state. */
export interface SparseRowsSpec {
  readonly rowStart?: unknown;
  readonly col?: unknown;
  readonly value?: unknown;
}

/**
 * The JSON form: `{"initial": [k], "transition": [[k×k]] | "transitionCounts": [[k×k]], "r": [k],
 * "states"?: [k]}`. `transitionCounts` rows are normalised; it may instead be sparse,
 * `{"rowStart": [k+1], "col": [nnz], "value": [nnz]}`, and may carry Dirichlet smoothing
 * `"smoothing": {"strength": β, "prior": [k]}` (P(a, b) = (C(a, b) + β prior(b)) / (C(a) + β)).
 */
export interface MarkovSpec {
  readonly states?: unknown;
  readonly initial?: unknown;
  readonly transition?: unknown;
  readonly transitionCounts?: unknown;
  readonly smoothing?: unknown;
  readonly r?: unknown;
}

const KEYS = ["states", "initial", "transition", "transitionCounts", "smoothing", "r"];

/** True when a JSON value looks like a Markov spec rather than a single-step model. */
export function isMarkovSpec(spec: unknown): spec is MarkovSpec {
  return (
    spec !== null &&
    typeof spec === "object" &&
    !Array.isArray(spec) &&
    ("transition" in spec || "transitionCounts" in spec || "initial" in spec)
  );
}

function numbers(value: unknown, field: string, length?: number, lengthOf?: string): Float64Array {
  if (!(Array.isArray(value) || ArrayBuffer.isView(value))) {
    throw new InputError(field, `expected an array of numbers, got ${show(value)}`);
  }
  const arr = value as ArrayLike<unknown>;
  if (length !== undefined && arr.length !== length) {
    throw new InputError(field, `has ${arr.length} entries but ${lengthOf} has ${length}; they must match`);
  }
  const out = new Float64Array(arr.length);
  for (let i = 0; i < arr.length; i++) {
    const v = arr[i];
    if (typeof v !== "number" || !Number.isFinite(v)) {
      throw new InputError(`${field}[${i}]`, `expected a finite number, got ${show(v)}`);
    }
    out[i] = v;
  }
  return out;
}

function nonNegative(x: Float64Array, field: string, what: string): void {
  for (let i = 0; i < x.length; i++) {
    if (x[i]! < 0) throw new InputError(`${field}[${i}]`, `${what} must be ≥ 0, got ${show(x[i])}`);
  }
}

function total(x: ArrayLike<number>, from = 0, to = x.length): number {
  // Neumaier: a row of thousands of counts is summed to full accuracy.
  let s = 0;
  let c = 0;
  for (let i = from; i < to; i++) {
    const v = x[i]!;
    const t = s + v;
    c += Math.abs(s) >= Math.abs(v) ? s - t + v : v - t + s;
    s = t;
  }
  return s + c;
}

/** A dense k×k matrix as compressed rows (zeros dropped), rows checked and optionally normalised. */
function denseRows(value: unknown, field: string, k: number, counts: boolean) {
  if (!Array.isArray(value)) throw new InputError(field, `expected a k×k array of rows, got ${show(value)}`);
  if (value.length !== k) {
    throw new InputError(
      field,
      `has ${value.length} rows but r has ${k} entries; the matrix must be square, k×k with k = ${k}`,
    );
  }
  const rowStart = new Int32Array(k + 1);
  const cols: number[] = [];
  const vals: number[] = [];
  for (let a = 0; a < k; a++) {
    const rowField = `${field}[${a}]`;
    const row = value[a];
    if (!Array.isArray(row))
      throw new InputError(rowField, `expected a row of ${k} numbers, got ${show(row)}`);
    if (row.length !== k) {
      throw new InputError(rowField, `has ${row.length} entries; the matrix must be square (${k}×${k})`);
    }
    const x = numbers(row, rowField);
    nonNegative(x, rowField, counts ? "counts" : "transition probabilities");
    for (let b = 0; b < k; b++) {
      if (x[b]! > 0) {
        cols.push(b);
        vals.push(x[b]!);
      }
    }
    rowStart[a + 1] = cols.length;
  }
  return { rowStart, col: Int32Array.from(cols), val: Float64Array.from(vals) };
}

function sparseRows(value: SparseRowsSpec, field: string, k: number) {
  for (const key of Object.keys(value)) {
    if (!["rowStart", "col", "value"].includes(key)) {
      throw new InputError(`${field}.${key}`, "unknown field (expected rowStart, col, value)");
    }
  }
  const rs = numbers(value.rowStart, `${field}.rowStart`, k + 1, "r (plus one)");
  const rowStart = new Int32Array(k + 1);
  for (let a = 0; a <= k; a++) {
    const v = rs[a]!;
    if (!Number.isInteger(v) || v < 0 || (a > 0 && v < rowStart[a - 1]!) || (a === 0 && v !== 0)) {
      throw new InputError(
        `${field}.rowStart[${a}]`,
        `must be non-decreasing whole numbers from 0, got ${show(v)}`,
      );
    }
    rowStart[a] = v;
  }
  const nnz = rowStart[k]!;
  const c = numbers(value.col, `${field}.col`, nnz, `${field}.rowStart[${k}]`);
  const val = numbers(value.value, `${field}.value`, nnz, `${field}.rowStart[${k}]`);
  nonNegative(val, `${field}.value`, "counts");
  const col = new Int32Array(nnz);
  for (let i = 0; i < nnz; i++) {
    if (!Number.isInteger(c[i]!) || c[i]! < 0 || c[i]! >= k) {
      throw new InputError(
        `${field}.col[${i}]`,
        `must be a state index from 0 to ${k - 1}, got ${show(c[i])}`,
      );
    }
    col[i] = c[i]!;
  }
  return { rowStart, col, val };
}

/**
 * Validates a Markov spec and builds the chain. One InputError per problem, naming the field path:
 * a row not summing to 1 (within 1e-9), a non-square matrix, lengths that disagree, negative or
 * non-finite entries, an initial law that is not a law, a count row with no counts and no smoothing.
 */
export function createMarkovChain(spec: MarkovSpec, name = "model"): MarkovChain {
  if (spec === null || typeof spec !== "object" || Array.isArray(spec)) {
    throw new InputError(name, `expected an object with "initial", "transition" and "r", got ${show(spec)}`);
  }
  for (const key of Object.keys(spec)) {
    if (!KEYS.includes(key))
      throw new InputError(`${name}.${key}`, `unknown field (expected ${KEYS.join(", ")})`);
  }
  if (spec.r === undefined)
    throw new InputError(`${name}.r`, "missing: a Markov model needs a reward per state");
  const r = numbers(spec.r, `${name}.r`);
  const k = r.length;
  if (k === 0) throw new InputError(`${name}.r`, "empty model: r has no entries");
  r.forEach((v, i) => {
    if (Math.abs(v) > MAX_REWARD) {
      throw new InputError(
        `${name}.r[${i}]`,
        `rewards must be at most ${MAX_REWARD} in magnitude, got ${show(v)}`,
      );
    }
  });
  let states: string[];
  if (spec.states === undefined) states = Array.from({ length: k }, (_, i) => String(i));
  else {
    if (!Array.isArray(spec.states)) {
      throw new InputError(`${name}.states`, `expected an array of labels, got ${show(spec.states)}`);
    }
    if (spec.states.length !== k) {
      throw new InputError(
        `${name}.states`,
        `has ${spec.states.length} entries but ${name}.r has ${k}; they must match`,
      );
    }
    states = spec.states.map((s, i) => {
      if (typeof s !== "string")
        throw new InputError(`${name}.states[${i}]`, `expected a string, got ${show(s)}`);
      return s;
    });
  }
  if (spec.initial === undefined) {
    throw new InputError(`${name}.initial`, "missing: a Markov model needs the law of its first state");
  }
  const initial = numbers(spec.initial, `${name}.initial`, k, `${name}.r`);
  nonNegative(initial, `${name}.initial`, "initial probabilities");
  const mu = total(initial);
  if (Math.abs(mu - 1) > SUM_TOLERANCE) {
    throw new InputError(
      `${name}.initial`,
      `is not a law: it sums to ${mu} (must be 1 within ${SUM_TOLERANCE})`,
    );
  }
  for (let i = 0; i < k; i++) initial[i] = initial[i]! / mu;
  const given = (["transition", "transitionCounts"] as const).filter((f) => spec[f] !== undefined);
  if (given.length !== 1) {
    throw new InputError(
      name,
      given.length === 0
        ? 'missing the transition matrix: give "transition" (rows sum to 1) or "transitionCounts"'
        : 'give exactly one of "transition" and "transitionCounts"',
    );
  }
  const counts = given[0] === "transitionCounts";
  const field = `${name}.${given[0]}`;
  const raw = spec[given[0]!];
  const isSparse = counts && raw !== null && typeof raw === "object" && !Array.isArray(raw);
  const { rowStart, col, val } = isSparse
    ? sparseRows(raw as SparseRowsSpec, field, k)
    : denseRows(raw, field, k, counts);
  let lowRank: MarkovChain["lowRank"] = null;
  let strength = 0;
  let prior: Float64Array | undefined;
  if (spec.smoothing !== undefined) {
    const sf = `${name}.smoothing`;
    if (!counts) throw new InputError(sf, 'smoothing applies to "transitionCounts" only');
    const s = spec.smoothing as { strength?: unknown; prior?: unknown };
    if (s === null || typeof s !== "object" || Array.isArray(s)) {
      throw new InputError(sf, `expected {"strength": β, "prior": [k]}, got ${show(s)}`);
    }
    for (const key of Object.keys(s)) {
      if (!["strength", "prior"].includes(key))
        throw new InputError(`${sf}.${key}`, "unknown field (expected strength, prior)");
    }
    if (typeof s.strength !== "number" || !Number.isFinite(s.strength) || s.strength < 0) {
      throw new InputError(`${sf}.strength`, `must be a finite number ≥ 0, got ${show(s.strength)}`);
    }
    strength = s.strength;
    prior =
      s.prior === undefined
        ? new Float64Array(k).fill(1 / k)
        : numbers(s.prior, `${sf}.prior`, k, `${name}.r`);
    nonNegative(prior, `${sf}.prior`, "prior weights");
    const pt = total(prior);
    if (!(pt > 0)) throw new InputError(`${sf}.prior`, "every prior weight is 0");
    for (let b = 0; b < k; b++) prior[b] = prior[b]! / pt;
  }
  const w = strength > 0 ? new Float64Array(k) : undefined;
  for (let a = 0; a < k; a++) {
    const from = rowStart[a]!;
    const to = rowStart[a + 1]!;
    const rowTotal = total(val, from, to);
    if (counts) {
      if (!(rowTotal + strength > 0)) {
        throw new InputError(
          `${field}[${a}]`,
          `state ${states[a]} has no counts (no successor) and no smoothing`,
        );
      }
      const d = rowTotal + strength;
      for (let i = from; i < to; i++) val[i] = val[i]! / d;
      if (w) w[a] = strength / d;
    } else {
      if (Math.abs(rowTotal - 1) > SUM_TOLERANCE) {
        throw new InputError(
          `${field}[${a}]`,
          `row of state ${states[a]} sums to ${rowTotal} (must be 1 within ${SUM_TOLERANCE}); give counts as "transitionCounts"`,
        );
      }
      for (let i = from; i < to; i++) val[i] = val[i]! / rowTotal;
    }
  }
  if (w && prior) lowRank = { w, u: prior };
  return { k, states, r, initial, rowStart, col, val, lowRank };
}

/** P(a, b) for one pair (O(row length)). */
export function transitionAt(chain: MarkovChain, a: number, b: number): number {
  let p = chain.lowRank ? chain.lowRank.w[a]! * chain.lowRank.u[b]! : 0;
  for (let i = chain.rowStart[a]!; i < chain.rowStart[a + 1]!; i++)
    if (chain.col[i] === b) p += chain.val[i]!;
  return p;
}

/** The transition as a dense k×k row-major array (small chains only). */
export function denseTransition(chain: MarkovChain): Float64Array {
  const { k } = chain;
  const out = new Float64Array(k * k);
  if (chain.lowRank) {
    const { w, u } = chain.lowRank;
    for (let a = 0; a < k; a++) for (let b = 0; b < k; b++) out[a * k + b] = w[a]! * u[b]!;
  }
  for (let a = 0; a < k; a++) {
    for (let i = chain.rowStart[a]!; i < chain.rowStart[a + 1]!; i++)
      out[a * k + chain.col[i]!] = out[a * k + chain.col[i]!]! + chain.val[i]!;
  }
  return out;
}

/** A chain from a dense transition already known to be valid (programs that generate chains). */
export function chainFromDense(
  initial: ArrayLike<number>,
  transition: ArrayLike<number>,
  r: ArrayLike<number>,
  states?: readonly string[],
): MarkovChain {
  const k = r.length;
  const rows: number[][] = [];
  for (let a = 0; a < k; a++) rows.push(Array.from({ length: k }, (_, b) => transition[a * k + b]!));
  return createMarkovChain({ initial: Array.from(initial), transition: rows, r: Array.from(r), states });
}
