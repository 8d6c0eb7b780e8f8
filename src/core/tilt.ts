import { InputError, show } from "./errors.js";
import { isConstantReward, type Model } from "./model.js";
import { expFast } from "./numerics/fastExp.js";
import { expm1mxSeries } from "./numerics/logspace.js";
import { goldenSectionMin } from "./numerics/minimize.js";
import { newtonBracketed } from "./numerics/roots.js";
import { NeumaierSum } from "./numerics/sum.js";
import { maxCentredResult, meanCentredResult } from "./numerics/tiltSums.js";

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

/**
 * Every sum below has terms of one sign (e^x − 1 − x ≥ 0, (r−c)(e^{λ(r−c)} − 1) ≥ 0, and for the max
 * centre all r − c ≤ 0), so nothing cancels: blocks of BLOCK terms are summed plainly and the block sums
 * with compensation, which bounds the relative error by about (BLOCK + n/BLOCK)·ε at a plain loop's speed.
 */
const BLOCK = 512;

function statsAtMean(model: Model, lambda: number): Stats {
  const c = model.mean;
  const T = new NeumaierSum();
  const M1 = new NeumaierSum();
  const M2 = new NeumaierSum();
  T.add(lambda * model.meanResidual);
  const { p, r } = model;
  const n = model.size;
  for (let start = 0; start < n; start += BLOCK) {
    const end = Math.min(n, start + BLOCK);
    let t = 0;
    let m1 = 0;
    let m2 = 0;
    for (let i = start; i < end; i++) {
      const dr = r[i]! - c;
      const x = lambda * dr;
      // e = e^x − 1 and emx = e^x − 1 − x, each to full relative accuracy: one exp, or near 0 the series.
      let e: number;
      let emx: number;
      if (x > -0.5 && x < 0.5) {
        emx = expm1mxSeries(x);
        e = x + emx;
      } else {
        e = expFast(x) - 1;
        emx = e - x;
      }
      const pi = p[i]!;
      t += pi * emx;
      m1 += pi * dr * e;
      m2 += pi * dr * dr * (1 + e);
    }
    T.add(t);
    M1.add(m1);
    M2.add(m2);
  }
  return {
    center: c,
    ...meanCentredResult(lambda, model.meanResidual, T.value, M1.value, M2.value),
  };
}

function statsAtMax(model: Model, lambda: number): Stats {
  const c = model.rMax;
  const { logp, p, r } = model;
  const n = model.size;
  let mx = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n; i++) {
    const a = logp[i]! + lambda * (r[i]! - c);
    if (a > mx) mx = a;
  }
  const S = new NeumaierSum();
  const M1 = new NeumaierSum();
  const M2 = new NeumaierSum();
  // Every exponent is ≤ 0; when p itself is not tiny, p·e^{λ(r−c)} saves the log p addition.
  const shift = Math.exp(-mx);
  const direct = mx > -600;
  for (let start = 0; start < n; start += BLOCK) {
    const end = Math.min(n, start + BLOCK);
    let s0 = 0;
    let m1 = 0;
    let m2 = 0;
    for (let i = start; i < end; i++) {
      const dr = r[i]! - c;
      const w = direct ? p[i]! * expFast(lambda * dr) * shift : expFast(logp[i]! + lambda * dr - mx);
      s0 += w;
      m1 += w * dr;
      m2 += w * dr * dr;
    }
    S.add(s0);
    M1.add(m1);
    M2.add(m2);
  }
  return {
    center: c,
    ...maxCentredResult(lambda, mx, S.value, M1.value, M2.value),
  };
}

/** Largest λ(r_max − E_p r) for which the mean-centred form cannot overflow. */
const MEAN_CENTRED_LIMIT = 700;

function stats(model: Model, lambda: number): Stats {
  if (lambda * (model.rMax - model.mean) > MEAN_CENTRED_LIMIT) return statsAtMax(model, lambda);
  const a = statsAtMean(model, lambda);
  // p·(r − c)·e^{λ(r−c)} overflows near the limit when |r − c| is large: then only the max form is usable.
  const finite = Number.isFinite(a.d) && Number.isFinite(a.m) && Number.isFinite(a.m2);
  if (finite && !(a.cond > 1e3)) return a;
  const b = statsAtMax(model, lambda);
  return !finite || b.cond < a.cond ? b : a;
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
  /** Passes over the outcomes (evaluations of the tilt) the solve took. */
  readonly iterations: number;
  /** The tilt at the solution. */
  readonly point: TiltPoint;
}

/** Throws an InputError on `field` unless Δ is a number ≥ 0 (Infinity allowed: it saturates). */
export function checkKl(delta: number, field = "kl"): void {
  if (Number.isNaN(delta) || delta < 0) {
    throw new InputError(field, `the KL budget must be a number ≥ 0 (nats), got ${show(delta)}`);
  }
}

/**
 * The optimum for a KL budget Δ ≥ 0 (nats): λ_Δ solving d(λ) = KL(φ_λ‖p) = Δ (MATH §1) by Newton's
 * method kept in a bracket, to a relative step of 4ε in λ on the computed d. Δ = 0 or a constant reward
 * gives λ = 0; Δ ≥ log(1/p*), or a Δ closer to it than d can resolve, gives the saturated optimum
 * (λ = Infinity). Throws InputError on `field` for a negative or NaN Δ.
 */
export function lambdaForKl(model: Model, delta: number, field = "kl"): LambdaSolution {
  checkKl(delta, field);
  const saturated = (iterations: number): LambdaSolution => ({
    lambda: Number.POSITIVE_INFINITY,
    saturated: true,
    iterations,
    point: saturatedPoint(model),
  });
  if (isConstantReward(model) || delta === 0) {
    return { lambda: 0, saturated: false, iterations: 0, point: tiltAt(model, 0) };
  }
  if (delta >= model.klMax) return saturated(0);
  const sigma = Math.sqrt(model.variance) || model.rMax - model.rMin;
  const guess = Math.sqrt(2 * delta) / sigma;
  // A reward spread so small that λ_Δ is beyond the largest double: saturated to rounding.
  if (!Number.isFinite(guess)) return saturated(0);
  // Each evaluation is a pass over the outcomes: remember them (the bracket search and Newton share points).
  const seen = new Map<number, TiltPoint>();
  const at = (lambda: number): TiltPoint => {
    let t = seen.get(lambda);
    if (!t) {
      t = tiltAt(model, lambda);
      seen.set(lambda, t);
    }
    return t;
  };
  let lo = 0;
  let hi = guess;
  // Expand the bracket geometrically: d is increasing, d(0) = 0 < Δ < d(∞) = log(1/p*).
  while (at(hi).kl < delta) {
    lo = hi;
    hi *= 4;
    // Δ is below log(1/p*) by less than d can resolve: the optimum is the saturated one to rounding.
    if (!Number.isFinite(hi)) return saturated(seen.size);
  }
  // Shrink it the same way when the guess overshoots (σ of p says little about λ_Δ when p is very skewed),
  // so that lo > 0 and the bracket closes geometrically instead of by halving down from a huge guess.
  while (lo === 0) {
    const mid = hi / 4;
    if (mid === 0) break;
    if (at(mid).kl < delta) lo = mid;
    else hi = mid;
  }
  const res = newtonBracketed(
    (lambda) => {
      const t = at(lambda);
      return { f: t.kl - delta, df: lambda * t.variance };
    },
    lo,
    hi,
    Math.min(Math.max(guess, lo), hi),
  );
  return { lambda: res.x, saturated: false, iterations: seen.size, point: at(res.x) };
}

/** The optimal reward V(Δ) = max{E_q r : KL(q‖p) ≤ Δ} = Λ'(λ_Δ); r_max when saturated. */
export function optimalReward(model: Model, delta: number): number {
  return lambdaForKl(model, delta).point.reward;
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
    // λ = ∞ (e^s overflows): the limit of (Δ + Λ(λ) − λμ)/λ is r_max − μ.
    if (lambda === Number.POSITIVE_INFINITY) return model.rMax - model.mean;
    return (delta + tiltAt(model, lambda).logPartitionCentered) / lambda;
  };
  // The variance underflows to 0 for a non-constant reward with a spread below ~1e-154.
  const sigma = Math.sqrt(model.variance) || model.rMax - model.rMin;
  let s = 0.5 * Math.log(2 * delta) - Math.log(sigma);
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
