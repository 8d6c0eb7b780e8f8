// Figures in Node: rasterising, writing files atomically, and the document the figures draw with.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as Plot from "@observablehq/plot";
import { afterAll, describe, expect, it } from "vitest";
import { InputError } from "../../src/core/errors.js";
import { writeFileAtomic } from "../../src/node/files.js";
import { svgDocument, svgToPng, writeFigure } from "../../src/node/render.js";
import { frontierFigure } from "../../src/plot/frontier.js";
import { plotToSvg } from "../../src/plot/svg.js";
import { decodePng, PNG_SIGNATURE, pixelStats } from "../support/svg.js";

const svg = frontierFigure(svgDocument(), {
  optimal: [
    { kl: 0, reward: 0.3, lambda: 0 },
    { kl: 0.5, reward: 0.8, lambda: 2 },
    { kl: Math.log(1 / 0.3), reward: 1, lambda: null },
  ],
  bon: [{ n: 2, logN: Math.log(2), kl: 0.1, reward: 0.51, klBound: Math.log(2) - 0.5 }],
  klMax: Math.log(1 / 0.3),
  rewardMax: 1,
});

describe("plotToSvg", () => {
  it("refuses output that is not an SVG", () => {
    expect(() =>
      plotToSvg({ title: "wrapped in a figure", marks: [Plot.dot([[1, 2]])] }, svgDocument()),
    ).toThrow(/<figure>/);
  });

  it("makes a standalone document: namespace, font, white background, no <style>", () => {
    const out = plotToSvg({ marks: [Plot.dot([[1, 2]])] }, svgDocument());
    expect(out).toMatch(/^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(out).toMatch(/^<svg[^>]*font-family="DejaVu Sans/);
    expect(out).toMatch(/^<svg[^>]*><rect[^>]*fill="white"/);
    expect(out).not.toContain("<style");
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
    const { width, height, pixels } = decodePng(svgToPng(svg));
    const { colours, ink } = pixelStats(pixels);
    expect(colours).toBeGreaterThan(1);
    expect(ink / (width * height)).toBeGreaterThan(0.01);
  });
});

describe("writeFigure and writeFileAtomic", () => {
  const dir = mkdtempSync(join(tmpdir(), "bonkl-render-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("rejects extensions other than .svg and .png, writing nothing", () => {
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
    writeFigure(svgPath, `${svg}<!-- again -->`);
    expect(readFileSync(svgPath, "utf8")).toContain("again");
  });

  it("leaves nothing behind when the write fails", () => {
    // A directory where the file should go: the rename fails, the temporary file is removed.
    const target = join(dir, "taken");
    writeFileAtomic(join(target, "inside.txt"), "x");
    expect(() => writeFileAtomic(target, "y")).toThrow();
    expect(readdirSync(dir).filter((f) => f.endsWith(".tmp"))).toEqual([]);
    expect(readFileSync(join(target, "inside.txt"), "utf8")).toBe("x");
  });
});
