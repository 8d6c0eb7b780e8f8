import { describe, expect, it } from "vitest";
import { ldpCurves } from "../../src/app/ldpCurves.js";
import { createModel } from "../../src/core/model.js";
import { type LdpSummary, ldpSummary } from "../../src/core/sequence/ldp.js";
import { svgDocument, svgToPng } from "../../src/node/render.js";
import { subtlexAfinnSpec } from "../../src/node/subtlexAfinn.js";
import { type LdpCheck, type LdpOptions, ldpFigure, ldpPanels } from "../../src/plot/ldp.js";
import { marksOf } from "../support/plot.js";
import {
  countTags,
  decodePng,
  drawnInk,
  inkInside,
  legendBox,
  PNG_SIGNATURE,
  panels,
  parseSvg,
  pixelStats,
  plotRoots,
  texts,
  withoutLegend,
} from "../support/svg.js";

const LENGTHS = [100, 1000];
const ternary = createModel({ p: [0.5, 0.3, 0.2], r: [0, 1, 2] });

const summary = ldpSummary(ternary, 0.5, { grid: 41 });
const checks: LdpCheck[] = LENGTHS.map((n) => ({
  n,
  points: ldpSummary(ternary, 0.5, { grid: 41, checkLength: n }).check ?? [],
}));
const draw = (data: LdpSummary, options: LdpOptions = {}) => ldpFigure(svgDocument(), data, options);
const svg = draw(summary, { checks, title: "ternary model, Δ = 0.5" });

const checkCount = checks.reduce((s, c) => s + c.points.length, 0);
const renyiCount = summary.scgf.filter((p) => p.renyiCrossEntropyForm !== null).length;
const crossCount = summary.scgf.filter((p) => p.renyiDivergenceForm !== null).length;

describe("ldpFigure", () => {
  it("is one standalone <svg> document about 900 × 380", () => {
    expect(svg.trimStart().startsWith("<svg")).toBe(true);
    expect(countTags(svg, "svg")).toBe(3); // the root and one per panel
    const el = parseSvg(svg);
    expect(el.tagName.toLowerCase()).toBe("svg");
    expect(el.getAttribute("xmlns")).toBe("http://www.w3.org/2000/svg");
    expect(el.getAttribute("width")).toBe("900");
    expect(el.getAttribute("height")).toBe("380");
    expect(el.getAttribute("font-family")).toContain("DejaVu Sans");
    expect(svg.trimEnd().endsWith("</svg>")).toBe(true);
    expect(svg).not.toMatch(/<figure|<div|<style/);
    for (const bad of ["NaN", "Infinity", "null", "undefined"]) expect(svg).not.toContain(bad);
  });

  it("has the checks it was given, above J", () => {
    expect(checks.every((c) => c.points.length > 0)).toBe(true);
    const J = new Map(summary.rate.map((r) => [r.x, r.J]));
    for (const c of checks) {
      for (const p of c.points) expect(p.minusLogTailOverN).toBeGreaterThanOrEqual(J.get(p.x)! - 1e-9);
    }
  });

  it("draws the rate panel: J, I_p, x* and a dot per check point, one shade per n", () => {
    const [rate, scgf] = panels(svg);
    expect(panels(svg)).toHaveLength(2);
    expect(rate).toContain("rate function");
    expect(rate).toContain(`x* = ${Number(summary.xStar.toPrecision(4))}`);
    expect(rate).toContain("reward per token x");
    for (const label of [
      "J_Δ(x) under the optimum φ",
      "Cramér I_p(x) under p",
      "exact tails, n = 100, 1000",
    ]) {
      expect(texts(svg), label).toContain(label.replace(/_/g, ""));
    }
    expect(rate).toContain('aria-label="legend"');
    expect(countTags(withoutLegend(rate!), "circle")).toBe(checkCount);
    // Two lines and the dashed Cramér rate.
    expect(rate).toContain('stroke-dasharray="5,4"');
    const shades = new Set(
      [...withoutLegend(rate!).matchAll(/<g [^>]*fill="(#[0-9a-f]{6})" aria-label="dot"/g)].map((m) => m[1]),
    );
    expect(shades.size).toBe(LENGTHS.length);
    expect(scgf).toContain("scaled cumulant generating function");
  });

  it("draws Γ with its Rényi forms as circles and crosses", () => {
    const scgf = panels(svg)[1]!;
    expect(renyiCount).toBe(summary.scgf.length);
    expect(crossCount).toBe(summary.scgf.length);
    expect(countTags(withoutLegend(scgf), "circle")).toBe(renyiCount);
    const shown = texts(svg);
    expect(shown).toContain("Rényi cross-entropy form, t > −1");
    expect(shown).toContain(`Rényi divergence form, t > −λ* = −${Number(summary.lambda.toPrecision(3))}`);
    // The crosses: a path per point in a group stroked with their colour, and one in the legend.
    const group = withoutLegend(scgf).match(/<g [^>]*stroke="#e8a33d"[^>]*aria-label="dot">([\s\S]*?)<\/g>/);
    expect(countTags(group?.[1] ?? "", "path")).toBe(crossCount);
    expect(scgf.match(/<g [^>]*aria-label="legend"[\s\S]*?<\/g>/)?.[0]).toMatch(/<path [^>]*d="M/);
  });

  it("rasterises to a non-blank PNG", () => {
    const png = svgToPng(svg);
    expect(png.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([1800, 760]);
    const { width, height, pixels } = decodePng(png);
    const { colours, ink } = pixelStats(pixels);
    expect(colours).toBeGreaterThan(1);
    expect(ink / (width * height)).toBeGreaterThan(0.02);
  });

  it("drops non-finite rates and null Rényi forms", () => {
    const broken: LdpSummary = {
      ...summary,
      rate: [
        ...summary.rate,
        { x: -1, J: Number.POSITIVE_INFINITY, Ip: Number.POSITIVE_INFINITY },
        { x: Number.NaN, J: 1, Ip: 1 },
      ],
      scgf: [
        ...summary.scgf,
        { t: -5, value: -3, renyiCrossEntropyForm: null, renyiDivergenceForm: null },
        { t: 4, value: Number.NaN, renyiCrossEntropyForm: Number.NaN, renyiDivergenceForm: null },
      ],
    };
    const out = draw(broken, { checks: [{ n: 50, points: [{ x: 1.9, minusLogTailOverN: Number.NaN }] }] });
    for (const bad of ["NaN", "Infinity", "null"]) expect(out).not.toContain(bad);
    expect(countTags(withoutLegend(panels(out)[0]!), "circle")).toBe(0);
    expect(countTags(withoutLegend(panels(out)[1]!), "circle")).toBe(renyiCount);
  });

  it("renders a saturated budget, an empty summary and no checks without NaN", () => {
    const saturated = ldpSummary(ternary, 5, { grid: 41, checkLength: 100 });
    expect(saturated.saturated).toBe(true);
    const empty: LdpSummary = { ...summary, rate: [], scgf: [] };
    for (const out of [
      draw(saturated, { checks: [{ n: 100, points: saturated.check ?? [] }] }),
      draw(empty),
    ]) {
      expect(parseSvg(out).tagName.toLowerCase()).toBe("svg");
      for (const bad of ["NaN", "Infinity", "null"]) expect(out).not.toContain(bad);
      expect(panels(out)).toHaveLength(2);
      expect(svgToPng(out).subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
    }
    expect(draw(saturated)).toContain("saturated");
    expect(draw(empty)).toContain("no finite");
  });

  it("escapes the title", () => {
    const out = draw(summary, { checks, title: 'a < b & "c"' });
    expect(out).toContain("a &lt; b &amp; &quot;c&quot;");
    expect(() => svgToPng(out)).not.toThrow();
  });

  it("draws the curves it is given, the table's Rényi points as marks, and a budget marker", () => {
    const curves = ldpCurves(ternary, 0.5, summary);
    const figure = ldpPanels(summary, { checks, curves, budget: 0.5 });
    const [rate, scgf] = figure.panels.map((p) => marksOf(p.options));
    // The lines carry the fine samples; the Rényi marks stay at the table's t.
    const lines = (marks: typeof rate) =>
      marks!.filter((m) => m.ariaLabel === "line").map((m) => m.data!.length);
    expect(Math.max(...lines(rate))).toBe(curves.rate.length);
    expect(Math.max(...lines(scgf))).toBe(curves.scgf.length);
    expect(curves.rate.length).toBeGreaterThan(summary.rate.length);
    const dots = scgf!.filter((m) => m.ariaLabel === "dot").map((m) => m.data!.length);
    expect(dots).toEqual([renyiCount, crossCount]);
    // I_p(x*) = Δ, marked on Cramér's rate.
    expect(texts(ldpFigure(svgDocument(), summary, { curves, budget: 0.5 }))).toContain("Ip(x*) = Δ = 0.5");
  });

  it("says where each Rényi form is defined, so a lone marker is explained", () => {
    const bernoulli = createModel({ p: [0.7, 0.3], r: [0, 1] });
    const s = ldpSummary(bernoulli, 0.5);
    // At t = −λ*/2 < −1 the cross-entropy form is undefined and the divergence form is not.
    const lone = s.scgf.filter((g) => g.renyiCrossEntropyForm === null && g.renyiDivergenceForm !== null);
    expect(lone.length).toBeGreaterThan(0);
    expect(lone.every((g) => g.t <= -1 && g.t > -s.lambda)).toBe(true);
    const shown = texts(draw(s));
    expect(shown).toContain("Rényi cross-entropy form, t > −1");
    expect(shown.some((t) => t.startsWith("Rényi divergence form, t > −λ* = −"))).toBe(true);
  });

  it("keeps its legends off every curve, dot and rule, subtlex-afinn included", () => {
    const words = createModel(subtlexAfinnSpec(undefined, "model"));
    const wordSummary = ldpSummary(words, 0.5);
    const cases = [
      svg,
      draw(summary, { curves: ldpCurves(ternary, 0.5, summary), budget: 0.5 }),
      draw(wordSummary, { curves: ldpCurves(words, 0.5, wordSummary), checks }),
    ];
    for (const out of cases) {
      for (const plot of plotRoots(out)) {
        const box = legendBox(plot);
        expect(box).toBeDefined();
        const ink = drawnInk(plot);
        expect(ink.length).toBeGreaterThan(100);
        expect(inkInside(ink, box!)).toBe(0);
      }
    }
  }, 30_000);
});
