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
  sampleBox,
  sampleLine,
  swatch,
} from "./legend.js";
import { CHAR_WIDTH, FONT_SIZE, PALETTE } from "./style.js";
import { type FigureDocument, headerHeight, type PanelFigure, panelsToSvg } from "./svg.js";
import { formatCount, formatNumber, math } from "./text.js";

/** What the figure reads from `ldpSummary` (core/sequence/ldp.ts): the table's points. */
export interface LdpData {
  readonly lambda: number;
  readonly xStar: number;
  readonly saturated: boolean;
  readonly rate: readonly { readonly x: number; readonly J: number; readonly Ip: number }[];
  readonly scgf: readonly {
    readonly t: number;
    readonly value: number;
    readonly renyiCrossEntropyForm: number | null;
    readonly renyiDivergenceForm: number | null;
  }[];
}

/**
 * The rate functions and Γ sampled finely enough to draw as smooth curves (app/ldpCurves.ts); the
 * table's points are then drawn as marks only where they carry something of their own.
 */
export interface LdpCurves {
  readonly rate: readonly { readonly x: number; readonly J: number; readonly Ip: number }[];
  readonly scgf: readonly { readonly t: number; readonly value: number }[];
}

/** The exact finite-n tail −(1/n) log P_φ(S_n ≥ n x) at one length, as `ldpSummary(…).check` gives it. */
export interface LdpCheck {
  readonly n: number;
  readonly points: readonly { readonly x: number; readonly minusLogTailOverN: number }[];
}

export interface LdpOptions {
  readonly title?: string;
  readonly checks?: readonly LdpCheck[];
  /** Smooth curves; without them the lines join the table's points. */
  readonly curves?: LdpCurves;
  /** The budget Δ: marks I_p(x*) = Δ on Cramér's rate (the explorer's chosen Δ). */
  readonly budget?: number;
}

const WIDTH = 900;
const HEIGHT = 380;
/** Quantities under the optimum φ in its blue, the reference's Cramér rate in the folklore grey. */
const COLOR = {
  ...PALETTE,
  rate: PALETTE.optimum,
  cramer: PALETTE.folklore,
  scgf: PALETTE.optimum,
  crossEntropy: PALETTE.bestOfN,
  divergence: "#e8a33d",
} as const;
/** The check dots run from the lightest shade (shortest n) to the darkest (longest n). */
const CHECK_SHADES = ["#f2a5ae", "#8e1b2c"] as const;
const CROSS = 5.5;
const RING = 5.5;
const MARGIN = { top: 30, right: 20, bottom: 40, left: 62 } as const;
const HEADROOMS = [0.25, 0.4, 0.55, 0.75, 1];

const finite = (...xs: number[]): boolean => xs.every(Number.isFinite);

/** Finite (x, y) pairs, sorted by x. */
function points<T>(rows: readonly T[], x: (d: T) => number, y: (d: T) => number | null): Pt[] {
  const out: Pt[] = [];
  for (const d of rows) {
    const [a, b] = [x(d), y(d)];
    if (b !== null && finite(a, b)) out.push([a, b]);
  }
  return out.sort((p, q) => p[0] - q[0]);
}

/**
 * The large deviations of the per-token reward S_n/n under the KL-constrained optimum φ = φ_{λ*}, two
 * panels:
 * - the rate J_Δ(x) under φ (zero at x*, marked), beside Cramér's rate I_p(x) under the reference, with
 *   the exact finite-n tails −(1/n) log P_φ(S_n ≥ n x) from `checks` as dots, one shade per length;
 * - the scaled cumulant generating function Γ(t) = Λ(λ*+t) − Λ(λ*), with its Rényi cross-entropy and
 *   Rényi divergence forms as circles and crosses at the table's t, where each is defined.
 * Non-finite values (J is +∞ outside [r_min, r_max]; a Rényi form is null outside its orders) are dropped.
 */
export function ldpPanels(summary: LdpData, options: LdpOptions = {}): PanelFigure {
  const header = headerHeight(options.title);
  const panelWidth = WIDTH / 2;
  const panelHeight = HEIGHT - header;
  const checks = (options.checks ?? [])
    .filter((c) => Number.isFinite(c.n) && c.n > 0)
    .sort((a, b) => a.n - b.n);
  return {
    width: WIDTH,
    height: HEIGHT,
    title: options.title,
    subtitle: math(subtitle(summary, checks)),
    header,
    panels: [
      {
        title: "rate function",
        formula: math("J_Δ(x) beside Cramér's I_p(x)"),
        x: 0,
        y: header,
        options: ratePlot(summary, checks, options, panelWidth, panelHeight),
      },
      {
        title: "scaled cumulant generating function",
        formula: math("Γ(t)"),
        x: panelWidth,
        y: header,
        options: scgfPlot(summary, options.curves, panelWidth, panelHeight),
      },
    ],
  };
}

/** The large-deviations figure as one standalone SVG document (see {@link ldpPanels}). */
export function ldpFigure(document: FigureDocument, summary: LdpData, options: LdpOptions = {}): string {
  return panelsToSvg(ldpPanels(summary, options), document);
}

/** One line under the title: the optimum, and what the dots are. */
function subtitle(summary: LdpData, checks: readonly LdpCheck[]): string {
  let text = "per-token reward S_n/n under the optimum φ";
  if (summary.saturated) text += ": saturated, λ* = ∞";
  else if (Number.isFinite(summary.lambda)) text += `: λ* = ${formatNumber(summary.lambda, 4)}`;
  if (Number.isFinite(summary.xStar)) text += `, x* = ${formatNumber(summary.xStar, 4)}`;
  if (checks.some((c) => c.points.some((p) => finite(p.x, p.minusLogTailOverN)))) {
    text += "; dots: exact −(1/n) log P_φ(S_n ≥ n x)";
  }
  return text;
}

/** Domain over `values` and 0 with `headroom` (a fraction of the span) above, for the legend. */
function yDomain(values: readonly number[], headroom: number): [number, number] {
  const [y0, y1] = spread([0, ...values]);
  const span = y1 - y0;
  return [y0 - span * 0.04, y1 + span * headroom];
}

function xDomain(values: readonly number[]): [number, number] {
  const [x0, x1] = spread(values.length > 0 ? values : [0, 1]);
  const pad = (x1 - x0) * 0.03;
  return [x0 - pad, x1 + pad];
}

/**
 * The legend at the first headroom where it covers no ink, and the y domain that goes with it, for a
 * panel of `size` with linear scales over `x` and the `values`.
 */
function fitLegend(
  entries: readonly LegendEntry[],
  size: { readonly width: number; readonly height: number },
  x: readonly [number, number],
  values: readonly number[],
  inkAt: (project: (p: Pt) => Pt, geometry: Geometry) => Pt[],
): { y: [number, number]; legend: Placement } {
  let y = yDomain(values, HEADROOMS[0]!);
  let legend: Placement | undefined;
  for (const headroom of HEADROOMS) {
    y = yDomain(values, headroom);
    const geometry: Geometry = {
      ...size,
      margin: MARGIN,
      x: { type: "linear", domain: x },
      y: { type: "linear", domain: y },
    };
    const ink = inkAt(projector(geometry), geometry);
    legend = placeLegend(entries, LEGEND_STYLE, frameOf(geometry), ink, "corners-then-grid");
    if (legend.covered === 0) break;
  }
  return { y, legend: legend! };
}

const line = (pts: readonly Pt[]) => pts.map(([x, y]) => ({ x, y }));

function ratePlot(
  summary: LdpData,
  checks: readonly LdpCheck[],
  options: LdpOptions,
  width: number,
  height: number,
): Plot.PlotOptions {
  const rows = options.curves?.rate ?? summary.rate;
  const J = points(
    rows,
    (d) => d.x,
    (d) => d.J,
  );
  const Ip = points(
    rows,
    (d) => d.x,
    (d) => d.Ip,
  );
  const shades = shadesFor(checks.length);
  const dots = checks
    .map((c, i) => ({
      n: c.n,
      color: shades[i]!,
      r: dotRadius(i, checks.length),
      points: points(
        c.points,
        (d) => d.x,
        (d) => d.minusLogTailOverN,
      ),
    }))
    .filter((c) => c.points.length > 0);
  const hasData = J.length > 0 || Ip.length > 0;
  const all = [...J, ...Ip, ...dots.flatMap((c) => c.points)];
  const [x0, x1] = xDomain(all.map(([x]) => x));
  // The x* rule rises to the curves' top, its label above: the headroom over them stays free for the legend.
  const yTop = all.reduce((m, [, v]) => Math.max(m, v), 0);
  const xStar = summary.xStar;
  const showStar = hasData && Number.isFinite(xStar) && xStar >= x0 && xStar <= x1;
  const starLabel = `x* = ${formatNumber(xStar, 4)}`;
  // The label sits at the top of the rule, on whichever side has more room.
  const starRight = xStar <= (x0 + x1) / 2;
  // I_p(x*) = Δ: where the budget meets Cramér's rate (not when saturated: there I_p(x*) = log 1/p* < Δ).
  const budget =
    options.budget !== undefined && showStar && !summary.saturated && Number.isFinite(options.budget)
      ? options.budget
      : undefined;

  const entries: LegendEntry[] = [
    ...(J.length > 0 ? [{ label: "J_Δ(x) under the optimum φ", swatch: [swatch.line(COLOR.rate, 2)] }] : []),
    ...(Ip.length > 0
      ? [{ label: "Cramér I_p(x) under p", swatch: [swatch.line(COLOR.cramer, 1.5, "5,4")] }]
      : []),
    ...(budget !== undefined
      ? [
          {
            label: `I_p(x*) = Δ = ${formatNumber(budget, 3)}`,
            swatch: [swatch.line(COLOR.rule, 1, "2,3"), swatch.dot(COLOR.cramer, 3.5)],
          },
        ]
      : []),
    ...(dots.length > 0
      ? [
          {
            label: `exact tails, n = ${dots.map((c) => formatCount(c.n)).join(", ")}`,
            swatch: dots.map((c, i) => swatch.dot(c.color, c.r, 4 + (i * 16) / Math.max(1, dots.length - 1))),
          },
        ]
      : []),
  ];
  const { y, legend } = fitLegend(
    entries,
    { width, height },
    [x0, x1],
    all.map(([, v]) => v),
    (project, g) => {
      const ink = [J, Ip].flatMap((s) => sampleLine(s, project));
      ink.push(...zeroRules(g, project, false));
      for (const c of dots)
        for (const p of c.points.map(project))
          ink.push(...sampleBox(p[0] - c.r, p[1] - c.r, 2 * c.r, 2 * c.r));
      if (budget !== undefined) {
        ink.push(
          ...sampleLine(
            [
              [x0, budget],
              [xStar, budget],
            ],
            project,
          ),
        );
      }
      if (showStar) {
        // The rule, up to the curves' top, and its label above it.
        const [px, py] = project([xStar, yTop]);
        ink.push(
          ...sampleLine([
            [px, py],
            [px, frameOf(g).bottom],
          ]),
        );
        const w = starLabel.length * FONT_SIZE * CHAR_WIDTH;
        ink.push(...sampleBox(starRight ? px : px - w, py - 16, w, 16));
      }
      return ink;
    },
  );

  const marks: Plot.Markish[] = [];
  if (!hasData) marks.push(emptyNote("no finite rates to draw"));
  else {
    marks.push(Plot.ruleY([0], { stroke: "#bdbdbd", strokeWidth: 0.75 }));
    if (showStar) {
      marks.push(
        Plot.ruleX([xStar], {
          y1: y[0],
          y2: yTop,
          stroke: COLOR.rule,
          strokeWidth: 1,
          strokeDasharray: "3,3",
        }),
        Plot.text([starLabel], {
          x: () => xStar,
          y: () => yTop,
          text: (d: string) => d,
          textAnchor: starRight ? "start" : "end",
          lineAnchor: "bottom",
          dx: starRight ? 3 : -3,
          dy: -4,
          fill: COLOR.text,
          fontSize: FONT_SIZE,
        }),
      );
    }
    if (budget !== undefined) {
      marks.push(
        Plot.ruleY([budget], {
          x1: x0,
          x2: xStar,
          stroke: COLOR.rule,
          strokeWidth: 1,
          strokeDasharray: "2,3",
        }),
        Plot.dot([[xStar, budget]], { r: 3.5, fill: COLOR.cramer }),
      );
    }
    marks.push(
      Plot.line(line(Ip), { x: "x", y: "y", stroke: COLOR.cramer, strokeWidth: 1.5, strokeDasharray: "5,4" }),
    );
    // Longer lengths lie closer to J: their dots are smaller and drawn over the shorter lengths' ones,
    // so that each shade stays visible where they nearly coincide.
    for (const c of dots) {
      marks.push(
        Plot.dot(line(c.points), {
          x: "x",
          y: "y",
          r: c.r,
          fill: c.color,
          stroke: "white",
          strokeWidth: 0.75,
        }),
      );
    }
    // J over the dots, so that the finite-n tails are seen to lie above it.
    marks.push(Plot.line(line(J), { x: "x", y: "y", stroke: COLOR.rate, strokeWidth: 2 }));
    // A saturated budget leaves J finite at x* alone: a point, not a line.
    if (J.length === 1) marks.push(Plot.dot(line(J), { x: "x", y: "y", r: 4, fill: COLOR.rate }));
    marks.push(legendMark(entries, legend, LEGEND_STYLE));
  }

  return {
    ...plotFrame(width, height, MARGIN, FONT_SIZE),
    x: { domain: [x0, x1], ...axisLabel("reward per token x", 34), ticks: 6, grid: true },
    y: {
      ...(hasData ? {} : { axis: null }),
      domain: y,
      ...axisLabel("rate (nats per token)", 48),
      ticks: 6,
      grid: hasData,
    },
    marks,
  };
}

function scgfPlot(
  summary: LdpData,
  curves: LdpCurves | undefined,
  width: number,
  height: number,
): Plot.PlotOptions {
  const gamma = points(
    curves?.scgf ?? summary.scgf,
    (d) => d.t,
    (d) => d.value,
  );
  const crossEntropy = points(
    summary.scgf,
    (d) => d.t,
    (d) => d.renyiCrossEntropyForm,
  );
  const divergence = points(
    summary.scgf,
    (d) => d.t,
    (d) => d.renyiDivergenceForm,
  );
  const hasData = gamma.length > 0;
  const all = [...gamma, ...crossEntropy, ...divergence];
  const [x0, x1] = xDomain(all.map(([t]) => t));
  const rows = (pts: readonly Pt[]) => pts.map(([t, v]) => ({ t, v }));
  // Each form is defined on its own range of orders (MATH §4): said in the legend, since a table t
  // outside one range carries the other form's marker alone.
  const lambda = summary.lambda;
  const divergenceRange =
    Number.isFinite(lambda) && lambda > 0 ? `t > −λ* = −${formatNumber(lambda, 3)}` : "0 < λ* < ∞";
  const entries: LegendEntry[] = [
    { label: "Γ(t) = Λ(λ*+t) − Λ(λ*)", swatch: [swatch.line(COLOR.scgf, 2)] },
    ...(crossEntropy.length > 0
      ? [{ label: "Rényi cross-entropy form, t > −1", swatch: [swatch.ring(COLOR.crossEntropy, 5, 1.5)] }]
      : []),
    ...(divergence.length > 0
      ? [
          {
            label: `Rényi divergence form, ${divergenceRange}`,
            swatch: [swatch.cross(COLOR.divergence, 3.5, 1.75)],
          },
        ]
      : []),
  ];
  const { y, legend } = fitLegend(
    entries,
    { width, height },
    [x0, x1],
    all.map(([, v]) => v),
    (project, g) => [
      ...zeroRules(g, project, true),
      ...sampleLine(gamma, project),
      ...[...crossEntropy, ...divergence]
        .map(project)
        .flatMap(([px, py]) => sampleBox(px - RING, py - RING, 2 * RING, 2 * RING)),
    ],
  );

  const marks: Plot.Markish[] = [];
  if (!hasData) marks.push(emptyNote("no finite values to draw"));
  else {
    marks.push(
      Plot.ruleY([0], { stroke: "#bdbdbd", strokeWidth: 0.75 }),
      Plot.ruleX([0], { stroke: "#bdbdbd", strokeWidth: 0.75 }),
      Plot.line(rows(gamma), { x: "t", y: "v", stroke: COLOR.scgf, strokeWidth: 2 }),
      Plot.dot(rows(crossEntropy), {
        x: "t",
        y: "v",
        r: RING,
        fill: "none",
        stroke: COLOR.crossEntropy,
        strokeWidth: 1.5,
      }),
      Plot.dot(rows(divergence), {
        x: "t",
        y: "v",
        r: CROSS,
        symbol: "times",
        stroke: COLOR.divergence,
        strokeWidth: 1.75,
      }),
      legendMark(entries, legend, LEGEND_STYLE),
    );
  }

  return {
    ...plotFrame(width, height, MARGIN, FONT_SIZE),
    x: { domain: [x0, x1], ...axisLabel("t", 34), ticks: 6, grid: true },
    y: {
      ...(hasData ? {} : { axis: null }),
      domain: y,
      ...axisLabel("Γ(t) (nats per token)", 48),
      ticks: 6,
      grid: hasData,
    },
    marks,
  };
}

/** The grey rules at y = 0 (and x = 0): ink across the frame. */
function zeroRules(g: Geometry, project: (p: Pt) => Pt, withX: boolean): Pt[] {
  const f = frameOf(g);
  const [px, py] = project([0, 0]);
  const rules: Pt[] = [];
  if (py >= f.top && py <= f.bottom)
    rules.push(
      ...sampleLine([
        [f.left, py],
        [f.right, py],
      ]),
    );
  if (withX && px >= f.left && px <= f.right)
    rules.push(
      ...sampleLine([
        [px, f.top],
        [px, f.bottom],
      ]),
    );
  return rules;
}

/** Dot radii from 4.5 (shortest length) down to 2.75 (longest); 3.5 for a single length. */
function dotRadius(i: number, k: number): number {
  return k <= 1 ? 3.5 : 4.5 - (1.75 * i) / (k - 1);
}

/** `k` shades from light to dark red; one mid shade for a single length. */
function shadesFor(k: number): string[] {
  if (k <= 1) return [PALETTE.bestOfN];
  const [from, to] = CHECK_SHADES.map((hex) =>
    [1, 3, 5].map((i) => Number.parseInt(hex.slice(i, i + 2), 16)),
  );
  return Array.from({ length: k }, (_, i) => {
    const f = i / (k - 1);
    const rgb = from!.map((c, j) => Math.round(c + f * (to![j]! - c)));
    return `#${rgb.map((c) => c.toString(16).padStart(2, "0")).join("")}`;
  });
}
