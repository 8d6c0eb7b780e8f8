import { expFast, expTables } from "./fastExp.js";
import { NeumaierSum } from "./sum.js";

/**
 * The sums behind one point of the exponential tilt φ_λ ∝ P e^{λ(v − c)} (MATH §1), over values v with
 * masses P (a model's outcomes in any order, or its reward levels), written once for every caller.
 *
 * Everything is measured in units of a power of two s ≥ the span of v: u = (v − c)/s and x = λ(v − c)
 * = Λu with Λ = λs. Scaling by a power of two is exact, so the results are those of the unscaled sums,
 * but u⁴ e^x stays finite for rewards up to the accepted 1e150 (unscaled, (v − c)⁴ overflows from 1e77).
 *
 * Three forms, each a sum of terms of one sign except the odd moments:
 * - exp form, centre c = E_p r (moderate λ): weights P e^x, x ≤ 700, no shift.
 * - log form, centre c = the mode of φ (large λ): weights e^{log P − log P_ref + x} ≤ 1, P_ref the mode's
 *   mass, so that L = log P_ref + log S and d = Λm − L carry no λ(r_max − c) terms that cancel.
 * - emx form, centre c = E_p r (small KL): t = Σ P (e^x − 1 − x) ≥ 0 with e^x − 1 − x to full relative
 *   accuracy (expParts), so d keeps its relative accuracy down to d ≈ λ²Var/2 → 0.
 * Blocks of BLOCK terms are summed plainly and the block sums with compensation, which bounds the relative
 * error by about (BLOCK + n/BLOCK)·ε at a plain loop's speed.
 */
const BLOCK = 512;

const T = expTables();
const POW2 = T.pow2;
const TABLE_HI = T.hi;
const TABLE_LO = T.lo;
const A_CORRECTION = T.correction;
const INV_LN2_64 = T.invLn2By64;
const LN2_64_HI = T.ln2By64Hi;
const LN2_64_LO = T.ln2By64Lo;
const ROUNDER = T.rounder;
const POW2_BIAS = T.pow2Bias;

/** expParts' results: e^x, e^x − 1, e^x − 1 − x. */
export const EXP_PARTS = new Float64Array(3);

/**
 * e^x, e^x − 1 and e^x − 1 − x together, each to a few ulps of relative accuracy, without a branch on
 * the size of x (written into EXP_PARTS: a branch on |x| < ½ is a coin flip in input order, and each
 * misprediction costs about as much as the exponential). expFast's reduction, x = kℓ + r with ℓ = ln2/64
 * and E = 2^{k/64} (fastExp.ts):
 *   e^x − 1 = (E − 1) + E(e^r − 1),   e^x − 1 − x = A_k + (E − 1)r + E(e^r − 1 − r),   A_k = E − 1 − kℓ.
 * E − 1 is exact to rounding near 0 (Sterbenz, plus the table's tail); A_k cancels for small |k|, so it is
 * corrected there from a table computed in 120-bit integer arithmetic (the correction is 0 for |k| > 32,
 * where no cancellation is left). e^r − 1 − r to degree 7 (truncation below 2^−59 of its value). For
 * x < −708, e^x is taken as e^{−708} (below 2^−1021, beside a result of size ≥ 707).
 * Measured: within 5 ulps of e^x − 1 − x over |x| ≤ 20 (test/core/numerics/tilt-sums.test.ts).
 */
export function expParts(x: number): void {
  const xc = Math.max(x, -708);
  const k = xc * INV_LN2_64 + ROUNDER - ROUNDER;
  const r = xc - k * LN2_64_HI - k * LN2_64_LO;
  const ki = k | 0;
  const scale = POW2[(ki >> 6) + POW2_BIAS]!;
  const j = ki & 63;
  const th = TABLE_HI[j]! * scale;
  const tl = TABLE_LO[j]! * scale;
  const r2 = r * r;
  const q2 = r2 * (0.5 + r * (1 / 6) + r2 * (1 / 24 + r * (1 / 120) + r2 * (1 / 720 + r * (1 / 5040))));
  const E = th + tl;
  const Em1 = th - 1 + tl;
  const Eq = E * (r + q2);
  // Index k + 32 into A_CORRECTION for |k| ≤ 32, else its last entry (0), without a branch.
  const a = ki + 32;
  const outside = (a | (64 - a)) >> 31;
  const A = Em1 - k * LN2_64_HI - k * LN2_64_LO + A_CORRECTION[(a & ~outside) | (65 & outside)]!;
  EXP_PARTS[0] = E + Eq;
  EXP_PARTS[1] = Em1 + Eq;
  EXP_PARTS[2] = A + Em1 * r + E * q2 + (xc - x);
}

/** Compensated running totals of the five sums of a form (s0: S or t; s1…s4: Σ w u^k). */
export class TiltAcc {
  readonly s0 = new NeumaierSum();
  readonly s1 = new NeumaierSum();
  readonly s2 = new NeumaierSum();
  readonly s3 = new NeumaierSum();
  readonly s4 = new NeumaierSum();

  /** Adds one block's partial sums (plain sums of up to BLOCK terms) to the five totals. */
  add(a0: number, a1: number, a2: number, a3: number, a4: number): void {
    this.s0.add(a0);
    this.s1.add(a1);
    this.s2.add(a2);
    this.s3.add(a3);
    this.s4.add(a4);
  }
}

/** The frame of a pass: centre c, 1/s (a power of two) and Λ = λs. */
export interface Frame {
  readonly center: number;
  readonly invScale: number;
  readonly lambdaScaled: number;
}

/**
 * The least power of two ≥ the span (1 for a span ≤ 1): the unit of u. |u| ≤ 1 for every value when the
 * centre lies in [min, max].
 */
export function spanScale(span: number): number {
  if (!(span > 1)) return 1;
  let s = 2 ** Math.ceil(Math.log2(span));
  if (s < span) s *= 2;
  return s;
}

/**
 * Exp and log forms over [from, to): Σ w u^k, k = 0…4, with the weights w = P e^x from linear masses
 * (exp form: x ≤ 709, mean centre with λ(max − c) ≤ 700), or w = e^{log P − logRef + x} from log-masses
 * (log form: terms ≤ 1 when logRef is the mode's). `weights` holds P or log P accordingly.
 */
export function addExpForm(
  values: Float64Array,
  weights: Float64Array,
  from: number,
  to: number,
  frame: Frame,
  acc: TiltAcc,
  logRef?: number,
): void {
  const { center: c, invScale: inv, lambdaScaled: lam } = frame;
  const logs = logRef !== undefined;
  const ref = logRef ?? 0;
  for (let start = from; start < to; start += BLOCK) {
    const end = Math.min(to, start + BLOCK);
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    let s4 = 0;
    for (let i = start; i < end; i++) {
      const u = (values[i]! - c) * inv;
      // The same choice every iteration: predicted, and cheaper than the exponential by far.
      const w = logs ? expFast(weights[i]! - ref + lam * u) : weights[i]! * expFast(lam * u);
      const wu = w * u;
      const wu2 = wu * u;
      s0 += w;
      s1 += wu;
      s2 += wu2;
      s3 += wu2 * u;
      s4 += wu2 * u * u;
    }
    acc.add(s0, s1, s2, s3, s4);
  }
}

/**
 * Emx form over [from, to): t = Σ P (e^x − 1 − x), Σ P u (e^x − 1), and Σ P e^x u^k for k = 2…4 (the
 * caller adds Λ·Σ P u to t, and Σ P u to the second sum).
 */
export function addEmxForm(
  values: Float64Array,
  mass: Float64Array,
  from: number,
  to: number,
  frame: Frame,
  acc: TiltAcc,
): void {
  const { center: c, invScale: inv, lambdaScaled: lam } = frame;
  const parts = EXP_PARTS;
  for (let start = from; start < to; start += BLOCK) {
    const end = Math.min(to, start + BLOCK);
    let t = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    let s4 = 0;
    for (let i = start; i < end; i++) {
      const u = (values[i]! - c) * inv;
      expParts(lam * u);
      const p = mass[i]!;
      t += p * parts[2]!;
      s1 += p * u * parts[1]!;
      const wu2 = p * parts[0]! * u * u;
      s2 += wu2;
      s3 += wu2 * u;
      s4 += wu2 * u * u;
    }
    acc.add(t, s1, s2, s3, s4);
  }
}

/** Index of the largest log P + λ(v − c) over [from, to) (the first on ties): the mode of φ_λ. */
export function modeIndex(
  values: Float64Array,
  logMass: Float64Array,
  from: number,
  to: number,
  c: number,
  lambda: number,
): number {
  let best = from;
  let mx = Number.NEGATIVE_INFINITY;
  for (let i = from; i < to; i++) {
    const a = logMass[i]! + lambda * (values[i]! - c);
    if (a > mx) {
      mx = a;
      best = i;
    }
  }
  return best;
}

/**
 * One point of the tilt from the sums of a form, in units of s: L = log E_p e^{Λu}, m = E_φ u, and the
 * cumulants κ₂…κ₄ of u under φ (one-pass, from raw moments: accurate enough for derivatives and Taylor
 * steps, not for reporting; `cumulants` in tilt.ts gives the two-pass values), d = Λm − L and how much
 * that difference cancelled, cond = max(|Λm|, |L|)/d.
 */
export interface TiltSums {
  readonly L: number;
  readonly m: number;
  readonly k2: number;
  readonly k3: number;
  readonly k4: number;
  readonly d: number;
  readonly cond: number;
}

/** Exp and log forms: L = logRef + log S, moments Σ w u^k / S. */
export function expFormResult(lambdaScaled: number, logRef: number, acc: TiltAcc): TiltSums {
  const S = acc.s0.value;
  return fromMoments(lambdaScaled, logRef + Math.log(S), acc, S, 0);
}

/**
 * Emx form: with T = Λ·residual + t (residual = Σ P u as computed, 0 in exact arithmetic),
 * L = log1p(T) and the moments over 1 + T = Σ P e^x.
 */
export function emxFormResult(lambdaScaled: number, residual: number, acc: TiltAcc): TiltSums {
  const T = lambdaScaled * residual + acc.s0.value;
  return fromMoments(lambdaScaled, Math.log1p(T), acc, 1 + T, residual);
}

function fromMoments(lambdaScaled: number, L: number, acc: TiltAcc, S: number, first: number): TiltSums {
  const m = (first + acc.s1.value) / S;
  const m2 = acc.s2.value / S;
  const m3 = acc.s3.value / S;
  const m4 = acc.s4.value / S;
  const k2 = m2 - m * m;
  const k3 = m3 - 3 * m * m2 + 2 * m * m * m;
  const k4 = m4 - 4 * m * m3 + 6 * m * m * m2 - 3 * m * m * m * m - 3 * k2 * k2;
  const d = lambdaScaled * m - L;
  return { L, m, k2, k3, k4, d, cond: Math.max(Math.abs(lambdaScaled * m), Math.abs(L)) / Math.abs(d) };
}

/** True when every field of a result is a finite number (a form that overflowed is not usable). */
export function finiteSums(s: TiltSums): boolean {
  return (
    Number.isFinite(s.L) &&
    Number.isFinite(s.m) &&
    Number.isFinite(s.d) &&
    Number.isFinite(s.k2) &&
    Number.isFinite(s.k3) &&
    Number.isFinite(s.k4)
  );
}

/** Largest λ(r_max − E_p r) for which the mean-centred forms cannot overflow. */
const MEAN_CENTRED_LIMIT = 700;

/**
 * The exp form's d = Λm − log S carries the absolute error of log S, a few ε, so about ε/d relative on
 * top of the cancellation between Λm and L that every form shares (cond): below d = 1/32 the emx form,
 * whose L = log1p(t) is exact to rounding relative to t, is used instead. λ²Var(r)/2 (d to leading
 * order) decides before the pass, d itself after it.
 */
const EMX_BELOW_KL = 1 / 32;

/** The three forms of one point, each a pass when called (tilt.ts over outcomes, frontier.ts over levels). */
export interface Forms<P> {
  /** A pass in the exp form (mean centre, weights P e^x). */
  readonly exp: () => P;
  /** A pass in the emx form (mean centre, e^x − 1 − x summed to full relative accuracy). */
  readonly emx: () => P;
  /** A pass in the log form (centred at the mode of φ_λ). */
  readonly log: () => P;
  /** A pass's sums. */
  readonly sums: (p: P) => TiltSums;
}

/**
 * The form that suits λ (module comment): the log form past the overflow limit λ(r_max − E_p r) > 700;
 * else the emx form when d is small (by λ²Var/2 before the pass, by d after an exp-form pass), the exp
 * form otherwise; and when the mean-centred result cancels badly (cond > 1e3) or overflowed, the log
 * form too, keeping the better. One, two or three passes.
 */
export function chooseForm<P>(lambda: number, rMaxMinusMean: number, variance: number, f: Forms<P>): P {
  if (lambda * rMaxMinusMean > MEAN_CENTRED_LIMIT) return f.log();
  let a: P;
  if ((lambda * lambda * variance) / 2 < EMX_BELOW_KL) a = f.emx();
  else {
    a = f.exp();
    const s = f.sums(a);
    if (finiteSums(s) && !(s.d >= EMX_BELOW_KL)) a = f.emx();
  }
  const sa = f.sums(a);
  const finite = finiteSums(sa);
  if (finite && !(sa.cond > 1e3)) return a;
  const b = f.log();
  return !finite || f.sums(b).cond < sa.cond ? b : a;
}
