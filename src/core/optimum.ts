import { renyiCrossEntropy, renyiDivergence } from "./divergence.js";
import { InputError, show } from "./errors.js";
import { type Model, modelFromLogWeights } from "./model.js";
import { klIntegrand, logSumExp } from "./numerics/logspace.js";
import { NeumaierSum } from "./numerics/sum.js";
import {
  checkX,
  legendre,
  logPartitionAt,
  type RateSolution,
  type Reflected,
  reflect,
  solveRate,
} from "./sequence/cramer.js";
import { type SumTail, sumTail } from "./sequence/sumLaw.js";
import { cumulants, type LambdaSolution, lambdaForKl, type TiltPoint, tiltLogProbs } from "./tilt.js";

/**
 * The KL-constrained optimum φ = φ_{λ*} ∝ p e^{λ* r} at a budget Δ (MATH §1), solved once and then
 * evaluated as often as wanted: its law, cumulants, and the large deviations of S_n/n under φ^{⊗n}
 * (MATH §4), the rate J_Δ(x) and the scaled cumulant generating function Γ(t).
 *
 * - Under φ, J_Δ(x) = I_p(x) − λ* x + Λ(λ*). Since the tilts of φ are the tilts of p shifted by λ*, J_Δ is
 *   the Cramér rate of the model (φ, r), so J_Δ(x) = KL(φ_s ‖ φ) is computed like I_p with φ as the
 *   reference (sequence/cramer.ts), never as the difference of the large terms Λ(λ*) − λ* x.
 * - Γ(t) = Λ(λ* + t) − Λ(λ*) is the log-partition of (φ, r) at t; its two Rényi forms are in `scgf`.
 *
 * `optimum(model, Δ)` keeps the last few handles per model, so repeated calls (a figure, a table, a
 * page's controls) solve λ* once.
 */
export class Optimum {
  readonly model: Model;
  /** The budget Δ asked for (nats). */
  readonly kl: number;
  /** λ* (+∞ when saturated). */
  readonly lambda: number;
  readonly saturated: boolean;
  /** The tilt at λ*: Λ(λ*), E_φ r, KL(φ‖p), Var_φ r. */
  readonly point: TiltPoint;
  /** x* = E_φ r: where S_n/n concentrates under φ^{⊗n}. */
  readonly xStar: number;
  /** log φ on the support of p. */
  readonly logPhi: Float64Array;
  /**
   * False when some φ(y) > 0 is below the normal doubles (λ* enormous beside a reward gap): the tilted
   * model's linear weights then lose outcomes that still matter for x below x*, and J is taken from the
   * min-KL form (φ_s from p's own tilt) instead.
   */
  readonly faithful: boolean;
  // Made when first needed: a word model's tilted copy and reflections cost passes over every word.
  private tiltedModel: Model | undefined;
  private reflections: { readonly onP: Reflected; readonly onPhi: Reflected } | undefined;
  private moments: [number, number, number, number] | undefined;
  private phiLinear: Float64Array | undefined;
  private rewardSoftmax: { readonly logZ: number; readonly q: Float64Array } | undefined;

  constructor(model: Model, kl: number, solution: LambdaSolution) {
    this.model = model;
    this.kl = kl;
    this.lambda = solution.lambda;
    this.saturated = solution.saturated;
    this.point = solution.point;
    this.xStar = solution.point.reward;
    this.logPhi = tiltLogProbs(model, solution.point);
    let faithful = true;
    for (const v of this.logPhi) if (v > Number.NEGATIVE_INFINITY && v < MIN_LOG_WEIGHT) faithful = false;
    this.faithful = faithful;
  }

  /** The model (φ, r): its Cramér rate is J_Δ, its log-partition Γ, the law of its sums that of S_n under φ^{⊗n}. */
  get tilted(): Model {
    this.tiltedModel ??= modelFromLogWeights(this.logPhi, this.model.r);
    return this.tiltedModel;
  }

  private get onP(): Reflected {
    this.reflections ??= { onP: reflect(this.model), onPhi: reflect(this.tilted) };
    return this.reflections.onP;
  }

  private get onPhi(): Reflected {
    this.reflections ??= { onP: reflect(this.model), onPhi: reflect(this.tilted) };
    return this.reflections.onPhi;
  }

  /** Cumulants of r under φ: Λ'(λ*), …, Λ''''(λ*); those of S_n are n times these. */
  cumulants(): [number, number, number, number] {
    this.moments ??= cumulants(this.model, this.point);
    return [...this.moments];
  }

  /** J_Δ(x) and I_p(x): the accurate forms only (see {@link Optimum.rateForms} for the cross-checks). */
  rate(x: number): { readonly x: number; readonly J: number; readonly Ip: number } {
    checkX(x, "x");
    const r = this.rateAt(x, false);
    return { x, J: r.J, Ip: r.Ip };
  }

  /** J_Δ(x) in all its forms (they agree to rounding; `J` is the accurate one). */
  rateForms(x: number): LdpRate {
    checkX(x, "x");
    return this.rateAt(x, true);
  }

  /** Γ(t) = lim (1/n) log E_φ e^{t S_n} = Λ(λ*+t) − Λ(λ*) (exact for every n) with its Rényi forms. */
  scgf(t: number, field = "t"): ScgfPoint {
    checkT(t, field);
    const p = this.model;
    const value =
      this.faithful || !this.underflowMatters(t) ? logPartitionAt(this.onPhi, t) : this.logGamma(t);
    this.phiLinear ??= Float64Array.from(this.logPhi, Math.exp);
    const phi = this.phiLinear;
    let crossEntropy: number | null = null;
    if (1 + t > 0) {
      const { logZ, q } = this.softmaxOfRewards();
      crossEntropy = t === 0 ? 0 : t * logZ - t * renyiCrossEntropy(phi, q, 1 + t);
    }
    let divergence: number | null = null;
    const lambda = this.lambda;
    if (lambda > 0 && Number.isFinite(lambda) && 1 + t / lambda > 0) {
      divergence =
        t === 0 ? 0 : (t / lambda) * (this.point.logPartition + renyiDivergence(phi, p.p, 1 + t / lambda));
    }
    return { t, value, renyiCrossEntropyForm: crossEntropy, renyiDivergenceForm: divergence };
  }

  /** log P(S_n = s) and both tails of S_n under φ^{⊗n} (lattice rewards; see sumTail). */
  tail(n: number, s: number): SumTail {
    return sumTail(this.tilted, n, s);
  }

  private rateAt(x: number, full: boolean): LdpRate {
    const onP = solveRate(this.onP, x);
    const ip = onP.value;
    const atStar = x === this.xStar;
    const viaKl = atStar || (this.faithful && !full) ? 0 : this.minKl(onP);
    const J = atStar ? 0 : this.faithful ? solveRate(this.onPhi, x).value : viaKl;
    return {
      x,
      J,
      Ip: ip,
      closedForm: full ? this.closedForm(x, ip) : Number.NaN,
      legendre: full ? legendre(this.onPhi, x) : Number.NaN,
      minKl: full ? viaKl : Number.NaN,
    };
  }

  private closedForm(x: number, ip: number): number {
    if (!(x >= this.model.rMin && x <= this.model.rMax)) return Number.POSITIVE_INFINITY;
    if (this.saturated) return x === this.xStar ? 0 : Number.POSITIVE_INFINITY;
    if (this.lambda === 0) return ip;
    return ip - this.point.kl - this.lambda * (x - this.xStar);
  }

  /**
   * KL(φ_s ‖ φ) with φ_s the tilt of p solving Λ'(s) = x (p and its reflection share the support order),
   * as Σ [a log(a/b) − a + b] with non-negative terms: b·g(u) (u = log(a/b) < 1, g from klIntegrand) or
   * a(u − 1) + b, so that neither log a nor log b is ever recovered from their (possibly huge) difference.
   */
  private minKl(sol: RateSolution): number {
    if (!sol.point) return Number.POSITIVE_INFINITY;
    const la = tiltLogProbs(sol.on, sol.point);
    const lb = this.logPhi;
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

  /** Γ(t) = log Σ φ e^{t r} as a plain log-sum-exp over log φ (exact to ε·max|t r|). */
  private logGamma(t: number): number {
    const r = this.model.r;
    return logSumExp(Float64Array.from(this.logPhi, (l, i) => l + t * r[i]!));
  }

  /** Whether outcomes with φ(y) below the normal doubles carry more than e^{−40} of Σ φ e^{t r}. */
  private underflowMatters(t: number): boolean {
    const r = this.model.r;
    let lost = Number.NEGATIVE_INFINITY;
    this.logPhi.forEach((l, i) => {
      if (l > Number.NEGATIVE_INFINITY && l < MIN_LOG_WEIGHT) lost = Math.max(lost, l + t * r[i]!);
    });
    return lost - this.logGamma(t) > -40 + Math.log(this.logPhi.length);
  }

  /** log Z_r and q_r = e^r/Z_r on the support, for the Rényi cross-entropy form. */
  private softmaxOfRewards(): { readonly logZ: number; readonly q: Float64Array } {
    if (!this.rewardSoftmax) {
      const p = this.model;
      let mx = Number.NEGATIVE_INFINITY;
      for (let i = 0; i < p.size; i++) mx = Math.max(mx, p.r[i]!);
      let z = 0;
      for (let i = 0; i < p.size; i++) z += Math.exp(p.r[i]! - mx);
      const logZ = mx + Math.log(z);
      this.rewardSoftmax = { logZ, q: Float64Array.from(p.r, (r) => Math.exp(r - logZ)) };
    }
    return this.rewardSoftmax;
  }
}

/** log of the least normal double, rounded up: weights below it are not represented faithfully. */
const MIN_LOG_WEIGHT = -700;

/** Handles kept per model: the budgets a page's slider last passed, a report's few. */
const KEPT = 8;
const handles = new WeakMap<Model, Map<number, Optimum>>();

/**
 * The optimum at the budget Δ = `kl` (λ* solved by lambdaForKl; `field` names Δ in errors), the same
 * handle for the same model and budget while it is among the last few asked for.
 */
export function optimum(model: Model, kl: number, field = "kl"): Optimum {
  let byKl = handles.get(model);
  const hit = byKl?.get(kl);
  if (hit) return hit;
  const made = new Optimum(model, kl, lambdaForKl(model, kl, field));
  if (!byKl) {
    byKl = new Map();
    handles.set(model, byKl);
  }
  byKl.set(kl, made);
  if (byKl.size > KEPT) byKl.delete(byKl.keys().next().value!);
  return made;
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
    throw new InputError(field, `expected a finite number, got ${show(t)}`, "invalid_number");
  }
}
