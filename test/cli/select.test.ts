import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type SelectMethod, selectResponses } from "../../src/cli/commands/select.js";
import { Rng } from "../../src/core/estimate/bootstrap.js";
import { openDuckDb } from "../../src/node/samples.js";

const ROOT = resolve(import.meta.dirname, "..", "..");
const TMP = mkdtempSync(join(tmpdir(), "bonkl-select-"));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));

/** 400 prompts × 4 responses; response k of a prompt has score k (0…3) plus noise, so the best is "r3". */
const PROMPTS = 400;
const FILE = join(TMP, "samples.jsonl");
beforeAll(() => {
  const rng = new Rng(5);
  const lines: string[] = [];
  for (let p = 0; p < PROMPTS; p++) {
    for (let k = 0; k < 4; k++) {
      lines.push(
        JSON.stringify({
          prompt: `q${p}`,
          response: `r${k}`,
          reward: k + 0.1 * rng.nextDouble(),
          extra: p * 10 + k,
        }),
      );
    }
  }
  // One prompt with a single response (skipped), one with a 3-way tie at the top.
  lines.push(JSON.stringify({ prompt: "solo", response: "s", reward: 1, extra: -1 }));
  for (const k of [0, 1, 2, 3]) {
    lines.push(JSON.stringify({ prompt: "tie", response: `t${k}`, reward: k === 0 ? 0 : 5, extra: -2 }));
  }
  writeFileSync(FILE, `${lines.join("\n")}\n`);
});

const columns = { prompt: "prompt", reward: "reward" };

async function select(method: SelectMethod, out: string, seed = 1) {
  const summary = await selectResponses(FILE, join(TMP, out), method, { columns, seed });
  const rows = readFileSync(join(TMP, out), "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as { prompt: string; response: string; reward: number; extra: number });
  return { summary, rows };
}

/** Share of the non-tie prompts whose chosen response is r_k, k = 0…3. */
function shares(rows: { prompt: string; response: string }[]): number[] {
  const n = [0, 0, 0, 0];
  for (const r of rows) if (r.prompt.startsWith("q")) n[Number(r.response.slice(1))]!++;
  return n.map((k) => k / PROMPTS);
}

describe("bonkl select", () => {
  it("bon with N = m picks each prompt's best response, with all its columns", async () => {
    const { summary, rows } = await select({ method: "bon", n: 4 }, "bon4.jsonl");
    expect(summary).toEqual({ selected: PROMPTS + 1, skipped: 1 });
    expect(Object.keys(rows[0]!)).toEqual(["prompt", "response", "reward", "extra"]);
    expect(shares(rows)).toEqual([0, 0, 0, 1]);
    for (const r of rows.filter((x) => x.prompt.startsWith("q"))) expect(r.extra % 10).toBe(3);
    expect(rows.find((r) => r.prompt === "tie")!.reward).toBe(5);
  });

  it("bon with N = 2 of 4: the chosen rank follows the unbiased weights C(i−1, 1)/C(4, 2) = 0, 1/6, 1/3, 1/2", async () => {
    const { rows } = await select({ method: "bon", n: 2 }, "bon2.jsonl");
    const s = shares(rows);
    // Each share is a binomial proportion of 400: sd ≤ 0.025; 4 sd bounds.
    [0, 1 / 6, 1 / 3, 1 / 2].forEach((p, k) => {
      expect(Math.abs(s[k]! - p)).toBeLessThanOrEqual(0.1);
    });
    expect(s[0]).toBe(0);
  });

  it("soft with a tiny temperature picks the best; with a huge one it is uniform", async () => {
    const cold = await select({ method: "soft", temperature: 1e-6 }, "cold.jsonl");
    expect(shares(cold.rows)).toEqual([0, 0, 0, 1]);
    const hot = await select({ method: "soft", temperature: 1e6 }, "hot.jsonl");
    for (const s of shares(hot.rows)) expect(Math.abs(s - 0.25)).toBeLessThanOrEqual(0.09);
  });

  it("tilt: KL 0 is uniform (and changes with the seed, reproducible for one seed); a huge KL picks the best", async () => {
    const a = await select({ method: "tilt", kl: 0 }, "t0a.jsonl", 3);
    const b = await select({ method: "tilt", kl: 0 }, "t0b.jsonl", 3);
    const c = await select({ method: "tilt", kl: 0 }, "t0c.jsonl", 4);
    expect(a.rows).toEqual(b.rows);
    expect(a.rows).not.toEqual(c.rows);
    // Uniform over 4 responses: each share ~ Binomial(400, 1/4)/400, sd ≈ 0.022; 4 sd bounds.
    for (const s of shares(a.rows)) expect(Math.abs(s - 0.25)).toBeLessThanOrEqual(0.09);
    const sat = await select({ method: "tilt", kl: 50 }, "tsat.jsonl");
    expect(shares(sat.rows)).toEqual([0, 0, 0, 1]);
    // Saturated on the tie prompt: uniform among its three top responses, never the lower one.
    expect(sat.rows.find((r) => r.prompt === "tie")!.reward).toBe(5);
  });

  it("writes Parquet and CSV by extension (readable back with all columns); errors are one line", async () => {
    await select({ method: "bon", n: 3 }, "bon3.jsonl");
    await selectResponses(FILE, join(TMP, "bon3.parquet"), { method: "bon", n: 3 }, { columns, seed: 1 });
    await selectResponses(FILE, join(TMP, "bon3.csv"), { method: "bon", n: 3 }, { columns, seed: 1 });
    const db = await openDuckDb();
    const read = async (f: string) =>
      (await db.conn.runAndReadAll(`SELECT prompt, response, extra FROM '${join(TMP, f)}' ORDER BY prompt`))
        .getRowsJS()
        .map((r) => r.map(String));
    const j = await read("bon3.jsonl");
    expect(j).toHaveLength(PROMPTS + 1);
    expect(await read("bon3.parquet")).toEqual(j);
    expect(await read("bon3.csv")).toEqual(j);
    db.close();
    const run = await new Promise<{ status: number | null; stderr: string }>((done) => {
      const child = spawn(
        process.execPath,
        [
          join(ROOT, "bin", "bonkl.mjs"),
          "select",
          "--samples",
          FILE,
          "--method",
          "bon",
          "--out",
          join(TMP, "x.jsonl"),
        ],
        { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] },
      );
      let stderr = "";
      child.stderr.on("data", (d) => (stderr += d));
      child.on("close", (status) => done({ status, stderr }));
    });
    expect(run.status).toBe(2);
    expect(run.stderr).toBe("bonkl: error: --n: --method bon needs --n N\n");
  });
});
