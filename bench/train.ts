/**
 * `npx tsx bench/train.ts` (or `npm run bench:train`): bonkl train on the 74,286-word SUBTLEX × AFINN
 * model, each method with exact gradients at its defaults (β = 1; bon-distill with the N whose KL is
 * that of φ_1), timed from the trainer's construction (pooling into atoms, the optimum) to the first
 * step whose KL(q‖optimum) ≤ 1e-3 nats. The same loops in NumPy (bench/train.py), interleaved run by
 * run with bonkl's (A B A B …), CPU and wall time; the steps each side takes must agree. Then, untimed,
 * each method's rate (steps to 1e-3 … 1e-12 nats) and the cost of a step without pooling.
 *
 * Options: --json, --runs R (default 3), --model M (default subtlex-afinn), --beta β (default 1).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { resolveModel } from "../src/app/model.js";
import type { Model } from "../src/core/model.js";
import { ADAM_DEFAULTS } from "../src/core/train/adam.js";
import { pooledAtoms } from "../src/core/train/atoms.js";
import { PPO_DEFAULTS } from "../src/core/train/ppo.js";
import { METHODS, type Method, Trainer, type TrainOptions } from "../src/core/train/train.js";
import { nodeModelIo } from "../src/node/models.js";
import { writeFloat64LE } from "./data.js";
import { median } from "./timing.js";

const TOLERANCE = 1e-3;
const MAX_STEPS = 20_000;
const RATE_LEVELS = [1e-3, 1e-6, 1e-9, 1e-12];
const RATE_STEPS = 5000;

interface Args {
  json: boolean;
  runs: number;
  model: string;
  beta: number;
}

function parseArgs(argv: readonly string[]): Args {
  const args: Args = { json: false, runs: 3, model: "subtlex-afinn", beta: 1 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--json") args.json = true;
    else if (a === "--runs") args.runs = Number(argv[++i]);
    else if (a === "--model") args.model = argv[++i]!;
    else if (a === "--beta") args.beta = Number(argv[++i]);
    else throw new Error(`unknown option ${a} (expected --json, --runs R, --model M, --beta β)`);
  }
  if (!Number.isInteger(args.runs) || args.runs < 1) throw new Error("--runs: expected a whole number ≥ 1");
  if (!(args.beta > 0)) throw new Error("--beta: expected a number > 0");
  return args;
}

const log = (msg: string) => process.stderr.write(`${msg}\n`);
const options = (method: Method, beta: number): TrainOptions => ({ method, beta });

interface Run {
  steps: number;
  kl: number;
  seconds: number;
  cpuSeconds: number;
}

/** One timed run to the tolerance. */
function runBonkl(model: Model, method: Method, beta: number): Run {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const t = new Trainer(model, options(method, beta));
  let kl = t.klToOptimum();
  while (kl > TOLERANCE && t.step < MAX_STEPS) {
    t.advance();
    kl = t.klToOptimum();
  }
  const seconds = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  return { steps: t.step, kl, seconds, cpuSeconds: (c.user + c.system) / 1e6 };
}

type Numpy = { versions: Record<string, string>; runs: Record<Method, Run> };

function runNumpy(dir: string): Numpy | string {
  const script = path.join(path.dirname(fileURLToPath(import.meta.url)), "train.py");
  const env: NodeJS.ProcessEnv = { ...process.env, OPENBLAS_NUM_THREADS: "1" };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  const res = spawnSync("python3", [script, dir], { env, encoding: "utf8", timeout: 1_800_000 });
  if (res.error) return `could not run python3 (${res.error.message})`;
  if (res.status !== 0) return `python3 exited with ${res.status}: ${res.stderr.trim().split("\n").pop()}`;
  return JSON.parse(res.stdout) as Numpy;
}

/** Steps to each KL level and the KL at a few step counts (untimed). */
function rates(model: Model, method: Method, beta: number) {
  const t = new Trainer(model, options(method, beta));
  const reached: (number | null)[] = RATE_LEVELS.map(() => null);
  const at: Record<number, number> = {};
  for (let s = 1; s <= RATE_STEPS; s++) {
    t.advance();
    const k = t.klToOptimum();
    RATE_LEVELS.forEach((x, i) => {
      if (reached[i] === null && k <= x) reached[i] = s;
    });
    if ([100, 300, 1000, 3000, 5000].includes(s)) at[s] = k;
    if (reached[RATE_LEVELS.length - 1] !== null) break;
  }
  return { reached, at };
}

/** Milliseconds per step without pooling (each of the model's outcomes its own logit). */
function unpooledStep(model: Model, method: Method, beta: number): number {
  const t = new Trainer(model, { ...options(method, beta), pool: false });
  const steps = method === "dpo" ? 1 : 20;
  t.advance();
  const c0 = process.cpuUsage();
  for (let s = 0; s < steps; s++) t.advance();
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1000 / steps;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  log(`bench/train: loading ${args.model}`);
  const model = await resolveModel(args.model, nodeModelIo);
  const atoms = pooledAtoms(model);
  const bonLogN = new Trainer(model, options("bon-distill", args.beta)).target.logN!;
  const dir = mkdtempSync(path.join(os.tmpdir(), "bonkl-train-bench-"));
  try {
    writeFloat64LE(path.join(dir, "logP.f8"), atoms.model.logp);
    writeFloat64LE(path.join(dir, "r.f8"), atoms.model.r);
    writeFloat64LE(path.join(dir, "members.f8"), atoms.members);
    writeFileSync(
      path.join(dir, "train.json"),
      JSON.stringify({
        methods: METHODS,
        beta: args.beta,
        logN: bonLogN,
        lr: ADAM_DEFAULTS.lr,
        beta1: ADAM_DEFAULTS.beta1,
        beta2: ADAM_DEFAULTS.beta2,
        clip: PPO_DEFAULTS.clip,
        epochs: PPO_DEFAULTS.epochs,
        tolerance: TOLERANCE,
        maxSteps: MAX_STEPS,
      }),
    );
    const bonkl: Record<string, Run[]> = Object.fromEntries(METHODS.map((m) => [m, []]));
    const numpy: Record<string, Run[]> = Object.fromEntries(METHODS.map((m) => [m, []]));
    let versions: Record<string, string> | undefined;
    let numpyError: string | undefined;
    // A warm-up of every method (JIT), untimed.
    for (const m of METHODS) runBonkl(model, m, args.beta);
    for (let rep = 0; rep < args.runs; rep++) {
      log(`bench/train: run ${rep + 1}/${args.runs}: bonkl`);
      for (const m of METHODS) bonkl[m]!.push(runBonkl(model, m, args.beta));
      if (numpyError) continue;
      log(`bench/train: run ${rep + 1}/${args.runs}: numpy`);
      const res = runNumpy(dir);
      if (typeof res === "string") numpyError = res;
      else {
        versions = res.versions;
        for (const m of METHODS) numpy[m]!.push(res.runs[m]);
      }
    }
    log("bench/train: rates and unpooled steps (untimed)");
    const rows = METHODS.map((m) => {
      const b = bonkl[m]!;
      const n = numpy[m]!;
      const cpu = median(b.map((x) => x.cpuSeconds));
      const npCpu = n.length ? median(n.map((x) => x.cpuSeconds)) : null;
      return {
        method: m,
        steps: b[0]!.steps,
        numpySteps: n[0]?.steps ?? null,
        stepsAgree: n.length ? Math.abs(n[0]!.steps - b[0]!.steps) <= 1 : null,
        kl: b[0]!.kl,
        cpuSeconds: cpu,
        cpuRange: [Math.min(...b.map((x) => x.cpuSeconds)), Math.max(...b.map((x) => x.cpuSeconds))],
        wallSeconds: median(b.map((x) => x.seconds)),
        numpyCpuSeconds: npCpu,
        numpyCpuRange: n.length
          ? [Math.min(...n.map((x) => x.cpuSeconds)), Math.max(...n.map((x) => x.cpuSeconds))]
          : null,
        numpyWallSeconds: n.length ? median(n.map((x) => x.seconds)) : null,
        ratio: npCpu === null ? null : npCpu / cpu,
        msPerStep: (1000 * cpu) / Math.max(1, b[0]!.steps),
        unpooledMsPerStep: unpooledStep(model, m, args.beta),
        ...rates(model, m, args.beta),
      };
    });
    const result = {
      model: args.model,
      outcomes: model.size,
      atoms: atoms.model.size,
      beta: args.beta,
      bonLogN,
      tolerance: TOLERANCE,
      runs: args.runs,
      machine: {
        cpus: os.cpus().length,
        cpu: os.cpus()[0]?.model,
        node: process.version,
        loadAverage: os.loadavg(),
      },
      numpy: versions ?? numpyError ?? null,
      rows,
    };
    if (args.json) {
      process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      return;
    }
    const f = (x: number | null, d = 3) => (x === null ? "—" : x.toFixed(d));
    const e = (x: number | null | undefined) => (x === null || x === undefined ? "—" : x.toExponential(1));
    const lines = [
      `${args.model}: ${model.size} outcomes in ${atoms.model.size} atoms, β = ${args.beta} (bon-distill: log N = ${bonLogN.toFixed(4)}), to KL(q‖optimum) ≤ ${TOLERANCE} nats, ${args.runs} interleaved runs`,
      `load average ${os
        .loadavg()
        .map((x) => x.toFixed(1))
        .join(" ")} on ${os.cpus().length} cores (CPU time is the steadier figure on a shared machine)`,
      "",
      "method       steps  numpy steps  bonkl CPU s (range)      wall s   numpy CPU s (range)      wall s   numpy/bonkl  ms/step  unpooled ms/step",
      ...rows.map(
        (r) =>
          `${r.method.padEnd(11)} ${String(r.steps).padStart(6)} ${String(r.numpySteps ?? "—").padStart(12)}  ${f(r.cpuSeconds)} (${f(r.cpuRange[0]!)}–${f(r.cpuRange[1]!)})`.padEnd(
            60,
          ) +
          `${f(r.wallSeconds)}   ${r.numpyCpuSeconds === null ? "—" : `${f(r.numpyCpuSeconds)} (${f(r.numpyCpuRange![0]!)}–${f(r.numpyCpuRange![1]!)})`}`.padEnd(
            34,
          ) +
          `${f(r.numpyWallSeconds)}   ${f(r.ratio, 1).padStart(10)}  ${f(r.msPerStep, 2).padStart(7)}  ${f(r.unpooledMsPerStep, 1).padStart(15)}`,
      ),
      "",
      `rates (steps to KL(q‖optimum) ≤ ${RATE_LEVELS.join(", ")} nats; KL after 100, 300, 1000, 3000, 5000 steps)`,
      ...rows.map(
        (r) =>
          `${r.method.padEnd(11)} ${r.reached.map((x) => String(x ?? `>${RATE_STEPS}`).padStart(6)).join("")}   ${[100, 300, 1000, 3000, 5000].map((s) => e(r.at[s])).join("  ")}`,
      ),
    ];
    if (numpyError) lines.push("", `numpy baseline not run: ${numpyError}`);
    if (rows.some((r) => r.stepsAgree === false))
      lines.push("", "WARNING: bonkl and numpy disagree on the steps");
    process.stdout.write(`${lines.join("\n")}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
