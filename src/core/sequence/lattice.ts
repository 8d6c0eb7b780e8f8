import { levelsOf } from "../levels.js";
import type { Model } from "../model.js";

/**
 * A lattice reward law (MATH §3): every reward level is offset + step·k with an integer k in [0, span],
 * so S_n lives on n·offset + step·{0, …, n·span}. The per-token law in step units is `logMass[k]`
 * (−∞ at gaps); `ks` and `logq` list only the occupied steps.
 */
export interface Lattice {
  /** a = the lowest reward level. */
  readonly offset: number;
  /** h > 0, or 0 for a constant reward (then S_n = n·offset). */
  readonly step: number;
  /** k_l = (v_l − a)/h for each reward level, increasing, with gcd 1. */
  readonly ks: Int32Array;
  /** log P(r = a + h·k_l). */
  readonly logq: Float64Array;
  /** Largest step k_L (the per-token span in steps). */
  readonly span: number;
  /** log mass on 0..span, −∞ where no level sits. */
  readonly logMass: Float64Array;
}

/** Relative tolerance (of the reward range) for a level to count as on the lattice. */
export const LATTICE_TOLERANCE = 1e-9;
/** Largest per-token span in steps that is treated as a lattice. */
export const MAX_LATTICE_SPAN = 1 << 20;

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/**
 * The lattice of a model's reward levels, or undefined when the rewards are not on a lattice with at
 * most MAX_LATTICE_SPAN steps (within LATTICE_TOLERANCE of the range). Integer rewards use the exact
 * integer gcd; otherwise the step is the smallest gap divided by the least j ≤ 10^4 that fits every
 * level, refined to range/k_L.
 */
export function latticeOf(model: Model): Lattice | undefined {
  // Computed once per model (callers read the arrays, never write them); null records "no lattice".
  const hit = lattices.get(model);
  if (hit !== undefined) return hit ?? undefined;
  const lattice = findLattice(model);
  lattices.set(model, lattice ?? null);
  return lattice;
}

const lattices = new WeakMap<Model, Lattice | null>();

function findLattice(model: Model): Lattice | undefined {
  const levels = levelsOf(model);
  const L = levels.count;
  const v = levels.values;
  const a = v[0]!;
  if (L === 1) {
    return {
      offset: a,
      step: 0,
      ks: Int32Array.of(0),
      logq: Float64Array.of(0),
      span: 0,
      logMass: Float64Array.of(0),
    };
  }
  const range = v[L - 1]! - a;
  const ks = new Int32Array(L);
  let step = Number.NaN;
  if (v.every((x) => Number.isSafeInteger(x)) && Math.abs(a) < 2 ** 52 && range < 2 ** 52) {
    let g = 0;
    for (let l = 1; l < L; l++) g = gcd(v[l]! - a, g);
    if (range / g <= MAX_LATTICE_SPAN) {
      step = g;
      for (let l = 0; l < L; l++) ks[l] = (v[l]! - a) / g;
    }
  } else {
    let gap = Number.POSITIVE_INFINITY;
    for (let l = 1; l < L; l++) gap = Math.min(gap, v[l]! - v[l - 1]!);
    const tol = LATTICE_TOLERANCE * range;
    for (let j = 1; j <= 10_000 && Number.isNaN(step); j++) {
      const h = gap / j;
      if (range / h > MAX_LATTICE_SPAN) break;
      let fits = true;
      for (let l = 1; l < L && fits; l++) {
        const k = Math.round((v[l]! - a) / h);
        fits = Math.abs(v[l]! - a - k * h) <= tol;
        ks[l] = k;
      }
      if (fits) step = range / ks[L - 1]!;
    }
  }
  if (Number.isNaN(step)) return undefined;
  const span = ks[L - 1]!;
  const logMass = new Float64Array(span + 1).fill(Number.NEGATIVE_INFINITY);
  for (let l = 0; l < L; l++) logMass[ks[l]!] = levels.logMass[l]!;
  return { offset: a, step, ks, logq: Float64Array.from(levels.logMass), span, logMass };
}

/**
 * Which K ∈ {0..n·span} the n-fold sum can reach. Step 0 is always a level (the offset is the lowest
 * one), so K is reachable iff the least number c(K) of positive steps summing to K is ≤ n; mirrored, iff
 * the least number of gaps span − k_l summing to n·span − K is ≤ n. c is tabulated by the coin-change
 * recursion up to D = max(4096, 2·span³) from each edge; beyond D every point is reachable (any d past the
 * Frobenius number < span² has c(d) ≤ d/span + span², which is ≤ n there since n > 4·span²).
 */
export function reachability(lat: Lattice, n: number): (K: number) => boolean {
  const top = n * lat.span;
  // The table costs D·L operations: capped at 2^24 (past the cap a light edge class is refused later).
  const cap = Math.max(4096, Math.floor(2 ** 24 / lat.ks.length));
  const D = Math.min(Math.ceil(top / 2) + 1, Math.max(4096, 2 * lat.span ** 3), cap);
  const table = (steps: number[]): Float64Array => {
    const c = new Float64Array(D + 1).fill(Number.POSITIVE_INFINITY);
    c[0] = 0;
    for (let d = 1; d <= D; d++) {
      let best = Number.POSITIVE_INFINITY;
      for (const s of steps) if (s <= d && c[d - s]! + 1 < best) best = c[d - s]! + 1;
      c[d] = best;
    }
    return c;
  };
  const ks = Array.from(lat.ks);
  const low = table(ks.filter((k) => k > 0));
  const high = table(ks.map((k) => lat.span - k).filter((g) => g > 0));
  return (K: number): boolean => {
    if (K < 0 || K > top) return false;
    if (K <= top / 2) return K > D || low[K]! <= n;
    return top - K > D || high[top - K]! <= n;
  };
}
