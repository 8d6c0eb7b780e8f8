import { captioned, table } from "../html.js";
import { formatValue } from "../refs.js";
import type { SectionContext } from "./context.js";

/** Which words the optimum favours: the words figure and its tables. */
export function wordsSection(ctx: SectionContext): string[] {
  const { r, at, slug, figure, figures } = ctx;
  const parts: string[] = [];
  const m = r.movers;
  if (m && figures.words) {
    const zero = m.factors.findIndex((f) => f.reward === r.largestLevel.reward);
    const top = m.factors.length - 1;
    const factorText =
      zero >= 0
        ? ` The optimum multiplies the probability of every word with the same sentiment by the same factor
e<sup>λr</sup>/Σ p e<sup>λr</sup>: ${at.num(["movers", "factors", zero, "ratio"])} for words scoring
${at.num(["movers", "factors", zero, "reward"])}, ${at.num(["movers", "factors", top, "ratio"])} for those
scoring ${at.num(["movers", "factors", top, "reward"])}. So the largest changes go to frequent words: the
most frequent neutral words lose the most even though they are only scaled down a little.`
        : "";
    parts.push(
      captioned(
        figure(`${slug}-words`, figures.words),
        `<strong>Which words the optimum favours.</strong> Aligning word frequencies towards positive sentiment
with a budget of Δ = ${at.num(["movers", "klRate"])} nats per word (λ = ${at.num(["movers", "lambda"])}) raises
the expected sentiment per word from ${at.num(["meanReward"])} to ${at.num(["movers", "reward"])}. Each bar is one word, with
its sentiment in brackets; its length is the probability the optimum adds (blue, to the right) or removes
(orange, to the left), in percentage points, and the label gives the word's probability before and after.
For example, "${at.text(["movers", "gain", 0, "outcome"])}" goes from ${at.num(["movers", "gain", 0, "p"], "pct")}
to ${at.num(["movers", "gain", 0, "phi"], "pct")}, and "${at.text(["movers", "lose", 0, "outcome"])}" from
${at.num(["movers", "lose", 0, "p"], "pct")} to ${at.num(["movers", "lose", 0, "phi"], "pct")}.${factorText}
The tables give the same words.`,
      ),
    );
    const rows = (list: readonly { outcome: string; reward: number; p: number; phi: number }[]) =>
      list.map((w) => [w.outcome, w.reward, formatValue(w.p, "pct"), formatValue(w.phi, "pct")]);
    parts.push(
      `<div class="pair"><div><h3>gain</h3>${table(["word", "sentiment", "p", "φ"], rows(m.gain))}</div>
<div><h3>lose</h3>${table(["word", "sentiment", "p", "φ"], rows(m.lose))}</div></div>`,
    );
  }
  return parts;
}
