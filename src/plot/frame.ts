import * as Plot from "@observablehq/plot";
import { PALETTE } from "./style.js";

/** The frame of one plot: its size and margins, the house text style, and the helpers that set them. */

export interface Margin {
  readonly top: number;
  readonly right: number;
  readonly bottom: number;
  readonly left: number;
}

/** Plot's size, margin and style options for a frame. */
export function plotFrame(width: number, height: number, margin: Margin, fontSize: number) {
  return {
    width,
    height,
    marginTop: margin.top,
    marginRight: margin.right,
    marginBottom: margin.bottom,
    marginLeft: margin.left,
    style: { fontSize: `${fontSize}px`, color: PALETTE.text },
  };
}

/** An axis label centred on its axis, without Plot's arrow, `offset` pixels out. */
export function axisLabel(label: string, offset: number) {
  return { label, labelAnchor: "center" as const, labelArrow: "none" as const, labelOffset: offset };
}

/** The figure's bold title in the top-left corner, in the margin above the plot area (none when empty). */
export function titleMark(title: string | undefined, margin: Pick<Margin, "top" | "left">) {
  if (!title) return null;
  return Plot.text([title], {
    frameAnchor: "top-left",
    dx: -margin.left + 8,
    dy: -margin.top + 16,
    textAnchor: "start",
    fontSize: 14,
    fontWeight: "bold",
    fill: PALETTE.text,
  });
}

/** An italic note in the middle of an empty frame. */
export function emptyNote(text: string): Plot.Markish {
  return Plot.text([text], {
    frameAnchor: "middle",
    text: (d: string) => d,
    fill: PALETTE.muted,
    fontStyle: "italic",
    fontSize: 12,
    lineHeight: 1.4,
  });
}

/** [lo, hi] with room: a single value becomes a small band around it, no finite value [0, 1]. */
export function spread(values: readonly number[]): [number, number] {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  if (!(hi >= lo) || !Number.isFinite(hi - lo)) return [0, 1];
  if (hi > lo) return [lo, hi];
  const half = Math.max(Math.abs(hi), 1) * 0.05;
  return [lo - half, hi + half];
}
