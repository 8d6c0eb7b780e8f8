import { log1mexp, log1mexpRatio, logLog1pRatio, SMALL_T } from "../numerics/logspace.js";
import { NeumaierSum } from "../numerics/sum.js";

/**
 * Best-of-N on the law of S_n given relative to a tilted centre (MATH §3), for N = e^{log N} with
 * log N up to ~10^9: the sums that give the KL fields have terms of size O(A) = O(log n) only.
 *
 * The law comes as log P(S_n = K_j) = m_j + C on consecutive lattice points, with C = −n·d̃(θ) a common
 * constant of size nΔ and m_j = ℓ_j − θx_j, where ℓ_j = log P_θ(S_n = K_j) (the law tilted by θ, step
 * units) and x_j = K_j − n·μ̃ (μ̃ the tilted mean as a double). Best-of-N only ever needs N·P and N·Q, i.e.
 * c = log N + C, which the caller forms in double-double. With T_j = Σ_{i>j} e^{m_i} (+ the mass above):
 *   A_j = N·(−log F_j) = e^{c + log T_j}·(−log1p(−Q_j)/Q_j),       (Q_j = e^{C} T_j)
 *   δ_j = A_{j−1} − A_j = N·log1p(t_j),  log t_j = m_j + C − log F_{j−1},
 *   log π_j = −A_j + log(1 − e^{−δ_j}),
 * and the fields, each a sum of O(log n) terms:
 *   KL(π‖p^n) = log N + Σ π_j v_j,  v_j = log π_j − log(N P_j)   (v = −A − log F_{j−1} + O(δ) for small δ),
 *   KL(π‖P_θ) = Σ π_j (log π_j − ℓ_j),  E[x] = Σ π_j x_j.
 * With each m_j known to ±err_j, c to ±cErr and the tail above to a relative ±aboveErr, the error of
 * log π_j is at most A_j(e^{a_j} − 1) + b_j (a_j: of log A_j, b_j: of log δ_j) to first order; the bounds
 * returned are Σ π_j (that)·(|its coefficient| + 1) + the terms outside the points.
 */
export interface ShiftedLaw {
  /** x_j = K_j − n·μ̃ (steps), increasing by 1. */
  readonly x: Float64Array;
  /** m_j = log P(S_n = K_j) − C (−∞ where P = 0). */
  readonly m: Float64Array;
  /** Bound on |error| of each m_j (nats). */
  readonly err: Float64Array;
  /** θ (step units): ℓ_j = m_j + θ x_j. */
  readonly theta: number;
  /** C as a double (only used where ~1 ulp of it is harmless: Q_j, to pick branches). */
  readonly C: number;
  /** c = log N + C, with a bound on its absolute error. */
  readonly c: number;
  readonly cErr: number;
  readonly logN: number;
  /** log of an upper bound on Σ_{K > last} e^{m} (the tail past the points, not included). */
  readonly logAboveBound: number;
  /** Largest −log P_θ(S_n = K) over the support (bounds the KL terms of the mass outside the points). */
  readonly maxMinusLogP: number;
  /** Number of support points (bounds −Σ π log π of the mass outside the points). */
  readonly supportPoints: number;
}

export interface ShiftedBon {
  /** E_π[x] = E_π[K] − n·μ̃. */
  readonly meanX: number;
  readonly klToReference: number;
  /** KL(π_N ‖ P_θ) (the law of S_n under the θ-tilt). */
  readonly klToTilt: number;
  /** Bounds on the absolute errors of the three. */
  readonly meanXError: number;
  readonly klToReferenceError: number;
  readonly klToTiltError: number;
  /** Best-of-N mass below the first point and above the last (bounds). */
  readonly massBelow: number;
  readonly massAbove: number;
}

const EPS = Number.EPSILON;

/** −log1p(−Q)/Q for 0 ≤ Q < 1 (1 + Q/2 + … for tiny Q). */
function minusLog1mRatio(Q: number): number {
  if (Q < 1e-8) return 1 + 0.5 * Q;
  return -Math.log1p(-Q) / Q;
}

export class ShiftedLawError extends Error {}

/** Best-of-N with its KL fields on a shifted law; throws ShiftedLawError where Q > ½ carries mass. */
export function bonOnShiftedLaw(law: ShiftedLaw): ShiftedBon {
  const { x, m, err, theta, C, c, cErr, logN } = law;
  const J = m.length;
  let M = Number.NEGATIVE_INFINITY;
  for (let j = 0; j < J; j++) M = Math.max(M, m[j]!);
  // T_j (scaled by e^{−M}) and the largest relative error of the masses it sums, from the top down.
  const T = new Float64Array(J + 1);
  const eT = new Float64Array(J + 1);
  const tail = new NeumaierSum();
  let worst = 0;
  for (let j = J - 1; j >= -1; j--) {
    // T[j + 1] holds T_j: the mass strictly above point j (j = −1: the whole window).
    T[j + 1] = tail.value;
    eT[j + 1] = worst;
    if (j >= 0 && m[j]! > Number.NEGATIVE_INFINITY) {
      tail.add(Math.exp(m[j]! - M));
      worst = Math.max(worst, err[j]!);
    }
  }
  // The tail past the last point adds at most this to every A_j (Q ≤ ½ there: −log1p(−Q)/Q ≤ 1.4).
  const aboveA = law.logAboveBound === Number.NEGATIVE_INFINITY ? 0 : 1.4 * Math.exp(c + law.logAboveBound);
  const logT = (j: number): number => M + Math.log(T[j + 1]!);
  // log F_j from Q_j = e^{C} T_j (Q ≤ ½ here, else the caller's other engine).
  const logQ = (j: number): number => C + logT(j);
  const logF = (j: number): number => {
    const lq = logQ(j);
    return lq < -40 ? -Math.exp(lq) : Math.log1p(-Math.exp(lq));
  };
  const A = (j: number): number => {
    const t = T[j + 1]!;
    if (t === 0) return 0;
    const lq = logQ(j);
    if (lq > -Math.LN2) {
      // F ≤ ½: A ≥ N log 2, beyond 800 once log N > 7.1, and best-of-N has no mass there.
      if (logN > 7.1) return Number.POSITIVE_INFINITY;
      throw new ShiftedLawError("Q > 1/2 where best-of-N has mass");
    }
    return Math.exp(c + logT(j)) * minusLog1mRatio(Math.exp(lq));
  };
  const piSum = new NeumaierSum();
  const xSum = new NeumaierSum();
  const vSum = new NeumaierSum();
  const tSum = new NeumaierSum();
  const eLogPi = new Float64Array(J);
  const logPi = new Float64Array(J).fill(Number.NEGATIVE_INFINITY);
  const v = new Float64Array(J);
  const massBelow = Math.exp(-A(-1));
  for (let j = 0; j < J; j++) {
    const Aj = A(j);
    const mj = m[j]!;
    if (mj === Number.NEGATIVE_INFINITY || Aj > 800) continue;
    const logFprev = logF(j - 1);
    // δ_j = N·log1p(t_j), t_j = P_j/F_{j−1}.
    const logt = mj + C - logFprev;
    const t = Math.exp(logt);
    const logDelta =
      (t < SMALL_T ? c + mj - logFprev + logLog1pRatio(t) : logN + Math.log(Math.log1p(t))) + 0;
    const delta = Math.exp(logDelta);
    const lp = -Aj + (delta <= Math.LN2 ? logDelta + log1mexpRatio(delta) : log1mexp(delta));
    logPi[j] = lp;
    // v_j = log π_j − log(N P_j), without forming log(N P_j) − log δ_j where δ is small.
    v[j] =
      delta <= Math.LN2 && t < SMALL_T
        ? -Aj - logFprev + logLog1pRatio(t) + log1mexpRatio(delta)
        : lp - (c + mj);
    const a = cErr + eT[j + 1]! + 8 * EPS;
    // Where t is not tiny, log t used C as a double (ε|C|); else only through Q_{j−1}.
    const b =
      cErr +
      err[j]! +
      (eT[j]! + EPS * Math.abs(C)) * Math.exp(logQ(j - 1)) +
      (t < SMALL_T ? 0 : 2 * EPS * Math.abs(C)) +
      8 * EPS;
    eLogPi[j] =
      Aj * Math.expm1(a) + aboveA + b * Math.min(1, delta / Math.expm1(delta) || 1) + 8 * EPS * (1 + Aj);
  }
  // Sums, in the order of decreasing mass so the compensation has nothing to do; all terms O(log n).
  for (let j = 0; j < J; j++) piSum.add(logPi[j]! > -745 ? Math.exp(logPi[j]!) : 0);
  const massAbove = -Math.expm1(-(A(J - 1) + aboveA));
  const total = piSum.value;
  for (let j = 0; j < J; j++) {
    if (!(logPi[j]! > -745)) continue;
    const p = Math.exp(logPi[j]!);
    xSum.add(p * x[j]!);
    vSum.add(p * v[j]!);
    tSum.add(p * (logPi[j]! - m[j]! - theta * x[j]!));
  }
  const meanX = xSum.value / total;
  const eX = new NeumaierSum();
  const eRef = new NeumaierSum();
  const eTilt = new NeumaierSum();
  for (let j = 0; j < J; j++) {
    if (!(logPi[j]! > -745)) continue;
    const p = Math.exp(logPi[j]!);
    const e = eLogPi[j]!;
    const ell = m[j]! + theta * x[j]!;
    const eEll = err[j]! + 2 * EPS * (Math.abs(theta * x[j]!) + Math.abs(m[j]!));
    eX.add(2 * p * e * Math.abs(x[j]! - meanX) + p * EPS * Math.abs(x[j]!));
    eRef.add(p * (e * (Math.abs(v[j]!) + 1) + err[j]! + cErr));
    eTilt.add(p * (e * (Math.abs(logPi[j]! - ell) + 1) + eEll));
  }
  // The mass outside the points: at most massBelow + massAbove, each with KL terms bounded by the
  // support's size (Σ π log π) and the largest −log P_θ; its x by the support's width.
  const outside = massBelow + massAbove;
  const outsideKl =
    outside > 0
      ? outside * (Math.log(law.supportPoints) + Math.abs(Math.log(outside)) + law.maxMinusLogP + logN)
      : 0;
  const outsideX = outside * law.supportPoints;
  return {
    meanX,
    klToReference: logN + vSum.value,
    klToTilt: tSum.value,
    meanXError: eX.value + outsideX + EPS * Math.abs(meanX),
    klToReferenceError: eRef.value + outsideKl + 4 * EPS * logN,
    klToTiltError: eTilt.value + outsideKl + 4 * EPS * Math.abs(tSum.value),
    massBelow,
    massAbove,
  };
}
