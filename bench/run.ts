/**
 * `npm run bench`: bonkl against the NumPy/SciPy a competent user would write, in one run, the two sides
 * interleaved (A B A B …) row by row, with medians, ranges and per-round ratios, wall clock and CPU. It
 * checks that both sides agree and prints the tables (or JSON with --json). docs/speed.md says what each
 * side does and how to reproduce each number.
 *
 * Options: --json, --size M (outcomes of the single-step model, default 1000000), --seed S (default 1),
 * --only NAME (one provider: "single step", "sequences", "start-up"), --legacy (also the previous baselines).
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { type Json, NumpyServer, type Versions } from "./python.js";
import { type Batch, type Check, type Context, formatTable, type Provider, type Row } from "./rows.js";
import { sequenceSection } from "./sequenceSection.js";
import { singleStep } from "./singleStep.js";
import { startupSection } from "./startupSection.js";
import { INTERLEAVE, type Interleaved, type Sample, type Spread, sample, summarise } from "./timing.js";

/** Every part of the benchmark, in the order they run. */
const PROVIDERS: readonly Provider[] = [singleStep, sequenceSection, startupSection];

interface Args {
  json: boolean;
  size: number;
  seed: number;
  only: string | undefined;
  legacy: boolean;
}

function parseArgs(argv: readonly string[]): Args {
  const args: Args = { json: false, size: 1_000_000, seed: 1, only: undefined, legacy: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--json") args.json = true;
    else if (a === "--legacy") args.legacy = true;
    else if (a === "--only") {
      args.only = argv[++i];
      if (!PROVIDERS.some((p) => p.name === args.only)) {
        throw new Error(`--only: expected one of ${PROVIDERS.map((p) => `"${p.name}"`).join(", ")}`);
      }
    } else if (a === "--size" || a === "--seed") {
      const v = Number(argv[++i]);
      if (!Number.isInteger(v) || v < (a === "--size" ? 2 : 0)) throw new Error(`${a}: expected an integer`);
      if (a === "--size") args.size = v;
      else args.seed = v;
    } else
      throw new Error(`unknown option ${a} (expected --json, --size M, --seed S, --only NAME, --legacy)`);
  }
  return args;
}

const log = (msg: string) => process.stderr.write(`${msg}\n`);

interface Timed {
  readonly row: Row;
  readonly rounds: Interleaved;
  readonly checks: readonly Check[];
  readonly note: string;
}

/** One row: a warm-up run of each side, then rounds of bonkl then NumPy (INTERLEAVE). */
async function timeRow(row: Row, server: NumpyServer | undefined): Promise<Timed> {
  const bonkl: Sample[] = [];
  const numpy: Sample[] = [];
  const once = () => {
    const state = row.setup();
    return row.timed ? row.timed(state) : sample(() => row.run(state));
  };
  let mine = once().result;
  let theirs: Json | undefined;
  const np = row.numpy && server ? row.numpy : undefined;
  if (np) theirs = (await server!.run(np.module, np.task, np.args)).result;
  let spent = 0;
  while (
    bonkl.length < INTERLEAVE.maxRounds &&
    (bonkl.length < INTERLEAVE.minRounds || spent < INTERLEAVE.budgetSeconds)
  ) {
    const a = once();
    bonkl.push(a.sample);
    mine = a.result;
    spent += a.sample.wall;
    if (np) {
      const b = await server!.run(np.module, np.task, np.args);
      numpy.push(b.sample);
      theirs = b.result;
      spent += b.sample.wall;
    }
  }
  const checks = row.check ? await row.check(mine, theirs, server) : [];
  return { row, rounds: { bonkl, numpy }, checks, note: row.note ? row.note(mine, theirs) : "" };
}

const ms = (s: number) => (s * 1000).toFixed(s < 0.01 ? 3 : s < 0.1 ? 2 : 1);
const withRange = (x: Spread, f: (v: number) => string) => `${f(x.median)} (${f(x.min)}–${f(x.max)})`;
const ratio = (v: number) => v.toFixed(2);

function sectionTable(rows: readonly Timed[]): string {
  const head = [
    "task",
    "bonkl ms",
    "numpy ms",
    "ratio",
    "cpu: bonkl ms",
    "numpy ms",
    "cpu ratio",
    "rounds",
    "notes",
  ];
  const body = rows.map((t) => {
    const s = summarise(t.rounds);
    return [
      t.row.label,
      withRange(s.bonkl.wall, ms),
      s.numpy ? withRange(s.numpy.wall, ms) : "-",
      s.ratio ? withRange(s.ratio, ratio) : "-",
      withRange(s.bonkl.cpu, ms),
      s.numpy ? withRange(s.numpy.cpu, ms) : "-",
      s.cpuRatio ? withRange(s.cpuRatio, ratio) : "-",
      String(s.rounds),
      t.note,
    ];
  });
  return formatTable(head, body);
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const dir = mkdtempSync(path.join(os.tmpdir(), "bonkl-bench-"));
  const ctx: Context = { dir, log, size: args.size, seed: args.seed, legacy: args.legacy };
  const providers = PROVIDERS.filter((p) => args.only === undefined || p.name === args.only);
  const timed: Timed[] = [];
  const batches: { name: string; batch: Batch }[] = [];
  const headers: string[] = [];
  let versions: Versions | undefined;
  let skipped: string | undefined;
  const server = NumpyServer.start();
  try {
    for (const provider of providers) {
      const { rows, header } = provider.prepare(ctx);
      headers.push(...(header ?? []));
      let usable: NumpyServer | undefined = server;
      for (const module of provider.modules) {
        try {
          versions = await server.load(module, dir);
        } catch (err) {
          skipped = (err as Error).message;
          usable = undefined;
        }
      }
      for (const row of rows) {
        log(`${row.section}: ${row.label}`);
        timed.push(await timeRow(row, usable));
      }
      if (provider.batch) batches.push({ name: provider.name, batch: await provider.batch(ctx) });
    }
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  report(args, headers, timed, batches, versions, skipped);
}

function report(
  args: Args,
  headers: readonly string[],
  timed: readonly Timed[],
  batches: readonly { name: string; batch: Batch }[],
  versions: Versions | undefined,
  skipped: string | undefined,
): void {
  const checks = [...timed.flatMap((t) => t.checks), ...batches.flatMap((b) => b.batch.checks)];
  const bad = checks.filter((c) => !c.ok);
  const cpus = os.cpus();
  const machine = {
    cpu: cpus[0]?.model ?? "unknown",
    cores: cpus.length,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    memoryGiB: +(os.totalmem() / 2 ** 30).toFixed(1),
    loadAverage: os.loadavg().map((x) => +x.toFixed(2)),
  };
  const allVersions = { node: process.version, ...(versions ?? {}) };
  if (args.json) {
    const out = {
      machine,
      versions: allVersions,
      interleave: INTERLEAVE,
      baseline: skipped ? `skipped: ${skipped}` : "ok",
      rows: timed.map((t) => ({
        section: t.row.section,
        task: t.row.label,
        note: t.note,
        ...summarise(t.rounds),
        samples: t.rounds,
      })),
      sections: Object.fromEntries(batches.map((b) => [b.name, b.batch.json])),
      agree: bad.length === 0,
      checks,
    };
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  } else {
    const v = versions;
    const out = [
      "bonkl benchmark",
      ...headers,
      `Node ${allVersions.node}` + (v ? `, Python ${v.python}, numpy ${v.numpy}, scipy ${v.scipy}` : ""),
      `${machine.cpu}, ${machine.cores} cores, ${machine.platform}, ${machine.memoryGiB} GiB,` +
        ` load average ${machine.loadAverage.join(" ")}`,
    ];
    const sections = [...new Set(timed.map((t) => t.row.section))];
    for (const section of sections) {
      out.push("", `${section}:`, sectionTable(timed.filter((t) => t.row.section === section)));
    }
    out.push(
      "",
      "Times: medians (ranges) over the rounds, wall clock and CPU (user + system) in ms; each round runs" +
        " bonkl then NumPy. ratio = numpy time / bonkl time per round (median and range): > 1 means bonkl" +
        " is faster. On a shared machine read the CPU columns.",
    );
    if (skipped) out.push(`NumPy baseline skipped: ${skipped}`);
    else if (checks.length > 0 && bad.length === 0) {
      const worst = checks.reduce((w, c) => (c.relError > w.relError ? c : w));
      out.push(
        `Agreement: all ${checks.length} checks within their tolerance (worst ${worst.relError.toExponential(2)}:` +
          ` ${worst.what}).`,
      );
    }
    for (const b of batches) out.push("", b.batch.text);
    process.stdout.write(`${out.join("\n")}\n`);
  }
  if (bad.length > 0) {
    const fmt = (x: number) => (Number.isFinite(x) ? x.toPrecision(17) : String(x));
    const lines = [
      "",
      `!!! DISAGREEMENT: ${bad.length} of ${checks.length} checks differ by more than their tolerance`,
      ...bad.map(
        (c) =>
          `!!!   ${c.what}: bonkl ${fmt(c.bonkl)}, numpy ${fmt(c.numpy)}` +
          ` (relative ${c.relError.toExponential(2)}, tolerance ${c.tolerance})`,
      ),
    ];
    process.stderr.write(`${lines.join("\n")}\n`);
    process.exitCode = 1;
  }
}

await main();
