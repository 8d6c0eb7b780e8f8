import type { Model } from "../../core/model.js";
import { optimalReward } from "../../core/tilt.js";
import type { FrontierSummary } from "../results/frontier.js";
import { tiltSummary } from "../results/tilt.js";

/** The best-of-N point furthest below the optimal curve: its reward against V at the same KL. */
export interface BonGap {
  readonly n: number | null;
  readonly kl: number;
  readonly reward: number;
  readonly optimalReward: number;
  readonly gap: number;
}

/** The best-of-N point whose reward falls furthest below V(Δ) at its own KL (ties put it there). */
export function furthestBelow(model: Model, frontier: FrontierSummary): BonGap | undefined {
  let worst: BonGap | undefined;
  for (const b of frontier.bon) {
    if (!(Number.isFinite(b.kl) && Number.isFinite(b.reward))) continue;
    const optimal = optimalReward(model, b.kl);
    const gap = Math.max(0, optimal - b.reward);
    if (!worst || gap > worst.gap)
      worst = { n: b.n, kl: b.kl, reward: b.reward, optimalReward: optimal, gap };
  }
  return worst;
}

/** The budgets of the optimum's table (those below log 1/p* are kept). */
export const TILT_BUDGETS: readonly number[] = [0.05, 0.2, 0.5, 1, 2];

/** λ and V(Δ) for a few budgets Δ. */
export function tiltTable(model: Model): { kl: number; lambda: number | null; reward: number }[] {
  return TILT_BUDGETS.filter((d) => d < model.klMax).map((kl) => {
    const t = tiltSummary(model, { kl });
    return { kl, lambda: t.lambda, reward: t.reward };
  });
}
