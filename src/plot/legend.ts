import type * as Plot from "@observablehq/plot";
import { PALETTE, SVG_NS } from "./style.js";

/**
 * Legends drawn inside a plot's frame as plain SVG marks.
 *
 * Plot's own legends are HTML and cannot live in a standalone SVG file, so figures describe their
 * series as {@link LegendEntry} rows (a label and a swatch built from a few lines and dots) and add
 * {@link legendMark} to their marks. At render time, when the frame and scales are known, the mark
 * tries a list of candidate spots and puts a white rounded box where it covers the fewest points of
 * the figure's "ink": every drawn series sampled every few pixels ({@link sampleLine}), plus whatever
 * else the figure wants kept clear, such as labels.
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
    }
  | {
      readonly shape: "dot";
      readonly cx: number;
      readonly r: number;
      readonly fill: string;
      readonly stroke?: string;
      readonly strokeWidth?: number;
    };

/** One legend row: a swatch, drawn in order, then its label. */
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
  /** A filled dot, centred on the swatch unless `cx` says otherwise. */
  dot: (fill: string, r: number, cx = SWATCH / 2): SwatchPart => ({ shape: "dot", cx, r, fill }),
  /** A hollow dot: white inside a coloured ring. */
  ring: (stroke: string, r: number, strokeWidth: number, cx = SWATCH / 2): SwatchPart => ({
    shape: "dot",
    cx,
    r,
    fill: "white",
    stroke,
    strokeWidth,
  }),
  /** One line split into equal segments, one per colour, for a family of curves. */
  segments: (colors: readonly string[], width: number): SwatchPart[] => {
    const step = SWATCH / colors.length;
    return colors.map((color, j) => swatch.line(color, width, undefined, j * step, (j + 1) * step));
  },
};

/**
 * Where to look for room, in order of preference; ties keep the earlier spot.
 * - `"bottom-then-top"`: along the bottom edge, right to left, then along the top edge.
 * - `"corners-then-grid"`: the top right, top left, bottom right and bottom left corners, then every
 *   spot on an 8-pixel grid, row by row from the top.
 */
export type LegendSearch = "bottom-then-top" | "corners-then-grid";

export interface LegendOptions {
  /** Height of one row. */
  readonly row: number;
  /** Padding inside the box, around the rows. */
  readonly pad: number;
  /** Least distance between the box and the frame. */
  readonly inset: number;
  /** The labels' font size, and their estimated average character width as a fraction of it. */
  readonly fontSize: number;
  readonly charWidth: number;
  /** Ink this close to the box, in pixels, counts as covered. */
  readonly clearance: number;
  readonly search: LegendSearch;
  /** The points to keep clear, in pixels; given the plot's scales, which exist only at render time. */
  readonly ink: (scales: Plot.ScaleFunctions) => readonly Pt[];
}

interface Frame {
  readonly left: number;
  readonly right: number;
  readonly top: number;
  readonly bottom: number;
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

/**
 * Points along a polyline, every few pixels, for the legend to avoid. Interpolation happens before
 * `project` (data units to pixels), so it follows straight segments of a linear scale exactly; on any
 * other scale, project first and pass pixel points.
 */
export function sampleLine(points: readonly Pt[], project: (p: Pt) => Pt = (p) => p): Pt[] {
  const out: Pt[] = [];
  for (let i = 0; i < points.length; i++) {
    const [ax, ay] = points[i]!;
    const a = project(points[i]!);
    out.push(a);
    const next = points[i + 1];
    if (!next) continue;
    const b = project(next);
    const steps = Math.ceil(Math.hypot(b[0] - a[0], b[1] - a[1]) / SAMPLE_SPACING);
    for (let k = 1; k < steps; k++) {
      const t = k / steps;
      out.push(project([ax + t * (next[0] - ax), ay + t * (next[1] - ay)]));
    }
  }
  return out;
}

/**
 * A legend drawn inside the frame as SVG marks: a white rounded box with a swatch and a label per
 * entry, at the candidate spot covering the fewest ink points. Use it as a mark.
 */
export function legendMark(entries: readonly LegendEntry[], options: LegendOptions): Plot.RenderFunction {
  const { row, pad, inset } = options;
  const longest = entries.reduce((m, e) => Math.max(m, e.label.length), 0);
  const textWidth = longest * options.fontSize * options.charWidth;
  const w = pad * 2 + SWATCH + GAP + textWidth;
  const h = pad * 2 + entries.length * row - 4;

  return (_index, scales, _values, dimensions, context) => {
    const frame: Frame = {
      left: dimensions.marginLeft,
      right: dimensions.width - dimensions.marginRight,
      top: dimensions.marginTop,
      bottom: dimensions.height - dimensions.marginBottom,
    };
    const ink = options.ink(scales);
    const margin = options.clearance;
    let left = frame.left;
    let top = frame.top;
    let fewest = Number.POSITIVE_INFINITY;
    for (const [l, t] of candidates(frame, w, h, inset, options.search)) {
      const x0 = l - margin;
      const x1 = l + w + margin;
      const y0 = t - margin;
      const y1 = t + h + margin;
      const count = ink.filter(([x, y]) => x >= x0 && x <= x1 && y >= y0 && y <= y1).length;
      if (count < fewest) [left, top, fewest] = [l, t, count];
    }

    const doc = context.document;
    const el = (tag: string, attrs: Record<string, string | number>) => {
      const node = doc.createElementNS(SVG_NS, tag);
      for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
      return node;
    };
    const g = el("g", { "aria-label": "legend", "text-anchor": "start" });
    g.appendChild(
      el("rect", {
        x: left,
        y: top,
        width: w,
        height: h,
        rx: 3,
        fill: "white",
        "fill-opacity": 0.92,
        stroke: "#cfcfcf",
        "stroke-width": 0.75,
      }),
    );
    entries.forEach((e, i) => {
      const cy = top + pad + row / 2 + i * row - 2;
      const x = left + pad;
      for (const part of e.swatch) {
        if (part.shape === "line") {
          g.appendChild(
            el("line", {
              x1: x + part.x1,
              x2: x + part.x2,
              y1: cy,
              y2: cy,
              stroke: part.stroke,
              "stroke-width": part.width,
              ...(part.dash ? { "stroke-dasharray": part.dash } : {}),
            }),
          );
        } else {
          g.appendChild(
            el("circle", {
              cx: x + part.cx,
              cy,
              r: part.r,
              fill: part.fill,
              ...(part.stroke ? { stroke: part.stroke, "stroke-width": part.strokeWidth ?? 1 } : {}),
            }),
          );
        }
      }
      const label = el("text", { x: x + SWATCH + GAP, y: cy, dy: "0.35em", fill: PALETTE.text });
      label.textContent = e.label;
      g.appendChild(label);
    });
    return g;
  };
}
