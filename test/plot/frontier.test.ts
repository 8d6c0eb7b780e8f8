import { describe, expect, it } from "vitest";
import { svgDocument } from "../../src/node/render.js";
import { type FrontierData, frontierFigure, frontierPlot } from "../../src/plot/frontier.js";
import { PALETTE } from "../../src/plot/style.js";
import { marksOf } from "../support/plot.js";
import { countTags, drawnInk, inkInside, legendBox, parseSvg, plotRoots, texts } from "../support/svg.js";

// Bernoulli(θ) with reward = outcome, everything in closed form.
const THETA = 0.3;
const klBern = (q: number): number =>
  (q > 0 ? q * Math.log(q / THETA) : 0) + (q < 1 ? (1 - q) * Math.log((1 - q) / (1 - THETA)) : 0);

function binomial(n: number, k: number): number {
  let c = 1;
  for (let i = 1; i <= k; i++) c = (c * (n - k + i)) / i;
  return c;
}

/** Soft best-of-N picks among N samples with weights e^{r/τ}: P(pick 1) summed over the number of ones. */
function softPickOne(n: number, temperature: number): number {
  const w = temperature === 0 ? Number.POSITIVE_INFINITY : Math.exp(1 / temperature);
  let total = 0;
  for (let k = 1; k <= n; k++) {
    const pick = Number.isFinite(w) ? (k * w) / (k * w + n - k) : 1;
    total += binomial(n, k) * THETA ** k * (1 - THETA) ** (n - k) * pick;
  }
  return total;
}

function bernoulliFrontier(): FrontierData {
  const optimal: { kl: number; reward: number; lambda: number | null }[] = [];
  for (let lambda = 0; lambda <= 40; lambda += 0.1) {
    const q = (THETA * Math.exp(lambda)) / (1 - THETA + THETA * Math.exp(lambda));
    optimal.push({ kl: klBern(q), reward: q, lambda });
  }
  optimal.push({ kl: Math.log(1 / THETA), reward: 1, lambda: null });
  const bon = [1, 2, 4, 8, 16, 64, 256, 4096].map((n) => {
    const q = 1 - (1 - THETA) ** n;
    return { n, logN: Math.log(n), kl: klBern(q), reward: q, klBound: Math.log(n) - (n - 1) / n };
  });
  const softBon: { n: number; temperature: number; kl: number; reward: number }[] = [];
  for (const n of [4, 16]) {
    for (const temperature of [Number.POSITIVE_INFINITY, 4, 2, 1, 0.5, 0.25, 0.1, 0.03, 0]) {
      const q = softPickOne(n, temperature);
      softBon.push({ n, temperature, kl: klBern(q), reward: q });
    }
  }
  return { optimal, bon, softBon, klMax: Math.log(1 / THETA), rewardMax: 1 };
}

const data = bernoulliFrontier();
const svg = frontierFigure(svgDocument(), data, { title: "Bernoulli(0.3)" });

describe("frontierFigure", () => {
  it("is a standalone <svg> document", () => {
    expect(svg.trimStart().startsWith("<svg")).toBe(true);
    const root = parseSvg(svg);
    expect(root.tagName.toLowerCase()).toBe("svg");
    expect(root.getAttribute("xmlns")).toBe("http://www.w3.org/2000/svg");
    expect(root.getAttribute("width")).toBe("720");
    expect(root.getAttribute("height")).toBe("440");
    expect(root.getAttribute("font-family")).toContain("DejaVu Sans");
    expect(svg).not.toMatch(/<figure|<div|<style/);
  });

  it("draws every series, the labels and the legend", () => {
    expect(countTags(svg, "circle")).toBeGreaterThanOrEqual(data.bon.length);
    expect(countTags(svg, "path")).toBeGreaterThan(0);
    for (const label of ["line", "dot", "link", "arrow", "rule", "legend"]) {
      expect(svg, label).toContain(`aria-label="${label}"`);
    }
    const shown = texts(svg);
    for (const text of [
      "KL(π ‖ p) (nats)",
      "expected reward",
      "saturation log 1/p* = 1.2",
      "folklore KL beyond the frame",
      "N=4",
      "soft best-of-N, N = 4, 16",
      "Bernoulli(0.3)",
    ]) {
      expect(shown, text).toContain(text);
    }
    expect(svg).not.toContain("NaN");
  });

  it("puts the folklore point beyond the cap off-scale, and says so in the legend", () => {
    // log 4096 − 4095/4096 ≈ 7.3 is far past 1.5 log(1/0.3) ≈ 1.8: an arrow, not a squeezed axis.
    const x = frontierPlot(data).x as { domain: [number, number] };
    expect(x.domain[1]).toBeLessThan(2);
    const arrows = marksOf(frontierPlot(data)).find((m) => m.ariaLabel === "arrow");
    expect(arrows?.data?.length).toBeGreaterThan(0);
    // Without an off-scale point, no arrow row in the legend.
    const near = { ...data, bon: data.bon.filter((b) => b.klBound < 1.5 * Math.log(1 / THETA)) };
    expect(texts(frontierFigure(svgDocument(), near))).not.toContain("folklore KL beyond the frame");
  });

  it("draws soft best-of-N over the optimum, so it shows where they coincide", () => {
    const lines = marksOf(frontierPlot(data)).filter((m) => m.ariaLabel === "line");
    const optimum = lines.findIndex((m) => m.stroke === PALETTE.optimum && (m.data as unknown[]).length > 2);
    const soft = lines.findIndex((m) => typeof m.stroke === "function" || m.stroke === undefined);
    expect(optimum).toBeGreaterThanOrEqual(0);
    expect(soft).toBeGreaterThan(optimum);
  });

  it("places its legend where it covers no line, dot, link or arrow, with and without rings", () => {
    const chosen = {
      optimum: { kl: 0.5, reward: 0.81 },
      bon: { kl: data.bon[3]!.kl, reward: data.bon[3]!.reward },
      softBon: { kl: 0.3, reward: 0.7 },
    };
    for (const out of [svg, frontierFigure(svgDocument(), data, { chosen })]) {
      const [plot] = plotRoots(out);
      const box = legendBox(plot!);
      expect(box).toBeDefined();
      expect(inkInside(drawnInk(plot!), box!)).toBe(0);
    }
    const ringed = frontierFigure(svgDocument(), data, { chosen });
    expect(texts(ringed)).toContain("at the chosen Δ, N, τ");
    const rings = marksOf(frontierPlot(data, { chosen }))
      .filter((m) => m.ariaLabel === "dot")
      .pop();
    expect(rings?.data?.length).toBe(3);
  });

  it("labels no point whose label would cross the saturation rule or another label", () => {
    const labels = texts(svg).filter((t) => t.startsWith("N="));
    expect(new Set(labels).size).toBe(labels.length);
    expect(labels.length).toBeGreaterThan(2);
  });

  it("drops non-finite values instead of drawing NaN", () => {
    const bad: FrontierData = {
      optimal: [
        ...data.optimal,
        { kl: Number.NaN, reward: 0.5, lambda: 1 },
        { kl: 0.5, reward: Number.POSITIVE_INFINITY, lambda: null },
      ],
      bon: [
        ...data.bon,
        { n: 3, logN: Math.log(3), kl: Number.NaN, reward: 0.6, klBound: 0.4 },
        { n: 5, logN: Math.log(5), kl: 0.4, reward: 0.7, klBound: Number.NaN },
        { n: null, logN: Number.NaN, kl: 0.9, reward: 0.8, klBound: Number.POSITIVE_INFINITY },
      ],
      softBon: [
        ...(data.softBon ?? []),
        { n: 4, temperature: Number.NaN, kl: 0.1, reward: 0.4 },
        { n: 8, temperature: 1, kl: Number.NEGATIVE_INFINITY, reward: 0.4 },
      ],
      klMax: Number.NaN,
      rewardMax: Number.POSITIVE_INFINITY,
    };
    const out = frontierFigure(svgDocument(), bad, {
      chosen: { optimum: { kl: Number.NaN, reward: 1 }, bon: { kl: 1, reward: Number.POSITIVE_INFINITY } },
    });
    expect(parseSvg(out).tagName.toLowerCase()).toBe("svg");
    expect(out).not.toContain("NaN");
    expect(out).not.toContain("Infinity");

    const empty = frontierFigure(svgDocument(), {
      optimal: [],
      bon: [],
      klMax: Number.NaN,
      rewardMax: Number.NaN,
    });
    expect(empty).not.toContain("NaN");
    expect(empty).not.toContain("Infinity");
  });
});
