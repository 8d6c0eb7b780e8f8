import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createModel } from "../../../src/core/model.js";
import { dd, ddAdd, ddDiv, ddExp, ddLog, ddMul, ddSub, ddValue } from "../../../src/core/sequence/ddouble.js";
import { latticeOf } from "../../../src/core/sequence/lattice.js";
import { refineTilt, tiltConstants } from "../../../src/core/sequence/tiltConstants.js";
import { lambdaForKl } from "../../../src/core/tilt.js";
import { SEED } from "../../support/assert.js";

/** |a − b| / |b| in double-double, as a double. */
const relDiff = (a: { hi: number; lo: number }, b: { hi: number; lo: number }): number =>
  Math.abs(ddValue(ddSub(a, b))) / Math.abs(b.hi);

describe("double-double arithmetic", () => {
  it("exp and log are inverse to ~1e-30, and exp(a + b) = exp(a)·exp(b) (property, fixed seed)", () => {
    fc.assert(
      fc.property(
        fc.double({ min: -600, max: 600, noNaN: true }),
        fc.double({ min: -50, max: 50, noNaN: true }),
        (a, b) => {
          const x = dd(a);
          expect(Math.abs(ddValue(ddSub(ddLog(ddExp(x)), x)))).toBeLessThan(1e-30 * Math.max(1, Math.abs(a)));
          expect(relDiff(ddExp(ddAdd(x, dd(b))), ddMul(ddExp(x), ddExp(dd(b))))).toBeLessThan(1e-29);
        },
      ),
      { seed: SEED, numRuns: 300 },
    );
  });
  it("exp agrees with Math.exp to an ulp; division inverts multiplication", () => {
    for (const a of [-600, -1, -1e-10, 0, 0.5, 1, 300]) {
      const e = ddExp(dd(a));
      expect(Math.abs(ddValue(e) - Math.exp(a))).toBeLessThanOrEqual(Number.EPSILON * Math.exp(a));
      if (a > -600) expect(relDiff(ddMul(ddDiv(e, dd(3)), dd(3)), e)).toBeLessThan(1e-31);
    }
    // e = 2.718281828459045235360287471352662497757…, whose nearest double is
    // 2.718281828459045090795598298427648842334…: the low part is 1.4456468917292501366…e-16 (mpmath),
    // whose nearest double is the literal below.
    const e1 = ddExp(dd(1));
    expect(e1.hi).toBe(2.718281828459045);
    expect(Math.abs(e1.lo - 1.4456468917292502e-16)).toBeLessThan(1e-31);
  });
});

describe("tilt constants in double-double", () => {
  const model = createModel({ p: [0.5, 0.3, 0.2], r: [0, 1, 2] });
  const lat = latticeOf(model)!;
  it("refineTilt solves d(θ) = Δ to ~1e-30 from the double λ*", () => {
    for (const delta of [0.01, 0.1, 0.5]) {
      const t = refineTilt(lat, lambdaForKl(model, delta).lambda, delta);
      expect(Math.abs(ddValue(ddSub(t.kl, dd(delta))))).toBeLessThan(1e-30);
    }
  });
  it("Λ(0) = 0 and μ(0) is the mean; the doubles agree with the dd values", () => {
    const z = tiltConstants(lat, 0);
    expect(Math.abs(ddValue(z.logZ))).toBeLessThan(1e-31);
    expect(Math.abs(ddValue(z.mean) - 0.7)).toBeLessThan(2e-16);
  });
});
