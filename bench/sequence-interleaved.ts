/**
 * bonkl's sequence engine against bench/sequence.py's (b) — the same tilted algorithm and the same
 * window, scipy irfft, vectorised characteristic function, OPENBLAS_NUM_THREADS=1 — interleaved A B A B
 * in one run: a Python process kept open (`sequence.py --serve`) answers one run per request, so both
 * sides see the same machine load. Reports medians and ranges of CPU and wall time per run, the ratio
 * numpy / bonkl, and bonkl's time over one inverse real FFT of its window (the unavoidable work).
 * Usage: npx tsx bench/sequence-interleaved.ts [rounds]
 */
import { spawn } from "node:child_process";
import path from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import type { createModel } from "../src/core/model.js";
import { bonSequence } from "../src/core/sequence/bonSequence.js";
import { inverseRealFft } from "../src/core/sequence/fft.js";
import { formatTable, SEQUENCE_MODELS } from "./sequence.js";

const LENGTHS = [1e4, 1e5, 1e6];
const rounds = Number(process.argv[2] ?? 7);

const median = (x: number[]): number => {
  const s = [...x].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : 0.5 * (s[s.length / 2 - 1]! + s[s.length / 2]!);
};
const range = (x: number[]) => `${(Math.min(...x) * 1e3).toFixed(2)}–${(Math.max(...x) * 1e3).toFixed(2)}`;

const script = path.join(path.dirname(fileURLToPath(import.meta.url)), "sequence.py");
const py = spawn("python3", [script, "--serve"], {
  env: { ...process.env, OPENBLAS_NUM_THREADS: "1", OMP_NUM_THREADS: "1" },
  stdio: ["pipe", "pipe", "inherit"],
});
const lines = createInterface({ input: py.stdout! })[Symbol.asyncIterator]();
async function numpyRun(p: readonly number[], r: readonly number[], n: number, delta: number) {
  py.stdin!.write(`${JSON.stringify({ p, r, n, delta })}\n`);
  const { value } = await lines.next();
  return JSON.parse(value as string) as { cpu: number; wall: number; points: number; klPerToken: number };
}
function bonklRun(build: () => ReturnType<typeof createModel>, n: number, delta: number) {
  const model = build();
  const c0 = process.cpuUsage();
  const w0 = performance.now();
  const r = bonSequence(model, n, delta);
  const wall = (performance.now() - w0) / 1e3;
  const c = process.cpuUsage(c0);
  return { cpu: (c.user + c.system) / 1e6, wall, result: r };
}
/** CPU seconds of one inverse real FFT of W points (median of 9, after a warm-up). */
function fftSeconds(W: number): number {
  const re = new Float64Array(W / 2 + 1).fill(1e-3);
  const im = new Float64Array(W / 2 + 1);
  const out = new Float64Array(W);
  inverseRealFft(re, im, out);
  const t: number[] = [];
  for (let i = 0; i < 9; i++) {
    const c0 = process.cpuUsage();
    inverseRealFft(re, im, out);
    const c = process.cpuUsage(c0);
    t.push((c.user + c.system) / 1e6);
  }
  return median(t);
}

const body: string[][] = [];
for (const m of SEQUENCE_MODELS) {
  for (const n of LENGTHS) {
    const a = { cpu: [] as number[], wall: [] as number[] };
    const b = { cpu: [] as number[], wall: [] as number[] };
    let points = 0;
    let agree = 0;
    // One warm-up each, then A B A B.
    bonklRun(m.build, n, m.delta);
    await numpyRun(m.p, m.r, n, m.delta);
    for (let k = 0; k < rounds; k++) {
      const x = bonklRun(m.build, n, m.delta);
      a.cpu.push(x.cpu);
      a.wall.push(x.wall);
      const y = await numpyRun(m.p, m.r, n, m.delta);
      b.cpu.push(y.cpu);
      b.wall.push(y.wall);
      points = y.points;
      agree =
        Math.abs(y.klPerToken - x.result.bon.klToReferencePerToken) / x.result.bon.klToReferencePerToken;
    }
    const fft = fftSeconds(points);
    body.push([
      `${m.name}, n = ${n}`,
      String(points),
      `${(median(a.cpu) * 1e3).toFixed(2)} (${range(a.cpu)})`,
      `${(median(b.cpu) * 1e3).toFixed(2)} (${range(b.cpu)})`,
      (median(b.cpu) / median(a.cpu)).toFixed(2),
      (median(b.wall) / median(a.wall)).toFixed(2),
      (median(a.cpu) / fft).toFixed(1),
      agree.toExponential(1),
    ]);
  }
}
py.stdin!.end();
console.log(
  formatTable(
    [
      "sequence",
      "window W",
      "bonkl CPU ms",
      "numpy CPU ms",
      "ratio CPU",
      "ratio wall",
      "bonkl / 1 FFT",
      "KL/n diff",
    ],
    body,
  ),
);
console.log(
  `\n${rounds} interleaved rounds (A B A B), medians with ranges; the machine was shared (prefer CPU).`,
);
