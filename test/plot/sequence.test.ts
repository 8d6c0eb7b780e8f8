import { describe, expect, it } from "vitest";
import { createModel } from "../../src/core/model.js";
import { bonSequence, type SequenceResult } from "../../src/core/sequence/bonSequence.js";
import { svgDocument, svgToPng } from "../../src/node/render.js";
import {
  sequenceFigure as draw,
  type SequenceOptions,
  type SequenceRun,
  sequencePanels,
} from "../../src/plot/sequence.js";
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
} from "../support/svg.js";

const LENGTHS = [10, 100, 1000, 10000];
const ternary = createModel({ p: [0.5, 0.3, 0.2], r: [0, 1, 2] });

const sweep = (klRate: number): SequenceResult[] => LENGTHS.map((n) => bonSequence(ternary, n, klRate));

const sequenceFigure = (r: readonly SequenceRun[], options?: SequenceOptions) =>
  draw(svgDocument(), r, options);
const runs = sweep(0.5);
const svg = sequenceFigure(runs, { title: "ternary model, Δ = 0.5" });

describe("sequenceFigure", () => {
  it("is one standalone <svg> document about 900 × 640", () => {
    expect(svg.trimStart().startsWith("<svg")).toBe(true);
    const el = parseSvg(svg);
    expect(el.tagName.toLowerCase()).toBe("svg");
    expect(el.getAttribute("xmlns")).toBe("http://www.w3.org/2000/svg");
    expect(el.getAttribute("width")).toBe("900");
    expect(el.getAttribute("height")).toBe("640");
    expect(el.getAttribute("font-family")).toContain("DejaVu Sans");
    expect(svg.trimEnd().endsWith("</svg>")).toBe(true);
    expect(svg).not.toMatch(/<figure|<div|<style/);
    expect(svg).not.toContain("NaN");
    expect(svg).not.toContain("Infinity");
  });

  it("draws four panels, each with a point per length, titles and legends", () => {
    const parts = panels(svg);
    expect(parts).toHaveLength(4);
    for (const part of parts) {
      expect(countTags(part, "circle")).toBeGreaterThanOrEqual(LENGTHS.length);
      expect(part).toContain('aria-label="legend"');
      expect(part).toContain("sequence length n (log scale)");
    }
    expect(countTags(svg, "circle")).toBeGreaterThanOrEqual(4 * LENGTHS.length);
    for (const text of [
      "reward per token",
      "KL to reference per token",
      "KL to the optimum per token",
      "KL to the optimum vs ½ log n",
      "optimum x* = 1.505",
      "budget Δ = 0.5",
      "folklore (log N − (N−1)/N) / n",
      "(fitted)",
      "ternary model, Δ = 0.5",
      "10⁴",
    ]) {
      expect(texts(svg).join("\n")).toContain(text);
    }
  });

  it("rasterises to a non-blank PNG", () => {
    const png = svgToPng(svg);
    expect(png.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([1800, 1280]);
    const { width, height, pixels } = decodePng(png);
    const { colours, ink } = pixelStats(pixels);
    expect(colours).toBeGreaterThan(1);
    expect(ink / (width * height)).toBeGreaterThan(0.02);
  });

  it("renders a saturated sweep, where KL to the optimum is infinite, without NaN", () => {
    const saturated = sweep(2);
    expect(saturated.every((r) => r.bon.klToOptimal === Number.POSITIVE_INFINITY)).toBe(true);
    const out = sequenceFigure(saturated);
    expect(parseSvg(out).tagName.toLowerCase()).toBe("svg");
    expect(out).not.toContain("NaN");
    expect(out).not.toContain("Infinity");
    expect(out).toContain("saturation log 1/p*");
    const parts = panels(out);
    expect(parts).toHaveLength(4);
    // Reward and KL to the reference are still drawn; the two KL-to-optimum panels say why they are empty.
    expect(countTags(parts[0]!, "circle")).toBeGreaterThanOrEqual(LENGTHS.length);
    expect(countTags(parts[1]!, "circle")).toBeGreaterThanOrEqual(LENGTHS.length);
    for (const part of parts.slice(2)) expect(part).toContain("infinite");
    expect(svgToPng(out).subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
  });

  it("drops non-finite values, sorts by length and copes with one or no runs", () => {
    const first = runs[0]!;
    const broken: SequenceResult = {
      ...first,
      length: 50,
      bon: {
        ...first.bon,
        rewardPerToken: Number.NaN,
        klToOptimal: Number.NaN,
        klToOptimalPerToken: -Infinity,
      },
    };
    const mixed = sequenceFigure([...runs].reverse().concat(broken));
    expect(mixed).not.toContain("NaN");
    expect(mixed).not.toContain("Infinity");
    for (const out of [sequenceFigure([first]), sequenceFigure([], { title: "nothing yet" })]) {
      expect(parseSvg(out).tagName.toLowerCase()).toBe("svg");
      expect(out).not.toContain("NaN");
      expect(out).not.toContain("Infinity");
      expect(svgToPng(out).subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
    }
  });

  it("escapes the title", () => {
    const out = sequenceFigure(runs, { title: 'a < b & "c"' });
    expect(out).toContain("a &lt; b &amp; &quot;c&quot;");
    expect(() => svgToPng(out)).not.toThrow();
  });

  it("draws KL to the optimum per token on a log axis, and linear when a value is not positive", () => {
    const panel = (r: readonly SequenceRun[]) => sequencePanels(r).panels[2]!.options.y as { type?: string };
    expect(panel(runs).type).toBe("log");
    expect(texts(svg)).toContain("nats per token (log scale)");
    const zero = runs.map((r, i) => (i === 0 ? { ...r, bon: { ...r.bon, klToOptimalPerToken: 0 } } : r));
    expect(panel(zero).type).toBe("linear");
  });

  it("marks a chosen length in every panel and says so", () => {
    const marked = sequencePanels(runs, { chosenLength: 100 });
    for (const p of marked.panels) {
      const rules = marksOf(p.options).filter((m) => m.ariaLabel === "rule");
      expect(rules).toHaveLength(1);
    }
    expect(texts(sequenceFigure(runs, { chosenLength: 100 }))[0]).toContain("dotted: the chosen n = 100");
  });

  it("keeps every legend off the lines and dots", () => {
    for (const out of [svg, sequenceFigure(sweep(0.1), { chosenLength: 1000 })]) {
      for (const plot of plotRoots(out)) {
        const box = legendBox(plot);
        expect(box).toBeDefined();
        expect(inkInside(drawnInk(plot), box!)).toBe(0);
      }
    }
  });
});
