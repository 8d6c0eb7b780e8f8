import { InputError, show } from "../errors.js";
import { isConstantReward, type Model, modelFromLogWeights } from "../model.js";
import { logSumExp } from "../numerics/logspace.js";
import { goldenSectionMin } from "../numerics/minimize.js";
import { newtonBracketed } from "../numerics/roots.js";
import { saturatedPoint, type TiltPoint, tiltAt } from "../tilt.js";

/**
 * Cramér's rate function of the reward under a model (MATH §4): I_p(x) = sup_s [s x − Λ(s)] over real s.
 * At the root s of Λ'(s) = x it equals d(s) = KL(φ_s ‖ p), which tiltAt computes from sums of
 * non-negative terms. For s < 0 the tilt of p is the tilt at −s of the reflected model (rewards −r):
 * same φ_s, same KL. The LDP under the optimum (optimum.ts) is this rate for the model (φ_{λ*}, r).
 */

/** A model with its reflection (rewards −r), so that tilts at negative s are tilts at −s ≥ 0. */
export interface Reflected {
  readonly model: Model;
  readonly minus: Model;
}

const reflections = new WeakMap<Model, Model>();

/** The model with its reflection, made once per model. */
export function reflect(model: Model): Reflected {
  let minus = reflections.get(model);
  if (!minus) {
    const r = new Float64Array(model.size);
    for (let i = 0; i < model.size; i++) r[i] = -model.r[i]!;
    minus = modelFromLogWeights(model.logp, r, undefined, undefined, model.p);
    reflections.set(model, minus);
  }
  return { model, minus };
}

/** Refuses a reward value that is not a number (±∞ are values: outside the range, the rate is +∞). */
export function checkX(x: number, field: string): void {
  if (Number.isNaN(x) || typeof x !== "number") {
    throw new InputError(field, `expected a reward value (a number), got ${show(x)}`, "invalid_number");
  }
}

/** The Legendre optimiser: the signed tilt s with Λ'(s) = x (±∞ at the ends) and the tilt there. */
export interface RateSolution {
  readonly value: number;
  /** Signed s; NaN outside [r_min, r_max]. */
  readonly s: number;
  /** The tilt of `on` at |s| (undefined outside the domain). */
  readonly point: TiltPoint | undefined;
  /** The model tilted: the model itself for s ≥ 0, the reflection for s < 0. */
  readonly on: Model;
}

/**
 * The root s ≥ 0 of Λ'(s) = x for mean < x < r_max (Newton inside a geometric bracket, as lambdaForKl),
 * and I = d(s) + s(x − Λ'(s)): the Legendre objective at the computed s, exact to second order in its error.
 */
function solveUpper(model: Model, x: number): RateSolution {
  const seen = new Map<number, TiltPoint>();
  const at = (s: number): TiltPoint => {
    let t = seen.get(s);
    if (!t) {
      t = tiltAt(model, s);
      seen.set(s, t);
    }
    return t;
  };
  const sigma2 = model.variance || (model.rMax - model.rMin) ** 2;
  const guess = (x - model.mean) / sigma2;
  let lo = 0;
  let hi = Number.isFinite(guess) && guess > 0 ? guess : 1;
  while (at(hi).reward < x) {
    lo = hi;
    hi *= 4;
    if (!Number.isFinite(hi))
      return { value: model.klMax, s: Infinity, point: saturatedPoint(model), on: model };
  }
  while (lo === 0) {
    const mid = hi / 4;
    if (mid === 0) break;
    if (at(mid).reward < x) lo = mid;
    else hi = mid;
  }
  const res = newtonBracketed(
    (s) => {
      const t = at(s);
      return { f: t.reward - x, df: t.variance };
    },
    lo,
    hi,
    Math.min(Math.max(guess, lo), hi),
  );
  const point = at(res.x);
  const value = Math.min(model.klMax, Math.max(0, point.kl + res.x * (x - point.reward)));
  return { value, s: res.x, point, on: model };
}

/** I at x with its Legendre optimiser: +∞ outside [r_min, r_max], the saturated tilts at the ends. */
export function solveRate(ref: Reflected, x: number): RateSolution {
  const { model, minus } = ref;
  if (!(x >= model.rMin && x <= model.rMax)) {
    return { value: Number.POSITIVE_INFINITY, s: Number.NaN, point: undefined, on: model };
  }
  if (isConstantReward(model) || x === model.mean)
    return { value: 0, s: 0, point: tiltAt(model, 0), on: model };
  if (x === model.rMax) return { value: model.klMax, s: Infinity, point: saturatedPoint(model), on: model };
  if (x === model.rMin) return { value: minus.klMax, s: -Infinity, point: saturatedPoint(minus), on: minus };
  if (x > model.mean) return solveUpper(model, x);
  const down = solveUpper(minus, -x);
  return { ...down, s: -down.s };
}

/**
 * Cramér's rate function of the reward under p (MATH §4): I_p(x) = sup_s [s x − Λ(s)]. Finite on
 * [r_min, r_max] with I_p(E_p r) = 0, I_p(r_max) = log(1/p*), I_p(r_min) = log(1/p(r = r_min)); +∞ outside.
 */
export function rateFunction(model: Model, x: number): number {
  checkX(x, "x");
  return solveRate(reflect(model), x).value;
}

/**
 * The Legendre optimiser of I_p at x: I_p(x), the signed tilt s with Λ'(s) = x, and the tilt there
 * (of the model for s ≥ 0, of its reflection, rewards −r, for s < 0). Used by the saddlepoint tails.
 */
export function cramerSolution(model: Model, x: number): RateSolution {
  checkX(x, "x");
  return solveRate(reflect(model), x);
}

/** The model with rewards −r (cached): lower tails of S_n are upper tails of its sum. */
export function reflectedModel(model: Model): Model {
  return reflect(model).minus;
}

/** Λ of a model at any real s, through the reflection for s < 0. */
export function logPartitionAt(ref: Reflected, s: number): number {
  return s >= 0 ? tiltAt(ref.model, s).logPartition : tiltAt(ref.minus, -s).logPartition;
}

/** Γ(t) − t·mean of the tilted model, i.e. its centred log-partition, at any real t. */
function centredGamma(ref: Reflected, t: number): number {
  return t >= 0 ? tiltAt(ref.model, t).logPartitionCentered : tiltAt(ref.minus, -t).logPartitionCentered;
}

/**
 * sup_t [t x − Γ(t)] with Γ the log-partition of (φ, r): the objective t(x − μ_φ) − Γ_c(t) is concave;
 * walk to a bracket with doubling steps, then golden-section. At the ends the supremum is a limit,
 * taken at |t| where the other levels' share of the partition sum is below e^{−40} (gap: end spacing).
 */
export function legendre(ref: Reflected, x: number): number {
  const q = ref.model;
  if (!(x >= q.rMin && x <= q.rMax)) return Number.POSITIVE_INFINITY;
  if (isConstantReward(q)) return x === q.rMax ? 0 : Number.POSITIVE_INFINITY;
  const g = (t: number) => t * (x - q.mean) - centredGamma(ref, t);
  if (x === q.rMax || x === q.rMin) {
    const sign = x === q.rMax ? 1 : -1;
    let gap = Number.POSITIVE_INFINITY;
    for (let i = 0; i < q.size; i++) {
      const d = Math.abs(q.r[i]! - x);
      if (d > 0 && d < gap) gap = d;
    }
    // Σ_{y not at the end} φ(y) e^{−t·gap}/φ(end) < e^{−40}: below rounding. The objective is evaluated
    // as t x − Γ(t) = −log Σ φ e^{t(r − x)}, where the end's own terms have exponent exactly 0.
    const t = (sign * (40 + (sign > 0 ? q.klMax : ref.minus.klMax))) / gap;
    const terms = Float64Array.from(q.logp, (lp, i) => lp + t * (q.r[i]! - x));
    return Math.max(0, -logSumExp(terms));
  }
  const h0 = 1 / (Math.sqrt(q.variance) || q.rMax - q.rMin);
  const dir = g(h0) > g(0) ? 1 : g(-h0) > g(0) ? -1 : 0;
  let a = -h0;
  let b = h0;
  if (dir !== 0) {
    let prev = 0;
    let cur = dir * h0;
    let step = h0;
    let fcur = g(cur);
    for (let k = 0; k < 2000; k++) {
      step *= 2;
      const next = cur + dir * step;
      const fnext = g(next);
      if (!(fnext > fcur)) {
        a = Math.min(prev, next);
        b = Math.max(prev, next);
        break;
      }
      prev = cur;
      cur = next;
      fcur = fnext;
    }
  }
  const best = goldenSectionMin((t) => -g(t), a, b, 400);
  return Math.max(0, -best.fx);
}
