import { bestOfN, bonOutcomeLogProbs } from "../core/bon.js";
import { InputError, show } from "../core/errors.js";
import { type Frontier, type FrontierOptions, frontier } from "../core/frontier.js";
import { policyGap } from "../core/gap.js";
import { isConstantReward, type Model } from "../core/model.js";
import { log1mexp } from "../core/numerics/logspace.js";
import { bonSequence } from "../core/sequence/bonSequence.js";
import { enumeratedTail } from "../core/sequence/compositions.js";
import { latticeOf } from "../core/sequence/lattice.js";
import { reflectedModel } from "../core/sequence/ldp.js";
import { quantiseModel } from "../core/sequence/quantise.js";
import { saddlepointUpperTail } from "../core/sequence/saddlepoint.js";
import { sumTail } from "../core/sequence/sumLaw.js";
import { softBestOfN, softBonOutcomeLogProbs } from "../core/softBon.js";
import { cumulants, lambdaForKl, type TiltPoint, tiltAt, tiltLogProbs } from "../core/tilt.js";

/**
 * The documented result shapes of every command (the contract other tools rely on), shared by the CLI
 * and the web page. Non-finite numbers stay numbers here; adapters decide how to print them.
 * `lambda` is null when saturated (λ = ∞) and `n` is null when N overflows a double.
 */

function distribution<K extends string>(model: Model, logq: Float64Array, key: K) {
  const values = new Float64Array(model.allRewards.length);
  for (let j = 0; j < model.size; j++) values[model.support[j]!] = Math.exp(logq[j]!);
  const p = new Float64Array(model.allRewards.length);
  for (let j = 0; j < model.size; j++) p[model.support[j]!] = model.p[j]!;
  return model.allLabels.map(
    (outcome, i) =>
      ({ outcome, p: p[i]!, [key]: values[i]! }) as { outcome: string; p: number } & Record<K, number>,
  );
}

/** Where on the tilt family: a KL budget Δ ≥ 0 (nats), an inverse temperature λ ≥ 0, or β = 1/λ > 0. */
export type TiltSpec = { kl: number } | { lambda: number } | { beta: number };

/**
 * `bonkl tilt`: the optimum φ_λ at a KL budget, a λ or a β (TiltSpec), with its reward, KL, log-partition
 * and cumulants; lambda and logPartition are null (β = 0) when saturated. `withDistribution` adds φ per
 * outcome in the model's input order (0 off the support).
 */
export function tiltSummary(model: Model, spec: TiltSpec, withDistribution = false) {
  let point: TiltPoint;
  if ("kl" in spec) point = lambdaForKl(model, spec.kl, "kl").point;
  else if ("lambda" in spec) point = tiltAt(model, spec.lambda, "lambda");
  else {
    if (Number.isNaN(spec.beta) || !(spec.beta > 0)) {
      throw new InputError(
        "beta",
        `β = 1/λ must be a number > 0 (Infinity for λ = 0), got ${show(spec.beta)}`,
      );
    }
    point = tiltAt(model, 1 / spec.beta, "beta");
  }
  const out = {
    lambda: point.saturated ? null : point.lambda,
    beta: point.saturated ? 0 : 1 / point.lambda,
    kl: point.kl,
    reward: point.reward,
    logPartition: point.saturated ? null : point.logPartition,
    saturated: point.saturated,
    rewardMax: model.rMax,
    klMax: model.klMax,
    cumulants: cumulants(model, point),
  };
  return withDistribution
    ? { ...out, distribution: distribution(model, tiltLogProbs(model, point), "phi") }
    : out;
}

/**
 * `bonkl bon`: best-of-N at real N ≥ 1 or log N ≥ 0 (exactly one): reward, exact KL with ties, the folklore
 * bound and the win rate; n is null when N overflows a double. `withDistribution` adds π_N per outcome.
 */
export function bonSummary(model: Model, spec: { n?: number; logN?: number }, withDistribution = false) {
  const r = bestOfN(model, spec);
  const out = {
    n: Number.isFinite(r.n) ? r.n : null,
    logN: r.logN,
    reward: r.reward,
    kl: r.kl,
    klBound: r.klBound,
    winRate: r.winRate,
  };
  return withDistribution
    ? { ...out, distribution: distribution(model, bonOutcomeLogProbs(model, r), "pi") }
    : out;
}

/**
 * `bonkl soft-bon`: soft best-of-N at N (or log N) and temperature τ > 0: reward, KL to the reference and
 * KL to the tilt φ_{1/τ}; n is null when N overflows a double. `withDistribution` adds π per outcome.
 */
export function softBonSummary(
  model: Model,
  spec: { n?: number; logN?: number; temperature: number },
  withDistribution = false,
) {
  const r = softBestOfN(model, spec);
  const out = {
    n: Number.isFinite(r.n) ? r.n : null,
    temperature: r.temperature,
    reward: r.reward,
    kl: r.kl,
    klToTilt: r.klToTilt,
  };
  return withDistribution
    ? { ...out, distribution: distribution(model, softBonOutcomeLogProbs(model, r), "pi") }
    : out;
}

/**
 * `bonkl gap`: a policy (probabilities in the model's input order) against the optimum at its own KL,
 * with KL(q‖φ) computed directly and by the identity; lambda is null when saturated.
 */
export function gapSummary(model: Model, policy: unknown) {
  const g = policyGap(model, policy);
  return {
    kl: g.kl,
    reward: g.reward,
    optimalReward: g.optimalReward,
    rewardGap: g.rewardGap,
    lambda: g.saturated ? null : g.lambda,
    klToOptimal: g.klToOptimal,
    klToOptimalByIdentity: g.klToOptimalByIdentity,
  };
}

/** `bonkl frontier`'s result: the Frontier with λ and N as null where infinite (JSON has no ∞). */
export interface FrontierSummary {
  optimal: { kl: number; reward: number; lambda: number | null }[];
  bon: { n: number | null; logN: number; kl: number; reward: number; klBound: number }[];
  softBon?: { n: number; temperature: number; kl: number; reward: number }[];
  klMax: number;
  rewardMax: number;
}

/** `bonkl frontier`: the optimal curve, best-of-N and soft best-of-N points of `frontier`, for printing. */
export function frontierSummary(model: Model, options: FrontierOptions = {}): FrontierSummary {
  const f: Frontier = frontier(model, options);
  const out: FrontierSummary = {
    optimal: f.optimal.map((p) => ({
      kl: p.kl,
      reward: p.reward,
      lambda: Number.isFinite(p.lambda) ? p.lambda : null,
    })),
    bon: f.bon.map((b) => ({
      n: Number.isFinite(b.n) ? b.n : null,
      logN: b.logN,
      kl: b.kl,
      reward: b.reward,
      klBound: b.klBound,
    })),
    klMax: f.klMax,
    rewardMax: f.rewardMax,
  };
  if (f.softBon) out.softBon = f.softBon;
  return out;
}

/**
 * `bonkl sequence`: best-of-e^{nΔ} against the optimum over length-n sequences (lambda null when
 * saturated). `method` says how the law of S_n was computed; `grid` is the step the rewards were
 * quantised to (null when exact) and `rewardErrorPerToken` bounds the error of the reward fields (h/2).
 */
export function sequenceSummary(model: Model, n: number, klRate: number, logN?: number, grid?: number) {
  const r = bonSequence(model, n, klRate, {
    ...(logN === undefined ? {} : { logN }),
    ...(grid === undefined ? {} : { grid }),
  });
  return {
    length: r.length,
    klRate: r.klRate,
    logN: r.logN,
    lambda: r.saturated ? null : r.lambda,
    xStar: r.xStar,
    saturated: r.saturated,
    optimal: { ...r.optimal },
    bon: { ...r.bon },
    gapTimesLength: r.gapTimesLength,
    method: r.method,
    grid: r.grid,
    rewardErrorPerToken: r.rewardErrorPerToken,
  };
}

/**
 * `bonkl tail`: the law of S_n at one point, in the log domain. Lattice rewards: exact engines, with a
 * bound on the relative error of each log (`errorKind` "bound"). Other rewards: the saddlepoint
 * (Lugannani–Rice) tails with `logPmf` null (atoms of a non-lattice sum are not approximated) and
 * `relErrorBound` an asymptotic estimate of the relative error of each log, not a bound
 * (`errorKind` "estimate"). With a grid step h, the rewards are quantised first (quantisedTailSummary).
 */
export function tailSummary(model: Model, n: number, s: number, grid?: number) {
  if (grid !== undefined) return quantisedTailSummary(model, n, s, grid);
  if (!isConstantReward(model) && !latticeOf(model)) {
    // Short sequences: the exact law by enumerating the compositions of n over the reward levels.
    const exact = Number.isInteger(n) && n >= 1 ? enumeratedTail(model, n, s) : undefined;
    if (exact) {
      const { logPmf, logUpperTail, logLowerTail, relErrorBound } = exact;
      return { logPmf, logUpperTail, logLowerTail, method: "enumeration", relErrorBound, errorKind: "bound" };
    }
    // The tail on the side of s away from the mean is the saddlepoint's; the other is its complement
    // (the continuous approximation has no atoms), whose relative error shrinks by p/(1 − p).
    const upper = s >= n * model.mean;
    const near = upper
      ? saddlepointUpperTail(model, n, s)
      : saddlepointUpperTail(reflectedModel(model), n, -s);
    const p = Math.exp(near.logUpperTail);
    const far = log1mexp(-Math.min(0, near.logUpperTail)) + 0;
    const farDelta = near.relErrorEstimate * (p / (1 - p));
    // A relative error δ of a probability P is an error of about δ in log P.
    const relLog = (v: number, delta: number) =>
      delta === 0 || !Number.isFinite(v)
        ? 0
        : v === 0
          ? Number.POSITIVE_INFINITY
          : -Math.log1p(-Math.min(delta, 0.5)) / Math.abs(v);
    const logUpperTail = upper ? near.logUpperTail : far;
    const logLowerTail = upper ? far : near.logUpperTail;
    return {
      logPmf: null,
      logUpperTail,
      logLowerTail,
      method: "saddlepoint",
      relErrorBound: Math.max(
        relLog(near.logUpperTail, near.relErrorEstimate),
        relLog(far, Number.isFinite(farDelta) ? farDelta : near.relErrorEstimate),
      ),
      errorKind: "estimate",
    };
  }
  const t = sumTail(model, n, s);
  return {
    logPmf: t.logPmf as number | null,
    logUpperTail: t.logUpperTail,
    logLowerTail: t.logLowerTail,
    method: t.method as string,
    relErrorBound: t.relErrorBound,
    errorKind: "bound",
  };
}

/**
 * `bonkl tail --grid h`: the exact law of the quantised sum S_n^q (sequence/quantise.ts) at s, and
 * brackets on the tails of the true S_n. Every sequence has |S_n − S_n^q| ≤ n·h/2, so
 * {S_n^q ≥ s + nh/2} ⊆ {S_n ≥ s} ⊆ {S_n^q ≥ s − nh/2}, and likewise for the lower tail: the brackets are
 * rigorous (up to the engines' stated relative errors), whatever the rewards.
 */
export function quantisedTailSummary(model: Model, n: number, s: number, h: number) {
  const { model: q } = quantiseModel(model, h, "grid");
  const half = (n * h) / 2;
  const at = sumTail(q, n, s);
  const below = sumTail(q, n, s - half);
  const above = sumTail(q, n, s + half);
  return {
    logPmf: at.logPmf as number | null,
    logUpperTail: at.logUpperTail,
    logLowerTail: at.logLowerTail,
    method: at.method as string,
    relErrorBound: Math.max(at.relErrorBound, below.relErrorBound, above.relErrorBound),
    errorKind: "bound",
    grid: h,
    sumError: half,
    upperTailBracket: [above.logUpperTail, below.logUpperTail] as [number, number],
    lowerTailBracket: [below.logLowerTail, above.logLowerTail] as [number, number],
  };
}

/**
 * Lengths for `--sweep`: a comma list ("10,100,1000") or "log:a:b:k", k whole numbers spaced evenly in
 * log n from a to b (rounded, duplicates removed).
 */
export function parseSweep(text: string, field = "sweep"): number[] {
  const t = text.trim();
  let ns: number[];
  const m = /^log:([^:]+):([^:]+):([^:]+)$/.exec(t);
  if (m) {
    const [a, b, k] = [Number(m[1]), Number(m[2]), Number(m[3])];
    if (!(a >= 1 && b >= a && Number.isFinite(b) && Number.isInteger(k) && k >= 1 && k <= 10000)) {
      throw new InputError(
        field,
        `expected log:a:b:k with 1 ≤ a ≤ b and k a whole number from 1 to 10000, got ${show(text)}`,
      );
    }
    ns = Array.from({ length: k }, (_, i) => Math.round(k === 1 ? a : a * (b / a) ** (i / (k - 1))));
  } else {
    ns = t.split(",").map((s) => Number(s.trim()));
    if (t === "" || ns.some((v) => !Number.isSafeInteger(v) || v < 1)) {
      throw new InputError(
        field,
        `expected whole numbers ≥ 1 separated by commas, or log:a:b:k, got ${show(text)}`,
      );
    }
  }
  return [...new Set(ns)].sort((x, y) => x - y);
}
