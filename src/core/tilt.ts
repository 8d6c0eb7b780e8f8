import { InputError, show } from "./errors.js";
import { isConstantReward, type Model } from "./model.js";
import { coarseBins, coarseLambda } from "./numerics/coarseBins.js";
import { goldenSectionMin } from "./numerics/minimize.js";
import { NeumaierSum } from "./numerics/sum.js";
import {
  addEmxForm,
  addExpForm,
  chooseForm,
  emxFormResult,
  expFormResult,
  type Frame,
  modeIndex,
  spanScale,
  TiltAcc,
  type TiltSums,
} from "./numerics/tiltSums.js";

/**
 * The exponential tilt φ_λ(y) = p(y) e^{λ r(y) − Λ(λ)} and the KL-constrained optimum (MATH §1).
 *
 * Numerics: Λ, E_φ r and d(λ) = KL(φ_λ‖p) = λΛ'(λ) − Λ(λ) are computed relative to a centre c, as
 * L = log E_p e^{λ(r−c)} and m = E_φ(r − c), so d = λm − L never carries the large λc terms; the sums
 * are numerics/tiltSums.ts's, one pass over the outcomes in one of three forms:
 * - c = E_p r with the weights p e^{λ(r−c)} (exp form) for moderate λ and d;
 * - c = E_p r with e^x − 1 − x summed to full relative accuracy (emx form) when d is small: then d
 *   keeps its relative accuracy down to d ≈ λ²Var(r)/2 → 0 (the exp form's error is ε/d relative);
 * - c = the mode of φ_λ, with log-domain weights (log form), when e^{λ(r_max − E_p r)} would overflow.
 * When the mean-centred result cancels badly (λ|m| or |L| over 1000 d) the log form is computed too and
 * the better kept.
 */

/** One point of the tilt family. */
export interface TiltPoint {
  readonly lambda: number;
  /** Λ(λ) (+∞ or −∞ only at λ = ∞ with r_max ≠ 0, or where λ·r_max overflows). */
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

/** A pass's result: the sums in units of s (numerics/tiltSums.ts) and the frame they were taken in. */
interface Pass {
  readonly frame: Frame;
  readonly scale: number;
  readonly sums: TiltSums;
}

function frame(center: number, scale: number, lambda: number): Frame {
  return { center, invScale: 1 / scale, lambdaScaled: lambda * scale };
}

function expPass(model: Model, lambda: number, scale: number): Pass {
  const f = frame(model.mean, scale, lambda);
  const acc = new TiltAcc();
  addExpForm(model.r, model.p, 0, model.size, f, acc);
  return { frame: f, scale, sums: expFormResult(f.lambdaScaled, 0, acc) };
}

function emxPass(model: Model, lambda: number, scale: number): Pass {
  const f = frame(model.mean, scale, lambda);
  const acc = new TiltAcc();
  addEmxForm(model.r, model.p, 0, model.size, f, acc);
  return { frame: f, scale, sums: emxFormResult(f.lambdaScaled, model.meanResidual * f.invScale, acc) };
}

/** Centred at the mode y* of φ_λ: L = log p(y*) + log Σ e^{log p − log p(y*) + λ(r − r(y*))}. */
function logPass(model: Model, lambda: number, scale: number): Pass {
  const k = modeIndex(model.r, model.logp, 0, model.size, model.rMax, lambda);
  const f = frame(model.r[k]!, scale, lambda);
  const logRef = model.logp[k]!;
  const acc = new TiltAcc();
  addExpForm(model.r, model.logp, 0, model.size, f, acc, logRef);
  return { frame: f, scale, sums: expFormResult(f.lambdaScaled, logRef, acc) };
}

/** One pass at 0 < λ < ∞ in the form that suits it (numerics/tiltSums.ts's chooseForm). */
function pass(model: Model, lambda: number, scale: number): Pass {
  return chooseForm(lambda, model.rMax - model.mean, model.variance, {
    exp: () => expPass(model, lambda, scale),
    emx: () => emxPass(model, lambda, scale),
    log: () => logPass(model, lambda, scale),
    sums: (p) => p.sums,
  });
}

/** The point of the tilt at λ from a pass's L, m, κ₂ and d (in units of s). */
function pointOf(
  model: Model,
  lambda: number,
  f: Frame,
  scale: number,
  s: { L: number; m: number; k2: number; d: number },
): TiltPoint {
  const c = f.center;
  return {
    lambda,
    logPartition: lambda * c + s.L,
    logPartitionCentered: s.L + lambda * (c - model.mean),
    reward: Math.min(model.rMax, Math.max(model.mean, c + scale * s.m)),
    kl: Math.min(model.klMax, Math.max(0, s.d)),
    variance: Math.max(0, scale * scale * s.k2),
    saturated: false,
    center: c,
    centeredLog: s.L,
  };
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

/**
 * A finite λ so large that λs overflows (s ≥ the reward span): every gap between reward levels, at
 * least one ulp of r_max, is then over 1e290/λ, so φ_λ is p(·|r = r_max) in doubles.
 */
function farPoint(model: Model, lambda: number): TiltPoint {
  return {
    ...saturatedPoint(model),
    lambda,
    logPartition: lambda * model.rMax + model.logPStar,
    logPartitionCentered: lambda * (model.rMax - model.mean) + model.logPStar,
    saturated: false,
  };
}

/** The pass behind tiltAt(model, λ) for 0 < λ < ∞ and a non-constant reward, or farPoint's case. */
function evaluate(model: Model, lambda: number): { point: TiltPoint; pass?: Pass } {
  const scale = spanScale(model.rMax - model.rMin);
  if (!Number.isFinite(lambda * scale)) return { point: farPoint(model, lambda) };
  const p = pass(model, lambda, scale);
  return { point: pointOf(model, lambda, p.frame, p.scale, p.sums), pass: p };
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
  return evaluate(model, lambda).point;
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
 * normalised weights with two passes (central moments about the computed mean). They are computed for
 * z = (r − c)/w with w = r_max − r_min, so |z| ≤ 1 and nothing overflows, and scaled back as
 * κ_k(r) = w^k κ_k(z): a cumulant beyond the largest double (rewards near 1e150 have κ₃ near 1e450)
 * is then ±Infinity with its sign, never NaN.
 */
export function cumulants(model: Model, point: TiltPoint): [number, number, number, number] {
  if (isConstantReward(model)) return [model.rMax, 0, 0, 0];
  const logphi = tiltLogProbs(model, point);
  const c = point.center;
  const w = model.rMax - model.rMin;
  const z = new Float64Array(model.size);
  const weights = new Float64Array(model.size);
  const m = new NeumaierSum();
  for (let i = 0; i < model.size; i++) {
    weights[i] = Math.exp(logphi[i]!);
    z[i] = (model.r[i]! - c) / w;
    m.add(weights[i]! * z[i]!);
  }
  const mean = m.value;
  const m2 = new NeumaierSum();
  const m3 = new NeumaierSum();
  const m4 = new NeumaierSum();
  for (let i = 0; i < model.size; i++) {
    const dz = z[i]! - mean;
    const wd2 = weights[i]! * dz * dz;
    m2.add(wd2);
    m3.add(wd2 * dz);
    m4.add(wd2 * dz * dz);
  }
  const v = m2.value;
  const k1 = Math.min(model.rMax, Math.max(model.rMin, c + w * mean));
  // Multiplied by w one factor at a time: finite or ±Infinity, and 0 stays 0 (w is finite and > 0).
  const scaled = (x: number, k: number) => {
    for (let j = 0; j < k; j++) x *= w;
    return x;
  };
  return [k1, scaled(v, 2), scaled(m3.value, 3), scaled(m4.value - 3 * v * v, 4)];
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

/** Models at least this large get a first guess for λ from coarse reward bins (numerics/coarseBins.ts). */
const COARSE_MIN_SIZE = 8192;
/**
 * Below this budget the bins' d = λm − L has cancelled too far to help, and √(2Δ)/σ is within O(√Δ)
 * of λ_Δ: one pass's Taylor step is then exact already (its truncation shrinks like λ²).
 */
const COARSE_MIN_KL = 1e-6;
const coarseCache = new WeakMap<Model, ReturnType<typeof coarseBins>>();

/** At most this many passes (the bracket closes geometrically long before). */
const MAX_PASSES = 400;

/**
 * The optimum for a KL budget Δ ≥ 0 (nats): λ_Δ with d(λ_Δ) = KL(φ_λ‖p) = Δ, and φ_{λ_Δ}. Throws
 * InputError on `field` for a negative or NaN Δ.
 *
 * Saturated (λ = ∞, MATH §1) when Δ ≥ log(1/p*), and so for a constant reward at every Δ ≥ 0:
 * there log(1/p*) = 0, every policy has the same reward, and p = p(·|Y*) is the optimum of least KL,
 * which is what the saturated point describes (reward r_max, KL log(1/p*) = 0, λ not determined). This
 * keeps one rule for every model: `saturated` ⇔ Δ ≥ log(1/p*), and otherwise KL(φ) = Δ.
 *
 * Method: a first guess from the model's coarse reward bins (for large models; else √(2Δ)/σ), then
 * passes over the outcomes, each giving d and the cumulants κ₂…κ₄ at its λ. From a pass, the cubic
 * Taylor polynomial of d around λ gives the step to the root; when the step is so small that the
 * polynomial's truncation (bounded through |κ₄|, |κ₅| ≤ the span's powers) is below 2^−56 of every
 * result, the point at the root is that pass's expansion and no further pass is made. Otherwise the
 * step (kept inside the bracket the passes have found) gives the next pass. Typically one pass.
 *
 * Accuracy: |KL(φ_λ‖p) − Δ| ≤ 1e-12·max(1, Δ) + λ²Var_φ(r)·2ε. The second term is the grid of λ: one
 * step between adjacent doubles moves d by d'(λ)·ulp(λ) ≤ λ²Var_φ(r)·2ε, so no double λ does better than
 * half of it; it exceeds the first only when λ²Var_φ is over ~2000 (e.g. p* below e^{−10^4}).
 */
export function lambdaForKl(model: Model, delta: number, field = "kl"): LambdaSolution {
  checkKl(delta, field);
  const saturated = (iterations: number): LambdaSolution => ({
    lambda: Number.POSITIVE_INFINITY,
    saturated: true,
    iterations,
    point: saturatedPoint(model),
  });
  if (delta >= model.klMax) return saturated(0);
  if (delta === 0) return { lambda: 0, saturated: false, iterations: 0, point: tiltAt(model, 0) };
  const sigma = Math.sqrt(model.variance) || model.rMax - model.rMin;
  let lambda = Math.sqrt(2 * delta) / sigma;
  // A reward spread so small that λ_Δ is beyond the largest double: saturated to rounding.
  if (!Number.isFinite(lambda)) return saturated(0);
  const scale = spanScale(model.rMax - model.rMin);
  if (model.size >= COARSE_MIN_SIZE && delta >= COARSE_MIN_KL) {
    let bins = coarseCache.get(model);
    if (!bins) {
      bins = coarseBins(model.r, model.p, model.rMin, model.rMax, model.mean, scale);
      coarseCache.set(model, bins);
    }
    const guess = coarseLambda(bins, scale, delta, lambda);
    if (guess !== undefined) lambda = guess;
  }
  let lo = 0;
  let hi = Number.POSITIVE_INFINITY;
  let best: TiltPoint | undefined;
  let bestGap = Number.POSITIVE_INFINITY;
  for (let passes = 1; passes <= MAX_PASSES; passes++) {
    const { point, pass } = evaluate(model, lambda);
    const done = (p: TiltPoint): LambdaSolution => ({
      lambda: p.lambda,
      saturated: false,
      iterations: passes,
      point: p,
    });
    const f = (pass ? pass.sums.d : point.kl) - delta;
    if (Math.abs(f) < bestGap) {
      bestGap = Math.abs(f);
      best = point;
    }
    if (f === 0) return done(point);
    if (f < 0) lo = lambda;
    else hi = lambda;
    let next = Number.NaN;
    if (pass) {
      next = lambda + taylorStep(pass, delta);
      if (next > lo && next < hi) {
        const step = next - lambda;
        if (step === 0) return done(point);
        if (taylorExact(pass, step, delta)) return done(taylorPoint(model, lambda, pass, step));
      } else if (next === lambda) return done(point);
    }
    if (!(next > lo && next < hi)) {
      if (hi === Number.POSITIVE_INFINITY) next = 4 * lambda;
      else if (lo === 0) next = hi / 4;
      else next = hi > 4 * lo ? Math.sqrt(lo) * Math.sqrt(hi) : 0.5 * (lo + hi);
    } else if (hi === Number.POSITIVE_INFINITY) next = Math.min(next, 16 * lambda);
    // Δ is below log(1/p*) by less than d can resolve: the optimum is the saturated one to rounding.
    if (!Number.isFinite(next)) return saturated(passes);
    // The bracket has closed to rounding: the best pass is the answer.
    if (
      !(next > lo && next < hi) ||
      next === lambda ||
      (lo > 0 && hi < Number.POSITIVE_INFINITY && hi - lo <= 4 * Number.EPSILON * hi)
    ) {
      return done(best!);
    }
    if (next === 0) return done(best!);
    lambda = next;
  }
  return { lambda: best!.lambda, saturated: false, iterations: MAX_PASSES, point: best! };
}

/**
 * The cubic Taylor polynomial of d around a pass's λ, in units of s (x = s·step, Λ = λs):
 * d(λ + step) ≈ d + Λκ₂x + (κ₂ + Λκ₃)x²/2 + (2κ₃ + Λκ₄)x³/6  (d' = λΛ'', d'' = Λ'' + λΛ''', …).
 */
function taylorCoefficients(p: Pass): [number, number, number] {
  const { k2, k3, k4 } = p.sums;
  const L = p.frame.lambdaScaled;
  return [L * k2, (k2 + L * k3) / 2, (2 * k3 + L * k4) / 6];
}

/** The step in λ to the root of the cubic (Newton on the polynomial from the Newton step of d). */
function taylorStep(p: Pass, delta: number): number {
  const [a1, a2, a3] = taylorCoefficients(p);
  const target = delta - p.sums.d;
  if (!(a1 > 0)) return Number.NaN;
  let x = target / a1;
  for (let it = 0; it < 8; it++) {
    const g = x * (a1 + x * (a2 + x * a3)) - target;
    const dg = a1 + x * (2 * a2 + 3 * x * a3);
    if (!(dg > 0)) return target / a1;
    const nx = x - g / dg;
    if (nx === x) break;
    x = nx;
  }
  return x * p.frame.invScale;
}

/**
 * Whether a pass's Taylor expansion gives the point at λ + step to rounding. In units of s every value
 * lies in an interval of length 1, so |κ₄| ≤ 1 and |κ₅| ≤ 3.5; with x = |step|·s the remainders are
 * below x⁴(3 + 3.5Λ)/24 for d, 3.5x⁴/24 for E_φ u, 3.5x⁵/120 for L and 3.5x³/6 for Var_φ u. Each must be
 * below 2^−56 of its quantity (d, the unit s, max(1, |L|), and 1e-10 of Var: the one-pass variance is
 * for derivatives).
 */
function taylorExact(p: Pass, step: number, delta: number): boolean {
  const x = Math.abs(step) / p.frame.invScale;
  const x3 = x * x * x;
  const x4 = x3 * x;
  const tol = 2 ** -56;
  const { d, L, k2 } = p.sums;
  const target = Math.min(d, delta);
  return (
    (x4 * (3 + 3.5 * p.frame.lambdaScaled)) / 24 <= tol * target &&
    (3.5 * x4) / 24 <= tol &&
    (3.5 * x4 * x) / 120 <= tol * Math.max(1, Math.abs(L)) &&
    (3.5 * x3) / 6 <= 1e-10 * k2
  );
}

/** The point at λ + step from a pass's Taylor expansion (taylorExact says it is exact to rounding). */
function taylorPoint(model: Model, lambda: number, p: Pass, step: number): TiltPoint {
  const { L, m, k2, k3, k4, d } = p.sums;
  const x = step / p.frame.invScale;
  const [a1, a2, a3] = taylorCoefficients(p);
  return pointOf(model, lambda + step, p.frame, p.scale, {
    L: L + x * (m + x * (k2 / 2 + x * (k3 / 6 + (x * k4) / 24))),
    m: m + x * (k2 + x * (k3 / 2 + (x * k4) / 6)),
    k2: k2 + x * (k3 + (x * k4) / 2),
    d: d + x * (a1 + x * (a2 + x * a3)),
  });
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
