import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bestOfN, bonOutcomeLogProbs } from "../../src/core/bon.js";
import { bonExactTilt } from "../../src/core/bonExactTilt.js";
import { klFromLogs } from "../../src/core/divergence.js";
import { createModel } from "../../src/core/model.js";
import { tiltAt, tiltLogProbs } from "../../src/core/tilt.js";
import { close, SEED } from "../support/assert.js";

describe("bonExactTilt: is best-of-N exactly a tilt?", () => {
  it("MATH §7's example: p = (0.7, 0.3), r = (0, 1), N = 5 gives λ = 2.44667 and π_N(1) = 0.83193", () => {
    const m = createModel({ p: [0.7, 0.3], r: [0, 1] });
    const t = bonExactTilt(m, { n: 5 })!;
    // Closed form: g(0) = 0.7^4, g(1) = (1 − 0.7^5)/0.3, λ = log(g(1)/g(0)).
    close(t.lambda, Math.log((1 - 0.7 ** 5) / 0.3 / 0.7 ** 4), 1e-14);
    close(t.lambda, 2.44667, 2e-6);
    const phi1 = Math.exp(tiltLogProbs(m, tiltAt(m, t.lambda))[1]!);
    close(phi1, 0.83193, 1e-5);
    close(phi1, 1 - 0.7 ** 5, 1e-14);
  });

  it("two levels: always a tilt, KL(π_N‖φ_λ) = 0 (property, real N)", () => {
    fc.assert(
      fc.property(fc.double({ min: 0.01, max: 0.99 }), fc.double({ min: 0, max: 30 }), (q, logN) => {
        const m = createModel({ p: [1 - q, q], r: [-1, 2] });
        const t = bonExactTilt(m, { logN })!;
        expect(t).not.toBeNull();
        const pi = bonOutcomeLogProbs(m, bestOfN(m, { logN }));
        const phi = tiltLogProbs(m, tiltAt(m, t.lambda));
        expect(klFromLogs(pi, phi)).toBeLessThan(1e-12);
      }),
      { seed: SEED, numRuns: 200 },
    );
  });

  it("three levels: not a tilt in general (uniform p, N = 2, 5, 100)", () => {
    const m = createModel({ p: [1 / 3, 1 / 3, 1 / 3], r: [0, 1, 2] });
    for (const n of [2, 5, 100]) expect(bonExactTilt(m, { n })).toBeNull();
    // A ternary reward with ties collapses to its levels: two levels, a tilt again.
    const tied = createModel({ p: [0.2, 0.3, 0.5], r: [0, 1, 1] });
    expect(bonExactTilt(tied, { n: 7 })).not.toBeNull();
  });

  it("three levels on the curve (2a + b)² = a(1 + a + b) at N = 2: an exact tilt, λ = log((2a + b)/a)", () => {
    // N = 2, F = (a, a + b, 1): g = (a, 2a + b, 1 + a + b); equally spaced rewards need g₂² = g₁g₃.
    const a = 0.1;
    const b = (-3 * a + Math.sqrt(4 * a - 3 * a * a)) / 2;
    const m = createModel({ p: [a, b, 1 - a - b], r: [0, 1, 2] });
    const t = bonExactTilt(m, { n: 2 })!;
    expect(t).not.toBeNull();
    close(t.lambda, Math.log((2 * a + b) / a), 1e-13);
    // Off the curve, no.
    expect(
      bonExactTilt(createModel({ p: [a, b + 0.01, 1 - a - b - 0.01], r: [0, 1, 2] }), { n: 2 }),
    ).toBeNull();
  });

  it("N = 1 is p = φ_0; N = ∞ is the saturated tilt; one level is λ = 0", () => {
    const m = createModel({ p: [0.5, 0.3, 0.2], r: [0, 1, 3] });
    expect(bonExactTilt(m, { n: 1 })).toEqual({ lambda: 0 });
    expect(bonExactTilt(m, { logN: Number.POSITIVE_INFINITY })).toEqual({ lambda: Number.POSITIVE_INFINITY });
    expect(bonExactTilt(createModel({ p: [0.5, 0.5], r: [1, 1] }), { n: 9 })).toEqual({ lambda: 0 });
  });
});
