/**
 * The sequence part of `npm run bench` as a self-timed section (bench/sequence.ts and bench/sequence.py
 * time themselves, one side after the other): best-of-e^{nΔ} at n = 10^6 against two NumPy versions.
 * A provider with rows instead (rows.ts) gets run.ts's interleaving.
 */
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { type Check, check, type Provider } from "./rows.js";
import {
  type NumpySequence,
  naiveErrors,
  num,
  peakMemory,
  SEQUENCE_LENGTH,
  SEQUENCE_MODELS,
  SEQUENCE_TOLERANCE,
  sequenceConfig,
  sequenceTables,
  timeBonklSequences,
} from "./sequence.js";
import { POLICY } from "./timing.js";

type PythonRun<T> = { ok: true; data: T } | { ok: false; reason: string };

/** Runs bench/<script> on DIR (one OpenBLAS thread, as serve.py) and parses the JSON it prints. */
function runPython<T>(script: string, dir: string): PythonRun<T> {
  script = path.join(path.dirname(fileURLToPath(import.meta.url)), script);
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

export const sequenceSection: Provider = {
  name: "sequences",
  modules: [],
  prepare: () => ({ rows: [] }),
  async batch(ctx) {
    const bonkl = timeBonklSequences(ctx.log);
    ctx.log("bonkl: sequence peak memory (a fresh process per model)");
    const memory = SEQUENCE_MODELS.map(peakMemory);
    writeFileSync(path.join(ctx.dir, "sequence.json"), sequenceConfig(POLICY));
    ctx.log("numpy: running bench/sequence.py");
    const numpy = runPython<NumpySequence>("sequence.py", ctx.dir);
    const checks: Check[] = [];
    const worst: number[] = [];
    if (numpy.ok) {
      bonkl.forEach((b, k) => {
        const theirs = numpy.data.rows[k]!.shifted;
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
            1e-6,
            SEQUENCE_TOLERANCE,
          ),
        ];
        checks.push(...own);
        worst.push(Math.max(...own.map((c) => (Number.isNaN(c.relError) ? Infinity : c.relError))));
      });
    }
    const lines = [
      `Sequences: exact best-of-N, N = e^{nΔ}, over n = ${SEQUENCE_LENGTH} tokens (bonSequence); each side`,
      "timed on its own (bench/sequence.ts, bench/sequence.py), not interleaved.",
      "numpy (a): the full-support FFT a user would write; numpy (b): bonkl's shifted FFT written in NumPy.",
      "",
      sequenceTables(bonkl, numpy.ok ? numpy.data : undefined, worst),
      "",
      "ratio = numpy time / bonkl time (runs: bonkl/(a)/(b)).",
      "Errors: |numpy − bonkl| / max(|numpy|, |bonkl|), NaN where numpy gave NaN.",
    ];
    memory.forEach((m, k) => {
      const label = bonkl[k]!.model.label;
      lines.push(
        m.ok
          ? `bonkl peak memory, ${label}: ${m.peakMiB.toFixed(0)} MiB peak RSS in a fresh Node process` +
              ` (${m.beforeMiB.toFixed(0)} MiB before the run); ${m.wallSeconds.toFixed(2)} s` +
              " for the whole process, start-up included"
          : `bonkl peak memory, ${label}: not measured (${m.reason})`,
      );
    });
    if (!numpy.ok) lines.push(`NumPy sequence baseline skipped: ${numpy.reason}`);
    else lines.push(`NumPy process peak RSS: ${numpy.data.peakRssMiB.toFixed(0)} MiB`);
    const json = {
      length: SEQUENCE_LENGTH,
      numpy: numpy.ok ? "ok" : `skipped: ${numpy.reason}`,
      rows: bonkl.map((b, k) => {
        const row = numpy.ok ? numpy.data.rows[k] : undefined;
        return {
          model: b.model.name,
          task: b.model.label,
          delta: b.model.delta,
          bonkl: b.timing,
          result: b.result,
          memory: memory[k],
          numpyNaive: row ? { ...row.naive, errors: naiveErrors(b.result, row.naive) } : null,
          numpyShifted: row ? { ...row.shifted, worstRelDiff: worst[k] } : null,
        };
      }),
    };
    return { text: lines.join("\n"), json, checks };
  },
};
