import { InputError, show } from "../errors.js";
import { modelFromLogWeights } from "../model.js";
import { fftInPlace } from "../sequence/fft.js";
import { latticeOf } from "../sequence/lattice.js";
import type { MarkovChain } from "./chain.js";
import { perronAt, stationaryMean } from "./perron.js";
import { chainStructure, requireIrreducible } from "./structure.js";

/**
 * The law of S_n = r(y_1) + … + r(y_n) under a Markov chain with lattice rewards (MATH §7), in the log
 * domain. With r(a) = o + h·k_a (k_a whole, gcd 1), S_n = n·o + h·K_n, K_n ∈ {0, …, n·span}.
 *
 * - "direct": the forward recursion over (state, sum), L_{t+1}(b, K) = log Σ_a e^{L_t(a, K − k_b)} P(a, b),
 *   each point one max-shifted log-sum-exp, so every probability keeps its relative accuracy however small;
 *   O(n · support · nnz), for short sequences.
 * - "transform": the matrix transform E[z^{K_n}] = μ_zᵀ (P D_z)^{n−1} 1 on a window of W frequencies,
 *   exponentially tilted for precision: with the right Perron vector v of P_λ (λ in reward units), the
 *   Doob transform Q(a, b) = P_λ(a, b) v_b/(ρ v_a) is stochastic and its law of K_n is centred at
 *   n·Λ'(λ); P(S_n = s) = e^{−λ s} ρ^{n−1} Z₀ Σ_b Q(S_n = s, Y_n = b)/v_b with Z₀ = Σ_a μ(a) e^{λ r(a)} v_a
 *   (exact: the v's telescope along every path). Per frequency, Q·diag(e^{−iω(k − m)}) (m the tilted mean
 *   step) is raised to the (n−1)-th power by repeated squaring and one inverse FFT gives the tilted law
 *   over the window, the matrix analogue of sequence/shifted.ts.
 *
 * Accuracy of the transform: the window is sized so that the tilted mass outside it (a Chernoff bound
 * for the chain, below) is under 1e-18 of the peak. The rounding of the matrix powers is bounded by
 * 8(n + 2)(m + 2)ε times a bound on each coefficient (a product of matrix norms): a relative
 * perturbation ε of the per-step factors is one of up to nε of a path's probability, so this is the
 * conditioning of the problem, not a weakness of the powering. A point is valid where its relative
 * error is at most VALID_RATIO·max(1, |log P|) (the criterion of sequence/shifted.ts).
 */

export const VALID_RATIO = 1e-10;
/** Largest window W. */
export const MAX_WINDOW = 1 << 22;
/** Work (n × support × transitions) up to which the direct recursion is used automatically. */
export const DIRECT_WORK = 4e7;
/** Largest number of states for the transform (a dense m×m complex power per frequency). */
export const MAX_TRANSFORM_STATES = 64;

/** The lattice of a chain's rewards over the states it can visit. */
export interface ChainLattice {
  readonly offset: number;
  /** h > 0, or 0 when every visitable state has the same reward. */
  readonly step: number;
  /** k_a per state (0 on states never visited). */
  readonly ks: Int32Array;
  readonly span: number;
  /** States that can be visited: supp μ ∪ R, ascending. */
  readonly active: Int32Array;
}

const latticeCache = new WeakMap<MarkovChain, ChainLattice | null>();

/** States that can be visited at some step. */
export function activeStates(chain: MarkovChain): Int32Array {
  const { inR } = chainStructure(chain);
  const out: number[] = [];
  for (let a = 0; a < chain.k; a++) if (inR[a] || chain.initial[a]! > 0) out.push(a);
  return Int32Array.from(out);
}

/** The lattice of the rewards of the visitable states (sequence/lattice.ts's rule), or null. */
export function chainLattice(chain: MarkovChain): ChainLattice | null {
  const hit = latticeCache.get(chain);
  if (hit !== undefined) return hit;
  const active = activeStates(chain);
  const rs = Float64Array.from(active, (a) => chain.r[a]!);
  const lat = latticeOf(modelFromLogWeights(new Float64Array(rs.length), rs));
  let out: ChainLattice | null = null;
  if (lat) {
    const ks = new Int32Array(chain.k);
    for (const a of active) ks[a] = lat.step === 0 ? 0 : Math.round((chain.r[a]! - lat.offset) / lat.step);
    out = { offset: lat.offset, step: lat.step, ks, span: lat.span, active };
  }
  latticeCache.set(chain, out);
  return out;
}

export function latticeOrThrow(chain: MarkovChain): ChainLattice {
  const lat = chainLattice(chain);
  if (!lat) {
    throw new InputError(
      "model.r",
      "the rewards are not on a lattice a + h·k (within 1e-9 of their range, at most 2^20 steps); quantise them to a grid",
    );
  }
  return lat;
}

/** Incoming transitions of each state as (from, log P) lists, and the rank-one part in logs. */
function incoming(chain: MarkovChain) {
  const { k, rowStart, col, val } = chain;
  const count = new Int32Array(k + 1);
  for (let a = 0; a < k; a++)
    for (let i = rowStart[a]!; i < rowStart[a + 1]!; i++) if (val[i]! > 0) count[col[i]! + 1]!++;
  for (let b = 0; b < k; b++) count[b + 1]! += count[b]!;
  const from = new Int32Array(count[k]!);
  const logp = new Float64Array(count[k]!);
  const fill = count.slice();
  for (let a = 0; a < k; a++) {
    for (let i = rowStart[a]!; i < rowStart[a + 1]!; i++) {
      if (!(val[i]! > 0)) continue;
      const j = fill[col[i]!]!++;
      from[j] = a;
      logp[j] = Math.log(val[i]!);
    }
  }
  return { start: count, from, logp };
}

/** Edges of the transition (for the direct engine's work estimate). */
export function transitionEdges(chain: MarkovChain): number {
  return chain.rowStart[chain.k]! + (chain.lowRank ? 2 * chain.k : 0);
}

/** Whether the direct recursion is cheap enough at length n. */
export function directFits(chain: MarkovChain, lat: ChainLattice, n: number, budget = DIRECT_WORK): boolean {
  const support = n * lat.span + 1;
  return n * support * Math.max(1, transitionEdges(chain)) <= budget;
}

/**
 * log P(K_n = K) for K = 0..n·span by the forward recursion in the log domain (exact to rounding: about
 * (2 + in-degree)·ε relative per step and point).
 */
export function directLogPmf(chain: MarkovChain, lat: ChainLattice, n: number): Float64Array {
  const { k } = chain;
  const span = lat.span;
  const size = n * span + 1;
  const NEG = Number.NEGATIVE_INFINITY;
  const inc = incoming(chain);
  const logw = chain.lowRank ? Float64Array.from(chain.lowRank.w, Math.log) : null;
  const logu = chain.lowRank ? Float64Array.from(chain.lowRank.u, Math.log) : null;
  const active = lat.active;
  let cur = new Float64Array(k * size).fill(NEG);
  let next = new Float64Array(k * size).fill(NEG);
  for (const a of active) if (chain.initial[a]! > 0) cur[a * size + lat.ks[a]!] = Math.log(chain.initial[a]!);
  const mx = new Float64Array(size);
  const sm = new Float64Array(size);
  const hub = new Float64Array(size);
  const { inR } = chainStructure(chain);
  for (let t = 1; t < n; t++) {
    const width = t * span + 1;
    if (logw) {
      // H(K') = log Σ_a w_a e^{L_t(a, K')}.
      mx.fill(NEG, 0, width);
      for (const a of active) {
        const base = a * size;
        for (let K = 0; K < width; K++) {
          const x = cur[base + K]! + logw[a]!;
          if (x > mx[K]!) mx[K] = x;
        }
      }
      sm.fill(0, 0, width);
      for (const a of active) {
        const base = a * size;
        for (let K = 0; K < width; K++)
          if (mx[K]! > NEG) sm[K] = sm[K]! + Math.exp(cur[base + K]! + logw[a]! - mx[K]!);
      }
      for (let K = 0; K < width; K++) hub[K] = mx[K]! === NEG ? NEG : mx[K]! + Math.log(sm[K]!);
    }
    next.fill(NEG);
    for (const b of active) {
      if (!inR[b]) continue;
      mx.fill(NEG, 0, width);
      for (let e = inc.start[b]!; e < inc.start[b + 1]!; e++) {
        const base = inc.from[e]! * size;
        const lp = inc.logp[e]!;
        for (let K = 0; K < width; K++) {
          const x = cur[base + K]! + lp;
          if (x > mx[K]!) mx[K] = x;
        }
      }
      if (logu) {
        for (let K = 0; K < width; K++) {
          const x = hub[K]! + logu[b]!;
          if (x > mx[K]!) mx[K] = x;
        }
      }
      sm.fill(0, 0, width);
      for (let e = inc.start[b]!; e < inc.start[b + 1]!; e++) {
        const base = inc.from[e]! * size;
        const lp = inc.logp[e]!;
        for (let K = 0; K < width; K++) {
          const m = mx[K]!;
          if (m > NEG) sm[K] = sm[K]! + Math.exp(cur[base + K]! + lp - m);
        }
      }
      if (logu)
        for (let K = 0; K < width; K++)
          if (mx[K]! > NEG) sm[K] = sm[K]! + Math.exp(hub[K]! + logu[b]! - mx[K]!);
      const out = b * size + lat.ks[b]!;
      for (let K = 0; K < width; K++) if (mx[K]! > NEG) next[out + K] = mx[K]! + Math.log(sm[K]!);
    }
    [cur, next] = [next, cur];
  }
  const out = new Float64Array(size);
  for (let K = 0; K < size; K++) {
    let m = NEG;
    for (const a of active) m = Math.max(m, cur[a * size + K]!);
    if (m === NEG) {
      out[K] = NEG;
      continue;
    }
    let s = 0;
    for (const a of active) s += Math.exp(cur[a * size + K]! - m);
    out[K] = m + Math.log(s);
  }
  return out;
}

/** Bound (nats) on the error of every directLogPmf entry. */
export function directLogError(chain: MarkovChain, n: number): number {
  const inc = incoming(chain);
  let deg = 0;
  for (let b = 0; b < chain.k; b++) deg = Math.max(deg, inc.start[b + 1]! - inc.start[b]!);
  return Number.EPSILON * n * (deg + (chain.lowRank ? chain.k : 0) + 4);
}

/** One tilted window of the law of K_n (see the module comment). */
export interface MarkovWindow {
  readonly n: number;
  /** The tilt λ in reward units. */
  readonly lambda: number;
  /** Tilted mean and variance of one step, in steps (asymptotic, from the Perron data). */
  readonly meanStep: number;
  readonly varianceStep: number;
  readonly windowLo: number;
  /** f(windowLo + j) = Σ_b Q(K_n = windowLo + j, Y_n = b)/v_b (noise where below absError). */
  readonly tilted: Float64Array;
  readonly absError: number;
  readonly aliasBound: number;
  /** log P(K_n = K) = log f(K) − θ K + logConst, θ = λh. */
  readonly theta: number;
  readonly logConst: number;
  readonly validLo: number;
  readonly validHi: number;
}

function pow2(x: number): number {
  let w = 1;
  while (w < x) w *= 2;
  return w;
}

/** Exact (n·μ − c) for an integer c near n·μ (Dekker's two-product), as in sequence/shifted.ts. */
function offsetFrom(n: number, mu: number, c: number): number {
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

/**
 * log of a Chernoff bound on P_Q(K_n ≥ b) (upper) or P_Q(K_n ≤ b): for t of the right sign,
 * E_Q e^{t K_n} = Σ_a μ'(a) e^{t k_a} [Q_t^{n−1} 1]_a ≤ ρ_Q(t)^{n−1} (max v'/min v') Σ_a μ'(a) e^{t k_a},
 * Q_t(a, b) = Q(a, b) e^{t k_b}, with its Perron data from P at λ' = λ + t/h: ρ_Q(t) = e^{−t o/h} ρ(λ')/ρ(λ)
 * and right vector v' = v_{λ'}/v_λ (so Q_t^{n−1} 1 ≤ Q_t^{n−1} v'/min v' = ρ_Q^{n−1} v'/min v').
 */
function logChernoff(
  chain: MarkovChain,
  lat: ChainLattice,
  n: number,
  win: {
    lambda: number;
    logRho: number;
    v: Float64Array;
    mu: Float64Array;
    meanStep: number;
    varianceStep: number;
  },
  b: number,
  upper: boolean,
): number {
  const top = n * lat.span;
  if (upper ? b > top : b < 0) return Number.NEGATIVE_INFINITY;
  const x = b / n;
  if (upper ? x <= win.meanStep : x >= win.meanStep) return 0;
  // The Gaussian optimum of t, kept moderate (any t of the right sign gives a bound).
  let t = (x - win.meanStep) / Math.max(win.varianceStep, 1e-12);
  t = Math.max(-50, Math.min(50, t));
  const p = perronAt(chain, win.lambda + t / lat.step, { variance: false });
  const { reachable } = chainStructure(chain);
  let lo = Number.POSITIVE_INFINITY;
  let hi = 0;
  for (const a of reachable) {
    const ratio = p.right[a]! / win.v[a]!;
    lo = Math.min(lo, ratio);
    hi = Math.max(hi, ratio);
  }
  let s = 0;
  for (const a of lat.active) s += win.mu[a]! * Math.exp(t * lat.ks[a]!);
  // ρ_Q(t) = ρ(λ')/ρ(λ) e^{−t o/h}: K counts steps above the offset o.
  const logE =
    (n - 1) * (p.logRho - win.logRho - (t * lat.offset) / lat.step) + Math.log(hi / lo) + Math.log(s);
  return Math.min(0, logE - t * b);
}

/**
 * The tilted law of K_n over a window around n·Λ'(λ) (λ in reward units), the full support when it fits.
 * Throws an InputError when the chain is not irreducible on the states it reaches, has more than
 * MAX_TRANSFORM_STATES states, or needs a window over MAX_WINDOW.
 */
export function markovWindow(chain: MarkovChain, lat: ChainLattice, n: number, lambda: number): MarkovWindow {
  requireIrreducible(chain, "the law of S_n by the transform (past the direct recursion's size)");
  const active = lat.active;
  const m = active.length;
  if (m > MAX_TRANSFORM_STATES) {
    throw new InputError(
      "length",
      `the law of S_n at n = ${n} needs the transform, which takes chains of at most ${MAX_TRANSFORM_STATES} states (this one has ${m}); use a shorter length or a smaller chain`,
    );
  }
  const h = lat.step;
  const p = perronAt(chain, lambda);
  const v = p.right;
  const mu0 = stationaryMean(chain);
  const meanStep = (p.mean - lat.offset) / h;
  const varianceStep = p.variance / (h * h);
  // μ'(a) ∝ μ(a) e^{λ(r_a − μ₀)} v_a, Z₀ its total.
  const mu = new Float64Array(chain.k);
  let z0 = 0;
  for (const a of active) {
    mu[a] = chain.initial[a]! * Math.exp(lambda * (chain.r[a]! - mu0)) * v[a]!;
    z0 += mu[a]!;
  }
  for (const a of active) mu[a] = mu[a]! / z0;
  // Dense Q on the active states: Q(i, j) = P(a, b) e^{λ(r_b − μ₀) − Λ_c} v_b / v_a.
  const Q = new Float64Array(m * m);
  const idx = new Int32Array(chain.k).fill(-1);
  active.forEach((a, i) => {
    idx[a] = i;
  });
  const ef = Float64Array.from(chain.r, (x) => Math.exp(lambda * (x - mu0) - p.logRhoCentred));
  for (let i = 0; i < m; i++) {
    const a = active[i]!;
    for (let e = chain.rowStart[a]!; e < chain.rowStart[a + 1]!; e++) {
      const j = idx[chain.col[e]!]!;
      if (j >= 0) Q[i * m + j] = Q[i * m + j]! + chain.val[e]!;
    }
    if (chain.lowRank) {
      const wa = chain.lowRank.w[a]!;
      for (let j = 0; j < m; j++) Q[i * m + j] = Q[i * m + j]! + wa * chain.lowRank.u[active[j]!]!;
    }
    for (let j = 0; j < m; j++) {
      const b = active[j]!;
      Q[i * m + j] = (Q[i * m + j]! * ef[b]! * v[b]!) / v[a]!;
    }
  }
  const top = n * lat.span;
  const sd = Math.sqrt(n * varianceStep);
  const logPeak = Math.min(0, -Math.log(Math.max(sd, 1e-300) * Math.sqrt(2 * Math.PI)));
  const centre = Math.round(n * meanStep);
  let W = Math.max(64, pow2(2 * (9 * sd + 2 * lat.span) + 2));
  let windowLo = 0;
  let aliasBound = 0;
  const ctx = { lambda, logRho: p.logRho, v, mu, meanStep, varianceStep };
  for (;;) {
    if (W >= top + 1) {
      W = pow2(top + 1);
      windowLo = 0;
      aliasBound = 0;
      break;
    }
    windowLo = Math.min(Math.max(0, centre - W / 2), top + 1 - W);
    const up = logChernoff(chain, lat, n, ctx, windowLo + W, true);
    const down = logChernoff(chain, lat, n, ctx, windowLo - 1, false);
    const logAlias = Math.max(up, down) + Math.LN2;
    aliasBound = Math.exp(logAlias);
    if (logAlias <= logPeak + Math.log(1e-18)) break;
    if (W >= MAX_WINDOW) break;
    W *= 2;
  }
  if (W > MAX_WINDOW)
    throw new InputError("length", `the law of S_n needs a window over ${MAX_WINDOW} points`);
  // u_b = 1/v_b on R: Σ_b Q(K, b)/v_b.
  const u = new Float64Array(m);
  for (let j = 0; j < m; j++) u[j] = 1 / v[active[j]!]!;
  const muA = Float64Array.from(active, (a) => mu[a]!);
  const kd = Float64Array.from(active, (a) => lat.ks[a]! - meanStep);
  const shift = offsetFrom(n, meanStep, windowLo);
  const D = Math.round(shift);
  const delta = shift - D;
  const Dmod = ((D % W) + W) % W;
  const re = new Float64Array(W);
  const im = new Float64Array(W);
  const half = W / 2;
  const eps = Number.EPSILON;
  const powerRound = 8 * (n + 2) * (m + 2) * eps + eps * (3 * Math.log2(W) + 4);
  let uMax = 0;
  for (let j = 0; j < m; j++) uMax = Math.max(uMax, u[j]!);
  let noise = 0;
  const pr = new Float64Array(m * m);
  const pi = new Float64Array(m * m);
  const tr = new Float64Array(m * m);
  const ti = new Float64Array(m * m);
  const xr = new Float64Array(m);
  const xi = new Float64Array(m);
  const yr = new Float64Array(m);
  const yi = new Float64Array(m);
  const cosk = new Float64Array(m);
  const sink = new Float64Array(m);
  const NEG_LIMIT = -800;
  for (let f = 0; f <= half; f++) {
    const w = (2 * Math.PI * f) / W;
    for (let j = 0; j < m; j++) {
      cosk[j] = Math.cos(w * kd[j]!);
      sink[j] = -Math.sin(w * kd[j]!);
    }
    // A = Q diag(e^{−iω(k − m)}).
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < m; j++) {
        const q = Q[i * m + j]!;
        pr[i * m + j] = q * cosk[j]!;
        pi[i * m + j] = q * sink[j]!;
      }
    }
    for (let j = 0; j < m; j++) {
      xr[j] = u[j]!;
      xi[j] = 0;
    }
    let e = n - 1;
    let logX = Math.log(uMax);
    let logBound = logX;
    let negligible = false;
    while (e > 0) {
      if (e & 1) {
        // x ← A x.
        let nx = 0;
        for (let i = 0; i < m; i++) {
          let sr = 0;
          let si = 0;
          const row = i * m;
          for (let j = 0; j < m; j++) {
            const ar = pr[row + j]!;
            const ai = pi[row + j]!;
            sr += ar * xr[j]! - ai * xi[j]!;
            si += ar * xi[j]! + ai * xr[j]!;
          }
          yr[i] = sr;
          yi[i] = si;
          nx = Math.max(nx, Math.abs(sr) + Math.abs(si));
        }
        xr.set(yr);
        xi.set(yi);
        logX = Math.log(nx);
      }
      e = Math.floor(e / 2);
      if (e === 0) break;
      // A ← A², with its ∞-norm for the bound ‖A^{n−1} x‖ ≤ ‖A^{2^j}‖^{remaining} ‖x‖.
      let norm = 0;
      for (let i = 0; i < m; i++) {
        let rowNorm = 0;
        for (let j = 0; j < m; j++) {
          let sr = 0;
          let si = 0;
          for (let l = 0; l < m; l++) {
            const ar = pr[i * m + l]!;
            const ai = pi[i * m + l]!;
            const br = pr[l * m + j]!;
            const bi = pi[l * m + j]!;
            sr += ar * br - ai * bi;
            si += ar * bi + ai * br;
          }
          tr[i * m + j] = sr;
          ti[i * m + j] = si;
          rowNorm += Math.abs(sr) + Math.abs(si);
        }
        norm = Math.max(norm, rowNorm);
      }
      pr.set(tr);
      pi.set(ti);
      logBound = Math.min(logBound, logX + e * Math.log(norm));
      if (logBound < NEG_LIMIT) {
        negligible = true;
        break;
      }
    }
    if (negligible) continue;
    logBound = Math.min(logBound, logX);
    // T = Σ_a μ'(a) e^{−iω(k_a − m)} x_a, then the phase of e^{−iω(n m − windowLo)}.
    let Tr = 0;
    let Ti = 0;
    for (let j = 0; j < m; j++) {
      const c = muA[j]! * cosk[j]!;
      const s = muA[j]! * sink[j]!;
      Tr += c * xr[j]! - s * xi[j]!;
      Ti += c * xi[j]! + s * xr[j]!;
    }
    const phase = -2 * Math.PI * (((f * Dmod) % W) / W) - w * delta;
    const cr = Math.cos(phase);
    const ci = Math.sin(phase);
    const vr = Tr * cr - Ti * ci;
    const vi = Tr * ci + Ti * cr;
    re[f] = vr;
    im[f] = vi;
    if (f > 0 && f < half) {
      re[W - f] = vr;
      im[W - f] = -vi;
    }
    const weight = f === 0 || f === half ? 1 : 2;
    noise += weight * Math.exp(logBound) * powerRound;
  }
  fftInPlace(re, im, 1);
  const tilted = new Float64Array(W);
  let peak = 0;
  for (let j = 0; j < W; j++) {
    tilted[j] = re[j]! / W;
    if (tilted[j]! > tilted[peak]!) peak = j;
  }
  const absError = aliasBound + noise / W;
  const theta = lambda * h;
  // log P(K) = log f(K) − θK − λn(o − μ₀) + (n − 1)Λ_c + log Z₀.
  const logConst = -lambda * n * (lat.offset - mu0) + (n - 1) * p.logRhoCentred + Math.log(z0);
  const ok = (j: number): boolean => {
    const val = tilted[j]!;
    if (!(val > 0)) return false;
    const logP = Math.log(val) - theta * (windowLo + j) + logConst;
    return absError / val <= VALID_RATIO * Math.max(1, Math.abs(logP));
  };
  let a = peak;
  let b = peak;
  while (a > 0 && ok(a - 1)) a--;
  while (b < W - 1 && ok(b + 1)) b++;
  return {
    n,
    lambda,
    meanStep,
    varianceStep,
    windowLo,
    tilted,
    absError,
    aliasBound,
    theta,
    logConst,
    validLo: windowLo + a,
    validHi: windowLo + b,
  };
}

/** log P(K_n = K) for a K inside the range of a tilted window (its valid range for full accuracy). */
export function windowLogPmf(win: MarkovWindow, K: number): number {
  const v = win.tilted[K - win.windowLo]!;
  return v > 0 ? Math.log(v) - win.theta * K + win.logConst : Number.NEGATIVE_INFINITY;
}

/** Relative error bound of the probability at K (∞ where the window has no digit). */
export function windowRelError(win: MarkovWindow, K: number): number {
  const v = win.tilted[K - win.windowLo]!;
  return v > 0 ? win.absError / v : Number.POSITIVE_INFINITY;
}

/**
 * log P(K_n ≥ K0) (upper) or log P(K_n ≤ K0) from a window with θ ≥ 0 (upper) or θ ≤ 0 (lower), so that
 * the untilting factor decays away from K0, with a bound on its relative error.
 */
export function windowLogTail(
  win: MarkovWindow,
  K0: number,
  upper: boolean,
): { value: number; relError: number } {
  const W = win.tilted.length;
  let s = 0;
  let c = 0;
  let weights = 0;
  const j0 = K0 - win.windowLo;
  const dir = upper ? 1 : -1;
  for (let j = j0; j >= 0 && j < W; j += dir) {
    const f = Math.exp(-win.theta * (j - j0));
    const term = win.tilted[j]! * f;
    const t = s + term;
    c += Math.abs(s) >= Math.abs(term) ? s - t + term : term - t + s;
    s = t;
    weights += f;
    if (f < 1e-300) break;
  }
  s += c;
  const err = win.absError * weights + win.aliasBound;
  if (!(s > err))
    throw new InputError("at", `the tail of S_n at K = ${K0} has no accurate digit by the transform`);
  return { value: Math.log(s) - win.theta * K0 + win.logConst, relError: err / s };
}

/** The chain with rewards quantised to a grid h over the visitable states: |r − q(r)| ≤ h/2. */
export function quantiseChain(chain: MarkovChain, h: number, field = "grid"): MarkovChain {
  if (!(h > 0) || !Number.isFinite(h))
    throw new InputError(field, `the grid step h must be a finite number > 0, got ${show(h)}`);
  const active = activeStates(chain);
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const a of active) {
    lo = Math.min(lo, chain.r[a]!);
    hi = Math.max(hi, chain.r[a]!);
  }
  if ((hi - lo) / h > 1 << 20) {
    throw new InputError(
      field,
      `h = ${show(h)} puts more than 2^20 steps across the reward range ${show(hi - lo)}`,
    );
  }
  const r = Float64Array.from(chain.r, (x) => lo + h * Math.round((x - lo) / h));
  return { ...chain, r };
}
