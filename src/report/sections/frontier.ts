import { captioned, table } from "../html.js";
import type { SectionContext } from "./context.js";

/** The reward–KL trade-off: the frontier figure, where best-of-N sits, and the optimum for a few budgets. */
export function frontierSection(ctx: SectionContext): string[] {
  const { r, at, slug, isWords, figure, figures } = ctx;
  const parts: string[] = [];
  const bon = r.frontier?.bon ?? [];
  const k = Math.max(
    0,
    bon.findIndex((b) => b.n === 16),
  );
  const example =
    bon.length > 1
      ? ` For example, best-of-${at.num(["frontier", "bon", k, "n"])} spends exactly ${at.num(["frontier", "bon", k, "kl"])} nats
and reaches an expected reward of ${at.num(["frontier", "bon", k, "reward"])}; the folklore formula would
charge it ${at.num(["frontier", "bon", k, "klBound"])} nats.`
      : "";
  const series = bon
    .slice(0, 4)
    .map((_, i) => at.num(["frontier", "bon", i, "n"]))
    .join(", ");
  const softN = r.frontier?.softBon?.length ? `with N = ${at.num(["frontier", "softBon", 0, "n"])}` : "";
  // Whether best-of-N leaves the curve is read from the results, not assumed.
  const g = r.bonGap;
  let ties = "";
  if (g && g.gap > 0.01 * (r.rewardMax - r.rewardMin) && g.n !== null) {
    ties = ` Here best-of-N falls visibly below the curve: at N = ${at.num(["bonGap", "n"])} its expected reward is
${at.num(["bonGap", "reward"])}, where the optimum reaches ${at.num(["bonGap", "optimalReward"])} with the same KL.`;
    if (r.largestLevel.mass > 0.5) {
      ties += ` The cause is ties: ${at.num(["largestLevel", "mass"], "pct")} of the probability sits at the reward
${at.num(["largestLevel", "reward"])}, and when all N draws tie there, best-of-N keeps one at random, spending KL
without gaining reward.`;
    }
  } else if (g) {
    ties = ` Here best-of-N sits on the curve or within ${at.num(["bonGap", "gap"])} of it in reward: for one step it
is already nearly optimal.`;
  }
  parts.push(
    captioned(
      figure(`${slug}-frontier`, figures.frontier),
      `<strong>The reward–KL trade-off.</strong> Horizontal axis: KL(π ‖ p), how far a policy π has moved from
p, in nats. Vertical axis: its expected reward. The blue curve is the optimum V(Δ): no policy lies above it.
Red dots are best-of-N for N = ${series}, … at its exact KL; each is linked to a hollow dot at the folklore
KL log N − (N−1)/N, which overstates the cost.${example}${ties} The dashed line is log(1/p*) =
${at.num(["klMax"])} nats, where the optimum reaches the top reward; best-of-N's KL approaches it but never
exceeds it. The green curve is soft best-of-N (draw N, pick one at random with weights e<sup>r/τ</sup>)
${softN} over all temperatures τ.`,
    ),
  );
  const tilt = r.tilt ?? [];
  if (tilt.length > 0) {
    const last = tilt.length - 1;
    parts.push(
      `<p>The optimum for a few budgets. The exchange rate λ grows with the budget, and so does the best
expected reward V(Δ): at Δ = ${at.num(["tilt", 0, "kl"])} nats it is ${at.num(["tilt", 0, "reward"])}
(λ = ${at.num(["tilt", 0, "lambda"])}), at Δ = ${at.num(["tilt", last, "kl"])} nats
${at.num(["tilt", last, "reward"])} (λ = ${at.num(["tilt", last, "lambda"])}), against
${at.num(["meanReward"])} under p.</p>
${table(
  ["KL budget Δ (nats)", "λ", isWords ? "expected sentiment per word V(Δ)" : "optimal reward V(Δ)"],
  tilt.map((t) => [t.kl, t.lambda, t.reward]),
)}`,
    );
  }
  return parts;
}
