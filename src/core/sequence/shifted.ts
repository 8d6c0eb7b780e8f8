import { InputError, type Outcome, orThrow, refusal, success } from "../errors.js";
import { logSumExp } from "../numerics/logspace.js";
import { NeumaierSum } from "../numerics/sum.js";
import { dd, ddSub, ddValue } from "./ddouble.js";
import { inverseRealFft } from "./fft.js";
import type { Lattice } from "./lattice.js";
import { tiltConstants } from "./tiltConstants.js";

/**
 * The exponentially shifted FFT engine for the law of K_n = Σ k(Y_i) on a lattice (MATH §3).
 *
 * The per-token law is tilted, q_θ(k) = q(k) e^{θk − Λ(θ)}, so that K_n is concentrated around n·μ_θ;
 * its characteristic function is raised to the n-th power pointwise in the frequency domain and one
 * inverse FFT over a window of W = 2^j points around n·μ_θ gives P_θ(K_n = K); then
 * log P(K_n = K) = log P_θ(K_n = K) − θK + nΛ(θ) (θ in step units).
 *
 * Powering without losing the small phases: with the mean-centred function Y(t) = Σ q_θ(k) e^{−it(k−μ)},
 * z = Y − 1 = Σ q_θ(k) [−2 sin²(t(k−μ)/2) − i sin(t(k−μ))] is computed to relative accuracy, so
 * n·log Y = n·(½ log1p(2 Re z + |z|²) + i atan2(Im z, 1 + Re z)) has absolute error O(nε|z|), which is
 * O(ε) wherever |Y|^n is not negligible; the phase of e^{−it·nμ} is formed from the exact product n·μ.
 * Aliasing (mass outside the window wraps round) is bounded by Chernoff's inequality for the tilted law,
 * and the window doubles until that bound is below 1e-18 of the peak.
 */

/** Per-token tilted law on the occupied steps. */
export interface TiltedLattice {
  /** θ in step units. */
  readonly theta: number;
  /** Λ(θ) = log Σ q(k) e^{θk}. */
  readonly logZ: number;
  /** q_θ on the occupied steps (lattice.ks). */
  readonly w: Float64Array;
  readonly mean: number;
  readonly variance: number;
}

export function tiltLattice(lat: Lattice, theta: number): TiltedLattice {
  const L = lat.ks.length;
  const lw = new Float64Array(L);
  for (let l = 0; l < L; l++) lw[l] = lat.logq[l]! + theta * lat.ks[l]!;
  const logZ = logSumExp(lw);
  const w = new Float64Array(L);
  const m = new NeumaierSum();
  for (let l = 0; l < L; l++) {
    w[l] = Math.exp(lw[l]! - logZ);
    m.add(w[l]! * lat.ks[l]!);
  }
  const mean = m.value;
  const v = new NeumaierSum();
  for (let l = 0; l < L; l++) {
    const d = lat.ks[l]! - mean;
    v.add(w[l]! * d * d);
  }
  return { theta, logZ, w, mean, variance: v.value };
}

/**
 * θ (step units) with tilted mean μ_θ = x, for 0 < x < span: safeguarded Newton on the increasing
 * function μ_θ (μ' = variance), bisecting inside the bracket when a step leaves it.
 */
export function thetaForMean(lat: Lattice, x: number): number {
  let lo = Number.NEGATIVE_INFINITY;
  let hi = Number.POSITIVE_INFINITY;
  let theta = 0;
  for (let it = 0; it < 300; it++) {
    const t = tiltLattice(lat, theta);
    const f = t.mean - x;
    if (Math.abs(f) <= 8 * Number.EPSILON * lat.span) return theta;
    if (f < 0) lo = theta;
    else hi = theta;
    let next = theta - f / t.variance;
    if (!(next > lo && next < hi) || !Number.isFinite(next)) {
      if (Number.isFinite(lo) && Number.isFinite(hi)) next = 0.5 * (lo + hi);
      else next = f < 0 ? theta + Math.max(1, 2 * Math.abs(theta)) : theta - Math.max(1, 2 * Math.abs(theta));
    }
    if (next === theta) return theta;
    theta = next;
  }
  return theta;
}

/**
 * log of a Chernoff bound on P_θ(K_n ≥ b) (upper) or P_θ(K_n ≤ b) (lower):
 * n(Λ(θ+t) − Λ(θ)) − t·b at the t whose tilted mean is b/n (any t of the right sign gives a bound).
 */
function logChernoff(lat: Lattice, n: number, base: TiltedLattice, b: number, upper: boolean): number {
  const top = n * lat.span;
  if (upper ? b > top : b < 0) return Number.NEGATIVE_INFINITY;
  const x = Math.min(lat.span * (1 - 1e-12), Math.max(lat.span * 1e-12, b / n));
  if (upper ? x <= base.mean : x >= base.mean) return 0;
  const theta = thetaForMean(lat, x);
  const t = theta - base.theta;
  return Math.min(0, n * (tiltLattice(lat, theta).logZ - base.logZ) - t * b);
}

/** Exact (n·μ − c) for an integer c near n·μ: Dekker's two-product gives n·μ = P + e exactly. */
export function offsetFrom(n: number, mu: number, c: number): number {
  const P = n * mu;
  const split = (x: number): [number, number] => {
    const s = 134217729 * x;
    const hi = s - (s - x);
    return [hi, x - hi];
  };
  const [nh, nl] = split(n);
  const [mh, ml] = split(mu);
  const e = nh * mh - P + nh * ml + nl * mh + nl * ml;
  return P - c + e;
}

export interface ShiftedWindow {
  readonly n: number;
  readonly tilt: TiltedLattice;
  /** The window: P_θ(K_n = windowLo + j) ≈ tilted[j], j = 0..W−1 (may hold rounding noise). */
  readonly windowLo: number;
  readonly tilted: Float64Array;
  /** Bound on the absolute error of every entry of `tilted` (aliasing + rounding). */
  readonly absError: number;
  /** Bound on the tilted mass outside the window (wrapped round into it). */
  readonly aliasBound: number;
  /**
   * Contiguous range of K around the peak where absError/tilted ≤ VALID_RATIO·max(1, |log P|)
   * (unreachable points, P = 0 exactly, do not break it).
   */
  readonly validLo: number;
  readonly validHi: number;
}

/** Inside the valid range the relative error of each log-probability is at most this. */
export const VALID_RATIO = 1e-10;
/** |Y|^n below which a frequency's coefficient is left at 0 (its bound goes into absError). */
const SKIP = 1e-25;
/** Largest FFT window size W. */
export const MAX_WINDOW = 1 << 23;

/** Smallest power of two ≥ x. */
function pow2(x: number): number {
  let w = 1;
  while (w < x) w *= 2;
  return w;
}

/**
 * The tilted law of K_n over a window around n·μ_θ (θ in step units), the full support {0..n·span} when
 * it fits in the window (then nothing wraps round).
 */
export function shiftedWindow(
  lat: Lattice,
  n: number,
  theta: number,
  reachable: (K: number) => boolean = () => true,
): ShiftedWindow {
  return orThrow(tryShiftedWindow(lat, n, theta, reachable));
}

/** {@link shiftedWindow}, or the reason there is none (a window over MAX_WINDOW) as a value. */
export function tryShiftedWindow(
  lat: Lattice,
  n: number,
  theta: number,
  reachable: (K: number) => boolean = () => true,
): Outcome<ShiftedWindow> {
  const tilt = tiltLattice(lat, theta);
  const top = n * lat.span;
  const sd = Math.sqrt(n * tilt.variance);
  const logPeak = Math.min(0, -Math.log(Math.max(sd, 1e-300) * Math.sqrt(2 * Math.PI)));
  const centre = Math.round(n * tilt.mean);
  let W = Math.max(64, pow2(2 * (9 * sd + lat.span) + 2));
  let windowLo = 0;
  let aliasBound = 0;
  for (;;) {
    if (W >= top + 1) {
      W = pow2(top + 1);
      windowLo = 0;
      aliasBound = 0;
      break;
    }
    windowLo = Math.min(Math.max(0, centre - W / 2), top + 1 - W);
    const logAlias = logSumExp([
      logChernoff(lat, n, tilt, windowLo + W, true),
      logChernoff(lat, n, tilt, windowLo - 1, false),
    ]);
    aliasBound = Math.exp(logAlias);
    if (logAlias <= logPeak + Math.log(1e-18)) break;
    if (W >= MAX_WINDOW) break;
    W *= 2;
  }
  if (W > MAX_WINDOW) {
    return refusal(
      new InputError("length", `the law of S_n needs an FFT window over ${MAX_WINDOW}`, "inaccurate"),
    );
  }
  const eps = Number.EPSILON;
  const L = lat.ks.length;
  const mu = tilt.mean;
  const dev = new Float64Array(L);
  let meanAbsDev = 0;
  for (let l = 0; l < L; l++) {
    dev[l] = lat.ks[l]! - mu;
    meanAbsDev += tilt.w[l]! * Math.abs(dev[l]!);
  }
  // The mean of the exact tilted law less μ̃ (a few ε): its phase t·n·r0 is applied exactly below, so the
  // characteristic function is computed mean-free, z = Σ w [e^{−itd} − 1 + itd], to relative accuracy.
  const r0 = ddValue(ddSub(tiltConstants(lat, theta).mean, dd(mu)));
  const nr0 = n * r0;
  // Phase of e^{−it(nμ − windowLo)}: nμ − windowLo = D + δ with D an integer, so the phase at
  // t = 2πf/W is 2π((f·D mod W)/W) + tδ, exact in the integer part.
  const shift = offsetFrom(n, mu, windowLo);
  const D = Math.round(shift);
  const delta = shift - D;
  const Dmod = ((D % W) + W) % W;
  const half = W / 2;
  const re = new Float64Array(half + 1);
  const im = new Float64Array(half + 1);
  const noise = new NeumaierSum();
  const fftRound = eps * (3 * Math.log2(W) + 4);
  const w = tilt.w;
  // z at frequency f: zr = −2Σ w sin²(x/2), zi = Σ w (x − sin x) with x = t·d (series for small x, where
  // the terms of Σ w sin x cancel against Σ w x = 0); zerr bounds the rounding of zi's terms.
  let zr = 0;
  let zi = 0;
  let zerr = 0;
  const evaluate = (f: number): void => {
    const t = (2 * Math.PI * f) / W;
    zr = 0;
    zi = 0;
    zerr = 0;
    for (let l = 0; l < L; l++) {
      const x = t * dev[l]!;
      const s = Math.sin(0.5 * x);
      zr -= 2 * w[l]! * s * s;
      if (Math.abs(x) < 0.25) {
        const y = x * x;
        const xs =
          x *
          y *
          (1 / 6 -
            y * (1 / 120 - y * (1 / 5040 - y * (1 / 362880 - y * (1 / 39916800 - y * (1 / 6227020800))))));
        zi += w[l]! * xs;
        zerr += w[l]! * Math.abs(xs);
      } else {
        zi += w[l]! * (x - Math.sin(x));
        zerr += w[l]! * (Math.abs(x) + 1);
      }
    }
  };
  const put = (f: number): void => {
    const t = (2 * Math.PI * f) / W;
    const logMod = 0.5 * Math.log1p(Math.max(-1, 2 * zr + zr * zr + zi * zi));
    const A = n * logMod;
    if (A < -745) return;
    const arg = Math.atan2(zi, 1 + zr);
    const phase = n * arg - t * nr0 - 2 * Math.PI * (((f * Dmod) % W) / W) - t * delta;
    const mod = Math.exp(A);
    const vr = mod * Math.cos(phase);
    const vi = mod * Math.sin(phase);
    re[f] = vr;
    im[f] = vi;
    // Error of this coefficient relative to |Y|^n: z's terms carry ε each, multiplied by n in n·log Y
    // (and the product of the exact phase t·n·r0 with z); plus the inverse FFT's O(ε log₂ W). Summed
    // over f and divided by W it bounds the absolute error of every output (triangle inequality).
    const weight = f === 0 || f === half ? 1 : 2;
    const zabs = Math.abs(zr) + zerr;
    noise.add(weight * mod * (fftRound + 4 * eps * (2 + n * zabs) + 2 * Math.abs(t * nr0) * zabs));
  };
  // Frequencies where |Y|^n is below SKIP are left at 0 unevaluated: on a cell of S frequencies between
  // two evaluated ones |Y|² ≤ their mean + E|d|·Δt (|d|Y|²/dt| ≤ 2E|d|), which bounds every |Y|^n
  // skipped; their sum goes into the error bound.
  const S = Math.max(1, 2 ** Math.floor(Math.log2(Math.max(1, (0.01 * W) / (2 * Math.PI * meanAbsDev)))));
  const lip = meanAbsDev * ((2 * Math.PI * S) / W);
  let prevF = 0;
  evaluate(0);
  let prevM2 = 1;
  put(0);
  for (let b = Math.min(S, half); ; b = Math.min(b + S, half)) {
    evaluate(b);
    const m2 = (1 + zr) * (1 + zr) + zi * zi;
    const bound = Math.min(1, 0.5 * (prevM2 + m2) + lip + 4 * eps);
    const skipped = Math.exp(0.5 * n * Math.log(bound));
    if (skipped <= SKIP && b - prevF > 1) {
      noise.add(2 * (b - prevF - 1) * skipped);
    } else {
      for (let f = prevF + 1; f < b; f++) {
        evaluate(f);
        put(f);
      }
      evaluate(b);
    }
    put(b);
    prevF = b;
    prevM2 = m2;
    if (b === half) break;
  }
  // One inverse real transform (the coefficients are Hermitian: f and W − f conjugate).
  const tilted = new Float64Array(W);
  inverseRealFft(re, im, tilted);
  let peak = 0;
  for (let j = 0; j < W; j++) {
    tilted[j] = tilted[j]! / W;
    if (tilted[j]! > tilted[peak]!) peak = j;
  }
  const absError = aliasBound + noise.value / W;
  // Valid: relative error of the probability ≤ VALID_RATIO·max(1, |log P|), i.e. of log P ≤ VALID_RATIO.
  const ok = (j: number): boolean => {
    const K = windowLo + j;
    if (!reachable(K)) return true;
    const v = tilted[j]!;
    if (!(v > 0)) return false;
    const logP = Math.log(v) - theta * K + n * tilt.logZ;
    return absError / v <= VALID_RATIO * Math.max(1, Math.abs(logP));
  };
  let a = peak;
  let b = peak;
  while (a > 0 && ok(a - 1)) a--;
  while (b < W - 1 && ok(b + 1)) b++;
  return success({
    n,
    tilt,
    windowLo,
    tilted,
    absError,
    aliasBound,
    validLo: windowLo + a,
    validHi: windowLo + b,
  });
}

/** log P(K_n = K) from a window (K must be in its valid range). */
export function windowLogPmf(win: ShiftedWindow, K: number): number {
  const v = win.tilted[K - win.windowLo]!;
  return Math.log(v) - win.tilt.theta * K + win.n * win.tilt.logZ;
}

/**
 * log P(K_n ≥ K0) (upper) or log P(K_n ≤ K0) from a window centred near K0 with θ ≥ 0 (upper) or θ ≤ 0
 * (lower), so the untilting factor e^{−θ(K−K0)} decays away from K0; with its bound on the relative error.
 */
export function windowLogTail(
  win: ShiftedWindow,
  K0: number,
  upper: boolean,
): { value: number; relError: number } {
  return orThrow(tryWindowLogTail(win, K0, upper));
}

/** {@link windowLogTail}, or the reason there is none (no accurate digit) as a value. */
export function tryWindowLogTail(
  win: ShiftedWindow,
  K0: number,
  upper: boolean,
): Outcome<{ value: number; relError: number }> {
  const theta = win.tilt.theta;
  const W = win.tilted.length;
  const s = new NeumaierSum();
  let weights = 0;
  const j0 = K0 - win.windowLo;
  const dir = upper ? 1 : -1;
  for (let j = j0; j >= 0 && j < W; j += dir) {
    const f = Math.exp(-theta * (j - j0));
    s.add(win.tilted[j]! * f);
    weights += f;
  }
  const err = win.absError * weights + win.aliasBound;
  if (!(s.value > err)) {
    return refusal(
      new InputError("at", `the tail of S_n at K = ${K0} has no accurate digit by the FFT`, "inaccurate"),
    );
  }
  const value = Math.log(s.value) - theta * K0 + win.n * win.tilt.logZ;
  return success({ value, relError: err / s.value });
}
