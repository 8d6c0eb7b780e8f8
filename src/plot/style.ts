/**
 * The look shared by every figure: one palette, named for what each colour stands for, so the same
 * quantity is drawn in the same colour wherever it appears, plus the fonts and the SVG namespace.
 * Colours that belong to a single figure stay in that figure's module.
 */

export const PALETTE = {
  /** The exact KL-constrained optimum, and the limits it sets. */
  optimum: "#1b4f9c",
  /** Best-of-N, drawn at its exact values. */
  bestOfN: "#d1495b",
  /** Soft best-of-N (a family of curves over N is drawn in shades of this green). */
  softBon: "#3f9447",
  /** The folklore bound log N − (N−1)/N, and other reference curves drawn for comparison. */
  folklore: "#8a8a8a",
  /** Rules that mark a value (saturation, a chosen input). */
  rule: "#6f6f6f",
  /** Titles, labels and axis text. */
  text: "#222222",
  /** Secondary text: formulas beside titles, subtitles, notes. */
  muted: "#555555",
} as const;

/** Base font size in pixels for axes, labels and legends. */
export const FONT_SIZE = 11;

/** DejaVu Sans is what the PNGs are drawn with; Verdana has close metrics where DejaVu is missing. */
export const FONT_FAMILY = "DejaVu Sans, Verdana, sans-serif";

/** DejaVu Sans averages about this fraction of an em per character in the figures' labels. */
export const CHAR_WIDTH = 0.56;

export const SVG_NS = "http://www.w3.org/2000/svg";

/** A white outline under text drawn over lines, so that it stays legible. */
export const HALO = { stroke: "white", strokeWidth: 3, paintOrder: "stroke" } as const;
