/**
 * `npm run bench`: bonkl against a NumPy/SciPy baseline (bench/baseline.py) on one seeded model with
 * 10^6 outcomes. Times the tilt solve, a 200-point optimal frontier and best-of-N, checks that both
 * sides agree to 1e-8 relative, and prints a table (or JSON with --json). Then the sequence rows
 * (bench/sequence.ts): best-of-e^{nΔ} at n = 10^6 against bench/sequence.py. See bench/README.md.
 *
 * Options: --json, --size M (outcomes, default 1000000), --seed S (default 1).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { bestOfN } from "../src/core/bon.js";
import { optimalFrontier } from "../src/core/frontier.js";
import { type Model, modelFromLogWeights } from "../src/core/model.js";
import { lambdaForKl, tiltAt } from "../src/core/tilt.js";
import { generate, writeFloat64LE } from "./data.js";
import {
  type BonklSequence,
  formatTable,
  type NumpySequence,
  naiveErrors,
  num,
  type PeakMemory,
  peakMemory,
  SEQUENCE_LENGTH,
  SEQUENCE_MODELS,
  SEQUENCE_TOLERANCE,
  sequenceConfig,
  sequenceTables,
  timeBonklSequences,
} from "./sequence.js";
import { measure, POLICY, type Timing } from "./timing.js";

const TOLERANCE = 1e-8;
const FRONTIER_POINTS = 200;
/**
 * log N for the best-of-N rows. N = e^10000 is far past saturation on this model (all mass on r_max):
 * every level but the top few is settled by one comparison. N = e^10 spreads π_N over every level, so
 * each one costs its logarithms: the row that shows the per-level work.
 */
const LOG_NS = [1e4, 10];
/** A further N = 2^10 for the agreement check only (untimed). */
const CHECK_LOG_NS = [10 * Math.LN2];
/** Frontier points whose KL and reward are checked against NumPy (every FRONTIER_CHECK_STRIDE-th). */
const FRONTIER_CHECK_STRIDE = 10;

interface Args {
  json: boolean;
  size: number;
  seed: number;
}

function parseArgs(argv: readonly string[]): Args {
  const args: Args = { json: false, size: 1_000_000, seed: 1 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--json") args.json = true;
    else if (a === "--size" || a === "--seed") {
      const v = Number(argv[++i]);
      if (!Number.isInteger(v) || v < (a === "--size" ? 2 : 0)) throw new Error(`${a}: expected an integer`);
      if (a === "--size") args.size = v;
      else args.seed = v;
    } else throw new Error(`unknown option ${a} (expected --json, --size M, --seed S)`);
  }
  return args;
}

const log = (msg: string) => process.stderr.write(`${msg}\n`);

// ---------------------------------------------------------------------------------------------------
// Baseline output (see baseline.py)

interface Baseline {
  versions: { python: string; numpy: string; scipy: string };
  rMax: number;
  klMax: number;
  tilt: { delta: number; timing: Timing; lambda: number; reward: number; kl: number }[];
  frontier: { timing: Timing; kl: number[]; reward: number[] };
  bon: { timing: Timing; reward: number; kl: number }[];
  bonChecks: { reward: number; kl: number }[];
}

type PythonRun<T> = { ok: true; data: T } | { ok: false; reason: string };
type BaselineRun = PythonRun<Baseline>;

/** Runs bench/<script> (baseline.py or sequence.py) on DIR and parses the JSON it prints. */
function runPython<T>(script: string, dir: string): PythonRun<T> {
  script = path.join(path.dirname(fileURLToPath(import.meta.url)), script);
  // These two variables select an OpenBLAS kernel and cache size that slow down a current NumPy.
  // One OpenBLAS thread: both sides then run on one core, and NumPy's CPU time is one thread's.
  const env: NodeJS.ProcessEnv = { ...process.env, OPENBLAS_NUM_THREADS: "1" };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  const res = spawnSync("python3", [script, dir], {
    env,
    encoding: "utf8",
    timeout: 600_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (res.error) return { ok: false, reason: `could not run python3 (${res.error.message})` };
  if (res.status !== 0) {
    const last = res.stderr.trim().split("\n").pop() ?? "";
    return { ok: false, reason: `python3 exited with ${res.status ?? res.signal}: ${last}` };
  }
  try {
    return { ok: true, data: JSON.parse(res.stdout) as T };
  } catch {
    return { ok: false, reason: "python3 printed no valid JSON" };
  }
}

// ---------------------------------------------------------------------------------------------------
// Agreement checks

interface Check {
  readonly what: string;
  readonly bonkl: number;
  readonly numpy: number;
  /** |a − b| / max(|a|, |b|, floor). */
  readonly relError: number;
  readonly tolerance: number;
  readonly ok: boolean;
}

/**
 * Relative difference, with a floor on the denominator for quantities that are 0 in exact arithmetic
 * (KL at λ = 0, a reward that crosses 0): there the floor turns the test into an absolute one.
 */
function check(what: string, bonkl: number, numpy: number, floor: number, tolerance = TOLERANCE): Check {
  const relError =
    bonkl === numpy ? 0 : Math.abs(bonkl - numpy) / Math.max(Math.abs(bonkl), Math.abs(numpy), floor);
  return { what, bonkl, numpy, relError, tolerance, ok: relError <= tolerance };
}

// ---------------------------------------------------------------------------------------------------
// Output

interface Row {
  readonly task: string;
  readonly bonkl: Timing;
  readonly numpy?: Timing;
}

const fmtMs = (s: number) => (s * 1000).toFixed(s < 0.1 ? 2 : 1);
const fmtNum = (x: number) => (Number.isFinite(x) ? x.toPrecision(17) : String(x));

/** NumPy CPU time / bonkl CPU time, or undefined where either was not measured. */
function cpuRatio(r: Row): number | undefined {
  const a = r.bonkl.cpuSeconds;
  const b = r.numpy?.cpuSeconds;
  return a !== undefined && b !== undefined ? b / a : undefined;
}

function table(rows: readonly Row[]): string {
  const head = ["task", "bonkl (ms)", "numpy (ms)", "ratio", "cpu: bonkl", "numpy", "ratio", "runs"];
  const cpuMs = (t?: Timing) => (t?.cpuSeconds === undefined ? "-" : fmtMs(t.cpuSeconds));
  const body = rows.map((r) => [
    r.task,
    fmtMs(r.bonkl.seconds),
    r.numpy ? fmtMs(r.numpy.seconds) : "skipped",
    r.numpy ? (r.numpy.seconds / r.bonkl.seconds).toFixed(2) : "-",
    cpuMs(r.bonkl),
    cpuMs(r.numpy),
    cpuRatio(r)?.toFixed(2) ?? "-",
    r.numpy ? `${r.bonkl.runs}/${r.numpy.runs}` : String(r.bonkl.runs),
  ]);
  return formatTable(head, body);
}

/** The sequence part of the report. */
interface SequenceReport {
  readonly bonkl: readonly BonklSequence[];
  readonly memory: readonly PeakMemory[];
  readonly numpy: PythonRun<NumpySequence>;
  /** Per model, the worst relative difference of NumPy (b) against bonkl over its checks. */
  readonly worstShifted: readonly number[];
}

// ---------------------------------------------------------------------------------------------------

function main(): void {
  const args = parseArgs(process.argv.slice(2));
  const dir = mkdtempSync(path.join(os.tmpdir(), "bonkl-bench-"));
  try {
    log(`generating ${args.size} outcomes (seed ${args.seed})`);
    const { p, r } = generate(args.size, args.seed);
    writeFloat64LE(path.join(dir, "p.f64"), p);
    writeFloat64LE(path.join(dir, "r.f64"), r);
    const logw = p.map(Math.log);
    // No labels, as on the NumPy side: a model's labels are only made when read, and nothing here
    // reads them. (10^6 live label strings would make each garbage collection mark them, on a helper
    // thread whose time counts in the CPU column; measured, 50-150 ms a best-of-N run.)
    const build = (): Model => modelFromLogWeights(logw, r);
    const model = build();
    const deltas = [0.5 * model.klMax, 1].filter((d) => d < model.klMax);
    const deltaLabel = (d: number) => (d === 1 ? "Δ = 1 nat" : `Δ = ½ KL max = ${d.toFixed(4)} nats`);

    // bonkl ------------------------------------------------------------------------------------------
    const tiltRows: Row[] = [];
    const tiltResults: { lambda: number; reward: number; kl: number }[] = [];
    for (const delta of deltas) {
      log(`bonkl: tilt solve, Δ = ${delta}`);
      const { timing, result } = measure(
        () => model,
        (m) => {
          const lambda = lambdaForKl(m, delta).lambda;
          const t = tiltAt(m, lambda);
          return { lambda, reward: t.reward, kl: t.kl };
        },
      );
      tiltRows.push({ task: `tilt solve, ${deltaLabel(delta)}`, bonkl: timing });
      tiltResults.push(result);
    }
    log(`bonkl: optimal frontier, ${FRONTIER_POINTS} points`);
    // A fresh model per run, as for best-of-N: the frontier's pass runs over the sorted reward levels,
    // which are cached per model, so the sort is timed with it.
    const fr = measure(build, (m) => optimalFrontier(m, FRONTIER_POINTS));
    // A fresh model per run: the levels (the sort) are cached per model and must be rebuilt each time.
    const bon = LOG_NS.map((logN) => {
      log(`bonkl: best-of-N, log N = ${logN}`);
      return measure(build, (m) => bestOfN(m, { logN }));
    });
    const bonChecks = CHECK_LOG_NS.map((logN) => bestOfN(model, { logN }));
    const seqBonkl = timeBonklSequences(log);
    log("bonkl: sequence peak memory (a fresh process per model)");
    const memory = SEQUENCE_MODELS.map(peakMemory);
    const rows: Row[] = [
      ...tiltRows,
      { task: `optimal frontier, ${FRONTIER_POINTS} points`, bonkl: fr.timing },
      ...bon.map((b, k) => ({ task: `best-of-N, log N = ${LOG_NS[k]} (with sort)`, bonkl: b.timing })),
    ];

    // NumPy ------------------------------------------------------------------------------------------
    const checked = fr.result.filter(
      (pt, k) => Number.isFinite(pt.lambda) && k % FRONTIER_CHECK_STRIDE === 0,
    );
    writeFileSync(
      path.join(dir, "config.json"),
      JSON.stringify({
        policy: POLICY,
        deltas,
        points: FRONTIER_POINTS,
        logNs: LOG_NS,
        checkLogNs: CHECK_LOG_NS,
        frontierLambdas: checked.map((pt) => pt.lambda),
      }),
    );
    log("numpy: running bench/baseline.py");
    const baseline = runPython<Baseline>("baseline.py", dir);
    writeFileSync(path.join(dir, "sequence.json"), sequenceConfig(POLICY));
    log("numpy: running bench/sequence.py");
    const seqNumpy = runPython<NumpySequence>("sequence.py", dir);

    // Agreement --------------------------------------------------------------------------------------
    const checks: Check[] = [];
    const klFloor = 1e-6;
    const rewardFloor = 1e-6 * (model.rMax - model.rMin);
    if (baseline.ok) {
      const b = baseline.data;
      b.tilt.forEach((t, k) => {
        rows[k] = { ...rows[k]!, numpy: t.timing };
        const mine = tiltResults[k]!;
        const tag = `tilt Δ = ${+t.delta.toFixed(4)}`;
        checks.push(check(`${tag}: λ`, mine.lambda, t.lambda, 0));
        checks.push(check(`${tag}: reward`, mine.reward, t.reward, rewardFloor));
        checks.push(check(`${tag}: KL`, mine.kl, t.kl, klFloor));
      });
      rows[deltas.length] = { ...rows[deltas.length]!, numpy: b.frontier.timing };
      checked.forEach((pt, k) => {
        const at = `at λ = ${pt.lambda.toPrecision(6)}`;
        checks.push(check(`frontier KL ${at}`, pt.kl, b.frontier.kl[k]!, klFloor));
        checks.push(check(`frontier reward ${at}`, pt.reward, b.frontier.reward[k]!, rewardFloor));
      });
      checks.push(check("frontier end: KL max = log 1/p*", model.klMax, b.klMax, klFloor));
      checks.push(check("frontier end: r max", model.rMax, b.rMax, rewardFloor));
      b.bon.forEach((theirs, k) => {
        rows[deltas.length + 1 + k] = { ...rows[deltas.length + 1 + k]!, numpy: theirs.timing };
      });
      const mineAll = [...bon.map((x) => x.result), ...bonChecks];
      const theirsAll = [...b.bon, ...b.bonChecks];
      const logNs = [...LOG_NS, ...CHECK_LOG_NS];
      mineAll.forEach((mine, k) => {
        const theirs = theirsAll[k]!;
        const tag = `best-of-N log N = ${+logNs[k]!.toFixed(4)}`;
        checks.push(check(`${tag}: reward`, mine.reward, theirs.reward, rewardFloor));
        checks.push(check(`${tag}: KL`, mine.kl, theirs.kl, klFloor));
      });
    }
    const worstShifted: number[] = [];
    if (seqNumpy.ok) {
      seqBonkl.forEach((b, k) => {
        const theirs = seqNumpy.data.rows[k]!.shifted;
        const mine = b.result;
        const built = b.model.build();
        const rewardFloor = 1e-6 * (built.rMax - built.rMin);
        const tag = `sequence ${b.model.name} n = ${mine.length}, numpy (b)`;
        const own = [
          check(`${tag}: λ*`, mine.lambda, num(theirs.lambda), 0, SEQUENCE_TOLERANCE),
          check(`${tag}: x*`, mine.xStar, num(theirs.xStar), rewardFloor, SEQUENCE_TOLERANCE),
          check(
            `${tag}: reward/n`,
            mine.bon.rewardPerToken,
            num(theirs.rewardPerToken),
            rewardFloor,
            SEQUENCE_TOLERANCE,
          ),
          check(
            `${tag}: KL/n`,
            mine.bon.klToReferencePerToken,
            num(theirs.klPerToken),
            klFloor,
            SEQUENCE_TOLERANCE,
          ),
        ];
        checks.push(...own);
        worstShifted.push(Math.max(...own.map((c) => (Number.isNaN(c.relError) ? Infinity : c.relError))));
      });
    }
    const sequence: SequenceReport = { bonkl: seqBonkl, memory, numpy: seqNumpy, worstShifted };
    report(args, rows, checks, baseline, { ...model, levels: bon[0]!.result.levelLogProbs.length }, sequence);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function report(
  args: Args,
  rows: readonly Row[],
  checks: readonly Check[],
  baseline: BaselineRun,
  model: Model & { levels: number },
  sequence: SequenceReport,
): void {
  const bad = checks.filter((c) => !c.ok);
  const cpus = os.cpus();
  const machine = {
    cpu: cpus[0]?.model ?? "unknown",
    cores: cpus.length,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    memoryGiB: +(os.totalmem() / 2 ** 30).toFixed(1),
  };
  const versions = { node: process.version, ...(baseline.ok ? baseline.data.versions : {}) };
  if (args.json) {
    const out = {
      machine,
      versions,
      model: {
        size: model.size,
        levels: model.levels,
        seed: args.seed,
        klMax: model.klMax,
        rMax: model.rMax,
        mean: model.mean,
        sd: Math.sqrt(model.variance),
      },
      policy: POLICY,
      baseline: baseline.ok ? "ok" : `skipped: ${baseline.reason}`,
      tasks: rows.map((row) => ({
        task: row.task,
        bonklSeconds: row.bonkl.seconds,
        numpySeconds: row.numpy?.seconds ?? null,
        ratio: row.numpy ? row.numpy.seconds / row.bonkl.seconds : null,
        cpuRatio: cpuRatio(row) ?? null,
        bonkl: row.bonkl,
        numpy: row.numpy ?? null,
      })),
      sequence: {
        length: SEQUENCE_LENGTH,
        numpy: sequence.numpy.ok ? "ok" : `skipped: ${sequence.numpy.reason}`,
        numpyPeakRssMiB: sequence.numpy.ok ? sequence.numpy.data.peakRssMiB : null,
        rows: sequence.bonkl.map((b, k) => {
          const row = sequence.numpy.ok ? sequence.numpy.data.rows[k] : undefined;
          return {
            model: b.model.name,
            task: b.model.label,
            p: b.model.p,
            r: b.model.r,
            delta: b.model.delta,
            bonkl: b.timing,
            result: b.result,
            memory: sequence.memory[k],
            numpyNaive: row ? { ...row.naive, errors: naiveErrors(b.result, row.naive) } : null,
            numpyShifted: row ? { ...row.shifted, worstRelDiff: sequence.worstShifted[k] } : null,
          };
        }),
      },
      tolerance: TOLERANCE,
      sequenceTolerance: SEQUENCE_TOLERANCE,
      agree: baseline.ok || sequence.numpy.ok ? bad.length === 0 : null,
      checks,
    };
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  } else {
    const v = baseline.ok ? baseline.data.versions : undefined;
    const out = [
      `bonkl benchmark: M = ${model.size} outcomes, ${model.levels} reward levels (seed ${args.seed}),` +
        ` KL max = ${model.klMax.toFixed(4)} nats`,
      `Node ${versions.node}` + (v ? `, Python ${v.python}, numpy ${v.numpy}, scipy ${v.scipy}` : ""),
      `${machine.cpu}, ${machine.cores} cores, ${machine.platform}, ${machine.memoryGiB} GiB`,
      "",
      table(rows),
      "",
      "Times: median of the timed runs (runs: bonkl/numpy), wall clock and CPU (user + system) in ms." +
        " ratio = numpy time / bonkl time; > 1 means bonkl is faster.",
    ];
    const agreement = (tol: number, label: string) => {
      const mine = checks.filter((c) => c.tolerance === tol);
      if (mine.length === 0 || mine.some((c) => !c.ok)) return;
      const worst = mine.reduce((w, c) => (c.relError > w.relError ? c : w));
      out.push(
        `Agreement${label}: all ${mine.length} checks within ${tol.toExponential(0)} relative` +
          ` (worst ${worst.relError.toExponential(2)}: ${worst.what}).`,
      );
    };
    if (!baseline.ok) out.push(`NumPy baseline skipped: ${baseline.reason}`);
    else agreement(TOLERANCE, "");
    out.push(
      "",
      `Sequences: exact best-of-N, N = e^{nΔ}, over n = ${SEQUENCE_LENGTH} tokens (bonSequence).`,
      "numpy (a): the full-support FFT a user would write; numpy (b): bonkl's shifted FFT written in NumPy.",
      "",
      sequenceTables(
        sequence.bonkl,
        sequence.numpy.ok ? sequence.numpy.data : undefined,
        sequence.worstShifted,
      ),
      "",
      "ratio = numpy time / bonkl time (runs: bonkl/(a)/(b)).",
      "Errors: |numpy − bonkl| / max(|numpy|, |bonkl|), NaN where numpy gave NaN.",
    );
    sequence.memory.forEach((m, k) => {
      const label = sequence.bonkl[k]!.model.label;
      out.push(
        m.ok
          ? `bonkl peak memory, ${label}: ${m.peakMiB.toFixed(0)} MiB peak RSS in a fresh Node process` +
              ` (${m.beforeMiB.toFixed(0)} MiB before the run); ${m.wallSeconds.toFixed(2)} s` +
              " for the whole process, start-up included"
          : `bonkl peak memory, ${label}: not measured (${m.reason})`,
      );
    });
    if (!sequence.numpy.ok) out.push(`NumPy sequence baseline skipped: ${sequence.numpy.reason}`);
    else {
      out.push(
        `NumPy process peak RSS: ${sequence.numpy.data.peakRssMiB.toFixed(0)} MiB` +
          " (both models, (a) and (b); the full-support arrays of (a) dominate)",
      );
      agreement(SEQUENCE_TOLERANCE, " of numpy (b)");
    }
    process.stdout.write(`${out.join("\n")}\n`);
  }
  if (bad.length > 0) {
    const lines = [
      "",
      `!!! DISAGREEMENT: ${bad.length} of ${checks.length} checks differ by more than their tolerance`,
      ...bad.map(
        (c) =>
          `!!!   ${c.what}: bonkl ${fmtNum(c.bonkl)}, numpy ${fmtNum(c.numpy)}` +
          ` (relative ${c.relError.toExponential(2)}, tolerance ${c.tolerance})`,
      ),
    ];
    process.stderr.write(`${lines.join("\n")}\n`);
    process.exitCode = 1;
  }
}

main();
