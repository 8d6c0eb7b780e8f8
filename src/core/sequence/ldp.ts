import { renyiCrossEntropy, renyiDivergence } from "../divergence.js";
import { InputError, show } from "../errors.js";
import { isConstantReward, type Model, modelFromLogWeights } from "../model.js";
import { klIntegrand, logSumExp } from "../numerics/logspace.js";
import { goldenSectionMin } from "../numerics/minimize.js";
import { newtonBracketed } from "../numerics/roots.js";
import { NeumaierSum } from "../numerics/sum.js";
import { cumulants, lambdaForKl, saturatedPoint, type TiltPoint, tiltAt, tiltLogProbs } from "../tilt.js";
import { latticeOf } from "./lattice.js";
import { autoGrids, quantiseModel } from "./quantise.js";
import { sumTail } from "./sumLaw.js";

/**
 * Large deviations of the per-token reward (MATH §4).
 *
 * - Cramér: I_p(x) = sup_s [s x − Λ(s)] over real s. At the root s of Λ'(s) = x it equals
 *   d(s) = KL(φ_s ‖ p), which tiltAt computes from sums of non-negative terms. For s < 0 the tilt of p
 *   is the tilt at −s of the reflected model (rewards −r): same φ_s, same KL.
 * - Under the optimum φ = φ_{λ*}: J_Δ(x) = I_p(x) − λ* x + Λ(λ*). Since the tilts of φ are the tilts
 *   of p shifted by λ*, J_Δ is the Cramér rate of the model (φ, r), so J_Δ(x) = KL(φ_s ‖ φ_{λ*}) is
 *   computed like I_p with φ as reference, never as the difference of the large terms Λ(λ*) − λ* x.
 * - Γ(t) = Λ(λ* + t) − Λ(λ*) is the log-partition of (φ, r) at t; its two Rényi forms are in `scgf`.
 */

/** A model with its reflection (rewards −r), so that tilts at negative s are tilts at −s ≥ 0. */
interface Reflected {
  readonly model: Model;
  readonly minus: Model;
}

const reflections = new WeakMap<Model, Model>();

function reflect(model: Model): Reflected {
  let minus = reflections.get(model);
  if (!minus) {
    const r = new Float64Array(model.size);
    for (let i = 0; i < model.size; i++) r[i] = -model.r[i]!;
    minus = modelFromLogWeights(model.logp, r, undefined, undefined, model.p);
    reflections.set(model, minus);
  }
  return { model, minus };
}

function checkX(x: number, field: string): void {
  if (Number.isNaN(x) || typeof x !== "number") {
    throw new InputError(field, `expected a reward value (a number), got ${show(x)}`);
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

function solveRate(ref: Reflected, x: number): RateSolution {
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
function logPartitionAt(ref: Reflected, s: number): number {
  return s >= 0 ? tiltAt(ref.model, s).logPartition : tiltAt(ref.minus, -s).logPartition;
}

/** Everything the LDP under the optimum needs, computed once per (model, Δ). */
interface Optimum {
  readonly model: Reflected;
  readonly lambda: number;
  readonly saturated: boolean;
  readonly point: TiltPoint;
  readonly xStar: number;
  /** log φ_{λ*} on the support of p. */
  readonly logphi: Float64Array;
  /** The model (φ_{λ*}, r): its Cramér rate is J_Δ, its log-partition is Γ. */
  readonly tilted: Reflected;
  /**
   * False when some φ_{λ*}(y) > 0 is below the normal doubles (λ* enormous beside a reward gap): the
   * tilted model's linear weights then lose outcomes that still matter for x below x*, and J is taken
   * from the min-KL form (φ_s from p's own tilt) instead.
   */
  readonly faithful: boolean;
}

/** log of the least normal double, rounded up: weights below it are not represented faithfully. */
const MIN_LOG_WEIGHT = -700;

function optimum(model: Model, delta: number): Optimum {
  const sol = lambdaForKl(model, delta, "klRate");
  const logphi = tiltLogProbs(model, sol.point);
  const tilted = modelFromLogWeights(logphi, model.r);
  let faithful = true;
  for (const v of logphi) if (v > Number.NEGATIVE_INFINITY && v < MIN_LOG_WEIGHT) faithful = false;
  return {
    faithful,
    model: reflect(model),
    lambda: sol.lambda,
    saturated: sol.saturated,
    point: sol.point,
    xStar: sol.point.reward,
    logphi,
    tilted: reflect(tilted),
  };
}

/** J_Δ(x) in its several forms (they agree to rounding; `J` is the accurate one). */
export interface LdpRate {
  readonly x: number;
  /**
   * J_Δ(x) = KL(φ_s ‖ φ_{λ*}) with Λ'(s) = x: the Cramér rate of (φ_{λ*}, r); when some φ_{λ*}(y) > 0
   * underflows (λ* enormous beside a reward gap), the `minKl` value.
   */
  readonly J: number;
  /** I_p(x). */
  readonly Ip: number;
  /** I_p(x) − λ* x + Λ(λ*), as I_p(x) − d(λ*) − λ*(x − x*) (d(λ*) = Δ unless saturated); cancels near x*. */
  readonly closedForm: number;
  /**
   * sup_t [t x − Γ(t)] by golden-section search over t (independent of the root finder); a check form,
   * computed on the tilted weights, so it is not reliable where those are unfaithful (see `J`).
   */
  readonly legendre: number;
  /** KL(φ_s ‖ φ_{λ*}) summed term by term over the outcomes (the minimiser of KL(q‖φ) given E_q r = x). */
  readonly minKl: number;
}

function closedForm(opt: Optimum, x: number, ip: number): number {
  if (!(x >= opt.model.model.rMin && x <= opt.model.model.rMax)) return Number.POSITIVE_INFINITY;
  if (opt.saturated) return x === opt.xStar ? 0 : Number.POSITIVE_INFINITY;
  if (opt.lambda === 0) return ip;
  return ip - opt.point.kl - opt.lambda * (x - opt.xStar);
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
function legendre(ref: Reflected, x: number): number {
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

/**
 * KL(φ_s ‖ φ_{λ*}) with φ_s the tilt of p solving Λ'(s) = x (p and its reflection share the support
 * order), as Σ [a log(a/b) − a + b] with non-negative terms: b·g(u) (u = log(a/b) < 1, g from klIntegrand)
 * or a(u − 1) + b, so that neither log a nor log b is ever recovered from their (possibly huge) difference.
 */
function minKl(opt: Optimum, sol: RateSolution): number {
  if (!sol.point) return Number.POSITIVE_INFINITY;
  const la = tiltLogProbs(sol.on, sol.point);
  const lb = opt.logphi;
  const acc = new NeumaierSum();
  for (let i = 0; i < la.length; i++) {
    const a = la[i]!;
    const b = lb[i]!;
    if (a === Number.NEGATIVE_INFINITY) acc.add(Math.exp(b));
    else if (b === Number.NEGATIVE_INFINITY) return Number.POSITIVE_INFINITY;
    else {
      const u = a - b;
      acc.add(u < 1 ? Math.exp(b) * klIntegrand(u) : Math.exp(a) * (u - 1) + Math.exp(b));
    }
  }
  return Math.max(0, acc.value);
}

/** J and I_p at x; with `full`, also the cross-check forms (the Legendre search costs ~100 passes). */
function rateAt(opt: Optimum, x: number, full: boolean): LdpRate {
  const onP = solveRate(opt.model, x);
  const ip = onP.value;
  const atStar = x === opt.xStar;
  const viaKl = atStar || (opt.faithful && !full) ? 0 : minKl(opt, onP);
  const J = atStar ? 0 : opt.faithful ? solveRate(opt.tilted, x).value : viaKl;
  return {
    x,
    J,
    Ip: ip,
    closedForm: full ? closedForm(opt, x, ip) : Number.NaN,
    legendre: full ? legendre(opt.tilted, x) : Number.NaN,
    minKl: full ? viaKl : Number.NaN,
  };
}

/**
 * The rate J_Δ(x) of the LDP of S_n/n under φ_{λ*}^{⊗n} (MATH §4): zero at x = x*, +∞ outside
 * [r_min, r_max], J(r_max) = log(1/p*) − λ* r_max + Λ(λ*). Saturated budgets (λ* = ∞) give J = 0 at
 * r_max and +∞ elsewhere.
 */
export function ldpRate(model: Model, delta: number, x: number): LdpRate {
  checkX(x, "x");
  return rateAt(optimum(model, delta), x, true);
}

/** Γ(t) and its Rényi forms (MATH §4); a form is null where its order is not > 0 or λ* is not in (0, ∞). */
export interface ScgfPoint {
  readonly t: number;
  /** Γ(t) = Λ(λ*+t) − Λ(λ*), as the log-partition of (φ_{λ*}, r) at t. */
  readonly value: number;
  /** t log Z_r − t H_{1+t}(φ_{λ*}; q_r), q_r = e^r/Z_r on the support: defined for 1 + t > 0. */
  readonly renyiCrossEntropyForm: number | null;
  /** (t/λ*)[Λ(λ*) + D_{1+t/λ*}(φ_{λ*} ‖ p)]: defined for 0 < λ* < ∞ and 1 + t/λ* > 0. */
  readonly renyiDivergenceForm: number | null;
}

function checkT(t: number, field: string): void {
  if (typeof t !== "number" || !Number.isFinite(t)) {
    throw new InputError(field, `expected a finite number, got ${show(t)}`);
  }
}

/** Γ(t) = log Σ φ_{λ*} e^{t r} as a plain log-sum-exp over log φ_{λ*} (exact to ε·max|t r|). */
function logGamma(opt: Optimum, t: number): number {
  const r = opt.model.model.r;
  return logSumExp(Float64Array.from(opt.logphi, (l, i) => l + t * r[i]!));
}

/** Whether outcomes with φ_{λ*}(y) below the normal doubles carry more than e^{−40} of Σ φ e^{t r}. */
function underflowMatters(opt: Optimum, t: number): boolean {
  const r = opt.model.model.r;
  let lost = Number.NEGATIVE_INFINITY;
  opt.logphi.forEach((l, i) => {
    if (l > Number.NEGATIVE_INFINITY && l < MIN_LOG_WEIGHT) lost = Math.max(lost, l + t * r[i]!);
  });
  return lost - logGamma(opt, t) > -40 + Math.log(opt.logphi.length);
}

function scgfAt(opt: Optimum, t: number): ScgfPoint {
  const p = opt.model.model;
  const value = opt.faithful || !underflowMatters(opt, t) ? logPartitionAt(opt.tilted, t) : logGamma(opt, t);
  const phi = Float64Array.from(opt.logphi, Math.exp);
  let crossEntropy: number | null = null;
  if (1 + t > 0) {
    let mx = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < p.size; i++) mx = Math.max(mx, p.r[i]!);
    let z = 0;
    for (let i = 0; i < p.size; i++) z += Math.exp(p.r[i]! - mx);
    const logZ = mx + Math.log(z);
    const qr = Float64Array.from(p.r, (r) => Math.exp(r - logZ));
    crossEntropy = t === 0 ? 0 : t * logZ - t * renyiCrossEntropy(phi, qr, 1 + t);
  }
  let divergence: number | null = null;
  const lambda = opt.lambda;
  if (lambda > 0 && Number.isFinite(lambda) && 1 + t / lambda > 0) {
    divergence =
      t === 0 ? 0 : (t / lambda) * (opt.point.logPartition + renyiDivergence(phi, p.p, 1 + t / lambda));
  }
  return { t, value, renyiCrossEntropyForm: crossEntropy, renyiDivergenceForm: divergence };
}

/** Γ(t) = lim (1/n) log E_φ e^{t S_n} = Λ(λ*+t) − Λ(λ*) (exact for every n) with its Rényi forms. */
export function scgf(model: Model, delta: number, t: number): ScgfPoint {
  checkT(t, "t");
  return scgfAt(optimum(model, delta), t);
}

/** Where to evaluate ldpSummary's rate function and SCGF, and the optional finite-n check. */
export interface LdpOptions {
  /** Reward values at which to evaluate the rates (default: `grid` points over [r_min, r_max]). */
  readonly xs?: readonly number[];
  /** Number of evenly spaced points over [r_min, r_max] (default 41). */
  readonly grid?: number;
  /** Values of t for Γ (default: −λ* / 2, −λ* / 4 when λ* is finite and positive, then 0, 0.5, 1, 2, 3). */
  readonly ts?: readonly number[];
  /**
   * A length n: adds −(1/n) log P_φ(S_n ≥ n x) for the xs above x*. Non-lattice rewards are quantised
   * to a grid first (`checkGrid`, automatic by default) and the check then carries a bracket.
   */
  readonly checkLength?: number;
  /** Grid step h for the check on non-lattice rewards (also forces quantisation of lattice ones). */
  readonly checkGrid?: number;
}

/** One point of the finite-n check. */
export interface LdpCheck {
  readonly x: number;
  readonly minusLogTailOverN: number;
  /**
   * On a grid h only: [−(1/n) log P_q(S ≥ n(x − h/2)), −(1/n) log P_q(S ≥ n(x + h/2))], which contains the
   * exact value since |S_n − S_n^q| ≤ n·h/2 for the quantised sum S_n^q.
   */
  readonly bracket?: [number, number];
}

/**
 * Large deviations of S_n under the optimum φ_{λ*} at per-token budget Δ (MATH §4): λ*, x* = V(Δ), the
 * rate functions J_Δ and I_p at each x, the SCGF Γ(t) with its Rényi forms, cumulants and the check.
 */
export interface LdpSummary {
  readonly lambda: number;
  readonly xStar: number;
  readonly saturated: boolean;
  readonly rate: { x: number; J: number; Ip: number }[];
  readonly scgf: ScgfPoint[];
  /** Cumulants of r under φ_{λ*}: Λ'(λ*), …, Λ''''(λ*); those of S_n are n times these. */
  readonly cumulants: [number, number, number, number];
  readonly check?: LdpCheck[];
  /** How the check's tails were computed: "exact" (lattice), or "grid" (quantised to checkGrid). */
  readonly checkMethod?: "exact" | "grid";
  /** The grid step used by the check, null when exact. */
  readonly checkGrid?: number | null;
}

/** Points of the default x grid over [r_min, r_max] for the rate function. */
export const DEFAULT_GRID = 41;

/** The `ldp` summary (MATH §4): rates on a grid, Γ with its Rényi forms, cumulants, the exact-law check. */
export function ldpSummary(model: Model, delta: number, options: LdpOptions = {}): LdpSummary {
  const opt = optimum(model, delta);
  let xs: number[];
  if (options.xs !== undefined) {
    for (const [i, x] of options.xs.entries()) checkX(x, `x[${i}]`);
    xs = [...options.xs];
  } else {
    const K = options.grid ?? DEFAULT_GRID;
    if (!Number.isSafeInteger(K) || K < 2 || K > 1e6) {
      throw new InputError("grid", `expected a whole number of points from 2 to 1000000, got ${show(K)}`);
    }
    const { rMin, rMax } = model;
    xs = isConstantReward(model)
      ? [rMin]
      : Array.from({ length: K }, (_, k) => (k === K - 1 ? rMax : rMin + ((rMax - rMin) * k) / (K - 1)));
  }
  let ts: number[];
  if (options.ts !== undefined) {
    for (const [i, t] of options.ts.entries()) checkT(t, `t[${i}]`);
    ts = [...options.ts];
  } else {
    const neg = opt.lambda > 0 && Number.isFinite(opt.lambda) ? [-opt.lambda / 2, -opt.lambda / 4] : [];
    ts = [...neg, 0, 0.5, 1, 2, 3];
  }
  const rate = xs.map((x) => {
    const r = rateAt(opt, x, false);
    return { x, J: r.J, Ip: r.Ip };
  });
  const summary: LdpSummary = {
    lambda: opt.lambda,
    xStar: opt.xStar,
    saturated: opt.saturated,
    rate,
    scgf: ts.map((t) => scgfAt(opt, t)),
    cumulants: cumulants(model, opt.point),
  };
  if (options.checkLength === undefined) return summary;
  const n = options.checkLength;
  const q = opt.tilted.model;
  const above = xs.filter((x) => x > opt.xStar && x <= model.rMax);
  if (options.checkGrid === undefined && (isConstantReward(q) || latticeOf(q))) {
    const check = above.map((x) => ({ x, minusLogTailOverN: -sumTail(q, n, n * x).logUpperTail / n }));
    return { ...summary, check, checkMethod: "exact", checkGrid: null };
  }
  // The tails are wanted above x*, where the tilt of φ is ≥ 0: smoothness is checked at φ itself.
  const grids =
    options.checkGrid !== undefined
      ? [quantiseModel(q, options.checkGrid, "checkGrid")]
      : autoGrids(q, n, Math.sqrt(q.variance), 0);
  let last: InputError | undefined;
  let tried = 0;
  for (const { model: quantised, grid: h } of grids) {
    tried++;
    const at = (s: number) => -sumTail(quantised, n, s).logUpperTail / n;
    try {
      const check = above.map(
        (x): LdpCheck => ({
          x,
          minusLogTailOverN: at(n * x),
          bracket: [at(n * (x - h / 2)), at(n * (x + h / 2))],
        }),
      );
      return { ...summary, check, checkMethod: "grid", checkGrid: h };
    } catch (e) {
      if (!(e instanceof InputError && ["at", "range", "length"].includes(e.field))) throw e;
      last = e;
    }
  }
  throw new InputError(
    "checkGrid",
    tried === 0
      ? `no automatic grid gives a smooth enough quantised law at n = ${n}; give a grid step with --check-grid`
      : `the tails of the quantised sum at n = ${n} have no accurate digit on the grid${tried > 1 ? "s tried" : ""} ` +
          `(${last?.detail}); give a coarser --check-grid`,
  );
}
