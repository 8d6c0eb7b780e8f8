import type * as Plot from "@observablehq/plot";
import type { Margin } from "./frame.js";
import { CHAR_WIDTH, PALETTE, SVG_NS } from "./style.js";
import { math, SCRIPT_SCALE, textLength } from "./text.js";

/**
 * Legends drawn inside a plot's frame as plain SVG marks, placed where they cover no ink.
 *
 * Plot's own legends are HTML and cannot live in a standalone SVG file, so figures describe their
 * series as {@link LegendEntry} rows (a label in notation and a swatch built from lines, dots and
 * crosses). The placement is computed before Plot runs, from the same scales Plot is given
 * ({@link Geometry}): every drawn series is projected to pixels and sampled every few pixels ("ink"),
 * the candidate spots are tried in order, and the spot covering the fewest ink points wins. A figure
 * that finds no free spot can grow its headroom and try again ({@link placeLegend} reports what is
 * covered). The result is data, {@link Placement}, drawn by {@link legendMark}.
 */

/** A point: in pixels, or in data units before it is projected. */
export type Pt = readonly [number, number];

/** Width of every swatch, in pixels; swatch parts are positioned from its left end. */
export const SWATCH = 24;
/** Space between a swatch and its label. */
const GAP = 6;
/** Spacing of the samples taken along a line, and of the grid of candidate spots. */
const SAMPLE_SPACING = 4;
const GRID_STEP = 8;

/** One piece of a swatch; x offsets are pixels from the swatch's left end, on the row's centre line. */
export type SwatchPart =
  | {
      readonly shape: "line";
      readonly x1: number;
      readonly x2: number;
      readonly stroke: string;
      readonly width: number;
      readonly dash?: string;
      /** Vertical offsets of the ends from the row's centre line (a vertical bar: x1 = x2). */
      readonly dy1?: number;
      readonly dy2?: number;
    }
  | {
      readonly shape: "dot";
      readonly cx: number;
      readonly r: number;
      readonly fill: string;
      readonly stroke?: string;
      readonly strokeWidth?: number;
    }
  | {
      readonly shape: "cross";
      readonly cx: number;
      readonly r: number;
      readonly stroke: string;
      readonly strokeWidth: number;
    }
  | { readonly shape: "arrow"; readonly stroke: string; readonly width: number };

/** One legend row: a swatch, drawn in order, then its label (notation: `π_N`, `e^{nΔ}`). */
export interface LegendEntry {
  readonly label: string;
  readonly swatch: readonly SwatchPart[];
}

/** Builders for the usual swatch parts. */
export const swatch = {
  /** A line across the whole swatch, or from `x1` to `x2`. */
  line: (stroke: string, width: number, dash?: string, x1 = 0, x2 = SWATCH): SwatchPart => ({
    shape: "line",
    x1,
    x2,
    stroke,
    width,
    ...(dash ? { dash } : {}),
  }),
  /** A vertical bar of half-height `half` (an interval), centred on the swatch. */
  bar: (stroke: string, width: number, half: number, cx = SWATCH / 2): SwatchPart => ({
    shape: "line",
    x1: cx,
    x2: cx,
    dy1: -half,
    dy2: half,
    stroke,
    width,
  }),
  /** A filled dot, centred on the swatch unless `cx` says otherwise. */
  dot: (fill: string, r: number, cx = SWATCH / 2): SwatchPart => ({ shape: "dot", cx, r, fill }),
  /** A hollow dot: white (or `fill`) inside a coloured ring. */
  ring: (stroke: string, r: number, strokeWidth: number, cx = SWATCH / 2, fill = "white"): SwatchPart => ({
    shape: "dot",
    cx,
    r,
    fill,
    stroke,
    strokeWidth,
  }),
  /** A diagonal cross (×) of half-width `r`. */
  cross: (stroke: string, r: number, strokeWidth: number, cx = SWATCH / 2): SwatchPart => ({
    shape: "cross",
    cx,
    r,
    stroke,
    strokeWidth,
  }),
  /** A line ending in an arrowhead, across the swatch. */
  arrow: (stroke: string, width: number): SwatchPart => ({ shape: "arrow", stroke, width }),
  /** One line split into equal segments, one per colour, for a family of curves. */
  segments: (colors: readonly string[], width: number): SwatchPart[] => {
    const step = SWATCH / colors.length;
    return colors.map((color, j) => swatch.line(color, width, undefined, j * step, (j + 1) * step));
  },
};

/** A position scale as Plot is given it: its type and its (explicit) domain. */
export interface Scale {
  readonly type: "linear" | "log";
  readonly domain: readonly [number, number];
}

/** Where a plot draws: its size, margins, insets and its x and y scales. */
export interface Geometry {
  readonly width: number;
  readonly height: number;
  readonly margin: Margin;
  readonly insetLeft?: number;
  readonly x: Scale;
  readonly y: Scale;
}

/** The plot area in pixels. */
export interface Frame {
  readonly left: number;
  readonly right: number;
  readonly top: number;
  readonly bottom: number;
}

export function frameOf(g: Geometry): Frame {
  return {
    left: g.margin.left,
    right: g.width - g.margin.right,
    top: g.margin.top,
    bottom: g.height - g.margin.bottom,
  };
}

function scaleTo(s: Scale, r0: number, r1: number): (v: number) => number {
  const [d0, d1] = s.domain;
  if (s.type === "log") {
    const [l0, l1] = [Math.log(d0), Math.log(d1)];
    return (v) => r0 + ((Math.log(v) - l0) / (l1 - l0)) * (r1 - r0);
  }
  return (v) => r0 + ((v - d0) / (d1 - d0)) * (r1 - r0);
}

/** Data units → pixels, as Plot maps them with these scales (continuous scales, explicit domains). */
export function projector(g: Geometry): (p: Pt) => Pt {
  const f = frameOf(g);
  const x = scaleTo(g.x, f.left + (g.insetLeft ?? 0), f.right);
  const y = scaleTo(g.y, f.bottom, f.top);
  return ([a, b]) => [x(a), y(b)];
}

/**
 * Points along a polyline drawn with straight segments, every few pixels: the vertices are projected
 * first, so this follows the line as drawn on any scale. Vertices that do not project to finite pixels
 * (a value ≤ 0 on a log scale) break the line, as they break Plot's.
 */
export function sampleLine(points: readonly Pt[], project: (p: Pt) => Pt = (p) => p): Pt[] {
  const out: Pt[] = [];
  let prev: Pt | undefined;
  for (const point of points) {
    const b = project(point);
    if (!(Number.isFinite(b[0]) && Number.isFinite(b[1]))) {
      prev = undefined;
      continue;
    }
    if (prev) {
      const a = prev;
      const steps = Math.ceil(Math.hypot(b[0] - a[0], b[1] - a[1]) / SAMPLE_SPACING);
      for (let k = 1; k < steps; k++) {
        const t = k / steps;
        out.push([a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])]);
      }
    }
    out.push(b);
    prev = b;
  }
  return out;
}

/** The points of a rectangle (a label's box), every few pixels: text is ink too. */
export function sampleBox(left: number, top: number, width: number, height: number): Pt[] {
  const out: Pt[] = [];
  for (let y = top; y <= top + height + 1e-9; y += Math.min(SAMPLE_SPACING, Math.max(height, 1))) {
    for (let x = left; x <= left + width + 1e-9; x += SAMPLE_SPACING) out.push([x, y]);
  }
  return out;
}

/**
 * Where to look for room, in order of preference; ties keep the earlier spot.
 * - `"bottom-then-top"`: along the bottom edge, right to left, then along the top edge.
 * - `"corners-then-grid"`: the top right, top left, bottom right and bottom left corners, then every
 *   spot on an 8-pixel grid, row by row from the top.
 */
export type LegendSearch = "bottom-then-top" | "corners-then-grid";

export interface LegendStyle {
  /** Height of one row. */
  readonly row: number;
  /** Padding inside the box, around the rows. */
  readonly pad: number;
  /** Least distance between the box and the frame. */
  readonly inset: number;
  /** The labels' font size. */
  readonly fontSize: number;
  /** Ink this close to the box, in pixels, counts as covered. */
  readonly clearance: number;
}

export const LEGEND_STYLE: LegendStyle = { row: 16, pad: 7, inset: 8, fontSize: 11, clearance: 6 };

/** Where the legend goes, in pixels, and how many ink points its box (with clearance) covers there. */
export interface Placement {
  readonly left: number;
  readonly top: number;
  readonly width: number;
  readonly height: number;
  readonly covered: number;
}

/** The legend box's size. */
export function legendSize(entries: readonly LegendEntry[], style: LegendStyle): { w: number; h: number } {
  const longest = entries.reduce((m, e) => Math.max(m, textLength(math(e.label))), 0);
  return {
    w: style.pad * 2 + SWATCH + GAP + longest * style.fontSize * CHAR_WIDTH,
    h: style.pad * 2 + entries.length * style.row - 4,
  };
}

/** Top-left corners of the spots the legend may take, in order of preference. */
function candidates(frame: Frame, w: number, h: number, inset: number, search: LegendSearch): Pt[] {
  const spots: Pt[] = [];
  if (search === "bottom-then-top") {
    for (const top of [frame.bottom - inset - h, frame.top + inset]) {
      for (let left = frame.right - inset - w; left >= frame.left + inset; left -= GRID_STEP) {
        spots.push([left, top]);
      }
    }
    // A legend too wide for the frame starts at its left edge.
    return spots.length > 0 ? spots : [[frame.left, frame.top]];
  }
  const lefts = [frame.right - inset - w, frame.left + inset];
  const tops = [frame.top + inset, frame.bottom - inset - h];
  for (let left = frame.right - inset - w - GRID_STEP; left > frame.left + inset; left -= GRID_STEP) {
    lefts.push(left);
  }
  for (let top = frame.top + inset + GRID_STEP; top < frame.bottom - inset - h; top += GRID_STEP) {
    tops.push(top);
  }
  for (const top of tops) for (const left of lefts) spots.push([left, top]);
  return spots;
}

/** How many ink points lie in the box, widened by `margin` on every side. */
export function coveredBy(ink: readonly Pt[], box: Omit<Placement, "covered">, margin = 0): number {
  const [x0, x1] = [box.left - margin, box.left + box.width + margin];
  const [y0, y1] = [box.top - margin, box.top + box.height + margin];
  let count = 0;
  for (const [x, y] of ink) if (x >= x0 && x <= x1 && y >= y0 && y <= y1) count++;
  return count;
}

/** The candidate spot whose box covers the fewest ink points (the first of equals). */
export function placeLegend(
  entries: readonly LegendEntry[],
  style: LegendStyle,
  frame: Frame,
  ink: readonly Pt[],
  search: LegendSearch,
): Placement {
  const { w, h } = legendSize(entries, style);
  let best: Placement = { left: frame.left, top: frame.top, width: w, height: h, covered: Infinity };
  for (const [left, top] of candidates(frame, w, h, style.inset, search)) {
    const box = { left, top, width: w, height: h };
    const covered = coveredBy(ink, box, style.clearance);
    if (covered < best.covered) best = { ...box, covered };
    if (covered === 0) break;
  }
  return best;
}

/**
 * A legend drawn at `at` as SVG marks: a white rounded box with a swatch and a label per entry. Use it
 * as a mark; labels are notation, drawn with sub- and superscript tspans.
 */
export function legendMark(
  entries: readonly LegendEntry[],
  at: Placement,
  style: LegendStyle,
): Plot.RenderFunction {
  return (_index, _scales, _values, _dimensions, context) => {
    const doc = context.document;
    const el = (tag: string, attrs: Record<string, string | number>) => {
      const node = doc.createElementNS(SVG_NS, tag);
      for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
      return node;
    };
    const g = el("g", { "aria-label": "legend", "text-anchor": "start" });
    g.appendChild(
      el("rect", {
        x: at.left,
        y: at.top,
        width: at.width,
        height: at.height,
        rx: 3,
        fill: "white",
        "fill-opacity": 0.92,
        stroke: "#cfcfcf",
        "stroke-width": 0.75,
      }),
    );
    entries.forEach((e, i) => {
      const cy = at.top + style.pad + style.row / 2 + i * style.row - 2;
      const x = at.left + style.pad;
      for (const part of e.swatch) g.appendChild(swatchPart(el, part, x, cy));
      const label = el("text", { x: x + SWATCH + GAP, y: cy, dy: "0.35em", fill: PALETTE.text });
      for (const piece of math(e.label)) {
        const span = el(
          "tspan",
          typeof piece === "string"
            ? {}
            : {
                "baseline-shift": "sub" in piece ? "sub" : "super",
                "font-size": Math.round(style.fontSize * SCRIPT_SCALE * 10) / 10,
              },
        );
        span.textContent = typeof piece === "string" ? piece : "sub" in piece ? piece.sub : piece.sup;
        label.appendChild(span);
      }
      g.appendChild(label);
    });
    return g;
  };
}

type SvgNode = NonNullable<ReturnType<Plot.RenderFunction>>;
type Make = (tag: string, attrs: Record<string, string | number>) => SvgNode;

function swatchPart(el: Make, part: SwatchPart, x: number, cy: number): SvgNode {
  switch (part.shape) {
    case "line":
      return el("line", {
        x1: x + part.x1,
        x2: x + part.x2,
        y1: cy + (part.dy1 ?? 0),
        y2: cy + (part.dy2 ?? 0),
        stroke: part.stroke,
        "stroke-width": part.width,
        ...(part.dash ? { "stroke-dasharray": part.dash } : {}),
      });
    case "dot":
      return el("circle", {
        cx: x + part.cx,
        cy,
        r: part.r,
        fill: part.fill,
        ...(part.stroke ? { stroke: part.stroke, "stroke-width": part.strokeWidth ?? 1 } : {}),
      });
    case "cross": {
      const [a, b, c, d] = [x + part.cx - part.r, x + part.cx + part.r, cy - part.r, cy + part.r].map((v) =>
        v.toFixed(2),
      );
      return el("path", {
        d: `M${a},${c}L${b},${d}M${a},${d}L${b},${c}`,
        stroke: part.stroke,
        "stroke-width": part.strokeWidth,
        fill: "none",
      });
    }
    case "arrow": {
      const [x0, x1, y] = [x, x + SWATCH, cy].map((v) => v.toFixed(2));
      const head = `M${(x + SWATCH - 5).toFixed(2)},${(cy - 3).toFixed(2)}L${x1},${y}L${(x + SWATCH - 5).toFixed(2)},${(cy + 3).toFixed(2)}`;
      return el("path", {
        d: `M${x0},${y}L${x1},${y}${head}`,
        stroke: part.stroke,
        "stroke-width": part.width,
        fill: "none",
      });
    }
  }
}
