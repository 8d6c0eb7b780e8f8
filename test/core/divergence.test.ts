import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { entropy, kl, klFromLogs, renyiCrossEntropy, renyiDivergence } from "../../src/core/divergence.js";
import { InputError } from "../../src/core/errors.js";
import { close, EPS, INF, SEED } from "../support/assert.js";
import { klDirect } from "../support/reference.js";

/** Normalises non-negative integer counts (at least one positive) to probabilities. */
function normalise(counts: readonly number[]): number[] {
  const total = counts.reduce((s, c) => s + c, 0);
  return counts.map((c) => c / total);
}

/** Two probability vectors of the same length from counts; either may contain zeros. */
const pair = (minCount: number) =>
  fc
    .integer({ min: 1, max: 12 })
    .chain((n) =>
      fc.tuple(
        fc.array(fc.integer({ min: minCount, max: 20 }), { minLength: n, maxLength: n }),
        fc.array(fc.integer({ min: minCount, max: 20 }), { minLength: n, maxLength: n }),
      ),
    )
    .filter(([a, b]) => a.some((x) => x > 0) && b.some((x) => x > 0))
    .map(([a, b]) => [normalise(a), normalise(b)] as const);

describe("kl", () => {
  it("matches the scipy.stats.entropy documentation example", () => {
    // scipy.stats.entropy([1/2, 1/2], qk=[9/10, 1/10]) = 0.5108256237659907 (scipy docs); the closed form is
    // ½ log(5/9) + ½ log 5 = log(5/3) = 0.510825623765990683205514… (mpmath, 50 digits).
    close(kl([0.5, 0.5], [0.9, 0.1]), 0.5108256237659907, 2 * EPS);
    close(kl([0.5, 0.5], [0.9, 0.1]), Math.log(5 / 3), 2 * EPS);
  });

  it("is 0 on equal inputs (zeros included) and +∞ when a has mass where b has none", () => {
    expect(kl([0.5, 0.5, 0], [0.5, 0.5, 0])).toBe(0);
    expect(kl([0.3, 0.3, 0.4], [0.5, 0.5, 0])).toBe(INF);
    // a = 0 where b > 0 is fine: KL([1, 0]‖[½, ½]) = log 2.
    close(kl([1, 0], [0.5, 0.5]), Math.LN2, 2 * EPS);
    expect(klFromLogs([0, Number.NEGATIVE_INFINITY], [Math.log(0.5), Math.log(0.5)])).toBeCloseTo(
      Math.LN2,
      15,
    );
    expect(klFromLogs([Math.log(0.5), Math.log(0.5)], [0, Number.NEGATIVE_INFINITY])).toBe(INF);
    expect(kl([], [])).toBe(0);
  });

  it("is ≥ 0 and = 0 iff the inputs are equal (property)", () => {
    fc.assert(
      fc.property(pair(0), ([a, b]) => {
        const d = kl(a, b);
        expect(Number.isNaN(d)).toBe(false);
        expect(d).toBeGreaterThanOrEqual(0);
        const equal = a.every((x, i) => x === b[i]);
        if (equal) expect(d).toBe(0);
        else expect(d).toBeGreaterThan(0);
        expect(kl(a, a)).toBe(0);
        // Against the textbook formula, where it has no cancellation trouble (KL ≥ 1e-6).
        const ref = klDirect(a, b);
        if (ref === INF) expect(d).toBe(INF);
        else if (ref > 1e-6) close(d, ref, 1e-12);
        // The log form agrees.
        const la = a.map(Math.log);
        const lb = b.map(Math.log);
        const dl = klFromLogs(la, lb);
        if (d === INF) expect(dl).toBe(INF);
        else close(dl, d, 1e-12, 1e-15);
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it("keeps relative accuracy when a ≈ b (series closed form)", () => {
    // a = (½ + t0, ½ − t1) as doubles (t0 = a0 − ½ and t1 = ½ − a1 are exact), b = (½, ½). Then
    // Σ a log(a/b) = f(t0) + f(−t1) with
    // f(t) = (½ + t) log(1 + 2t) = t + Σ_{n≥2} (−1)^n 2^{n−1} t^n/(n(n−1)).
    // Rounding makes t0 ≠ t1 in general, and the first-order term t0 − t1 is part of the exact answer.
    const series = (t: number) => {
      let s = 0;
      for (let n = 14; n >= 2; n--) s += ((-1) ** n * 2 ** (n - 1) * t ** n) / (n * (n - 1));
      return s;
    };
    for (const t of [1e-3, 1e-4, 1e-6, 1e-8, 3e-9]) {
      const a = [0.5 + t, 0.5 - t];
      const t0 = a[0]! - 0.5;
      const t1 = 0.5 - a[1]!;
      close(kl(a, [0.5, 0.5]), t0 - t1 + series(t0) + series(-t1), 1e-12);
    }
  });

  it("rejects bad inputs with InputError naming the field", () => {
    expect(() => kl([0.5, 0.5], [1])).toThrow(InputError);
    const fields: string[] = [];
    for (const [a, b] of [
      [
        [-0.1, 1.1],
        [0.5, 0.5],
      ],
      [
        [0.5, 0.5],
        [Number.NaN, 1],
      ],
      [
        [0.5, 0.5],
        [0.5, INF],
      ],
    ] as const) {
      try {
        kl(a, b);
      } catch (e) {
        expect(e).toBeInstanceOf(InputError);
        fields.push((e as InputError).field);
      }
    }
    expect(fields).toEqual(["a[0]", "b[0]", "b[1]"]);
  });
});

describe("renyiDivergence", () => {
  it("tends to KL as α → 1 (α = 1 ± 1e-8) and equals KL at α = 1", () => {
    fc.assert(
      fc.property(pair(1), ([a, b]) => {
        const d = kl(a, b);
        expect(renyiDivergence(a, b, 1)).toBe(d);
        // D_α = KL + O(α − 1); and Σ a = 1 holds only to rounding, which D_α divides by α − 1.
        for (const alpha of [1 - 1e-8, 1 + 1e-8]) close(renyiDivergence(a, b, alpha), d, 1e-6, 1e-7);
      }),
      { seed: SEED, numRuns: 200 },
    );
  });

  it("is non-decreasing in α (property)", () => {
    const orders = [0.05, 0.25, 0.5, 0.9, 0.999, 1, 1.001, 1.5, 2, 3, 10, 100];
    fc.assert(
      fc.property(pair(0), ([a, b]) => {
        const ds = orders.map((alpha) => renyiDivergence(a, b, alpha));
        for (let k = 0; k < ds.length; k++) {
          expect(Number.isNaN(ds[k]!)).toBe(false);
          expect(ds[k]!).toBeGreaterThanOrEqual(0);
          if (k > 0) expect(ds[k]!).toBeGreaterThanOrEqual(ds[k - 1]! * (1 - 1e-9) - 1e-12);
        }
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it("matches the closed forms at α = 1/2 and α = 2", () => {
    fc.assert(
      fc.property(pair(0), ([a, b]) => {
        // D_{1/2} = −2 log Σ √(ab) (Bhattacharyya); D_2 = log Σ a²/b (χ²: log(1 + χ²)).
        let bc = 0;
        let chi = 0;
        let inf = false;
        for (let i = 0; i < a.length; i++) {
          bc += Math.sqrt(a[i]! * b[i]!);
          if (a[i]! > 0 && b[i]! === 0) inf = true;
          else if (a[i]! > 0) chi += (a[i]! * a[i]!) / b[i]!;
        }
        const half = renyiDivergence(a, b, 0.5);
        // Σ√(ab) is rounded to a few ε; −2 log of it then has absolute error ~2·(few ε)/Σ√(ab).
        if (bc === 0) expect(half).toBe(INF);
        else close(half, Math.max(0, -2 * Math.log(bc)), 1e-12, (32 * EPS) / bc);
        const two = renyiDivergence(a, b, 2);
        if (inf) expect(two).toBe(INF);
        else close(two, Math.max(0, Math.log(chi)), 1e-12, 32 * EPS * chi);
      }),
      { seed: SEED, numRuns: 300 },
    );
    // Disjoint supports: Σ √(ab) = 0, so D_{1/2} = +∞.
    expect(renyiDivergence([1, 0], [0, 1], 0.5)).toBe(INF);
    // Worked example: a = (½, ½), b = (0.9, 0.1): D_2 = log(0.25/0.9 + 0.25/0.1) = log(25/9).
    close(renyiDivergence([0.5, 0.5], [0.9, 0.1], 2), Math.log(25 / 9), 4 * EPS);
  });

  it("rejects bad orders", () => {
    for (const alpha of [0, -1, Number.NaN, INF]) {
      expect(() => renyiDivergence([1], [1], alpha)).toThrow(InputError);
      try {
        renyiDivergence([1], [1], alpha);
      } catch (e) {
        expect((e as InputError).field).toBe("alpha");
      }
    }
  });
});

describe("renyiCrossEntropy", () => {
  it("tends to −Σ a log b as α → 1", () => {
    fc.assert(
      fc.property(pair(1), ([a, b]) => {
        let ce = 0;
        for (let i = 0; i < a.length; i++) ce -= a[i]! * Math.log(b[i]!);
        close(renyiCrossEntropy(a, b, 1), ce, 1e-13, 1e-15);
        for (const alpha of [1 - 1e-8, 1 + 1e-8]) close(renyiCrossEntropy(a, b, alpha), ce, 1e-6, 1e-7);
      }),
      { seed: SEED, numRuns: 200 },
    );
  });

  it("matches the definition (1 − α)^{-1} log Σ a b^{α−1} at other orders", () => {
    fc.assert(
      fc.property(pair(0), fc.constantFrom(0.3, 0.5, 2, 3.5), ([a, b], alpha) => {
        let s = 0;
        let inf = false;
        for (let i = 0; i < a.length; i++) {
          if (a[i]! === 0) continue;
          if (b[i]! === 0) {
            if (alpha <= 1) inf = true;
          } else s += a[i]! * b[i]! ** (alpha - 1);
        }
        const h = renyiCrossEntropy(a, b, alpha);
        expect(Number.isNaN(h)).toBe(false);
        if (inf) expect(h).toBe(INF);
        else if (s === 0) expect(h).toBe(INF);
        else close(h, Math.log(s) / (1 - alpha), 1e-12, 1e-14);
      }),
      { seed: SEED, numRuns: 300 },
    );
    // Uniform b over n outcomes: H_α(a; b) = log n for every α.
    for (const alpha of [0.5, 1, 2])
      close(renyiCrossEntropy([0.2, 0.3, 0.5], [1 / 3, 1 / 3, 1 / 3], alpha), Math.log(3), 1e-14);
  });
});

describe("entropy", () => {
  it("is log n for the uniform distribution and 0 for a point mass", () => {
    for (const n of [1, 2, 3, 10, 1000])
      close(entropy(new Array(n).fill(1 / n)), Math.log(n), 4 * EPS, 4 * EPS);
    expect(entropy([0, 1, 0])).toBe(0);
    // H(½, ¼, ¼) = 1.5 log 2.
    close(entropy([0.5, 0.25, 0.25]), 1.5 * Math.LN2, 2 * EPS);
  });
});

describe("no NaN on random inputs with zeros", () => {
  it("kl, klFromLogs, entropy, Rényi quantities are numbers or +∞", () => {
    fc.assert(
      fc.property(pair(0), fc.double({ min: 0.01, max: 50, noNaN: true }), ([a, b], alpha) => {
        const values = [
          kl(a, b),
          kl(b, a),
          klFromLogs(a.map(Math.log), b.map(Math.log)),
          entropy(a),
          renyiDivergence(a, b, alpha),
          renyiCrossEntropy(a, b, alpha),
        ];
        for (const v of values) {
          expect(Number.isNaN(v)).toBe(false);
          expect(v === Number.NEGATIVE_INFINITY).toBe(false);
        }
      }),
      { seed: SEED, numRuns: 300 },
    );
  });
});
