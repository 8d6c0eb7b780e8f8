import * as Plot from "@observablehq/plot";
import { axisLabel, plotFrame, spread, titleMark } from "./frame.js";
import {
  frameOf,
  type Geometry,
  LEGEND_STYLE,
  type LegendEntry,
  legendMark,
  type Pt,
  placeLegend,
  projector,
  SWATCH,
  sampleBox,
  sampleLine,
  swatch,
} from "./legend.js";
import { CHAR_WIDTH, FONT_SIZE, HALO, PALETTE } from "./style.js";
import { type FigureDocument, plotToSvg } from "./svg.js";
import { formatCount, formatNumber, formatSamples } from "./text.js";

export interface FrontierData {
  /** The exact KL-constrained optimum V(Δ), from KL 0 to saturation. */
  optimal: readonly { kl: number; reward: number; lambda: number | null }[];
  /** Best-of-N at its exact KL; `klBound` = log N − (N−1)/N is the folklore KL; `n` is null when huge. */
  bon: readonly { n: number | null; logN: number; kl: number; reward: number; klBound: number }[];
  /** Soft best-of-N curves over temperature, one per n. */
  softBon?: readonly { n: number; temperature: number; kl: number; reward: number }[];
  /** log(1/p*): the saturation KL. */
  klMax: number;
  rewardMax: number;
}

/** A point of the reward–KL plane. */
export interface PlanePoint {
  readonly kl: number;
  readonly reward: number;
}

/** The points of chosen inputs, ringed: the optimum at Δ, best-of-N at N, soft best-of-N at (N, τ). */
export interface FrontierChosen {
  readonly optimum?: PlanePoint;
  readonly bon?: PlanePoint;
  readonly softBon?: PlanePoint;
}

export interface FrontierOptions {
  readonly title?: string;
  /** Rings on the points of chosen inputs (the explorer's Δ, N and τ). */
  readonly chosen?: FrontierChosen;
}

const WIDTH = 720;
const HEIGHT = 440;
/** Light-to-dark greens: soft BoN is a family of curves, so one hue with larger n darker. */
const SOFT_COLORS = ["#b5dea9", "#8fcb84", "#66b263", PALETTE.softBon, "#237a36"] as const;
/** Folklore points beyond this multiple of log(1/p*) are drawn as arrows, not squeezed into the frame. */
const FOLKLORE_CAP = 1.5;
/** Minimum distance in pixels between two "N=…" labels. */
const LABEL_SPACING = 34;
const MAX_LABELS = 7;
const CHOSEN_RING = 6;
/** Widths: the optimum is drawn wide and first, so the thinner soft best-of-N lines show on top of it. */
const WIDTHS = { optimum: 2.5, soft: 1.5, bon: 3.5 } as const;

const finite = (...xs: number[]): boolean => xs.every(Number.isFinite);
// Loops rather than Math.max(...xs): a long curve would overflow the argument list.
const maxOf = (xs: readonly number[], init: number): number => xs.reduce((m, x) => Math.max(m, x), init);
const minOf = (xs: readonly number[], init: number): number => xs.reduce((m, x) => Math.min(m, x), init);

/**
 * The frontier figure as Plot options: expected reward against KL(π ‖ p) for the exact KL-constrained
 * optimum, best-of-N at its exact KL next to the folklore log N − (N−1)/N, soft best-of-N, and rings on
 * chosen points. Non-finite values are dropped rather than drawn.
 */
export function frontierPlot(data: FrontierData, options: FrontierOptions = {}): Plot.PlotOptions {
  const { title } = options;
  const optimal = data.optimal.filter((d) => finite(d.kl, d.reward)).sort((a, b) => a.kl - b.kl);
  const bon = data.bon.filter((d) => finite(d.kl, d.reward)).sort((a, b) => a.kl - b.kl);
  // Soft BoN runs from temperature ∞ (the reference, KL 0) down to 0 (hard best-of-N).
  const soft = (data.softBon ?? [])
    .filter((d) => finite(d.kl, d.reward, d.n) && !Number.isNaN(d.temperature))
    .sort((a, b) => a.n - b.n || descending(a.temperature, b.temperature));
  const softNs = [...new Set(soft.map((d) => d.n))];
  const chosen: (PlanePoint & { readonly color: string })[] = [];
  for (const [key, color] of [
    ["optimum", PALETTE.optimum],
    ["bon", PALETTE.bestOfN],
    ["softBon", PALETTE.softBon],
  ] as const) {
    const point = options.chosen?.[key];
    if (point && finite(point.kl, point.reward)) chosen.push({ kl: point.kl, reward: point.reward, color });
  }

  const allKl = [...optimal, ...bon, ...soft, ...chosen].map((d) => d.kl);
  const allReward = [...optimal, ...bon, ...soft, ...chosen].map((d) => d.reward);
  const dataKlMax = maxOf(allKl, 0);
  const klMax = Number.isFinite(data.klMax) && data.klMax >= 0 ? data.klMax : dataKlMax;
  const rewardMax = Number.isFinite(data.rewardMax) ? data.rewardMax : maxOf(allReward, 0);

  // x range: the saturation point with some room, every exact point, and folklore points up to the cap.
  let x1 = Math.max(klMax * 1.15, dataKlMax * 1.03);
  const cap = Math.max(klMax * FOLKLORE_CAP, x1);
  const folklore = bon.filter((d) => !Number.isNaN(d.klBound));
  const onScale = folklore.filter((d) => d.klBound <= cap);
  const offScale = folklore.filter((d) => d.klBound > cap);
  x1 = maxOf(
    onScale.map((d) => d.klBound * 1.03),
    x1,
  );
  const x0 = minOf(allKl, 0);
  if (!(x1 > x0 && Number.isFinite(x1 - x0))) x1 = x0 + 1;

  let [y0, y1] = spread([...allReward, rewardMax]);
  const span = y1 - y0;
  // A little room below the lowest point and above the highest, for the labels near saturation.
  y0 -= span * 0.05;
  y1 += span * 0.06;

  const margin = { top: title ? 40 : 18, right: 24, bottom: 46, left: 60 };
  // A few pixels of room on the left keep the N=1 point (KL 0) off the y axis.
  const insetLeft = 8;
  const geometry: Geometry = {
    width: WIDTH,
    height: HEIGHT,
    margin,
    insetLeft,
    x: { type: "linear", domain: [x0, x1] },
    y: { type: "linear", domain: [y0, y1] },
  };
  const project = projector(geometry);
  const frame = frameOf(geometry);
  const satX = project([klMax, 0])[0];

  // The rotated saturation label reads upwards from the bottom, just left of the rule when there is room.
  const satLabel = `saturation log 1/p* = ${formatNumber(klMax, 3)}`;
  const satLeft = satX - frame.left > 20;
  const satBox = sampleBox(
    satLeft ? satX - 5 - FONT_SIZE : satX + 5,
    frame.bottom - 6 - satLabel.length * FONT_SIZE * CHAR_WIDTH,
    FONT_SIZE,
    satLabel.length * FONT_SIZE * CHAR_WIDTH,
  );

  // "N=…" labels for a few points, below and right of the point, or left of it when that side would
  // cross the saturation rule, the optimum's curve, another label or another point; a point whose label
  // fits on neither side has none.
  type Box = { left: number; top: number; width: number; height: number };
  const labelled: { d: (typeof bon)[number]; text: string; right: boolean; box: Box }[] = [];
  const labelBox = (p: Pt, text: string, right: boolean): Box => {
    const w = text.length * FONT_SIZE * CHAR_WIDTH;
    return { left: right ? p[0] + 5 : p[0] - 5 - w, top: p[1] + 4, width: w, height: FONT_SIZE };
  };
  const overlaps = (a: Box, b: Box, pad: number) =>
    a.left < b.left + b.width + pad &&
    b.left < a.left + a.width + pad &&
    a.top < b.top + b.height + pad &&
    b.top < a.top + a.height + pad;
  const dots: Box[] = bon.map((d) => {
    const [x, y] = project([d.kl, d.reward]);
    return { left: x - WIDTHS.bon, top: y - WIDTHS.bon, width: 2 * WIDTHS.bon, height: 2 * WIDTHS.bon };
  });
  // The optimum's curve, in pixels: a label written across it would be read as the curve's.
  const curve = sampleLine(
    optimal.map((d) => [d.kl, d.reward]),
    project,
  );
  const inside = (b: Box, [x, y]: Pt) =>
    x > b.left && x < b.left + b.width && y > b.top && y < b.top + b.height;
  for (const [i, d] of bon.entries()) {
    if (labelled.length >= MAX_LABELS) break;
    const n = formatSamples(d.n, d.logN);
    if (n === null) continue;
    const text = `N=${n}`;
    const p = project([d.kl, d.reward]);
    const crowded = labelled.some((e) => {
      const q = project([e.d.kl, e.d.reward]);
      return Math.hypot(p[0] - q[0], p[1] - q[1]) < LABEL_SPACING;
    });
    // A point on top of another cannot be labelled without doubt as to which one the label names.
    const stacked = bon.some((e, j) => {
      const q = project([e.kl, e.reward]);
      return j !== i && Math.hypot(p[0] - q[0], p[1] - q[1]) < 2 * WIDTHS.bon + 2;
    });
    if (crowded || stacked) continue;
    for (const right of [true, false]) {
      const box = labelBox(p, text, right);
      const clear =
        !(box.left - 3 < satX && satX < box.left + box.width + 3) &&
        box.left >= frame.left &&
        box.left + box.width <= frame.right &&
        labelled.every((e) => !overlaps(box, e.box, 2)) &&
        dots.every((b, j) => j === i || !overlaps(box, b, 1)) &&
        !curve.some((q) => inside(box, q));
      if (clear) {
        labelled.push({ d, text, right, box });
        break;
      }
    }
  }

  const softColor = new Map(
    softNs.map((n, i) => [n, SOFT_COLORS[softColorIndex(i, softNs.length)] ?? PALETTE.softBon]),
  );

  // Everything drawn in the frame, as pixel points, so the legend can go where it covers nothing.
  const trace = (pts: readonly Pt[]) => sampleLine(pts, project);
  const dotInk = (p: Pt, r: number) => sampleBox(p[0] - r, p[1] - r, 2 * r, 2 * r);
  const ink: Pt[] = [
    ...trace(optimal.map((d) => [d.kl, d.reward])),
    ...trace([
      [klMax, rewardMax],
      [x1, rewardMax],
    ]),
    ...trace([
      [klMax, y0],
      [klMax, y1],
    ]),
    ...softNs.flatMap((n) => trace(soft.filter((d) => d.n === n).map((d) => [d.kl, d.reward]))),
    ...onScale.flatMap((d) => [
      ...trace([
        [d.kl, d.reward],
        [d.klBound, d.reward],
      ]),
      ...dotInk(project([d.klBound, d.reward]), 3.5),
    ]),
    ...offScale.flatMap((d) =>
      trace([
        [d.kl, d.reward],
        [x1, d.reward],
      ]),
    ),
    ...bon.flatMap((d) => dotInk(project([d.kl, d.reward]), WIDTHS.bon)),
    ...chosen.flatMap((d) => dotInk(project([d.kl, d.reward]), CHOSEN_RING + 1)),
    ...satBox,
    ...labelled.flatMap(({ box: b }) => sampleBox(b.left, b.top, b.width, b.height)),
  ];

  const entries: LegendEntry[] = [
    { label: "KL-constrained optimum V(Δ)", swatch: [swatch.line(PALETTE.optimum, WIDTHS.optimum)] },
    ...(bon.length > 0
      ? [
          { label: "best-of-N at its exact KL", swatch: [swatch.dot(PALETTE.bestOfN, WIDTHS.bon)] },
          {
            label: "best-of-N at folklore log N − (N−1)/N",
            // The exact point, its link to the folklore KL, and the folklore point.
            swatch: [
              swatch.line(PALETTE.folklore, 0.75, undefined, 0, SWATCH / 2),
              swatch.dot(PALETTE.bestOfN, 2.5, 0),
              swatch.ring(PALETTE.bestOfN, 3.25, 1.25, SWATCH / 2 + 3),
            ],
          },
        ]
      : []),
    ...(offScale.length > 0
      ? [{ label: "folklore KL beyond the frame", swatch: [swatch.arrow(PALETTE.folklore, 0.75)] }]
      : []),
    ...(softNs.length > 0
      ? [
          {
            label: `soft best-of-N, N = ${softNs.map((n) => formatCount(n)).join(", ")}`,
            swatch: swatch.segments(
              softNs.map((n) => softColor.get(n) ?? PALETTE.softBon),
              WIDTHS.soft + 1,
            ),
          },
        ]
      : []),
    ...(chosen.length > 0
      ? [
          {
            label: chosenLabel(options.chosen ?? {}),
            swatch: chosen.map((c, i) => swatch.ring(c.color, 4.5, 2, 5 + i * 7, "none")),
          },
        ]
      : []),
  ];
  // Ties go to the lower right, which the frontier leaves empty: nothing lies right of and below V.
  const legend = placeLegend(entries, LEGEND_STYLE, frame, ink, "bottom-then-top");

  const marks: Plot.Markish[] = [
    Plot.ruleX([klMax], { stroke: PALETTE.rule, strokeWidth: 1, strokeDasharray: "5,4" }),
    Plot.text([klMax], {
      x: (d: number) => d,
      frameAnchor: "bottom",
      text: () => satLabel,
      rotate: -90,
      textAnchor: "start",
      lineAnchor: satLeft ? "bottom" : "top",
      dx: satLeft ? -5 : 5,
      dy: -6,
      fill: PALETTE.rule,
      ...HALO,
    }),
    // V(Δ) stays at the maximum reward beyond saturation.
    x1 > klMax
      ? Plot.line(
          [
            [klMax, rewardMax],
            [x1, rewardMax],
          ],
          { stroke: PALETTE.optimum, strokeWidth: 1.5, strokeOpacity: 0.45 },
        )
      : null,
    Plot.line(optimal, { x: "kl", y: "reward", stroke: PALETTE.optimum, strokeWidth: WIDTHS.optimum }),
    // Over the optimum: soft best-of-N nearly coincides with it, and must stay visible where it does.
    Plot.line(soft, {
      x: "kl",
      y: "reward",
      z: "n",
      stroke: (d: (typeof soft)[number]) => softColor.get(d.n),
      strokeWidth: WIDTHS.soft,
    }),
    Plot.link(onScale, {
      x1: "kl",
      x2: "klBound",
      y1: "reward",
      y2: "reward",
      stroke: PALETTE.folklore,
      strokeWidth: 0.75,
    }),
    Plot.arrow(offScale, {
      x1: "kl",
      x2: () => x1,
      y1: "reward",
      y2: "reward",
      stroke: PALETTE.folklore,
      strokeWidth: 0.75,
      headLength: 6,
    }),
    Plot.dot(onScale, {
      x: "klBound",
      y: "reward",
      r: 3.25,
      stroke: PALETTE.bestOfN,
      strokeWidth: 1.25,
      fill: "white",
    }),
    Plot.dot(bon, {
      x: "kl",
      y: "reward",
      r: WIDTHS.bon,
      fill: PALETTE.bestOfN,
      stroke: "white",
      strokeWidth: 0.75,
    }),
    ...[true, false].map((right) =>
      Plot.text(
        labelled.filter((l) => l.right === right),
        {
          x: (l: (typeof labelled)[number]) => l.d.kl,
          y: (l: (typeof labelled)[number]) => l.d.reward,
          text: "text",
          textAnchor: right ? "start" : "end",
          dx: right ? 5 : -5,
          dy: 11,
          fill: PALETTE.bestOfN,
          ...HALO,
        },
      ),
    ),
    Plot.dot(chosen, {
      x: "kl",
      y: "reward",
      r: CHOSEN_RING,
      stroke: "color",
      strokeWidth: 2.5,
      fill: "none",
    }),
    legendMark(entries, legend, LEGEND_STYLE),
    titleMark(title, margin),
  ];

  return {
    ...plotFrame(WIDTH, HEIGHT, margin, FONT_SIZE),
    x: { domain: [x0, x1], insetLeft, ...axisLabel("KL(π ‖ p) (nats)", 38), grid: true },
    y: { domain: [y0, y1], ...axisLabel("expected reward", 46), grid: true },
    color: { type: "identity" },
    marks,
  };
}

/** The frontier figure as a standalone SVG document (see {@link frontierPlot}). */
export function frontierFigure(
  document: FigureDocument,
  data: FrontierData,
  options: FrontierOptions = {},
): string {
  return plotToSvg(frontierPlot(data, options), document);
}

/** The legend row of the rings: which inputs they mark. */
function chosenLabel(chosen: FrontierChosen): string {
  const names = [chosen.optimum && "Δ", chosen.bon && "N", chosen.softBon && "τ"].filter(Boolean);
  return `at the chosen ${names.join(", ")}`;
}

/** Larger first, with equal infinities (several reference points) counted as ties. */
function descending(a: number, b: number): number {
  return a === b ? 0 : a > b ? -1 : 1;
}

function softColorIndex(i: number, count: number): number {
  if (count <= 1) return 3;
  // Spread the n values over the palette so two curves are clearly different.
  return Math.round(1 + (i / (count - 1)) * (SOFT_COLORS.length - 2));
}
