import * as Plot from "@observablehq/plot";
import type { LdpSummary } from "../core/sequence/ldp.js";
import {
  type LegendEntry,
  legendMark,
  type Pt,
  SWATCH,
  type SwatchPart,
  sampleLine,
  swatch,
} from "./legend.js";
import { axisLabel, FONT_FAMILY, plotFrame, plotToSvg } from "./render.js";
import { FONT_SIZE, PALETTE, SVG_NS } from "./style.js";
import {
  escapeXml,
  figureDocument,
  formatCount,
  formatNumber,
  formulaSpans,
  type MathPiece,
} from "./text.js";

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
  rule: PALETTE.folklore,
} as const;
/** The check dots run from the lightest shade (shortest n) to the darkest (longest n). */
const CHECK_SHADES = ["#f2a5ae", "#8e1b2c"] as const;
const CROSS = 3.5;

/** The exact finite-n tail −(1/n) log P_φ(S_n ≥ n x) at one length, as `ldpSummary(…).check` gives it. */
export interface LdpCheck {
  readonly n: number;
  readonly points: readonly { readonly x: number; readonly minusLogTailOverN: number }[];
}

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
 * The large deviations of the per-token reward S_n/n under the KL-constrained optimum φ = φ_{λ*}, as one
 * standalone SVG document with two panels:
 * - the rate J_Δ(x) under φ (zero at x*, marked), beside Cramér's rate I_p(x) under the reference, with
 *   the exact finite-n tails −(1/n) log P_φ(S_n ≥ n x) from `checks` as dots, one shade per length;
 * - the scaled cumulant generating function Γ(t) = Λ(λ*+t) − Λ(λ*), with its Rényi cross-entropy and
 *   Rényi divergence forms as circles and crosses on the curve.
 * Non-finite values (J is +∞ outside [r_min, r_max]; a Rényi form is null outside its orders) are dropped.
 */
export function ldpFigure(summary: LdpSummary, checks: readonly LdpCheck[] = [], title?: string): string {
  const header = title ? 48 : 30;
  const panelWidth = WIDTH / 2;
  const panelHeight = HEIGHT - header;
  const sortedChecks = checks.filter((c) => Number.isFinite(c.n) && c.n > 0).sort((a, b) => a.n - b.n);

  const panels = [
    {
      title: "rate function",
      formula: ["J", { sub: "Δ" }, "(x) beside Cramér's I", { sub: "p" }, "(x)"] as MathPiece[],
      svg: ratePanel(summary, sortedChecks, panelWidth, panelHeight),
    },
    {
      title: "scaled cumulant generating function",
      formula: ["Γ(t)"] as MathPiece[],
      svg: scgfPanel(summary, panelWidth, panelHeight),
    },
  ];
  const parts = panels.map((panel, i) => {
    const heading =
      `<text x="12" y="19" fill="${COLOR.text}"><tspan font-size="13" font-weight="bold">` +
      `${escapeXml(panel.title)}</tspan><tspan font-size="12" fill="${COLOR.muted}" dx="10">` +
      `${formulaSpans(panel.formula)}</tspan></text>`;
    return (
      `<g aria-label="panel" transform="translate(${i * panelWidth},${header})">` +
      `${panel.svg.trim()}${heading}</g>`
    );
  });

  return figureDocument(
    { width: WIDTH, height: HEIGHT },
    { fontFamily: FONT_FAMILY, fontSize: FONT_SIZE, text: COLOR.text, muted: COLOR.muted },
    title,
    subtitleSpans(summary, sortedChecks),
    parts,
  );
}

/** One line under the title: the optimum, and what the dots are. */
function subtitleSpans(summary: LdpSummary, checks: readonly LdpCheck[]): string {
  const pieces: MathPiece[] = ["per-token reward S", { sub: "n" }, "/n under the optimum φ"];
  if (summary.saturated) pieces.push(": saturated, λ* = ∞");
  else if (Number.isFinite(summary.lambda)) pieces.push(`: λ* = ${formatNumber(summary.lambda, 4)}`);
  if (Number.isFinite(summary.xStar)) pieces.push(`, x* = ${formatNumber(summary.xStar, 4)}`);
  const drawn = checks.filter((c) => c.points.some((p) => finite(p.x, p.minusLogTailOverN)));
  if (drawn.length > 0) {
    pieces.push("; dots: exact −(1/n) log P", { sub: "φ" }, "(S", { sub: "n" }, " ≥ n x)");
  }
  return formulaSpans(pieces);
}

const MARGIN = { top: 30, right: 20, bottom: 40, left: 62 } as const;

/** y domain over `values` (and 0), with headroom for the legend; [0, 1] without finite values. */
function yDomain(values: readonly number[], headroom: number): [number, number] {
  let y0 = Math.min(0, ...values);
  let y1 = Math.max(0, ...values);
  if (!finite(y0, y1) || !(y1 > y0)) [y0, y1] = [0, 1];
  const span = y1 - y0;
  return [y0 - span * 0.04, y1 + span * headroom];
}

function xDomain(values: readonly number[]): [number, number] {
  let x0 = Math.min(...values);
  let x1 = Math.max(...values);
  if (!finite(x0, x1)) [x0, x1] = [0, 1];
  if (!(x1 > x0)) [x0, x1] = [x0 - 0.5, x1 + 0.5];
  const pad = (x1 - x0) * 0.03;
  return [x0 - pad, x1 + pad];
}

function emptyNote(text: string): Plot.Markish {
  return Plot.text([text], {
    frameAnchor: "middle",
    text: (d: string) => d,
    fill: COLOR.muted,
    fontStyle: "italic",
    fontSize: 12,
  });
}

function legendOptions(ink: (scales: Plot.ScaleFunctions) => readonly Pt[]) {
  return {
    row: 16,
    pad: 7,
    inset: 8,
    fontSize: FONT_SIZE,
    charWidth: 0.56,
    clearance: 6,
    search: "corners-then-grid",
    ink,
  } as const;
}

/** Pixels of a data-unit polyline, sampled every few pixels (both scales are linear). */
function inkOf(scales: Plot.ScaleFunctions, series: readonly (readonly Pt[])[]): Pt[] {
  const { x, y } = scales;
  if (!x || !y) return [];
  const project = ([a, b]: Pt): Pt => [Number(x(a)), Number(y(b))];
  return series.flatMap((s) => sampleLine(s, project));
}

function ratePanel(summary: LdpSummary, checks: readonly LdpCheck[], width: number, height: number): string {
  const J = points(
    summary.rate,
    (d) => d.x,
    (d) => d.J,
  );
  const Ip = points(
    summary.rate,
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
  const xs = [...J, ...Ip, ...dots.flatMap((c) => c.points)].map(([x]) => x);
  const ys = [...J, ...Ip, ...dots.flatMap((c) => c.points)].map(([, y]) => y);
  const [x0, x1] = xDomain(xs.length > 0 ? xs : [0, 1]);
  const [y0, y1] = yDomain(ys, 0.42);
  const xStar = summary.xStar;
  const showStar = hasData && Number.isFinite(xStar) && xStar >= x0 && xStar <= x1;
  const starLabel = `x* = ${formatNumber(xStar, 4)}`;
  // The label sits at the top of the rule, on whichever side has more room.
  const starRight = xStar <= (x0 + x1) / 2;

  const marks: Plot.Markish[] = [];
  if (!hasData) marks.push(emptyNote("no finite rates to draw"));
  else {
    marks.push(Plot.ruleY([0], { stroke: "#bdbdbd", strokeWidth: 0.75 }));
    if (showStar) {
      marks.push(
        Plot.ruleX([xStar], { stroke: COLOR.rule, strokeWidth: 1, strokeDasharray: "3,3" }),
        Plot.text([starLabel], {
          x: () => xStar,
          frameAnchor: "top",
          text: (d: string) => d,
          textAnchor: starRight ? "start" : "end",
          dx: starRight ? 5 : -5,
          dy: 6,
          fill: COLOR.text,
          fontSize: FONT_SIZE,
        }),
      );
    }
    const line = (pts: readonly Pt[]) => pts.map(([x, y]) => ({ x, y }));
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
    const entries: LegendEntry[] = [
      ...(J.length > 0 ? [{ label: "J(x) under the optimum φ", swatch: [swatch.line(COLOR.rate, 2)] }] : []),
      ...(Ip.length > 0
        ? [{ label: "Cramér I(x) under p", swatch: [swatch.line(COLOR.cramer, 1.5, "5,4")] }]
        : []),
      ...dots.map((c) => ({ label: `n = ${formatCount(c.n)}`, swatch: [swatch.dot(c.color, c.r)] })),
    ];
    marks.push(
      legendMark(
        entries,
        legendOptions((scales) => {
          const ink = inkOf(scales, [J, Ip, ...dots.map((c) => c.points)]);
          if (showStar && scales.x) {
            // The rule and its label.
            const px = Number(scales.x(xStar));
            const top = MARGIN.top;
            const w = starLabel.length * FONT_SIZE * 0.6;
            for (let py = top; py <= height - MARGIN.bottom; py += 4) ink.push([px, py]);
            for (let dx = 0; dx <= w; dx += 4) {
              for (const py of [top + 1, top + 8, top + 15]) ink.push([starRight ? px + dx : px - dx, py]);
            }
          }
          return ink;
        }),
      ),
    );
  }

  return plotToSvg({
    ...plotFrame(width, height, MARGIN, { fontSize: FONT_SIZE, color: COLOR.text }),
    x: {
      domain: [x0, x1],
      ...axisLabel("reward per token x", 34),
      ticks: 6,
      grid: true,
    },
    y: {
      ...(hasData ? {} : { axis: null }),
      domain: [y0, y1],
      ...axisLabel("rate (nats per token)", 48),
      ticks: 6,
      grid: hasData,
    },
    marks,
  });
}

function scgfPanel(summary: LdpSummary, width: number, height: number): string {
  const gamma = points(
    summary.scgf,
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
  const [x0, x1] = xDomain(all.length > 0 ? all.map(([t]) => t) : [0, 1]);
  const [y0, y1] = yDomain(
    all.map(([, v]) => v),
    0.3,
  );
  const rows = (pts: readonly Pt[]) => pts.map(([t, v]) => ({ t, v }));

  const marks: Plot.Markish[] = [];
  if (!hasData) marks.push(emptyNote("no finite values to draw"));
  else {
    marks.push(
      Plot.ruleY([0], { stroke: "#bdbdbd", strokeWidth: 0.75 }),
      Plot.ruleX([0], { stroke: "#bdbdbd", strokeWidth: 0.75 }),
      // Γ is smooth and convex: a natural spline through the computed values.
      Plot.line(rows(gamma), {
        x: "t",
        y: "v",
        stroke: COLOR.scgf,
        strokeWidth: 2,
        curve: gamma.length > 2 ? "natural" : "linear",
      }),
      Plot.dot(rows(crossEntropy), {
        x: "t",
        y: "v",
        r: 5.5,
        fill: "none",
        stroke: COLOR.crossEntropy,
        strokeWidth: 1.5,
      }),
      Plot.dot(rows(divergence), {
        x: "t",
        y: "v",
        r: CROSS * 1.6,
        symbol: "times",
        stroke: COLOR.divergence,
        strokeWidth: 1.75,
      }),
    );
    const entries: LegendEntry[] = [
      { label: "Γ(t) = Λ(λ*+t) − Λ(λ*)", swatch: [swatch.line(COLOR.scgf, 2)] },
      ...(crossEntropy.length > 0
        ? [{ label: "Rényi cross-entropy form", swatch: [swatch.ring(COLOR.crossEntropy, 5, 1.5)] }]
        : []),
      ...(divergence.length > 0
        ? [{ label: "Rényi divergence form", swatch: [crossSwatch(COLOR.divergence)] }]
        : []),
    ];
    const legend = legendMark(
      entries,
      legendOptions((scales) => inkOf(scales, [gamma, crossEntropy, divergence])),
    );
    marks.push(withCrosses(legend));
  }

  return plotToSvg({
    ...plotFrame(width, height, MARGIN, { fontSize: FONT_SIZE, color: COLOR.text }),
    x: {
      domain: [x0, x1],
      ...axisLabel("t", 34),
      ticks: 6,
      grid: true,
    },
    y: {
      ...(hasData ? {} : { axis: null }),
      domain: [y0, y1],
      ...axisLabel("Γ(t) (nats per token)", 48),
      ticks: 6,
      grid: hasData,
    },
    marks,
  });
}

/**
 * A swatch dot standing for a cross: the shared legend draws lines and dots only, so this placeholder,
 * recognised by its stroke width, is replaced by a cross in {@link withCrosses}.
 */
const CROSS_MARKER_WIDTH = 1.751;

function crossSwatch(color: string): SwatchPart {
  return {
    shape: "dot",
    cx: SWATCH / 2,
    r: CROSS,
    fill: "none",
    stroke: color,
    strokeWidth: CROSS_MARKER_WIDTH,
  };
}

/** The few DOM members used here; the project compiles without the DOM library. */
interface SvgNode {
  getAttribute(name: string): string | null;
  setAttribute(name: string, value: string): void;
  querySelectorAll(selector: string): ArrayLike<SvgNode>;
  replaceWith(node: SvgNode): void;
}

/** The legend mark, with each placeholder dot from {@link crossSwatch} redrawn as a cross. */
function withCrosses(legend: Plot.RenderFunction): Plot.RenderFunction {
  return (index, scales, values, dimensions, context, next) => {
    const g = legend(index, scales, values, dimensions, context, next) as unknown as SvgNode | null;
    if (!g) return null;
    for (const dot of Array.from(g.querySelectorAll("circle"))) {
      if (dot.getAttribute("stroke-width") !== String(CROSS_MARKER_WIDTH)) continue;
      const cx = Number(dot.getAttribute("cx"));
      const cy = Number(dot.getAttribute("cy"));
      const path = context.document.createElementNS(SVG_NS, "path") as unknown as SvgNode;
      const [a, b, c, d] = [cx - CROSS, cx + CROSS, cy - CROSS, cy + CROSS].map((v) => v.toFixed(2));
      path.setAttribute("d", `M${a},${c}L${b},${d}M${a},${d}L${b},${c}`);
      path.setAttribute("stroke", dot.getAttribute("stroke") ?? COLOR.divergence);
      path.setAttribute("stroke-width", "1.75");
      path.setAttribute("fill", "none");
      dot.replaceWith(path);
    }
    return g as unknown as ReturnType<Plot.RenderFunction>;
  };
}

/** Dot radii from 4.5 (shortest length) down to 2.75 (longest); 3.5 for a single length. */
function dotRadius(i: number, k: number): number {
  return k <= 1 ? 3.5 : 4.5 - (1.75 * i) / (k - 1);
}

/** `k` shades from light to dark red; one mid shade for a single length. */
function shadesFor(k: number): string[] {
  if (k <= 1) return ["#d1495b"];
  const [from, to] = CHECK_SHADES.map((hex) =>
    [1, 3, 5].map((i) => Number.parseInt(hex.slice(i, i + 2), 16)),
  );
  return Array.from({ length: k }, (_, i) => {
    const f = i / (k - 1);
    const rgb = from!.map((c, j) => Math.round(c + f * (to![j]! - c)));
    return `#${rgb.map((c) => c.toString(16).padStart(2, "0")).join("")}`;
  });
}
