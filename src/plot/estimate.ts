import * as Plot from "@observablehq/plot";
import type { PooledEstimate } from "../core/estimate/pooled.js";
import { axisLabel, plotFrame, titleMark } from "./frame.js";
import { LEGEND_STYLE, type LegendEntry, legendMark, legendSize, swatch } from "./legend.js";
import { FONT_SIZE, PALETTE } from "./style.js";
import { type FigureDocument, plotToSvg } from "./svg.js";

const WIDTH = 720;
const HEIGHT = 460;
/** The unbiased best-of-N estimates: a darker red than the plug-in points they are drawn beside. */
const UNBIASED = "#8c1c2c";

/**
 * The reward–KL frontier estimated from samples: the tilt of the empirical law over the KL grid (line);
 * best-of-N on the same empirical law at the compared N (filled: directly comparable with the line); the
 * unbiased best-of-N reward with its bootstrap interval at the same KL (hollow, with bars: it estimates the
 * model's best-of-N, drawing without replacement, so it sits above the plug-in value when N is near m);
 * and those points at the folklore KL (grey).
 */
export function estimatePlot(
  r: PooledEstimate,
  title = "Reward against KL, estimated from samples",
): Plot.PlotOptions {
  const finite = (...xs: number[]) => xs.every(Number.isFinite);
  const tilt = [{ kl: 0, reward: r.bon[0]!.reward }, ...r.tilt]
    .filter((t) => finite(t.kl, t.reward))
    .sort((a, b) => a.kl - b.kl);
  const bon = r.bon.filter((b) => finite(b.kl, b.reward));
  const cis = bon.filter((b) => b.rewardCi !== null);
  const xMax = Math.max(...bon.map((b) => b.klBound), ...tilt.map((t) => t.kl)) * 1.05 || 1;
  const matched = r.comparison.filter((c) => finite(c.kl, c.bonReward));
  // The legend sits above the frame, between the title and the plot: its swatches are drawn as the marks.
  const entries: LegendEntry[] = [
    { label: "tilt of the empirical law", swatch: [swatch.line(PALETTE.optimum, 2)] },
    {
      label: "best-of-N on the empirical law (the law the tilt is computed on)",
      swatch: [swatch.dot(PALETTE.bestOfN, 3.5)],
    },
    {
      label: "best-of-N, unbiased reward with 95% CI, at the same KL",
      swatch: [swatch.bar(UNBIASED, 1, 6), swatch.ring(UNBIASED, 2.5, 1)],
    },
    {
      label: "the unbiased points at the folklore KL log N − (N−1)/N",
      swatch: [swatch.ring(PALETTE.folklore, 2.5, 1)],
    },
  ];
  const margin = { top: 104, right: 24, bottom: 48, left: 64 };
  const size = legendSize(entries, LEGEND_STYLE);
  const legend = { left: margin.left, top: 24, width: size.w, height: size.h, covered: 0 };
  return {
    ...plotFrame(WIDTH, HEIGHT, margin, FONT_SIZE),
    x: { domain: [0, xMax], ...axisLabel("KL(policy ‖ reference), nats (mean over prompts)", 36) },
    y: { grid: true, ...axisLabel("reward (mean over prompts)", 48) },
    marks: [
      Plot.line(tilt, { x: "kl", y: "reward", stroke: PALETTE.optimum, strokeWidth: 2 }),
      Plot.ruleX(cis, { x: "kl", y1: (b) => b.rewardCi![0], y2: (b) => b.rewardCi![1], stroke: UNBIASED }),
      Plot.dot(bon, { x: "klBound", y: "reward", stroke: PALETTE.folklore, strokeWidth: 1, r: 2.5 }),
      Plot.dot(bon, { x: "kl", y: "reward", stroke: UNBIASED, strokeWidth: 1, r: 2.5 }),
      Plot.dot(matched, { x: "kl", y: "bonReward", fill: PALETTE.bestOfN, r: 3.5 }),
      titleMark(title, margin),
      legendMark(entries, legend, LEGEND_STYLE),
      Plot.text([`${r.prompts} prompts, ${r.samples} samples`], {
        frameAnchor: "bottom-right",
        dx: -6,
        dy: -6,
        fill: PALETTE.muted,
      }),
    ],
  };
}

/** The estimate figure as a standalone SVG document (see {@link estimatePlot}). */
export function estimateFigure(document: FigureDocument, r: PooledEstimate, title?: string): string {
  return plotToSvg(estimatePlot(r, title), document);
}
