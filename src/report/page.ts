import { escapeXml } from "../plot/text.js";
import type { ModelResults } from "./compute.js";
import { formatValue, Refs } from "./refs.js";

/**
 * The report page: a plain-language introduction, then one section per model with each figure, a
 * paragraph under it saying what it shows and how to read it, and tables as text alternatives. Every
 * number in the prose is read from the results (see refs.ts); nothing here computes.
 */

/** Draws a figure (inline SVG, plus a PNG beside the page) and returns its markup. */
export type FigureWriter = (name: string, svg: string) => string;

export function table(
  header: readonly string[],
  rows: readonly (readonly (string | number | null)[])[],
): string {
  const cell = (v: string | number | null) => (typeof v === "number" ? formatValue(v, "num") : (v ?? "—"));
  const head = header.map((h) => `<th>${escapeXml(h)}</th>`).join("");
  const body = rows
    .map((r) => `<tr>${r.map((v) => `<td>${escapeXml(cell(v))}</td>`).join("")}</tr>`)
    .join("");
  return `<table><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
}

/** A figure with the paragraph that explains it. */
export function captioned(figureHtml: string, caption: string): string {
  return figureHtml.replace(/<\/figure>$/, `<figcaption>${caption}</figcaption></figure>`);
}

export const INTRODUCTION = `<h1>Best-of-N and the KL-constrained optimum</h1>
<p class="lead">A language model is a machine that proposes text at random: its probabilities, written p, say
how likely each output is. A <em>reward</em> r scores outputs (here: how positive a word is). <em>Aligning</em>
the model means changing its probabilities so that high-reward outputs come up more often, without drifting
so far from p that it forgets everything else. The drift is measured by the Kullback–Leibler divergence
KL(q ‖ p) of the new probabilities q from the old ones, in nats: it is zero when nothing changed, and e<sup>KL</sup> is
roughly how much more often than before the aligned model produces the outputs it favours.</p>
<p><strong>The KL-constrained optimum.</strong> Among all ways of changing p that spend at most Δ nats of KL,
one gives the highest expected reward, and it has a simple form: multiply the probability of every output
by e<sup>λ r</sup> and renormalise, φ ∝ p e<sup>λ r</sup>, with the number λ chosen so that the KL is exactly Δ.
λ is the exchange rate between reward and KL: a small λ barely moves p, a large one piles the probability
on the best outputs. Its expected reward, V(Δ), traces the best trade-off any method can reach: in the
figures below, the blue curve.</p>
<p><strong>Best-of-N.</strong> The simplest practical method trains nothing: draw N outputs from p, score
them, keep the best. It is used everywhere, and it is usually credited with a KL cost of log N − (N−1)/N.
That value is only an upper bound: this report computes best-of-N's exact probabilities, its exact
expected reward and its exact KL, and places it against the optimum.</p>
<p><strong>Why they meet.</strong> Both methods treat all outputs with the same reward alike: given the
reward an output has, each picks among the outputs with that reward in proportion to p. So they differ only
in how often they land on each reward level. For a single output they land differently, but for long texts
of n independent words, best-of-N with N = e<sup>nΔ</sup> and the optimum with budget nΔ land on the same
reward per word, because among e<sup>nΔ</sup> random texts the best one reaches just the reward per word
where a random text's chance of getting there has fallen to e<sup>−nΔ</sup>, and that is exactly where the
optimum's budget takes it. The KL between the two, per word, then goes to zero (Yang et al., <em>Asymptotics
of Language Model Alignment</em>, ISIT 2024): best-of-N is, asymptotically, the optimal aligned model.</p>
<p>Each section below takes one model: two small toy models, and a real one, English word frequencies from
film subtitles with the AFINN sentiment of each word as the reward. Every number on this page is read from
results.json beside it (hover over a number to see where).</p>`;

/** The section of one model. */
export function modelSection(
  name: string,
  results: Record<string, unknown>,
  figure: FigureWriter,
  figures: {
    readonly frontier: string;
    readonly identity: string;
    readonly sequence: readonly string[];
    readonly ldp?: string;
    readonly words?: string;
  },
): string {
  const r = results[name] as ModelResults;
  const at = new Refs(results, name);
  const slug = name.replace(/[^a-z0-9]+/gi, "-");
  const isWords = r.movers !== undefined;
  const parts: string[] = [`<section><h2>${escapeXml(name)}</h2>`];

  parts.push(
    isWords
      ? `<p>The reference p is how often each of ${at.num(["outcomes"])} English words is spoken in film
subtitles (SUBTLEX-US); the reward is the word's AFINN-165 sentiment, from ${at.num(["rewardMin"])} (most
negative) to ${at.num(["rewardMax"])} (most positive). Most words are not in the sentiment lexicon and score
${at.num(["largestLevel", "reward"])}: ${at.num(["largestLevel", "mass"], "pct")} of spoken words are such ties,
among which best-of-N cannot choose. A word drawn from p has expected sentiment ${at.num(["meanReward"])}. The
top sentiment has total probability p* with log(1/p*) = ${at.num(["klMax"])} nats: no policy needs more KL than
that, since putting all probability on the top words costs exactly that much.</p>`
      : `<p>This model has ${at.num(["outcomes"])} outcomes with ${at.num(["rewardLevels"])} different rewards.
Under p the expected reward is ${at.num(["meanReward"])}; the best reward, ${at.num(["rewardMax"])}, has
probability p* with log(1/p*) = ${at.num(["klMax"])} nats: no policy needs more KL than that, since putting all
probability on the best outcomes costs exactly that much.</p>`,
  );

  // The frontier.
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

  // The identity.
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

  // Sequences.
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

  // Large deviations.
  const ldp = r.ldp;
  if (ldp && figures.ldp) {
    const c = ldp.checks.length - 1;
    const check = ldp.checks[c];
    const p = check ? Math.min(2, check.points.length - 1) : -1;
    const checkText =
      check && p >= 0
        ? ` At x = ${at.num(["ldp", "checks", c, "points", p, "x"])} and n = ${at.num(["ldp", "checks", c, "n"])}, the
exact value is ${at.num(["ldp", "checks", c, "points", p, "minusLogTailOverN"])} against
J<sub>Δ</sub>(x) = ${at.num(["ldp", "checks", c, "points", p, "J"])}.`
        : "";
    parts.push(
      captioned(
        figure(`${slug}-ldp`, figures.ldp),
        `<strong>How sharply the optimum concentrates.</strong> Left: under the optimum, the reward per token of a
long sequence is almost always close to x* = ${at.num(["ldp", "xStar"])}; the chance that it is at least x is
about e<sup>−n J(x)</sup>. Horizontal axis: reward per token x; vertical axis: the rate J<sub>Δ</sub>(x), in
nats per token (zero at x*, λ* = ${at.num(["ldp", "lambda"])}). The grey curve is the same rate for p itself
(Cramér's I<sub>p</sub>). The dots are the exact −(1/n) log P(S<sub>n</sub> ≥ nx) at finite n, approaching
the curve as n grows.${checkText} Right: the scaled cumulant generating function Γ(t) of the reward
under the optimum, and its two forms as Rényi quantities (a Rényi cross-entropy and a Rényi divergence), which agree to
${at.num(["ldp", "renyiAgreement"])}.`,
      ),
    );
  }

  if (r.sequenceSkipped) {
    parts.push(
      `<p>The figures on long sequences and large deviations are left out for this model: they need the rewards
to lie on a lattice of at most ${at.num(["sequenceSkipped", "maxLatticeSpan"])} steps between the lowest and
the highest, and these do not. <code>bonkl sequence</code> handles such rewards by quantising them.</p>`,
    );
  }

  // Words.
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
  parts.push("</section>");
  return parts.join("\n");
}

const STYLE = `body{font-family:"DejaVu Sans",sans-serif;max-width:960px;margin:2em auto;padding:0 1em;color:#222;line-height:1.5}
figure{margin:1.5em 0}svg{max-width:100%;height:auto}figcaption{font-size:.95em;margin-top:.5em}
table{border-collapse:collapse;margin:.5em 0 1.5em;font-size:.92em}
td,th{border-bottom:1px solid #ddd;padding:.2em .8em;text-align:right}th{font-weight:600}
td:first-child,td:nth-child(2),th:first-child,th:nth-child(2){text-align:left}.num{border-bottom:1px dotted #999}
.pair{display:flex;gap:2em;flex-wrap:wrap}h3{margin:.2em 0;font-size:1em}section{margin-top:3em}`;

export function page(sections: readonly string[]): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>bonkl report</title><link rel="icon" href="data:,">
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>${STYLE}</style></head><body>
${INTRODUCTION}
${sections.join("\n")}
</body></html>
`;
}
