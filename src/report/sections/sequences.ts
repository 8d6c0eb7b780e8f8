import { captioned } from "../html.js";
import type { SectionContext } from "./context.js";

/** Best-of-N over long sequences: the convergence figures, one per budget. */
export function sequencesSection(ctx: SectionContext): string[] {
  const { r, at, slug, figure, figures } = ctx;
  const parts: string[] = [];
  const sweeps = r.sequence ?? [];
  if (sweeps.length > 0 && figures.sequence.length > 0) {
    const runs = sweeps[0]!.runs;
    const j = runs.length - 1;
    const run = (field: readonly (string | number)[]) => at.num(["sequence", 0, "runs", j, ...field]);
    const explained = captioned(
      figure(`${slug}-sequence-1`, figures.sequence[0]!),
      `<strong>Best-of-N over long sequences.</strong> Now the output is a sequence of n tokens drawn
independently from p, its reward the sum of the tokens' rewards; the optimum gets a budget of
Δ = ${at.num(["sequence", 0, "klRate"])} nats per token and best-of-N uses N = e<sup>nΔ</sup>. The
horizontal axis of each panel is n, on a log scale. Top left: best-of-N's reward per token climbs to the
optimum's, x* = ${run(["xStar"])}. Top right: its KL from p per token approaches Δ (the grey folklore bound
stays above). Bottom left: its KL to the optimum per token falls towards zero: this is the theorem. Bottom
right: that KL, not divided by n, still grows, like ½ log n (solid blue; the dotted curve is ½ log n
shifted to fit the points). At
n = ${run(["length"])}: reward per token ${run(["bon", "rewardPerToken"])} against x* = ${run(["xStar"])},
KL to the optimum ${run(["bon", "klToOptimal"])} nats in total, ${run(["bon", "klToOptimalPerToken"])} per
token.`,
    );
    parts.push(explained);
    for (let s = 1; s < Math.min(sweeps.length, figures.sequence.length); s++) {
      const m = sweeps[s]!.runs.length - 1;
      const other = (field: readonly (string | number)[]) => at.num(["sequence", s, "runs", m, ...field]);
      parts.push(
        captioned(
          figure(`${slug}-sequence-${s + 1}`, figures.sequence[s]!),
          `The same with a smaller budget, Δ = ${at.num(["sequence", s, "klRate"])} nats per token: the same
convergence to a lower target, x* = ${other(["xStar"])}. At n = ${other(["length"])} best-of-N's reward per token
is ${other(["bon", "rewardPerToken"])} and its KL to the optimum ${other(["bon", "klToOptimalPerToken"])} per
token.`,
        ),
      );
    }
  }
  return parts;
}
