import * as Plot from "@observablehq/plot";
import { axisLabel, emptyNote, plotFrame, spread } from "./frame.js";
import {
  frameOf,
  type Geometry,
  LEGEND_STYLE,
  type LegendEntry,
  legendMark,
  type Placement,
  type Pt,
  placeLegend,
  projector,
  type Scale,
  sampleBox,
  sampleLine,
  swatch,
} from "./legend.js";
import { FONT_SIZE, PALETTE } from "./style.js";
import { type FigureDocument, headerHeight, type PanelFigure, panelsToSvg } from "./svg.js";
import { formatCount, formatNumber, math, superscript } from "./text.js";

/** One run of `bonkl sequence`: what the figure reads from a sequence result (core's or the summary's). */
export interface SequenceRun {
  readonly length: number;
  readonly klRate: number;
  readonly logN: number;
  readonly xStar: number;
  readonly saturated: boolean;
  readonly optimal: { readonly klPerToken: number };
  readonly bon: {
    readonly rewardPerToken: number;
    readonly klToReferencePerToken: number;
    readonly klToOptimal: number;
    readonly klToOptimalPerToken: number;
    readonly klBound: number;
  };
}

export interface SequenceOptions {
  readonly title?: string;
  /** A length to mark with a dotted rule in every panel (the explorer's chosen n). */
  readonly chosenLength?: number;
}

const WIDTH = 900;
const HEIGHT = 640;
/** The fitted ½ log n curve is a lighter shade of the optimum's blue. */
const COLOR = { ...PALETTE, fit: "#5b8fd6" } as const;
const MARGIN = { top: 30, right: 20, bottom: 40, left: 72 } as const;

type SeriesKind = "bon" | "limit" | "folklore" | "fit";

interface Series {
  readonly kind: SeriesKind;
  /** Notation: `π_N`, `φ^{⊗n}`. */
  readonly label: string;
  /** (n, value) pairs, finite and sorted by n. */
  readonly points: readonly Pt[];
}

interface PanelSpec {
  readonly title: string;
  /** The quantity and its limit, in notation, drawn after the title. */
  readonly formula: string;
  readonly yLabel: string;
  readonly series: readonly Series[];
  /** Values the y axis must include besides the series (0 for divergences on a linear axis). */
  readonly include: readonly number[];
  /** A logarithmic y axis, for a quantity that decays to 0 over decades of n. */
  readonly logY: boolean;
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
 * per token tending to 0 (on a log axis: it falls over decades, like ½ log n / n), and the un-normalised
 * KL to the optimum growing like ½ log n. Non-finite values (KL to the optimum is infinite once
 * saturated) are dropped.
 */
export function sequencePanels(runs: readonly SequenceRun[], options: SequenceOptions = {}): PanelFigure {
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

  const pick = (value: (r: SequenceRun) => number): Pt[] =>
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
  const perToken = pick((r) => r.bon.klToOptimalPerToken);
  // A log axis needs positive values; a sweep with a zero (or a rounding below it) stays linear.
  const perTokenLog = perToken.length > 0 && perToken.every(([, v]) => v > 0);

  const specs: PanelSpec[] = [
    {
      title: "reward per token",
      formula: "E[R] / n under π_N → x*",
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
      logY: false,
      emptyNote: "no finite values to draw",
    },
    {
      title: "KL to reference per token",
      formula: "KL(π_N ‖ p^n) / n → Δ",
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
      logY: false,
      emptyNote: "no finite values to draw",
    },
    {
      title: "KL to the optimum per token",
      formula: "KL(π_N ‖ φ^{⊗n}) / n → 0",
      yLabel: perTokenLog ? "nats per token (log scale)" : "nats per token",
      series: [
        ...(perTokenLog
          ? []
          : [
              {
                kind: "limit",
                label: "limit 0",
                points: sorted.length > 0 ? [[x0, 0] as const, [x1, 0] as const] : [],
              } as const,
            ]),
        { kind: "bon", label: "best-of-N", points: perToken },
      ],
      include: perTokenLog ? [] : [0],
      logY: perTokenLog,
      emptyNote: saturated ? SATURATED_NOTE : "no finite values to draw",
    },
    {
      title: "KL to the optimum vs ½ log n",
      formula: "KL(π_N ‖ φ^{⊗n}) ≈ ½ log n + c",
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
      logY: false,
      emptyNote: saturated ? SATURATED_NOTE : "no finite values to draw",
    },
  ];

  const header = headerHeight(options.title);
  const panelWidth = WIDTH / 2;
  const panelHeight = (HEIGHT - header) / 2;
  const chosen =
    options.chosenLength !== undefined && options.chosenLength >= x0 && options.chosenLength <= x1
      ? options.chosenLength
      : undefined;
  return {
    width: WIDTH,
    height: HEIGHT,
    title: options.title,
    subtitle: math(describe(sorted, sameRate, chosen)),
    header,
    panels: specs.map((spec, i) => ({
      title: spec.title,
      formula: math(spec.formula),
      x: (i % 2) * panelWidth,
      y: header + Math.floor(i / 2) * panelHeight,
      options: panelPlot(spec, panelWidth, panelHeight, [x0, x1], chosen),
    })),
  };
}

/** The sequence figure as one standalone SVG document (see {@link sequencePanels}). */
export function sequenceFigure(
  document: FigureDocument,
  runs: readonly SequenceRun[],
  options: SequenceOptions = {},
): string {
  return panelsToSvg(sequencePanels(runs, options), document);
}

/** One line under the title saying what was swept. */
function describe(runs: readonly SequenceRun[], sameRate: boolean, chosen: number | undefined): string {
  const first = runs[0];
  // Long sweeps are summarised by their ends so the line fits the figure.
  const lengths =
    runs.length <= 6
      ? `n = ${runs.map((r) => formatCount(r.length)).join(", ")}`
      : `n = ${formatCount(runs[0]!.length)} … ${formatCount(runs[runs.length - 1]!.length)} (${runs.length} lengths)`;
  const mark = chosen === undefined ? "" : `; dotted: the chosen n = ${formatCount(chosen)}`;
  if (!first || !sameRate)
    return `best-of-N against the KL-constrained optimum over sequences, ${lengths}${mark}`;
  const tied = runs.every((r) => Math.abs(r.logN - r.length * r.klRate) <= 1e-9 * Math.max(1, r.logN));
  const budget = `Δ = ${formatNumber(first.klRate, 3)} nats per token`;
  return tied
    ? `best-of-N with N = e^{nΔ} against the KL-constrained optimum, ${budget}; ${lengths}${mark}`
    : `best-of-N against the KL-constrained optimum, ${budget}; ${lengths}${mark}`;
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

/** The y domain with `headroom` (a fraction of the span, in log units on a log axis) for the legend. */
function yScale(values: readonly number[], logY: boolean, headroom: number): Scale {
  if (logY) {
    const [l0, l1] = spread(values.map(Math.log10));
    const span = l1 - l0;
    return { type: "log", domain: [10 ** (l0 - span * 0.06), 10 ** (l1 + span * headroom)] };
  }
  const [y0, y1] = spread(values);
  const span = y1 - y0;
  return { type: "linear", domain: [y0 - span * 0.06, y1 + span * headroom] };
}

function panelPlot(
  panel: PanelSpec,
  width: number,
  height: number,
  xDomain: readonly [number, number],
  chosen: number | undefined,
): Plot.PlotOptions {
  const bon = panel.series.find((s) => s.kind === "bon");
  const hasData = (bon?.points.length ?? 0) > 0;
  // Without best-of-N points the reference lines alone would mislead: the panel only carries its note.
  const series = hasData ? panel.series : [];
  const values = [...series.flatMap((s) => s.points.map(([, v]) => v)), ...(hasData ? panel.include : [])];
  const entries = series.filter((s) => s.points.length > 0).map(legendEntry);

  // The chosen length's rule rises to the data's top, leaving the headroom above for the legend.
  const yTop = values.reduce((m, v) => Math.max(m, v), Number.NEGATIVE_INFINITY);
  // Room above the data for the legend: grown until the legend covers no line or dot.
  let y = yScale(values, panel.logY, 0.3);
  let legend: Placement | undefined;
  for (const headroom of hasData ? [0.3, 0.45, 0.6, 0.8] : []) {
    y = yScale(values, panel.logY, headroom);
    const geometry: Geometry = { width, height, margin: MARGIN, x: { type: "log", domain: xDomain }, y };
    const project = projector(geometry);
    const ink = series.flatMap((s) => [
      ...sampleLine(s.points, project),
      ...(s.kind === "bon" || s.kind === "folklore"
        ? s.points.map(project).flatMap(([px, py]) => sampleBox(px - 4, py - 4, 8, 8))
        : []),
    ]);
    if (chosen !== undefined) {
      const [px, py] = project([chosen, yTop]);
      ink.push(
        ...sampleLine([
          [px, py],
          [px, frameOf(geometry).bottom],
        ]),
      );
    }
    legend = placeLegend(entries, LEGEND_STYLE, frameOf(geometry), ink, "corners-then-grid");
    if (legend.covered === 0) break;
  }

  const marks: Plot.Markish[] = [];
  if (chosen !== undefined && hasData) {
    marks.push(
      Plot.ruleX([chosen], {
        y1: y.domain[0],
        y2: yTop,
        stroke: PALETTE.rule,
        strokeWidth: 1,
        strokeDasharray: "2,3",
      }),
    );
  }
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
  if (!hasData) marks.push(emptyNote(panel.emptyNote));
  if (legend) marks.push(legendMark(entries, legend, LEGEND_STYLE));

  const [xa, xb] = xDomain;
  return {
    ...plotFrame(width, height, MARGIN, FONT_SIZE),
    x: {
      type: "log",
      domain: [xa, xb],
      ticks: logTicks(xa, xb),
      tickFormat: (n: number) => formatCount(n),
      ...axisLabel("sequence length n (log scale)", 34),
      grid: true,
    },
    y: {
      ...(hasData ? {} : { axis: null }),
      type: y.type,
      domain: [...y.domain],
      ...axisLabel(panel.yLabel, 58),
      ...(y.type === "log"
        ? { ticks: logTicks(y.domain[0], y.domain[1]), tickFormat: formatPower }
        : { ticks: 5 }),
      grid: hasData,
    },
    marks,
  };
}

/** Powers of ten when the axis spans two or more of them, else 1-2-5 steps. */
function logTicks(a: number, b: number): number[] {
  const decades: number[] = [];
  const others: number[] = [];
  for (let k = Math.floor(Math.log10(a)); k <= Math.ceil(Math.log10(b)); k++) {
    for (const m of [1, 2, 5]) {
      const t = m * 10 ** k;
      if (t >= a && t <= b) (m === 1 ? decades : others).push(t);
    }
  }
  return decades.length >= 2 ? decades : [...decades, ...others].sort((u, v) => u - v);
}

/** A tick of a log axis below 1: 10⁻³, 2·10⁻⁴; from 1 up as a count. */
function formatPower(v: number): string {
  if (v >= 1) return formatCount(v);
  const k = Math.floor(Math.log10(v) + 1e-9);
  const m = Math.round(v / 10 ** k);
  const power = `10${superscript(k)}`;
  return m === 1 ? power : `${m}·${power}`;
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
