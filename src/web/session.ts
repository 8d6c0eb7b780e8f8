import type { FrontierSummary } from "../app/results/frontier.js";
import type { SoftBonPoint } from "../core/frontier.js";
import type { LdpSummary } from "../core/sequence/ldp.js";
import type { FrontierChosen } from "../plot/frontier.js";
import type { Bon, ModelInfo, OutcomeRow, Reply, Sequence, SoftBon, Tilt } from "./protocol.js";
import { DEFAULT_STATE, type ViewState } from "./state.js";

/** What the page holds: the inputs shown, the latest request, and the latest result of each kind. */

export interface Latest {
  frontier?: FrontierSummary;
  /** The points the frontier rings: the optimum at Δ, best-of-N at N, soft best-of-N at (N, τ). */
  chosen?: FrontierChosen & { readonly bon: Bon; readonly softBon: SoftBon };
  tilt?: Tilt;
  /** The soft best-of-N curve and the model and N it is for. */
  softCurve?: { key: string; points: SoftBonPoint[] };
  sequence?: Sequence;
  top?: OutcomeRow[];
  runs?: Sequence[];
  ldp?: LdpSummary;
  curves?: Extract<Reply, { kind: "rate" }>["curves"];
}

export const session: {
  state: ViewState;
  info: ModelInfo | undefined;
  /** The id of the latest request, and when it was sent. */
  requestId: number;
  requestStarted: number;
  latest: Latest;
} = { state: DEFAULT_STATE, info: undefined, requestId: 0, requestStarted: 0, latest: {} };

/** The soft best-of-N curve belongs to one model and one N. */
export function curveKey(state: ViewState, n: number): string {
  return `${state.model}\n${state.model === "json" ? state.json : ""}\n${n}`;
}
