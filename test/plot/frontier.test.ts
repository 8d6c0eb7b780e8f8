import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as Plot from "@observablehq/plot";
import { Resvg } from "@resvg/resvg-js";
import { afterAll, describe, expect, it } from "vitest";
import { InputError } from "../../src/core/errors.js";
import { type FrontierData, frontierFigure } from "../../src/plot/frontier.js";
import { plotToSvg, svgToPng, writeFigure } from "../../src/plot/render.js";
import { countTags, PNG_SIGNATURE, parseSvg, pixelStats } from "../support/svg.js";

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
  const optimal: FrontierData["optimal"] = [];
  for (let lambda = 0; lambda <= 40; lambda += 0.1) {
    const q = (THETA * Math.exp(lambda)) / (1 - THETA + THETA * Math.exp(lambda));
    optimal.push({ kl: klBern(q), reward: q, lambda });
  }
  optimal.push({ kl: Math.log(1 / THETA), reward: 1, lambda: null });
  const bon = [1, 2, 4, 8, 16, 64, 256, 4096].map((n) => {
    const q = 1 - (1 - THETA) ** n;
    return { n, logN: Math.log(n), kl: klBern(q), reward: q, klBound: Math.log(n) - (n - 1) / n };
  });
  const softBon: NonNullable<FrontierData["softBon"]> = [];
  for (const n of [4, 16]) {
    for (const temperature of [Number.POSITIVE_INFINITY, 4, 2, 1, 0.5, 0.25, 0.1, 0.03, 0]) {
      const q = softPickOne(n, temperature);
      softBon.push({ n, temperature, kl: klBern(q), reward: q });
    }
  }
  return { optimal, bon, softBon, klMax: Math.log(1 / THETA), rewardMax: 1 };
}

const data = bernoulliFrontier();
const svg = frontierFigure(data, "Bernoulli(0.3)");

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
    for (const text of [
      "KL(π ‖ p) (nats)",
      "expected reward",
      "saturation log 1/p*",
      "folklore bound, off-scale",
      "N=4",
      "soft best-of-N, N = 4, 16",
      "Bernoulli(0.3)",
    ]) {
      expect(svg).toContain(text);
    }
    expect(svg).not.toContain("NaN");
  });

  it("puts the folklore point beyond the cap off-scale", () => {
    // log 4096 − 4095/4096 ≈ 7.3 is far past 1.5 log(1/0.3) ≈ 1.8: an arrow, not a squeezed axis.
    const ticks = [...svg.matchAll(/aria-label="x-axis tick label"[\s\S]*?<\/g>/g)][0]?.[0] ?? "";
    const values = [...ticks.matchAll(/>([\d.]+)<\/text>/g)].map((m) => Number(m[1]));
    expect(values.length).toBeGreaterThan(3);
    expect(Math.max(...values)).toBeLessThan(2);
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
    const out = frontierFigure(bad);
    expect(parseSvg(out).tagName.toLowerCase()).toBe("svg");
    expect(out).not.toContain("NaN");
    expect(out).not.toContain("Infinity");

    const empty = frontierFigure({ optimal: [], bon: [], klMax: Number.NaN, rewardMax: Number.NaN });
    expect(empty).not.toContain("NaN");
    expect(empty).not.toContain("Infinity");
  });
});

describe("plotToSvg", () => {
  it("refuses output that is not an SVG", () => {
    expect(() => plotToSvg({ title: "wrapped in a figure", marks: [Plot.dot([[1, 2]])] })).toThrow(
      /<figure>/,
    );
  });
});

describe("svgToPng", () => {
  it("rasterises at twice the size by default, or to a given width", () => {
    const png = svgToPng(svg);
    expect(png.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
    expect(png.toString("ascii", 12, 16)).toBe("IHDR");
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([1440, 880]);
    const small = svgToPng(svg, 360);
    expect([small.readUInt32BE(16), small.readUInt32BE(20)]).toEqual([360, 220]);
  });

  it("draws something", () => {
    const image = new Resvg(svg, { background: "white" }).render();
    const { colours, ink } = pixelStats(image.pixels);
    expect(colours).toBeGreaterThan(1);
    expect(ink / (image.width * image.height)).toBeGreaterThan(0.01);
  });
});

describe("writeFigure", () => {
  const dir = mkdtempSync(join(tmpdir(), "bonkl-plot-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("rejects extensions other than .svg and .png", () => {
    const attempt = () => writeFigure("x.pdf", svg);
    expect(attempt).toThrow(InputError);
    expect(attempt).toThrow('--plot: expected a file name ending in .svg or .png, got "x.pdf"');
    expect(existsSync("x.pdf")).toBe(false);
  });

  it("writes SVG and PNG, creating directories and leaving no temporary files", () => {
    const svgPath = join(dir, "nested", "deeper", "frontier.svg");
    const pngPath = join(dir, "nested", "frontier.png");
    writeFigure(svgPath, svg);
    writeFigure(pngPath, svg);
    expect(readFileSync(svgPath, "utf8")).toBe(svg);
    expect(readFileSync(pngPath).subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
    expect(readdirSync(join(dir, "nested")).sort()).toEqual(["deeper", "frontier.png"]);
    expect(readdirSync(join(dir, "nested", "deeper"))).toEqual(["frontier.svg"]);
    // Overwriting replaces the file in one step.
    writeFigure(svgPath, svg.replace("Bernoulli(0.3)", "again"));
    expect(readFileSync(svgPath, "utf8")).toContain("again");
  });
});
