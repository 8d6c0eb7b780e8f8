import * as Plot from "@observablehq/plot";
import { axisLabel, plotFrame } from "./frame.js";
import {
  LEGEND_STYLE,
  type LegendEntry,
  legendMark,
  legendSize,
  type Placement,
  type Pt,
  placeLegend,
  sampleBox,
  swatch,
} from "./legend.js";
import { FONT_SIZE, PALETTE } from "./style.js";
import { type FigureDocument, plotToSvg } from "./svg.js";

/** One outcome's probability under the reference p, the optimum φ_Δ, best-of-N and soft best-of-N. */
export interface DistributionRow {
  readonly outcome: string;
  readonly p: number;
  readonly phi: number;
  readonly pi: number;
  readonly piSoft: number;
}

const SERIES = [
  { key: "p", label: "p (reference)", color: PALETTE.folklore },
  { key: "phi", label: "φ_Δ (optimum)", color: PALETTE.optimum },
  { key: "pi", label: "π_N (best-of-N)", color: PALETTE.bestOfN },
  { key: "piSoft", label: "soft best-of-N", color: PALETTE.softBon },
] as const;

const WIDTH = 640;
const MARGIN = { top: 16, right: 16, bottom: 40, left: 150 } as const;
/** Height of one band: a bar, or the gap between two outcomes. */
const ROW = 7;
const PADDING = 0.1;
const LABEL_CHARS = 22;

/**
 * The probabilities of the top outcomes under p, φ_Δ, π_N and soft best-of-N, as grouped horizontal
 * bars on a probability axis from 0 (never past 1). Labels come from the model: Plot sets them as text,
 * never as markup. The legend goes inside the frame where it hides no bar, else above the frame.
 */
export function distributionPlot(rows: readonly DistributionRow[], shown = 12): Plot.PlotOptions {
  const top = rows.slice(0, shown);
  // One band per (outcome, law), keyed by rank so that equal labels stay apart; the outcome's label is
  // the tick of its second bar, next to the group's middle.
  const band = (i: number, s: number) => `${i}:${s}`;
  const data = top.flatMap((row, i) =>
    SERIES.map((s, j) => ({ band: band(i, j), series: s.label, color: s.color, value: row[s.key] })),
  );
  const labels = new Map(top.map((row, i) => [band(i, 1), shorten(row.outcome, LABEL_CHARS)]));
  const domain = top.flatMap((_, i) => [...SERIES.map((_, j) => band(i, j)), `${i}:gap`]);
  const largest = data.reduce((m, d) => (Number.isFinite(d.value) ? Math.max(m, d.value) : m), 0);
  // Probabilities live in [0, 1]: a little room past the longest bar, never beyond 1.
  const xMax = Math.min(1, largest > 0 ? largest * 1.08 : 1);
  const entries: LegendEntry[] = SERIES.map((s) => ({ label: s.label, swatch: [swatch.line(s.color, 8)] }));

  // The bars in pixels, from Plot's band scale (equal inner and outer padding, centred).
  const size = legendSize(entries, LEGEND_STYLE);
  const place = (marginTop: number): { legend: Placement; height: number } => {
    const height = marginTop + MARGIN.bottom + 30 + domain.length * ROW;
    const frame = {
      left: MARGIN.left,
      right: WIDTH - MARGIN.right,
      top: marginTop,
      bottom: height - MARGIN.bottom,
    };
    const step = (frame.bottom - frame.top) / (domain.length - PADDING + 2 * PADDING);
    const px = (v: number) => frame.left + (v / xMax) * (frame.right - frame.left);
    const ink: Pt[] = data.flatMap((d) => {
      const k = domain.indexOf(d.band);
      const y = frame.top + step * (PADDING + k);
      return Number.isFinite(d.value) && d.value > 0
        ? sampleBox(frame.left, y, px(Math.min(d.value, xMax)) - frame.left, step * (1 - PADDING))
        : [];
    });
    return { legend: placeLegend(entries, LEGEND_STYLE, frame, ink, "corners-then-grid"), height };
  };
  let { legend, height } = place(MARGIN.top);
  let marginTop: number = MARGIN.top;
  if (legend.covered > 0) {
    // No room among the bars: above them, in a taller top margin.
    marginTop = MARGIN.top + size.h + 8;
    height = marginTop + MARGIN.bottom + 30 + domain.length * ROW;
    legend = { left: WIDTH - MARGIN.right - size.w, top: 8, width: size.w, height: size.h, covered: 0 };
  }

  return {
    ...plotFrame(WIDTH, height, { ...MARGIN, top: marginTop }, FONT_SIZE),
    x: { ...axisLabel("probability", 32), grid: true, domain: [0, xMax] },
    y: {
      domain,
      tickFormat: (k: string) => labels.get(k) ?? "",
      tickSize: 0,
      label: null,
      padding: PADDING,
    },
    color: { type: "identity" },
    marks: [
      Plot.barX(data, { x: "value", y: "band", fill: (d: (typeof data)[number]) => d.color }),
      Plot.ruleX([0]),
      legendMark(entries, legend, LEGEND_STYLE),
    ],
  };
}

/** The distributions figure as a standalone SVG document (see {@link distributionPlot}). */
export function distributionFigure(
  document: FigureDocument,
  rows: readonly DistributionRow[],
  shown?: number,
): string {
  return plotToSvg(distributionPlot(rows, shown), document);
}

function shorten(s: string, max: number): string {
  const chars = [...s];
  return chars.length <= max ? s : `${chars.slice(0, max - 1).join("")}…`;
}
