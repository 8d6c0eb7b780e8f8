/**
 * The look shared by every figure: one palette, named for what each colour stands for, so the same
 * quantity is drawn in the same colour wherever it appears, plus the base font size and the SVG
 * namespace. Colours that belong to a single figure stay in that figure's module.
 */

export const PALETTE = {
  /** The exact KL-constrained optimum, and the limits it sets. */
  optimum: "#1b4f9c",
  /** Best-of-N, drawn at its exact values. */
  bestOfN: "#d1495b",
  /** The folklore bound log N − (N−1)/N, and other reference curves drawn for comparison. */
  folklore: "#8a8a8a",
  /** Titles, labels and axis text. */
  text: "#222222",
  /** Secondary text: formulas beside titles, subtitles, notes. */
  muted: "#555555",
} as const;

/** Base font size in pixels for axes, labels and legends. */
export const FONT_SIZE = 11;

export const SVG_NS = "http://www.w3.org/2000/svg";
