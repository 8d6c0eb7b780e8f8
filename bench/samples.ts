/**
 * `npm run bench:samples`: `bonkl estimate` on 10^7 scored samples (10^5 prompts × 100 responses, with
 * gold) from Parquet and from JSONL, N up to 100, a 20-point KL grid, no bootstrap; beside NumPy doing the
 * same computation (bench/samples.py) in the same run. Prints wall time, peak resident memory of each
 * process (GNU time's %M), the ratio, and the largest difference between the two sides' pooled numbers.
 * Generation is not timed. Options: --prompts P (default 100000), --m M (default 100), --json.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { defaultKlGrid } from "../src/app/results/estimate.js";
import { openDuckDb } from "../src/node/samples.js";

const ROOT = resolve(import.meta.dirname, "..");
const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(name);
  return i < 0 ? fallback : Number(process.argv[i + 1]);
};
const PROMPTS = arg("--prompts", 100000);
const M = arg("--m", 100);
const JSON_OUT = process.argv.includes("--json");
const log = (s: string) => process.stderr.write(`bench: ${s}\n`);

/** Standard normals from DuckDB's 64-bit hash of (row, stream): deterministic whatever the thread count. */
const normal = (stream: number) =>
  `sqrt(-2 * ln(((hash(i, ${stream}) >> 11)::DOUBLE + 0.5) / 9007199254740992.0)) * ` +
  `cos(2 * pi() * ((hash(i, ${stream + 1}) >> 11)::DOUBLE + 0.5) / 9007199254740992.0)`;

async function generate(dir: string): Promise<void> {
  const db = await openDuckDb("4GB");
  const { conn } = db;
  // Gold = reward + N(0, 0.5²) noise: a second, imperfect reward model.
  await conn.run(
    `CREATE TABLE t AS SELECT 'p' || lpad((i // ${M})::VARCHAR, 7, '0') AS prompt, i % ${M} AS response,
       r AS reward, r + 0.5 * e AS gold
     FROM (SELECT i, ${normal(1)} AS r, ${normal(3)} AS e FROM range(${PROMPTS * M}) t(i))`,
  );
  await conn.run(
    `COPY (SELECT prompt, reward, gold FROM t ORDER BY prompt, response) TO '${join(dir, "samples.parquet")}' (FORMAT parquet)`,
  );
  await conn.run(
    `COPY (SELECT prompt, reward, gold FROM t ORDER BY prompt, response) TO '${join(dir, "samples.jsonl")}' (FORMAT json)`,
  );
  // Raw float64 for NumPy (it reads Parquet only through pyarrow, which is not installed here).
  for (const col of ["reward", "gold"]) {
    const out = new Float64Array(PROMPTS * M);
    const res = await conn.stream(`SELECT ${col} FROM t ORDER BY prompt, response`);
    let k = 0;
    for (;;) {
      const chunk = await res.fetchChunk();
      if (!chunk || chunk.rowCount === 0) break;
      for (const v of chunk.getColumnValues(0) as number[]) out[k++] = v;
    }
    writeFileSync(join(dir, `${col}.f64`), new Uint8Array(out.buffer));
  }
  db.close();
}

interface Timed {
  seconds: number;
  peakMb: number;
  stdout: string;
}

/** Runs a command under GNU time; wall seconds and peak RSS (MB) from its last stderr line. */
function timed(cmd: string, args: readonly string[]): Timed {
  const r = spawnSync("/usr/bin/time", ["-f", "%e %M", cmd, ...args], {
    cwd: ROOT,
    encoding: "utf8",
    maxBuffer: 1 << 28,
  });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed: ${r.stderr}`);
  const last = r.stderr.trim().split("\n").pop()!.split(" ");
  return { seconds: Number(last[0]), peakMb: Number(last[1]) / 1024, stdout: r.stdout };
}

function maxDiff(a: number[], b: number[]): number {
  return a.reduce((d, x, i) => Math.max(d, Math.abs(x - b[i]!)), 0);
}

const dir = mkdtempSync(join(tmpdir(), "bonkl-bench-samples-"));
try {
  log(`generating ${PROMPTS} prompts × ${M} responses in ${dir} (not timed)`);
  await generate(dir);
  const grid = defaultKlGrid(M);
  const rows: {
    input: string;
    megabytes: number;
    seconds: number;
    peakMb: number;
    numpySeconds: number;
    numpyPeakMb: number;
    ratio: number;
    maxDiff: number;
  }[] = [];
  log("numpy");
  const np = timed("python3", [
    "bench/samples.py",
    "--reward",
    join(dir, "reward.f64"),
    "--gold",
    join(dir, "gold.f64"),
    "--m",
    String(M),
    "--n-max",
    String(M),
    "--grid",
    grid.join(","),
  ]);
  const ref = JSON.parse(np.stdout);
  for (const file of ["samples.parquet", "samples.jsonl"]) {
    log(`bonkl estimate ${file}`);
    const path = join(dir, file);
    const run = timed(process.execPath, [
      "bin/bonkl.mjs",
      "estimate",
      "--samples",
      path,
      "--n-max",
      String(M),
      "--kl-grid",
      grid.join(","),
      "--bootstrap",
      "0",
      "--json",
    ]);
    const out = JSON.parse(run.stdout);
    type Rows = Record<string, number>[];
    const column = (rows: Rows, key: string) => rows.map((row) => row[key]!);
    const diff = Math.max(
      // The best-of-N fields: bonkl gives one object per N, NumPy one array per field.
      ...["reward", "gold", "kl", "winRate", "klBeirami"].map((key) =>
        maxDiff(column(out.bon, key), ref.bon[key]),
      ),
      maxDiff(column(out.tilt, "reward"), column(ref.tilt, "reward")),
      maxDiff(column(out.tilt, "ess"), column(ref.tilt, "ess")),
      maxDiff(column(out.comparison, "tiltReward"), column(ref.comparison, "tiltReward")),
    );
    rows.push({
      input: file.replace("samples.", ""),
      megabytes: statSync(path).size / 2 ** 20,
      seconds: run.seconds,
      peakMb: run.peakMb,
      numpySeconds: np.seconds,
      numpyPeakMb: np.peakMb,
      ratio: np.seconds / run.seconds,
      maxDiff: diff,
    });
  }
  if (JSON_OUT) {
    process.stdout.write(`${JSON.stringify({ prompts: PROMPTS, m: M, rows }, null, 2)}\n`);
  } else {
    const f = (x: number, d = 1) => x.toFixed(d);
    process.stdout.write(
      `${PROMPTS * M} rows (${PROMPTS} prompts × ${M}), N ≤ ${M}, ${grid.length}-point KL grid, no bootstrap\n` +
        "| input | file MB | bonkl s | bonkl peak MB | NumPy s (raw float64) | NumPy peak MB | ratio (NumPy time / bonkl time) | max |Δ| |\n" +
        "| --- | --- | --- | --- | --- | --- | --- | --- |\n" +
        rows
          .map(
            (r) =>
              `| ${r.input} | ${f(r.megabytes, 0)} | ${f(r.seconds)} | ${f(r.peakMb, 0)} | ${f(r.numpySeconds)} | ${f(r.numpyPeakMb, 0)} | ${f(r.ratio, 2)} | ${r.maxDiff.toExponential(1)} |`,
          )
          .join("\n") +
        "\n",
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
