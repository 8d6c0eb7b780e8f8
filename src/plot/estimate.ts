import * as Plot from "@observablehq/plot";
import type { PooledEstimate } from "../core/estimate/pooled.js";
import { axisLabel, plotFrame, plotToSvg } from "./render.js";
import { FONT_SIZE, PALETTE } from "./style.js";

const WIDTH = 720;
const HEIGHT = 460;
/** The unbiased best-of-N estimates: a darker red than the plug-in points they are drawn beside. */
const UNBIASED = "#8c1c2c";

/**
 * The reward–KL frontier estimated from samples: the tilt of the empirical law over the KL grid (line);
 * best-of-N on the same empirical law at the compared N (filled: directly comparable with the line); the
 * unbiased best-of-N reward with its bootstrap interval at the same KL (hollow, with bars: it estimates the
 * model's best-of-N, drawing without replacement, so it sits above the plug-in value when N is near m);
 * and those points at the folklore KL (grey). Returns an SVG document.
 */
export function estimateFigure(
  r: PooledEstimate,
  title = "Reward against KL, estimated from samples",
): string {
  const finite = (...xs: number[]) => xs.every(Number.isFinite);
  const tilt = [{ kl: 0, reward: r.bon[0]!.reward }, ...r.tilt]
    .filter((t) => finite(t.kl, t.reward))
    .sort((a, b) => a.kl - b.kl);
  const bon = r.bon.filter((b) => finite(b.kl, b.reward));
  const cis = bon.filter((b) => b.rewardCi !== null);
  const xMax = Math.max(...bon.map((b) => b.klBound), ...tilt.map((t) => t.kl)) * 1.05 || 1;
  const matched = r.comparison.filter((c) => finite(c.kl, c.bonReward));
  const legend = [
    { text: "tilt of the empirical law", color: PALETTE.optimum },
    { text: "best-of-N on the empirical law (the law the tilt is computed on)", color: PALETTE.bestOfN },
    { text: "best-of-N, unbiased reward with 95% CI, at the same KL", color: UNBIASED },
    { text: "the unbiased points at the folklore KL log N − (N−1)/N", color: PALETTE.folklore },
  ];
  return plotToSvg({
    ...plotFrame(
      WIDTH,
      HEIGHT,
      { top: 84, right: 24, bottom: 48, left: 64 },
      { fontSize: FONT_SIZE, color: PALETTE.text },
    ),
    x: { domain: [0, xMax], ...axisLabel("KL(policy ‖ reference), nats (mean over prompts)", 36) },
    y: { grid: true, ...axisLabel("reward (mean over prompts)", 48) },
    marks: [
      Plot.line(tilt, { x: "kl", y: "reward", stroke: PALETTE.optimum, strokeWidth: 2 }),
      Plot.ruleX(cis, { x: "kl", y1: (b) => b.rewardCi![0], y2: (b) => b.rewardCi![1], stroke: UNBIASED }),
      Plot.dot(bon, { x: "klBound", y: "reward", stroke: PALETTE.folklore, r: 2.5 }),
      Plot.dot(bon, { x: "kl", y: "reward", stroke: UNBIASED, r: 2.5 }),
      Plot.dot(matched, { x: "kl", y: "bonReward", fill: PALETTE.bestOfN, r: 3.5 }),
      Plot.text([title], {
        frameAnchor: "top-left",
        dy: -70,
        fontWeight: "bold",
        fontSize: 13,
        fill: PALETTE.text,
      }),
      ...legend.map((l, k) =>
        Plot.text([`● ${l.text}`], {
          frameAnchor: "top-left",
          dy: -52 + 13 * k,
          fill: l.color,
          fontSize: FONT_SIZE,
        }),
      ),
      Plot.text([`${r.prompts} prompts, ${r.samples} samples`], {
        frameAnchor: "bottom-right",
        dx: -6,
        dy: -6,
        fill: PALETTE.muted,
      }),
    ],
  });
}
