/**
 * Start-up time of the installed CLI (`bonkl --help`, a small `bonkl tilt`) beside the import a Python
 * user pays before any work, `python3 -c 'import numpy, scipy.optimize'`, and bare `node -e 0` (the
 * floor no Node program goes below). The commands run interleaved (A B C D, A B C D, …) so a burst of
 * other work on a shared machine falls on all of them alike; each run is timed by wall clock and by
 * the CPU time (user + system) of the process, which other work does not inflate. bonkl runs as its
 * installed bin does: node on the compiled dist/cli/main.js (`npm run build` first).
 *
 * Usage: npm run bench:startup [-- --rounds 21] [-- --json]
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { formatTable } from "./sequence.js";
import { median } from "./timing.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const MAIN = path.join(ROOT, "dist", "cli", "main.js");

/** One command timed: what a user types, and the program and arguments that run it. */
export interface StartupCommand {
  readonly label: string;
  readonly program: string;
  readonly args: readonly string[];
  /** Extra environment (the numpy baseline runs single-threaded, as every baseline here does). */
  readonly env?: Readonly<Record<string, string>>;
}

/** Median and range of one command's runs, in seconds. */
export interface StartupRow {
  readonly label: string;
  readonly runs: number;
  readonly wall: { readonly median: number; readonly min: number; readonly max: number };
  readonly cpu: { readonly median: number; readonly min: number; readonly max: number };
}

export interface StartupResult {
  readonly rows: StartupRow[];
  /** Median of bonkl's over the numpy import's, per bonkl command, wall and CPU. */
  readonly ratios: { readonly label: string; readonly wall: number; readonly cpu: number }[];
}

export const PYTHON_LABEL = "python3 -c 'import numpy, scipy.optimize'";

export function startupCommands(): StartupCommand[] {
  return [
    { label: "bonkl --help", program: process.execPath, args: [MAIN, "--help"] },
    {
      label: "bonkl tilt --model ternary --kl 0.1",
      program: process.execPath,
      args: [MAIN, "tilt", "--model", "ternary", "--kl", "0.1"],
    },
    { label: "node -e 0", program: process.execPath, args: ["-e", "0"] },
    {
      label: PYTHON_LABEL,
      program: "python3",
      args: ["-c", "import numpy, scipy.optimize"],
      env: { OPENBLAS_NUM_THREADS: "1" },
    },
  ];
}

/**
 * One run: bash starts the command with its output discarded, reads the clock on either side
 * ($EPOCHREALTIME, microseconds) and prints its children's CPU time (`times`, milliseconds), so the
 * wall time excludes bash's own start and the CPU time is the command's alone.
 */
function runOnce(c: StartupCommand): { wall: number; cpu: number } {
  const script =
    't0=$EPOCHREALTIME; "$@" >/dev/null 2>&1; rc=$?; t1=$EPOCHREALTIME; echo "$rc $t0 $t1"; times';
  const r = spawnSync("bash", ["-c", script, "bash", c.program, ...c.args], {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...process.env, ...c.env },
  });
  if (r.error) throw new Error(`bench/startup: cannot start bash (${r.error.message})`);
  const lines = r.stdout.trim().split("\n");
  const [rc, t0, t1] = lines[0]!.split(" ");
  if (rc !== "0") throw new Error(`bench/startup: ${c.label} exited with status ${rc}`);
  if (!t0 || !t1) throw new Error("bench/startup: bash has no $EPOCHREALTIME (bash ≥ 5 is needed)");
  // `times` prints the shell's user and system time, then its children's: "0m0.085s 0m0.012s".
  const seconds = (s: string) => {
    const m = /^(\d+)m([\d.]+)s$/.exec(s);
    if (!m) throw new Error(`bench/startup: cannot read ${JSON.stringify(s)} from bash's times`);
    return 60 * Number(m[1]) + Number(m[2]);
  };
  const [user, system] = lines[2]!.trim().split(/\s+/);
  return { wall: Number(t1) - Number(t0), cpu: seconds(user!) + seconds(system!) };
}

const stats = (xs: readonly number[]) => ({
  median: median(xs),
  min: Math.min(...xs),
  max: Math.max(...xs),
});

/** Runs every command `rounds` times, interleaved, after one untimed round (disk caches). */
export function startupBench(rounds = 21, commands = startupCommands()): StartupResult {
  if (!existsSync(MAIN)) throw new Error("bench/startup: dist/ is not built: run npm run build first");
  for (const c of commands) runOnce(c);
  const samples = commands.map(() => ({ wall: [] as number[], cpu: [] as number[] }));
  for (let r = 0; r < rounds; r++) {
    commands.forEach((c, i) => {
      const t = runOnce(c);
      samples[i]!.wall.push(t.wall);
      samples[i]!.cpu.push(t.cpu);
    });
  }
  const rows = commands.map(
    (c, i): StartupRow => ({
      label: c.label,
      runs: rounds,
      wall: stats(samples[i]!.wall),
      cpu: stats(samples[i]!.cpu),
    }),
  );
  const python = rows.find((r) => r.label === PYTHON_LABEL);
  const ratios = python
    ? rows
        .filter((r) => r.label.startsWith("bonkl"))
        .map((r) => ({
          label: r.label,
          wall: r.wall.median / python.wall.median,
          cpu: r.cpu.median / python.cpu.median,
        }))
    : [];
  return { rows, ratios };
}

const ms = (s: number) => (s * 1000).toFixed(0);

/** The result as a plain-text table (milliseconds) with the ratios to the numpy import below it. */
export function formatStartup(result: StartupResult): string {
  const table = formatTable(
    ["command", "wall median", "wall range", "CPU median", "CPU range"],
    result.rows.map((r) => [
      r.label,
      `${ms(r.wall.median)} ms`,
      `${ms(r.wall.min)}–${ms(r.wall.max)} ms`,
      `${ms(r.cpu.median)} ms`,
      `${ms(r.cpu.min)}–${ms(r.cpu.max)} ms`,
    ]),
  );
  const ratios = result.ratios.map(
    (q) =>
      `${q.label}: ${q.wall.toFixed(2)}× the numpy import's wall time, ${q.cpu.toFixed(2)}× its CPU time`,
  );
  const runs = result.rows[0]?.runs ?? 0;
  return [`start-up, ${runs} interleaved runs each (medians, ranges)`, table, "", ...ratios].join("\n");
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const args = process.argv.slice(2);
  const at = args.indexOf("--rounds");
  const rounds = at >= 0 ? Number(args[at + 1]) : 21;
  if (!Number.isInteger(rounds) || rounds < 1) {
    process.stderr.write("bench/startup: --rounds: expected a whole number ≥ 1\n");
    process.exit(2);
  }
  const result = startupBench(rounds);
  process.stdout.write(
    args.includes("--json") ? `${JSON.stringify(result, null, 2)}\n` : `${formatStartup(result)}\n`,
  );
}
