import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { Model } from "../core/model.js";
import { latticeOf } from "../core/sequence/lattice.js";
import { ldpSummary } from "../core/sequence/ldp.js";
import { softBestOfN, softBonOutcomeLogProbs } from "../core/softBon.js";
import { frontierSummary, gapSummary, parseSweep, sequenceSummary, tiltSummary } from "../core/summaries.js";
import { lambdaForKl, tiltLogProbs } from "../core/tilt.js";
import { frontierFigure } from "../plot/frontier.js";
import { ldpFigure } from "../plot/ldp.js";
import { svgToPng } from "../plot/render.js";
import { sequenceFigure } from "../plot/sequence.js";
import { escapeXml } from "../plot/text.js";

/**
 * `bonkl report`: one self-contained HTML page (figures inline as SVG), a PNG of each figure and
 * results.json holding every number the page shows. A first version: the frontier, best-of-e^{nΔ}
 * converging to the optimum, the large-deviation rates, λ for a few budgets, and for word models the
 * words the optimum favours and disfavours.
 */
export interface ReportOptions {
  readonly out: string;
  readonly models: readonly { readonly name: string; readonly model: Model }[];
  readonly quick: boolean;
  readonly log: (message: string) => void;
}

/** Writes text atomically (a temporary file in the same folder, then a rename). */
function writeAtomic(path: string, data: string | Buffer): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}

/** A per-token budget inside (0, log 1/p*): the paper's regime, never saturated. */
function budget(model: Model): number {
  return Math.min(0.5, 0.5 * model.klMax);
}

/**
 * Other policies placed against the optimum at their own KL (MATH §1's identity at work): soft best-of-N,
 * a sharpened reference p², and p restricted to rewards at or above their mean. Policies are given over
 * every input outcome, in input order, as policyGap expects.
 */
function otherPolicies(model: Model) {
  const n = model.allRewards.length;
  const spread = (q: Float64Array): number[] => {
    const out = new Array<number>(n).fill(0);
    for (let j = 0; j < model.size; j++) out[model.support[j]!] = q[j]!;
    return out;
  };
  const normalise = (w: Float64Array): Float64Array => {
    let total = 0;
    for (const x of w) total += x;
    return w.map((x) => x / total);
  };
  const range = model.rMax - model.rMin;
  const soft = softBestOfN(model, { n: 4, temperature: range / 2 });
  const softQ = softBonOutcomeLogProbs(model, soft).map(Math.exp);
  const sharpened = normalise(model.p.map((p) => p * p));
  const above = normalise(model.p.map((p, j) => (model.r[j]! >= model.mean ? p : 0)));
  return [
    { policy: `soft best-of-4, τ = ${(range / 2).toPrecision(3)}`, q: spread(normalise(softQ)) },
    { policy: "sharpened reference ∝ p²", q: spread(sharpened) },
    { policy: "p restricted to r ≥ E_p r", q: spread(above) },
  ].map(({ policy, q }) => ({ policy, ...gapSummary(model, q) }));
}

/** The words (outcomes) that gain and lose the most probability under φ_Δ. */
function movers(model: Model, delta: number, count: number) {
  const logphi = tiltLogProbs(model, lambdaForKl(model, delta).point);
  const rows = model.labels.map((outcome, i) => ({
    outcome,
    reward: model.r[i]!,
    p: model.p[i]!,
    phi: Math.exp(logphi[i]!),
  }));
  const byChange = [...rows].sort((a, b) => b.phi - b.p - (a.phi - a.p));
  return { gain: byChange.slice(0, count), lose: byChange.slice(-count).reverse() };
}

function table(header: readonly string[], rows: readonly (readonly (string | number | null)[])[]): string {
  const cell = (v: string | number | null) =>
    typeof v === "number"
      ? Number.isFinite(v)
        ? Number(v.toPrecision(6)).toString()
        : String(v)
      : (v ?? "—");
  return `<table><thead><tr>${header.map((h) => `<th>${escapeXml(h)}</th>`).join("")}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((v) => `<td>${escapeXml(String(cell(v)))}</td>`).join("")}</tr>`)
    .join("")}</tbody></table>`;
}

export function writeReport(options: ReportOptions): { results: unknown; files: string[] } {
  const { out, quick, log } = options;
  const files: string[] = [];
  const sections: string[] = [];
  const results: Record<string, unknown> = {};
  const figure = (name: string, svg: string): string => {
    const png = join(out, `${name}.png`);
    writeAtomic(png, svgToPng(svg));
    files.push(png);
    return `<figure>${svg}</figure>`;
  };
  for (const { name, model } of options.models) {
    log(`report: ${name}`);
    const slug = name.replace(/[^a-z0-9]+/gi, "-");
    const delta = budget(model);
    const frontier = frontierSummary(model, { points: quick ? 60 : 150, softN: [4] });
    const tilts = [0.05, 0.2, 0.5, 1, 2]
      .filter((d) => d < model.klMax)
      .map((kl) => {
        const t = tiltSummary(model, { kl });
        return { kl, lambda: t.lambda, reward: t.reward };
      });
    const entry: Record<string, unknown> = {
      klMax: model.klMax,
      rewardMax: model.rMax,
      meanReward: model.mean,
    };
    entry.frontier = frontier;
    entry.tilt = tilts;
    const policies = otherPolicies(model);
    entry.policies = policies;
    let html = `<section><h2>${escapeXml(name)}</h2>
<p>Under the reference p the expected reward is ${model.mean.toPrecision(6)}; the best reward is ${model.rMax}, held by
mass p* with log(1/p*) = ${model.klMax.toPrecision(6)} nats: no policy that maximises the reward needs more KL than that.</p>
${figure(`${slug}-frontier`, frontierFigure(frontier, `${name}: reward against KL`))}
<p>The blue curve is the best expected reward any policy can reach at each KL from the reference (the exponential
tilt of p). Filled dots are best-of-N at its exact KL; hollow dots are where the folklore value log N − (N−1)/N
would put it. Where rewards tie, best-of-N spends less KL than the folklore value says, and sits below the curve.</p>
${table(
  ["KL budget Δ (nats)", "λ", "optimal reward V(Δ)"],
  tilts.map((t) => [t.kl, t.lambda, t.reward]),
)}
<p>Any policy q can be placed against the optimum at its own KL. The identity
KL(q‖φ) = KL(q‖p) − KL(φ‖p) + λ(E_φ r − E_q r) says that a policy whose reward is close to the best
possible at its KL must be close to the optimum itself; the last two columns compute KL(q‖φ) directly and
through the identity.</p>
${table(
  ["policy", "KL(q‖p)", "reward", "optimal reward", "gap", "KL(q‖φ)", "by the identity"],
  policies.map((g) => [
    g.policy,
    g.kl,
    g.reward,
    g.optimalReward,
    g.rewardGap,
    g.klToOptimal,
    g.klToOptimalByIdentity,
  ]),
)}`;
    if (latticeOf(model)) {
      const ns = parseSweep(quick ? "log:10:1e4:6" : "log:10:1e6:13");
      // Two budgets, Δ and Δ/4: the convergence holds for each, faster in relative terms for the larger.
      const sweeps = [delta, delta / 4].map((klRate) => ({
        klRate,
        runs: ns.map((n) => sequenceSummary(model, n, klRate)),
      }));
      entry.sequence = sweeps;
      const seqFigures = sweeps
        .map(({ klRate, runs }, i) =>
          figure(
            `${slug}-sequence-${i + 1}`,
            sequenceFigure(
              runs.map((r) => ({ ...r, lambda: r.lambda ?? Number.POSITIVE_INFINITY, method: "" })),
              `${name}: best-of-N, N = e^(nΔ), against the optimum, Δ = ${klRate.toPrecision(3)}`,
            ),
          ),
        )
        .join("\n");
      const ldp = ldpSummary(model, delta, { grid: 41 });
      // The exact tails cost an FFT each: ten points between x* and r_max show the approach to J.
      const xs = Array.from({ length: 10 }, (_, i) => ldp.xStar + ((model.rMax - ldp.xStar) * (i + 1)) / 10);
      const checks = (quick ? [100, 1000] : [100, 1000, 10000]).map((n) => ({
        n,
        points: ldpSummary(model, delta, { xs, checkLength: n }).check ?? [],
      }));
      entry.ldp = { ...ldp, checks };
      html += `
${seqFigures}
<p>Sequences of n independent tokens, the reward adding up, a budget of Δ nats per token and best-of-N with
N = e<sup>nΔ</sup>: as n grows the reward per token and the KL per token of best-of-N approach those of the optimum,
and its KL to the optimum per token goes to 0 (Yang et al. 2024). Unnormalised, that KL still grows like ½ log n.</p>
${figure(`${slug}-ldp`, ldpFigure(ldp, checks))}
<p>Left: the rate J_Δ at which the optimal policy's reward per token concentrates at x*, with the exact
−(1/n) log P(S_n ≥ nx) at finite n approaching it. Right: the scaled cumulant generating function and its two
Rényi forms, which coincide.</p>`;
    }
    if (model.size > 100) {
      const m = movers(model, delta, 10);
      entry.movers = { klRate: delta, ...m };
      html += `
<p>At Δ = ${delta.toPrecision(3)} nats the optimum moves probability towards these outcomes…</p>
${table(
  ["outcome", "reward", "p", "φ_Δ"],
  m.gain.map((r) => [r.outcome, r.reward, r.p, r.phi]),
)}
<p>…and away from these.</p>
${table(
  ["outcome", "reward", "p", "φ_Δ"],
  m.lose.map((r) => [r.outcome, r.reward, r.p, r.phi]),
)}`;
    }
    results[name] = entry;
    sections.push(`${html}\n</section>`);
  }
  const page = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>bonkl report</title><link rel="icon" href="data:,">
<style>body{font-family:"DejaVu Sans",sans-serif;max-width:960px;margin:2em auto;padding:0 1em;color:#222;line-height:1.45}
figure{margin:1em 0}svg{max-width:100%;height:auto}table{border-collapse:collapse;margin:.5em 0 1.5em}
td,th{border-bottom:1px solid #ddd;padding:.2em .8em;text-align:right}th{font-weight:600}</style></head><body>
<h1>Best-of-N and the KL-constrained optimum</h1>
<p>A reference model p proposes outcomes; a reward r scores them. Aligning p means moving probability towards
high reward while staying close to p, measured by the KL divergence in nats. The best possible trade-off is the
exponential tilt φ ∝ p e^{λr}. Best-of-N (draw N outcomes, keep the best) is the simplest practical method; this
report shows, with exact numbers, how close it comes to the optimum and why, for long sequences, it meets it.
Every number is in results.json beside this page.</p>
${sections.join("\n")}
</body></html>
`;
  writeAtomic(
    join(out, "results.json"),
    `${JSON.stringify(results, (_k, v) => (typeof v === "number" && !Number.isFinite(v) ? (Number.isNaN(v) ? null : v > 0 ? "Infinity" : "-Infinity") : v), 2)}\n`,
  );
  writeAtomic(join(out, "report.html"), page);
  files.push(join(out, "results.json"), join(out, "report.html"));
  return { results, files };
}
