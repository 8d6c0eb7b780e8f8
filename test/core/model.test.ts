import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { InputError } from "../../src/core/errors.js";
import { levelsOf, logBelow } from "../../src/core/levels.js";
import { createModel, isConstantReward, type ModelSpec, modelFromLogWeights } from "../../src/core/model.js";
import { close, EPS, NEG_INF, SEED, thrown } from "../support/assert.js";

/** The InputError createModel throws for `spec` (fails the test if it does not throw one). */
function rejection(spec: unknown, name?: string): InputError {
  return thrown(() => createModel(spec as ModelSpec, name), `createModel accepted ${JSON.stringify(spec)}`);
}

describe("createModel validation", () => {
  const cases: ReadonlyArray<readonly [description: string, spec: unknown, field: string, message?: RegExp]> =
    [
      ["lengths differ (p vs r)", { p: [0.5, 0.5], r: [1] }, "model.p", /2 entries.*model\.r has 1/],
      ["lengths differ (counts vs r)", { counts: [1, 2, 3], r: [1, 2] }, "model.counts"],
      ["lengths differ (outcomes vs r)", { outcomes: ["a"], p: [0.5, 0.5], r: [0, 1] }, "model.outcomes"],
      ["empty r", { p: [], r: [] }, "model.r", /empty/],
      ["missing r", { p: [1] }, "model.r", /missing/],
      ["r not an array", { p: [1], r: 3 }, "model.r"],
      ["negative p", { p: [1.5, -0.5], r: [0, 1] }, "model.p[1]", /≥ 0/],
      ["NaN p", { p: [Number.NaN, 1], r: [0, 1] }, "model.p[0]", /finite/],
      ["infinite p", { p: [0.5, Number.POSITIVE_INFINITY], r: [0, 1] }, "model.p[1]", /finite/],
      ["p summing to 0.9", { p: [0.4, 0.5], r: [0, 1] }, "model.p", /sum to 0\.9.*counts/],
      ["p summing to 1.1", { p: [0.6, 0.5], r: [0, 1] }, "model.p", /counts/],
      ["NaN reward", { p: [0.5, 0.5], r: [0, Number.NaN] }, "model.r[1]", /finite/],
      ["infinite reward", { p: [0.5, 0.5], r: [Number.NEGATIVE_INFINITY, 0] }, "model.r[0]", /finite/],
      ["string reward", { p: [0.5, 0.5], r: [0, "1"] }, "model.r[1]", /number/],
      ["null reward", { p: [0.5, 0.5], r: [null, 1] }, "model.r[0]"],
      ["string probability", { p: ["0.5", 0.5], r: [0, 1] }, "model.p[0]"],
      ["p not an array", { p: "0.5 0.5", r: [0, 1] }, "model.p"],
      ["all-zero p", { p: [0, 0], r: [0, 1] }, "model.p", /every probability is 0/],
      ["all-zero counts", { counts: [0, 0, 0], r: [0, 1, 2] }, "model.counts"],
      ["negative count", { counts: [-1, 2], r: [0, 1] }, "model.counts[0]"],
      ["infinite count", { counts: [1, Number.POSITIVE_INFINITY], r: [0, 1] }, "model.counts[1]"],
      ["none of p/logp/counts", { r: [0, 1] }, "model", /one of "p", "logp" or "counts"/],
      ["p and counts", { p: [0.5, 0.5], counts: [1, 1], r: [0, 1] }, "model", /p and counts/],
      ["p and logp", { p: [0.5, 0.5], logp: [-1, -1], r: [0, 1] }, "model", /exactly one/],
      [
        "non-string outcome label",
        { outcomes: ["a", 2], p: [0.5, 0.5], r: [0, 1] },
        "model.outcomes[1]",
        /string/,
      ],
      ["outcomes not an array", { outcomes: "ab", p: [0.5, 0.5], r: [0, 1] }, "model.outcomes"],
      ["unknown field", { p: [1], r: [0], rewards: [0] }, "model.rewards", /unknown field/],
      ["NaN logp", { logp: [Number.NaN, 0], r: [0, 1] }, "model.logp[0]"],
      ["+∞ logp", { logp: [Number.POSITIVE_INFINITY, 0], r: [0, 1] }, "model.logp[0]"],
      ["positive logp", { logp: [0.1, -3], r: [0, 1] }, "model.logp[0]", /≤ 0/],
      ["logp not normalised", { logp: [Math.log(0.4), Math.log(0.5)], r: [0, 1] }, "model.logp", /sum to/],
      ["all −∞ logp", { logp: [NEG_INF, NEG_INF], r: [0, 1] }, "model.logp"],
      ["null spec", null, "model"],
      ["array spec", [0.5, 0.5], "model"],
      ["number spec", 3, "model"],
    ];

  for (const [description, spec, field, message] of cases) {
    it(`rejects ${description} naming ${field}`, () => {
      const e = rejection(spec);
      expect(e.field).toBe(field);
      expect(e.message.startsWith(`${field}: `)).toBe(true);
      if (message) expect(e.detail).toMatch(message);
    });
  }

  it("rejects rewards so large that their squares overflow, naming the entry", () => {
    expect(thrown(() => createModel({ p: [0.5, 0.5], r: [0, 1e200] })).field).toBe("model.r[1]");
    expect(() => createModel({ p: [0.5, 0.5], r: [-1e150, 1e150] })).not.toThrow();
  });

  it("prefixes fields with the given name", () => {
    expect(rejection({ p: [0.5, -0.5, 1], r: [0, 1, 2] }, "reference").field).toBe("reference.p[1]");
    expect(rejection({ r: [0] }, "reference").field).toBe("reference");
  });

  it("accepts p within 1e-9 of summing to 1", () => {
    expect(() => createModel({ p: [0.5, 0.5 + 5e-10], r: [0, 1] })).not.toThrow();
    expect(() => createModel({ p: [0.5, 0.5 + 2e-9], r: [0, 1] })).toThrow(InputError);
  });
});

describe("createModel normalisation and support", () => {
  it("normalises counts", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 1000 }), { minLength: 1, maxLength: 40 }), (counts) => {
        fc.pre(counts.some((c) => c > 0));
        const model = createModel({ counts, r: counts.map((_, i) => i) });
        const total = counts.reduce((a, b) => a + b, 0);
        const support = counts.map((c, i) => [c, i] as const).filter(([c]) => c > 0);
        expect(model.size).toBe(support.length);
        support.forEach(([c, i], j) => {
          // p = c/total; log p = log c − log total, each log rounded once: a few ε relative in p.
          close(model.p[j]!, c / total, 16 * EPS * (1 + Math.log(total)));
          close(model.logp[j]!, Math.log(c / total), 0, 8 * EPS * (1 + Math.log(total)));
          expect(model.support[j]).toBe(i);
          expect(model.r[j]).toBe(i);
        });
      }),
      { seed: SEED, numRuns: 200 },
    );
  });

  it("normalises logp exactly when it is within tolerance of summing to 1", () => {
    // log-probabilities of (0.2, 0.8) shifted by −1e-10 (sum e^{−1e-10} ≈ 1 − 1e-10, accepted).
    const model = createModel({ logp: [Math.log(0.2) - 1e-10, Math.log(0.8) - 1e-10], r: [0, 1] });
    close(model.logp[0]!, Math.log(0.2), 0, 4 * EPS);
    close(model.logp[1]!, Math.log(0.8), 0, 4 * EPS);
    // −∞ entries are zero-probability outcomes.
    const withZero = createModel({ logp: [NEG_INF, Math.log(0.25), Math.log(0.75)], r: [9, 0, 1] });
    expect(withZero.size).toBe(2);
    expect(withZero.rMax).toBe(1);
  });

  it("drops p = 0 outcomes but keeps them in allLabels and allRewards", () => {
    const model = createModel({
      outcomes: ["a", "b", "c", "d"],
      p: [0.25, 0, 0.75, 0],
      r: [1, 100, 2, -100],
    });
    expect(model.size).toBe(2);
    expect(model.labels).toEqual(["a", "c"]);
    expect(Array.from(model.support)).toEqual([0, 2]);
    expect(Array.from(model.r)).toEqual([1, 2]);
    expect(model.allLabels).toEqual(["a", "b", "c", "d"]);
    expect(Array.from(model.allRewards)).toEqual([1, 100, 2, -100]);
    expect(model.rMax).toBe(2);
    expect(model.rMin).toBe(1);
    close(model.klMax, Math.log(4 / 3), 2 * EPS);
    close(model.mean, 0.25 + 1.5, 2 * EPS);
    // Var = 0.25·0.75·(2 − 1)² = 0.1875.
    close(model.variance, 0.1875, 8 * EPS);
    // Default labels are the input positions.
    const unlabelled = createModel({ p: [0, 1], r: [5, 6] });
    expect(unlabelled.labels).toEqual(["1"]);
    expect(unlabelled.allLabels).toEqual(["0", "1"]);
  });

  it("computes the mean and variance of r under p (direct sums)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 50 }), fc.double({ min: -100, max: 100, noNaN: true })), {
          minLength: 1,
          maxLength: 30,
        }),
        (rows) => {
          fc.pre(rows.some(([c]) => c > 0));
          const counts = rows.map(([c]) => c);
          const r = rows.map(([, v]) => v);
          const model = createModel({ counts, r });
          const total = counts.reduce((a, b) => a + b, 0);
          let mean = 0;
          for (let i = 0; i < r.length; i++) mean += (counts[i]! / total) * r[i]!;
          let variance = 0;
          for (let i = 0; i < r.length; i++) variance += (counts[i]! / total) * (r[i]! - mean) ** 2;
          const scale = Math.max(...r.filter((_, i) => counts[i]! > 0).map(Math.abs));
          close(model.mean, mean, 0, 64 * EPS * scale);
          close(model.variance, variance, 1e-12, 64 * EPS * scale * scale + 1e-300); // (subnormal floor)
          expect(model.mean).toBeGreaterThanOrEqual(model.rMin);
          expect(model.mean).toBeLessThanOrEqual(model.rMax);
          expect(isConstantReward(model)).toBe(model.rMax === model.rMin);
        },
      ),
      { seed: SEED, numRuns: 200 },
    );
  });
});

describe("klMax = log(1/p*)", () => {
  it("is exact when p* is close to 1", () => {
    // p* = 1 − 1e-12 given as a probability: the double 1 − 1e-12 carries an error ≈ 1e-16, i.e. 1e-4
    // relative to the mass 1e-12 below the top. Closed form: −log1p(−1e-12) = 1.0000000000005e-12.
    const fromP = createModel({ p: [1e-12, 1 - 1e-12], r: [0, 1] });
    close(fromP.klMax, -Math.log1p(-1e-12), 1e-4);
    // With counts the mass below the top is exactly 1/10^12: full accuracy.
    const fromCounts = createModel({ counts: [1, 1e12 - 1], r: [0, 1] });
    close(fromCounts.klMax, -Math.log1p(-1e-12), 1e-12);
    // p* = 1 − 1e-300 (counts): klMax = 1e-300 to full relative accuracy.
    const extreme = modelFromLogWeights(
      Float64Array.from([-690.7755278982137, 0]),
      Float64Array.from([0, 1]),
    );
    close(extreme.klMax, Math.exp(-690.7755278982137), 1e-13);
  });

  it("matches log(total/top) for random models, ties included", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 20 }), fc.integer({ min: -3, max: 3 })), {
          minLength: 1,
          maxLength: 30,
        }),
        (rows) => {
          fc.pre(rows.some(([c]) => c > 0));
          const model = createModel({ counts: rows.map(([c]) => c), r: rows.map(([, v]) => v) });
          const total = rows.reduce((a, [c]) => a + c, 0);
          const rMax = Math.max(...rows.filter(([c]) => c > 0).map(([, v]) => v));
          const top = rows.filter(([c, v]) => c > 0 && v === rMax).reduce((a, [c]) => a + c, 0);
          // log(total/top) = −log1p(−below/total), with below = total − top exact.
          const expected = top === total ? 0 : -Math.log1p(-(total - top) / total);
          close(model.klMax, expected, 1e-14, 1e-16);
          expect(model.rMax).toBe(rMax);
          close(model.logPStar, -expected, 1e-14, 1e-16);
        },
      ),
      { seed: SEED, numRuns: 200 },
    );
  });
});

describe("levelsOf", () => {
  it("merges ties and matches hand-computed masses", () => {
    // counts (1, 2, 3, 4, 5), r = (1, 0, 1, 2, 0): levels 0, 1, 2 with masses 7/15, 4/15, 4/15.
    const model = createModel({ counts: [1, 2, 3, 4, 5], r: [1, 0, 1, 2, 0] });
    const levels = levelsOf(model);
    expect(levels.count).toBe(3);
    expect(Array.from(levels.values)).toEqual([0, 1, 2]);
    const expectLogs = (got: Float64Array, want: number[]) =>
      want.forEach((w, i) => {
        if (w === 0) expect(got[i]).toBe(NEG_INF);
        else close(got[i]!, Math.log(w / 15), 0, 8 * EPS);
      });
    expectLogs(levels.logMass, [7, 4, 4]);
    expectLogs(levels.logCdf, [7, 11, 15]);
    expectLogs(levels.logAbove, [8, 4, 0]);
    expect(Array.from(levels.levelOf)).toEqual([1, 0, 1, 2, 0]);
    expect(logBelow(levels, 0)).toBe(NEG_INF);
    expect(logBelow(levels, 2)).toBe(levels.logCdf[1]);
    // Computed once per model.
    expect(levelsOf(model)).toBe(levels);
  });

  it("agrees with direct sums on random models (exact integer masses)", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.integer({ min: 0, max: 1000 }),
            fc.oneof(fc.integer({ min: -4, max: 4 }), fc.double({ min: -1e3, max: 1e3, noNaN: true })),
          ),
          { minLength: 1, maxLength: 3000 },
        ),
        (rows) => {
          fc.pre(rows.some(([c]) => c > 0));
          const model = createModel({ counts: rows.map(([c]) => c), r: rows.map(([, v]) => v) });
          const levels = levelsOf(model);
          const total = rows.reduce((a, [c]) => a + c, 0);
          const values = [...new Set(rows.filter(([c]) => c > 0).map(([, v]) => (v === 0 ? 0 : v)))].sort(
            (a, b) => a - b,
          );
          expect(levels.count).toBe(values.length);
          values.forEach((v, l) => {
            expect(levels.values[l] === v).toBe(true); // (−0 and 0 are one level)
            let mass = 0;
            let cdf = 0;
            for (const [c, w] of rows) {
              if (w === v) mass += c;
              if (w <= v) cdf += c;
            }
            // Integer sums are exact; log(k/total) is then correct to an ulp.
            const tol = (x: number) => 8 * EPS * (1 + Math.abs(Math.log(x / total)) + Math.log(total));
            close(levels.logMass[l]!, Math.log(mass / total), 0, tol(mass));
            close(levels.logCdf[l]!, Math.log(cdf / total), 0, tol(cdf));
            if (cdf === total) expect(levels.logAbove[l]).toBe(NEG_INF);
            else close(levels.logAbove[l]!, Math.log((total - cdf) / total), 0, tol(total - cdf));
          });
          for (let j = 0; j < model.size; j++)
            expect(levels.values[levels.levelOf[j]!] === model.r[j]).toBe(true);
        },
      ),
      { seed: SEED, numRuns: 100 },
    );
  });
});
