import { InputError, show } from "./errors.js";
import { isConstantReward, type Model } from "./model.js";
import { expm1mx } from "./numerics/logspace.js";
import { goldenSectionMin } from "./numerics/minimize.js";
import { newtonBracketed } from "./numerics/roots.js";
import { NeumaierSum } from "./numerics/sum.js";

/**
 * The exponential tilt φ_λ(y) = p(y) e^{λ r(y) − Λ(λ)} and the KL-constrained optimum (MATH §1).
 *
 * Numerics: Λ, E_φ r and d(λ) = KL(φ_λ‖p) = λΛ'(λ) − Λ(λ) are computed relative to a centre c, as
 * L = log E_p e^{λ(r−c)} and m = E_φ(r − c), so d = λm − L never carries the large λc terms.
 * - c = E_p r for moderate λ: L = log1p(λ e₀ + Σ p expm1mx(λ(r−c))), a sum of non-negative terms, so
 *   d keeps full relative accuracy down to d ≈ λ²Var(r)/2 → 0 (cancellation at most a factor 2).
 * - c = r_max for large λ (when e^{λ(r_max − E_p r)} would overflow): a max-shifted log-sum-exp.
 * When the first form cancels badly (λ|m| or |L| over 1000 d) both are computed and the better kept.
 */

/** One point of the tilt family. */
export interface TiltPoint {
  readonly lambda: number;
  /** Λ(λ) (+∞ or −∞ only at λ = ∞ with r_max ≠ 0). */
  readonly logPartition: number;
  /** Λ(λ) − λ E_p r, exact to rounding even for tiny λ. */
  readonly logPartitionCentered: number;
  /** E_{φ_λ} r = Λ'(λ). */
  readonly reward: number;
  /** KL(φ_λ ‖ p) = d(λ). */
  readonly kl: number;
  /** Var_{φ_λ} r = Λ''(λ) (one-pass value, for derivatives; `cumulants` gives the two-pass one). */
  readonly variance: number;
  readonly saturated: boolean;
  /** Centre c and L = log E_p e^{λ(r−c)}, so log φ_λ(y) = log p(y) + λ(r(y) − c) − L. */
  readonly center: number;
  readonly centeredLog: number;
}

interface Stats {
  center: number;
  L: number;
  m: number;
  m2: number;
  d: number;
  cond: number;
}

function statsAtMean(model: Model, lambda: number): Stats {
  const c = model.mean;
  const T = new NeumaierSum();
  const M1 = new NeumaierSum();
  T.add(lambda * model.meanResidual);
  let m2 = 0;
  const { p, r } = model;
  for (let i = 0; i < model.size; i++) {
    const dr = r[i]! - c;
    const x = lambda * dr;
    const e = Math.expm1(x);
    const pi = p[i]!;
    T.add(pi * (Math.abs(x) < 0.5 ? expm1mx(x) : e - x));
    M1.add(pi * dr * e);
    m2 += pi * dr * dr * (1 + e);
  }
  const t = T.value;
  const L = Math.log1p(t);
  const m = (model.meanResidual + M1.value) / (1 + t);
  const d = lambda * m - L;
  return {
    center: c,
    L,
    m,
    m2: m2 / (1 + t),
    d,
    cond: Math.max(Math.abs(lambda * m), Math.abs(L)) / Math.abs(d),
  };
}

function statsAtMax(model: Model, lambda: number): Stats {
  const c = model.rMax;
  const { logp, p, r } = model;
  let mx = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < model.size; i++) {
    const a = logp[i]! + lambda * (r[i]! - c);
    if (a > mx) mx = a;
  }
  const S = new NeumaierSum();
  const M1 = new NeumaierSum();
  let m2 = 0;
  // Every exponent is ≤ 0; when p itself is not tiny, p·e^{λ(r−c)} saves the log p addition.
  const shift = Math.exp(-mx);
  const direct = mx > -600;
  for (let i = 0; i < model.size; i++) {
    const dr = r[i]! - c;
    const w = direct ? p[i]! * Math.exp(lambda * dr) * shift : Math.exp(logp[i]! + lambda * dr - mx);
    S.add(w);
    M1.add(w * dr);
    m2 += w * dr * dr;
  }
  const s = S.value;
  const L = mx + Math.log(s);
  const m = M1.value / s;
  const d = lambda * m - L;
  return { center: c, L, m, m2: m2 / s, d, cond: Math.max(Math.abs(lambda * m), Math.abs(L)) / Math.abs(d) };
}

/** Largest λ(r_max − E_p r) for which the mean-centred form cannot overflow. */
const MEAN_CENTRED_LIMIT = 700;

function stats(model: Model, lambda: number): Stats {
  if (lambda * (model.rMax - model.mean) > MEAN_CENTRED_LIMIT) return statsAtMax(model, lambda);
  const a = statsAtMean(model, lambda);
  if (!(a.cond > 1e3)) return a;
  const b = statsAtMax(model, lambda);
  return b.cond < a.cond ? b : a;
}

function checkLambda(lambda: number, field: string): void {
  if (Number.isNaN(lambda) || lambda < 0) {
    throw new InputError(
      field,
      `λ must be a number ≥ 0 (Infinity for the saturated limit), got ${show(lambda)}`,
    );
  }
}

/** The saturated limit λ = ∞: p conditioned on r = r_max. */
export function saturatedPoint(model: Model): TiltPoint {
  const logPartition =
    model.rMax > 0 ? Number.POSITIVE_INFINITY : model.rMax < 0 ? Number.NEGATIVE_INFINITY : model.logPStar;
  return {
    lambda: Number.POSITIVE_INFINITY,
    logPartition,
    logPartitionCentered: model.rMax > model.mean ? Number.POSITIVE_INFINITY : model.logPStar,
    reward: model.rMax,
    kl: model.klMax,
    variance: 0,
    saturated: true,
    center: model.rMax,
    centeredLog: model.logPStar,
  };
}

/** φ_λ summarised: Λ(λ), E r, KL(φ_λ‖p), Var r, for λ ∈ [0, ∞]. One or two passes over the outcomes. */
export function tiltAt(model: Model, lambda: number, field = "lambda"): TiltPoint {
  checkLambda(lambda, field);
  if (lambda === Number.POSITIVE_INFINITY) return saturatedPoint(model);
  if (lambda === 0 || isConstantReward(model)) {
    return {
      lambda,
      logPartition: lambda * model.rMax,
      logPartitionCentered: 0,
      reward: lambda === 0 ? model.mean : model.rMax,
      kl: 0,
      variance: lambda === 0 ? model.variance : 0,
      saturated: false,
      center: model.mean,
      centeredLog: 0,
    };
  }
  const s = stats(model, lambda);
  const reward = Math.min(model.rMax, Math.max(model.mean, s.center + s.m));
  return {
    lambda,
    logPartition: lambda * s.center + s.L,
    logPartitionCentered: s.L + lambda * (s.center - model.mean),
    reward,
    kl: Math.min(model.klMax, Math.max(0, s.d)),
    variance: Math.max(0, s.m2 - s.m * s.m),
    saturated: false,
    center: s.center,
    centeredLog: s.L,
  };
}

/** Λ(λ) = log Σ p e^{λ r}. */
export function logPartition(model: Model, lambda: number): number {
  return tiltAt(model, lambda).logPartition;
}

/** log φ_λ on the support; λ = ∞ gives p(·|r = r_max). */
export function tiltLogProbs(model: Model, point: TiltPoint): Float64Array {
  const out = new Float64Array(model.size);
  for (let i = 0; i < model.size; i++) {
    if (point.saturated)
      out[i] = model.r[i] === model.rMax ? model.logp[i]! - model.logPStar : Number.NEGATIVE_INFINITY;
    else out[i] = model.logp[i]! + point.lambda * (model.r[i]! - point.center) - point.centeredLog;
  }
  return out;
}

/**
 * The first four cumulants of r under φ_λ (mean, variance, third cumulant, fourth cumulant), from the
 * normalised weights with two passes (central moments about the computed mean).
 */
export function cumulants(model: Model, point: TiltPoint): [number, number, number, number] {
  const logphi = tiltLogProbs(model, point);
  const c = point.center;
  const m = new NeumaierSum();
  const w = new Float64Array(model.size);
  for (let i = 0; i < model.size; i++) {
    w[i] = Math.exp(logphi[i]!);
    m.add(w[i]! * (model.r[i]! - c));
  }
  const mean = m.value;
  const m2 = new NeumaierSum();
  const m3 = new NeumaierSum();
  const m4 = new NeumaierSum();
  for (let i = 0; i < model.size; i++) {
    const dr = model.r[i]! - c - mean;
    const wd2 = w[i]! * dr * dr;
    m2.add(wd2);
    m3.add(wd2 * dr);
    m4.add(wd2 * dr * dr);
  }
  const v = m2.value;
  const k1 = Math.min(model.rMax, Math.max(model.rMin, c + mean));
  return [k1, v, m3.value, m4.value - 3 * v * v];
}

/** λ for a KL budget Δ: the root of d(λ) = Δ (MATH §1), or λ = ∞ when Δ ≥ log(1/p*) (saturated). */
export interface LambdaSolution {
  readonly lambda: number;
  readonly saturated: boolean;
  readonly iterations: number;
}

export function checkKl(delta: number, field = "kl"): void {
  if (Number.isNaN(delta) || delta < 0) {
    throw new InputError(field, `the KL budget must be a number ≥ 0 (nats), got ${show(delta)}`);
  }
}

export function lambdaForKl(model: Model, delta: number, field = "kl"): LambdaSolution {
  checkKl(delta, field);
  if (isConstantReward(model) || delta === 0) return { lambda: 0, saturated: false, iterations: 0 };
  if (delta >= model.klMax) return { lambda: Number.POSITIVE_INFINITY, saturated: true, iterations: 0 };
  const sigma = Math.sqrt(model.variance) || model.rMax - model.rMin;
  const guess = Math.sqrt(2 * delta) / sigma;
  let lo = 0;
  let hi = guess;
  let iterations = 0;
  // Expand the bracket geometrically: d is increasing, d(0) = 0 < Δ < d(∞) = log(1/p*).
  while (tiltAt(model, hi).kl < delta) {
    lo = hi;
    hi *= 4;
    iterations++;
    if (!Number.isFinite(hi)) {
      // Δ is below log(1/p*) by less than d can resolve: the optimum is the saturated one to rounding.
      return { lambda: Number.POSITIVE_INFINITY, saturated: true, iterations };
    }
  }
  const res = newtonBracketed(
    (lambda) => {
      const t = tiltAt(model, lambda);
      return { f: t.kl - delta, df: lambda * t.variance };
    },
    lo,
    hi,
    Math.min(Math.max(guess, lo), hi),
  );
  return { lambda: res.x, saturated: false, iterations: iterations + res.iterations };
}

/** The optimal reward V(Δ) = max{E_q r : KL(q‖p) ≤ Δ} = Λ'(λ_Δ); r_max when saturated. */
export function optimalReward(model: Model, delta: number): number {
  const sol = lambdaForKl(model, delta);
  return tiltAt(model, sol.lambda).reward;
}

/**
 * V(Δ) through the dual formula V(Δ) = inf_{λ>0} (Δ + Λ(λ))/λ, minimised directly by golden-section
 * search over log λ (the objective is unimodal: its derivative has the sign of d(λ) − Δ). Independent
 * of the root finder, so it cross-checks it.
 */
export function optimalRewardDual(model: Model, delta: number): number {
  checkKl(delta);
  if (isConstantReward(model)) return model.rMax;
  if (delta >= model.klMax) return model.rMax;
  if (delta === 0) return model.mean;
  const objective = (s: number) => {
    const lambda = Math.exp(s);
    return (delta + tiltAt(model, lambda).logPartitionCentered) / lambda;
  };
  const sigma = Math.sqrt(model.variance);
  let s = Math.log(Math.sqrt(2 * delta) / sigma);
  // Walk to a bracket [s − 2, s + 2] around the minimum.
  let f0 = objective(s);
  for (let k = 0; k < 2000; k++) {
    const up = objective(s + 1);
    const down = objective(s - 1);
    if (up < f0) {
      s += 1;
      f0 = up;
    } else if (down < f0) {
      s -= 1;
      f0 = down;
    } else break;
  }
  const best = goldenSectionMin(objective, s - 2, s + 2);
  return Math.min(model.rMax, model.mean + best.fx);
}
