import { type BonResult, bestOfNOnLevels, folkloreKlBound } from "../bon.js";
import { InputError, show } from "../errors.js";
import { levelsFromLaw } from "../levels.js";
import { type Model, modelFromLogWeights } from "../model.js";
import { logSumExp } from "../numerics/logspace.js";
import { newtonBracketed } from "../numerics/roots.js";
import { bonSequence, type SequenceOptions, type SequenceResult } from "../sequence/bonSequence.js";
import { checkKl, lambdaForKl } from "../tilt.js";
import { markovOptimum } from "./asymptotics.js";
import { denseTransition, type MarkovChain } from "./chain.js";
import { perronAt } from "./perron.js";
import { chainStructure } from "./structure.js";
import {
  activeStates,
  type ChainLattice,
  chainLattice,
  DIRECT_WORK,
  directFits,
  directLogError,
  type MarkovWindow,
  quantiseChain,
} from "./sumLaw.js";
import { checkLength, directFor, lawOnRange, transformLower, transformUpper, WindowCache } from "./tail.js";

/**
 * Best-of-N over sequences of a Markov reference against the finite-n KL-constrained optimum
 * (MATH §7): every quantity depends on a sequence only through S_n, so the formulas of MATH §3 apply to
 * the chain's law of S_n (sumLaw.ts) unchanged — best-of-N by bestOfNOnLevels on that law (N = e^{nΔ}),
 * and the optimum φ_n ∝ p^{(n)} e^{λ_n S_n} with KL(φ_n‖p^{(n)}) = nΔ, whose λ_n now depends on n
 * (it tends to the Perron–Frobenius λ*). KL(π_N‖φ_n) = KL(π_N‖p) − nΔ − λ_n (E_π S − E_φ S), the
 * identity of MATH §1 on the law of S_n, with both brackets small.
 *
 * A memoryless chain (every visitable row equal to the initial law) is the memoryless model itself and
 * goes to sequence/bonSequence.ts, so it gives the memoryless answers exactly.
 */
export interface Asymptotic {
  readonly lambdaStar: number;
  readonly xStar: number;
  readonly saturated: boolean;
}

/** A Markov sequence result: the fields of SequenceResult (without its accuracy bounds) and the chain's limits. */
export interface MarkovSequenceResult extends Omit<SequenceResult, "accuracy"> {
  /** The Perron–Frobenius limits at the same Δ (null when the chain is not irreducible on what it reaches). */
  readonly asymptotic: Asymptotic | null;
  /** Bound (nats) on the error of every log P(S_n = s) the result was computed from. */
  readonly lawLogError: number;
}

/** Nats beyond which a best-of-N tail is treated as empty (as in sequence/bonSequence.ts). */
const TAIL_NATS = 60;

/** The per-token model when the chain is memoryless (identical visitable rows equal to μ), else null. */
export function memorylessModel(chain: MarkovChain): Model | null {
  const { k } = chain;
  if (k > 512) return null;
  const P = denseTransition(chain);
  const active = activeStates(chain);
  const { inR } = chainStructure(chain);
  const same = (x: number, y: number) =>
    Math.abs(x - y) <= 4 * Number.EPSILON * Math.max(Math.abs(x), Math.abs(y));
  for (const a of active) {
    for (let b = 0; b < k; b++) if (!same(P[a * k + b]!, chain.initial[b]!)) return null;
  }
  if (!active.every((a) => inR[a] || chain.initial[a]! > 0)) return null;
  const mu = chain.initial;
  return modelFromLogWeights(Float64Array.from(mu, Math.log), chain.r, chain.states, undefined, mu);
}

/** The automatic grid for non-lattice rewards at length n (see the module comment of sumLaw.ts). */
export function autoGrid(chain: MarkovChain, n: number): number {
  const active = activeStates(chain);
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const a of active) {
    lo = Math.min(lo, chain.r[a]!);
    hi = Math.max(hi, chain.r[a]!);
  }
  const range = hi - lo;
  const sigma = Math.sqrt(Math.max(perronAt(chain, 0).variance, 1e-300));
  // The transform's window is about 18 σ√n / h points: keep it within 2^16.
  const byWindow = (2 ** 16 * range) / (18 * sigma * Math.sqrt(n));
  let S = 8;
  while (S * 2 <= Math.min(4096, byWindow)) S *= 2;
  return range / S;
}

/** Options of markovSequence: the memoryless options plus the engine choice. */
export interface MarkovSequenceOptions extends SequenceOptions {
  /** Work up to which the direct recursion is used (default DIRECT_WORK); 0 forces the transform. */
  readonly directBudget?: number;
  /** "markov" runs the Markov engine on a memoryless chain too (to check it against bonSequence). */
  readonly engine?: "auto" | "markov";
}

/**
 * Best-of-e^{nΔ} against the finite-n KL-constrained optimum φ_n ∝ p^{(n)} e^{λ_n S_n} for a Markov
 * reference (MATH §7): the same fields as bonSequence, computed on the exact law of S_n (forward recursion
 * over (state, sum) for short sequences, the tilted matrix transform beyond), plus the limit optimum.
 */
export function markovSequence(
  chain: MarkovChain,
  n: number,
  klRate: number,
  options: MarkovSequenceOptions = {},
): MarkovSequenceResult {
  checkLength(n);
  checkKl(klRate, "klRate");
  const logN = options.logN ?? n * klRate;
  if (Number.isNaN(logN) || logN < 0) throw new InputError("logN", `log N must be ≥ 0, got ${show(logN)}`);
  const memoryless = options.engine === "markov" ? null : memorylessModel(chain);
  if (memoryless) {
    const r = bonSequence(memoryless, n, klRate, options);
    return {
      ...r,
      asymptotic: { lambdaStar: r.lambda, xStar: r.xStar, saturated: r.saturated },
      lawLogError: 0,
    };
  }
  let work = chain;
  let grid: number | null = null;
  if (options.grid !== undefined) {
    work = quantiseChain(chain, options.grid);
    grid = options.grid;
  } else if (!chainLattice(chain)) {
    grid = autoGrid(chain, n);
    work = quantiseChain(chain, grid);
  }
  const lat = chainLattice(work);
  if (!lat)
    throw new InputError("grid", "the quantised rewards are not on a lattice; choose another grid step");
  const result = exactMarkovSequence(work, lat, n, klRate, logN, options.directBudget ?? DIRECT_WORK);
  return grid === null ? result : { ...result, grid, rewardErrorPerToken: grid / 2 };
}

/** The pieces every result shares. */
function finish(
  n: number,
  klRate: number,
  logN: number,
  opt: { lambda: number; reward: number; kl: number; saturated: boolean },
  bon: BonResult,
  law: { sMin: number; sMax: number; klMax: number },
  method: string,
  asymptotic: Asymptotic | null,
  lawLogError: number,
): MarkovSequenceResult {
  const reward = Math.min(law.sMax, Math.max(law.sMin, bon.reward));
  const klToReference = Math.min(law.klMax, bon.kl);
  const klToOptimal = opt.saturated
    ? Number.POSITIVE_INFINITY
    : Math.max(0, klToReference - opt.kl - opt.lambda * (reward - opt.reward));
  const x = opt.reward / n;
  return {
    length: n,
    klRate,
    logN,
    lambda: opt.lambda,
    xStar: x,
    saturated: opt.saturated,
    optimal: { rewardPerToken: x, kl: opt.kl, klPerToken: opt.kl / n },
    bon: {
      rewardPerToken: reward / n,
      klToReference,
      klToReferencePerToken: klToReference / n,
      klToOptimal,
      klToOptimalPerToken: klToOptimal / n,
      klBound: folkloreKlBound(logN),
    },
    gapTimesLength: opt.reward - reward,
    method,
    grid: null,
    rewardErrorPerToken: 0,
    asymptotic,
    lawLogError,
  };
}

function asymptoticAt(chain: MarkovChain, klRate: number): Asymptotic {
  const a = markovOptimum(chain, klRate);
  return { lambdaStar: a.lambdaStar, xStar: a.xStar, saturated: a.saturated };
}

function exactMarkovSequence(
  chain: MarkovChain,
  lat: ChainLattice,
  n: number,
  klRate: number,
  logN: number,
  directBudget: number,
): MarkovSequenceResult {
  const top = n * lat.span;
  if (lat.step === 0) {
    const s = n * lat.offset;
    const bon: BonResult = {
      n: Math.exp(logN),
      logN,
      levelLogProbs: Float64Array.of(0),
      reward: s,
      kl: 0,
      klBound: folkloreKlBound(logN),
      winRate: 0.5,
    };
    return finish(
      n,
      klRate,
      logN,
      { lambda: 0, reward: s, kl: 0, saturated: false },
      bon,
      { sMin: s, sMax: s, klMax: 0 },
      "constant",
      { lambdaStar: 0, xStar: lat.offset, saturated: false },
      0,
    );
  }
  const rewardAt = (K: number) => n * lat.offset + lat.step * K;
  if (directFits(chain, lat, n, directBudget)) {
    const pmf = directFor(chain, lat, n);
    const values: number[] = [];
    const logMass: number[] = [];
    for (let K = 0; K <= top; K++) {
      if (pmf[K]! > Number.NEGATIVE_INFINITY) {
        values.push(rewardAt(K));
        logMass.push(pmf[K]!);
      }
    }
    const lz = logSumExp(logMass);
    const lm = Float64Array.from(logMass, (x) => x - lz);
    const vs = Float64Array.from(values);
    const lawModel = modelFromLogWeights(lm, vs);
    const sol = lambdaForKl(lawModel, n * klRate, "klRate");
    const bon = bestOfNOnLevels(levelsFromLaw(vs, lm), logN);
    // The asymptotic limits need an irreducible chain; a short sequence does not.
    const asym = chainStructure(chain).irreducible ? asymptoticAt(chain, klRate) : null;
    return finish(
      n,
      klRate,
      logN,
      { lambda: sol.lambda, reward: sol.point.reward, kl: sol.point.kl, saturated: sol.saturated },
      bon,
      { sMin: vs[0]!, sMax: vs[vs.length - 1]!, klMax: lawModel.klMax },
      "markov-direct",
      asym,
      directLogError(chain, n),
    );
  }
  const asym = asymptoticAt(chain, klRate);
  const atN = markovOptimum(chain, logN / n, "logN");
  if (asym.saturated || atN.saturated) {
    throw new InputError(
      "klRate",
      `the budget is at or past the chain's saturation rate (${show(markovOptimum(chain, klRate).klRateMax ?? Number.NaN)} nats per token); ` +
        `at n = ${n} the transform cannot resolve the top of S_n's support — use a length within the direct recursion`,
    );
  }
  const cache = new WindowCache(chain, lat, n);
  const optimum = finiteOptimum(cache, asym.lambdaStar, n * klRate);
  // Where best-of-N concentrates: N·P(S ≥ s) ≈ 1 at n·x(log N / n), where the tail decays at rate λ_N.
  const winN = cache.at(atN.lambdaStar);
  const theta = atN.lambdaStar * lat.step;
  const centre = n * winN.meanStep;
  const lo = Math.max(0, Math.floor(centre - (TAIL_NATS + Math.log1p(n)) / theta - 10));
  const hi = Math.min(top, Math.ceil(centre + TAIL_NATS / theta + 10));
  const range = lawOnRange(cache, lo, hi, winN);
  const values: number[] = [];
  const logMass: number[] = [];
  let lawLogError = 0;
  const below = lo > 0 ? transformLower(cache, lo - 1) : undefined;
  if (below && below.value > Number.NEGATIVE_INFINITY) {
    values.push(rewardAt(lo - 1));
    logMass.push(below.value);
    lawLogError = Math.max(lawLogError, below.logErr);
  }
  for (let i = 0; i < range.logPmf.length; i++) {
    const lp = range.logPmf[i]!;
    if (lp > Number.NEGATIVE_INFINITY) {
      values.push(rewardAt(lo + i));
      logMass.push(lp);
      lawLogError = Math.max(lawLogError, range.logError[i]!);
    }
  }
  const above = hi < top ? transformUpper(cache, hi + 1) : undefined;
  if (above && above.value > Number.NEGATIVE_INFINITY) {
    values.push(rewardAt(hi + 1));
    logMass.push(above.value);
    lawLogError = Math.max(lawLogError, above.logErr);
  }
  const lz = logSumExp(logMass);
  const lm = Float64Array.from(logMass, (x) => x - lz);
  const bon = bestOfNOnLevels(levelsFromLaw(Float64Array.from(values), lm), logN);
  return finish(
    n,
    klRate,
    logN,
    { ...optimum, kl: n * klRate, saturated: false },
    bon,
    { sMin: rewardAt(0), sMax: rewardAt(top), klMax: Number.POSITIVE_INFINITY },
    "markov-transform",
    asym,
    Math.max(lawLogError, optimum.logError),
  );
}

/** Λ_n and the moments of φ_λ from a window at λ_w (see finiteOptimum). */
function windowMoments(win: MarkovWindow, kc: number, delta: number, h: number) {
  const f = win.tilted;
  let mx = Number.NEGATIVE_INFINITY;
  for (let j = 0; j < f.length; j++) if (f[j]! > 0) mx = Math.max(mx, delta * h * (win.windowLo + j - kc));
  let z = 0;
  let m1 = 0;
  for (let j = 0; j < f.length; j++) {
    if (!(f[j]! > 0)) continue;
    const d = win.windowLo + j - kc;
    const w = f[j]! * Math.exp(delta * h * d - mx);
    z += w;
    m1 += w * d;
  }
  const mean = m1 / z;
  let m2 = 0;
  for (let j = 0; j < f.length; j++) {
    if (!(f[j]! > 0)) continue;
    const d = win.windowLo + j - kc - mean;
    m2 += f[j]! * Math.exp(delta * h * (win.windowLo + j - kc) - mx) * d * d;
  }
  return { logZ: mx + Math.log(z), mean, variance: m2 / z, total: z * Math.exp(mx) };
}

/**
 * The finite-n optimum on a window tilted near it: with log P(K) = log f(K) − θK + C (θ = λ_w h) and
 * K_c the window's centre, Λ_n(λ) = λ n o + C + δ h K_c + log Σ f(K) e^{δ h (K − K_c)} (δ = λ − λ_w), so
 * d_n(λ) = λ E_φ S − Λ_n(λ) = λ h E_φ(K − K_c) + λ_w h K_c − C − log Σ f e^{δh(K − K_c)}. The window holds the
 * tilted law to 1e-18 of its peak, so these sums are accurate to its absolute error (noise entries < 0
 * are dropped); λ_n − λ_w is O(1/n), and the window is recentred when the solution moves by more than
 * two tilted standard deviations.
 */
function finiteOptimum(
  cache: WindowCache,
  lambda0: number,
  target: number,
): { lambda: number; reward: number; logError: number } {
  const { lat, n } = cache;
  const h = lat.step;
  let lambdaW = lambda0;
  for (let round = 0; round < 6; round++) {
    const win = cache.at(lambdaW);
    const kc = Math.round(n * win.meanStep);
    const base = lambdaW * h * kc - win.logConst;
    const at = (lambda: number) => {
      const m = windowMoments(win, kc, lambda - lambdaW, h);
      return { m, d: lambda * h * m.mean + base - m.logZ };
    };
    const sd = Math.sqrt(n * win.varianceStep);
    const reach = 2 / (h * Math.max(sd, 1e-300));
    let lo = lambdaW - reach;
    const hi = lambdaW + reach;
    const flo = at(Math.max(0, lo)).d - target;
    const fhi = at(hi).d - target;
    lo = Math.max(0, lo);
    if (!(flo <= 0 && fhi >= 0)) {
      // Recentre towards the side where the root is: the asymptotic relation d'(λ) = λΛ''.
      lambdaW = flo > 0 ? lo : hi;
      continue;
    }
    const res = newtonBracketed(
      (lambda) => {
        const { m, d } = at(lambda);
        return { f: d - target, df: lambda * h * h * m.variance };
      },
      lo,
      hi,
      lambdaW,
      { xRelTol: 1e-15 },
    );
    const { m } = at(res.x);
    const reward = n * lat.offset + h * (kc + m.mean);
    // Σ f over the window is accurate to W·absError against a total of about Σ_b π/v_b ≥ 1/max v.
    const logError = (win.tilted.length * win.absError) / Math.max(1e-300, m.total);
    return { lambda: res.x, reward, logError };
  }
  throw new InputError(
    "klRate",
    `the finite-n optimum at n = ${n} could not be bracketed near λ* = ${show(lambda0)}`,
  );
}
