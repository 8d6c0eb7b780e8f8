import * as Plot from "@observablehq/plot";
import { axisLabel, plotFrame, titleMark } from "./frame.js";
import { FONT_SIZE, HALO, PALETTE } from "./style.js";
import { type FigureDocument, plotToSvg } from "./svg.js";
import { formatNumber } from "./text.js";

/** One word: its reward and its probability under the reference p and under the optimum φ_Δ. */
export interface WordMove {
  readonly outcome: string;
  readonly reward: number;
  readonly p: number;
  readonly phi: number;
}

const WIDTH = 720;
const ROW = 22;
/** Words that gain are drawn in the optimum's blue; words that lose in an orange of this figure only. */
const COLOR = { ...PALETTE, lose: "#d9822b", zero: "#6f6f6f" } as const;
/** Room kept beside each bar end for its "p → φ" label, in pixels (about 14 characters). */
const LABEL_ROOM = 96;

/** A probability as a percentage with two significant digits: 0.024%, 3.7%. */
export function percent(x: number): string {
  return `${formatNumber(x * 100, 2)}%`;
}

/** A reward with its sign, as AFINN writes valence: +3, −2, 0. */
function signed(r: number): string {
  const s = formatNumber(Math.abs(r), 3);
  return r > 0 ? `+${s}` : r < 0 ? `−${s}` : s;
}

/**
 * The words that gain and lose the most probability when the reference p is aligned to the optimum φ_Δ:
 * one horizontal bar per word, its change φ_Δ(w) − p(w) in percentage points (gains to the right in
 * blue, losses to the left in orange), labelled with p → φ_Δ, the word and its reward on the axis.
 * Words are data: Plot writes them as text nodes, which the serialiser escapes.
 */
export function wordsPlot(
  gain: readonly WordMove[],
  lose: readonly WordMove[],
  klRate: number,
  title?: string,
): Plot.PlotOptions {
  const rows = [
    ...gain.map((w) => ({ ...w, side: "gain" as const })),
    ...lose.map((w) => ({ ...w, side: "lose" as const })),
  ]
    .filter((w) => Number.isFinite(w.p) && Number.isFinite(w.phi))
    .map((w, i) => ({ ...w, i, change: (w.phi - w.p) * 100 }));
  const labels = rows.map((w) => `${w.outcome} (${signed(w.reward)})`);
  const longest = labels.reduce((m, l) => Math.max(m, l.length), 0);

  const margin = { top: title ? 58 : 36, right: 16, bottom: 44, left: Math.max(80, 14 + longest * 7) };
  const height = margin.top + margin.bottom + Math.max(rows.length, 1) * ROW;
  const frameWidth = WIDTH - margin.left - margin.right;

  // The x range holds every bar plus room for its label on the outer side; 0 is always shown.
  const lo = rows.reduce((m, w) => Math.min(m, w.change), 0);
  const hi = rows.reduce((m, w) => Math.max(m, w.change), 0);
  const padLeft = lo < 0 ? LABEL_ROOM : 8;
  const padRight = hi > 0 ? LABEL_ROOM : 8;
  const span = hi - lo || 1;
  const unitsPerPixel = span / Math.max(frameWidth - padLeft - padRight, 1);
  const x0 = lo - padLeft * unitsPerPixel;
  const x1 = hi + padRight * unitsPerPixel;

  const fill = (d: (typeof rows)[number]) => (d.side === "gain" ? COLOR.optimum : COLOR.lose);
  const subtitle =
    `change in probability from the reference p to the optimum φ at Δ = ${formatNumber(klRate, 3)} ` +
    "nats per word; labels: p → φ";

  const marks: Plot.Markish[] = [
    Plot.barX(rows, { x1: 0, x2: "change", y: "i", fill, insetTop: 3, insetBottom: 3 }),
    Plot.ruleX([0], { stroke: COLOR.zero, strokeWidth: 1 }),
    // Each label sits beyond its bar's outer end: right of gains, left of losses.
    ...[true, false].map((gains) =>
      Plot.text(
        rows.filter((d) => d.change >= 0 === gains),
        {
          x: "change",
          y: "i",
          text: (d: (typeof rows)[number]) => `${percent(d.p)} → ${percent(d.phi)}`,
          textAnchor: gains ? "start" : "end",
          dx: gains ? 5 : -5,
          fill: COLOR.muted,
          ...HALO,
        },
      ),
    ),
    Plot.text([subtitle], {
      frameAnchor: "top-left",
      dx: -margin.left + 8,
      dy: -margin.top + (title ? 36 : 14),
      textAnchor: "start",
      fontSize: 12,
      fill: COLOR.muted,
    }),
    titleMark(title, margin),
  ];

  return {
    ...plotFrame(WIDTH, height, margin, FONT_SIZE),
    x: {
      domain: [x0, x1],
      grid: true,
      tickFormat: (v: number) => `${v > 0 ? "+" : ""}${formatNumber(v, 3)}`,
      ...axisLabel("φ(w) − p(w), percentage points", 36),
    },
    y: {
      type: "band",
      domain: rows.map((w) => w.i),
      tickFormat: (i: number) => labels[i] ?? "",
      tickSize: 0,
      label: null,
    },
    marks,
  };
}

/** The words figure as a standalone SVG document (see {@link wordsPlot}). */
export function wordsFigure(
  document: FigureDocument,
  gain: readonly WordMove[],
  lose: readonly WordMove[],
  klRate: number,
  title?: string,
): string {
  return plotToSvg(wordsPlot(gain, lose, klRate, title), document);
}
