import { type FrontierOptions, frontier, type SoftBonPoint } from "../../core/frontier.js";
import type { Model } from "../../core/model.js";

/** The `frontier` result: λ null at saturation, `n` null when N overflows a double. */
export interface FrontierSummary {
  optimal: { kl: number; reward: number; lambda: number | null }[];
  bon: { n: number | null; logN: number; kl: number; reward: number; klBound: number }[];
  softBon?: SoftBonPoint[];
  klMax: number;
  rewardMax: number;
}

/** `bonkl frontier`: the optimal curve, best-of-N and soft best-of-N points of `frontier`, for printing. */
export function frontierSummary(model: Model, options: FrontierOptions = {}): FrontierSummary {
  const f = frontier(model, options);
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
