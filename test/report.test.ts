import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createModel } from "../src/core/model.js";
import { sequenceSummary, tiltSummary } from "../src/core/summaries.js";
import { close } from "./support/assert.js";
import { PNG_SIGNATURE } from "./support/svg.js";

const ROOT = resolve(import.meta.dirname, "..");
const OUT = mkdtempSync(join(tmpdir(), "bonkl-report-"));
afterAll(() => rmSync(OUT, { recursive: true, force: true }));

describe("bonkl report --quick", () => {
  const run = spawnSync(
    process.execPath,
    [join(ROOT, "bin", "bonkl.mjs"), "report", "--quick", "--models", "ternary,bernoulli:0.3", "--out", OUT],
    { cwd: ROOT, encoding: "utf8" },
  );

  it("runs, prints a summary on stdout and progress on stderr", () => {
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/ternary: log\(1\/p\*\) = 1\.60944/);
    expect(run.stdout).toMatch(/wrote 10 files/);
    expect(run.stderr).toMatch(/report: ternary/);
  });

  it("results.json agrees with direct library calls", () => {
    const results = JSON.parse(readFileSync(join(OUT, "results.json"), "utf8"));
    const ternary = createModel({ p: [0.5, 0.3, 0.2], r: [0, 1, 2] });
    const t = results.ternary;
    // log(1/p*) = log 5 for p* = 0.2.
    close(t.klMax, Math.log(5), 1e-15);
    for (const row of t.tilt) close(row.reward, tiltSummary(ternary, { kl: row.kl }).reward, 1e-14);
    expect(t.sequence.length).toBe(2);
    const runs = t.sequence[1].runs;
    const last = runs[runs.length - 1];
    const direct = sequenceSummary(ternary, last.length, t.sequence[1].klRate);
    close(last.bon.klToOptimal, direct.bon.klToOptimal, 1e-14);
    close(last.bon.rewardPerToken, direct.bon.rewardPerToken, 1e-14);
    expect(results["bernoulli:0.3"].ldp.scgf.length).toBeGreaterThan(3);
  });

  it("report.html is one page with every figure inline, and the PNGs are real images", () => {
    const html = readFileSync(join(OUT, "report.html"), "utf8");
    expect(html).toMatch(/^<!doctype html>/);
    expect((html.match(/<figure>/g) ?? []).length).toBe(8);
    expect(html).not.toMatch(/NaN|undefined/);
    for (const name of ["ternary-frontier", "ternary-sequence-1", "ternary-sequence-2", "ternary-ldp"]) {
      const png = readFileSync(join(OUT, `${name}.png`));
      expect(png.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
    }
  });
});
