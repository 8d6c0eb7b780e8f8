import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { presetSpec } from "../../src/app/presets.js";
import { bestOfN } from "../../src/core/bon.js";
import { Rng } from "../../src/core/estimate/bootstrap.js";
import {
  aliasProbabilities,
  aliasTable,
  aliasTableFromLogWeights,
  drawAlias,
  MAX_LABELLED_LENGTH,
  MAX_SAMPLE_LENGTH,
  responseSampler,
  sampleResponses,
} from "../../src/core/estimate/sample.js";
import { createModel, modelFromLogWeights } from "../../src/core/model.js";
import { NeumaierSum } from "../../src/core/numerics/sum.js";
import { sumLaw } from "../../src/core/sequence/sumLaw.js";
import { close, SEED, thrown } from "../support/assert.js";
import { bonkl } from "../support/cli.js";

/**
 * Upper 1 − 1e-6 quantiles of the chi-square law, from scipy.stats.chi2.ppf(1 - 1e-6, df) (scipy 1.17);
 * df = 2 is also the closed form −2 log 1e-6. A goodness-of-fit statistic above it has probability 1e-6
 * under the null, so with any seed these tests fail wrongly about once in a million runs (seeds are fixed).
 */
const CHI2_1E6: Record<number, number> = {
  2: 27.631021115871036,
  9: 44.81093787062026,
  12: 50.82525213880362,
  199: 308.6009667686941,
};

/** Pearson's statistic Σ (O − E)²/E of observed counts against probabilities (all E ≥ 5 here). */
function chiSquare(observed: ArrayLike<number>, p: ArrayLike<number>, draws: number): number {
  let x = 0;
  for (let i = 0; i < p.length; i++) {
    const e = draws * p[i]!;
    expect(e).toBeGreaterThanOrEqual(5);
    x += (observed[i]! - e) ** 2 / e;
  }
  return x;
}

function counts(table: ReturnType<typeof aliasTable>, draws: number, seed: number): Float64Array {
  const rng = new Rng(seed);
  const c = new Float64Array(table.size);
  for (let k = 0; k < draws; k++) c[drawAlias(table, rng)]!++;
  return c;
}

const model = (name: string) => createModel(presetSpec(name)!);

describe("alias tables", () => {
  it("reproduce dyadic weights exactly (Vose's updates are exact in binary)", () => {
    // [1/2, 1/4, 1/8, 1/16, 1/16] with 5 columns: 5·w and every update are exact dyadic numbers.
    const w = [0.5, 0.25, 0.125, 0.0625, 0.0625];
    expect(Array.from(aliasProbabilities(aliasTable(w)))).toEqual(w);
    // Integer weights whose total is a power of two: K·c/2^j is exact for K ≤ 64, so P = c/2^j exactly.
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 64 }), { minLength: 1, maxLength: 64 }), (c) => {
        const total = c.reduce((a, b) => a + b, 0);
        const pow = 2 ** Math.ceil(Math.log2(Math.max(1, total + 1)));
        const weights = [...c, pow - total];
        const P = aliasProbabilities(aliasTable(weights));
        weights.forEach((wi, i) => {
          expect(P[i]).toBe(wi / pow);
        });
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it("keep probabilities lie in [0, 1], aliases in range, and any table sums to p up to rounding", () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 200 }),
        (w) => {
          fc.pre(w.some((x) => x > 0));
          const t = aliasTable(w);
          const total = w.reduce((a, b) => a + b, 0);
          const P = aliasProbabilities(t);
          for (let i = 0; i < w.length; i++) {
            expect(t.keep[i]).toBeGreaterThanOrEqual(0);
            expect(t.keep[i]).toBeLessThanOrEqual(1);
            expect(t.alias[i]).toBeLessThan(w.length);
            // Each update rounds once (relative ε on a value ≤ K): an absolute error of a few K·ε in P·K.
            close(P[i]!, w[i]! / total, 0, 8 * w.length * Number.EPSILON);
          }
        },
      ),
      { seed: SEED, numRuns: 200 },
    );
  });

  it("log-weights near −800 keep their ratios (exp alone underflows to 0)", () => {
    expect(Math.exp(-800)).toBe(0);
    const logw = [-800, -800 + Math.log(2), -800 + Math.log(3), Number.NEGATIVE_INFINITY];
    const P = aliasProbabilities(aliasTableFromLogWeights(logw));
    // Expected 1/6, 2/6, 3/6, 0: the ratios of the weights. −800 + log k is itself rounded to the
    // spacing of doubles near 800 (≈ 800ε), which bounds the relative error of the ratios.
    [1 / 6, 2 / 6, 3 / 6, 0].forEach((p, i) => {
      close(P[i]!, p, 4 * 800 * Number.EPSILON, 1e-300);
    });
    // The same weights as a model: sampling works, log-probabilities are the normalised ones, no NaN.
    const m = modelFromLogWeights(Float64Array.from(logw), Float64Array.of(0, 1, 2, 3));
    const batch = sampleResponses(responseSampler(m, 3), new Rng(7), 30_000, { tokens: true });
    for (let k = 0; k < batch.count; k++) {
      expect(Number.isFinite(batch.logprob[k]!)).toBe(true);
      expect(batch.reward[k]).toBeLessThanOrEqual(6);
    }
    const c = new Float64Array(3);
    for (const y of batch.tokens!) c[y]!++;
    expect(chiSquare(c, [1 / 6, 2 / 6, 3 / 6], batch.tokens!.length)).toBeLessThan(CHI2_1E6[2]!);
  });

  it("refuses empty, negative, NaN and all-zero weights", () => {
    expect(thrown(() => aliasTable([])).field).toBe("weights");
    expect(thrown(() => aliasTable([1, -1])).field).toBe("weights[1]");
    expect(thrown(() => aliasTable([1, Number.NaN])).field).toBe("weights[1]");
    expect(thrown(() => aliasTable([0, 0])).detail).toMatch(/every weight is 0/);
    expect(thrown(() => aliasTableFromLogWeights([Number.NaN])).field).toBe("logWeights[0]");
    expect(thrown(() => aliasTableFromLogWeights([Number.NEGATIVE_INFINITY])).detail).toMatch(/every weight/);
  });
});

describe("draws match the law (chi-square, threshold at probability 1e-6)", () => {
  it("ternary, uniform:10 and a 200-outcome model with weights over two decades", () => {
    const ternary = model("ternary");
    expect(chiSquare(counts(aliasTable(ternary.p), 300_000, 1), ternary.p, 300_000)).toBeLessThan(
      CHI2_1E6[2]!,
    );
    const uniform = model("uniform:10");
    expect(chiSquare(counts(aliasTable(uniform.p), 100_000, 2), uniform.p, 100_000)).toBeLessThan(
      CHI2_1E6[9]!,
    );
    // Weights log-uniform from 1 down to 1e-2: the smallest p ≈ 2.3e-4, about 90 expected draws of 4e5.
    const w = Float64Array.from({ length: 200 }, (_, i) => 10 ** (-2 * (i / 199)));
    const big = modelFromLogWeights(
      w.map(Math.log),
      Float64Array.from(w, (_, i) => i),
    );
    expect(chiSquare(counts(aliasTable(big.p), 400_000, 3), big.p, 400_000)).toBeLessThan(CHI2_1E6[199]!);
  });

  it("S_6 of ternary follows its exact law (direct log-domain convolution)", () => {
    const m = model("ternary");
    const draws = 200_000;
    const batch = sampleResponses(responseSampler(m, 6), new Rng(11), draws);
    const law = sumLaw(m, 6, { method: "direct" });
    const p = Array.from(law.logPmf, Math.exp);
    expect(p.length).toBe(13);
    const c = new Float64Array(13);
    for (let k = 0; k < draws; k++) c[(batch.reward[k]! - law.offset) / law.step - law.kMin]!++;
    expect(chiSquare(c, p, draws)).toBeLessThan(CHI2_1E6[12]!);
  });
});

describe("responses", () => {
  it("reward and logprob are the compensated sums of the tokens' r and log p", () => {
    const m = createModel({ p: [0.5, 0.3, 0.2], r: [0.1, 0.2, 0.7] });
    const n = 257;
    const batch = sampleResponses(responseSampler(m, n), new Rng(5), 40, { tokens: true });
    for (let k = 0; k < 40; k++) {
      const r = new NeumaierSum();
      const l = new NeumaierSum();
      let integerTenths = 0;
      for (let j = 0; j < n; j++) {
        const y = batch.tokens![k * n + j]!;
        r.add(m.r[y]!);
        l.add(m.logp[y]!);
        integerTenths += [1, 2, 7][y]!;
      }
      expect(batch.reward[k]).toBe(r.value);
      expect(batch.logprob[k]).toBe(l.value);
      // Against the exact sum (integer tenths): S_n is correctly rounded up to an ulp or two.
      close(batch.reward[k]!, integerTenths / 10, 4 * Number.EPSILON);
    }
  });

  it("same seed → the same draws, whatever the batch sizes; another seed → other draws", () => {
    const s = responseSampler(model("ternary"), 4);
    const whole = sampleResponses(s, new Rng(42), 300, { tokens: true });
    const rng = new Rng(42);
    const parts = [100, 1, 199].map((c) => sampleResponses(s, rng, c, { tokens: true }));
    expect(Array.from(parts.flatMap((p) => Array.from(p.reward)))).toEqual(Array.from(whole.reward));
    expect(parts.flatMap((p) => Array.from(p.tokens!))).toEqual(Array.from(whole.tokens!));
    const other = sampleResponses(s, new Rng(43), 300);
    expect(Array.from(other.reward)).not.toEqual(Array.from(whole.reward));
    // Reusing buffers changes nothing.
    const again = sampleResponses(s, new Rng(42), 300, { into: whole });
    expect(Array.from(again.reward)).toEqual(Array.from(sampleResponses(s, new Rng(42), 300).reward));
  });

  it("refuses lengths that are not whole numbers from 1 to MAX_SAMPLE_LENGTH", () => {
    const m = model("ternary");
    for (const n of [0, 1.5, -1, Number.NaN, MAX_SAMPLE_LENGTH + 1]) {
      expect(thrown(() => responseSampler(m, n)).field).toBe("length");
    }
    expect(responseSampler(m, MAX_SAMPLE_LENGTH).length).toBe(MAX_SAMPLE_LENGTH);
  });
});

// ---- the command, run as a user runs it ----

const TMP = mkdtempSync(join(tmpdir(), "bonkl-sample-"));

afterAll(() => {
  rmSync(TMP, { recursive: true, force: true });
});

const sample = (out: string, ...extra: string[]) =>
  bonkl([
    "sample",
    "--model",
    "ternary",
    "--prompts",
    "7",
    "--per-prompt",
    "5",
    "--length",
    "3",
    ...extra,
    "--out",
    join(TMP, out),
  ]);

async function readParquet(path: string): Promise<Record<string, unknown>[]> {
  const { DuckDBInstance } = await import("@duckdb/node-api");
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  try {
    const reader = await connection.runAndReadAll(
      `SELECT prompt::DOUBLE AS prompt, response, reward, logprob FROM read_parquet('${path}')`,
    );
    return reader.getRowObjectsJson() as Record<string, unknown>[];
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

function parseCsv(text: string): Record<string, string>[] {
  const [head, ...rows] = text.trimEnd().split("\n");
  const cols = head!.split(",");
  return rows.map((line) => Object.fromEntries(line.split(",").map((v, i) => [cols[i]!, v])));
}

describe("bonkl sample", () => {
  it("writes the same rows as CSV, JSONL and Parquet; the same seed gives the same bytes", async () => {
    const runs = await Promise.all([
      sample("a.csv", "--seed", "9", "--json"),
      sample("b.csv", "--seed", "9"),
      sample("c.csv", "--seed", "10"),
      sample("a.jsonl", "--seed", "9"),
      sample("a.parquet", "--seed", "9"),
    ]);
    for (const r of runs) {
      expect(r.stderr).toMatch(/^bonkl: wrote 35 rows/);
      expect(r.status).toBe(0);
    }
    const summary = JSON.parse(runs[0]!.stdout);
    expect(summary).toMatchObject({ rows: 35, prompts: 7, perPrompt: 5, length: 3, seed: 9, format: "csv" });
    expect(summary.columns).toEqual(["prompt", "response", "reward", "logprob"]);
    const a = readFileSync(join(TMP, "a.csv"));
    expect(a.equals(readFileSync(join(TMP, "b.csv")))).toBe(true);
    expect(a.equals(readFileSync(join(TMP, "c.csv")))).toBe(false);

    const rows = parseCsv(a.toString("utf8"));
    expect(rows.length).toBe(35);
    const logp = { "0": Math.log(0.5), "1": Math.log(0.3), "2": Math.log(0.2) } as Record<string, number>;
    rows.forEach((row, i) => {
      expect(Number(row.prompt)).toBe(Math.floor(i / 5));
      // ternary's labels are its rewards: the response's labels sum to the reward, their log p to logprob.
      const labels = row.response!.split(" ");
      expect(labels.length).toBe(3);
      expect(Number(row.reward)).toBe(labels.reduce((s, l) => s + Number(l), 0));
      close(
        Number(row.logprob),
        labels.reduce((s, l) => s + logp[l]!, 0),
        4 * Number.EPSILON,
      );
    });
    const jsonl = readFileSync(join(TMP, "a.jsonl"), "utf8")
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l));
    const parquet = await readParquet(join(TMP, "a.parquet"));
    rows.forEach((row, i) => {
      const expected = {
        prompt: Number(row.prompt),
        response: row.response,
        reward: Number(row.reward),
        logprob: Number(row.logprob),
      };
      expect(jsonl[i]).toEqual(expected);
      expect(parquet[i]).toEqual(expected);
    });
  });

  it("leaves the response labels out above the labelled length", async () => {
    const n = String(MAX_LABELLED_LENGTH + 1);
    const r = await bonkl([
      "sample",
      "--model",
      "bernoulli:0.3",
      "--length",
      n,
      "--prompts",
      "2",
      "--per-prompt",
      "3",
      "--out",
      join(TMP, "long.csv"),
    ]);
    expect(r.status).toBe(0);
    const rows = parseCsv(readFileSync(join(TMP, "long.csv"), "utf8"));
    expect(Object.keys(rows[0]!)).toEqual(["prompt", "reward", "logprob"]);
    for (const row of rows) {
      // For bernoulli:0.3 the reward counts the ones: logprob = k log 0.3 + (n − k) log 0.7.
      const k = Number(row.reward);
      close(Number(row.logprob), k * Math.log(0.3) + (Number(n) - k) * Math.log(0.7), 8 * Number.EPSILON);
    }
  });

  it("bad flags: one line naming the flag, exit 2, nothing written", async () => {
    const dir = mkdtempSync(join(TMP, "bad-"));
    const cases: [string[], RegExp][] = [
      [["--prompts", "0"], /^bonkl: error: --prompts: expected a whole number/],
      [["--per-prompt", "2.5"], /^bonkl: error: --per-prompt: expected a whole number/],
      [["--length", "0"], /^bonkl: error: --length: expected a whole number ≥ 1/],
      [["--length", String(MAX_SAMPLE_LENGTH + 1)], /^bonkl: error: --length: .*token by token/],
      [["--seed", "-3"], /^bonkl: error: --seed: expected a whole number in \[0, 2\^53\)/],
      [["--seed", "x"], /^bonkl: error: --seed: expected a number/],
      [["--model", "ternar"], /^bonkl: error: --model: unknown preset/],
      [
        ["--out", join(dir, "x.txt")],
        /^bonkl: error: --out: expected a file name ending in \.jsonl, \.csv or \.parquet/,
      ],
    ];
    const runs = await Promise.all(
      cases.map(([args]) => {
        const base = {
          "--model": "ternary",
          "--prompts": "2",
          "--per-prompt": "3",
          "--out": join(dir, "s.csv"),
        };
        const opts: Record<string, string> = { ...base };
        for (let i = 0; i < args.length; i += 2) opts[args[i]!] = args[i + 1]!;
        return bonkl(["sample", ...Object.entries(opts).flat()]);
      }),
    );
    runs.forEach((r, i) => {
      expect(r.status).toBe(2);
      expect(r.stdout).toBe("");
      expect(r.stderr).toMatch(cases[i]![1]);
      expect(r.stderr.trimEnd().split("\n").length).toBe(1);
    });
    const missing = await bonkl([
      "sample",
      "--model",
      "ternary",
      "--prompts",
      "2",
      "--out",
      join(dir, "s.csv"),
    ]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/^bonkl: error: .*--per-prompt/);
    expect(readdirSync(dir)).toEqual([]);
  });

  it("end to end: sample → file → estimate --json; the pooled best-of-N reward agrees with the exact one", async () => {
    const made = await Promise.all(
      ["e2e.parquet", "e2e.jsonl"].map((f) =>
        bonkl([
          "sample",
          "--model",
          "ternary",
          "--prompts",
          "400",
          "--per-prompt",
          "16",
          "--seed",
          "17",
          "--out",
          join(TMP, f),
        ]),
      ),
    );
    for (const r of made) expect(r.status).toBe(0);
    const runs = await Promise.all(
      ["e2e.parquet", "e2e.jsonl"].map((f) =>
        bonkl(["estimate", "--samples", join(TMP, f), "--bootstrap", "300", "--seed", "18", "--json"]),
      ),
    );
    const m = createModel(presetSpec("ternary")!);
    const results = runs.map((r) => {
      expect(r.status).toBe(0);
      return JSON.parse(r.stdout) as {
        prompts: number;
        samples: number;
        bon: { n: number; reward: number; rewardCi: [number, number] }[];
      };
    });
    // The same samples in two formats give the same estimates.
    expect(results[1]).toEqual(results[0]);
    const est = results[0]!;
    expect(est.prompts).toBe(400);
    expect(est.samples).toBe(6400);
    expect(est.bon.map((b) => b.n)).toEqual(Array.from({ length: 16 }, (_, i) => i + 1));
    for (const b of est.bon) {
      // rewardCi is a 95% percentile bootstrap interval over prompts: (hi − lo)/(2·1.96) estimates the
      // standard error, and the check allows 5 of them (false failure 5.7e-7 per N under normality).
      const exact = bestOfN(m, { n: b.n }).reward;
      const se = (b.rewardCi[1] - b.rewardCi[0]) / (2 * 1.959963984540054);
      expect(se).toBeGreaterThan(0);
      if (!(Math.abs(b.reward - exact) <= 5 * se)) {
        throw new Error(`N = ${b.n}: estimate ${b.reward}, exact ${exact}, 5·se = ${5 * se}`);
      }
    }
  });
});
