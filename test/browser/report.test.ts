import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, watchErrors } from "../support/browser.js";

/**
 * The default `--quick` report opened in headless Chromium: the page loads without console errors, and
 * every figure has drawn marks with real geometry as the browser lays them out.
 */
const ROOT = resolve(import.meta.dirname, "..", "..");
const OUT = mkdtempSync(join(tmpdir(), "bonkl-report-browser-"));

interface FigureMarks {
  /** Paths, circles, lines and rects (besides the white background) with a non-empty bounding box. */
  readonly drawn: number;
  readonly paths: number;
  readonly circles: number;
  readonly rects: number;
  readonly width: number;
  readonly height: number;
  /** The figure's id: the name of its PNG. */
  readonly name: string;
}

/**
 * Runs in the page (a string, as the project compiles without the DOM library): each figure's marks as
 * Chromium lays them out. The first rect of every document and panel is its white background, not a mark.
 */
const MEASURE_FIGURES = `Array.from(document.querySelectorAll("figure > svg")).map((svg) => {
  const marks = Array.from(svg.querySelectorAll("path, circle, line, rect"));
  const ink = marks.filter((el) => !(el.tagName === "rect" && el.getAttribute("fill") === "white"));
  const drawn = ink.filter((el) => {
    const box = el.getBBox();
    return box.width > 0 || box.height > 0;
  });
  const count = (tag) => drawn.filter((el) => el.tagName === tag).length;
  const rect = svg.getBoundingClientRect();
  return {
    drawn: drawn.length,
    paths: count("path"),
    circles: count("circle"),
    rects: count("rect"),
    width: rect.width,
    height: rect.height,
    name: svg.parentElement.id,
  };
})`;

let browser: Browser;
let figures: FigureMarks[] = [];
let errors: string[] = [];
let numbers = 0;

beforeAll(async () => {
  const run = spawnSync(
    process.execPath,
    [join(ROOT, "bin", "bonkl.mjs"), "report", "--quick", "--out", OUT],
    {
      cwd: ROOT,
      encoding: "utf8",
    },
  );
  if (run.status !== 0) throw new Error(`bonkl report failed: ${run.stderr}`);
  browser = await launchBrowser();
  const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
  errors = watchErrors(page);
  const failed: string[] = [];
  page.on("requestfailed", (request) => failed.push(request.url()));
  await page.goto(pathToFileURL(join(OUT, "report.html")).href, { waitUntil: "load" });
  errors.push(...failed.map((url) => `request failed: ${url}`));
  figures = (await page.evaluate(MEASURE_FIGURES)) as FigureMarks[];
  numbers = await page.locator("span.num").count();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  rmSync(OUT, { recursive: true, force: true });
});

describe("the --quick report in Chromium", () => {
  it("loads without console errors or failed requests", () => {
    expect(errors).toEqual([]);
  });

  it("shows one inline figure per PNG, each laid out at a real size", () => {
    const pngs = readdirSync(OUT).filter((f) => f.endsWith(".png"));
    // Default models: ternary and bernoulli:0.3 (5 figures each), subtlex-afinn (5 and the words).
    expect(pngs.length).toBe(16);
    expect(figures.length).toBe(pngs.length);
    for (const f of figures) {
      expect(f.width, f.name).toBeGreaterThan(300);
      expect(f.height, f.name).toBeGreaterThan(200);
    }
  });

  it("every figure has drawn marks with non-empty geometry", () => {
    for (const f of figures) {
      expect(f.drawn, f.name).toBeGreaterThanOrEqual(5);
      expect(f.paths + f.circles + f.rects, f.name).toBeGreaterThan(0);
    }
    // Figures are named <model>-<figure>, as their PNGs.
    const named = (part: string) => figures.filter((f) => f.name.endsWith(part));
    // The bar charts draw their bars as rects: 20 words; at least 5 policies' KL to the optimum.
    const words = named("-words");
    expect(words).toHaveLength(1);
    expect(words[0]!.rects).toBeGreaterThanOrEqual(20);
    const identity = named("-identity");
    expect(identity).toHaveLength(3);
    for (const f of identity) expect(f.circles, f.name).toBeGreaterThanOrEqual(5);
    // Frontier curves and sequence panels are paths.
    for (const f of named("-frontier")) expect(f.paths, f.name).toBeGreaterThanOrEqual(2);
  });

  it("writes the prose numbers as traceable spans", () => {
    expect(numbers).toBeGreaterThan(60);
  });
});
