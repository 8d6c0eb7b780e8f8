/**
 * The report page: a plain-language introduction, then one section per model (section.ts). Every number
 * in the prose is read from the results (see refs.ts); nothing here computes.
 */

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

const STYLE = `body{font-family:"DejaVu Sans",sans-serif;max-width:960px;margin:2em auto;padding:0 1em;color:#222;line-height:1.5}
figure{margin:1.5em 0}svg{max-width:100%;height:auto}figcaption{font-size:.95em;margin-top:.5em}
table{border-collapse:collapse;margin:.5em 0 1.5em;font-size:.92em}
td,th{border-bottom:1px solid #ddd;padding:.2em .8em;text-align:right}th{font-weight:600}
td:first-child,td:nth-child(2),th:first-child,th:nth-child(2){text-align:left}.num{border-bottom:1px dotted #999}
.pair{display:flex;gap:2em;flex-wrap:wrap}h3{margin:.2em 0;font-size:1em}section{margin-top:3em}`;

/** The whole page around the models' sections. */
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
