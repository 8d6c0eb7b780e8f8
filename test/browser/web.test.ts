// The explorer page, end to end: built with Vite, served by `bonkl serve`'s server, driven in headless
// Chromium. Expected numbers come from the core summary functions the CLI prints with --json (and once
// from the CLI itself), evaluated here in Node for the same inputs: the page's engine and Node's agree
// within CROSS_ENGINE (test/support/ulps.ts), not to the digit.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import type { Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { build } from "vite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bonSummary, sequenceSummary, softBonSummary, tiltSummary } from "../../src/app/index.js";
import { parseJson } from "../../src/app/json.js";
import { presetSpec } from "../../src/app/presets.js";
import { startServer } from "../../src/cli/commands/serve.js";
import { InputError } from "../../src/core/errors.js";
import { createModel, type ModelSpec } from "../../src/core/model.js";
import { svgDocument } from "../../src/node/render.js";
import { subtlexAfinnSpec } from "../../src/node/subtlexAfinn.js";
import { distributionFigure } from "../../src/plot/distribution.js";
import { frontierFigure } from "../../src/plot/frontier.js";
import { ldpFigure } from "../../src/plot/ldp.js";
import { sequenceFigure } from "../../src/plot/sequence.js";
import { exact, GROUPS, valueAt } from "../../src/web/numbers.js";
import { fromQuery } from "../../src/web/state.js";
import { launchBrowser, watchErrors } from "../support/browser.js";
import { workerReplies } from "../support/replies.js";
import { parseSvg } from "../support/svg.js";
import { engineMismatches, expectSameNumbers } from "../support/ulps.js";

const SITE = mkdtempSync(join(tmpdir(), "bonkl-web-"));
let server: Server;
let base: string;
let browser: Browser;

beforeAll(async () => {
  await build({
    configFile: "vite.config.ts",
    logLevel: "silent",
    build: { outDir: SITE, emptyOutDir: true },
  });
  ({ server, url: base } = await startServer({ dir: SITE, port: 0, host: "127.0.0.1" }));
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  server?.close();
  rmSync(SITE, { recursive: true, force: true });
});

/** A fresh page that records console errors and any dialog (an injected alert would open one). */
async function openPage(
  query: string,
  { deviceScaleFactor = 1, ...viewport }: { width: number; height: number; deviceScaleFactor?: number } = {
    width: 1400,
    height: 1000,
  },
): Promise<{ page: Page; errors: string[]; dialogs: string[] }> {
  const page = await browser.newPage({ viewport, deviceScaleFactor });
  const errors = watchErrors(page);
  const dialogs: string[] = [];
  page.on("dialog", (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  await page.goto(base + query);
  return { page, errors, dialogs };
}

const requestOf = async (page: Page) => Number(await page.locator("body").getAttribute("data-request"));

/** The page's <body> data attributes, read in the page (the tests compile without the DOM library). */
type PageGlobal = { document: { body: { dataset: Record<string, string | undefined> } } };

/** Waits until both workers have answered every phase of the latest request, newer than `since`. */
async function ready(page: Page, since = -1, timeout = 30_000): Promise<void> {
  await page.waitForFunction(
    (after) => {
      const data = (globalThis as unknown as PageGlobal).document.body.dataset;
      return data.state === "ready" && Number(data.request) > after;
    },
    since,
    { timeout },
  );
}

/** Types into a text control and commits it (Enter fires `change`), then returns the new request id. */
async function enter(page: Page, id: string, value: string): Promise<number> {
  const before = await requestOf(page);
  await page.locator(`#${id}`).fill(value);
  await page.locator(`#${id}`).press("Enter");
  await page.waitForFunction(
    (b) => Number((globalThis as unknown as PageGlobal).document.body.dataset.request) > b,
    before,
  );
  return requestOf(page);
}

/** Every cell of the numbers table: key → exact value. */
async function shownNumbers(page: Page): Promise<Record<string, string | null>> {
  const cells = page.locator("#numbers td[data-key]");
  const out: Record<string, string | null> = {};
  for (const cell of await cells.all()) {
    out[(await cell.getAttribute("data-key"))!] = await cell.getAttribute("data-value");
  }
  return out;
}

/** What the table must show: the CLI's summaries for the same model and inputs. */
function expectedNumbers(model: ModelSpec, kl: number, length: number, n: number, temperature: number) {
  const m = createModel(model, "model");
  const data = {
    tilt: tiltSummary(m, { kl }),
    bon: bonSummary(m, { n }),
    softBon: softBonSummary(m, { n, temperature }),
    sequence: sequenceSummary(m, length, kl),
  };
  return Object.fromEntries(GROUPS.flatMap((g) => g.rows).map((r) => [r.key, exact(valueAt(data, r.key))]));
}

/** The message the CLI would print for a model text (after "bonkl: error: "). */
function cliMessage(text: string): string {
  try {
    createModel(parseJson(text, "model") as ModelSpec, "model");
  } catch (e) {
    if (e instanceof InputError) return `${e.field}: ${e.detail}`;
  }
  throw new Error("expected the model to be rejected");
}

describe("web explorer", () => {
  it("shows the CLI's numbers, and the new ones after Δ changes; downloads JSON, SVG and PNG", async () => {
    const { page, errors } = await openPage("?model=ternary&kl-rate=0.5&length=100&n=16&temperature=0.5");
    await ready(page);
    const ternary = presetSpec("ternary")!;
    expectSameNumbers(await shownNumbers(page), expectedNumbers(ternary, 0.5, 100, 16, 0.5));

    await enter(page, "kl", "0.7");
    await ready(page);
    expectSameNumbers(await shownNumbers(page), expectedNumbers(ternary, 0.7, 100, 16, 0.5));
    expect(new URL(page.url()).searchParams.get("kl-rate")).toBe("0.7");

    // The JSON download carries the CLI's own output: compare with `bonkl tilt … --json` itself.
    const [download] = await Promise.all([page.waitForEvent("download"), page.click("#download-numbers")]);
    const numbers = JSON.parse(readFileSync((await download.path())!, "utf8"));
    const cli = JSON.parse(
      execFileSync("node", ["bin/bonkl.mjs", "tilt", "--model", "ternary", "--kl", "0.7", "--json"], {
        encoding: "utf8",
      }),
    );
    expect(engineMismatches(numbers.tilt, cli)).toEqual([]);
    expect(numbers.distribution.map((d: { outcome: string }) => d.outcome).sort()).toEqual(["0", "1", "2"]);

    const svg = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("button", { name: /frontier.*as SVG/ }).click(),
    ]);
    expect(readFileSync((await svg[0].path())!, "utf8")).toMatch(
      /^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/,
    );
    const png = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("button", { name: /frontier.*as PNG/ }).click(),
    ]);
    // The PNG signature (ISO/IEC 15948 §5.2).
    expect([...readFileSync((await png[0].path())!).subarray(0, 8)]).toEqual([
      137, 80, 78, 71, 13, 10, 26, 10,
    ]);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("shows the CLI's message next to the input for a bad uploaded or pasted model", async () => {
    const { page, errors } = await openPage("?model=ternary");
    await ready(page);
    await page.selectOption("#preset", "json");
    const bad = '{"p": [0.5, 0.6], "r": [0, 1]}';
    await page.setInputFiles("#model-file", {
      name: "bad.json",
      mimeType: "application/json",
      buffer: Buffer.from(bad),
    });
    await expect.poll(() => page.locator("#model-message").textContent()).toBe(cliMessage(bad));
    expect(cliMessage(bad)).toMatch(/^model\.p: probabilities sum to/);

    const malformed = '{"p": [0.5, 0.5], "r": [0, 1]';
    await page.locator("#model-json").fill(malformed);
    await page.click("#use-json");
    await expect.poll(() => page.locator("#model-message").textContent()).toBe(cliMessage(malformed));
    expect(await page.locator("#model-json").getAttribute("aria-invalid")).toBe("true");
    expect(errors).toEqual([]);
    await page.close();
  });

  it("shows labels from an uploaded model as text, never as HTML", async () => {
    const { page, errors, dialogs } = await openPage("?model=ternary");
    await ready(page);
    await page.selectOption("#preset", "json");
    const label = "<img src=x onerror=alert(1)>";
    const model = JSON.stringify({ outcomes: [label, "b"], p: [0.5, 0.5], r: [0, 1] });
    const before = await requestOf(page);
    await page.setInputFiles("#model-file", {
      name: "m.json",
      mimeType: "application/json",
      buffer: Buffer.from(model),
    });
    await ready(page, before);
    expect(await page.locator("#outcomes tbody th").allTextContents()).toContain(label);
    // In the figure the label is an SVG text node (shortened to 22 characters).
    expect(await page.locator("#distributions svg text", { hasText: "<img src=x onerror" }).count()).toBe(1);
    expect(await page.locator("img").count()).toBe(0);
    expect(dialogs).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("round-trips the state through a shared link", async () => {
    const { page, errors } = await openPage("");
    await ready(page);
    await page.selectOption("#preset", "bernoulli");
    await enter(page, "theta", "0.2");
    await enter(page, "kl", "0.15");
    // Keyboard: a focused slider moves with the arrow keys (n on a log₁₀ scale, step 0.01: 10^3.01).
    const before = await requestOf(page);
    await page.focus("#length-range");
    await page.keyboard.press("ArrowRight");
    await ready(page, before);
    expect(await page.locator("#length").inputValue()).toBe(String(Math.round(10 ** 3.01)));
    expect(new URL(page.url()).searchParams.get("length")).toBe("1023");
    await enter(page, "length", "300");
    // The slider follows the text box, to its step of 0.01.
    expect(Number(await page.locator("#length-range").inputValue())).toBeCloseTo(Math.log10(300), 2);
    await enter(page, "n", "100");
    await enter(page, "temperature", "0.25");
    await ready(page);
    const link = page.url();
    expect(fromQuery(new URL(link).search)).toEqual({
      state: { model: "bernoulli:0.2", json: "", kl: 0.15, length: 300, n: 100, temperature: 0.25 },
      ignored: [],
    });
    const shown = await shownNumbers(page);
    expectSameNumbers(shown, expectedNumbers(presetSpec("bernoulli:0.2")!, 0.15, 300, 100, 0.25));

    const second = await openPage(new URL(link).search);
    await ready(second.page);
    expect(await shownNumbers(second.page)).toEqual(shown);
    for (const id of ["preset", "theta", "kl", "length", "n", "temperature"]) {
      expect(await second.page.locator(`#${id}`).inputValue()).toBe(
        await page.locator(`#${id}`).inputValue(),
      );
    }
    expect(second.errors).toEqual([]);
    expect(errors).toEqual([]);
    await Promise.all([page.close(), second.page.close()]);
  });

  it("redraws the subtlex-afinn frontier after a change of Δ (timed), and saves a screenshot", async () => {
    const { page, errors } = await openPage(
      "?model=subtlex-afinn&kl-rate=0.3&length=1000&n=16&temperature=0.5",
    );
    // The first frontier (the model is built and its frontier computed once); later panels keep coming.
    await page.waitForSelector("#frontier[data-request]", { timeout: 60_000 });
    const times: number[] = [];
    const parts: string[] = [];
    for (const kl of ["0.31", "0.32", "0.33", "0.34", "0.35"]) {
      const id = await enter(page, "kl", kl);
      await page.waitForSelector(`#frontier[data-request="${id}"]`, { timeout: 30_000 });
      times.push(Number(await page.locator("#frontier").getAttribute("data-redraw-ms")));
      parts.push((await page.locator("#frontier").getAttribute("data-redraw-parts")) ?? "");
    }
    const sorted = [...times].sort((a, b) => a - b);
    process.stderr.write(
      `web: subtlex-afinn (74,286 words) frontier redraw after a change of Δ: median ${sorted[2]} ms, ` +
        `max ${sorted[4]} ms (${times.join(", ")}; split ${parts.join(" ")})\n`,
    );
    expect(times.every((t) => t > 0 && Number.isFinite(t))).toBe(true);
    await ready(page, -1, 60_000);
    // The word data bundled into the page gives the model the CLI builds from node_modules.
    const spec = subtlexAfinnSpec(undefined, "model");
    expectSameNumbers(await shownNumbers(page), expectedNumbers(spec, 0.35, 1000, 16, 0.5));
    for (const part of ["fast", "slow"]) {
      const phases = await page.locator("body").getAttribute(`data-${part}-phases`);
      process.stderr.write(
        `web: subtlex-afinn, ${part} worker, ms per phase of the last request: ${phases}\n`,
      );
    }
    mkdirSync("out", { recursive: true });
    await page.screenshot({ path: "out/web.png", fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  });

  it("draws its figures with the CLI's figure code: the same SVG for the same inputs", async () => {
    // At a device pixel ratio of 2 Plot draws without its half-pixel offset for crisp lines at ratio 1,
    // as it does in Node.
    const { page, errors } = await openPage("?model=ternary&kl-rate=0.5&length=100&n=16&temperature=0.5", {
      width: 1400,
      height: 1000,
      deviceScaleFactor: 2,
    });
    await ready(page);
    // The page's figures as SVG text, read in the page (the tests compile without the DOM library).
    type PageDom = {
      document: { querySelector(s: string): unknown };
      XMLSerializer: new () => { serializeToString(n: unknown): string };
    };
    const shown = await page.evaluate((names) => {
      const g = globalThis as unknown as PageDom;
      return names.map((n) => new g.XMLSerializer().serializeToString(g.document.querySelector(`#${n} svg`)));
    }, FIGURES);

    // The same replies the workers post, drawn here in Node with linkedom.
    const model = createModel(presetSpec("ternary")!, "model");
    const params = { kl: 0.5, length: 100, n: 16, temperature: 0.5 };
    const { of } = await workerReplies(model, params);
    const f = of("frontier");
    const rate = of("rate");
    const doc = svgDocument();
    const expected = [
      frontierFigure(
        doc,
        { ...f.frontier, softBon: of("softCurve").points },
        { chosen: { optimum: f.optimum, bon: f.bon, softBon: f.softBon } },
      ),
      sequenceFigure(doc, of("convergence").runs, { chosenLength: 100 }),
      ldpFigure(doc, rate.ldp, { curves: rate.curves, budget: 0.5 }),
      distributionFigure(doc, of("outcomes").top),
    ];
    FIGURES.forEach((name, i) => {
      const [a, b] = [shape(shown[i]!), shape(expected[i]!)];
      expect(a.length, name).toBeGreaterThan(50);
      expect(a, name).toEqual(b);
    });
    expect(errors).toEqual([]);
    await page.close();
  });

  it("at phone width (390 px) shows the controls above the figures, covering none", async () => {
    const { page, errors } = await openPage("?model=ternary", { width: 390, height: 844 });
    await ready(page);
    type Rect = { top: number; bottom: number; left: number; right: number };
    type PageDom = {
      document: { getElementById(id: string): { getBoundingClientRect(): Rect; scrollIntoView(): void } };
      scrollY: number;
    };
    const box = (id: string) =>
      page.evaluate((which) => {
        const g = globalThis as unknown as PageDom;
        const r = g.document.getElementById(which).getBoundingClientRect();
        return { top: r.top + g.scrollY, bottom: r.bottom + g.scrollY, left: r.left, right: r.right };
      }, id);
    const [controls, frontier] = [await box("controls"), await box("frontier")];
    // In page coordinates: the controls end before the first figure begins.
    expect(controls.bottom).toBeLessThanOrEqual(frontier.top);
    // Scrolled to the figure, what is seen at its points is the figure, not the controls.
    await page.locator("#frontier").scrollIntoViewIfNeeded();
    for (const [fx, fy] of [
      [0.2, 0.1],
      [0.5, 0.5],
      [0.8, 0.9],
    ] as const) {
      const hit = await page.evaluate(
        ([px, py]) => {
          const g = globalThis as unknown as {
            document: {
              getElementById(id: string): { getBoundingClientRect(): Rect };
              elementFromPoint(x: number, y: number): { closest(s: string): unknown } | null;
            };
          };
          const r = g.document.getElementById("frontier").getBoundingClientRect();
          const el = g.document.elementFromPoint(
            r.left + px * (Math.min(r.right, 390) - r.left),
            r.top + py * (r.bottom - r.top),
          );
          return { inFigure: !!el?.closest("#frontier"), inControls: !!el?.closest("#controls") };
        },
        [fx, fy] as const,
      );
      expect(hit).toEqual({ inFigure: true, inControls: false });
    }
    mkdirSync("out", { recursive: true });
    await page.screenshot({ path: "out/web-390.png" });
    await page.screenshot({ path: "out/web-390-full.png", fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  });
});

const FIGURES = ["frontier", "convergence", "rate", "distributions"] as const;

/**
 * An SVG's structure: each element's tag, its attributes (numbers to 3 decimals: engines differ in the
 * last ulp of exp and log; style declarations as the browser normalises them) and its own text, in
 * document order; the page's role and label on the root are the page's, not the figure's.
 */
function shape(svg: string): string[] {
  const out: string[] = [];
  const walk = (el: ReturnType<typeof parseSvg>, root: boolean) => {
    const attrs = [...el.attributes]
      .filter((a: { name: string }) => !(root && (a.name === "role" || a.name === "aria-label")))
      .map(
        (a: { name: string; value: string }) =>
          `${a.name}=${(a.name === "style" ? normalStyle(a.value) : a.value).replace(/-?\d+\.\d+(e[-+]?\d+)?/g, (v) => String(Number(Number(v).toFixed(3))))}`,
      )
      .sort();
    const text = [...el.childNodes]
      .filter((n: { nodeType: number }) => n.nodeType === 3)
      .map((n: { textContent: string }) => n.textContent)
      .join("");
    out.push(`${el.tagName.toLowerCase()} ${attrs.join(" ")} ${text}`);
    for (const child of [...el.children]) walk(child, false);
  };
  walk(parseSvg(svg), true);
  return out;
}

/** A style attribute's declarations, spaces dropped, rgb() as hex, sorted. */
function normalStyle(style: string): string {
  return style
    .split(";")
    .map((d) => d.replace(/\s+/g, ""))
    .filter(Boolean)
    .map((d) =>
      d.replace(
        /rgb\((\d+),(\d+),(\d+)\)/g,
        (_, r, g, b) => `#${[r, g, b].map((c: string) => Number(c).toString(16).padStart(2, "0")).join("")}`,
      ),
    )
    .sort()
    .join(";");
}
