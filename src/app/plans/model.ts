import { levelsOf } from "../../core/levels.js";
import type { Model } from "../../core/model.js";
import { rewardLaw } from "../../core/rewardLaw.js";
import { latticeOf } from "../../core/sequence/lattice.js";
import { parseSweep } from "../parse.js";
import { type FrontierSummary, frontierSummary } from "../results/frontier.js";
import { type BonGap, furthestBelow, tiltTable } from "./frontier.js";
import { type LargeDeviations, largeDeviations } from "./largeDeviations.js";
import { otherPolicies, type Policy } from "./policies.js";
import { type SequenceSweep, sequenceRuns } from "./sequences.js";
import { type Movers, movers, WORD_MODEL_SIZE } from "./words.js";

/**
 * What is computed for one model, in order, as named steps: the frontier and the optimum's table, other
 * policies against the optimum, best-of-N over sequences, the large deviations, and for word models the
 * words that move. The report draws its page and figures from these values only, so each number on it
 * can be found in results.json.
 */
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
  bonGap?: BonGap;
  tilt?: { kl: number; lambda: number | null; reward: number }[];
  policies?: Policy[];
  sequence?: SequenceSweep[];
  ldp?: LargeDeviations;
  /** Set when the sequence and large-deviation figures are left out: the rewards' lattice is too fine. */
  sequenceSkipped?: { readonly latticeSpan: number | null; readonly maxLatticeSpan: number };
  movers?: Movers;
}

/**
 * Largest per-token span, in lattice steps, for which sequences are computed: the exact law of S_n costs
 * about span·√n points per length, and the report must stay quick. Finer rewards are left to
 * `bonkl sequence`, which can quantise them.
 */
export const REPORT_MAX_SPAN = 1000;

/** A per-token budget inside (0, log 1/p*): the paper's regime, never saturated. */
function budget(model: Model): number {
  return Math.min(0.5, 0.5 * model.klMax);
}

/** One unit of work, named for a progress bar. */
export interface Step {
  readonly label: string;
  /** Does the work, filling the results. */
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
        results.tilt = tiltTable(law);
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
          sweeps.push({ klRate, runs: sequenceRuns(law, ns, klRate) });
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
