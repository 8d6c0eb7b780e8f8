/**
 * The sequence rows of `npm run bench`: bonSequence (exact best-of-N with N = e^{nΔ} over length-n
 * memoryless sequences) at n = 10^6 on two lattice models, against bench/sequence.py's two NumPy
 * versions, (a) the full-support FFT a user would write and (b) bonkl's shifted FFT in NumPy.
 * See bench/README.md.
 */
import { spawnSync } from "node:child_process";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { presetSpec } from "../src/app/presets.js";
import { createModel, type Model } from "../src/core/model.js";
import { bonSequence, type SequenceResult } from "../src/core/sequence/bonSequence.js";
import { measure, type Timing } from "./timing.js";

export const SEQUENCE_LENGTH = 1_000_000;
/** Agreement asked of NumPy (b), relative: its window, noise floor and tails differ in rounding only. */
export const SEQUENCE_TOLERANCE = 1e-6;

export interface SequenceModel {
  readonly name: string;
  readonly label: string;
  readonly delta: number;
  /** Per-token probabilities and rewards (integers), as handed to sequence.py. */
  readonly p: readonly number[];
  readonly r: readonly number[];
  readonly build: () => Model;
}

/** C(10, k) / 2^10, exact in binary floating point. */
const BINOMIAL_10 = Array.from({ length: 11 }, (_, k) => {
  let c = 1;
  for (let i = 0; i < k; i++) c = (c * (10 - i)) / (i + 1);
  return c / 1024;
});
const LATTICE_R = BINOMIAL_10.map((_, k) => k - 5);

export const SEQUENCE_MODELS: readonly SequenceModel[] = [
  {
    name: "ternary",
    label: "ternary, Δ = 0.5",
    delta: 0.5,
    p: [0.5, 0.3, 0.2],
    r: [0, 1, 2],
    build: () => createModel(presetSpec("ternary")!, "ternary"),
  },
  {
    name: "lattice11",
    label: "11-level lattice, Δ = 0.3",
    delta: 0.3,
    p: BINOMIAL_10,
    r: LATTICE_R,
    build: () => createModel({ outcomes: LATTICE_R.map(String), p: BINOMIAL_10, r: LATTICE_R }, "lattice11"),
  },
];

export interface BonklSequence {
  readonly model: SequenceModel;
  readonly timing: Timing;
  readonly result: SequenceResult;
}

/** Times bonSequence on each model; a fresh model per run, so nothing cached carries over. */
export function timeBonklSequences(log: (msg: string) => void): BonklSequence[] {
  return SEQUENCE_MODELS.map((model) => {
    log(`bonkl: sequence, ${model.label}, n = ${SEQUENCE_LENGTH}`);
    const { timing, result } = measure(model.build, (m) => bonSequence(m, SEQUENCE_LENGTH, model.delta));
    return { model, timing, result };
  });
}

export type PeakMemory =
  | { ok: true; beforeMiB: number; peakMiB: number; wallSeconds: number }
  | { ok: false; reason: string };

/**
 * One bonSequence run in a fresh Node process (bench/sequence-peak.ts): its peak resident set, the
 * resident set before the run, and the wall time of the whole process, start-up included.
 */
export function peakMemory(model: SequenceModel): PeakMemory {
  const script = path.join(path.dirname(fileURLToPath(import.meta.url)), "sequence-peak.ts");
  const args = ["--import", "tsx", script, model.name, String(SEQUENCE_LENGTH), String(model.delta)];
  const t0 = performance.now();
  const res = spawnSync(process.execPath, args, { encoding: "utf8", timeout: 120_000 });
  const wallSeconds = (performance.now() - t0) / 1000;
  if (res.error) return { ok: false, reason: res.error.message };
  if (res.status !== 0) return { ok: false, reason: res.stderr.trim().split("\n").pop() ?? "failed" };
  try {
    const out = JSON.parse(res.stdout) as { beforeMiB: number; peakMiB: number };
    return { ok: true, beforeMiB: out.beforeMiB, peakMiB: out.peakMiB, wallSeconds };
  } catch {
    return { ok: false, reason: "no valid JSON" };
  }
}

/** The config written for sequence.py. */
export function sequenceConfig(policy: unknown): string {
  return JSON.stringify({
    policy,
    length: SEQUENCE_LENGTH,
    models: SEQUENCE_MODELS.map((m) => ({ name: m.name, p: m.p, r: m.r, delta: m.delta })),
  });
}

/** sequence.py writes NaN and ±∞ as strings; JSON numbers otherwise. */
type Num = number | string;

export interface NumpySequence {
  versions: { python: string; numpy: string; scipy: string };
  rows: {
    naive: { timing: Timing; rewardPerToken: Num; klPerToken: Num; points: number };
    shifted: {
      timing: Timing;
      lambda: Num;
      xStar: Num;
      rewardPerToken: Num;
      klPerToken: Num;
      points: number;
      mass: Num;
    };
  }[];
  peakRssMiB: number;
}

export const num = (x: Num): number => (typeof x === "number" ? x : Number(x.replace(/inf$/, "Infinity")));

/** |a − b| / max(|a|, |b|, floor); NaN when either is NaN. */
export function relDiff(a: number, b: number, floor: number): number {
  if (a === b) return 0;
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.NaN;
  return Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b), floor);
}

/** A plain-text table: first column left-aligned, the others right-aligned. */
export function formatTable(head: readonly string[], body: readonly (readonly string[])[]): string {
  const widths = head.map((h, j) => Math.max(h.length, ...body.map((b) => b[j]!.length)));
  const line = (cells: readonly string[]) =>
    cells.map((c, j) => (j === 0 ? c.padEnd(widths[j]!) : c.padStart(widths[j]!))).join("  ");
  return [line(head), widths.map((w) => "-".repeat(w)).join("  "), ...body.map(line)].join("\n");
}

const fmtMs = (s: number) => (s * 1000).toFixed(s < 0.1 ? 2 : 1);
const fmtVal = (x: number) =>
  !Number.isFinite(x) ? String(x) : Math.abs(x) < 1e-3 && x !== 0 ? x.toExponential(5) : x.toPrecision(9);
const fmtErr = (x: number) => (Number.isNaN(x) ? "NaN" : x.toExponential(1));

/** The naive result's relative errors against bonkl (reward per token, KL per token). */
export function naiveErrors(mine: SequenceResult, theirs: NumpySequence["rows"][number]["naive"]) {
  return {
    reward: relDiff(mine.bon.rewardPerToken, num(theirs.rewardPerToken), 0),
    kl: relDiff(mine.bon.klToReferencePerToken, num(theirs.klPerToken), 0),
  };
}

/** Timing and accuracy tables for the sequence rows (NumPy columns "skipped" without a baseline). */
export function sequenceTables(
  bonkl: readonly BonklSequence[],
  numpy: NumpySequence | undefined,
  worstShifted: readonly number[],
): string {
  const timing = formatTable(
    ["sequence, n = 10^6", "bonkl (ms)", "numpy (a) (ms)", "ratio", "numpy (b) (ms)", "ratio", "runs"],
    bonkl.map((b, k) => {
      const row = numpy?.rows[k];
      if (!row)
        return [b.model.label, fmtMs(b.timing.seconds), "skipped", "-", "skipped", "-", `${b.timing.runs}`];
      const a = row.naive.timing;
      const s = row.shifted.timing;
      return [
        b.model.label,
        fmtMs(b.timing.seconds),
        fmtMs(a.seconds),
        (a.seconds / b.timing.seconds).toFixed(1),
        fmtMs(s.seconds),
        (s.seconds / b.timing.seconds).toFixed(2),
        `${b.timing.runs}/${a.runs}/${s.runs}`,
      ];
    }),
  );
  if (!numpy) return timing;
  const accuracy = formatTable(
    [
      "accuracy",
      "reward/n (bonkl)",
      "(a) reward/n",
      "(a) error",
      "KL/n (bonkl)",
      "(a) KL/n",
      "(a) KL/n error",
      "(b) worst rel. diff",
    ],
    bonkl.map((b, k) => {
      const naive = numpy.rows[k]!.naive;
      const err = naiveErrors(b.result, naive);
      return [
        b.model.label,
        fmtVal(b.result.bon.rewardPerToken),
        fmtVal(num(naive.rewardPerToken)),
        fmtErr(err.reward),
        fmtVal(b.result.bon.klToReferencePerToken),
        fmtVal(num(naive.klPerToken)),
        fmtErr(err.kl),
        fmtErr(worstShifted[k]!),
      ];
    }),
  );
  return `${timing}\n\n${accuracy}`;
}
