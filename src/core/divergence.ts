import { InputError } from "./errors.js";
import { klTerm, logSumExp } from "./numerics/logspace.js";
import { NeumaierSum } from "./numerics/sum.js";

/**
 * Divergences between probability vectors a and b over the same outcomes (MATH §1 conventions):
 * 0·log 0 = 0; +∞ (never NaN) when a has mass where b has none. Inputs are probabilities that each sum
 * to 1; entries must be finite and ≥ 0 (checked).
 */

function check(a: ArrayLike<number>, b: ArrayLike<number>): void {
  if (a.length !== b.length) throw new InputError("b", `has ${b.length} entries but a has ${a.length}`);
  for (const [name, x] of [
    ["a", a],
    ["b", b],
  ] as const) {
    for (let i = 0; i < x.length; i++) {
      const v = x[i]!;
      if (!(v >= 0) || !Number.isFinite(v)) {
        throw new InputError(`${name}[${i}]`, `probabilities must be finite and ≥ 0, got ${v}`);
      }
    }
  }
}

/**
 * KL(a‖b) = Σ a log(a/b), summed as Σ [a log(a/b) − a + b] + Σ (a − b): the first sum has
 * non-negative terms (no cancellation when a ≈ b), the second is what rounding left of Σa = Σb.
 */
export function kl(a: ArrayLike<number>, b: ArrayLike<number>): number {
  check(a, b);
  const s = new NeumaierSum();
  const diff = new NeumaierSum();
  for (let i = 0; i < a.length; i++) {
    const ai = a[i]!;
    const bi = b[i]!;
    if (ai === 0 && bi === 0) continue;
    if (bi === 0) return Number.POSITIVE_INFINITY;
    // u = log(a/b); through log1p of the exact-ish difference when a ≈ b, so u keeps relative accuracy.
    const u = Math.abs(ai - bi) <= 0.5 * bi ? Math.log1p((ai - bi) / bi) : Math.log(ai) - Math.log(bi);
    s.add(ai === 0 ? bi : klTerm(Math.log(bi), u));
    diff.add(ai - bi);
  }
  return Math.max(0, s.value + diff.value);
}

/** KL between two normalised log-probability vectors (−∞ for zero mass). */
export function klFromLogs(logA: ArrayLike<number>, logB: ArrayLike<number>): number {
  const s = new NeumaierSum();
  for (let i = 0; i < logA.length; i++) {
    const la = logA[i]!;
    const lb = logB[i]!;
    if (la === Number.NEGATIVE_INFINITY && lb === Number.NEGATIVE_INFINITY) continue;
    const t = klTerm(lb, la - lb);
    if (t === Number.POSITIVE_INFINITY) return t;
    s.add(t);
  }
  return Math.max(0, s.value);
}

/** Shannon entropy −Σ a log a (nats). */
export function entropy(a: ArrayLike<number>): number {
  check(a, a);
  const s = new NeumaierSum();
  for (let i = 0; i < a.length; i++) if (a[i]! > 0) s.add(-a[i]! * Math.log(a[i]!));
  return s.value;
}

function checkOrder(alpha: number): void {
  if (!(alpha > 0) || !Number.isFinite(alpha)) {
    throw new InputError("alpha", `the Rényi order must be a finite number > 0, got ${alpha}`);
  }
}

/**
 * log Σ_i a_i e^{t·x_i} over i with a_i > 0, accurate as t → 0: log1p(Σ a expm1(t x)) when every |t x| < 1.
 * x_i may be ±∞ (then the term is 0 or +∞ by the sign of t x).
 */
function logMeanExp(a: ArrayLike<number>, x: Float64Array, t: number): number {
  let small = true;
  for (let i = 0; i < a.length; i++) if (a[i]! > 0 && !(Math.abs(t * x[i]!) < 1)) small = false;
  if (small) {
    const s = new NeumaierSum();
    for (let i = 0; i < a.length; i++) if (a[i]! > 0) s.add(a[i]! * Math.expm1(t * x[i]!));
    return Math.log1p(s.value);
  }
  const terms: number[] = [];
  for (let i = 0; i < a.length; i++)
    if (a[i]! > 0) terms.push(Math.log(a[i]!) + (x[i]! === 0 ? 0 : t * x[i]!));
  return logSumExp(terms);
}

/**
 * Rényi divergence D_α(a‖b) = (α−1)^{-1} log Σ a^α b^{1−α} for α > 0; α = 1 gives KL(a‖b).
 * +∞ when a has mass where b has none and α ≥ 1; for α < 1 such terms drop out (a^α b^{1−α} = 0).
 */
export function renyiDivergence(a: ArrayLike<number>, b: ArrayLike<number>, alpha: number): number {
  check(a, b);
  checkOrder(alpha);
  if (alpha === 1) return kl(a, b);
  // Σ a^α b^{1−α} = Σ a e^{(α−1) log(a/b)}.
  const x = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) {
    if (a[i]! === 0) continue;
    if (b[i]! === 0) {
      if (alpha > 1) return Number.POSITIVE_INFINITY;
      x[i] = Number.POSITIVE_INFINITY; // e^{(α−1)·∞} = 0 for α < 1
    } else x[i] = Math.log(a[i]!) - Math.log(b[i]!);
  }
  const value = logMeanExp(a, x, alpha - 1) / (alpha - 1);
  return Math.max(0, value);
}

/**
 * Rényi cross-entropy H_α(a; b) = (1−α)^{-1} log Σ a b^{α−1} (MATH §1); α → 1 gives −Σ a log b.
 * +∞ when a has mass where b has none and α ≤ 1.
 */
export function renyiCrossEntropy(a: ArrayLike<number>, b: ArrayLike<number>, alpha: number): number {
  check(a, b);
  checkOrder(alpha);
  const x = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) {
    if (a[i]! === 0) continue;
    if (b[i]! === 0) {
      if (alpha <= 1) return Number.POSITIVE_INFINITY;
      x[i] = Number.NEGATIVE_INFINITY;
    } else x[i] = Math.log(b[i]!);
  }
  if (alpha === 1) {
    const s = new NeumaierSum();
    for (let i = 0; i < a.length; i++) if (a[i]! > 0) s.add(-a[i]! * x[i]!);
    return s.value;
  }
  return logMeanExp(a, x, alpha - 1) / (1 - alpha);
}
