import {
  type FrontierSummary,
  frontierSummary,
  gapSummary,
  parseSweep,
  sequenceSummary,
  tiltSummary,
} from "../app/summaries.js";
import { levelsOf } from "../core/levels.js";
import type { Model } from "../core/model.js";
import { rewardLaw } from "../core/rewardLaw.js";
import { latticeOf } from "../core/sequence/lattice.js";
import { type LdpSummary, ldpSummary } from "../core/sequence/ldp.js";
import { softBestOfN, softBonOutcomeLogProbs } from "../core/softBon.js";
import { lambdaForKl, optimalReward, tiltLogProbs } from "../core/tilt.js";

/**
 * Every number the report shows, per model. The page and its figures are drawn from these values only,
 * so each number on it can be found in results.json.
 */

/** Models with more outcomes than this are word models: the report lists the words that move. */
export const WORD_MODEL_SIZE = 100;
/** N of the soft best-of-N policies placed against the optimum. */
export const SOFT_NS = [4, 16, 64] as const;
/** The temperature-scaled reference p^{1/T}: T = ½ sharpens p to ∝ p². */
export const SHARPENING_T = 0.5;

/** A policy the report places against the optimum: its gap summary, kind and parameters. */
export type Policy = ReturnType<typeof gapSummary> & {
  readonly policy: string;
  readonly kind: "soft-bon" | "temperature" | "restricted";
  /** soft-bon: N and τ; temperature: T; restricted: the reward threshold. */
  readonly n?: number;
  readonly temperature?: number;
  readonly threshold?: number;
};

/** A word whose probability the optimum changes most: its reward, p and φ. */
export interface Mover {
  readonly outcome: string;
  readonly reward: number;
  readonly p: number;
  readonly phi: number;
}

/** `bonkl sequence` over the report's lengths at one per-token budget. */
export interface SequenceSweep {
  readonly klRate: number;
  readonly runs: ReturnType<typeof sequenceSummary>[];
}

/** J_Δ(x) beside −(1/n) log P_φ(S_n ≥ nx) from the exact law at one x. */
export interface LdpCheckPoint {
  readonly x: number;
  readonly J: number;
  readonly minusLogTailOverN: number;
}

/** Every number the report shows for one model (results.json holds one per model). */
export interface ModelResults {
  readonly outcomes: number;
  readonly rewardLevels: number;
  readonly klMax: number;
  readonly rewardMin: number;
  readonly rewardMax: number;
  readonly meanReward: number;
  /** The reward level holding the most mass, and that mass: ties that best-of-N cannot break. */
  readonly largestLevel: { readonly reward: number; readonly mass: number };
  /** The per-token budget Δ used for the sequences, the rates and the words. */
  readonly budget: number;
  frontier?: FrontierSummary;
  /** The best-of-N point furthest below the optimal curve: its reward against V at the same KL. */
  bonGap?: {
    readonly n: number | null;
    readonly kl: number;
    readonly reward: number;
    readonly optimalReward: number;
    readonly gap: number;
  };
  tilt?: { kl: number; lambda: number | null; reward: number }[];
  policies?: Policy[];
  sequence?: SequenceSweep[];
  ldp?: LdpSummary & {
    /** Largest |Γ(t) − its Rényi forms| over the t shown. */
    readonly renyiAgreement: number;
    readonly checks: { readonly n: number; readonly points: LdpCheckPoint[] }[];
  };
  /** Set when the sequence and large-deviation figures are left out: the rewards' lattice is too fine. */
  sequenceSkipped?: { readonly latticeSpan: number | null; readonly maxLatticeSpan: number };
  movers?: {
    readonly klRate: number;
    readonly lambda: number;
    /** E_φ r at that budget: the expected reward (sentiment) per word after alignment. */
    readonly reward: number;
    readonly gain: Mover[];
    readonly lose: Mover[];
    /** φ_Δ(w)/p(w) = e^{λ r(w) − Λ(λ)}: the same factor for every word of a reward level. */
    readonly factors: { readonly reward: number; readonly ratio: number }[];
  };
}

/**
 * Largest per-token span, in lattice steps, for which the report computes sequences: the exact law of S_n
 * costs about span·√n points per length, and the report must stay quick. Finer rewards are left to
 * `bonkl sequence`, which can quantise them.
 */
export const REPORT_MAX_SPAN = 1000;

/** A per-token budget inside (0, log 1/p*): the paper's regime, never saturated. */
function budget(model: Model): number {
  return Math.min(0.5, 0.5 * model.klMax);
}

/** One unit of work, named for the progress bar. */
export interface Step {
  readonly label: string;
  readonly run: () => void;
}

/**
 * The steps that fill one model's results, in order. `quick` shortens the sweeps. Quantities that depend
 * on the reward's law only are computed on {@link rewardLaw} (same values, far fewer outcomes).
 */
export function modelSteps(
  name: string,
  model: Model,
  quick: boolean,
): { results: ModelResults; steps: Step[] } {
  const law = rewardLaw(model);
  const levels = levelsOf(model);
  let largest = 0;
  for (let l = 1; l < levels.count; l++) if (levels.logMass[l]! > levels.logMass[largest]!) largest = l;
  const delta = budget(model);
  const results: ModelResults = {
    outcomes: model.size,
    rewardLevels: levels.count,
    klMax: model.klMax,
    rewardMin: model.rMin,
    rewardMax: model.rMax,
    meanReward: model.mean,
    largestLevel: { reward: levels.values[largest]!, mass: Math.exp(levels.logMass[largest]!) },
    budget: delta,
  };
  const steps: Step[] = [
    {
      label: `${name}: frontier`,
      run: () => {
        results.frontier = frontierSummary(law, { points: quick ? 60 : 150, softN: [4] });
        results.bonGap = furthestBelow(law, results.frontier);
        results.tilt = [0.05, 0.2, 0.5, 1, 2]
          .filter((d) => d < law.klMax)
          .map((kl) => {
            const t = tiltSummary(law, { kl });
            return { kl, lambda: t.lambda, reward: t.reward };
          });
      },
    },
    { label: `${name}: other policies`, run: () => (results.policies = otherPolicies(model, law, delta)) },
  ];
  const lattice = latticeOf(law);
  if (!lattice || lattice.span > REPORT_MAX_SPAN) {
    results.sequenceSkipped = { latticeSpan: lattice?.span ?? null, maxLatticeSpan: REPORT_MAX_SPAN };
  } else {
    const ns = parseSweep(quick ? "log:10:1e4:6" : "log:10:1e6:13");
    // Two budgets, Δ and Δ/4: the convergence holds for each, faster in relative terms for the larger.
    const sweeps: SequenceSweep[] = [];
    for (const klRate of [delta, delta / 4]) {
      steps.push({
        label: `${name}: sequences, Δ = ${klRate.toPrecision(3)}`,
        run: () => {
          sweeps.push({ klRate, runs: ns.map((n) => sequenceSummary(law, n, klRate)) });
          results.sequence = sweeps;
        },
      });
    }
    steps.push({
      label: `${name}: large deviations`,
      run: () => (results.ldp = largeDeviations(law, delta, quick)),
    });
  }
  if (model.size > WORD_MODEL_SIZE) {
    steps.push({ label: `${name}: words`, run: () => (results.movers = movers(model, law, delta, 10)) });
  }
  return { results, steps };
}

/** The best-of-N point whose reward falls furthest below V(Δ) at its own KL (ties put it there). */
function furthestBelow(model: Model, frontier: FrontierSummary): ModelResults["bonGap"] {
  let worst: ModelResults["bonGap"];
  for (const b of frontier.bon) {
    if (!(Number.isFinite(b.kl) && Number.isFinite(b.reward))) continue;
    const optimal = optimalReward(model, b.kl);
    const gap = Math.max(0, optimal - b.reward);
    if (!worst || gap > worst.gap)
      worst = { n: b.n, kl: b.kl, reward: b.reward, optimalReward: optimal, gap };
  }
  return worst;
}

/** The rates on a grid, Γ with its Rényi forms, and exact finite-n tails approaching J_Δ. */
function largeDeviations(model: Model, delta: number, quick: boolean): ModelResults["ldp"] {
  const ldp = ldpSummary(model, delta, { grid: 41 });
  let renyiAgreement = 0;
  for (const s of ldp.scgf) {
    for (const form of [s.renyiCrossEntropyForm, s.renyiDivergenceForm]) {
      if (form !== null) renyiAgreement = Math.max(renyiAgreement, Math.abs(form - s.value));
    }
  }
  // The exact tails cost an FFT each: ten points between x* and r_max show the approach to J.
  const xs = Array.from({ length: 10 }, (_, i) => ldp.xStar + ((model.rMax - ldp.xStar) * (i + 1)) / 10);
  const checks = (quick ? [100, 1000] : [100, 1000, 10000]).map((n) => {
    const at = ldpSummary(model, delta, { xs, checkLength: n });
    return {
      n,
      points: (at.check ?? []).flatMap((c) => {
        const rate = at.rate.find((r) => r.x === c.x);
        return rate ? [{ x: c.x, J: rate.J, minusLogTailOverN: c.minusLogTailOverN }] : [];
      }),
    };
  });
  return { ...ldp, renyiAgreement, checks };
}

/** Spreads a distribution over the support back to every input outcome, in input order (policyGap's form). */
function spread(model: Model, q: Float64Array): number[] {
  const out = new Array<number>(model.allRewards.length).fill(0);
  for (let j = 0; j < model.size; j++) out[model.support[j]!] = q[j]!;
  return out;
}

function normalise(w: Float64Array): Float64Array {
  let total = 0;
  for (const x of w) total += x;
  return w.map((x) => x / total);
}

/**
 * Other policies placed against the optimum at their own KL (MATH §1's identity at work): soft best-of-N
 * at the temperature 1/λ_Δ of the optimum at the budget Δ (it tends to that optimum as N grows), the
 * temperature-scaled reference p^{1/T} (which ignores the reward), and p restricted to rewards at or above
 * their mean. Soft best-of-N and the restriction keep each reward level's law ∝ p, so they are placed on
 * the reward law; p^{1/T} reshapes the levels inside, so it needs the model itself.
 */
function otherPolicies(model: Model, law: Model, delta: number): Policy[] {
  const tau = 1 / lambdaForKl(law, delta).lambda;
  const soft = SOFT_NS.map((n) => {
    const s = softBestOfN(law, { n, temperature: tau });
    const q = normalise(softBonOutcomeLogProbs(law, s).map(Math.exp));
    const policy = `soft best-of-${n}, τ = ${tau.toPrecision(3)}`;
    return { policy, kind: "soft-bon" as const, n, temperature: tau, ...gapSummary(law, spread(law, q)) };
  });
  // p^{1/T} in logs: p² of a rare word underflows long before its log does.
  const logSharp = model.logp.map((l) => l / SHARPENING_T);
  let top = Number.NEGATIVE_INFINITY;
  for (const l of logSharp) top = Math.max(top, l);
  const sharpened = normalise(logSharp.map((l) => Math.exp(l - top)));
  const threshold = law.mean;
  const above = normalise(law.p.map((p, j) => (law.r[j]! >= threshold ? p : 0)));
  return [
    ...soft,
    {
      policy: `temperature-scaled p, T = ${SHARPENING_T} (∝ p²)`,
      kind: "temperature" as const,
      temperature: SHARPENING_T,
      ...gapSummary(model, spread(model, sharpened)),
    },
    {
      policy: "p restricted to r ≥ E_p r",
      kind: "restricted" as const,
      threshold,
      ...gapSummary(law, spread(law, above)),
    },
  ];
}

/** The words (outcomes) that gain and lose the most probability under φ_Δ, and the factor of each level. */
function movers(model: Model, law: Model, delta: number, count: number): ModelResults["movers"] {
  const { lambda, point } = lambdaForKl(model, delta);
  const logphi = tiltLogProbs(model, point);
  const rows = model.labels.map((outcome, i) => ({
    outcome,
    reward: model.r[i]!,
    p: model.p[i]!,
    phi: Math.exp(logphi[i]!),
  }));
  const byChange = [...rows].sort((a, b) => b.phi - b.p - (a.phi - a.p));
  const lawPhi = tiltLogProbs(law, lambdaForKl(law, delta).point);
  const factors = Array.from(law.r, (reward, l) => ({ reward, ratio: Math.exp(lawPhi[l]! - law.logp[l]!) }));
  return {
    klRate: delta,
    lambda,
    reward: point.reward,
    gain: byChange.slice(0, count),
    lose: byChange.slice(-count).reverse(),
    factors,
  };
}
