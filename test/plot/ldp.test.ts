import { describe, expect, it } from "vitest";
import { createModel } from "../../src/core/model.js";
import { type LdpSummary, ldpSummary } from "../../src/core/sequence/ldp.js";
import { type LdpCheck, ldpFigure } from "../../src/plot/ldp.js";
import { svgToPng } from "../../src/plot/render.js";
import {
  countTags,
  decodePng,
  PNG_SIGNATURE,
  panels,
  parseSvg,
  pixelStats,
  withoutLegend,
} from "../support/svg.js";

const LENGTHS = [100, 1000];
const ternary = createModel({ p: [0.5, 0.3, 0.2], r: [0, 1, 2] });

const summary = ldpSummary(ternary, 0.5, { grid: 41 });
const checks: LdpCheck[] = LENGTHS.map((n) => ({
  n,
  points: ldpSummary(ternary, 0.5, { grid: 41, checkLength: n }).check ?? [],
}));
const svg = ldpFigure(summary, checks, "ternary model, Δ = 0.5");

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
    for (const label of ["J(x) under the optimum φ", "Cramér I(x) under p", "n = 100", "n = 1000"]) {
      expect(rate).toContain(label);
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
    for (const label of ["Rényi cross-entropy form", "Rényi divergence form"]) expect(scgf).toContain(label);
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
    const out = ldpFigure(broken, [{ n: 50, points: [{ x: 1.9, minusLogTailOverN: Number.NaN }] }]);
    for (const bad of ["NaN", "Infinity", "null"]) expect(out).not.toContain(bad);
    expect(countTags(withoutLegend(panels(out)[0]!), "circle")).toBe(0);
    expect(countTags(withoutLegend(panels(out)[1]!), "circle")).toBe(renyiCount);
  });

  it("renders a saturated budget, an empty summary and no checks without NaN", () => {
    const saturated = ldpSummary(ternary, 5, { grid: 41, checkLength: 100 });
    expect(saturated.saturated).toBe(true);
    const empty: LdpSummary = { ...summary, rate: [], scgf: [] };
    for (const out of [ldpFigure(saturated, [{ n: 100, points: saturated.check ?? [] }]), ldpFigure(empty)]) {
      expect(parseSvg(out).tagName.toLowerCase()).toBe("svg");
      for (const bad of ["NaN", "Infinity", "null"]) expect(out).not.toContain(bad);
      expect(panels(out)).toHaveLength(2);
      expect(svgToPng(out).subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
    }
    expect(ldpFigure(saturated)).toContain("saturated");
    expect(ldpFigure(empty)).toContain("no finite");
  });

  it("escapes the title", () => {
    const out = ldpFigure(summary, checks, 'a < b & "c"');
    expect(out).toContain("a &lt; b &amp; &quot;c&quot;");
    expect(() => svgToPng(out)).not.toThrow();
  });
});
