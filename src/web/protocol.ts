import type { LdpCurves } from "../app/ldpCurves.js";
import type { bonSummary } from "../app/results/bon.js";
import type { FrontierSummary } from "../app/results/frontier.js";
import type { sequenceSummary } from "../app/results/sequence.js";
import type { softBonSummary } from "../app/results/softBon.js";
import type { tiltSummary } from "../app/results/tilt.js";
import type { SoftBonPoint } from "../core/frontier.js";
import type { LdpSummary } from "../core/sequence/ldp.js";
import type { DistributionRow } from "../plot/distribution.js";

/** Messages between the page and its worker. Every reply carries the id of the request it answers. */

export type ModelSource = { readonly kind: "preset" | "json"; readonly text: string };

export interface Params {
  readonly kl: number;
  readonly length: number;
  readonly n: number;
  readonly temperature: number;
}

/** Which of the two workers a request is for (see compute.ts). */
export type Part = "fast" | "slow";

export interface Request {
  readonly id: number;
  readonly part: Part;
  readonly source: ModelSource;
  readonly params: Params;
}

export interface ModelInfo {
  readonly outcomes: number;
  readonly support: number;
  readonly levels: number;
  readonly klMax: number;
  readonly rewardMin: number;
  readonly rewardMax: number;
  readonly mean: number;
  readonly variance: number;
}

/** The summaries as the CLI prints them without `--dist`, and with it. */
type Plain<T> = Exclude<T, { distribution: unknown }>;
export type WithDistribution<T> = Extract<T, { distribution: unknown }>;
export type Tilt = Plain<ReturnType<typeof tiltSummary>>;
export type Bon = Plain<ReturnType<typeof bonSummary>>;
export type SoftBon = Plain<ReturnType<typeof softBonSummary>>;
export type Sequence = ReturnType<typeof sequenceSummary>;

/** One outcome's probability under the reference p, the optimum φ_Δ, best-of-N and soft best-of-N. */
export interface OutcomeRow extends DistributionRow {
  readonly reward: number;
}

export type Reply =
  | { readonly id: number; readonly kind: "error"; readonly field: string; readonly detail: string }
  | { readonly id: number; readonly kind: "model"; readonly model: ModelInfo }
  | {
      readonly id: number;
      readonly kind: "frontier";
      /** `bonkl frontier` without soft best-of-N (its curve comes separately, from the slow part). */
      readonly frontier: FrontierSummary;
      /** The optimum at Δ: `kl` and `reward` of `bonkl tilt --kl Δ`, before its cumulants are computed. */
      readonly optimum: { readonly kl: number; readonly reward: number };
      readonly bon: Bon;
      readonly softBon: SoftBon;
    }
  | { readonly id: number; readonly kind: "tilt"; readonly tilt: Tilt }
  | { readonly id: number; readonly kind: "outcomes"; readonly top: OutcomeRow[] }
  | { readonly id: number; readonly kind: "sequence"; readonly sequence: Sequence }
  | { readonly id: number; readonly kind: "softCurve"; readonly n: number; readonly points: SoftBonPoint[] }
  | { readonly id: number; readonly kind: "convergence"; readonly runs: Sequence[] }
  | {
      readonly id: number;
      readonly kind: "rate";
      /** `bonkl ldp --kl-rate Δ`: the table's points. */
      readonly ldp: LdpSummary;
      /** J, I_p and Γ sampled finely for the figure's curves. */
      readonly curves: LdpCurves;
    }
  | {
      readonly id: number;
      readonly kind: "done";
      readonly part: Part;
      readonly ms: number;
      /** Milliseconds per phase of this request (phases answered from the cache are near 0). */
      readonly phases: Record<string, number>;
    };
