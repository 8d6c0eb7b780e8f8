import { InputError, show } from "../errors.js";
import { newtonBracketed } from "../numerics/roots.js";
import { checkKl } from "../tilt.js";
import type { MarkovChain } from "./chain.js";
import { type PerronPoint, perronAt, stationaryMean } from "./perron.js";
import { chainStructure } from "./structure.js";

/**
 * Perron–Frobenius asymptotics of a Markov reference (MATH §7): with Λ(λ) = log ρ(P_λ),
 * - the KL rate of the limit optimum d(λ) = λΛ'(λ) − Λ(λ), λ* its root at Δ, x* = Λ'(λ*);
 * - Cramér's I_p(x) = sup_s [s x − Λ(s)] and J_Δ(x) = I_p(x) − λ* x + Λ(λ*), at the root s of Λ'(s) = x;
 * - the Doob transform Q(a, b) = P_λ(a, b) v_b / (ρ v_a) with initial law ∝ μ(a) e^{λ r(a)} v_a, the
 *   limit of the finite-n optimum φ_n ∝ p^{(n)} e^{λ_n S_n} (its law on any fixed prefix).
 * Every quantity is written with the rewards centred at the stationary mean μ₀, so d(λ) never carries
 * the λ μ₀ terms (d = λ(Λ' − μ₀) − (Λ − λμ₀)).
 */

/** The smallest positive gap between reward values on R (for the saturation test). */
function minGap(chain: MarkovChain): number {
  const vals = Array.from(chainStructure(chain).reachable, (a) => chain.r[a]!).sort((x, y) => x - y);
  let g = Number.POSITIVE_INFINITY;
  for (let i = 1; i < vals.length; i++) if (vals[i]! > vals[i - 1]!) g = Math.min(g, vals[i]! - vals[i - 1]!);
  return g;
}

/** d(λ) = λΛ'(λ) − Λ(λ) at a Perron point. */
export function klRateOf(chain: MarkovChain, p: PerronPoint): number {
  return Math.max(0, p.lambda * (p.mean - stationaryMean(chain)) - p.logRhoCentred);
}

/** The limit (n → ∞) KL-constrained optimum of a Markov reference at a per-token budget Δ (MATH §7). */
export interface MarkovOptimum {
  /** λ* (Infinity when saturated). */
  readonly lambdaStar: number;
  /** x* = Λ'(λ*), the optimal reward per token in the limit. */
  readonly xStar: number;
  readonly saturated: boolean;
  /** Λ(λ*), Λ''(λ*) (NaN when saturated). */
  readonly logRho: number;
  readonly variance: number;
  /** The largest KL rate the tilts reach, lim_{λ→∞} d(λ), when it was met (saturated), else null. */
  readonly klRateMax: number | null;
  /** The Perron point at λ* (at the largest λ tried when saturated). */
  readonly point: PerronPoint;
}

const optimumCache = new WeakMap<MarkovChain, Map<number, MarkovOptimum>>();

/** λ* and x* for the per-token budget Δ (MATH §7). */
export function markovOptimum(chain: MarkovChain, delta: number, field = "klRate"): MarkovOptimum {
  checkKl(delta, field);
  let byDelta = optimumCache.get(chain);
  if (!byDelta) {
    byDelta = new Map();
    optimumCache.set(chain, byDelta);
  }
  const hit = byDelta.get(delta);
  if (hit) return hit;
  const result = solveOptimum(chain, delta);
  byDelta.set(delta, result);
  return result;
}

function solveOptimum(chain: MarkovChain, delta: number): MarkovOptimum {
  const seen = new Map<number, PerronPoint>();
  let last: PerronPoint | undefined;
  const at = (lambda: number): PerronPoint => {
    let p = seen.get(lambda);
    if (!p) {
      p = perronAt(chain, lambda, { start: last });
      seen.set(lambda, p);
      last = p;
    }
    return p;
  };
  const p0 = at(0);
  const finish = (p: PerronPoint): MarkovOptimum => ({
    lambdaStar: p.lambda,
    xStar: p.mean,
    saturated: false,
    logRho: p.logRho,
    variance: p.variance,
    klRateMax: null,
    point: p,
  });
  if (delta === 0 || p0.variance === 0) return finish(p0);
  const gap = minGap(chain);
  const guess = Math.sqrt((2 * delta) / p0.variance);
  let lo = 0;
  let hi = guess;
  while (klRateOf(chain, at(hi)) < delta) {
    lo = hi;
    hi *= 4;
    // Past λ·gap ≈ 800 every reward below the top cycle mean weighs below e^{−800}: d has its limit.
    if (hi * gap > 3200) {
      const top = at(lo);
      return {
        lambdaStar: Number.POSITIVE_INFINITY,
        xStar: top.mean,
        saturated: true,
        logRho: Number.NaN,
        variance: Number.NaN,
        klRateMax: klRateOf(chain, top),
        point: top,
      };
    }
  }
  while (lo === 0) {
    const mid = hi / 4;
    if (klRateOf(chain, at(mid)) < delta) lo = mid;
    else hi = mid;
  }
  const res = newtonBracketed(
    (lambda) => {
      const p = at(lambda);
      return { f: klRateOf(chain, p) - delta, df: lambda * p.variance };
    },
    lo,
    hi,
    Math.min(Math.max(guess, lo), hi),
    { xRelTol: 1e-15 },
  );
  return finish(at(res.x));
}

/**
 * The tilt s with Λ'(s) = x (s ∈ ℝ), by Newton inside a bracket on the increasing Λ' (its derivative is
 * Λ'' ≥ 0); null past the ends. `near` (a Perron point already computed, e.g. at λ*) is where the search
 * starts: its vectors seed the power iterations and its Λ', Λ'' the first step.
 */
export function legendreTilt(
  chain: MarkovChain,
  x: number,
  near?: PerronPoint,
): { s: number; point: PerronPoint } | null {
  const seen = new Map<number, PerronPoint>();
  let last: PerronPoint | undefined = near;
  if (near && Number.isFinite(near.variance)) seen.set(near.lambda, near);
  const at = (s: number): PerronPoint => {
    let p = seen.get(s);
    if (!p) {
      p = perronAt(chain, s, { start: last });
      seen.set(s, p);
      last = p;
    }
    return p;
  };
  const p0 = at(near && Number.isFinite(near.variance) ? near.lambda : 0);
  if (x === p0.mean) return { s: p0.lambda, point: p0 };
  const dir = x > p0.mean ? 1 : -1;
  const gap = minGap(chain);
  const newton = p0.lambda + (x - p0.mean) / (p0.variance || 1);
  let a = p0.lambda;
  let step = Math.max(1.25 * Math.abs(newton - a), 1e-3 * (1 + Math.abs(a)));
  let b = a + dir * step;
  while (dir * (at(b).mean - x) < 0) {
    a = b;
    step *= 4;
    b = a + dir * step;
    if (Math.abs(b) * gap > 3200) return null;
  }
  const [lo, hi] = dir > 0 ? [a, b] : [b, a];
  const guess = Math.min(hi, Math.max(lo, newton));
  const res = newtonBracketed(
    (s) => {
      const p = at(s);
      return { f: p.mean - x, df: p.variance };
    },
    lo,
    hi,
    guess,
    { xRelTol: 1e-15, xAbsTol: 1e-15 },
  );
  return { s: res.x, point: at(res.x) };
}

/** The rate functions of S_n/n at one reward value x: under the reference and under the limit optimum. */
export interface MarkovRate {
  readonly x: number;
  /** Cramér's rate I_p(x) of S_n/n under the reference. */
  readonly Ip: number;
  /** J_Δ(x) = I_p(x) − λ* x + Λ(λ*): the rate of S_n/n under the limit optimum, 0 at x*. */
  readonly J: number;
  /** The Legendre tilt s with Λ'(s) = x (±Infinity at or beyond the ends). */
  readonly s: number;
}

/**
 * I_p(x) and J_Δ(x) by Legendre transform of Λ (MATH §4, §7). Outside the range of Λ' (the extreme
 * cycle means), +∞.
 */
export function markovRate(chain: MarkovChain, delta: number, x: number): MarkovRate {
  if (typeof x !== "number" || !Number.isFinite(x))
    throw new InputError("x", `expected a finite reward value, got ${show(x)}`);
  const opt = markovOptimum(chain, delta);
  const sol = legendreTilt(chain, x, opt.saturated ? undefined : opt.point);
  if (!sol) {
    return {
      x,
      Ip: Number.POSITIVE_INFINITY,
      J: Number.POSITIVE_INFINITY,
      s: x > stationaryMean(chain) ? Infinity : -Infinity,
    };
  }
  const mu0 = stationaryMean(chain);
  const { s, point } = sol;
  // s x − Λ(s) = s(x − μ₀) − Λ_c(s), with Λ_c = Λ − sμ₀ (both small near μ₀).
  const Ip = Math.max(0, s * (x - mu0) - point.logRhoCentred);
  let J: number;
  if (opt.saturated) J = Number.POSITIVE_INFINITY;
  else {
    const l = opt.lambdaStar;
    J = Math.max(0, (s - l) * (x - mu0) - (point.logRhoCentred - opt.point.logRhoCentred));
  }
  return { x, Ip, J, s };
}

/** The Doob transform of P at λ: the transition Q and its initial law (dense rows, row-major). */
export interface DoobChain {
  readonly lambda: number;
  readonly initial: Float64Array;
  /** Q as compressed rows with the same pattern as P, plus the rank-one part when P has one. */
  readonly chain: MarkovChain;
}

/** Q(a, b) = P_λ(a, b) v_b / (ρ v_a), initial ∝ μ(a) e^{λ r(a)} v_a (MATH §7). */
export function doobTransform(chain: MarkovChain, lambda: number): DoobChain {
  const p = perronAt(chain, lambda);
  const { k, rowStart, col, val, lowRank, r } = chain;
  const v = p.right;
  const mu0 = stationaryMean(chain);
  // ρ on the same scale as the factors e^{λ(r − μ₀)}: ρ_c = e^{Λ_c}.
  const e = Float64Array.from(r, (x) => Math.exp(lambda * (x - mu0) - p.logRhoCentred));
  const q = new Float64Array(val.length);
  for (let a = 0; a < k; a++) {
    for (let i = rowStart[a]!; i < rowStart[a + 1]!; i++) {
      const b = col[i]!;
      q[i] = v[a]! > 0 ? (val[i]! * e[b]! * v[b]!) / v[a]! : 0;
    }
  }
  let lr: MarkovChain["lowRank"] = null;
  if (lowRank) {
    let z = 0;
    const u = new Float64Array(k);
    for (let b = 0; b < k; b++) {
      u[b] = lowRank.u[b]! * e[b]! * v[b]!;
      z += u[b]!;
    }
    for (let b = 0; b < k; b++) u[b] = u[b]! / z;
    const w = Float64Array.from(lowRank.w, (wa, a) => (v[a]! > 0 ? (wa * z) / v[a]! : 0));
    lr = { w, u };
  }
  const init = new Float64Array(k);
  let t = 0;
  for (let a = 0; a < k; a++) {
    init[a] = chain.initial[a]! * Math.exp(lambda * (r[a]! - mu0)) * v[a]!;
    t += init[a]!;
  }
  for (let a = 0; a < k; a++) init[a] = init[a]! / t;
  return {
    lambda,
    initial: init,
    chain: { k, states: chain.states, r, initial: init, rowStart, col, val: q, lowRank: lr },
  };
}
