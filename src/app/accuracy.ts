import type { SequenceAccuracy } from "../core/sequence/bonSequence.js";

/**
 * The documented tolerance of each field of `bonkl sequence` (docs/accuracy.md) and the warnings for the
 * fields whose error bound (the engine's own, `accuracy`) is wider. A field meets its tolerance when its
 * bound is at most max(abs, rel·|value|).
 */
export interface Tolerance {
  readonly abs: number;
  readonly rel: number;
}

const KL: Tolerance = { abs: 1e-9, rel: 1e-10 };
const REWARD: Tolerance = { abs: 1e-13, rel: 1e-11 };

export const SEQUENCE_TOLERANCE: Readonly<Record<keyof SequenceAccuracy, Tolerance>> = {
  rewardPerToken: REWARD,
  xStar: REWARD,
  klToReference: KL,
  klToReferencePerToken: KL,
  klToOptimal: KL,
  klToOptimalPerToken: KL,
  gapTimesLength: KL,
};

/** What sequenceAccuracyWarnings reads from a `sequence` result. */
export interface SequenceAccuracyInput {
  readonly length: number;
  readonly xStar: number;
  readonly gapTimesLength: number;
  readonly bon: {
    readonly rewardPerToken: number;
    readonly klToReference: number;
    readonly klToReferencePerToken: number;
    readonly klToOptimal: number;
    readonly klToOptimalPerToken: number;
  };
  readonly accuracy: SequenceAccuracy;
}

/** Where each field sits in the result (its printed name). */
const FIELDS: readonly [keyof SequenceAccuracy, string, (r: SequenceAccuracyInput) => number][] = [
  ["rewardPerToken", "bon.rewardPerToken", (r) => r.bon.rewardPerToken],
  ["xStar", "xStar", (r) => r.xStar],
  ["klToReference", "bon.klToReference", (r) => r.bon.klToReference],
  ["klToReferencePerToken", "bon.klToReferencePerToken", (r) => r.bon.klToReferencePerToken],
  ["klToOptimal", "bon.klToOptimal", (r) => r.bon.klToOptimal],
  ["klToOptimalPerToken", "bon.klToOptimalPerToken", (r) => r.bon.klToOptimalPerToken],
  ["gapTimesLength", "gapTimesLength", (r) => r.gapTimesLength],
];

const fmt = (x: number): string => x.toPrecision(3);

/** True when a bound meets the tolerance for that value (infinite values carry no digits to check). */
export function withinTolerance(value: number, bound: number, tol: Tolerance): boolean {
  if (!Number.isFinite(value)) return true;
  return bound <= Math.max(tol.abs, tol.rel * Math.abs(value));
}

/** One line per field of one result whose error bound exceeds its documented tolerance. */
export function sequenceAccuracyWarnings(r: SequenceAccuracyInput): string[] {
  const out: string[] = [];
  for (const [key, name, read] of FIELDS) {
    const value = read(r);
    const bound = r.accuracy[key];
    const tol = SEQUENCE_TOLERANCE[key];
    if (withinTolerance(value, bound, tol)) continue;
    out.push(
      `n = ${r.length}: ${name} = ${fmt(value)} is accurate only to ±${fmt(bound)} ` +
        `(documented: ${fmt(tol.abs)} absolute or ${fmt(tol.rel)} relative)`,
    );
  }
  return out;
}
