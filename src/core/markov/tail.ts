import { InputError, show } from "../errors.js";
import { log1mexp } from "../numerics/logspace.js";
import { MAX_LENGTH } from "../sequence/sumLaw.js";
import { legendreTilt } from "./asymptotics.js";
import type { MarkovChain } from "./chain.js";
import { perronAt } from "./perron.js";
import {
  type ChainLattice,
  DIRECT_WORK,
  directFits,
  directLogError,
  directLogPmf,
  latticeOrThrow,
  type MarkovWindow,
  markovWindow,
  windowLogPmf,
  windowLogTail,
  windowRelError,
} from "./sumLaw.js";

/**
 * Points and tails of the law of S_n under a Markov chain (MATH §7), from the direct recursion when it
 * is cheap and otherwise from tilted windows recentred where they are needed (sumLaw.ts), as
 * sequence/sumLaw.ts does for memoryless models.
 */

export function checkLength(n: number): void {
  if (!Number.isSafeInteger(n) || n < 1 || n > MAX_LENGTH) {
    throw new InputError("length", `n must be a whole number from 1 to ${MAX_LENGTH}, got ${show(n)}`);
  }
}

const directCache = new WeakMap<MarkovChain, Map<number, Float64Array>>();

/** The direct log-pmf of K_n (cached per chain and n). */
export function directFor(chain: MarkovChain, lat: ChainLattice, n: number): Float64Array {
  let byN = directCache.get(chain);
  if (!byN) {
    byN = new Map();
    directCache.set(chain, byN);
  }
  let hit = byN.get(n);
  if (!hit) {
    hit = directLogPmf(chain, lat, n);
    byN.set(n, hit);
  }
  return hit;
}

/** The tilt λ (reward units) whose asymptotic mean step is K/n, kept inside the open range of Λ'. */
export function tiltForStep(chain: MarkovChain, lat: ChainLattice, n: number, K: number): number {
  const top = n * lat.span;
  const k = Math.min(top - 0.5, Math.max(0.5, K));
  const sol = legendreTilt(chain, lat.offset + (lat.step * k) / n);
  if (!sol) {
    throw new InputError(
      "at",
      `S_n = ${show(lat.offset * n + lat.step * K)} is beyond what the chain's cycles reach per step; the transform cannot centre there`,
    );
  }
  return sol.s;
}

/** A window cache per (chain, n, λ). */
export class WindowCache {
  private readonly byLambda = new Map<number, MarkovWindow>();
  constructor(
    readonly chain: MarkovChain,
    readonly lat: ChainLattice,
    readonly n: number,
  ) {}
  at(lambda: number): MarkovWindow {
    let w = this.byLambda.get(lambda);
    if (!w) {
      w = markovWindow(this.chain, this.lat, this.n, lambda);
      this.byLambda.set(lambda, w);
    }
    return w;
  }
  centredAt(K: number): MarkovWindow {
    return this.at(tiltForStep(this.chain, this.lat, this.n, K));
  }
}

/** log P(K_n = K) for K in [kLo, kHi] with a bound on each entry's error (nats), stitched from windows. */
export interface RangeLaw {
  readonly kLo: number;
  readonly logPmf: Float64Array;
  readonly logError: Float64Array;
  readonly lambdas: number[];
}

export function lawOnRange(cache: WindowCache, kLo: number, kHi: number, first?: MarkovWindow): RangeLaw {
  const out = new Float64Array(kHi - kLo + 1);
  const errs = new Float64Array(out.length);
  const lambdas: number[] = [];
  let cursor = kLo;
  let reach = 0;
  let seed = first;
  while (cursor <= kHi) {
    let win: MarkovWindow;
    if (seed && cursor >= seed.validLo && cursor <= seed.validHi) win = seed;
    else win = cache.centredAt(Math.min(kHi, cursor + reach));
    seed = undefined;
    if (cursor < win.validLo || cursor > win.validHi) {
      if (reach > 0) {
        reach = Math.floor(reach / 2);
        continue;
      }
      throw new InputError(
        "range",
        `log P(S_n = s) has no accurate digit by the transform at K = ${cursor} (a sub-lattice the chain visits rarely)`,
      );
    }
    lambdas.push(win.lambda);
    const last = Math.min(kHi, win.validHi);
    for (let K = cursor; K <= last; K++) {
      out[K - kLo] = windowLogPmf(win, K);
      const rel = windowRelError(win, K);
      errs[K - kLo] = rel < 1 ? -Math.log1p(-rel) : Number.POSITIVE_INFINITY;
    }
    reach = Math.max(0, Math.floor(0.4 * (win.validHi - win.validLo)));
    cursor = last + 1;
  }
  return { kLo, logPmf: out, logError: errs, lambdas };
}

/** A log-probability with a bound on its absolute error (nats). */
export interface Estimate {
  readonly value: number;
  readonly logErr: number;
}

const EXACT_NEG: Estimate = { value: Number.NEGATIVE_INFINITY, logErr: 0 };
const EXACT_ONE: Estimate = { value: 0, logErr: 0 };

function complement(e: Estimate): Estimate {
  if (e.value === Number.NEGATIVE_INFINITY) return EXACT_ONE;
  const p = Math.exp(e.value);
  return { value: log1mexp(-Math.min(0, e.value)) + 0, logErr: (e.logErr * p) / Math.max(1e-300, 1 - p) };
}

function fromRel(value: number, rel: number): Estimate {
  return { value, logErr: rel < 1 ? -Math.log1p(-rel) : Number.POSITIVE_INFINITY };
}

/** log P(K_n ≥ K0) by the transform: tilted at K0 above the mean, else the complement of the lower tail. */
export function transformUpper(cache: WindowCache, K0: number): Estimate {
  const top = cache.n * cache.lat.span;
  if (K0 <= 0) return EXACT_ONE;
  if (K0 > top) return EXACT_NEG;
  const mean = meanStep(cache) * cache.n;
  if (K0 <= mean) return complement(transformLower(cache, K0 - 1));
  const t = windowLogTail(cache.centredAt(K0), K0, true);
  return fromRel(t.value, t.relError);
}

/** log P(K_n ≤ K1) by the transform. */
export function transformLower(cache: WindowCache, K1: number): Estimate {
  const top = cache.n * cache.lat.span;
  if (K1 >= top) return EXACT_ONE;
  if (K1 < 0) return EXACT_NEG;
  const mean = meanStep(cache) * cache.n;
  if (K1 >= mean) return complement(transformUpper(cache, K1 + 1));
  const t = windowLogTail(cache.centredAt(K1), K1, false);
  return fromRel(t.value, t.relError);
}

function meanStep(cache: WindowCache): number {
  const p = perronAt(cache.chain, 0, { variance: false });
  return (p.mean - cache.lat.offset) / cache.lat.step;
}

/** The answer of markovTail (the shape of sequence/sumLaw.ts's SumTail). */
export interface MarkovTail {
  readonly logPmf: number;
  readonly logUpperTail: number;
  readonly logLowerTail: number;
  readonly method: "constant" | "markov-direct" | "markov-transform";
  readonly relErrorBound: number;
}

/** log P(S_n = s), log P(S_n ≥ s), log P(S_n ≤ s) under the chain, with a bound on their relative errors. */
export function markovTail(chain: MarkovChain, n: number, s: number, directBudget = DIRECT_WORK): MarkovTail {
  checkLength(n);
  if (!Number.isFinite(s)) throw new InputError("at", `s must be a finite number, got ${show(s)}`);
  const lat = latticeOrThrow(chain);
  const NEG = Number.NEGATIVE_INFINITY;
  if (lat.step === 0) {
    const c = n * lat.offset;
    const tol = 1e-12 * Math.max(1, Math.abs(c));
    return {
      logPmf: Math.abs(s - c) <= tol ? 0 : NEG,
      logUpperTail: s <= c + tol ? 0 : NEG,
      logLowerTail: s >= c - tol ? 0 : NEG,
      method: "constant",
      relErrorBound: 0,
    };
  }
  const k = (s - n * lat.offset) / lat.step;
  const tol = 1e-9;
  const kr = Math.round(k);
  const on = Math.abs(k - kr) <= tol;
  const K0 = Math.ceil(k - tol);
  const K1 = Math.floor(k + tol);
  const top = n * lat.span;
  const rel = (e: Estimate) => (Number.isFinite(e.value) && e.value !== 0 ? e.logErr / Math.abs(e.value) : 0);
  if (directFits(chain, lat, n, directBudget)) {
    const pmf = directFor(chain, lat, n);
    const err = directLogError(chain, n);
    const sumRange = (a: number, b: number): number => {
      a = Math.max(0, a);
      b = Math.min(top, b);
      if (a > b) return NEG;
      let m = NEG;
      for (let i = a; i <= b; i++) m = Math.max(m, pmf[i]!);
      if (m === NEG) return NEG;
      let acc = 0;
      for (let i = a; i <= b; i++) acc += Math.exp(pmf[i]! - m);
      return m + Math.log(acc);
    };
    // Sum the side away from the bulk; the other is log(1 − that).
    const tail = (a: number, b: number, ca: number, cb: number): number => {
      const direct = sumRange(a, b);
      const other = sumRange(ca, cb);
      return other < direct ? log1mexp(-Math.min(0, other)) + 0 : direct;
    };
    const logPmf = on && kr >= 0 && kr <= top ? pmf[kr]! : NEG;
    const up = K0 <= 0 ? 0 : tail(K0, top, 0, K0 - 1);
    const lo = K1 >= top ? 0 : tail(0, K1, K1 + 1, top);
    let r = 0;
    for (const v of [logPmf, up, lo]) if (Number.isFinite(v) && v !== 0) r = Math.max(r, err / Math.abs(v));
    return { logPmf, logUpperTail: up, logLowerTail: lo, method: "markov-direct", relErrorBound: r };
  }
  const cache = new WindowCache(chain, lat, n);
  let pmf: Estimate = EXACT_NEG;
  if (on && kr >= 0 && kr <= top) {
    const win = cache.centredAt(kr);
    const relP = windowRelError(win, kr);
    if (!(relP < 0.5))
      throw new InputError("at", `log P(S_n = s) has no accurate digit by the transform at K = ${kr}`);
    pmf = fromRel(windowLogPmf(win, kr), relP);
  }
  const up = transformUpper(cache, K0);
  const lo = transformLower(cache, K1);
  return {
    logPmf: pmf.value,
    logUpperTail: up.value,
    logLowerTail: lo.value,
    method: "markov-transform",
    relErrorBound: Math.max(rel(pmf), rel(up), rel(lo)),
  };
}
