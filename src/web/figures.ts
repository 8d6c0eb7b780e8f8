import * as Plot from "@observablehq/plot";
import type { FrontierSummary } from "../app/results/frontier.js";
import type { LdpSummary } from "../core/sequence/ldp.js";
import { type LegendEntry, legendMark, type Pt, sampleLine, swatch } from "../plot/legend.js";
import { PALETTE, SVG_NS } from "../plot/style.js";
import type { Bon, OutcomeRow, Sequence, SoftBon } from "./protocol.js";

/**
 * The page's figures, drawn by Observable Plot in the browser with the palette and in-frame legends of
 * the CLI's figures. Each is one standalone <svg> (white background, fonts named), so it downloads as is.
 */

const FONT = "DejaVu Sans, Verdana, sans-serif";
const FONT_SIZE = 12;
const COLOR = { ...PALETTE, soft: "#3f9447", rule: "#6f6f6f", kl: "#e08a2c" } as const;
const finite = (...xs: number[]) => xs.every(Number.isFinite);

/** Ink for the legend to avoid: lines sampled in pixels, given the scales at render time. */
type Ink = (project: (p: Pt) => Pt) => Pt[];

function legend(
  entries: LegendEntry[],
  ink: Ink,
  fontSize = FONT_SIZE,
  search: "bottom-then-top" | "corners-then-grid" = "corners-then-grid",
) {
  return legendMark(entries, {
    row: 18,
    pad: 8,
    inset: 8,
    fontSize,
    charWidth: 0.56,
    clearance: 2,
    search,
    ink: (s) => ink(([x, y]) => [s.x!(x) as number, s.y!(y) as number]),
  });
}

/** The finishing touches that make a Plot <svg> a standalone figure. */
function standalone(svg: SVGSVGElement, label: string): SVGSVGElement {
  svg.setAttribute("xmlns", SVG_NS);
  svg.setAttribute("font-family", FONT);
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", label);
  const background = document.createElementNS(SVG_NS, "rect");
  background.setAttribute("width", "100%");
  background.setAttribute("height", "100%");
  background.setAttribute("fill", "white");
  svg.insertBefore(background, svg.firstChild);
  return svg;
}

function plot(options: Plot.PlotOptions): SVGSVGElement {
  const out = Plot.plot({ style: { fontSize: `${FONT_SIZE}px`, color: COLOR.text }, ...options });
  if (!(out instanceof SVGSVGElement)) throw new Error("a figure must be a single <svg>");
  return out;
}

const axis = (label: string) => ({ label, labelAnchor: "center" as const, labelArrow: "none" as const });

export interface FrontierMarkers {
  /** The optimum at the chosen Δ. */
  readonly optimum: { readonly kl: number; readonly reward: number };
  readonly bon: Bon;
  readonly softBon: SoftBon;
}

/** Expected reward against KL(π‖p): the optimum V(Δ), best-of-N at N = 2^k, soft best-of-N over τ. */
export function frontierFigure(f: FrontierSummary, m: FrontierMarkers): SVGSVGElement {
  const optimal = f.optimal.filter((d) => finite(d.kl, d.reward));
  const bon = f.bon.filter((d) => finite(d.kl, d.reward));
  const soft = (f.softBon ?? []).filter((d) => finite(d.kl, d.reward));
  const here = [
    { kl: m.optimum.kl, reward: m.optimum.reward, color: COLOR.optimum },
    { kl: m.bon.kl, reward: m.bon.reward, color: COLOR.bestOfN },
    { kl: m.softBon.kl, reward: m.softBon.reward, color: COLOR.soft },
  ].filter((d) => finite(d.kl, d.reward));
  const klMax = f.klMax;
  const x1 = Math.max(klMax * 1.12, ...here.map((d) => d.kl * 1.05), 1e-3);
  const n = m.softBon.n === null ? "N" : formatShort(m.softBon.n);
  const entries: LegendEntry[] = [
    { label: "optimum V(Δ) (KL-constrained)", swatch: [swatch.line(COLOR.optimum, 2.25)] },
    { label: "best-of-N, N = 1, 2, 4, …", swatch: [swatch.dot(COLOR.bestOfN, 3)] },
    ...(soft.length > 0
      ? [{ label: `soft best-of-N, N = ${n}, over τ`, swatch: [swatch.line(COLOR.soft, 1.75)] }]
      : []),
    { label: "chosen Δ, N, τ", swatch: [swatch.ring(COLOR.text, 5, 2)] },
  ];
  const ink: Ink = (project) => [
    ...sampleLine(
      optimal.map((d) => [d.kl, d.reward]),
      project,
    ),
    ...sampleLine(
      soft.map((d) => [d.kl, d.reward]),
      project,
    ),
    ...bon.map((d) => project([d.kl, d.reward])),
    ...here.map((d) => project([d.kl, d.reward])),
    // The saturation rule and its label, which reads upwards from the bottom.
    ...sampleLine(
      [
        [klMax, Math.min(...optimal.map((d) => d.reward))],
        [klMax, f.rewardMax],
      ],
      project,
    ).flatMap(([x, y]): Pt[] => [
      [x, y],
      [x - 8, y],
    ]),
  ];
  return standalone(
    plot({
      width: 640,
      height: 400,
      marginLeft: 56,
      marginBottom: 44,
      x: { domain: [0, x1], ...axis("KL(π ‖ p) (nats)"), grid: true },
      y: { ...axis("expected reward"), grid: true },
      marks: [
        Plot.ruleX([klMax], { stroke: COLOR.rule, strokeDasharray: "5,4" }),
        Plot.text([klMax], {
          x: (d: number) => d,
          frameAnchor: "bottom",
          text: () => `log 1/p* = ${formatShort(klMax)}`,
          rotate: -90,
          textAnchor: "start",
          dx: -5,
          dy: -6,
          fill: COLOR.rule,
        }),
        Plot.line(
          [
            [klMax, f.rewardMax],
            [x1, f.rewardMax],
          ],
          { stroke: COLOR.optimum, strokeOpacity: 0.45, strokeWidth: 1.5 },
        ),
        Plot.line(optimal, { x: "kl", y: "reward", stroke: COLOR.optimum, strokeWidth: 2.25 }),
        Plot.line(soft, { x: "kl", y: "reward", stroke: COLOR.soft, strokeWidth: 1.75 }),
        Plot.dot(bon, { x: "kl", y: "reward", r: 3, fill: COLOR.bestOfN }),
        Plot.dot(here, { x: "kl", y: "reward", r: 6, stroke: "color", strokeWidth: 2.5, fill: "white" }),
        Plot.dot(here, { x: "kl", y: "reward", r: 2, fill: "color" }),
        // Bottom first: nothing lies right of and below the optimal curve.
        legend(entries, ink, FONT_SIZE, "bottom-then-top"),
      ],
    }),
    "Reward–KL frontier: the KL-constrained optimum, best-of-N and soft best-of-N",
  );
}

/** Best-of-e^{nΔ} per token against its limits as n grows: reward → x*, KL/n → Δ, KL(π‖φ)/n → 0. */
export function convergenceFigure(runs: readonly Sequence[], length: number): SVGSVGElement {
  const first = runs[0];
  if (!first) throw new Error("no lengths to draw");
  const { xStar, klRate } = first;
  const reward = runs.filter((r) => finite(r.bon.rewardPerToken));
  const kl = runs.filter((r) => finite(r.bon.klToReferencePerToken, r.bon.klToOptimalPerToken));
  const common = {
    width: 400,
    height: 320,
    marginLeft: 60,
    marginBottom: 44,
    marginTop: 28,
    x: { type: "log" as const, ...axis("length n"), grid: true },
  };
  const title = (text: string) =>
    Plot.text([text], { frameAnchor: "top-left", dy: -20, dx: -50, fontWeight: "bold", fill: COLOR.text });
  const chosen = Plot.ruleX([length], { stroke: COLOR.rule, strokeDasharray: "2,3" });
  const rewardPlot = plot({
    ...common,
    y: { ...axis("reward per token"), grid: true },
    marks: [
      title("reward per token"),
      chosen,
      Plot.ruleY([xStar], { stroke: COLOR.optimum, strokeWidth: 2 }),
      Plot.line(reward, { x: "length", y: (r: Sequence) => r.bon.rewardPerToken, stroke: COLOR.bestOfN }),
      Plot.dot(reward, {
        x: "length",
        y: (r: Sequence) => r.bon.rewardPerToken,
        fill: COLOR.bestOfN,
        r: 2.5,
      }),
      legend(
        [
          { label: "x* = V(Δ), the optimum", swatch: [swatch.line(COLOR.optimum, 2)] },
          { label: "best-of-e^{nΔ}: E R / n", swatch: [swatch.line(COLOR.bestOfN, 1.5)] },
        ],
        (project) => reward.map((r) => project([r.length, r.bon.rewardPerToken])),
        11,
      ),
    ],
  });
  const klPlot = plot({
    ...common,
    y: { ...axis("nats per token"), grid: true, zero: true },
    marks: [
      title("KL per token"),
      chosen,
      Plot.ruleY([klRate], { stroke: COLOR.optimum, strokeWidth: 2 }),
      Plot.line(kl, { x: "length", y: (r: Sequence) => r.bon.klToReferencePerToken, stroke: COLOR.bestOfN }),
      Plot.line(kl, {
        x: "length",
        y: (r: Sequence) => r.bon.klToOptimalPerToken,
        stroke: COLOR.kl,
        strokeDasharray: "5,3",
      }),
      legend(
        [
          { label: "Δ, the budget", swatch: [swatch.line(COLOR.optimum, 2)] },
          { label: "KL(π_N ‖ pⁿ) / n → Δ", swatch: [swatch.line(COLOR.bestOfN, 1.5)] },
          { label: "KL(π_N ‖ φⁿ) / n → 0", swatch: [swatch.line(COLOR.kl, 1.5, "5,3")] },
        ],
        (project) =>
          kl.flatMap((r) => [
            project([r.length, r.bon.klToReferencePerToken]),
            project([r.length, r.bon.klToOptimalPerToken]),
          ]),
        11,
      ),
    ],
  });
  return standalone(
    sideBySide([rewardPlot, klPlot]),
    `Best-of-e^{nΔ} against the optimum as n grows, Δ = ${formatShort(klRate)}`,
  );
}

/** The rate functions of the reward per token: J_Δ under the optimum (zero at x*) and Cramér's I_p. */
export function rateFigure(ldp: LdpSummary, klRate: number): SVGSVGElement {
  const rate = ldp.rate.filter((d) => finite(d.x));
  const J = rate.filter((d) => finite(d.J));
  const Ip = rate.filter((d) => finite(d.Ip));
  const marks: Plot.Markish[] = [
    Plot.ruleY([klRate], { stroke: COLOR.rule, strokeDasharray: "5,4" }),
    Plot.ruleX([ldp.xStar], { stroke: COLOR.rule, strokeDasharray: "2,3" }),
    Plot.line(Ip, { x: "x", y: "Ip", stroke: COLOR.folklore, strokeWidth: 1.75 }),
    Plot.line(J, { x: "x", y: "J", stroke: COLOR.optimum, strokeWidth: 2.25 }),
    Plot.dot(
      [
        [ldp.xStar, 0],
        [ldp.xStar, klRate],
      ].filter(([x, y]) => finite(x!, y!)),
      { r: 4, fill: COLOR.optimum },
    ),
    legend(
      [
        { label: "J_Δ(x): rate under the optimum φ_Δ", swatch: [swatch.line(COLOR.optimum, 2.25)] },
        { label: "I_p(x): Cramér rate under p", swatch: [swatch.line(COLOR.folklore, 1.75)] },
        { label: "Δ, and x* where I_p(x*) = Δ", swatch: [swatch.line(COLOR.rule, 1, "5,4")] },
      ],
      (project) => [
        ...sampleLine(
          J.map((d) => [d.x, d.J]),
          project,
        ),
        ...sampleLine(
          Ip.map((d) => [d.x, d.Ip]),
          project,
        ),
      ],
    ),
  ];
  return standalone(
    plot({
      width: 640,
      height: 360,
      marginLeft: 56,
      marginBottom: 44,
      x: { ...axis("reward per token x"), grid: true },
      y: { ...axis("rate (nats per token)"), grid: true, zero: true },
      marks,
    }),
    "Rate functions of the reward per token",
  );
}

const SERIES = [
  { key: "p", label: "p (reference)", color: COLOR.folklore },
  { key: "phi", label: "φ_Δ (optimum)", color: COLOR.optimum },
  { key: "pi", label: "π_N (best-of-N)", color: COLOR.bestOfN },
  { key: "piSoft", label: "soft best-of-N", color: COLOR.soft },
] as const;

/** Probabilities of the top outcomes under p, φ_Δ, π_N and soft best-of-N, as grouped bars. */
export function distributionFigure(rows: readonly OutcomeRow[], shown = 12): SVGSVGElement {
  const top = rows.slice(0, shown);
  // One band per (outcome, law), keyed by rank so that equal labels stay apart; the outcome's label is
  // the tick of its second bar, next to the group's middle. Labels are set as text by Plot, never as HTML.
  const band = (i: number, s: number) => `${i}:${s}`;
  const data = top.flatMap((row, i) =>
    SERIES.map((s, j) => ({ band: band(i, j), series: s.label, value: row[s.key] })),
  );
  const labels = new Map(top.map((row, i) => [band(i, 1), shorten(row.outcome, 22)]));
  const domain = top.flatMap((_, i) => [...SERIES.map((_, j) => band(i, j)), `${i}:gap`]);
  const height = 70 + domain.length * 7;
  return standalone(
    plot({
      width: 640,
      height,
      marginLeft: 150,
      marginRight: 16,
      marginBottom: 40,
      // Room on the right for the legend, which then never hides a bar.
      x: {
        ...axis("probability"),
        grid: true,
        domain: [0, 1.55 * Math.max(...data.map((d) => d.value), 1e-300)],
      },
      y: { domain, tickFormat: (k: string) => labels.get(k) ?? "", tickSize: 0, label: null, padding: 0.1 },
      color: { domain: SERIES.map((s) => s.label), range: SERIES.map((s) => s.color) },
      marks: [
        Plot.barX(data, { x: "value", y: "band", fill: "series" }),
        Plot.ruleX([0]),
        legend(
          SERIES.map((s) => ({ label: s.label, swatch: [swatch.line(s.color, 8)] })),
          (project) =>
            data.flatMap((d) => {
              const [x0, y] = project([0, d.band as unknown as number]);
              const [x1] = project([d.value, d.band as unknown as number]);
              return Array.from({ length: Math.ceil((x1 - x0) / 4) + 1 }, (_, k): Pt => [x0 + k * 4, y + 3]);
            }),
        ),
      ],
    }),
    "Distributions over the most probable outcomes",
  );
}

/** Several figures in one <svg>, left to right. */
function sideBySide(parts: readonly SVGSVGElement[]): SVGSVGElement {
  const svg = document.createElementNS(SVG_NS, "svg");
  let x = 0;
  let height = 0;
  for (const part of parts) {
    const w = Number(part.getAttribute("width"));
    const h = Number(part.getAttribute("height"));
    part.setAttribute("x", String(x));
    svg.appendChild(part);
    x += w;
    height = Math.max(height, h);
  }
  svg.setAttribute("width", String(x));
  svg.setAttribute("height", String(height));
  svg.setAttribute("viewBox", `0 0 ${x} ${height}`);
  return svg;
}

function shorten(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}

/** A number for a figure label: 3 significant digits, or a power of ten. */
export function formatShort(x: number): string {
  if (!Number.isFinite(x)) return x > 0 ? "∞" : "−∞";
  if (Number.isInteger(x) && Math.abs(x) < 1e6) return String(x);
  return Math.abs(x) >= 1e6 || (x !== 0 && Math.abs(x) < 1e-3)
    ? x.toExponential(2)
    : String(Number(x.toPrecision(3)));
}
