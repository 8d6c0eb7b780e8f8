import { InputError, show } from "../errors.js";
import { levelsOf } from "../levels.js";
import { isConstantReward, type Model } from "../model.js";
import { NeumaierSum } from "../numerics/sum.js";
import { tiltAt, tiltLogProbs } from "../tilt.js";
import { cramerSolution } from "./cramer.js";
import { type Lattice, latticeOf } from "./lattice.js";
import { logNormalDensity, millsMinusReciprocal, normalUpper } from "./normalTail.js";

/**
 * Saddlepoint approximations of the upper tail P(S_n ≥ s) of S_n = r(Y_1) + … + r(Y_n), Y_i iid from a
 * finite model, in the log domain (MATH §3). With K(t) = log E e^{t r} (the tilt engine's Λ), the
 * saddlepoint t̂ solves K'(t̂) = x = s/n, I = t̂x − K(t̂) = KL(φ_t̂‖p) (Cramér's rate), and
 *   ŵ = sgn(t̂)√(2I), û = t̂√K''(t̂), w = √n ŵ, u = √n û.
 * - Lugannani–Rice (1980), for laws without a lattice: P ≈ 1 − Φ(w) + φ(w)(1/u − 1/w).
 * - Lattice laws of step h, first continuity correction of Daniels (1987, "Tail probability
 *   approximations", Int. Stat. Review 55, §4): the same with û replaced by ũ = (1 − e^{−t̂h})√K''/h,
 *   at s on the lattice (s is moved up to the next lattice point first).
 * - Bahadur–Rao (1960) leading term, for s above the mean: log P ≈ −nI − log(u√(2π)), with u as above
 *   (ũ on a lattice).
 * Error: relative O(1/n) in the large-deviation range, for s strictly inside (n·r_min, n·r_max) and
 * t̂, K''(t̂) of order 1. The estimate reported is the size of Daniels' next-order term,
 *   φ(w) n^{−3/2} [ (1/û)(λ₄/8 − 5λ₃²/24) − 1/û³ − λ₃/(2û²) + 1/ŵ³ ],  λ_k = K^{(k)}/K''^{k/2} at t̂,
 * the second-order term of the Lugannani–Rice expansion (Daniels 1987, §2; with it the error on the exact
 * gamma tail of a sum of exponentials drops from O(1/n) to O(1/n²), checked with scipy), on a lattice
 * plus h²/(24nK'') and, far out, the same term with ũ; plus, without a lattice, the discreteness of S_n:
 * a finite law is never smooth, and near-lattices of step h (rewards within a small δ of a + hℤ) leave a
 * periodic component of relative size about 2|ψ(2π/h)|^n·max(t̂, 1/√(nK''))·h/(2π) in the tail (ψ the
 * characteristic function of the tilted law, the tail's one-sided exponential filter 1/(t̂ + iω)
 * weighting frequency ω), summed over the coherent near-lattices and their harmonics, and doubled. The
 * O(1/n) rate assumes a smooth (Cramér) law, which no finite law is: the discreteness term is what is
 * left, and it decides whether n is "large enough". It is an asymptotic estimate, not a bound. Beyond
 * MAX_RELATIVE_ERROR the approximation is refused.
 */

/** Estimated relative error above which the saddlepoint tail is refused as unsound. */
export const MAX_RELATIVE_ERROR = 0.1;
/** |ŵ| below which the removable singularity of 1/û − 1/ŵ at the mean is taken from its series. */
const SERIES_W = 1e-5;
/** |ŵ| below which the next-order term is taken at its limit at the mean. */
const SERIES_W_NEXT = 1e-2;
/** Work (outcomes × candidate near-lattice steps) spent on the discreteness estimate. */
const DISCRETENESS_WORK = 4e6;

/**
 * Which saddlepoint form gave a tail: Lugannani–Rice (continuous), Daniels' lattice form, or exact (s at
 * or beyond an end of the support, where the tail is 0, 1 or p(r_max)^n).
 */
export type SaddlepointForm = "lugannani-rice" | "lattice" | "exact";

/** The saddlepoint approximation to P(S_n ≥ s), with its estimated relative error (MATH §3). */
export interface SaddlepointTail {
  /** log P(S_n ≥ s) by Lugannani–Rice (or Daniels' lattice form); exact at and beyond the ends. */
  readonly logUpperTail: number;
  /** The Bahadur–Rao leading term (present for s above the mean and below n·r_max). */
  readonly logBahadurRao?: number;
  readonly form: SaddlepointForm;
  /** Estimated relative error of P(S_n ≥ s) (not of its log): next-order term + discreteness. */
  readonly relErrorEstimate: number;
  /** The part of relErrorEstimate due to the discreteness of a non-lattice law (0 on a lattice). */
  readonly discreteness: number;
  /** t̂ in reward units (±∞ at the ends). */
  readonly theta: number;
  /** n·I(s/n), the exponential rate. */
  readonly rate: number;
  /** The point the formula was applied at (s moved up to the lattice on a lattice). */
  readonly at: number;
}

interface Cumulants {
  readonly k2: number;
  readonly k3: number;
  readonly k4: number;
  readonly k5: number;
}

/** κ₂…κ₅ of r under φ from its log-probabilities, by central moments about the computed mean. */
function cumulantsOf(model: Model, logphi: Float64Array, sign: number): Cumulants {
  const w = Float64Array.from(logphi, Math.exp);
  const m1 = new NeumaierSum();
  for (let i = 0; i < w.length; i++) m1.add(w[i]! * model.r[i]!);
  const mean = m1.value;
  const m = [new NeumaierSum(), new NeumaierSum(), new NeumaierSum(), new NeumaierSum()];
  for (let i = 0; i < w.length; i++) {
    const d = model.r[i]! - mean;
    let t = w[i]! * d;
    for (let k = 0; k < 4; k++) {
      t *= d;
      m[k]!.add(t);
    }
  }
  const [m2, m3, m4, m5] = m.map((s) => s.value) as [number, number, number, number];
  // Cumulants of −r are (−1)^k those of r.
  return { k2: m2, k3: sign * m3, k4: m4 - 3 * m2 * m2, k5: sign * (m5 - 10 * m3 * m2) };
}

function checkArgs(n: number, s: number): void {
  if (!Number.isSafeInteger(n) || n < 1) {
    throw new InputError("length", `n must be a whole number ≥ 1, got ${show(n)}`);
  }
  if (!Number.isFinite(s)) throw new InputError("at", `s must be a finite number, got ${show(s)}`);
}

const exact = (logUpperTail: number, theta: number, rate: number, at: number): SaddlepointTail => ({
  logUpperTail,
  form: "exact",
  relErrorEstimate: 0,
  discreteness: 0,
  theta,
  rate,
  at,
});

/**
 * The discreteness estimate for a law without a lattice, from the frequencies ω = 2π/h* of its
 * near-lattices (h = range/j, j = 1, 2, …, refined by least squares to the levels): the terms 4|ψ(ω)|^n·m/ω
 * (twice the ± pair), their largest, or their sum over the coherent ones (|ψ|^n > ½: the harmonics of one
 * near-lattice add up) when larger. Measured above the actual error against exact enumeration (n ≤ 600)
 * and a conditional-binomial reference (n ≤ 10⁵). The scan stops where one more fully coherent step would
 * add under 1e-5 (or at the work cap), and that size is added for the finer steps left unscanned.
 */
function discreteness(model: Model, logphi: Float64Array, n: number, m: number): number {
  const { values } = levelsOf(model);
  const L = values.length;
  // A lattice a + hℤ through the levels has h = range/k for the top level's step k: scanning range/j
  // finds every near-lattice, however close two levels are.
  const range = values[L - 1]! - values[0]!;
  const w = Float64Array.from(logphi, Math.exp);
  const size = (h: number) => (4 * m * h) / (2 * Math.PI);
  const J = Math.max(
    1,
    Math.min(Math.ceil(size(range) / 1e-5), Math.floor(DISCRETENESS_WORK / (model.size + L))),
  );
  const v0 = values[0]!;
  const coherent = new NeumaierSum();
  let worst = 0;
  for (let j = 1; j <= J; j++) {
    const h = range / j;
    let num = 0;
    let den = 0;
    for (let l = 1; l < L; l++) {
      const k = Math.round((values[l]! - v0) / h);
      num += k * (values[l]! - v0);
      den += k * k;
    }
    const omega = (2 * Math.PI * den) / num;
    let re = 0;
    let im = 0;
    for (let i = 0; i < model.size; i++) {
      const a = omega * (model.r[i]! - v0);
      re += w[i]! * Math.cos(a);
      im += w[i]! * Math.sin(a);
    }
    const amp = Math.exp(n * 0.5 * Math.log(Math.min(1, re * re + im * im)));
    const term = (4 * amp * m) / omega;
    if (amp > 0.5) coherent.add(term);
    worst = Math.max(worst, term);
  }
  return Math.max(worst, coherent.value) + size(range / J);
}

/**
 * log P(S_n ≥ s) by the saddlepoint (see the file comment), with the lattice form when the rewards are
 * on a lattice. Exact at the ends: 0 for s ≤ n·r_min, n log p* at s = n·r_max, −∞ beyond. Throws an
 * InputError when the estimated relative error exceeds MAX_RELATIVE_ERROR.
 */
export function saddlepointUpperTail(model: Model, n: number, s: number): SaddlepointTail {
  checkArgs(n, s);
  const lat: Lattice | undefined = latticeOf(model);
  const step = lat && lat.step > 0 ? lat.step : 0;
  let at = s;
  if (step > 0) {
    // The next lattice point at or above s (within the lattice detector's tolerance).
    const k = (s - n * lat!.offset) / step;
    const K = Math.ceil(k - Math.min(0.25, 1e-9 * (1 + Math.abs(k))));
    at = n * lat!.offset + step * K;
  }
  const top = n * model.rMax;
  const bottom = n * model.rMin;
  if (isConstantReward(model) || at <= bottom) {
    return at <= bottom
      ? exact(0, Number.NEGATIVE_INFINITY, 0, at)
      : exact(Number.NEGATIVE_INFINITY, 0, 0, at);
  }
  const tolTop = 1e-12 * Math.max(1, Math.abs(top));
  if (at > top + tolTop)
    return exact(Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY, at);
  if (at >= top - tolTop) {
    return exact(n * model.logPStar, Number.POSITIVE_INFINITY, -n * model.logPStar, top);
  }
  const x = at / n;
  const sol = cramerSolution(model, x);
  const t = sol.s;
  const point = sol.point!;
  const sign = t < 0 ? -1 : 1;
  const c = cumulantsOf(sol.on, tiltLogProbs(sol.on, point), sign);
  const I = sol.value;
  const rate = n * I;
  const sq = Math.sqrt(n);
  const sd = Math.sqrt(c.k2);
  const what = () => `P(S_n ≥ ${show(s)}) at n = ${n}`;
  if (!(c.k2 > 0) || !Number.isFinite(t)) {
    throw new InputError("at", `the saddlepoint is degenerate for ${what()} (s too close to an end)`);
  }
  const w = Math.sign(t) * Math.sqrt(2 * I);
  // 1/û (or 1/ũ on a lattice) − 1/ŵ, per token; near the mean from its series (with κ at 0):
  // 1/û − 1/ŵ = [−κ₃/6 + t(5κ₃²/κ₂ − 3κ₄)/24]/κ₂^{3/2} + O(t²), and 1/ũ − 1/û = (h/2 + t h²/12)/√κ₂ + O(t²).
  const at0 = Math.abs(w) < SERIES_W_NEXT ? cumulantsOf(model, tiltLogProbs(model, tiltAt(model, 0)), 1) : c;
  let inv: number;
  let uHat: number;
  if (Math.abs(w) < SERIES_W) {
    const { k2, k3, k4 } = at0;
    inv = (-k3 / 6 + (t * ((5 * (k3 * k3)) / k2 - 3 * k4)) / 24) / k2 ** 1.5;
    if (step > 0) inv += (step / 2 + (t * step * step) / 12) / Math.sqrt(k2);
    uHat = t * Math.sqrt(k2);
  } else {
    uHat = step > 0 ? (-Math.expm1(-t * step) / step) * sd : t * sd;
    inv = 1 / uHat - 1 / w;
  }
  // P = Q(√n ŵ) + φ(√n ŵ)(1/û − 1/ŵ)/√n; above the mean as φ(·)[R(√n ŵ) − 1/(√n ŵ) + (1/û − 1/ŵ)/√n + 1/(√n ŵ)]
  // so that nothing underflows: the bracket is R(√n ŵ) − 1/(√n ŵ) + 1/(√n û) (≈ 1/u far out).
  const wn = sq * w;
  const logPhi = logNormalDensity(wn);
  let logP: number;
  if (wn > 1) {
    const bracket = millsMinusReciprocal(wn) + inv / sq + 1 / wn;
    if (!(bracket > 0)) throw new InputError("at", `the saddlepoint approximation fails for ${what()}`);
    logP = -rate - 0.5 * Math.log(2 * Math.PI) + Math.log(bracket);
  } else {
    const p = normalUpper(wn) + Math.exp(logPhi) * (inv / sq);
    if (!(p > 0 && p <= 1 + 1e-12)) {
      throw new InputError("at", `the saddlepoint approximation fails for ${what()}`);
    }
    logP = Math.min(0, Math.log(p));
  }
  // Next-order term (Daniels 1987, §2), relative to P; at the mean its limit (series of the bracket in t).
  let next: number;
  if (Math.abs(w) < SERIES_W_NEXT) {
    const { k2, k3, k4, k5 } = at0;
    next = (54 * k2 * k2 * k5 - 225 * k2 * k3 * k4 + 175 * k3 ** 3) / (2160 * k2 ** 4.5);
  } else {
    const l3 = c.k3 / c.k2 ** 1.5;
    const l4 = c.k4 / (c.k2 * c.k2);
    // With the continuous û on a lattice too: the singular terms then cancel at the mean as they must.
    const u = t * sd;
    next = (1 / u) * (l4 / 8 - (5 * l3 * l3) / 24) - 1 / u ** 3 - l3 / (2 * u * u) + 1 / w ** 3;
  }
  const logNext = -rate - 0.5 * Math.log(2 * Math.PI) - 1.5 * Math.log(n) + Math.log(Math.abs(next));
  let nextRel = Math.exp(logNext - logP);
  if (step > 0) {
    // Daniels' lattice form has its own O(1/n) terms: taken as the continuity term h²/(24nK'') and, in the
    // large-deviation range, the next-order term with ũ for û (both measured above the actual error on
    // binomial and ternary tails, n = 10³…10⁶).
    nextRel += (step * step) / (24 * n * c.k2);
    if (wn > 3) {
      const l3 = c.k3 / c.k2 ** 1.5;
      const l4 = c.k4 / (c.k2 * c.k2);
      const u = uHat;
      const nextLattice =
        (1 / u) * (l4 / 8 - (5 * l3 * l3) / 24) - 1 / u ** 3 - l3 / (2 * u * u) + 1 / w ** 3;
      nextRel += Math.exp(logNext - Math.log(Math.abs(next)) + Math.log(Math.abs(nextLattice)) - logP);
    }
  }
  const disc =
    step > 0 ? 0 : discreteness(sol.on, tiltLogProbs(sol.on, point), n, Math.max(Math.abs(t), 1 / (sq * sd)));
  const relErrorEstimate = nextRel + disc;
  if (!(relErrorEstimate <= MAX_RELATIVE_ERROR)) {
    throw new InputError(
      step > 0 ? "at" : "model.r",
      `${step > 0 ? "" : "the rewards are not on a lattice, and "}the saddlepoint approximation of ${what()} is not ` +
        `sound (estimated relative error ${relErrorEstimate.toPrecision(2)} > ${MAX_RELATIVE_ERROR}; ` +
        `it needs s strictly inside (n·r_min, n·r_max) and n large): use a larger n, or quantise the rewards ` +
        `(--grid h)`,
    );
  }
  const result: SaddlepointTail = {
    logUpperTail: logP,
    form: step > 0 ? "lattice" : "lugannani-rice",
    relErrorEstimate,
    discreteness: disc,
    theta: t,
    rate,
    at,
  };
  if (t > 0) return { ...result, logBahadurRao: -rate - Math.log(sq * uHat) - 0.5 * Math.log(2 * Math.PI) };
  return result;
}

/**
 * The Bahadur–Rao leading term alone, log P(S_n ≥ s) ≈ −nI(x) − log(u√(2π)) for s above the mean
 * (exact at n·r_max and beyond). On a lattice u is ũ = (1 − e^{−t̂h})√(nK'')/h and s is moved up to the
 * lattice. Relative error O(1/n) (Bahadur & Rao 1960; Dembo & Zeitouni, Thm 3.7.4).
 */
export function bahadurRaoUpperTail(model: Model, n: number, s: number): number {
  const r = saddlepointUpperTail(model, n, s);
  if (r.form === "exact") return r.logUpperTail;
  if (r.logBahadurRao === undefined) {
    throw new InputError(
      "at",
      `Bahadur–Rao needs s above the mean n·E r = ${n * model.mean}, got ${show(s)}`,
    );
  }
  return r.logBahadurRao;
}
