import { InputError, show } from "./errors.js";
import { log1mexp, logSumExp } from "./numerics/logspace.js";
import { NeumaierSum, sum } from "./numerics/sum.js";

/**
 * A single-step model (MATH §1): outcomes with reference probabilities p and finite rewards r.
 * Outcomes with p = 0 are kept only for reporting (`all*` fields); every computation uses the support.
 */
export interface Model {
  /** Number of outcomes with p > 0. */
  readonly size: number;
  /** log p on the support, normalised so that logsumexp = 0. */
  readonly logp: Float64Array;
  /** p = e^{log p} on the support (kept so hot loops need no exp for it). */
  readonly p: Float64Array;
  /** Rewards on the support. */
  readonly r: Float64Array;
  /** Labels of the support outcomes. */
  readonly labels: readonly string[];
  /** Position of each support outcome in the input. */
  readonly support: Uint32Array;
  /** Labels and rewards of every input outcome, support or not, in input order. */
  readonly allLabels: readonly string[];
  readonly allRewards: Float64Array;
  readonly rMax: number;
  readonly rMin: number;
  /** log p* where p* = p(r = r_max). */
  readonly logPStar: number;
  /** log(1/p*): the KL at which the KL-constrained optimum saturates. */
  readonly klMax: number;
  /** E_p r, Var_p r. */
  readonly mean: number;
  readonly variance: number;
  /** Σ p (r − mean) as computed: what rounding left of a quantity that is 0 in exact arithmetic. */
  readonly meanResidual: number;
}

/** The JSON form of a model: `{"outcomes"?: string[], "p" | "logp" | "counts": number[], "r": number[]}`. */
export interface ModelSpec {
  readonly outcomes?: unknown;
  readonly p?: unknown;
  readonly logp?: unknown;
  readonly counts?: unknown;
  readonly r?: unknown;
}

/** Largest |r| accepted: Var r and (r − E r)² stay finite (a limit of doubles, not of the mathematics). */
export const MAX_REWARD = 1e150;

/** Tolerance on Σp = 1 (and logsumexp(logp) = 0) for `p` and `logp` inputs. */
export const SUM_TOLERANCE = 1e-9;

function numberArray(value: unknown, field: string): number[] {
  if (!Array.isArray(value)) throw new InputError(field, `expected an array of numbers, got ${show(value)}`);
  const out: number[] = [];
  for (let i = 0; i < value.length; i++) {
    const v = value[i];
    if (typeof v !== "number") throw new InputError(`${field}[${i}]`, `expected a number, got ${show(v)}`);
    out.push(v);
  }
  return out;
}

/**
 * Validates a model spec and builds the model. Throws InputError naming the field for: a missing or
 * empty `r`; not exactly one of p / logp / counts; lengths that differ; non-numeric, NaN or infinite
 * entries; negative probabilities or counts; p not summing to 1 within 1e-9; all-zero p.
 * `name` prefixes field names (default "model").
 */
export function createModel(spec: ModelSpec, name = "model"): Model {
  if (spec === null || typeof spec !== "object" || Array.isArray(spec)) {
    throw new InputError(
      name,
      `expected an object with "r" and one of "p", "logp", "counts", got ${show(spec)}`,
    );
  }
  for (const key of Object.keys(spec)) {
    if (!["outcomes", "p", "logp", "counts", "r"].includes(key)) {
      throw new InputError(`${name}.${key}`, `unknown field (expected outcomes, p, logp, counts, r)`);
    }
  }
  if (spec.r === undefined) throw new InputError(`${name}.r`, "missing: every model needs rewards r");
  const r = numberArray(spec.r, `${name}.r`);
  if (r.length === 0) throw new InputError(`${name}.r`, "empty model: r has no entries");
  r.forEach((v, i) => {
    if (!Number.isFinite(v))
      throw new InputError(`${name}.r[${i}]`, `rewards must be finite, got ${show(v)}`);
    if (Math.abs(v) > MAX_REWARD) {
      throw new InputError(
        `${name}.r[${i}]`,
        `rewards must be at most ${MAX_REWARD} in magnitude (squares must not overflow), got ${show(v)}; rescale r`,
      );
    }
  });
  const given = (["p", "logp", "counts"] as const).filter((k) => spec[k] !== undefined);
  if (given.length !== 1) {
    throw new InputError(
      name,
      given.length === 0
        ? 'missing probabilities: give one of "p", "logp" or "counts"'
        : `give exactly one of "p", "logp", "counts" (got ${given.join(" and ")})`,
    );
  }
  const kind = given[0]!;
  const field = `${name}.${kind}`;
  const values = numberArray(spec[kind], field);
  if (values.length !== r.length) {
    throw new InputError(
      field,
      `has ${values.length} entries but ${name}.r has ${r.length}; they must match`,
    );
  }
  let labels: string[];
  if (spec.outcomes === undefined) labels = r.map((_, i) => String(i));
  else {
    if (!Array.isArray(spec.outcomes)) {
      throw new InputError(`${name}.outcomes`, `expected an array of strings, got ${show(spec.outcomes)}`);
    }
    if (spec.outcomes.length !== r.length) {
      throw new InputError(
        `${name}.outcomes`,
        `has ${spec.outcomes.length} entries but ${name}.r has ${r.length}; they must match`,
      );
    }
    const first = new Map<string, number>();
    labels = spec.outcomes.map((o, i) => {
      if (typeof o !== "string")
        throw new InputError(`${name}.outcomes[${i}]`, `expected a string, got ${show(o)}`);
      const j = first.get(o);
      if (j !== undefined) {
        const detail = `${show(o)} is already ${name}.outcomes[${j}]; labels must be distinct`;
        throw new InputError(`${name}.outcomes[${i}]`, detail, "invalid_model");
      }
      first.set(o, i);
      return o;
    });
  }
  const logw = new Float64Array(r.length);
  if (kind === "logp") {
    values.forEach((v, i) => {
      if (Number.isNaN(v) || v === Number.POSITIVE_INFINITY) {
        throw new InputError(
          `${field}[${i}]`,
          `log-probabilities must be finite or -Infinity, got ${show(v)}`,
        );
      }
      if (v > 1e-12) throw new InputError(`${field}[${i}]`, `log-probabilities must be ≤ 0, got ${show(v)}`);
      logw[i] = v;
    });
  } else {
    const what = kind === "p" ? "probabilities" : "counts";
    values.forEach((v, i) => {
      if (!Number.isFinite(v))
        throw new InputError(`${field}[${i}]`, `${what} must be finite, got ${show(v)}`);
      if (v < 0) throw new InputError(`${field}[${i}]`, `${what} must be ≥ 0, got ${show(v)}`);
      logw[i] = Math.log(v);
    });
  }
  const logTotal = logSumExp(logw);
  if (logTotal === Number.NEGATIVE_INFINITY) {
    throw new InputError(field, "every probability is 0: at least one outcome needs positive probability");
  }
  if (kind === "p" || kind === "logp") {
    const total = Math.exp(logTotal);
    if (Math.abs(total - 1) > SUM_TOLERANCE) {
      throw new InputError(
        field,
        `probabilities sum to ${total} (must be 1 within ${SUM_TOLERANCE}); give unnormalised weights as "counts" instead`,
      );
    }
  }
  const linear = kind === "logp" ? undefined : Float64Array.from(values);
  return modelFromLogWeights(logw, Float64Array.from(r), labels, logTotal, linear);
}

/**
 * Builds a model from log-weights and rewards already known to be valid (finite rewards, weights not
 * all zero). The weights are normalised. For programs that generate models; users go through createModel.
 */
export function modelFromLogWeights(
  logw: Float64Array,
  r: Float64Array,
  labels?: readonly string[],
  logTotal = logSumExp(logw),
  linear?: Float64Array,
): Model {
  const n = r.length;
  let size = 0;
  for (let i = 0; i < n; i++) if (logw[i]! > Number.NEGATIVE_INFINITY) size++;
  const logp = new Float64Array(size);
  const p = new Float64Array(size);
  const rs = new Float64Array(size);
  const support = new Uint32Array(size);
  // Linear weights, when given, give p by one division (0.3 stays 0.3, not exp(log 0.3)).
  const linearTotal = linear ? sum(linear) : 0;
  let rMax = Number.NEGATIVE_INFINITY;
  let rMin = Number.POSITIVE_INFINITY;
  for (let i = 0, j = 0; i < n; i++) {
    if (logw[i]! === Number.NEGATIVE_INFINITY) continue;
    logp[j] = logw[i]! - logTotal;
    p[j] = linear ? linear[i]! / linearTotal : Math.exp(logp[j]!);
    rs[j] = r[i]!;
    support[j] = i;
    if (r[i]! > rMax) rMax = r[i]!;
    if (r[i]! < rMin) rMin = r[i]!;
    j++;
  }
  // log p* from the mass below the top when that is the smaller side, so klMax keeps full relative
  // accuracy when p* is close to 1. Two max-shifted passes, no temporary arrays.
  let maxTop = Number.NEGATIVE_INFINITY;
  let maxBelow = Number.NEGATIVE_INFINITY;
  for (let j = 0; j < size; j++) {
    if (rs[j] === rMax) maxTop = Math.max(maxTop, logp[j]!);
    else maxBelow = Math.max(maxBelow, logp[j]!);
  }
  const top = new NeumaierSum();
  const below = new NeumaierSum();
  for (let j = 0; j < size; j++) {
    if (rs[j] === rMax) top.add(Math.exp(logp[j]! - maxTop));
    else below.add(Math.exp(logp[j]! - maxBelow));
  }
  const logTop = maxTop + Math.log(top.value);
  const logBelow = maxBelow === Number.NEGATIVE_INFINITY ? maxBelow : maxBelow + Math.log(below.value);
  const logPStar = logBelow < -Math.LN2 ? log1mexp(-logBelow) : logTop;
  const mean = new NeumaierSum();
  for (let j = 0; j < size; j++) mean.add(p[j]! * rs[j]!);
  const mu = Math.min(rMax, Math.max(rMin, mean.value));
  const residual = new NeumaierSum();
  const second = new NeumaierSum();
  for (let j = 0; j < size; j++) {
    const dr = rs[j]! - mu;
    residual.add(p[j]! * dr);
    second.add(p[j]! * dr * dr);
  }
  // Labels are materialised only when asked for (10^6 default labels cost more than the model).
  let all: readonly string[] | undefined = labels;
  let onSupport: readonly string[] | undefined;
  const allLabels = () => {
    all ??= Array.from({ length: n }, (_, i) => String(i));
    return all;
  };
  return {
    size,
    logp,
    p,
    r: rs,
    get labels() {
      onSupport ??= Array.from(support, (i) => allLabels()[i]!);
      return onSupport;
    },
    support,
    get allLabels() {
      return allLabels();
    },
    allRewards: r,
    rMax,
    rMin,
    logPStar,
    klMax: logPStar === 0 ? 0 : -logPStar,
    mean: mu,
    variance: Math.max(0, second.value - residual.value * residual.value),
    meanResidual: residual.value,
  };
}

/** True when the reward is constant on the support (then every policy is optimal and λ = 0). */
export function isConstantReward(model: Model): boolean {
  return model.rMax === model.rMin;
}
