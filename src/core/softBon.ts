import { InputError, show } from "./errors.js";
import { type Levels, levelsOf, outcomeLogProbs } from "./levels.js";
import type { Model } from "./model.js";
import { cumulativeLogSumExp, klTerm, log1mexp, logSumExp } from "./numerics/logspace.js";
import { integrate } from "./numerics/quadrature.js";
import { firstAtLeast } from "./numerics/search.js";
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
 * and cap the integrand at e^16 times its sampled maximum inside the panels kept, so nothing overflows.
 * (ii) For huge N the mass sits where D = 1 − M is tiny, so (N−1) log M is evaluated as
 * −exp(log(N−1) + log(−log1p(−D))) with log((N−1) D) a log-sum-exp of non-negative terms: no
 * cancellation, no N, x or c_{k,l} formed. Where log N and s ≈ −log N meet, sums of logs are
 * compensated and the quadrature runs in u = s − s_ref, so Σπ = 1 holds to ~1e-15 even at log N = 1e8
 * (the tests compare with closed forms at log N ≈ 2e4). For N so large that π equals the tilt φ_{1/τ}
 * to double precision the tilt is returned (see tiltIsExact).
 *
 * Cost: per level, about 500 evaluations of h_l (20-point Gauss–Legendre on ~10 panels, plus the
 * search for them), each O(log L + number of levels whose x·c_{k,l} is in [e^{−40}, e^{6.7}]): so
 * O(L² × quadrature nodes) in the worst case (τ large against the reward spread, where every level is
 * in that window). 300 levels take one to two seconds.
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
  /** |Σ_l π_l − 1| before renormalisation: the accuracy of the quadrature (1e-16 to 1e-14 in tests). */
  readonly normalizationError: number;
}

/** Soft best-of-N's N (real ≥ 1) or log N (exactly one) and its temperature τ > 0 (Infinity: π = p). */
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
/**
 * Left end s_lo = min(s_b, log 40 − 1) − 40: the mass below is at most e^{s_lo} (M ≤ 1), and
 * J_l ≥ 1/(1 + (N−1) E c) (Jensen: M ≥ e^{−x E c}), so it is below 16 e^{−40} J_l.
 */
const LEFT_MARGIN = 40;
/** Subintervals whose mass bound is below e^{ĥ − 45} are dropped (there are at most a few hundred). */
const DROP_MARGIN = 45;
/** Widest panel handed to the quadrature: h_l' ≤ 1 bounds the integrand by e^{ĥ + 16} inside. */
const MAX_PANEL = 16;
/** Panels per quadrature run: smooth panels converge in a few dozen; more means rounding noise. */
const MAX_PANELS = 1000;
/**
 * Safety stop for the branch and bound (a few dozen evaluations is typical). Past it the panels kept so
 * far are integrated, and normalizationError shows what was lost.
 */
const MAX_EVALUATIONS = 100_000;
/**
 * log N above this is taken as N = ∞ (the tilt). Below it every quantity of the quadrature stays finite
 * (|d_k| is clamped to 1e300 too); the tilt is exact long before, unless some level mass is below
 * e^{−1e300}.
 */
const MAX_LOG_N = 1e300;
/** Level switch points closer than this to the previous breakpoint are not made breakpoints. */
const FEATURE_GAP = 4;
/** Window sums run in linear space when all |log((N − 1) P_k)| ≤ 650: no term overflows or is subnormal. */
const FAST_LIMIT = 650;

function validate(options: SoftBonOptions): { logN: number; n: number; temperature: number } {
  const { n, logN, temperature } = options;
  if ((n === undefined) === (logN === undefined)) {
    throw new InputError(n === undefined ? "n" : "logN", "give exactly one of n and logN");
  }
  if (typeof temperature !== "number" || Number.isNaN(temperature) || temperature <= 0) {
    throw new InputError("temperature", `τ must be > 0, got ${show(temperature)}`);
  }
  if (n !== undefined) {
    if (typeof n !== "number" || Number.isNaN(n) || n < 1) {
      throw new InputError("n", `N must be ≥ 1, got ${show(n)}`);
    }
    return { n, logN: Math.log(n), temperature };
  }
  if (typeof logN !== "number" || Number.isNaN(logN) || logN < 0) {
    throw new InputError("logN", `log N must be ≥ 0, got ${show(logN)}`);
  }
  return { n: Math.exp(logN), logN, temperature };
}

/**
 * h_l(s) for one level, with the per-level constants precomputed. Levels are split by a_k = s + d_k =
 * log(x c_{k,l}), which increases with k: below k1 (a_k < −40) 1 − e^{−x c} = x c to 2e-18, so their
 * total is e^s Σ P_k c_{k,l}, a prefix sum; from k2 on (a_k > 6.7) e^{−x c} underflows, so they add
 * their mass exactly. Only the window [k1, k2) costs a loop. Its terms carry the factor N − 1 from the
 * start, as (N − 1) P_k, so that log((N − 1) D) has full absolute accuracy when N and 1/P_k are both
 * huge; they are summed in linear space when every (N − 1) P_k is within e^{±650}, else in logs.
 */
class LevelIntegrand {
  /** d_k = (v_k − v_l)/τ, non-decreasing in k. */
  private readonly d: Float64Array;
  /** c_{k,l} = e^{d_k} where that is a normal double, else 0 (then e^{s + d_k} is used). */
  private readonly c: Float64Array;
  /** P_k. */
  private readonly p: Float64Array;
  /** log((N − 1) P_k), and (N − 1) P_k itself when `fast`. */
  private readonly logNP: Float64Array;
  private readonly np: Float64Array;
  private readonly fast: boolean;
  /** cumLinear[K] = log Σ_{j<K} P_j c_{j,l}. */
  private readonly cumLinear: Float64Array;
  /** log(N − 1) = log N + log(1 − 1/N), kept as the two parts. */
  private readonly logN: number;
  private readonly log1mInvN: number;
  private readonly logNm1: number;
  /** s_b = −log(N E c): where N·D(e^s) ≈ 1, the scale of the bulk for large N. */
  readonly sB: number;
  private readonly scratch: Float64Array;

  constructor(
    private readonly levels: Levels,
    l: number,
    tau: number,
    logN: number,
  ) {
    const L = levels.count;
    const v = levels.values;
    const logP = levels.logMass;
    this.d = new Float64Array(L);
    this.c = new Float64Array(L);
    this.p = new Float64Array(L);
    this.logNP = new Float64Array(L);
    this.np = new Float64Array(L);
    this.logN = logN;
    this.log1mInvN = log1mexp(logN);
    this.logNm1 = logN + this.log1mInvN;
    const lin = new Float64Array(L);
    let fast = true;
    for (let k = 0; k < L; k++) {
      // Clamped so that no exponent is infinite; beyond e^{±1e300} every c_{k,l} acts alike.
      const d = Math.min(1e300, Math.max(-1e300, rewardGap(v[k]!, v[l]!, tau)));
      this.d[k] = d;
      this.c[k] = Math.abs(d) <= 700 ? Math.exp(d) : 0;
      this.p[k] = Math.exp(logP[k]!);
      lin[k] = logP[k]! + d;
      this.logNP[k] = sum3(logN, this.log1mInvN, logP[k]!);
      this.np[k] = Math.exp(this.logNP[k]!);
      if (!(Math.abs(this.logNP[k]!) <= FAST_LIMIT)) fast = false;
    }
    this.fast = fast;
    const cum = cumulativeLogSumExp(lin);
    this.cumLinear = new Float64Array(L + 1);
    this.cumLinear[0] = Number.NEGATIVE_INFINITY;
    for (let k = 0; k < L; k++) this.cumLinear[k + 1] = cum[k]!;
    this.sB = -logN - this.cumLinear[L]!;
    this.scratch = new Float64Array(L + 2);
  }

  /** Positions s = −d_k where level k switches from linear to saturated, ascending. */
  get switchPoints(): Float64Array {
    return this.d.map((x) => -x).reverse();
  }

  /** First k with d_k ≥ t (strict = false) or d_k > t (strict = true); d is non-decreasing. */
  private search(t: number, strict: boolean): number {
    return firstAtLeast(this.d, t, strict);
  }

  /** The point being evaluated, s = base + u, and e^s when |s| ≤ 50 (else 0). */
  private base = 0;
  private u = 0;
  private es = 0;

  /**
   * x c_{k,l} = e^{s + d_k}: as e^s c_{k,l} for moderate s, else as e^{(base + d_k) + u}, where
   * base + d_k is exact when the level switches near base (so far from 0 the exponent keeps its
   * absolute accuracy).
   */
  private xc(k: number): number {
    const c = this.c[k]!;
    return this.es > 0 && c > 0 ? this.es * c : Math.exp(this.base + this.d[k]! + this.u);
  }

  /** log((N − 1) D), D = 1 − M_l(e^s) = Σ_k P_k (1 − e^{−x c_{k,l}}): a sum of non-negative terms. */
  private logScaledD(k1: number, k2: number): number {
    // log N, base and the prefix sum nearly cancel where it matters (base ≈ −log N for large N):
    // a compensated sum keeps what is left exact to rounding.
    const prefix = sum4(this.logN, this.log1mInvN, this.base, this.cumLinear[k1]!) + this.u;
    const suffix = sum3(this.logN, this.log1mInvN, k2 === 0 ? 0 : this.levels.logAbove[k2 - 1]!);
    let window = Number.NEGATIVE_INFINITY;
    if (k2 > k1) {
      if (this.fast) {
        let sum = 0;
        for (let k = k1; k < k2; k++) sum -= this.np[k]! * Math.expm1(-this.xc(k));
        window = Math.log(sum);
      } else {
        for (let k = k1; k < k2; k++) this.scratch[k - k1] = this.logNP[k]! + log1mexp(this.xc(k));
        window = logSumExp(this.scratch, 0, k2 - k1);
      }
    }
    const max = Math.max(prefix, suffix, window);
    if (max === Number.NEGATIVE_INFINITY) return max;
    return max + Math.log(Math.exp(prefix - max) + Math.exp(window - max) + Math.exp(suffix - max));
  }

  /** log M_l(e^s) directly, for M < 1/2. Levels below k1 keep e^{−x c} = 1 to 2e-18. */
  private logM(k1: number): number {
    const L = this.d.length;
    const below = k1 === 0 ? Number.NEGATIVE_INFINITY : this.levels.logCdf[k1 - 1]!;
    // Linear first: terms past x c > 800 underflow to 0 and vanish against any sum ≥ 1e-280 (as do
    // those with P_k below 1e-308).
    let sum = Math.exp(below);
    for (let k = k1; k < L; k++) {
      const y = this.xc(k);
      if (y > 800) break;
      sum += this.p[k]! * Math.exp(-y);
    }
    if (sum >= 1e-280) return Math.log(sum);
    // Log path, stopping once the remaining terms (each ≤ e^{−x c_k}, increasing in k) are below e^{−60}
    // of the largest.
    const logP = this.levels.logMass;
    let m = 0;
    let max = below;
    this.scratch[m++] = max;
    for (let k = k1; k < L; k++) {
      const y = this.xc(k);
      if (-y < max - 60) break;
      const t = logP[k]! - y;
      this.scratch[m++] = t;
      if (t > max) max = t;
    }
    return logSumExp(this.scratch, 0, m);
  }

  /**
   * g_l(s) = h_l(s) − s = −e^s + (N−1) log M_l(e^s), decreasing in s, at s = base + u. The quadrature
   * works in u around a fixed base, so nodes near s ≈ −log N keep their full absolute accuracy.
   */
  g(base: number, u: number): number {
    const s = base + u;
    this.base = base;
    this.u = u;
    this.es = Math.abs(s) <= 50 ? Math.exp(s) : 0;
    const k1 = this.search(LINEAR_BELOW - s, false);
    const k2 = Math.max(k1, this.search(SATURATED_ABOVE - s, true));
    const logND = this.logScaledD(k1, k2);
    const logD = logND - this.logNm1;
    // (N − 1)(−log M): for D ≤ 1/2 from D, as −log1p(−D) = D(1 + D/2 + …), exact for tiny D.
    let t: number;
    if (logD < -40) t = Math.exp(logND + Math.exp(logD) / 2);
    else if (logD <= -Math.LN2) t = Math.exp(this.logNm1 + Math.log(-Math.log1p(-Math.exp(logD))));
    else t = Math.exp(sum3(this.logN, this.log1mInvN, Math.log(-this.logM(k1))));
    return -Math.exp(s) - t;
  }
}

/** (a − b)/τ without overflow in a − b (rewards may be near ±1.8e308); ±∞ only if the ratio is. */
function rewardGap(a: number, b: number, tau: number): number {
  const d = a - b;
  return Number.isFinite(d) ? d / tau : 2 * ((a / 2 - b / 2) / tau);
}

/**
 * a + b + c with compensation (Neumaier), for sums of logs where two terms nearly cancel. Terms are
 * finite except the last, which may be ±∞ (then so is the sum).
 */
function sum3(a: number, b: number, c: number): number {
  if (!Number.isFinite(c)) return c;
  const t = a + b;
  const e = Math.abs(a) >= Math.abs(b) ? a - t + b : b - t + a;
  const r = t + c;
  const f = Math.abs(t) >= Math.abs(c) ? t - r + c : c - r + t;
  return r + (e + f);
}

function sum4(a: number, b: number, c: number, d: number): number {
  if (!Number.isFinite(d)) return d;
  const t = a + b;
  const e = Math.abs(a) >= Math.abs(b) ? a - t + b : b - t + a;
  const r = t + c;
  const f = Math.abs(t) >= Math.abs(c) ? t - r + c : c - r + t;
  const q = r + d;
  const g = Math.abs(r) >= Math.abs(d) ? r - q + d : d - q + r;
  return q + (e + f + g);
}

/** Max-heap of intervals by their mass bound. */
class IntervalHeap {
  private readonly items: { a: number; b: number; bound: number }[] = [];

  get size(): number {
    return this.items.length;
  }

  push(a: number, b: number, bound: number): void {
    const items = this.items;
    const item = { a, b, bound };
    items.push(item);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (items[parent]!.bound >= bound) break;
      items[i] = items[parent]!;
      i = parent;
    }
    items[i] = item;
  }

  pop(): { a: number; b: number; bound: number } {
    const items = this.items;
    const top = items[0]!;
    const last = items.pop()!;
    if (items.length > 0) {
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        if (left >= items.length) break;
        const right = left + 1;
        const child = right < items.length && items[right]!.bound > items[left]!.bound ? right : left;
        if (items[child]!.bound <= last.bound) break;
        items[i] = items[child]!;
        i = child;
      }
      items[i] = last;
    }
    return top;
  }
}

/** log π_l = log(N P_l J_l) for one level. */
function levelLogProb(levels: Levels, l: number, tau: number, logN: number): number {
  const f = new LevelIntegrand(levels, l, tau, logN);
  const sB = f.sB;
  const lo = Math.min(sB, S_HI - 1) - LEFT_MARGIN;
  const values = new Map<number, number>();
  let best = Number.NEGATIVE_INFINITY; // ĥ, the largest h_l seen, at s = sRef
  let sRef = 0;
  let gRef = 0;
  const at = (s: number): number => {
    let g = values.get(s);
    if (g === undefined) {
      g = f.g(0, s);
      values.set(s, g);
      if (s + g > best) {
        best = s + g;
        sRef = s;
        gRef = g;
      }
    }
    return s + g;
  };
  // Breakpoints where the integrand changes shape: s_b, x = 1, and level switches (thinned to one per
  // FEATURE_GAP: the quadrature resolves what lies between, and L breakpoints would cost O(L) panels).
  const features = [sB, 0];
  let last = Number.NEGATIVE_INFINITY;
  for (const s of f.switchPoints) {
    if (s > lo && s < S_HI && s - last >= FEATURE_GAP) {
      features.push(s);
      last = s;
    }
  }
  const points = [lo, S_HI];
  for (const s of features) if (s > lo && s < S_HI) points.push(s);
  points.sort((x, y) => x - y);
  // Branch and bound over [lo, S_HI]: an interval's mass is at most e^{h(a)}(e^{b−a} − 1); take the
  // interval with the largest bound, drop it when that bound is below e^{ĥ − 45}, keep it when it is
  // narrower than MAX_PANEL, else halve it. Largest-bound-first finds the peak fast even when it lies
  // far from every breakpoint of a range 10^7 wide, so that little is kept or evaluated needlessly.
  const heap = new IntervalHeap();
  const push = (a: number, b: number) => {
    const w = b - a;
    heap.push(a, b, at(a) + w + log1mexp(w));
  };
  for (let i = 1; i < points.length; i++) if (points[i]! > points[i - 1]!) push(points[i - 1]!, points[i]!);
  const kept: [number, number][] = [];
  while (heap.size > 0 && values.size <= MAX_EVALUATIONS) {
    const { a, b, bound } = heap.pop();
    if (bound === Number.NEGATIVE_INFINITY || bound < best - DROP_MARGIN) break;
    const mid = a + (b - a) / 2;
    if (b - a <= MAX_PANEL || !(mid > a && mid < b)) kept.push([a, b]);
    else {
      push(a, mid);
      push(mid, b);
    }
  }
  kept.sort((x, y) => x[0] - y[0]);
  // e^{h − ĥ} in u = s − sRef, so the only rounding noise left is that of g, about ε|g|; the tolerance
  // must not ask for less (|g| is large only for levels whose π_l is astronomically small).
  gRef = f.g(sRef, 0);
  if (!Number.isFinite(best) || !Number.isFinite(gRef))
    throw new Error(`soft best-of-N: no finite h at level ${l}`);
  const integrand = (u: number) => {
    const v = Math.exp(u + (f.g(sRef, u) - gRef));
    // A NaN would stall the adaptive quadrature; it would be a defect here, never an input problem.
    if (Number.isNaN(v)) throw new Error(`soft best-of-N: NaN integrand at level ${l}, u = ${u}`);
    return v;
  };
  const relTol = Math.max(1e-13, 4 * Number.EPSILON * (Math.abs(gRef) + 64));
  // J_l ≥ e^{ĥ}, so in these units the total is ≥ 1 and an absolute tolerance of 1e-15 is safe.
  const total = new NeumaierSum();
  let run: number[] = [];
  const flush = () => {
    if (run.length > 1) total.add(integrate(integrand, run, relTol, 1e-15, MAX_PANELS).value);
    run = [];
  };
  for (const [a, b] of kept) {
    if (run.length === 0 || run[run.length - 1] !== a - sRef) {
      flush();
      run.push(a - sRef);
    }
    run.push(b - sRef);
  }
  flush();
  // log π_l = log N + log P_l + ĥ + log ∫e^{h−ĥ}: large terms cancel (log N against s ~ −log N, or
  // against log P_l ~ −log N), so sum them with compensation.
  const parts = new NeumaierSum();
  for (const x of [logN, levels.logMass[l]!, sRef, gRef, Math.log(total.value)]) parts.add(x);
  return parts.value;
}

/**
 * True when N is so large that π = φ_{1/τ} to double precision (always for N = ∞). With μ = E_p w and
 * C = w_max/μ (so E w² ≤ C μ²), π(y)/φ(y) = E[Nμ/(w(y) + S_{N−1})], S_{N−1} a sum of N − 1 draws of w:
 * this is 1 + O(C/N) while S_{N−1} ≥ (N−1)μ/2, and the rest has probability at most e^{−(N−1)/(8C)}
 * (Bernstein's lower-tail bound for non-negative summands) and weight at most μ/w_min ≤ e^{spread/τ}.
 * Both are below e^{−100} when log N − log C > max(100, log(spread/τ) + 10).
 */
function tiltIsExact(levels: Levels, tau: number, logN: number): boolean {
  const L = levels.count;
  const top = levels.values[L - 1]!;
  const terms = new Float64Array(L);
  for (let l = 0; l < L; l++) terms[l] = levels.logMass[l]! + rewardGap(levels.values[l]!, top, tau);
  const logC = -logSumExp(terms);
  const spread = rewardGap(top, levels.values[0]!, tau);
  return logN - logC > Math.max(100, Math.log(spread) + 10);
}

/**
 * KL(q‖p) = Σ_l [q log(q/p) − q + p] from level log-probabilities: non-negative terms (klTerm), so the
 * compensated sum never cancels; +∞ when q has mass where p has none.
 */
function levelKl(logq: Float64Array, logp: Float64Array): number {
  const total = new NeumaierSum();
  for (let l = 0; l < logq.length; l++) {
    const t =
      logq[l] === Number.NEGATIVE_INFINITY ? Math.exp(logp[l]!) : klTerm(logp[l]!, logq[l]! - logp[l]!);
    if (t === Number.POSITIVE_INFINITY) return t;
    total.add(t);
  }
  return total.value;
}

/**
 * Level log-probabilities of the tilt φ_λ, summed within each level and renormalised: for large λ the
 * tilt's log-partition is a single double of size λ·r, whose rounding (~1e-12 at λ = 1e4) shifts
 * every log φ alike, and the renormalisation removes that common shift.
 */
function tiltLevelLogProbs(model: Model, levels: Levels, lambda: number): Float64Array {
  const logphi = tiltLogProbs(model, tiltAt(model, lambda));
  const groups: number[][] = Array.from({ length: levels.count }, () => []);
  for (let i = 0; i < model.size; i++) groups[levels.levelOf[i]!]!.push(logphi[i]!);
  const out = Float64Array.from(groups, (g) => logSumExp(g));
  const logTotal = logSumExp(out);
  if (Number.isFinite(logTotal)) for (let l = 0; l < out.length; l++) out[l] = out[l]! - logTotal;
  return out;
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
  else if (logN > MAX_LOG_N || tiltIsExact(levels, tau, logN))
    logPi = tiltLevelLogProbs(model, levels, lambda);
  else {
    logPi = new Float64Array(L);
    for (let l = 0; l < L; l++) logPi[l] = levelLogProb(levels, l, tau, logN);
    const logTotal = logSumExp(logPi);
    if (!Number.isFinite(logTotal))
      throw new Error(`soft best-of-N: the level integrals failed (Σπ = e^${logTotal})`);
    normalizationError = Math.abs(Math.expm1(logTotal));
    for (let l = 0; l < L; l++) logPi[l] = logPi[l]! - logTotal;
  }
  const top = levels.values[L - 1]!;
  // E r = top + 2 Σ π_l (v_l/2 − top/2): relative to the top for accuracy, halved so no difference of
  // rewards overflows.
  const half = new NeumaierSum();
  for (let l = 0; l < L; l++) {
    const lp = logPi[l]!;
    if (lp > Number.NEGATIVE_INFINITY) half.add(Math.exp(lp) * (levels.values[l]! / 2 - top / 2));
  }
  const reward = top + half.value + half.value;
  return {
    n,
    logN,
    temperature: tau,
    levelLogProbs: logPi,
    reward: Math.min(model.rMax, Math.max(model.rMin, reward)),
    kl: levelKl(logPi, levels.logMass),
    klToTilt: levelKl(logPi, tiltLevelLogProbs(model, levels, lambda)),
    normalizationError,
  };
}

/** log π on the support outcomes (within a level, in proportion to p). */
export function softBonOutcomeLogProbs(model: Model, result: SoftBonResult): Float64Array {
  return outcomeLogProbs(model, levelsOf(model), result.levelLogProbs);
}
