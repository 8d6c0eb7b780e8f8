import { InputError } from "../errors.js";
import type { MarkovChain } from "./chain.js";
import { chainStructure, requireIrreducible } from "./structure.js";

/**
 * Perron–Frobenius data of the tilted transition P_λ(a, b) = P(a, b) e^{λ r(b)} on the states the chain
 * can reach (MATH §7): Λ(λ) = log ρ(P_λ), the left and right Perron vectors u, v (u P_λ = ρ u,
 * P_λ v = ρ v), and from them, with no finite differences:
 *
 * - Λ'(λ) = Σ_b π_λ(b) r(b), π_λ(b) = u_b v_b / (u·v) (the Hellmann–Feynman formula dρ = u (dP_λ) v / (u·v)
 *   with dP_λ = P_λ diag(r)); π_λ is the stationary law of the Doob transform Q(a, b) = P_λ(a, b) v_b/(ρ v_a).
 * - Λ''(λ) = the asymptotic variance of r under Q: σ² = 2 π(r̃ g) − π(r̃²), r̃ = r − Λ'(λ), where g solves
 *   the Poisson equation (I − Q) g = r̃ (Kemeny–Snell's fundamental matrix; e.g. Meyn & Tweedie, Markov
 *   Chains and Stochastic Stability, ch. 17). Dense LU for small chains, the lazy fixed-point iteration
 *   g ← (r̃ + g + Q g)/2 for large sparse ones.
 *
 * The vectors come from power iteration on P_λ + c·I (c = 0 for an aperiodic chain, c ≈ ρ for a periodic
 * one, which has the same eigenvectors and a dominant eigenvalue that is alone on its circle). Entries are
 * scaled by e^{λ(r(b) − c_r)} with c_r the stationary mean (or r_max / r_min when λ·range is large), so
 * nothing overflows; Λ(λ) = λ c_r + log ρ_scaled.
 */
export interface PerronPoint {
  readonly lambda: number;
  /** Λ(λ) = log ρ(P_λ). */
  readonly logRho: number;
  /** Λ(λ) − λ μ₀ with μ₀ = Λ'(0) the stationary mean reward (small near λ = 0). */
  readonly logRhoCentred: number;
  /** Λ'(λ). */
  readonly mean: number;
  /** Λ''(λ). */
  readonly variance: number;
  /** Right Perron vector of P_λ (on every state; max over R = 1). */
  readonly right: Float64Array;
  /** Left Perron vector (0 outside R; max = 1). */
  readonly left: Float64Array;
  /** π_λ = u∘v/(u·v) (0 outside R). */
  readonly pi: Float64Array;
  /** Power iterations taken. */
  readonly iterations: number;
}

/** Options: a starting guess (vectors of a nearby λ) and whether Λ'' is wanted. */
export interface PerronOptions {
  readonly start?: PerronPoint;
  readonly variance?: boolean;
}

const MAX_ITERATIONS = 200_000;

/** Scaled rewards and the products x ↦ x B and y ↦ B y for B = P ∘ e^{λ(r_b − c)}. */
function tiltedOperator(chain: MarkovChain, lambda: number, centre: number) {
  const { k, rowStart, col, val, lowRank } = chain;
  const e = new Float64Array(k);
  for (let b = 0; b < k; b++) e[b] = Math.exp(lambda * (chain.r[b]! - centre));
  const tmp = new Float64Array(k);
  /** out = x B. */
  const left = (x: Float64Array, out: Float64Array): void => {
    tmp.fill(0);
    let hub = 0;
    for (let a = 0; a < k; a++) {
      const xa = x[a]!;
      if (xa === 0) continue;
      for (let i = rowStart[a]!; i < rowStart[a + 1]!; i++) tmp[col[i]!] = tmp[col[i]!]! + xa * val[i]!;
      if (lowRank) hub += xa * lowRank.w[a]!;
    }
    if (lowRank) for (let b = 0; b < k; b++) tmp[b] = tmp[b]! + hub * lowRank.u[b]!;
    for (let b = 0; b < k; b++) out[b] = tmp[b]! * e[b]!;
  };
  /** out = B y. */
  const right = (y: Float64Array, out: Float64Array): void => {
    for (let b = 0; b < k; b++) tmp[b] = e[b]! * y[b]!;
    let hub = 0;
    if (lowRank) for (let b = 0; b < k; b++) hub += lowRank.u[b]! * tmp[b]!;
    for (let a = 0; a < k; a++) {
      let s = 0;
      for (let i = rowStart[a]!; i < rowStart[a + 1]!; i++) s += val[i]! * tmp[col[i]!]!;
      out[a] = lowRank ? s + lowRank.w[a]! * hub : s;
    }
  };
  return { left, right, e };
}

const meanCache = new WeakMap<MarkovChain, number>();

/** μ₀ = Λ'(0): the stationary mean reward on R. */
export function stationaryMean(chain: MarkovChain): number {
  let m = meanCache.get(chain);
  if (m === undefined) {
    m = perronRaw(chain, 0, 0, undefined).mean;
    meanCache.set(chain, m);
  }
  return m;
}

/** Range of r over R. */
function rewardRange(chain: MarkovChain): [number, number] {
  const { reachable } = chainStructure(chain);
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const a of reachable) {
    lo = Math.min(lo, chain.r[a]!);
    hi = Math.max(hi, chain.r[a]!);
  }
  return [lo, hi];
}

function normaliseMax(x: Float64Array): number {
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i]!));
  if (m > 0) for (let i = 0; i < x.length; i++) x[i] = x[i]! / m;
  return m;
}

/** Power iteration for one Perron vector: `apply` is x ↦ x B (left) or y ↦ B y (right). */
function powerIterate(
  apply: (x: Float64Array, out: Float64Array) => void,
  start: Float64Array,
  inR: Uint8Array,
  shift: number,
): { vec: Float64Array; iterations: number } {
  const k = start.length;
  let x = start.slice();
  for (let a = 0; a < k; a++) if (!inR[a]) x[a] = 0;
  normaliseMax(x);
  let y = new Float64Array(k);
  let best = Number.POSITIVE_INFINITY;
  let stall = 0;
  for (let it = 1; it <= MAX_ITERATIONS; it++) {
    apply(x, y);
    for (let a = 0; a < k; a++) y[a] = inR[a] ? y[a]! + shift * x[a]! : 0;
    if (normaliseMax(y) === 0)
      throw new InputError("model", "the tilted transition has no positive Perron vector");
    let change = 0;
    for (let a = 0; a < k; a++) change = Math.max(change, Math.abs(y[a]! - x[a]!));
    [x, y] = [y, x];
    if (change <= 4e-16) return { vec: x, iterations: it };
    // Rounding leaves a floor of a few ε: stop once the change has not improved for a while below 1e-13.
    if (change < best * 0.999) {
      best = change;
      stall = 0;
    } else if (best < 1e-13 && ++stall > 20) return { vec: x, iterations: it };
  }
  throw new InputError(
    "model",
    `the Perron vector of the tilted transition did not converge in ${MAX_ITERATIONS} power iterations (the chain mixes too slowly)`,
  );
}

function perronRaw(
  chain: MarkovChain,
  lambda: number,
  mu0: number,
  options: PerronOptions | undefined,
): PerronPoint {
  const s = requireIrreducible(chain, "the Perron–Frobenius quantities");
  const { k } = chain;
  const [lo, hi] = rewardRange(chain);
  // Centre of the scaling: μ₀ while e^{λ(r − μ₀)} stays in range, else the end the tilt favours.
  let centre = mu0;
  if (Math.abs(lambda) * Math.max(hi - mu0, mu0 - lo) > 600) centre = lambda > 0 ? hi : lo;
  const op = tiltedOperator(chain, lambda, centre);
  const ones = new Float64Array(k).fill(1);
  // Shift for periodic chains: the row sums of B bound ρ; c = their mean on R.
  let shift = 0;
  if (s.period !== 1) {
    const t = new Float64Array(k);
    op.right(ones, t);
    let sum = 0;
    for (const a of s.reachable) sum += t[a]!;
    shift = sum / s.reachable.length;
  }
  const u0 = options?.start?.left ?? ones;
  const v0 = options?.start?.right ?? ones;
  const L = powerIterate(op.left, u0, s.inR, shift);
  const R = powerIterate(op.right, v0, s.inR, shift);
  const u = L.vec;
  const v = R.vec;
  // ρ = u B v / (u·v): second order in the vectors' errors.
  const Bv = new Float64Array(k);
  op.right(v, Bv);
  let num = 0;
  let den = 0;
  for (const a of s.reachable) {
    num += u[a]! * Bv[a]!;
    den += u[a]! * v[a]!;
  }
  const rho = num / den;
  // The right vector off R (initial-only states): v_a = (B v)_a / ρ.
  for (let a = 0; a < k; a++) if (!s.inR[a]) v[a] = Bv[a]! / rho;
  const pi = new Float64Array(k);
  let mean = 0;
  for (const a of s.reachable) {
    pi[a] = (u[a]! * v[a]!) / den;
    mean += pi[a]! * chain.r[a]!;
  }
  const logRhoScaled = Math.log(rho);
  const point: PerronPoint = {
    lambda,
    logRho: lambda * centre + logRhoScaled,
    logRhoCentred: lambda * (centre - mu0) + logRhoScaled,
    mean: Math.min(hi, Math.max(lo, mean)),
    variance: Number.NaN,
    right: v,
    left: u,
    pi,
    iterations: L.iterations + R.iterations,
  };
  if (options?.variance === false) return point;
  return { ...point, variance: asymptoticVariance(chain, op.right, rho, point, s.period) };
}

/** Λ(λ), Λ'(λ), Λ''(λ) and the Perron vectors of P_λ. */
export function perronAt(chain: MarkovChain, lambda: number, options?: PerronOptions): PerronPoint {
  if (!Number.isFinite(lambda)) throw new InputError("lambda", `λ must be finite, got ${lambda}`);
  return perronRaw(chain, lambda, stationaryMean(chain), options);
}

/** Largest |R| for the dense LU solve of the Poisson equation. */
const DENSE_POISSON = 400;

/**
 * σ² = 2 π(r̃ g) − π(r̃²) with (I − Q) g = r̃. (Q g)_a = (P_λ (v ∘ g))_a / (ρ v_a), so only products with
 * the scaled P_λ are needed.
 */
function asymptoticVariance(
  chain: MarkovChain,
  right: (y: Float64Array, out: Float64Array) => void,
  rho: number,
  point: PerronPoint,
  period: number,
): number {
  const { reachable, inR } = chainStructure(chain);
  const { k } = chain;
  const v = point.right;
  const pi = point.pi;
  const rt = new Float64Array(k);
  for (const a of reachable) rt[a] = chain.r[a]! - point.mean;
  // Re-centre r̃ so that π·r̃ = 0 to rounding.
  let c = 0;
  for (const a of reachable) c += pi[a]! * rt[a]!;
  for (const a of reachable) rt[a] = rt[a]! - c;
  const Q = (g: Float64Array, out: Float64Array) => {
    const t = new Float64Array(k);
    for (const a of reachable) t[a] = v[a]! * g[a]!;
    right(t, out);
    for (let a = 0; a < k; a++) out[a] = inR[a] ? out[a]! / (rho * v[a]!) : 0;
  };
  let g: Float64Array;
  const m = reachable.length;
  if (m <= DENSE_POISSON) {
    // Dense (I − Q + 1πᵀ) g = r̃ on R, Gaussian elimination with partial pivoting.
    const A = new Float64Array(m * m);
    const e = new Float64Array(k);
    const col = new Float64Array(k);
    for (let j = 0; j < m; j++) {
      e.fill(0);
      e[reachable[j]!] = 1;
      Q(e, col);
      for (let i = 0; i < m; i++) A[i * m + j] = (i === j ? 1 : 0) - col[reachable[i]!]! + pi[reachable[j]!]!;
    }
    const rhs = Float64Array.from(reachable, (a) => rt[a]!);
    const x = solveDense(A, rhs, m);
    g = new Float64Array(k);
    for (let i = 0; i < m; i++) g[reachable[i]!] = x[i]!;
  } else {
    g = rt.slice();
    const qg = new Float64Array(k);
    const lazy = period !== 1;
    for (let it = 0; it < MAX_ITERATIONS; it++) {
      Q(g, qg);
      let change = 0;
      let size = 0;
      let pg = 0;
      for (const a of reachable) {
        const next = lazy ? 0.5 * (rt[a]! + g[a]! + qg[a]!) : rt[a]! + qg[a]!;
        change = Math.max(change, Math.abs(next - g[a]!));
        size = Math.max(size, Math.abs(next));
        g[a] = next;
        pg += pi[a]! * next;
      }
      for (const a of reachable) g[a] = g[a]! - pg;
      if (change <= 1e-15 * Math.max(size, 1e-300)) break;
    }
  }
  let s1 = 0;
  let s2 = 0;
  for (const a of reachable) {
    s1 += pi[a]! * rt[a]! * g[a]!;
    s2 += pi[a]! * rt[a]! * rt[a]!;
  }
  return Math.max(0, 2 * s1 - s2);
}

/** Solves A x = b (A m×m row-major, overwritten) by Gaussian elimination with partial pivoting. */
export function solveDense(A: Float64Array, b: Float64Array, m: number): Float64Array {
  const x = b.slice();
  for (let j = 0; j < m; j++) {
    let p = j;
    for (let i = j + 1; i < m; i++) if (Math.abs(A[i * m + j]!) > Math.abs(A[p * m + j]!)) p = i;
    if (p !== j) {
      for (let c = 0; c < m; c++) [A[j * m + c], A[p * m + c]] = [A[p * m + c]!, A[j * m + c]!];
      [x[j], x[p]] = [x[p]!, x[j]!];
    }
    const d = A[j * m + j]!;
    if (d === 0) continue;
    for (let i = j + 1; i < m; i++) {
      const f = A[i * m + j]! / d;
      if (f === 0) continue;
      for (let c = j; c < m; c++) A[i * m + c] = A[i * m + c]! - f * A[j * m + c]!;
      x[i] = x[i]! - f * x[j]!;
    }
  }
  for (let j = m - 1; j >= 0; j--) {
    let s = x[j]!;
    for (let c = j + 1; c < m; c++) s -= A[j * m + c]! * x[c]!;
    x[j] = A[j * m + j]! === 0 ? 0 : s / A[j * m + j]!;
  }
  return x;
}
