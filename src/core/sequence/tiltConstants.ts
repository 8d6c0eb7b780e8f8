import { type DD, dd, ddAdd, ddExp, ddLog, ddMul, ddSub, ddValue } from "./ddouble.js";
import type { Lattice } from "./lattice.js";

/**
 * The per-token tilt constants of a lattice law in double-double (MATH §3): for θ in step units,
 * Λ(θ) = log Σ q_l e^{θ k_l} − log Σ q_l (the law q_l ∝ e^{logq_l}, the doubles the lattice holds, taken
 * as exact), μ(θ) = Λ'(θ) and d(θ) = θμ(θ) − Λ(θ), the per-token KL of the tilt. The sequence engine
 * multiplies them by n ≤ 10^12: in doubles n·d(θ) would carry an error of n·ε·d ≈ 10^-8 at n = 10^9,
 * which moves N·P(S_n ≥ s) by that relative amount.
 */
export interface TiltConstants {
  readonly theta: DD;
  readonly logZ: DD;
  readonly mean: DD;
  /** d(θ) = θμ − Λ. */
  readonly kl: DD;
  readonly variance: number;
}

/** log Σ e^{a_l} in double-double (max-shifted). */
function logSumExpDD(a: readonly DD[]): DD {
  let m = Number.NEGATIVE_INFINITY;
  for (const x of a) m = Math.max(m, x.hi);
  let s = dd(0);
  for (const x of a) s = ddAdd(s, ddExp(ddSub(x, dd(m))));
  return ddAdd(dd(m), ddLog(s));
}

export function tiltConstants(lat: Lattice, theta: DD | number): TiltConstants {
  const th = typeof theta === "number" ? dd(theta) : theta;
  const L = lat.ks.length;
  const a: DD[] = [];
  const base: DD[] = [];
  for (let l = 0; l < L; l++) {
    base.push(dd(lat.logq[l]!));
    a.push(ddAdd(dd(lat.logq[l]!), ddMul(th, dd(lat.ks[l]!))));
  }
  const logS = logSumExpDD(a);
  const logZ = ddSub(logS, logSumExpDD(base));
  let num = dd(0);
  const w: number[] = [];
  for (let l = 0; l < L; l++) {
    const e = ddExp(ddSub(a[l]!, logS));
    w.push(ddValue(e));
    num = ddAdd(num, ddMul(e, dd(lat.ks[l]!)));
  }
  // Σ e_l = 1 to double-double rounding, so num is the mean without a division.
  const mean = num;
  const mu = ddValue(mean);
  let variance = 0;
  for (let l = 0; l < L; l++) variance += w[l]! * (lat.ks[l]! - mu) ** 2;
  return { theta: th, logZ, mean, kl: ddSub(ddMul(th, mean), logZ), variance };
}

/**
 * θ* with d(θ*) = Δ to double-double accuracy, from a double θ0 close to it (the tilt solver's answer):
 * one Newton step δθ = (Δ − d(θ0))/(θ0 σ²), with d' = θσ²; what it leaves is O(δθ²), below 1e-30.
 */
export function refineTilt(lat: Lattice, theta0: number, delta: number): TiltConstants {
  const t0 = tiltConstants(lat, theta0);
  const residual = ddSub(dd(delta), t0.kl);
  const step = ddValue(residual) / (theta0 * t0.variance);
  if (!Number.isFinite(step) || step === 0) return t0;
  return tiltConstants(lat, ddAdd(dd(theta0), dd(step)));
}
