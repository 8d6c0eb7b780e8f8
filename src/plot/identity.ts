import * as Plot from "@observablehq/plot";
import { axisLabel, plotFrame } from "./frame.js";
import {
  frameOf,
  type Geometry,
  LEGEND_STYLE,
  type LegendEntry,
  legendMark,
  type Pt,
  placeLegend,
  projector,
  sampleLine,
  swatch,
} from "./legend.js";
import { FONT_SIZE, HALO, PALETTE } from "./style.js";
import { type FigureDocument, headerHeight, type PanelFigure, panelsToSvg } from "./svg.js";
import { formatNumber, math } from "./text.js";

/** A policy q placed against the optimum at its own KL (MATH §1). */
export interface PlacedPolicy {
  readonly policy: string;
  /** KL(q‖p) and E_q r: where q sits on the reward–KL plane. */
  readonly kl: number;
  readonly reward: number;
  /** V(KL(q‖p)): the optimum's reward at the same KL. */
  readonly optimalReward: number;
  /** KL(q‖φ) computed directly, and through the identity λ·(V − E_q r) at that KL. */
  readonly klToOptimal: number;
  readonly klToOptimalByIdentity: number;
}

export interface IdentityData {
  readonly optimal: readonly { readonly kl: number; readonly reward: number }[];
  readonly policies: readonly PlacedPolicy[];
}

const WIDTH = 900;
const HEIGHT = 420;
const LEFT_WIDTH = 470;
/** The policies' own colour (none of the shared meanings applies), and the identity's markers. */
const COLOR = { ...PALETTE, policy: "#7b4fa0", identity: "#222222", link: "#8a8a8a" } as const;
const LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";

const finite = (...xs: number[]): boolean => xs.every(Number.isFinite);

/** The letter that names policy i in both panels. */
export function policyLetter(i: number): string {
  return LETTERS[i] ?? String(i + 1);
}

/**
 * The identity KL(q‖φ_λ) = KL(q‖p) − KL(φ_λ‖p) + λ(E_φ r − E_q r) at work, two panels. Left: the
 * optimal reward–KL curve with each policy q at (KL(q‖p), E_q r), linked to the optimum at the same KL;
 * the vertical gap is the reward q gives up. Right: KL(q‖φ) for each policy as a bar (computed
 * directly), with the identity's value λ·gap as a tick on it. Non-finite values are not drawn; an
 * infinite KL to the optimum is written as ∞.
 */
export function identityPanels(data: IdentityData, title?: string): PanelFigure {
  const header = headerHeight(title);
  const panelHeight = HEIGHT - header;
  const policies = data.policies.map((q, i) => ({ ...q, letter: policyLetter(i) }));
  return {
    width: WIDTH,
    height: HEIGHT,
    title,
    subtitle: [
      "each policy q at its own KL: the further below the optimal curve, the further from the optimum",
    ],
    header,
    panels: [
      {
        title: "policies on the reward–KL plane",
        formula: [],
        x: 0,
        y: header,
        options: planePlot(data.optimal, policies, LEFT_WIDTH, panelHeight),
      },
      {
        title: "distance to the optimum",
        formula: math("KL(q ‖ φ) = λ·gap"),
        x: LEFT_WIDTH,
        y: header,
        options: distancePlot(policies, WIDTH - LEFT_WIDTH, panelHeight),
      },
    ],
  };
}

/** The identity figure as one standalone SVG document (see {@link identityPanels}). */
export function identityFigure(document: FigureDocument, data: IdentityData, title?: string): string {
  return panelsToSvg(identityPanels(data, title), document);
}

type Lettered = PlacedPolicy & { readonly letter: string };

function planePlot(
  optimal: IdentityData["optimal"],
  policies: readonly Lettered[],
  width: number,
  height: number,
): Plot.PlotOptions {
  const curve = optimal.filter((d) => finite(d.kl, d.reward)).sort((a, b) => a.kl - b.kl);
  const placed = policies.filter((q) => finite(q.kl, q.reward));
  const linked = placed.filter((q) => Number.isFinite(q.optimalReward));
  // The frame holds every policy with some room, and the curve up to there (the rest adds nothing).
  const klEnd = curve.length > 0 ? curve[curve.length - 1]!.kl : 1;
  const x1 = Math.min(Math.max(...placed.map((q) => q.kl * 1.25), klEnd * 0.05), klEnd * 1.05) || 1;
  const shown = curve.filter((d) => d.kl <= x1);
  const next = curve.find((d) => d.kl > x1);
  const prev = shown[shown.length - 1];
  // The curve ends on the frame's edge, interpolated, rather than clipped (clip ids would clash inline).
  if (next && prev && next.kl > prev.kl) {
    const t = (x1 - prev.kl) / (next.kl - prev.kl);
    shown.push({ kl: x1, reward: prev.reward + t * (next.reward - prev.reward) });
  }
  const rewards = [...shown.map((d) => d.reward), ...placed.map((q) => q.reward)];
  let y0 = Math.min(...rewards);
  let y1 = Math.max(...rewards);
  if (!finite(y0, y1) || !(y1 > y0))
    [y0, y1] = [Number.isFinite(y0) ? y0 - 1 : 0, Number.isFinite(y1) ? y1 + 1 : 1];
  const span = y1 - y0;
  [y0, y1] = [y0 - span * 0.06, y1 + span * 0.1];

  const margin = { top: 34, right: 18, bottom: 44, left: 56 };
  const geometry: Geometry = {
    width,
    height,
    margin,
    x: { type: "linear", domain: [0, x1] },
    y: { type: "linear", domain: [y0, y1] },
  };
  const project = projector(geometry);
  const ink: Pt[] = sampleLine(
    shown.map((d) => [d.kl, d.reward] as Pt),
    project,
  );
  for (const q of placed) {
    const [px, py] = project([q.kl, q.reward]);
    // The dot and its letter.
    for (let dx = -6; dx <= 20; dx += 4) for (const dy of [-4, 0, 4, 8, 12]) ink.push([px + dx, py + dy]);
    if (Number.isFinite(q.optimalReward)) {
      ink.push(
        ...sampleLine(
          [
            [q.kl, q.reward],
            [q.kl, q.optimalReward],
          ],
          project,
        ),
      );
    }
  }
  const entries: LegendEntry[] = [
    { label: "optimum V(KL)", swatch: [swatch.line(COLOR.optimum, 2.25)] },
    { label: "policy q at (KL(q‖p), E_q r)", swatch: [swatch.dot(COLOR.policy, 3.5)] },
    {
      label: "the optimum at the same KL",
      swatch: [swatch.line(COLOR.link, 1, "3,3"), swatch.ring(COLOR.optimum, 3.25, 1.25)],
    },
  ];
  const legend = placeLegend(entries, LEGEND_STYLE, frameOf(geometry), ink, "corners-then-grid");
  return {
    ...plotFrame(width, height, margin, FONT_SIZE),
    x: { domain: [0, x1], grid: true, ...axisLabel("KL(q ‖ p) (nats)", 36) },
    y: { domain: [y0, y1], grid: true, ...axisLabel("expected reward", 44) },
    marks: [
      Plot.line(shown, { x: "kl", y: "reward", stroke: COLOR.optimum, strokeWidth: 2.25 }),
      Plot.link(linked, {
        x1: "kl",
        x2: "kl",
        y1: "reward",
        y2: "optimalReward",
        stroke: COLOR.link,
        strokeWidth: 1,
        strokeDasharray: "3,3",
      }),
      Plot.dot(linked, {
        x: "kl",
        y: "optimalReward",
        r: 3.25,
        stroke: COLOR.optimum,
        strokeWidth: 1.25,
        fill: "white",
      }),
      Plot.dot(placed, {
        x: "kl",
        y: "reward",
        r: 3.5,
        fill: COLOR.policy,
        stroke: "white",
        strokeWidth: 0.75,
      }),
      Plot.text(placed, {
        x: "kl",
        y: "reward",
        text: "letter",
        textAnchor: "start",
        dx: 6,
        dy: 8,
        fontWeight: "bold",
        fill: COLOR.policy,
        ...HALO,
      }),
      legendMark(entries, legend, LEGEND_STYLE),
    ],
  };
}

function distancePlot(policies: readonly Lettered[], width: number, height: number): Plot.PlotOptions {
  const rows = policies.map((q, i) => ({ ...q, i }));
  const bars = rows.filter((q) => Number.isFinite(q.klToOptimal));
  const ticks = rows.filter((q) => Number.isFinite(q.klToOptimalByIdentity));
  const infinite = rows.filter((q) => q.klToOptimal === Number.POSITIVE_INFINITY);
  const labels = rows.map((q) => `${q.letter}  ${q.policy}`);
  const longest = labels.reduce((m, l) => Math.max(m, l.length), 0);
  const margin = { top: 34, right: 18, bottom: 44, left: Math.min(230, 14 + longest * 6.2) };
  const top = bars.reduce((m, q) => Math.max(m, q.klToOptimal), 0) || 1;
  // Room right of the longest bar for its value.
  const x1 = top * 1.45;
  // Below 1e-12 a KL is rounding (two equal laws differing in the 16th digit give ~1e-32).
  const value = (x: number) =>
    x === 0 ? "0" : x < 1e-12 ? "< 10⁻¹²" : x < 1e-3 ? x.toExponential(1) : formatNumber(x, 3);
  return {
    ...plotFrame(width, height, margin, FONT_SIZE),
    x: { domain: [0, x1], grid: true, ...axisLabel("KL(q ‖ φ) (nats)", 36) },
    y: {
      type: "band",
      domain: rows.map((q) => q.i),
      tickFormat: (i: number) => labels[i] ?? "",
      tickSize: 0,
      label: null,
      padding: 0.3,
    },
    marks: [
      Plot.barX(bars, { x1: 0, x2: "klToOptimal", y: "i", fill: COLOR.policy, fillOpacity: 0.75 }),
      // The identity's value: a tick across the bar's end, where it must fall.
      Plot.tickX(ticks, { x: "klToOptimalByIdentity", y: "i", stroke: COLOR.identity, strokeWidth: 2 }),
      Plot.text(bars, {
        x: "klToOptimal",
        y: "i",
        text: (q: (typeof rows)[number]) => value(q.klToOptimal),
        textAnchor: "start",
        dx: 6,
        fill: COLOR.text,
        ...HALO,
      }),
      Plot.text(infinite, {
        x: 0,
        y: "i",
        text: () => "∞ (q puts mass where φ has none)",
        textAnchor: "start",
        dx: 6,
        fill: COLOR.text,
      }),
      Plot.ruleX([0], { stroke: COLOR.link }),
    ],
  };
}
