import { InputError, show } from "./errors.js";
import { levelsOf, outcomeLogProbs, type Levels } from "./levels.js";
import type { Model } from "./model.js";
import { cumulativeLogSumExp, klTerm, log1mexp, logSumExp } from "./numerics/logspace.js";
import { integrate } from "./numerics/quadrature.js";
import { NeumaierSum } from "./numerics/sum.js";
import { tiltAt, tiltLogProbs } from "./tilt.js";

/**
 * Soft best-of-N (MATH §2, Verdun et al. 2025, arXiv 2505.03156): draw N outcomes from p and output
 * outcome i with probability ∝ w(y_i) = e^{r(y_i)/τ}. N is real ≥ 1 and may be given as log N only.
 *
 * Outcomes with equal reward are exchangeable, so the law is computed per reward level l (value v_l,
 * mass P_l) and spread within a level in proportion to p. Substituting t = x/w_l in the integral of
 * MATH §2 gives the overflow-free form
 *
 *   π_l = N P_l J_l,  J_l = ∫_0^∞ e^{−x} M_l(x)^{N−1} dx,  M_l(x) = Σ_k P_k e^{−x c_{k,l}},
 *   c_{k,l} = e^{(v_k − v_l)/τ},
 *
 * integrated in s = log x: J_l = ∫ e^{h_l(s)} ds, h_l(s) = s − e^s + (N−1) log M_l(e^s). Σ_l π_l = 1
 * exactly for every real N (the integrand summed over levels is −d/dt M^N), which the result checks.
 *
 * Two facts drive the numerics. (i) M_l is decreasing, so g(s) = h_l(s) − s is decreasing and h_l' ≤ 1:
 * mass on [a, b] is at most e^{h(a)}(e^{b−a} − 1), mass below a is at most e^a, and J_l ≥ e^{h(s)} for
 * every s (the integrand cannot fall faster than e^s to the left of any point). These bounds decide,
 * rigorously, which parts of a range that can span 10^14 nats in s are negligible (below e^{−45} J_l),
 * and cap the integrand at e^8 times its sampled maximum inside the panels kept, so nothing overflows.
 * (ii) For huge N the mass sits where D = 1 − M is tiny, so (N−1) log M is evaluated as
 * −exp(log(N−1) + log(−log1p(−D))) with log D a log-sum-exp of non-negative terms: no cancellation,
 * no N, x or c_{k,l} formed.
 *
 * Cost: per level, a few hundred to a few thousand evaluations of h_l (adaptive 20-point
 * Gauss–Legendre), each O(log L + number of levels whose x·c_{k,l} is in [e^{−40}, e^{6.7}]), so
 * O(L² × quadrature nodes) in the worst case (large τ, where every level is in that window). Models
 * with a few hundred levels take about a second.
 */

export interface SoftBonResult {
  /** N (Infinity when e^{log N} overflows). */
  readonly n: number;
  readonly logN: number;
  readonly temperature: number;
  /** log π_l for each reward level, in levelsOf order. */
  readonly levelLogProbs: Float64Array;
  /** E_π r. */
  readonly reward: number;
  /** KL(π ‖ p), level-wise (exact: π is ∝ p within a level). */
  readonly kl: number;
  /** KL(π ‖ φ_{1/τ}), the distance to the tilt soft best-of-N converges to as N → ∞. */
  readonly klToTilt: number;
  /** |Σ_l π_l − 1| before renormalisation: the accuracy of the quadrature, ~1e-13 in practice. */
  readonly normalizationError: number;
}

export interface SoftBonOptions {
  readonly n?: number;
  readonly logN?: number;
  readonly temperature: number;
}

/** log(1 − e^{−e^a}) is a − e^a/2 + …: equal to a to 2e-18 below this. */
const LINEAR_BELOW = -40;
/** e^{−e^a} underflows to 0 above this (e^{6.7} ≈ 812). */
const SATURATED_ABOVE = 6.7;
/** Upper end of the x-range: the tail beyond x = 40 is at most e^{−40}/(1 − e^{−40}) of J_l. */
const S_HI = Math.log(40);
/** Left cut: mass below ĥ − 40 is at most e^{−40} J_l (ĥ = largest sampled h_l, J_l ≥ e^{ĥ}). */
const LEFT_MARGIN = 40;
/** Subintervals whose mass bound is below e^{ĥ − 45} are dropped (there are at most a few hundred). */
const DROP_MARGIN = 45;
/** Widest panel handed to the quadrature: h_l' ≤ 1 bounds the integrand by e^{ĥ + 8} inside. */
const MAX_PANEL = 8;
const GRID = 64;

function validate(options: SoftBonOptions): { logN: number; n: number; temperature: number } {
  const { n, logN, temperature } = options;
  if ((n === undefined) === (logN === undefined)) {
    throw new InputError(n === undefined ? "n" : "logN", "give exactly one of n and logN");
  }
  if (typeof temperature !== "number" || Number.isNaN(temperature) || temperature <= 0) {
    throw new InputError("temperature", `τ must be > 0, got ${show(temperature)}`);
  }
  if (n !== undefined) {
    if (typeof n !== "number" || Number.isNaN(n) || n < 1) throw new InputError("n", `N must be ≥ 1, got ${show(n)}`);
    return { n, logN: Math.log(n), temperature };
  }
  if (typeof logN !== "number" || Number.isNaN(logN) || logN < 0) {
    throw new InputError("logN", `log N must be ≥ 0, got ${show(logN)}`);
  }
  return { n: Math.exp(logN), logN, temperature };
}

/** h_l(s) for one level, with the per-level constants precomputed. */
class LevelIntegrand {
  /** d_k = (v_k − v_l)/τ, non-decreasing in k. */
  private readonly d: Float64Array;
  /** cumLinear[K] = log Σ_{j<K} P_j c_{j,l}. */
  private readonly cumLinear: Float64Array;
  private readonly scratch: Float64Array;

  constructor(
    private readonly levels: Levels,
    l: number,
    tau: number,
    private readonly logNm1: number,
  ) {
    const L = levels.count;
    const v = levels.values;
    this.d = new Float64Array(L);
    const lin = new Float64Array(L);
    for (let k = 0; k < L; k++) {
      // Clamped so that no exponent is infinite; beyond e^{±1e300} every c_{k,l} acts alike.
      this.d[k] = Math.min(1e300, Math.max(-1e300, (v[k]! - v[l]!) / tau));
      lin[k] = levels.logMass[k]! + this.d[k]!;
    }
    const cum = cumulativeLogSumExp(lin);
    this.cumLinear = new Float64Array(L + 1);
    this.cumLinear[0] = Number.NEGATIVE_INFINITY;
    for (let k = 0; k < L; k++) this.cumLinear[k + 1] = cum[k]!;
    this.scratch = new Float64Array(L + 2);
  }

  /** log E_p c_{·,l} = log Σ_k P_k c_{k,l}. */
  get logMeanC(): number {
    return this.cumLinear[this.d.length]!;
  }

  /** Positions s = −d_k where level k switches from linear to saturated. */
  get switchPoints(): Float64Array {
    return this.d.map((x) => -x);
  }

  /** First k with d_k ≥ t (d is non-decreasing). */
  private firstAtLeast(t: number): number {
    let lo = 0;
    let hi = this.d.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.d[mid]! >= t) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  /** First k with d_k > t. */
  private firstAbove(t: number): number {
    let lo = 0;
    let hi = this.d.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.d[mid]! > t) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  h(s: number): number {
    const { d, scratch } = this;
    const logP = this.levels.logMass;
    const L = d.length;
    // a_k = s + d_k = log(x c_{k,l}). Levels below k1 are linear (1 − e^{−x c} = x c), levels from k2 on
    // are saturated (1 − e^{−x c} = 1).
    const k1 = this.firstAtLeast(LINEAR_BELOW - s);
    const k2 = Math.max(k1, this.firstAbove(SATURATED_ABOVE - s));
    // D = 1 − M_l(e^s) = Σ_k P_k (1 − e^{−x c_{k,l}}), every term non-negative.
    let m = 0;
    scratch[m++] = s + this.cumLinear[k1]!;
    for (let k = k1; k < k2; k++) scratch[m++] = logP[k]! + log1mexp(Math.exp(s + d[k]!));
    scratch[m++] = k2 === 0 ? 0 : this.levels.logAbove[k2 - 1]!;
    const logD = logSumExp(scratch, 0, m);
    let logMinusLogM: number; // log(−log M)
    if (logD <= -Math.LN2) {
      // −log M = −log1p(−D) = D(1 + D/2 + …): kept relative to D.
      logMinusLogM = logD < -40 ? logD + Math.exp(logD) / 2 : Math.log(-Math.log1p(-Math.exp(logD)));
    } else {
      // M < 1/2: log M directly. Levels below k1 keep e^{−x c} = 1 to 2e-18; the loop stops once the
      // remaining terms (each ≤ e^{−e^{a_k}}, a_k increasing) are below e^{−60} of the largest.
      m = 0;
      let max = k1 === 0 ? Number.NEGATIVE_INFINITY : this.levels.logCdf[k1 - 1]!;
      scratch[m++] = max;
      for (let k = k1; k < L; k++) {
        const e = Math.exp(s + d[k]!);
        if (-e < max - 60) break;
        const t = logP[k]! - e;
        scratch[m++] = t;
        if (t > max) max = t;
      }
      logMinusLogM = Math.log(-logSumExp(scratch, 0, m));
    }
    return s - Math.exp(s) - Math.exp(this.logNm1 + logMinusLogM);
  }
}

/** log J_l for one level. */
function logLevelIntegral(levels: Levels, l: number, tau: number, logN: number, logNm1: number): number {
  const f = new LevelIntegrand(levels, l, tau, logNm1);
  // s_b = −log(N E c): where N·D(x) ≈ 1, the scale of the bulk for large N.
  const sB = -logN - f.logMeanC;
  const lo = Math.min(sB, S_HI - 1) - LEFT_MARGIN;
  const values = new Map<number, number>();
  let best = Number.NEGATIVE_INFINITY;
  const at = (s: number): number => {
    let v = values.get(s);
    if (v === undefined) {
      v = f.h(s);
      values.set(s, v);
      if (v > best) best = v;
    }
    return v;
  };
  const features = [sB, 0];
  for (const s of f.switchPoints) if (s > lo && s < S_HI) features.push(s);
  for (const s of features) if (s > lo && s < S_HI) at(s);
  for (let i = 0; i <= GRID; i++) at(lo + ((S_HI - lo) * i) / GRID);
  const sLo = Math.max(lo, best - LEFT_MARGIN);
  const points = [sLo, S_HI];
  for (const s of features) if (s > sLo && s < S_HI) points.push(s);
  points.sort((a, b) => a - b);
  // Partition [sLo, S_HI] left to right, dropping pieces whose mass bound e^{h(a)}(e^{b−a} − 1) is
  // negligible and halving the others down to MAX_PANEL.
  const kept: [number, number][] = [];
  const stack: [number, number][] = [];
  for (let i = points.length - 1; i > 0; i--) {
    if (points[i]! > points[i - 1]!) stack.push([points[i - 1]!, points[i]!]);
  }
  while (stack.length > 0) {
    const [a, b] = stack.pop()!;
    const w = b - a;
    if (at(a) + w + log1mexp(w) < best - DROP_MARGIN) continue;
    const mid = a + w / 2;
    if (w <= MAX_PANEL || !(mid > a && mid < b)) {
      kept.push([a, b]);
      continue;
    }
    at(mid);
    stack.push([mid, b], [a, mid]);
  }
  const shift = best;
  const integrand = (s: number) => Math.exp(f.h(s) - shift);
  // J_l ≥ e^{shift}, so in these units the total is ≥ 1 and an absolute tolerance of 1e-15 is safe.
  const total = new NeumaierSum();
  let run: number[] = [];
  const flush = () => {
    if (run.length > 1) total.add(integrate(integrand, run, 1e-13, 1e-15).value);
    run = [];
  };
  for (const [a, b] of kept) {
    if (run.length === 0 || run[run.length - 1] !== a) {
      flush();
      run.push(a);
    }
    run.push(b);
  }
  flush();
  return shift + Math.log(total.value);
}

/** One non-negative term q log(q/p) − q + p of KL(q‖p), given log q and log p; q = 0 gives p. */
function levelKlTerm(logq: number, logp: number): number {
  return logq === Number.NEGATIVE_INFINITY ? Math.exp(logp) : klTerm(logp, logq - logp);
}

/** Level log-probabilities of the tilt φ_λ, summed within each level. */
function tiltLevelLogProbs(model: Model, levels: Levels, lambda: number): Float64Array {
  const logphi = tiltLogProbs(model, tiltAt(model, lambda));
  const groups: number[][] = Array.from({ length: levels.count }, () => []);
  for (let i = 0; i < model.size; i++) groups[levels.levelOf[i]!]!.push(logphi[i]!);
  return Float64Array.from(groups, (g) => logSumExp(g));
}

/**
 * The soft best-of-N law (level-wise) with its reward and KL divergences. Exactly one of `n` and
 * `logN` (N ≥ 1, real); temperature τ > 0, +Infinity allowed (then π = p). N = ∞ gives the limit
 * φ_{1/τ}. N = 1, τ = ∞ and constant rewards give π = p exactly.
 */
export function softBestOfN(model: Model, options: SoftBonOptions): SoftBonResult {
  const { n, logN, temperature: tau } = validate(options);
  const levels = levelsOf(model);
  const L = levels.count;
  const lambda = 1 / tau;
  let logPi: Float64Array;
  let normalizationError = 0;
  if (logN === 0 || tau === Number.POSITIVE_INFINITY || L === 1) logPi = Float64Array.from(levels.logMass);
  else if (logN === Number.POSITIVE_INFINITY) logPi = tiltLevelLogProbs(model, levels, lambda);
  else {
    const logNm1 = logN + log1mexp(logN); // log(N − 1) without forming N
    logPi = new Float64Array(L);
    for (let l = 0; l < L; l++) {
      logPi[l] = logN + levels.logMass[l]! + logLevelIntegral(levels, l, tau, logN, logNm1);
    }
    const logTotal = logSumExp(logPi);
    normalizationError = Math.abs(Math.expm1(logTotal));
    for (let l = 0; l < L; l++) logPi[l] = logPi[l]! - logTotal;
  }
  const top = levels.values[L - 1]!;
  const reward = new NeumaierSum();
  const kl = new NeumaierSum();
  const klTilt = new NeumaierSum();
  const logPhi = tiltLevelLogProbs(model, levels, lambda);
  for (let l = 0; l < L; l++) {
    const lp = logPi[l]!;
    reward.add(Math.exp(lp) * (levels.values[l]! - top));
    kl.add(levelKlTerm(lp, levels.logMass[l]!));
    klTilt.add(levelKlTerm(lp, logPhi[l]!));
  }
  return {
    n,
    logN,
    temperature: tau,
    levelLogProbs: logPi,
    reward: Math.min(model.rMax, Math.max(model.rMin, top + reward.value)),
    kl: kl.value,
    klToTilt: klTilt.value,
    normalizationError,
  };
}

/** log π on the support outcomes (within a level, in proportion to p). */
export function softBonOutcomeLogProbs(model: Model, result: SoftBonResult): Float64Array {
  return outcomeLogProbs(model, levelsOf(model), result.levelLogProbs);
}
