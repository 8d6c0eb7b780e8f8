import * as Plot from "@observablehq/plot";
import type { SequenceResult } from "../core/sequence/bonSequence.js";
import { type LegendEntry, legendMark, type Pt, sampleLine, swatch } from "./legend.js";
import { axisLabel, FONT_FAMILY, plotFrame, plotToSvg } from "./render.js";
import { FONT_SIZE, PALETTE } from "./style.js";
import {
  escapeXml,
  figureDocument,
  formatCount,
  formatNumber,
  formulaSpans,
  type MathPiece,
} from "./text.js";

const WIDTH = 900;
const HEIGHT = 640;
/** The fitted ½ log n curve is a lighter shade of the optimum's blue. */
const COLOR = { ...PALETTE, fit: "#5b8fd6" } as const;

type SeriesKind = "bon" | "limit" | "folklore" | "fit";

interface Series {
  readonly kind: SeriesKind;
  readonly label: string;
  /** (n, value) pairs, finite and sorted by n. */
  readonly points: readonly Pt[];
}

interface Panel {
  readonly title: string;
  /** The quantity and its limit, in notation, drawn after the title. */
  readonly formula: readonly MathPiece[];
  readonly yLabel: string;
  readonly series: readonly Series[];
  /** Values the y axis must include besides the series (0 for divergences). */
  readonly include: readonly number[];
  /** Shown in the frame when best-of-N has nothing finite to draw. */
  readonly emptyNote: string;
}

const SATURATED_NOTE =
  "infinite: with Δ ≥ log 1/p* the optimum keeps only\n" +
  "the top reward, and best-of-N still puts mass elsewhere";

const finite = (...xs: number[]): boolean => xs.every(Number.isFinite);

/**
 * Best-of-N over sequences against the KL-constrained optimum as the length n grows, for a sweep of runs
 * at one per-token budget: four panels sharing a logarithmic n axis, showing reward per token tending
 * to x*, KL to the reference per token tending to Δ (beside the folklore bound / n), KL to the optimum
 * per token tending to 0, and the un-normalised KL to the optimum growing like ½ log n. Returns one
 * standalone SVG document; non-finite values (KL to the optimum is infinite once saturated) are dropped.
 */
export function sequenceFigure(runs: readonly SequenceResult[], title?: string): string {
  const sorted = runs
    .filter((r) => Number.isFinite(r.length) && r.length > 0)
    .sort((a, b) => a.length - b.length);
  const ns = sorted.map((r) => r.length);
  const nMin = ns[0] ?? 1;
  const nMax = ns[ns.length - 1] ?? 10;
  // A little room either side of the extreme lengths, so the end points sit off the frame, and at least
  // a factor of 10 across, centred on the lengths, so a short sweep does not collapse to a point.
  const centre = Math.sqrt(nMin * nMax);
  const half = Math.max(Math.sqrt(nMax / nMin) * 1.8, Math.sqrt(10));
  const x0 = centre / half;
  const x1 = centre * half;

  const pick = (value: (r: SequenceResult) => number): Pt[] =>
    sorted.map((r) => [r.length, value(r)] as const).filter(([n, v]) => finite(n, v));
  /** A limit known at each run, carried flat to both ends of the axis. */
  const extend = (pts: Pt[]): Pt[] => {
    const first = pts[0];
    const last = pts[pts.length - 1];
    return first && last ? [[x0, first[1]], ...pts, [x1, last[1]]] : [];
  };

  const saturated = sorted.length > 0 && sorted.every((r) => r.saturated);
  const first = sorted[0];
  const sameRate = first !== undefined && sorted.every((r) => r.klRate === first.klRate);
  const xStar =
    sameRate && first && Number.isFinite(first.xStar) ? String(Number(first.xStar.toPrecision(4))) : null;
  const delta = sameRate && first ? first.optimal.klPerToken : Number.NaN;

  const halfLog: Pt[] = [
    [x0, 0.5 * Math.log(x0)],
    [x1, 0.5 * Math.log(x1)],
  ];
  const klToOptimal = pick((r) => r.bon.klToOptimal);
  const offset = fitOffset(klToOptimal);

  const panels: Panel[] = [
    {
      title: "reward per token",
      formula: ["E[R] / n under π", { sub: "N" }, " → x*"],
      yLabel: "reward per token",
      series: [
        {
          kind: "limit",
          label: xStar ? `optimum x* = ${xStar}` : "optimum x*",
          points: extend(pick((r) => r.xStar)),
        },
        { kind: "bon", label: "best-of-N", points: pick((r) => r.bon.rewardPerToken) },
      ],
      include: [],
      emptyNote: "no finite values to draw",
    },
    {
      title: "KL to reference per token",
      formula: ["KL(π", { sub: "N" }, " ‖ pⁿ) / n → Δ"],
      yLabel: "nats per token",
      series: [
        {
          kind: "limit",
          label: Number.isFinite(delta)
            ? saturated
              ? `saturation log 1/p* = ${formatNumber(delta, 3)}`
              : `budget Δ = ${formatNumber(delta, 3)}`
            : "budget Δ",
          points: extend(pick((r) => r.optimal.klPerToken)),
        },
        {
          kind: "folklore",
          label: "folklore (log N − (N−1)/N) / n",
          points: pick((r) => r.bon.klBound / r.length),
        },
        { kind: "bon", label: "best-of-N", points: pick((r) => r.bon.klToReferencePerToken) },
      ],
      include: [],
      emptyNote: "no finite values to draw",
    },
    {
      title: "KL to the optimum per token",
      formula: ["KL(π", { sub: "N" }, " ‖ φ⊗ⁿ) / n → 0"],
      yLabel: "nats per token",
      series: [
        {
          kind: "limit",
          label: "limit 0",
          points: sorted.length > 0 ? [[x0, 0] as const, [x1, 0] as const] : [],
        },
        { kind: "bon", label: "best-of-N", points: pick((r) => r.bon.klToOptimalPerToken) },
      ],
      include: [0],
      emptyNote: saturated ? SATURATED_NOTE : "no finite values to draw",
    },
    {
      title: "KL to the optimum vs ½ log n",
      formula: ["KL(π", { sub: "N" }, " ‖ φ⊗ⁿ) ≈ ½ log n + c"],
      yLabel: "nats",
      series: [
        { kind: "limit", label: "½ log n", points: halfLog },
        ...(offset === null
          ? []
          : [
              {
                kind: "fit",
                label: `½ log n ${offset < 0 ? "−" : "+"} ${formatNumber(Math.abs(offset), 3)} (fitted)`,
                points: halfLog.map(([n, v]) => [n, v + offset] as const),
              } as const,
            ]),
        { kind: "bon", label: "best-of-N", points: klToOptimal },
      ],
      include: [0],
      emptyNote: saturated ? SATURATED_NOTE : "no finite values to draw",
    },
  ];

  const subtitle = describe(sorted, sameRate);
  const header = title ? 48 : 30;
  const panelWidth = WIDTH / 2;
  const panelHeight = (HEIGHT - header) / 2;
  const parts = panels.map((panel, i) => {
    const svg = panelSvg(panel, panelWidth, panelHeight, [x0, x1]);
    const x = (i % 2) * panelWidth;
    const y = header + Math.floor(i / 2) * panelHeight;
    const heading =
      `<text x="12" y="19" fill="${COLOR.text}"><tspan font-size="13" font-weight="bold">` +
      `${escapeXml(panel.title)}</tspan><tspan font-size="12" fill="${COLOR.muted}" dx="10">` +
      `${formulaSpans(panel.formula)}</tspan></text>`;
    return `<g aria-label="panel" transform="translate(${x},${y})">${svg.trim()}${heading}</g>`;
  });

  return figureDocument(
    { width: WIDTH, height: HEIGHT },
    { fontFamily: FONT_FAMILY, fontSize: FONT_SIZE, text: COLOR.text, muted: COLOR.muted },
    title,
    escapeXml(subtitle),
    parts,
  );
}

/** One line under the title saying what was swept. */
function describe(runs: readonly SequenceResult[], sameRate: boolean): string {
  const first = runs[0];
  // Long sweeps are summarised by their ends so the line fits the figure.
  const lengths =
    runs.length <= 6
      ? `n = ${runs.map((r) => formatCount(r.length)).join(", ")}`
      : `n = ${formatCount(runs[0]!.length)} … ${formatCount(runs[runs.length - 1]!.length)} (${runs.length} lengths)`;
  if (!first || !sameRate) return `best-of-N against the KL-constrained optimum over sequences, ${lengths}`;
  const tied = runs.every((r) => Math.abs(r.logN - r.length * r.klRate) <= 1e-9 * Math.max(1, r.logN));
  const budget = `Δ = ${formatNumber(first.klRate, 3)} nats per token`;
  return tied
    ? `best-of-N with log N = n·Δ against the KL-constrained optimum, ${budget}; ${lengths}`
    : `best-of-N against the KL-constrained optimum, ${budget}; ${lengths}`;
}

/**
 * c in KL ≈ ½ log n + c, fitted by least squares over the longer half of the lengths, where the
 * asymptotic form holds best; null with fewer than two finite points.
 */
function fitOffset(points: readonly Pt[]): number | null {
  if (points.length < 2) return null;
  const tail = points.slice(Math.floor(points.length / 2));
  const c = tail.reduce((s, [n, v]) => s + v - 0.5 * Math.log(n), 0) / tail.length;
  return Number.isFinite(c) ? c : null;
}

function panelSvg(panel: Panel, width: number, height: number, xDomain: readonly [number, number]): string {
  const margin = { top: 30, right: 20, bottom: 40, left: 72 };
  const bon = panel.series.find((s) => s.kind === "bon");
  const hasData = (bon?.points.length ?? 0) > 0;
  // Without best-of-N points the reference lines alone would mislead: the panel only carries its note.
  const series = hasData ? panel.series : [];
  const values = [...series.flatMap((s) => s.points.map(([, v]) => v)), ...(hasData ? panel.include : [])];
  let y0 = values.reduce((m, v) => Math.min(m, v), Number.POSITIVE_INFINITY);
  let y1 = values.reduce((m, v) => Math.max(m, v), Number.NEGATIVE_INFINITY);
  if (!finite(y0, y1, y1 - y0)) [y0, y1] = [0, 1];
  if (!(y1 > y0)) {
    const half = Math.max(Math.abs(y1), 1) * 0.05;
    [y0, y1] = [y0 - half, y1 + half];
  }
  const span = y1 - y0;
  // Room above the data for the legend, and a little below so nothing sits on the axis.
  y1 += span * 0.3;
  y0 -= span * 0.06;

  const marks: Plot.Markish[] = [];
  for (const s of series) {
    const data = s.points.map(([n, v]) => ({ n, v }));
    if (s.kind === "limit") {
      marks.push(Plot.line(data, { x: "n", y: "v", stroke: COLOR.optimum, strokeWidth: 1.75 }));
    } else if (s.kind === "fit") {
      marks.push(
        Plot.line(data, { x: "n", y: "v", stroke: COLOR.fit, strokeWidth: 1.25, strokeDasharray: "2,3" }),
      );
    } else if (s.kind === "folklore") {
      marks.push(
        Plot.line(data, {
          x: "n",
          y: "v",
          stroke: COLOR.folklore,
          strokeWidth: 1.25,
          strokeDasharray: "5,4",
        }),
        Plot.dot(data, { x: "n", y: "v", r: 2.75, stroke: COLOR.folklore, strokeWidth: 1.25, fill: "white" }),
      );
    } else {
      marks.push(
        Plot.line(data, { x: "n", y: "v", stroke: COLOR.bestOfN, strokeWidth: 1.5 }),
        Plot.dot(data, { x: "n", y: "v", r: 3.75, fill: COLOR.bestOfN, stroke: "white", strokeWidth: 0.75 }),
      );
    }
  }
  if (!hasData) {
    marks.push(
      Plot.text([panel.emptyNote], {
        frameAnchor: "middle",
        text: (d: string) => d,
        fill: COLOR.muted,
        fontStyle: "italic",
        fontSize: 12,
        lineHeight: 1.4,
      }),
    );
  }
  if (hasData) {
    const entries = series.filter((s) => s.points.length > 0).map(legendEntry);
    marks.push(
      legendMark(entries, {
        row: 16,
        pad: 7,
        inset: 8,
        fontSize: FONT_SIZE,
        charWidth: 0.56,
        clearance: 6,
        search: "corners-then-grid",
        // The n axis is logarithmic: sample the series between their points in pixels.
        ink: ({ x, y }) =>
          x && y
            ? series.flatMap((s) =>
                sampleLine(s.points.map(([n, v]) => [Number(x(n)), Number(y(v))] as const)),
              )
            : [],
      }),
    );
  }

  const [xa, xb] = xDomain;
  // Powers of ten when the axis spans two or more of them, else 1-2-5 steps.
  const ticks: number[][] = [[], []];
  for (let k = Math.floor(Math.log10(xa)); k <= Math.ceil(Math.log10(xb)); k++) {
    for (const m of [1, 2, 5]) {
      const t = m * 10 ** k;
      if (t >= xa && t <= xb) ticks[m === 1 ? 0 : 1]!.push(t);
    }
  }
  const [decades = [], others = []] = ticks;
  const xTicks = decades.length >= 2 ? decades : [...decades, ...others].sort((a, b) => a - b);

  return plotToSvg({
    ...plotFrame(width, height, margin, { fontSize: FONT_SIZE, color: COLOR.text }),
    x: {
      type: "log",
      domain: [xa, xb],
      ticks: xTicks,
      tickFormat: (n: number) => formatCount(n),
      ...axisLabel("sequence length n (log scale)", 34),
      grid: true,
    },
    y: {
      ...(hasData ? {} : { axis: null }),
      domain: [y0, y1],
      ...axisLabel(panel.yLabel, 58),
      ticks: 5,
      grid: hasData,
    },
    marks,
  });
}

/** A series' legend row, with a swatch drawn like its marks. */
function legendEntry(s: Series): LegendEntry {
  const parts =
    s.kind === "limit"
      ? [swatch.line(COLOR.optimum, 1.75)]
      : s.kind === "fit"
        ? [swatch.line(COLOR.fit, 1.25, "2,3")]
        : s.kind === "folklore"
          ? [swatch.line(COLOR.folklore, 1.25, "5,4"), swatch.ring(COLOR.folklore, 2.75, 1.25)]
          : [swatch.line(COLOR.bestOfN, 1.5), swatch.dot(COLOR.bestOfN, 3.75)];
  return { label: s.label, swatch: parts };
}
