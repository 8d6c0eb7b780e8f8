import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import fc from "fast-check";
import { DOMParser } from "linkedom";
import { afterAll, describe, expect, it } from "vitest";
import { gapSummary, sequenceSummary, tiltSummary } from "../../src/app/index.js";
import { resolveModel } from "../../src/app/model.js";
import { modelSteps, REPORT_MAX_SPAN } from "../../src/app/plans/model.js";
import { splitModelList } from "../../src/cli/commands/report.js";
import { bestOfN } from "../../src/core/bon.js";
import { createModel, type Model } from "../../src/core/model.js";
import { rewardLaw } from "../../src/core/rewardLaw.js";
import { ldpSummary } from "../../src/core/sequence/ldp.js";
import { softBestOfN, softBonOutcomeLogProbs } from "../../src/core/softBon.js";
import { lambdaForKl, tiltAt, tiltLogProbs } from "../../src/core/tilt.js";
import { nodeModelIo } from "../../src/node/models.js";
import { svgDocument } from "../../src/node/render.js";
import { identityFigure } from "../../src/plot/identity.js";
import { wordsFigure } from "../../src/plot/words.js";
import { formatValue, type NumberFormat, valueAt } from "../../src/report/refs.js";
import { close, SEED } from "../support/assert.js";
import { countTags, decodePng, PNG_SIGNATURE, parseSvg, pixelStats } from "../support/svg.js";

const ROOT = resolve(import.meta.dirname, "..", "..");
const OUT = mkdtempSync(join(tmpdir(), "bonkl-report-"));
afterAll(() => rmSync(OUT, { recursive: true, force: true }));

const bonkl = (...args: string[]) =>
  spawnSync(process.execPath, [join(ROOT, "bin", "bonkl.mjs"), ...args], { cwd: ROOT, encoding: "utf8" });

/** results.json writes ±∞ as strings; this reads them back. */
const num = (v: unknown): number =>
  v === "Infinity" ? Number.POSITIVE_INFINITY : v === "-Infinity" ? Number.NEGATIVE_INFINITY : (v as number);

// A word model small enough to check outcome by outcome, large enough (> 100 words) to get the words figure.
const WORDS = "subtlex-afinn:3000";

describe("rewardLaw: a model collapsed to its reward levels", () => {
  it("gives the same tilt, best-of-N, soft best-of-N and sequence values as the model (random tied models)", () => {
    // The reduction is exact in real arithmetic (MATH §1–3: each method keeps every level's law ∝ p), so the
    // two computations, summed in different orders, may differ only by rounding.
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0.01, max: 1, noNaN: true }), { minLength: 3, maxLength: 12 }),
        fc.array(fc.integer({ min: -2, max: 2 }), { minLength: 12, maxLength: 12 }),
        fc.double({ min: 0.05, max: 3, noNaN: true }),
        (counts, levels, lambda) => {
          const model = createModel({ counts, r: levels.slice(0, counts.length) });
          const law = rewardLaw(model);
          if (model.rMax === model.rMin) return;
          const [a, b] = [tiltAt(model, lambda), tiltAt(law, lambda)];
          close(b.reward, a.reward, 1e-12, 1e-14);
          close(b.kl, a.kl, 1e-10, 1e-15);
          close(bestOfN(law, { n: 7.5 }).kl, bestOfN(model, { n: 7.5 }).kl, 1e-10, 1e-15);
          const soft = (m: Model) => softBestOfN(m, { n: 5, temperature: 1 / lambda });
          close(soft(law).kl, soft(model).kl, 1e-9, 1e-14);
          const delta = 0.5 * model.klMax;
          const seq = (m: Model) => sequenceSummary(m, 50, delta);
          close(seq(law).bon.klToOptimal, seq(model).bon.klToOptimal, 1e-8, 1e-12);
          close(seq(law).bon.rewardPerToken, seq(model).bon.rewardPerToken, 1e-10, 1e-12);
        },
      ),
      { seed: SEED, numRuns: 40 },
    );
  });

  it("has one outcome per reward level, carrying its mass", () => {
    const model = createModel({ p: [0.1, 0.2, 0.3, 0.4], r: [1, 0, 1, 2] });
    const law = rewardLaw(model);
    expect(Array.from(law.r)).toEqual([0, 1, 2]);
    // Masses summed by hand: r = 1 holds 0.1 + 0.3.
    close(law.p[0]!, 0.2, 1e-15);
    close(law.p[1]!, 0.4, 1e-15);
    close(law.p[2]!, 0.4, 1e-15);
  });
});

describe("bonkl report --quick", () => {
  const run = bonkl("report", "--quick", "--models", `ternary,bernoulli:0.3,${WORDS}`, "--out", OUT);
  const results = () => JSON.parse(readFileSync(join(OUT, "results.json"), "utf8"));
  const html = () => readFileSync(join(OUT, "report.html"), "utf8");

  it("runs, prints a summary on stdout and plain progress lines on stderr (no terminal here)", () => {
    expect(run.stderr).not.toMatch(/error/);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/ternary: log\(1\/p\*\) = 1\.60944/);
    // 5 + 5 + 6 figures as PNG, results.json and report.html.
    expect(run.stdout).toMatch(/wrote 18 files/);
    expect(run.stderr).toMatch(/^bonkl: report: ternary: frontier$/m);
    expect(run.stderr).toMatch(/^bonkl: report: subtlex-afinn:3000: words$/m);
    // A bar would draw with carriage returns and escape sequences.
    expect(run.stderr).not.toContain("\r");
    expect(run.stderr).not.toContain("\u001b[");
  });

  it("results.json agrees with direct library calls on the toy models", () => {
    const ternary = createModel({ p: [0.5, 0.3, 0.2], r: [0, 1, 2] });
    const t = results().ternary;
    // log(1/p*) = log 5 for p* = 0.2.
    close(t.klMax, Math.log(5), 1e-15);
    for (const row of t.tilt) close(row.reward, tiltSummary(ternary, { kl: row.kl }).reward, 1e-14);
    expect(t.sequence.length).toBe(2);
    const runs = t.sequence[1].runs;
    const last = runs[runs.length - 1];
    const direct = sequenceSummary(ternary, last.length, t.sequence[1].klRate);
    close(last.bon.klToOptimal, direct.bon.klToOptimal, 1e-14);
    close(last.bon.rewardPerToken, direct.bon.rewardPerToken, 1e-14);
    // The best-of-N point furthest below the curve: V at its KL from a separate tilt solve, and the exact
    // best-of-N reward at that N.
    close(t.bonGap.optimalReward, tiltSummary(ternary, { kl: t.bonGap.kl }).reward, 1e-12);
    close(t.bonGap.reward, bestOfN(ternary, { n: t.bonGap.n }).reward, 1e-14);
    for (const b of t.frontier.bon.filter((b: { kl: number }) => b.kl < t.klMax)) {
      const gap = tiltSummary(ternary, { kl: b.kl }).reward - b.reward;
      expect(gap).toBeLessThanOrEqual(t.bonGap.gap + 1e-12);
    }
    // Every policy: KL to the optimum directly and by the identity agree (MATH §1).
    for (const q of t.policies) close(q.klToOptimalByIdentity, q.klToOptimal, 1e-9, 1e-13);
    expect(results()["bernoulli:0.3"].ldp.scgf.length).toBeGreaterThan(3);
  });

  it("results.json agrees with direct calls on the word model, outcome by outcome", async () => {
    // The report works on the reward law where it may; here everything is recomputed on all 3000 words.
    const words = await resolveModel(WORDS, nodeModelIo);
    const w = results()[WORDS];
    close(w.meanReward, words.mean, 1e-15);
    expect(w.outcomes).toBe(3000);
    for (const row of w.tilt) close(row.reward, tiltSummary(words, { kl: row.kl }).reward, 1e-11);
    // Soft best-of-N at τ = 1/λ_Δ placed against the optimum, from the full distribution over words.
    const soft = w.policies.find((q: { kind: string; n: number }) => q.kind === "soft-bon" && q.n === 16);
    const s = softBestOfN(words, { n: 16, temperature: soft.temperature });
    const q = Array.from(softBonOutcomeLogProbs(words, s), Math.exp);
    const total = q.reduce((a, b) => a + b, 0);
    const direct = gapSummary(
      words,
      q.map((x) => x / total),
    );
    close(soft.kl, direct.kl, 1e-9);
    close(soft.klToOptimal, direct.klToOptimal, 1e-7);
    close(soft.temperature, 1 / lambdaForKl(words, w.budget).lambda, 1e-12);
    // The words that move: φ_Δ(w) from the tilt over all words.
    const logphi = tiltLogProbs(words, lambdaForKl(words, w.movers.klRate).point);
    const top = w.movers.gain[0];
    const i = words.labels.indexOf(top.outcome);
    close(top.phi, Math.exp(logphi[i]!), 1e-12);
    let best = Number.NEGATIVE_INFINITY;
    for (let j = 0; j < words.size; j++) best = Math.max(best, Math.exp(logphi[j]!) - words.p[j]!);
    close(top.phi - top.p, best, 1e-12);
    // The finite-n large-deviation points from the exact law of S_n over all words.
    const check = w.ldp.checks[0];
    const at = ldpSummary(words, w.budget, {
      xs: check.points.map((pt: { x: number }) => pt.x),
      checkLength: check.n,
    });
    for (const [k, pt] of check.points.entries()) {
      close(pt.minusLogTailOverN, at.check![k]!.minusLogTailOverN, 1e-9);
      close(pt.J, at.rate[k]!.J, 1e-9);
    }
  });

  it("every number in the prose is read from results.json, and no other number is written", () => {
    const doc = new DOMParser().parseFromString(html(), "text/html");
    const r = results();
    const all = (root: { querySelectorAll(s: string): ArrayLike<unknown> }, selector: string) =>
      Array.from(root.querySelectorAll(selector)) as Node[];
    interface Node {
      textContent: string | null;
      getAttribute(name: string): string | null;
      querySelectorAll(s: string): ArrayLike<unknown>;
      remove(): void;
    }
    const spans = all(doc, "span.num");
    expect(spans.length).toBeGreaterThan(60);
    for (const span of spans) {
      const path = JSON.parse(span.getAttribute("data-ref")!);
      const value = num(valueAt(r, path));
      expect(Number.isNaN(value)).toBe(false);
      expect(span.textContent).toBe(formatValue(value, span.getAttribute("data-format") as NumberFormat));
    }
    // Digits left outside those spans belong to notation, the paper's year or a data set's name.
    const notation = [
      /log N − \(N−1\)\/N/g,
      /½ log n/g,
      /ISIT 2024/g,
      /AFINN-165/g,
      /\(∝ p²\)/g,
      /log\(1\/p\*\)/g,
      /log 1\/p\*/g,
      /1\/λ/g,
      /−\(1\/n\)/g,
      /(−|\/)1/g,
    ];
    for (const p of all(doc, "p, figcaption")) {
      for (const s of all(p, "span.num")) s.remove();
      let text = p.textContent ?? "";
      for (const pattern of notation) text = text.replace(pattern, "");
      expect(text, text).not.toMatch(/\d/);
    }
  });

  it("report.html is one page with every figure inline, and every PNG is a real, non-blank image", () => {
    const page = html();
    expect(page).toMatch(/^<!doctype html>/);
    expect(page).toContain('<link rel="icon" href="data:,">');
    expect(page).not.toMatch(/NaN|undefined|\[object/);
    const pngs = readdirSync(OUT).filter((f) => f.endsWith(".png"));
    expect(pngs.length).toBe(16);
    // Each figure inline, named as its PNG.
    expect((page.match(/<figure id="[^"]+">/g) ?? []).map((f) => `${f.slice(12, -2)}.png`).sort()).toEqual(
      [...pngs].sort(),
    );
    // A paragraph under every figure.
    expect((page.match(/<figcaption>/g) ?? []).length).toBe(pngs.length);
    for (const name of ["ternary-identity", "subtlex-afinn-3000-words", "bernoulli-0-3-ldp"]) {
      expect(pngs).toContain(`${name}.png`);
    }
    for (const name of pngs) {
      const png = readFileSync(join(OUT, name));
      expect(png.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
      const { width, height, pixels } = decodePng(png);
      expect(width).toBeGreaterThan(600);
      const stats = pixelStats(pixels);
      // Drawn at twice the nominal size: lines, dots, bars and text cover well over 1% of the pixels, in
      // several colours (a blank or one-colour image fails).
      expect(stats.ink, name).toBeGreaterThan(0.01 * width * height);
      expect(stats.colours, name).toBeGreaterThan(20);
    }
  });

  it("takes inline JSON models in --models, named by their place in the list", () => {
    expect(splitModelList('ternary, {"p":[0.5,0.5],"r":[0,1]},bernoulli:0.3,')).toEqual([
      "ternary",
      '{"p":[0.5,0.5],"r":[0,1]}',
      "bernoulli:0.3",
    ]);
    // Commas and brackets inside a JSON string do not split.
    expect(splitModelList('{"outcomes":["a,]","b"],"p":[1,1],"r":[0,1]},ternary')).toEqual([
      '{"outcomes":["a,]","b"],"p":[1,1],"r":[0,1]}',
      "ternary",
    ]);
    const dir = mkdtempSync(join(tmpdir(), "bonkl-report-inline-"));
    try {
      const out = join(dir, "out");
      const ok = bonkl("report", "--quick", "--models", 'ternary,{"p":[0.5,0.5],"r":[0,1]}', "--out", out);
      expect(ok.status).toBe(0);
      const res = JSON.parse(readFileSync(join(out, "results.json"), "utf8"));
      // Two equiprobable outcomes: log(1/p*) = log 2.
      close(res["inline-2"].klMax, Math.LN2, 1e-15);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("rejects bad --models or --out with one line and exit code 2, writing nothing", () => {
    const empty = mkdtempSync(join(tmpdir(), "bonkl-report-bad-"));
    try {
      const file = join(empty, "a-file");
      writeFileSync(file, "");
      const cases = [
        { flag: "--models", args: ["--models", ",", "--out", join(empty, "out")] },
        { flag: "--models", args: ["--models", "ternary,nonsense:3", "--out", join(empty, "out")] },
        { flag: "--out", args: ["--models", "ternary", "--out", join(file, "out")] },
      ];
      for (const { flag, args } of cases) {
        const bad = bonkl("report", ...args);
        expect(bad.status).toBe(2);
        expect(bad.stderr.trim().split("\n")).toHaveLength(1);
        expect(bad.stderr.startsWith(`bonkl: error: ${flag}: `)).toBe(true);
        expect(readdirSync(empty)).toEqual(["a-file"]);
      }
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});

describe("modelSteps", () => {
  it("leaves out sequences for rewards off any coarse lattice, and says why", () => {
    // √2 against 0 and 1: the finest lattice within 1e-9 has far more than REPORT_MAX_SPAN steps.
    const model = createModel({ p: [0.2, 0.3, 0.5], r: [0, 1, Math.SQRT2] });
    const { results, steps } = modelSteps("irrational", model, true);
    for (const step of steps) step.run();
    expect(results.sequence).toBeUndefined();
    expect(results.ldp).toBeUndefined();
    expect(results.sequenceSkipped?.maxLatticeSpan).toBe(REPORT_MAX_SPAN);
    expect(results.policies?.length).toBe(5);
  });
});

describe("wordsFigure", () => {
  const move = (outcome: string, reward: number, p: number, phi: number) => ({ outcome, reward, p, phi });
  const svg = wordsFigure(
    svgDocument(),
    [move('<b>"good"&', 3, 0.01, 0.05), move("nice", 2, 0.02, 0.03)],
    [move("the", 0, 0.05, 0.04), move("bad", -3, 0.01, 0.001)],
    0.5,
    "words",
  );

  it("writes words as escaped text, never as markup", () => {
    expect(svg).not.toContain("<b>");
    const texts = Array.from(parseSvg(svg).querySelectorAll("text"), (t) => t.textContent);
    expect(texts).toContain('<b>"good"& (+3)');
    expect(texts).toContain("bad (−3)");
  });

  it("draws one bar per word, gains right of zero and losses left, as long as the change", () => {
    const bars = Array.from(parseSvg(svg).querySelectorAll("rect")).filter(
      (r) => r.getAttribute("fill") !== "white",
    );
    expect(bars).toHaveLength(4);
    const widths = bars.map((b) => Number(b.getAttribute("width")));
    // Changes in percentage points: +4, +1, −1, −0.9; bar lengths are proportional to them.
    close(widths[0]! / widths[1]!, 4, 1e-6);
    close(widths[2]! / widths[3]!, 1 / 0.9, 1e-6);
    const x = bars.map((b) => Number(b.getAttribute("x")));
    expect(x[2]! + widths[2]!).toBeCloseTo(x[0]!, 6);
    expect(countTags(svg, "text")).toBeGreaterThan(8);
  });
});

describe("identityFigure", () => {
  const policy = (name: string, kl: number, reward: number, optimalReward: number, lambda: number) => ({
    policy: name,
    kl,
    reward,
    optimalReward,
    klToOptimal: lambda * (optimalReward - reward),
    klToOptimalByIdentity: lambda * (optimalReward - reward),
  });
  const optimal = Array.from({ length: 50 }, (_, i) => ({ kl: i / 20, reward: Math.sqrt(i / 20) }));

  it("places each policy with a link to the curve and a bar as long as its KL to the optimum", () => {
    const svg = identityFigure(svgDocument(), {
      optimal,
      policies: [policy("near", 0.5, 0.69, Math.SQRT1_2, 1.4), policy("far", 1, 0.2, 1, 1)],
    });
    const [plane, bars] = svg.split('<g aria-label="panel"').slice(1);
    // Two policies and their two points on the curve; two links.
    expect(countTags(plane!, "circle")).toBeGreaterThanOrEqual(4);
    const rects = Array.from(parseSvg(`<svg>${bars}`).querySelectorAll("rect")).filter(
      (r) => r.getAttribute("fill") !== "white",
    );
    const widths = rects.map((r) => Number(r.getAttribute("width")));
    // KL to the optimum λ·gap: 1.4·(√½ − 0.69) against 1·(1 − 0.2), on the toy curve V = √KL.
    close(widths[1]! / widths[0]!, 0.8 / (1.4 * (Math.SQRT1_2 - 0.69)), 1e-3);
  });

  it("writes ∞ for a policy with mass where the optimum has none, and draws no NaN", () => {
    const svg = identityFigure(svgDocument(), {
      optimal,
      policies: [
        {
          policy: "off",
          kl: 3,
          reward: 1,
          optimalReward: 1.5,
          klToOptimal: Number.POSITIVE_INFINITY,
          klToOptimalByIdentity: Number.POSITIVE_INFINITY,
        },
      ],
    });
    expect(svg).toContain("∞");
    expect(svg).not.toMatch(/NaN/);
  });
});
