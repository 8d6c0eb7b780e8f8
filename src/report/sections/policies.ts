import { captioned, table } from "../html.js";
import type { SectionContext } from "./context.js";

/** Other policies against the optimum: the identity figure and its table. */
export function policiesSection(ctx: SectionContext): string[] {
  const { r, at, slug, figure, figures } = ctx;
  const parts: string[] = [];
  const policies = r.policies ?? [];
  if (policies.length > 0) {
    const soft = policies.map((q, i) => ({ q, i })).filter(({ q }) => q.kind === "soft-bon");
    const sharp = policies.findIndex((q) => q.kind === "temperature");
    const restricted = policies.findIndex((q) => q.kind === "restricted");
    const first = soft[0];
    const lastSoft = soft[soft.length - 1];
    const softText =
      r.rewardLevels === 2
        ? ` With only two rewards, any policy that keeps p's proportions within each reward and raises
the expected reward is a tilt φ<sub>λ</sub> with a non-negative λ, so soft best-of-N and the restricted p lie on the curve,
at a distance from the optimum that is zero up to rounding.`
        : first && lastSoft
          ? ` Soft best-of-N at the temperature τ = ${at.num(["policies", first.i, "temperature"])} = 1/λ of the
optimum at Δ = ${at.num(["budget"])} nats comes closer to that optimum as N grows: from
${at.num(["policies", first.i, "klToOptimal"])} nats at N = ${at.num(["policies", first.i, "n"])} to
${at.num(["policies", lastSoft.i, "klToOptimal"])} nats at N = ${at.num(["policies", lastSoft.i, "n"])}.`
          : "";
    const sharpText =
      sharp >= 0
        ? ` The temperature-scaled p (∝ p²) ignores the reward: it spends ${at.num(["policies", sharp, "kl"])}
nats for a reward ${at.num(["policies", sharp, "rewardGap"])} below the optimum's, and is
${at.num(["policies", sharp, "klToOptimal"])} nats from it.`
        : "";
    const restrictedText =
      restricted >= 0 && r.rewardLevels > 2
        ? ` Keeping p only on rewards at or above average spends ${at.num(["policies", restricted, "kl"])} nats
and is ${at.num(["policies", restricted, "klToOptimal"])} nats from the optimum at that KL.`
        : "";
    parts.push(
      captioned(
        figure(`${slug}-identity`, figures.identity),
        `<strong>Comparable trade-off means close to optimal.</strong> Other ways of aligning p, each marked by a
letter. Left: each policy q at its KL from p (horizontal) and its expected reward (vertical), linked by a
dashed line up to the optimum with the same KL (hollow dot on the blue curve). Right: how far q is from that
optimum, KL(q ‖ φ) in nats. For a policy and the optimum with the same KL, the identity
KL(q ‖ φ) = KL(q ‖ p) − KL(φ ‖ p) + λ (E<sub>φ</sub> r − E<sub>q</sub> r) reduces to λ times the reward gap:
the bar is KL(q ‖ φ) computed directly, the black tick the identity's λ × gap, and they coincide. What to look
for: a policy just below the curve is necessarily close to the optimum itself, and one far below it is
far from it.${softText}${sharpText}${restrictedText} The table gives the same values.`,
      ),
    );
    parts.push(
      table(
        ["", "policy", "KL(q‖p)", "reward", "optimal reward", "gap", "KL(q‖φ)", "by the identity"],
        policies.map((g, i) => [
          String.fromCharCode(65 + i),
          g.policy,
          g.kl,
          g.reward,
          g.optimalReward,
          g.rewardGap,
          g.klToOptimal,
          g.klToOptimalByIdentity,
        ]),
      ),
    );
  }
  return parts;
}
