import { describe, expect, it } from "vitest";
import { svgDocument } from "../../src/node/render.js";
import { type DistributionRow, distributionFigure, distributionPlot } from "../../src/plot/distribution.js";
import { drawnInk, inkInside, legendBox, parseSvg, plotRoots, texts } from "../support/svg.js";

const row = (outcome: string, p: number, phi: number, pi: number, piSoft: number): DistributionRow => ({
  outcome,
  p,
  phi,
  pi,
  piSoft,
});
// The ternary model p = (0.5, 0.3, 0.2) with one law nearly all on the top outcome.
const rows = [
  row("2", 0.2, 0.62, 0.97, 0.74),
  row("0", 0.5, 0.12, 0.0, 0.05),
  row("1", 0.3, 0.26, 0.03, 0.21),
];

describe("distributionFigure", () => {
  it("has a probability axis within [0, 1], however long the bars", () => {
    for (const data of [rows, [row("a", 1, 1, 1, 1)], [row("a", 0.001, 0.002, 0.003, 0.004)]]) {
      const x = distributionPlot(data).x as { domain: [number, number] };
      expect(x.domain[0]).toBe(0);
      expect(x.domain[1]).toBeLessThanOrEqual(1);
      const longest = Math.max(...data.flatMap((r) => [r.p, r.phi, r.pi, r.piSoft]));
      expect(x.domain[1]).toBeGreaterThanOrEqual(longest);
    }
  });

  it("keeps the legend off the bars, inside the frame or above it", () => {
    for (const data of [rows, [row("a", 1, 1, 1, 1), row("b", 0.9, 0.95, 0.99, 0.97)]]) {
      const svg = distributionFigure(svgDocument(), data);
      const [plot] = plotRoots(svg);
      expect(inkInside(drawnInk(plot!), legendBox(plot!)!)).toBe(0);
    }
  });

  it("shows labels as text, the series in notation", () => {
    const svg = distributionFigure(svgDocument(), [row("<img src=x onerror=alert(1)>", 0.5, 0.5, 0.5, 0.5)]);
    expect(svg).not.toContain("<img");
    expect(texts(svg)).toContain("<img src=x onerror=al…");
    for (const label of ["p (reference)", "φΔ (optimum)", "πN (best-of-N)", "soft best-of-N"]) {
      expect(texts(svg)).toContain(label);
    }
    expect(parseSvg(svg).tagName.toLowerCase()).toBe("svg");
  });
});
