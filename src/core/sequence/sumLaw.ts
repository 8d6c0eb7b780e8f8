import { InputError, type Outcome, orThrow, refusal, show, success } from "../errors.js";
import type { Model } from "../model.js";
import { log1mexp } from "../numerics/logspace.js";
import { binomialLogPmf, binomialLogTails } from "./binomial.js";
import { directLogPmf } from "./direct.js";
import { type Lattice, latticeOf, reachability } from "./lattice.js";
import {
  type ShiftedWindow,
  shiftedWindow,
  thetaForMean,
  tiltLattice,
  tryShiftedWindow,
  tryWindowLogTail,
  VALID_RATIO,
  windowLogPmf,
} from "./shifted.js";

/**
 * The law of S_n = r(Y_1) + … + r(Y_n) for Y_i iid from a model with lattice rewards (MATH §3), in the
 * log domain. S_n = n·a + h·K with K ∈ {0, …, n·span}; every function below works on K and reports
 * rewards. Methods: "constant" (S_n = n·a), "binomial" (two levels, Loader's closed form), "direct"
 * (log-domain convolution by repeated squaring, exact to rounding, small supports), "fft" (exponentially
 * shifted FFT, recentred at the point asked for). Non-lattice rewards are refused with an InputError.
 */
export type SumMethod = "constant" | "binomial" | "direct" | "fft";

/** Support size up to which "auto" uses the direct convolution. */
export const DIRECT_AUTO_POINTS = 2048;
/** Largest support the direct convolution accepts. */
export const DIRECT_MAX_POINTS = 8192;
/** Largest length n accepted. */
export const MAX_LENGTH = 1e12;

/** How sumLaw and sumTail compute the law of S_n: the engine, the fft tilt and window, the range to cover. */
export interface SumLawOptions {
  /** Default "auto": binomial for two levels, direct for supports ≤ DIRECT_AUTO_POINTS, else fft. */
  readonly method?: "auto" | SumMethod;
  /** Tilt θ in reward units for the fft method (default: centred at `center`, else θ = 0). */
  readonly theta?: number;
  /** A reward value where the fft window is centred (θ solves Λ'(θ) = center/n). */
  readonly center?: number;
  /**
   * Rewards [lo, hi] to cover: the fft method then stitches as many shifted windows as it needs, each
   * recentred where the previous one stopped being accurate; the others slice their result.
   */
  readonly range?: readonly [number, number];
}

/** log P(S_n = offset + step·(kMin + i)) = logPmf[i]. */
export interface SumLaw {
  readonly n: number;
  readonly offset: number;
  readonly step: number;
  readonly kMin: number;
  readonly logPmf: Float64Array;
  /** Rewards of the first and last entry: outside [sMin, sMax] this result says nothing. */
  readonly sMin: number;
  readonly sMax: number;
  readonly method: SumMethod;
  /** Tilts used by the fft method (reward units), one per window; [] for the others. */
  readonly thetas: number[];
  /** Bound on |error| of every logPmf entry (nats). */
  readonly logErrorBound: number;
  /** Bound on |error|/|log P| over the entries (Infinity only where log P = 0 is not exact). */
  readonly relErrorBound: number;
  /**
   * fft only: points the FFT could not resolve to VALID_RATIO (a sub-lattice class far lighter than the
   * peak's, e.g. odd K for steps {0, 2, 9} at small n), taken from the direct convolution instead when the
   * support has at most DIRECT_MAX_POINTS points (otherwise they keep their own, larger, bound).
   */
  readonly directPoints: number;
}

/** The answer of `sumTail`. */
export interface SumTail {
  readonly logPmf: number;
  /** log P(S_n ≥ s). */
  readonly logUpperTail: number;
  /** log P(S_n ≤ s). */
  readonly logLowerTail: number;
  readonly method: SumMethod;
  /** Bound on the relative error of each of the three logs (0 for exact values, ±∞ and 0). */
  readonly relErrorBound: number;
}

function checkLength(n: number): void {
  if (!Number.isSafeInteger(n) || n < 1 || n > MAX_LENGTH) {
    throw new InputError("length", `n must be a whole number from 1 to ${MAX_LENGTH}, got ${show(n)}`);
  }
}

function latticeOrThrow(model: Model): Lattice {
  const lat = latticeOf(model);
  if (!lat) {
    throw new InputError(
      "model.r",
      "the rewards are not on a lattice a + h·k (within 1e-9 of their range, at most 2^20 steps); " +
        "the law of S_n is computed for lattice rewards only",
    );
  }
  return lat;
}

interface Located {
  /** (s − n·a)/h as a real. */
  readonly k: number;
  /** Tolerance in steps for a value to count as a lattice point. */
  readonly tol: number;
}

function locate(lat: Lattice, n: number, s: number): Located {
  if (!Number.isFinite(s)) throw new InputError("at", `s must be a finite number, got ${show(s)}`);
  // A constant reward: k is the relative distance from n·a, and only n·a itself is on the lattice.
  if (lat.step === 0) return { k: (s - n * lat.offset) / Math.max(1, Math.abs(n * lat.offset)), tol: 1e-12 };
  const k = (s - n * lat.offset) / lat.step;
  return { k, tol: Math.min(0.25, 1e-9 * (1 + Math.abs(k))) };
}

const directCache = new WeakMap<Model, Map<number, Float64Array>>();

function directFor(model: Model, lat: Lattice, n: number): Float64Array {
  let byN = directCache.get(model);
  if (!byN) {
    byN = new Map();
    directCache.set(model, byN);
  }
  let hit = byN.get(n);
  if (!hit) {
    hit = directLogPmf(lat.logMass, n);
    byN.set(n, hit);
  }
  return hit;
}

/** Worst-case error (nats) of the direct convolution: ε per term per level of the powering. */
function directLogError(n: number, points: number): number {
  return Number.EPSILON * (points + 2) * (2 * Math.log2(n) + 2);
}

function chooseMethod(lat: Lattice, n: number, asked: SumLawOptions["method"]): SumMethod {
  if (lat.step === 0) return "constant";
  const points = n * lat.span + 1;
  const method = asked ?? "auto";
  if (method === "auto") {
    if (lat.ks.length === 2) return "binomial";
    return points <= DIRECT_AUTO_POINTS ? "direct" : "fft";
  }
  if (method === "binomial" && lat.ks.length !== 2) {
    throw new InputError("method", "the binomial closed form needs exactly two reward levels");
  }
  if (method === "direct" && points > DIRECT_MAX_POINTS) {
    throw new InputError("method", `the direct convolution takes supports up to ${DIRECT_MAX_POINTS} points`);
  }
  if (method === "constant") throw new InputError("method", "the reward is not constant");
  return method;
}

const relOf = (absLog: number, logP: number): number =>
  absLog === 0 ? 0 : logP === 0 ? Number.POSITIVE_INFINITY : absLog / Math.abs(logP);

/** Binomial parameters of a two-level lattice (K counts the upper level). */
function binomialParams(lat: Lattice): [number, number, number, number] {
  const logq = lat.logq[0]!;
  const logp = lat.logq[1]!;
  return [Math.exp(logp), Math.exp(logq), logp, logq];
}

/** Relative accuracy claimed for Loader's form (a few ε on each of its O(1) terms, ε·|log| overall). */
export const BINOMIAL_ABS = 1e-13;

/**
 * log P(S_n = s), log P(S_n ≥ s) and log P(S_n ≤ s) with the method used and a bound on the relative
 * error of each log. The fft method recentres the tilt at s (Λ'(θ) = s/n), so s is always central.
 */
export function sumTail(model: Model, n: number, s: number, method?: SumLawOptions["method"]): SumTail {
  return orThrow(trySumTail(model, n, s, method));
}

/**
 * {@link sumTail}, or the reason the FFT cannot give these values to its stated accuracy (a window too
 * wide, a point or tail with no accurate digit) as a value, for callers that then try a coarser grid.
 * Bad arguments still throw.
 */
export function trySumTail(
  model: Model,
  n: number,
  s: number,
  method?: SumLawOptions["method"],
): Outcome<SumTail> {
  checkLength(n);
  const lat = latticeOrThrow(model);
  const { k, tol } = locate(lat, n, s);
  const used = chooseMethod(lat, n, method);
  const top = n * lat.span;
  const kr = Math.round(k);
  const onLattice = Math.abs(k - kr) <= tol;
  const K0 = Math.ceil(k - tol);
  const K1 = Math.floor(k + tol);
  const NEG = Number.NEGATIVE_INFINITY;
  if (used === "constant") {
    return success({
      logPmf: onLattice && kr === 0 ? 0 : NEG,
      logUpperTail: K0 <= 0 ? 0 : NEG,
      logLowerTail: K1 >= 0 ? 0 : NEG,
      method: used,
      relErrorBound: 0,
    });
  }
  if (used === "binomial") {
    const [p, q, logp, logq] = binomialParams(lat);
    const logPmf = onLattice ? binomialLogPmf(kr, n, p, q, logp, logq) : NEG;
    const up = binomialLogTails(K0, n, p, q, logp, logq).upper;
    const lo = binomialLogTails(K1, n, p, q, logp, logq).lower;
    let rel = 0;
    for (const v of [logPmf, up, lo])
      if (Number.isFinite(v) && v !== 0) rel = Math.max(rel, relOf(BINOMIAL_ABS * (1 + Math.abs(v)), v));
    return success({ logPmf, logUpperTail: up, logLowerTail: lo, method: used, relErrorBound: rel });
  }
  if (used === "direct") {
    const pmf = directFor(model, lat, n);
    const err = directLogError(n, pmf.length);
    const logPmf = onLattice && kr >= 0 && kr <= top ? pmf[kr]! : NEG;
    const sumRange = (a: number, b: number): number => {
      a = Math.max(0, a);
      b = Math.min(top, b);
      if (a > b) return NEG;
      let max = NEG;
      for (let i = a; i <= b; i++) max = Math.max(max, pmf[i]!);
      if (max === NEG) return NEG;
      let acc = 0;
      for (let i = a; i <= b; i++) acc += Math.exp(pmf[i]! - max);
      return max + Math.log(acc);
    };
    // The side away from the bulk is summed; the other is log(1 − that), so a tail near 1 keeps the
    // relative accuracy of its complement.
    const tail = (a: number, b: number, ca: number, cb: number): number => {
      const direct = sumRange(a, b);
      const other = sumRange(ca, cb);
      return other < direct ? log1mexp(-Math.min(0, other)) + 0 : direct;
    };
    const up = K0 <= 0 ? 0 : tail(K0, top, 0, K0 - 1);
    const lo = K1 >= top ? 0 : tail(0, K1, K1 + 1, top);
    let rel = 0;
    for (const v of [logPmf, up, lo]) if (Number.isFinite(v) && v !== 0) rel = Math.max(rel, relOf(err, v));
    return success({ logPmf, logUpperTail: up, logLowerTail: lo, method: used, relErrorBound: rel });
  }
  // fft, recentred at each point asked for.
  const memo: Windows = {
    reachable: reachability(lat, n),
    byTheta: new Map(),
    direct: top + 1 <= DIRECT_MAX_POINTS ? () => directFor(model, lat, n) : undefined,
  };
  const pmf = fftPoint(lat, n, onLattice ? kr : -1, memo);
  if (!pmf.ok) return pmf;
  const up = fftUpper(lat, n, K0, memo);
  if (!up.ok) return up;
  const lo = fftLower(lat, n, K1, memo);
  if (!lo.ok) return lo;
  let rel = 0;
  for (const { value: r } of [pmf, up, lo])
    if (Number.isFinite(r.value) && r.value !== 0) rel = Math.max(rel, relOf(r.logErr, r.value));
  return success({
    logPmf: pmf.value.value,
    logUpperTail: up.value.value,
    logLowerTail: lo.value.value,
    method: used,
    relErrorBound: rel,
  });
}

/** Bound on |log(1 + e)| for |e| ≤ δ < 1: the error of a log from a relative error δ of the probability. */
function logError(delta: number): number {
  return delta < 1 ? -Math.log1p(-delta) : Number.POSITIVE_INFINITY;
}

/** A log-probability with a bound on its absolute error (nats). */
interface Estimate {
  readonly value: number;
  readonly logErr: number;
}

const EXACT_NEG = success<Estimate>({ value: Number.NEGATIVE_INFINITY, logErr: 0 });
const EXACT_ONE = success<Estimate>({ value: 0, logErr: 0 });

/** An edge probability q^n, exact up to the rounding of n·log q. */
const edge = (v: number) => success<Estimate>({ value: v, logErr: 2 * Number.EPSILON * Math.abs(v) });

/**
 * Per-query context: which K are reachable, and the windows already computed by θ (the pmf and a tail
 * at the same point share one).
 */
interface Windows {
  readonly reachable: (K: number) => boolean;
  /** The direct log-pmf, for supports of at most DIRECT_MAX_POINTS points. */
  readonly direct: (() => Float64Array) | undefined;
  readonly byTheta: Map<number, Outcome<ShiftedWindow>>;
}

function windowAt(lat: Lattice, n: number, x: number, memo: Windows): Outcome<ShiftedWindow> {
  const theta = thetaForMean(lat, x);
  let win = memo.byTheta.get(theta);
  if (!win) {
    win = tryShiftedWindow(lat, n, theta, memo.reachable);
    memo.byTheta.set(theta, win);
  }
  return win;
}

function fftPoint(lat: Lattice, n: number, K: number, memo: Windows): Outcome<Estimate> {
  const top = n * lat.span;
  if (K < 0 || K > top) return EXACT_NEG;
  if (K === 0) return edge(n * lat.logq[0]!);
  if (K === top) return edge(n * lat.logq[lat.logq.length - 1]!);
  if (!memo.reachable(K)) return EXACT_NEG;
  const at = windowAt(lat, n, K / n, memo);
  if (!at.ok) return at;
  const win = at.value;
  // At the centre of its window a point is valid, except on lattices where a sub-lattice class carries
  // far less mass than the peak's (steps {0, 2, 9}: odd K); then its own bound is reported.
  const v = win.tilted[K - win.windowLo]!;
  if (!(v > 2 * win.absError)) {
    return refusal(
      new InputError("at", `log P(S_n = s) has no accurate digit by the FFT at K = ${K}`, "inaccurate"),
    );
  }
  const value = windowLogPmf(win, K);
  const err = logError(win.absError / v);
  if (err > VALID_RATIO * Math.max(1, Math.abs(value)) && memo.direct) {
    const d = memo.direct();
    return success({ value: d[K]!, logErr: directLogError(n, d.length) });
  }
  return success({ value, logErr: err });
}

function fftUpper(lat: Lattice, n: number, K0: number, memo: Windows): Outcome<Estimate> {
  const top = n * lat.span;
  if (K0 <= 0) return EXACT_ONE;
  if (K0 > top) return EXACT_NEG;
  if (K0 === top) return edge(n * lat.logq[lat.logq.length - 1]!);
  if (K0 / n <= tiltLattice(lat, 0).mean) return complement(fftLower(lat, n, K0 - 1, memo));
  return windowTail(lat, n, K0, true, memo);
}

function fftLower(lat: Lattice, n: number, K1: number, memo: Windows): Outcome<Estimate> {
  const top = n * lat.span;
  if (K1 >= top) return EXACT_ONE;
  if (K1 < 0) return EXACT_NEG;
  if (K1 === 0) return edge(n * lat.logq[0]!);
  if (K1 / n >= tiltLattice(lat, 0).mean) return complement(fftUpper(lat, n, K1 + 1, memo));
  return windowTail(lat, n, K1, false, memo);
}

/** The tail beyond K from the window centred there. */
function windowTail(lat: Lattice, n: number, K: number, upper: boolean, memo: Windows): Outcome<Estimate> {
  const win = windowAt(lat, n, K / n, memo);
  if (!win.ok) return win;
  const t = tryWindowLogTail(win.value, K, upper);
  return t.ok ? success({ value: t.value.value, logErr: logError(t.value.relError) }) : t;
}

/** log(1 − P) from log P, with the relative error carried over. */
function complement(outcome: Outcome<Estimate>): Outcome<Estimate> {
  if (!outcome.ok) return outcome;
  const e = outcome.value;
  if (e.value === Number.NEGATIVE_INFINITY) return EXACT_ONE;
  const p = Math.exp(e.value);
  return success({ value: log1mexp(-Math.min(0, e.value)) + 0, logErr: (e.logErr * p) / (1 - p) });
}

/** log P(S_n = s) (−∞ off the lattice or outside the support). */
export function sumLogPmf(model: Model, n: number, s: number): number {
  return sumTail(model, n, s).logPmf;
}

/** log P(S_n ≥ s). */
export function sumLogUpperTail(model: Model, n: number, s: number): number {
  return sumTail(model, n, s).logUpperTail;
}

/** log P(S_n ≤ s). */
export function sumLogLowerTail(model: Model, n: number, s: number): number {
  return sumTail(model, n, s).logLowerTail;
}

/**
 * The log-pmf of S_n over a range of the lattice (see SumLawOptions). Direct: the full support.
 * Binomial: the full support up to 2^20 + 1 points, else mean ± 40 sd. fft: the accurate range of one
 * window (θ from `theta`/`center`, default 0), or with `range` as many recentred windows as that range needs.
 */
export function sumLaw(model: Model, n: number, options: SumLawOptions = {}): SumLaw {
  checkLength(n);
  const lat = latticeOrThrow(model);
  const method = chooseMethod(lat, n, options.method);
  const top = n * lat.span;
  let kLo = 0;
  let kHi = top;
  if (options.range) {
    const [a, b] = options.range;
    kLo = Math.max(0, Math.ceil(locate(lat, n, a).k - 1e-9));
    kHi = Math.min(top, Math.floor(locate(lat, n, b).k + 1e-9));
    if (!(kLo <= kHi)) throw new InputError("range", `no lattice point of S_n in [${a}, ${b}]`);
  }
  const base = { n, offset: n * lat.offset, step: lat.step };
  const finish = (
    kMin: number,
    logPmf: Float64Array,
    m: SumMethod,
    thetas: number[],
    absErr: (i: number) => number,
    directPoints = 0,
  ): SumLaw => {
    let logErrorBound = 0;
    let relErrorBound = 0;
    for (let i = 0; i < logPmf.length; i++) {
      const e = absErr(i);
      logErrorBound = Math.max(logErrorBound, e);
      if (Number.isFinite(logPmf[i]!)) relErrorBound = Math.max(relErrorBound, relOf(e, logPmf[i]!));
    }
    return {
      ...base,
      kMin,
      logPmf,
      sMin: base.offset + lat.step * kMin,
      sMax: base.offset + lat.step * (kMin + logPmf.length - 1),
      method: m,
      thetas,
      logErrorBound,
      relErrorBound,
      directPoints,
    };
  };
  if (method === "constant") return finish(0, Float64Array.of(0), method, [], () => 0);
  if (method === "direct") {
    const pmf = directFor(model, lat, n);
    const err = directLogError(n, pmf.length);
    return finish(kLo, pmf.slice(kLo, kHi + 1), method, [], () => err);
  }
  if (method === "binomial") {
    if (!options.range && n + 1 > 1 << 20) {
      const t = tiltLattice(lat, 0);
      const c = options.center === undefined ? n * t.mean : locate(lat, n, options.center).k;
      const half = Math.ceil(40 * Math.sqrt(n * t.variance)) + 1;
      kLo = Math.max(0, Math.round(c) - half);
      kHi = Math.min(top, Math.round(c) + half);
    }
    const [p, q, logp, logq] = binomialParams(lat);
    const out = new Float64Array(kHi - kLo + 1);
    for (let i = 0; i < out.length; i++) out[i] = binomialLogPmf(kLo + i, n, p, q, logp, logq);
    return finish(kLo, out, method, [], (i) => BINOMIAL_ABS * (1 + Math.abs(out[i]!)));
  }
  // fft
  const thetaAt = (K: number): number => {
    if (K <= 0) return thetaForMean(lat, Math.min(lat.span, 0.5) / n);
    if (K >= top) return thetaForMean(lat, lat.span - Math.min(lat.span, 0.5) / n);
    return thetaForMean(lat, K / n);
  };
  if (!options.range) {
    let theta = 0;
    if (options.theta !== undefined) {
      if (!Number.isFinite(options.theta))
        throw new InputError("theta", `must be finite, got ${show(options.theta)}`);
      theta = options.theta * lat.step;
    } else if (options.center !== undefined) theta = thetaAt(Math.round(locate(lat, n, options.center).k));
    const reachable = reachability(lat, n);
    const win = shiftedWindow(lat, n, theta, reachable);
    const out = new Float64Array(win.validHi - win.validLo + 1);
    const errs = new Float64Array(out.length);
    for (let i = 0; i < out.length; i++) {
      if (!reachable(win.validLo + i)) {
        out[i] = Number.NEGATIVE_INFINITY;
        continue;
      }
      out[i] = windowLogPmf(win, win.validLo + i);
      errs[i] = logError(win.absError / win.tilted[win.validLo + i - win.windowLo]!);
    }
    return finish(win.validLo, out, method, [theta / lat.step], (i) => errs[i]!);
  }
  const out = new Float64Array(kHi - kLo + 1);
  const errs = new Float64Array(out.length);
  const thetas: number[] = [];
  const reachable = reachability(lat, n);
  const direct = top + 1 <= DIRECT_MAX_POINTS ? () => directFor(model, lat, n) : undefined;
  let directPoints = 0;
  let cursor = kLo;
  let reach = 0;
  while (cursor <= kHi) {
    if (!reachable(cursor)) {
      out[cursor - kLo] = Number.NEGATIVE_INFINITY;
      cursor++;
      continue;
    }
    const centre = Math.min(kHi, cursor + reach);
    const win = shiftedWindow(lat, n, thetaAt(centre), reachable);
    if (cursor < win.validLo || cursor > win.validHi) {
      if (reach > 0) {
        reach = Math.floor(reach / 2);
        continue;
      }
      // Centred at the cursor and still not valid there: a light sub-lattice class (see directPoints).
      const v = win.tilted[cursor - win.windowLo]!;
      if (direct) {
        const d = direct();
        out[cursor - kLo] = d[cursor]!;
        errs[cursor - kLo] = directLogError(n, d.length);
        directPoints++;
      } else if (v > 2 * win.absError) {
        thetas.push(win.tilt.theta / lat.step);
        out[cursor - kLo] = windowLogPmf(win, cursor);
        errs[cursor - kLo] = logError(win.absError / v);
      } else {
        throw new InputError("range", `log P(S_n = s) has no accurate digit by the FFT at K = ${cursor}`);
      }
      cursor++;
      continue;
    }
    thetas.push(win.tilt.theta / lat.step);
    const last = Math.min(kHi, win.validHi);
    for (let K = cursor; K <= last; K++) {
      if (!reachable(K)) {
        out[K - kLo] = Number.NEGATIVE_INFINITY;
        continue;
      }
      out[K - kLo] = windowLogPmf(win, K);
      errs[K - kLo] = logError(win.absError / win.tilted[K - win.windowLo]!);
    }
    reach = Math.max(0, Math.floor(0.8 * (win.validHi - centre)));
    cursor = last + 1;
  }
  return finish(kLo, out, method, thetas, (i) => errs[i]!, directPoints);
}
