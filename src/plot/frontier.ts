import * as Plot from "@observablehq/plot";
import { type LegendEntry, legendMark, type Pt, SWATCH, sampleLine, swatch } from "./legend.js";
import { axisLabel, plotFrame, plotToSvg, titleMark } from "./render.js";
import { FONT_SIZE, PALETTE } from "./style.js";

export interface FrontierData {
  /** The exact KL-constrained optimum V(Δ), from KL 0 to saturation. */
  optimal: { kl: number; reward: number; lambda: number | null }[];
  /** Best-of-N at its exact KL; `klBound` = log N − (N−1)/N is the folklore KL; `n` is null when huge. */
  bon: { n: number | null; logN: number; kl: number; reward: number; klBound: number }[];
  /** Soft best-of-N curves over temperature, one per n. */
  softBon?: { n: number; temperature: number; kl: number; reward: number }[];
  /** log(1/p*): the saturation KL. */
  klMax: number;
  rewardMax: number;
}

const WIDTH = 720;
const HEIGHT = 440;
const COLOR = { ...PALETTE, rule: "#6f6f6f" } as const;
/** Light-to-dark greens: soft BoN is a family of curves, so one hue with larger n darker. */
const SOFT_COLORS = ["#b5dea9", "#8fcb84", "#66b263", "#3f9447", "#237a36"] as const;
/** Folklore points beyond this multiple of log(1/p*) are drawn as arrows, not squeezed into the frame. */
const FOLKLORE_CAP = 1.5;
/** Minimum distance in pixels between two "N=…" labels. */
const LABEL_SPACING = 34;
const MAX_LABELS = 7;

const finite = (...xs: number[]): boolean => xs.every(Number.isFinite);
// Loops rather than Math.max(...xs): a long curve would overflow the argument list.
const maxOf = (xs: readonly number[], init: number): number => xs.reduce((m, x) => Math.max(m, x), init);
const minOf = (xs: readonly number[], init: number): number => xs.reduce((m, x) => Math.min(m, x), init);

/**
 * The frontier figure: expected reward against KL(π ‖ p) for the exact KL-constrained optimum, best-of-N
 * at its exact KL next to the folklore log N − (N−1)/N, and soft best-of-N. Returns an SVG document.
 * Non-finite values are dropped rather than drawn.
 */
export function frontierFigure(data: FrontierData, title?: string): string {
  const optimal = data.optimal.filter((d) => finite(d.kl, d.reward)).sort((a, b) => a.kl - b.kl);
  const bon = data.bon.filter((d) => finite(d.kl, d.reward)).sort((a, b) => a.kl - b.kl);
  // Soft BoN runs from temperature ∞ (the reference, KL 0) down to 0 (hard best-of-N).
  const soft = (data.softBon ?? [])
    .filter((d) => finite(d.kl, d.reward, d.n) && !Number.isNaN(d.temperature))
    .sort((a, b) => a.n - b.n || descending(a.temperature, b.temperature));
  const softNs = [...new Set(soft.map((d) => d.n))];

  const allKl = [...optimal, ...bon, ...soft].map((d) => d.kl);
  const allReward = [...optimal, ...bon, ...soft].map((d) => d.reward);
  const dataKlMax = maxOf(allKl, 0);
  const klMax = Number.isFinite(data.klMax) && data.klMax >= 0 ? data.klMax : dataKlMax;
  const rewardMax = Number.isFinite(data.rewardMax) ? data.rewardMax : maxOf(allReward, 0);

  // x range: the saturation point with some room, every exact point, and folklore points up to the cap.
  let x1 = Math.max(klMax * 1.15, dataKlMax);
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

  const rewards = [...allReward, rewardMax];
  let y0 = minOf(rewards, Number.POSITIVE_INFINITY);
  let y1 = maxOf(rewards, Number.NEGATIVE_INFINITY);
  if (!finite(y0, y1, y1 - y0)) [y0, y1] = [0, 1];
  if (!(y1 > y0)) {
    // A single reward level: centre it in a small band rather than on the frame's edge.
    const half = Math.max(Math.abs(y1), 1) * 0.05;
    [y0, y1] = [y0 - half, y1 + half];
  }
  const span = y1 - y0;
  // Headroom above the top so the off-scale note and labels near saturation stay inside the frame.
  y0 -= span * 0.05;
  y1 += span * 0.08;

  const margin = { top: title ? 40 : 18, right: 24, bottom: 46, left: 60 };
  // A few pixels of room on the left keep the N=1 point (KL 0) off the y axis.
  const insetLeft = 8;
  const px = (x: number): number =>
    margin.left + insetLeft + ((x - x0) / (x1 - x0)) * (WIDTH - margin.left - insetLeft - margin.right);
  const py = (y: number): number =>
    HEIGHT - margin.bottom - ((y - y0) / (y1 - y0)) * (HEIGHT - margin.top - margin.bottom);

  // "N=…" labels for a few points, skipping any that would crowd an earlier label.
  const labelled: typeof bon = [];
  for (const d of bon) {
    if (labelled.length >= MAX_LABELS) break;
    if (formatN(d.n, d.logN) === null) continue;
    const far = labelled.every(
      (e) => Math.hypot(px(d.kl) - px(e.kl), py(d.reward) - py(e.reward)) >= LABEL_SPACING,
    );
    if (far) labelled.push(d);
  }

  const softColor = new Map(
    softNs.map((n, i) => [n, SOFT_COLORS[softColorIndex(i, softNs.length)] ?? SOFT_COLORS[2]]),
  );

  // Everything drawn in the frame, as pixel points, so the legend can go where it covers the least.
  const ink: Pt[] = [];
  const project = ([x, y]: Pt): Pt => [px(x), py(y)];
  const trace = (pts: readonly Pt[]): void => {
    for (const p of sampleLine(pts, project)) ink.push(p);
  };
  trace(optimal.map((d) => [d.kl, d.reward]));
  trace([
    [klMax, rewardMax],
    [x1, rewardMax],
  ]);
  trace([
    [klMax, y0],
    [klMax, y1],
  ]);
  for (const n of softNs) trace(soft.filter((d) => d.n === n).map((d) => [d.kl, d.reward]));
  for (const d of onScale) {
    trace([
      [d.kl, d.reward],
      [d.klBound, d.reward],
    ]);
  }
  for (const d of offScale) {
    trace([
      [d.kl, d.reward],
      [x1, d.reward],
    ]);
  }
  // The rotated saturation label reads upwards from the bottom, just left of the rule when there is room.
  const satLabel = `saturation log 1/p* = ${formatNumber(klMax)}`;
  const satLeft = px(klMax) - margin.left > 20;
  for (let t = 0; t <= satLabel.length * FONT_SIZE * 0.58; t += 4) {
    for (const dx of [4, 8, 12]) ink.push([px(klMax) + (satLeft ? -dx : dx), HEIGHT - margin.bottom - 6 - t]);
  }
  for (const d of labelled) {
    // The label box, below and to the right of its point.
    for (let dx = 4; dx <= 40; dx += 6) ink.push([px(d.kl) + dx, py(d.reward) + 12]);
  }

  const entries: LegendEntry[] = [
    { label: "KL-constrained optimum V(Δ)", swatch: [swatch.line(COLOR.optimum, 2.25)] },
    ...(bon.length > 0
      ? [
          { label: "best-of-N at its exact KL", swatch: [swatch.dot(COLOR.bestOfN, 3.5)] },
          {
            label: "best-of-N at folklore log N − (N−1)/N",
            // The exact point, its link to the folklore KL, and the folklore point.
            swatch: [
              swatch.line(COLOR.folklore, 0.75, undefined, 0, SWATCH / 2),
              swatch.dot(COLOR.bestOfN, 2.5, 0),
              swatch.ring(COLOR.bestOfN, 3.25, 1.25, SWATCH / 2 + 3),
            ],
          },
        ]
      : []),
    ...(softNs.length > 0
      ? [
          {
            label: `soft best-of-N, N = ${softNs.map((n) => formatCount(n)).join(", ")}`,
            swatch: swatch.segments(
              softNs.map((n) => softColor.get(n) ?? SOFT_COLORS[2]),
              2.5,
            ),
          },
        ]
      : []),
  ];
  // Ties go to the lower right, which the frontier leaves empty: nothing lies right of and below V.
  const legend = legendMark(entries, {
    row: 17,
    pad: 8,
    inset: 10,
    fontSize: FONT_SIZE,
    // DejaVu Sans averages about half an em per character in these labels; a little more for safety.
    charWidth: 0.53,
    clearance: 0,
    search: "bottom-then-top",
    ink: () => ink,
  });

  const offTop = offScale.reduce<(typeof offScale)[number] | undefined>(
    (best, d) => (best === undefined || d.reward > best.reward ? d : best),
    undefined,
  );
  const halo = { stroke: "white", strokeWidth: 3, paintOrder: "stroke" } as const;

  const marks: Plot.Markish[] = [
    Plot.ruleX([klMax], { stroke: COLOR.rule, strokeWidth: 1, strokeDasharray: "5,4" }),
    Plot.text([klMax], {
      x: (d: number) => d,
      frameAnchor: "bottom",
      text: () => satLabel,
      rotate: -90,
      textAnchor: "start",
      lineAnchor: satLeft ? "bottom" : "top",
      dx: satLeft ? -5 : 5,
      dy: -6,
      fill: COLOR.rule,
      ...halo,
    }),
    // V(Δ) stays at the maximum reward beyond saturation.
    x1 > klMax
      ? Plot.line(
          [
            [klMax, rewardMax],
            [x1, rewardMax],
          ],
          { stroke: COLOR.optimum, strokeWidth: 1.5, strokeOpacity: 0.45 },
        )
      : null,
    Plot.line(optimal, { x: "kl", y: "reward", stroke: COLOR.optimum, strokeWidth: 2.25 }),
    Plot.line(soft, {
      x: "kl",
      y: "reward",
      z: "n",
      stroke: (d: (typeof soft)[number]) => softColor.get(d.n),
      strokeWidth: 1.5,
    }),
    Plot.link(onScale, {
      x1: "kl",
      x2: "klBound",
      y1: "reward",
      y2: "reward",
      stroke: COLOR.folklore,
      strokeWidth: 0.75,
    }),
    Plot.arrow(offScale, {
      x1: "kl",
      x2: () => x1,
      y1: "reward",
      y2: "reward",
      stroke: COLOR.folklore,
      strokeWidth: 0.75,
      headLength: 6,
    }),
    offTop
      ? Plot.text([offTop], {
          x: () => x1,
          y: "reward",
          text: () => "folklore bound, off-scale",
          textAnchor: "end",
          dx: -4,
          dy: -7,
          fill: COLOR.folklore,
          ...halo,
        })
      : null,
    Plot.dot(onScale, {
      x: "klBound",
      y: "reward",
      r: 3.25,
      stroke: COLOR.bestOfN,
      strokeWidth: 1.25,
      fill: "white",
    }),
    Plot.dot(bon, { x: "kl", y: "reward", r: 3.5, fill: COLOR.bestOfN, stroke: "white", strokeWidth: 0.75 }),
    Plot.text(labelled, {
      x: "kl",
      y: "reward",
      text: (d: (typeof bon)[number]) => `N=${formatN(d.n, d.logN) ?? ""}`,
      textAnchor: "start",
      dx: 5,
      dy: 11,
      fill: COLOR.bestOfN,
      ...halo,
    }),
    legend,
    titleMark(title, margin, COLOR.text),
  ];

  return plotToSvg({
    ...plotFrame(WIDTH, HEIGHT, margin, { fontSize: FONT_SIZE, color: COLOR.text }),
    x: {
      domain: [x0, x1],
      insetLeft,
      ...axisLabel("KL(π ‖ p) (nats)", 38),
      grid: true,
    },
    y: {
      domain: [y0, y1],
      ...axisLabel("expected reward", 46),
      grid: true,
    },
    marks,
  });
}

/** Larger first, with equal infinities (several reference points) counted as ties. */
function descending(a: number, b: number): number {
  return a === b ? 0 : a > b ? -1 : 1;
}

function softColorIndex(i: number, count: number): number {
  if (count <= 1) return 2;
  // Spread the n values over the palette so two curves are clearly different.
  return Math.round(1 + (i / (count - 1)) * (SOFT_COLORS.length - 2));
}

const SUPERSCRIPT = "⁰¹²³⁴⁵⁶⁷⁸⁹";

function superscript(k: number): string {
  return [...String(k)].map((c) => SUPERSCRIPT[Number(c)] ?? c).join("");
}

/** N as a reader would write it: 64, 4096, 2²⁰, 1.5e+7. */
function formatCount(n: number): string {
  if (Number.isInteger(n) && n < 1e5) return String(n);
  const k = Math.log2(n);
  if (Number.isInteger(k)) return `2${superscript(k)}`;
  return n.toPrecision(2);
}

function formatN(n: number | null, logN: number): string | null {
  if (n !== null && Number.isFinite(n)) return formatCount(n);
  if (!Number.isFinite(logN)) return null;
  const k = logN / Math.LN2;
  if (Math.abs(k - Math.round(k)) < 1e-9 && k >= 0) return `2${superscript(Math.round(k))}`;
  return `e^${formatNumber(logN)}`;
}

function formatNumber(x: number): string {
  return Math.abs(x) >= 100 ? x.toFixed(0) : x.toPrecision(3);
}
