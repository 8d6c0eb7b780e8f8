import { describe, expect, it } from "vitest";
import { SEQUENCE_TOLERANCE, sequenceAccuracyWarnings, withinTolerance } from "../../src/app/accuracy.js";
import { sequenceSummary } from "../../src/app/results/sequence.js";
import { createModel } from "../../src/core/model.js";

describe("sequence accuracy warnings", () => {
  const ternary = createModel({ p: [0.5, 0.3, 0.2], r: [0, 1, 2] });
  it("none for the n = 10^9 reproducer of issue 14 (every bound within its tolerance)", () => {
    expect(sequenceAccuracyWarnings(sequenceSummary(ternary, 1e9, 0.1))).toEqual([]);
  });
  it("one line naming the field, its value and its bound when a bound is too wide", () => {
    const r = sequenceSummary(ternary, 1e4, 0.1);
    const widened = { ...r, accuracy: { ...r.accuracy, klToOptimal: 1e-3 } };
    const lines = sequenceAccuracyWarnings(widened);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^n = 10000: bon\.klToOptimal = 3\.14 is accurate only to ±0\.00100/);
  });
  it("tolerance: max(abs, rel·|value|); infinite values are not checked", () => {
    const kl = SEQUENCE_TOLERANCE.klToOptimal;
    expect(withinTolerance(8.9, 1e-9, kl)).toBe(true);
    expect(withinTolerance(1e8, 1e-3, kl)).toBe(true);
    expect(withinTolerance(1e8, 1e-1, kl)).toBe(false);
    expect(withinTolerance(Number.POSITIVE_INFINITY, 1, kl)).toBe(true);
  });
});
