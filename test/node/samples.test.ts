import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InputError } from "../../src/core/errors.js";
import { openDuckDb, openSamples, type PromptLevels, type SampleOptions } from "../../src/node/samples.js";

const TMP = mkdtempSync(join(tmpdir(), "bonkl-samples-"));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));

/** prompt a: scores 1, 2, 2, 3 (gold 0, 1, 3, 5); b: 0.5, 0.5 (gold 2, 4); c: a single sample. */
const ROWS = [
  { prompt: "a", reward: 2, gold: 1, text: "x1" },
  { prompt: "b", reward: 0.5, gold: 2, text: "y1" },
  { prompt: "a", reward: 1, gold: 0, text: "x2" },
  { prompt: "c", reward: 7, gold: 7, text: "z1" },
  { prompt: "a", reward: 3, gold: 5, text: "x3" },
  { prompt: "b", reward: 0.5, gold: 4, text: "y2" },
  { prompt: "a", reward: 2, gold: 3, text: "x4" },
];

const path = (name: string) => join(TMP, name);
const jsonl = (rows: readonly object[]) => `${rows.map((r) => JSON.stringify(r)).join("\n")}\n`;
const toCsv = (rows: readonly Record<string, unknown>[]) =>
  `${Object.keys(rows[0]!).join(",")}\n${rows.map((r) => Object.values(r).join(",")).join("\n")}\n`;

beforeAll(async () => {
  writeFileSync(path("s.jsonl"), jsonl(ROWS));
  writeFileSync(path("s.csv"), toCsv(ROWS));
  const db = await openDuckDb();
  await db.conn.run(
    `COPY (SELECT * FROM read_json('${path("s.jsonl")}')) TO '${path("s.parquet")}' (FORMAT parquet)`,
  );
  db.close();
});

async function collect(file: string, options: Partial<SampleOptions> = {}) {
  const set = await openSamples(file, {
    columns: { prompt: "prompt", reward: "reward", gold: "gold" },
    ...options,
  });
  const prompts: PromptLevels[] = [];
  try {
    await set.forEachPrompt((p) => prompts.push(p));
  } finally {
    set.close();
  }
  return { summary: set.summary, prompts };
}

async function inputError(run: () => Promise<unknown>): Promise<InputError> {
  try {
    await run();
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return e as InputError;
  }
  throw new Error("expected an InputError");
}

describe("reading scored samples through DuckDB", () => {
  it("JSONL, CSV and Parquet give the same levels: grouped by score, gold summed, in prompt order", async () => {
    for (const name of ["s.jsonl", "s.csv", "s.parquet"]) {
      const { summary, prompts } = await collect(path(name));
      // Counted by hand from ROWS: a has 4 samples, b 2, c 1 (skipped).
      expect(summary).toEqual({
        rows: 7,
        dropped: 0,
        prompts: 2,
        samples: 6,
        skippedPrompts: 1,
        skippedSamples: 1,
        minSamples: 2,
        maxSamples: 4,
      });
      expect(prompts.map((p) => p.prompt)).toEqual(["a", "b"]);
      expect(Array.from(prompts[0]!.values)).toEqual([1, 2, 3]);
      expect(Array.from(prompts[0]!.counts)).toEqual([1, 2, 1]);
      expect(Array.from(prompts[0]!.goldSum!)).toEqual([0, 4, 5]);
      expect(Array.from(prompts[1]!.values)).toEqual([0.5]);
      expect(Array.from(prompts[1]!.counts)).toEqual([2]);
      expect(prompts[0]!.refProb).toBeUndefined();
    }
  });

  it("configurable column names; the optional columns are found by name when asked", async () => {
    const rows = ROWS.map((r) => ({ q: r.prompt, score: r.reward, logprob: -1 }));
    writeFileSync(path("named.jsonl"), jsonl(rows));
    const set = await openSamples(path("named.jsonl"), {
      columns: { prompt: "q", reward: "score" },
      autoOptional: true,
    });
    expect(set.columns).toEqual({ prompt: "q", reward: "score", logprob: "logprob" });
    const got: PromptLevels[] = [];
    await set.forEachPrompt((p) => got.push(p));
    set.close();
    // e^{−1} per response, averaged within a level.
    expect(got[0]!.refProb![1]).toBeCloseTo(Math.exp(-1), 15);
  });

  it("a missing column is named, with the columns present", async () => {
    const e = await inputError(() =>
      collect(path("s.csv"), { columns: { prompt: "prompt", reward: "score" } }),
    );
    expect(e.field).toBe("--reward-col");
    expect(e.detail).toMatch(/no column "score" .*columns: "prompt", "reward", "gold", "text"/);
    const g = await inputError(() =>
      collect(path("s.jsonl"), { columns: { prompt: "prompt", reward: "reward", gold: "truth" } }),
    );
    expect(g.field).toBe("--gold-col");
  });

  it("a non-numeric reward names its first row (1-based, header not counted)", async () => {
    const rows = ROWS.map((r) => ({ ...r })) as Record<string, unknown>[];
    rows[2]!.reward = "abc";
    rows[5]!.reward = "n/a";
    writeFileSync(path("bad.csv"), toCsv(rows));
    const e = await inputError(() => collect(path("bad.csv")));
    expect(e.field).toBe("--reward-col");
    expect(e.detail).toMatch(/2 value\(s\) that are not numbers, the first at row 3 /);
  });

  it("NaN and missing rewards are refused with their count, or dropped with --drop-invalid", async () => {
    const rows = ROWS.map((r) => ({ ...r })) as Record<string, unknown>[];
    rows[1]!.reward = "NaN";
    rows[4]!.reward = "";
    writeFileSync(path("nan.csv"), toCsv(rows));
    const e = await inputError(() => collect(path("nan.csv")));
    expect(e.field).toBe("--samples");
    expect(e.detail).toMatch(
      /^2 row\(s\) have a NaN, infinite or missing value .* first at row 2 .*--drop-invalid/,
    );
    const { summary, prompts } = await collect(path("nan.csv"), { dropInvalid: true });
    expect(summary.dropped).toBe(2);
    // b lost one of its two samples: now skipped with c.
    expect(summary.skippedPrompts).toBe(2);
    expect(prompts.map((p) => p.prompt)).toEqual(["a"]);
    expect(Array.from(prompts[0]!.values)).toEqual([1, 2]);
    // JSONL null rewards are counted the same way.
    writeFileSync(path("null.jsonl"), jsonl(ROWS.map((r, i) => (i === 3 ? { ...r, reward: null } : r))));
    const n = await inputError(() => collect(path("null.jsonl")));
    expect(n.detail).toMatch(/^1 row\(s\) .* first at row 4 /);
  });

  it("a file that does not exist, a directory, an unknown extension: one-line errors", async () => {
    const a = await inputError(() => collect(path("nope.jsonl")));
    expect(a.detail).toMatch(/^no such file/);
    const b = await inputError(() => collect(TMP));
    expect(b.detail).toMatch(/is a directory/);
    writeFileSync(path("s.txt"), "x");
    const c = await inputError(() => collect(path("s.txt")));
    expect(c.detail).toMatch(/\.jsonl, \.csv or \.parquet/);
    writeFileSync(path("broken.parquet"), "not parquet");
    const d = await inputError(() => collect(path("broken.parquet")));
    expect(d.detail).not.toContain("\n");
  });
});
