import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { bestOfN, folkloreKlBound } from "../../src/core/bon.js";
import { beiramiKl } from "../../src/core/estimate/beirami.js";
import { levelCurves } from "../../src/core/estimate/curves.js";
import { empiricalLaw, pluginBestOfN, tiltEstimate } from "../../src/core/estimate/empirical.js";
import { levelTiltForKl, scoreLevels } from "../../src/core/estimate/tiltLevels.js";
import { unbiasedBonReward } from "../../src/core/estimate/unbiased.js";
import { createModel } from "../../src/core/model.js";
import { estimateFile } from "../../src/node/estimate.js";
import { close, SEED } from "../support/assert.js";

const ROOT = resolve(import.meta.dirname, "..", "..");
const BIN = join(ROOT, "bin", "bonkl.mjs");
const TMP = mkdtempSync(join(tmpdir(), "bonkl-estimate-"));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));

function cli(args: readonly string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("close", (status) => done({ status, stdout, stderr }));
  });
}

const f64 = (x: readonly number[]) => Float64Array.from(x);

/** Ascending distinct values and counts of a sample. */
function levelsOf(x: readonly number[]): { values: Float64Array; counts: Float64Array } {
  const m = new Map<number, number>();
  for (const v of x) m.set(v, (m.get(v) ?? 0) + 1);
  const values = [...m.keys()].sort((a, b) => a - b);
  return { values: f64(values), counts: f64(values.map((v) => m.get(v)!)) };
}

describe("best-of-N curves on the empirical law", () => {
  it("KL, win rate and law equal the exact engine (bestOfN on the counts model), ties included", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 6 }), { minLength: 2, maxLength: 30 }), (x) => {
        const { values, counts } = levelsOf(x);
        const nMax = 12;
        const c = levelCurves(counts, nMax);
        const model = createModel({ counts: Array.from(counts), r: Array.from(values) });
        for (let n = 1; n <= nMax; n++) {
          const b = bestOfN(model, { n });
          close(c.kl[n - 1]!, b.kl, 1e-12, 1e-15);
          close(c.winRate[n - 1]!, b.winRate, 1e-13);
          let s = 0;
          for (let l = 0; l < values.length; l++) {
            close(c.pluginLaw[(n - 1) * values.length + l]!, Math.exp(b.levelLogProbs[l]!), 1e-12, 1e-300);
            s += c.unbiasedWeights[(n - 1) * values.length + l]! * values[l]!;
          }
          // Level weights give the unbiased estimator (MATH §5), computed independently by sorting samples.
          if (n <= x.length) close(s, unbiasedBonReward(f64(x), undefined, n)[n - 1]!, 1e-12, 1e-13);
        }
      }),
      { seed: SEED, numRuns: 150 },
    );
  });
});

describe("the Beirami et al. estimator", () => {
  it("limits: D̂(0) = log N − (N−1)/N, D̂(1) = 0, N = 1 gives 0, and 0 ≤ D̂ ≤ the bound", () => {
    expect(beiramiKl(10, 0)).toBe(folkloreKlBound(Math.log(10)));
    expect(beiramiKl(10, 1)).toBe(0);
    expect(beiramiKl(1, 0.3)).toBe(0);
    for (const n of [2, 7, 100]) {
      for (const e of [1e-12, 1e-3, 0.1, 0.5, 0.99]) {
        const d = beiramiKl(n, e);
        expect(d).toBeGreaterThanOrEqual(0);
        expect(d).toBeLessThanOrEqual(folkloreKlBound(Math.log(n)));
      }
    }
  });

  it("is the exact KL of best-of-N for a top atom of mass ε over a near-atomless rest", () => {
    // Independent check by the engine: K equal small outcomes sharing 1 − ε below one atom ε at the top.
    // Discretising the atomless part costs O(N²/K) nats (Beirami et al., Thm 3.4 with δ = 1/K).
    const K = 200000;
    for (const [n, eps] of [
      [4, 0.05],
      [16, 0.2],
      [50, 0.01],
    ] as const) {
      const p = [...new Array<number>(K).fill((1 - eps) / K), eps];
      const r = p.map((_, i) => i);
      const exact = bestOfN(createModel({ p, r }), { n }).kl;
      close(beiramiKl(n, eps), exact, 0, (2 * n * n) / K);
    }
  });
});

describe("the tilt of the empirical law on levels", () => {
  it("agrees with lambdaForKl / tiltEstimate (λ, reward, gold, ESS), saturation included", () => {
    fc.assert(
      fc.property(
        // Scores spread by ~1e-100 or budgets of ~1e-200 nats put λ_Δ at the edge of the double range, where
        // the two solvers may round differently: real reward models and KL budgets are not at that scale.
        fc.array(
          fc.oneof(
            fc.integer({ min: -3, max: 3 }),
            fc.double({ min: -5, max: 5, noNaN: true }).filter((v) => v === 0 || Math.abs(v) > 1e-6),
          ),
          { minLength: 2, maxLength: 40 },
        ),
        fc.array(fc.oneof(fc.constant(0), fc.double({ min: 1e-10, max: 5, noNaN: true })), {
          minLength: 1,
          maxLength: 6,
        }),
        (x, deltas) => {
          const gold = x.map((v, i) => Math.sin(v) + i);
          const law = empiricalLaw(f64(x), f64(gold));
          const { values, counts } = levelsOf(x);
          const goldSum = f64(
            Array.from(values, (v) => gold.reduce((a, g, i) => a + (x[i] === v ? g : 0), 0)),
          );
          const fast = levelTiltForKl(scoreLevels(values, counts, goldSum), deltas);
          deltas.forEach((d, j) => {
            const ref = tiltEstimate(law, d);
            const t = fast[j]!;
            expect(t.saturated).toBe(ref.saturated);
            if (ref.saturated) expect(t.lambda).toBe(Number.POSITIVE_INFINITY);
            else {
              // λ is ill-conditioned near saturation (d(λ) flattens), so it agrees to 1e-6 while the KL it
              // reaches agrees with the budget to 1e-10.
              close(t.lambda, ref.lambda, 1e-6, 1e-12);
              if (ref.lambda > 0) close(t.kl, d, 1e-10);
            }
            const span = Math.max(...x) - Math.min(...x);
            close(t.reward, ref.reward, 0, 1e-9 * (1 + span));
            close(t.gold, ref.gold!, 1e-8, 1e-8);
            close(t.ess, ref.ess, 1e-8);
          });
        },
      ),
      { seed: SEED, numRuns: 200 },
    );
  });
});

/** Three prompts with ties, written as JSONL: scores (selection) and gold. */
const PROMPTS: Record<string, { r: number[]; g: number[] }> = {
  p1: { r: [1, 2, 3, 4], g: [0, 5, 1, 2] },
  p2: { r: [0.5, 0.5, 2, 1, 1], g: [3, 1, 0, 2, 2] },
  p3: { r: [-1, 0, 0, 3, 2, 2], g: [1, 1, 0, 4, 3, 1] },
};

function writeFixture(name: string): string {
  const lines: string[] = [];
  for (const [prompt, { r, g }] of Object.entries(PROMPTS)) {
    r.forEach((x, i) => {
      lines.push(JSON.stringify({ prompt, reward: x, gold: g[i], response: `${prompt}-${i}` }));
    });
  }
  const file = join(TMP, name);
  writeFileSync(file, `${lines.join("\n")}\n`);
  return file;
}

/** E[g of the best by score] over all N-subsets of a prompt's samples, uniform tie-break (enumeration). */
function bruteForce(score: number[], gold: number[], n: number): number {
  const m = score.length;
  let total = 0;
  let count = 0;
  for (let mask = 0; mask < 1 << m; mask++) {
    const idx = [...Array(m).keys()].filter((i) => mask & (1 << i));
    if (idx.length !== n) continue;
    const best = Math.max(...idx.map((i) => score[i]!));
    const top = idx.filter((i) => score[i] === best);
    total += top.reduce((a, i) => a + gold[i]!, 0) / top.length;
    count++;
  }
  return total / count;
}

describe("bonkl estimate", () => {
  it("pooled values are the means over prompts of the pure estimators and of brute force", async () => {
    const file = writeFixture("est.jsonl");
    const grid = [0.05, 0.3, 1];
    const run = await estimateFile(file, {
      columns: { prompt: "prompt", reward: "reward" },
      klGrid: grid,
      bootstrap: 0,
      seed: 1,
    });
    const r = run.result;
    expect([r.prompts, r.samples, r.skipped]).toEqual([3, 15, 0]);
    // nMax defaults to the fewest samples of a prompt (4).
    expect(r.bon.map((b) => b.n)).toEqual([1, 2, 3, 4]);
    const prompts = Object.values(PROMPTS);
    const mean = (f: (p: { r: number[]; g: number[] }) => number) =>
      prompts.reduce((a, p) => a + f(p), 0) / 3;
    for (const b of r.bon) {
      close(
        b.reward,
        mean((p) => bruteForce(p.r, p.r, b.n)),
        1e-13,
      );
      close(
        b.gold!,
        mean((p) => bruteForce(p.r, p.g, b.n)),
        1e-13,
      );
      close(
        b.reward,
        mean((p) => unbiasedBonReward(f64(p.r), undefined, b.n)[b.n - 1]!),
        1e-13,
      );
      close(
        b.kl,
        mean((p) => pluginBestOfN(empiricalLaw(f64(p.r)), { n: b.n }).kl),
        1e-12,
        1e-15,
      );
      close(
        b.winRate,
        mean((p) => pluginBestOfN(empiricalLaw(f64(p.r)), { n: b.n }).winRate),
        1e-13,
      );
      expect(b.klBound).toBe(folkloreKlBound(Math.log(b.n)));
      expect(b.kl).toBeLessThanOrEqual(b.klBound + 1e-15);
      expect(b.rewardCi).toBeNull();
    }
    r.tilt.forEach((t, j) => {
      const refs = prompts.map((p) => tiltEstimate(empiricalLaw(f64(p.r), f64(p.g)), grid[j]!));
      expect(t.kl).toBe(grid[j]);
      close(t.reward, refs.reduce((a, e) => a + e.reward, 0) / 3, 1e-9);
      close(t.gold!, refs.reduce((a, e) => a + e.gold!, 0) / 3, 1e-8);
      close(t.ess, refs.reduce((a, e) => a + e.ess, 0) / 3, 1e-8);
      // Fewer than 30 samples per prompt: never trusted.
      expect(t.trusted).toBe(false);
    });
    for (const c of r.comparison) {
      // The tilt is the optimum of the empirical law at that KL, so best-of-N on the same law is below it.
      expect(c.gap).toBeGreaterThanOrEqual(-1e-12);
      close(c.gap, c.tiltReward - c.bonReward, 0, 1e-15);
    }
  });

  it("--json has exactly the documented shape; the bootstrap is reproducible with a seed", async () => {
    const file = writeFixture("shape.jsonl");
    const args = ["estimate", "--samples", file, "--json", "--bootstrap", "300", "--kl-grid", "0.1,0.2"];
    const [a, b, c] = await Promise.all([
      cli([...args, "--seed", "7"]),
      cli([...args, "--seed", "7"]),
      cli([...args, "--seed", "8"]),
    ]);
    expect(a.status).toBe(0);
    const j = JSON.parse(a.stdout);
    expect(Object.keys(j)).toEqual(["prompts", "samples", "skipped", "bon", "tilt", "comparison"]);
    expect(Object.keys(j.bon[0])).toEqual([
      "n",
      "reward",
      "rewardCi",
      "gold",
      "goldCi",
      "kl",
      "klBound",
      "klBeirami",
      "winRate",
    ]);
    expect(Object.keys(j.tilt[0])).toEqual(["kl", "lambda", "reward", "gold", "ess", "trusted"]);
    expect(Object.keys(j.comparison[0])).toEqual(["kl", "bonReward", "tiltReward", "gap"]);
    expect(a.stdout).toBe(b.stdout);
    expect(a.stdout).not.toBe(c.stdout);
    for (const row of j.bon) {
      expect(row.rewardCi[0]).toBeLessThanOrEqual(row.reward + 1e-12);
      expect(row.rewardCi[1]).toBeGreaterThanOrEqual(row.reward - 1e-12);
    }
    expect(a.stderr).toMatch(/^bonkl: 3 prompts, 15 samples/);
  });

  it("--csv, --per-prompt, --plot and --report write their files; errors are one line with exit 2", async () => {
    const file = writeFixture("files.jsonl");
    const per = join(TMP, "per.jsonl");
    const svg = join(TMP, "f.svg");
    const report = join(TMP, "report");
    const [ok, missing, bad, nofile] = await Promise.all([
      cli([
        "estimate",
        "--samples",
        file,
        "--csv",
        "--bootstrap",
        "0",
        "--per-prompt",
        per,
        "--plot",
        svg,
        "--report",
        report,
      ]),
      cli(["estimate", "--samples", file, "--reward-col", "score"]),
      cli(["estimate", "--samples", file, "--kl-grid", "0.1,x"]),
      cli(["estimate", "--samples", join(TMP, "none.parquet")]),
    ]);
    expect(ok.status).toBe(0);
    expect(ok.stdout.split("\n")[0]).toBe(
      "section,n,kl,lambda,reward,rewardLo,rewardHi,gold,goldLo,goldHi,klBound,klBeirami,winRate,ess,trusted,bonReward,tiltReward,gap",
    );
    const lines = readFileSync(per, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.prompt)).toEqual(["p1", "p2", "p3"]);
    // Per prompt, N = 1 is the sample mean: p1's scores 1…4 average 2.5.
    expect(lines[0].bon.reward[0]).toBe(2.5);
    expect(readFileSync(svg, "utf8")).toMatch(/^<svg/);
    expect(existsSync(join(report, "index.html"))).toBe(true);
    expect(existsSync(join(report, "figure.png"))).toBe(true);
    for (const [run, re] of [
      [
        missing,
        /^bonkl: error: --reward-col: no column "score" .*columns: "prompt", "reward", "gold", "response"/,
      ],
      [bad, /^bonkl: error: --kl-grid: expected a number/],
      [nofile, /^bonkl: error: --samples: no such file/],
    ] as const) {
      expect(run.status).toBe(2);
      expect(run.stderr).toMatch(re);
      expect(run.stderr.trim().split("\n")).toHaveLength(1);
      expect(run.stdout).toBe("");
    }
  });
});
