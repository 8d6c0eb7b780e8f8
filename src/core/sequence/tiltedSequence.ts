import type { Model } from "../model.js";
import { binomialLogPmf } from "./binomial.js";
import { bonOnShiftedLaw, type ShiftedBon, type ShiftedLaw, ShiftedLawError } from "./bonShifted.js";
import { dd, ddAdd, ddMul, ddSub, ddValue } from "./ddouble.js";
import type { Lattice } from "./lattice.js";
import { reachability } from "./lattice.js";
import { offsetFrom, shiftedWindow, tiltLattice } from "./shifted.js";
import { BINOMIAL_ABS, DIRECT_AUTO_POINTS, sumLaw } from "./sumLaw.js";
import { refineTilt, tiltConstants } from "./tiltConstants.js";

/**
 * Best-of-e^{log N} on a lattice law of S_n in the frame of the tilt θ_N where it concentrates (MATH §3,
 * bonShifted.ts): log P_θ(S_n = K) from the binomial closed form with the tilted parameters, the direct
 * convolution (small supports) or one shifted FFT window, each accurate in absolute terms near the
 * tilted centre, and the O(n) constants n·d(θ), n·μ in double-double. The KL to the optimum is then
 * KL(π‖P_θN) − τ·E[K − nμ̃] + n·B, τ = λ* − θ_N and B = Λ(λ*) − Λ(θ_N) − τμ̃ ≥ 0 (both in steps), so no
 * O(n) terms cancel. Returns undefined where this frame does not apply (an FFT window that does not
 * resolve the upper tail, or F ≤ ½ where best-of-N has mass): the caller's general engine then answers.
 */
export interface TiltedSequence {
  /** E_π S_n / n. */
  readonly rewardPerToken: number;
  readonly klToReference: number;
  readonly klToOptimal: number;
  /** n·x* − E_π S_n with x* = V(Δ) in double-double. */
  readonly gapTimesLength: number;
  /** x* = a + h·μ(λ*), from the refined tilt. */
  readonly xStar: number;
  readonly error: {
    readonly rewardPerToken: number;
    readonly klToReference: number;
    readonly klToOptimal: number;
    readonly gapTimesLength: number;
  };
  readonly method: "binomial" | "direct" | "fft";
}

/** Nats of best-of-N mass left above the window (e^{−60}) and below it (A ≥ e^{60}). */
const TAIL_NATS = 60;
const EPS = Number.EPSILON;

/** −log(1 − e) for the relative error e of a probability: the error of its log. */
const logError = (e: number): number => (e < 1 ? -Math.log1p(-e) : Number.POSITIVE_INFINITY);

export function tiltedSequence(
  model: Model,
  lat: Lattice,
  n: number,
  logN: number,
  thetaN: number,
  lambdaStar: number,
  delta: number,
): TiltedSequence | undefined {
  const theta = thetaN * lat.step;
  if (!(theta > 0) || !Number.isFinite(theta)) return undefined;
  const tilt = tiltLattice(lat, theta);
  const mu = tilt.mean;
  const top = n * lat.span;
  // C = −n·(θμ̃ − Λ(θ)) and c = log N + C, with the exact μ̃ the points are measured from.
  const kN = tiltConstants(lat, theta);
  const C = ddMul(dd(-n), ddSub(ddMul(dd(theta), dd(mu)), kN.logZ));
  const cdd = ddAdd(dd(logN), C);
  const c = ddValue(cdd);
  const cErr = EPS * Math.abs(c) + 1e-30 * Math.abs(C.hi);
  const centre = n * mu;
  const kLo = Math.max(0, Math.ceil(centre - (TAIL_NATS + Math.log1p(n)) / theta - 10));
  const kHi = Math.min(top, Math.floor(centre + TAIL_NATS / theta + 10));
  const J = kHi - kLo + 1;
  const x = new Float64Array(J);
  const m = new Float64Array(J);
  const err = new Float64Array(J);
  for (let j = 0; j < J; j++) x[j] = -offsetFrom(n, mu, kLo + j);
  let method: TiltedSequence["method"];
  let first = 0;
  if (lat.ks.length === 2) {
    method = "binomial";
    // K counts the upper level: Binomial(n, p_θ) exactly, p_θ and q_θ each to a few ε.
    const q = tilt.w[0]!;
    const p = tilt.w[1]!;
    const lp = lat.logq[1]! + theta * lat.ks[1]! - kN.logZ.hi;
    const lq = lat.logq[0]! - kN.logZ.hi;
    const kScale = lat.ks[1]!;
    if (kScale !== 1) return undefined;
    for (let j = 0; j < J; j++) {
      const ell = binomialLogPmf(kLo + j, n, p, q, lp, lq);
      m[j] = ell - theta * x[j]!;
      // Loader's form to BINOMIAL_ABS; p_θ rounded by ε moves log P by ε|K − np|/min(p, q).
      err[j] = BINOMIAL_ABS * (1 + Math.abs(ell)) + (4 * EPS * (Math.abs(x[j]!) + 1)) / Math.min(p, q);
    }
  } else if (top + 1 <= DIRECT_AUTO_POINTS) {
    method = "direct";
    const law = sumLaw(model, n, { method: "direct", range: [offsetOf(lat, n, kLo), offsetOf(lat, n, kHi)] });
    const Cv = ddValue(C);
    for (let j = 0; j < J; j++) {
      const lp = law.logPmf[j]!;
      m[j] = lp - Cv;
      err[j] = law.logErrorBound + 2 * EPS * (Math.abs(lp) + Math.abs(Cv));
    }
  } else {
    method = "fft";
    const reachable = reachability(lat, n);
    const win = shiftedWindow(lat, n, theta, reachable);
    const W = win.tilted.length;
    if (kLo < win.windowLo || kHi > win.windowLo + W - 1) return undefined;
    // From the top down: a point the FFT does not resolve (noise, or a relative error ≥ ½) ends the
    // window below it, where best-of-N has no mass (A ≥ e^{60}), and the bound on the mass below covers
    // the rest; above the centre it sends the question to the general engine.
    for (let j = J - 1; j >= 0; j--) {
      const K = kLo + j;
      if (!reachable(K)) {
        m[j] = Number.NEGATIVE_INFINITY;
        continue;
      }
      const v = win.tilted[K - win.windowLo]!;
      const rel = win.absError / v;
      if (!(v > 0) || !(rel < 0.5)) {
        if (x[j]! >= 0) return undefined;
        first = j + 1;
        break;
      }
      m[j] = Math.log(v) - theta * x[j]!;
      err[j] = logError(rel);
    }
  }
  for (let j = 0; j < J; j++) err[j] = err[j]! + 2 * EPS * Math.abs(theta * x[j]!);
  let maxMinusLogW = 0;
  for (let l = 0; l < tilt.w.length; l++) maxMinusLogW = Math.max(maxMinusLogW, -Math.log(tilt.w[l]!));
  const law: ShiftedLaw = {
    x: x.subarray(first),
    m: m.subarray(first),
    err: err.subarray(first),
    theta,
    C: ddValue(C),
    c,
    cErr,
    logN,
    // Σ_{K > kHi} P_θ(K) e^{−θ x_K} ≤ e^{−θ x_{kHi+1}}.
    logAboveBound: kHi >= top ? Number.NEGATIVE_INFINITY : -theta * (x[J - 1]! + 1),
    maxMinusLogP: n * maxMinusLogW,
    supportPoints: top + 1,
  };
  let bon: ShiftedBon;
  try {
    bon = bonOnShiftedLaw(law);
  } catch (e) {
    if (e instanceof ShiftedLawError) return undefined;
    throw e;
  }
  const h = lat.step;
  const a = lat.offset;
  // λ* to double-double, its mean and Λ: the optimum's constants against the frame's.
  const star = refineTilt(lat, lambdaStar * h, delta);
  const tau = ddValue(ddSub(star.theta, dd(theta)));
  const B = ddSub(ddSub(star.logZ, kN.logZ), ddMul(ddSub(star.theta, dd(theta)), dd(mu)));
  const nB = ddValue(ddMul(dd(n), B));
  const klToOptimal = bon.klToTilt - tau * bon.meanX + nB;
  const D = ddValue(ddSub(star.mean, dd(mu)));
  const gap = n * h * D - h * bon.meanX;
  const rewardPerToken = a + h * (mu + bon.meanX / n);
  const xStar = a + h * ddValue(star.mean);
  return {
    rewardPerToken,
    klToReference: bon.klToReference,
    klToOptimal: Math.max(0, klToOptimal),
    gapTimesLength: gap,
    xStar,
    error: {
      rewardPerToken: (Math.abs(h) * bon.meanXError) / n + 4 * EPS * (Math.abs(a) + Math.abs(h * mu)),
      klToReference: bon.klToReferenceError,
      klToOptimal:
        bon.klToTiltError +
        Math.abs(tau) * bon.meanXError +
        4 * EPS * (Math.abs(nB) + Math.abs(tau * bon.meanX)),
      gapTimesLength:
        Math.abs(h) * bon.meanXError + 4 * EPS * (Math.abs(n * h * D) + Math.abs(h * bon.meanX)),
    },
    method,
  };
}

/** The reward of lattice point K of S_n. */
function offsetOf(lat: Lattice, n: number, K: number): number {
  return n * lat.offset + lat.step * K;
}
