import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  addEmxForm,
  addExpForm,
  EXP_PARTS,
  emxFormResult,
  expFormResult,
  expParts,
  type Frame,
  modeIndex,
  spanScale,
  TiltAcc,
} from "../../../src/core/numerics/tiltSums.js";
import { SEED } from "../../support/assert.js";
import { decompose } from "../../support/exact.js";

/**
 * An exact reference for e^x − 1 − x and e^x − 1 at a double x: rational arithmetic on BigInt with FRAC
 * fractional bits. e^{|x|} = (e^{|x|/2^s})^{2^s} with |x|/2^s < 2^−10 by its Taylor series (60 terms),
 * then s squarings (relative error below 2^{−FRAC + 2s + 10}); e^{−|x|} as its reciprocal. The
 * subtraction of 1 + x is exact in fixed point, so e^x − 1 − x keeps its relative accuracy near 0.
 */
const FRAC = 600n;
const ONE = 1n << FRAC;

/** x = mant·2^exp exactly. */

/** |x| in fixed point (exact for |x| ≥ 2^{−500}). */
function fixed(x: number): bigint {
  const { mant, exp } = decompose(Math.abs(x));
  const shift = BigInt(exp) + FRAC;
  return shift >= 0n ? mant << shift : mant >> -shift;
}

function expFixed(x: number): bigint {
  const ax = fixed(x);
  const s = Math.max(0, Math.ceil(Math.log2(Math.abs(x) + 1)) + 10);
  const y = ax >> BigInt(s);
  let term = ONE;
  let sum = ONE;
  for (let k = 1n; k <= 60n; k++) {
    term = (term * y) / (k << FRAC);
    sum += term;
  }
  for (let i = 0; i < s; i++) sum = (sum * sum) >> FRAC;
  return x >= 0 ? sum : (ONE * ONE) / sum;
}

/** The fixed-point value as a double (correctly rounded by Number(bigint), then an exact scaling). */
function toDouble(v: bigint): number {
  // Scale so the integer has about 100 significant bits before converting.
  const bits = v < 0n ? (-v).toString(2).length : v.toString(2).length;
  const drop = BigInt(Math.max(0, bits - 100));
  return Number(v >> drop) * 2 ** (Number(drop) - Number(FRAC));
}

function reference(x: number): { e: number; em1: number; emx: number } {
  const e = expFixed(x);
  const xf = x < 0 ? -fixed(x) : fixed(x);
  return { e: toDouble(e), em1: toDouble(e - ONE), emx: toDouble(e - ONE - xf) };
}

const relErr = (a: number, b: number) => (a === b ? 0 : Math.abs(a - b) / Math.abs(b));
const ULP = Number.EPSILON;

describe("expParts: e^x, e^x − 1, e^x − 1 − x from one reduction, no branch on |x|", () => {
  it("the reference itself: e^x − 1 − x at x = 1 is e − 2 (OEIS A001113: e = 2.718281828459045235…)", () => {
    expect(relErr(reference(1).emx, 0.7182818284590452)).toBeLessThan(1e-16);
    // At x = 1e-10: x²/2 + x³/6 + … = 5.000000000166666…e-21.
    expect(relErr(reference(1e-10).emx, 5.000000000166667e-21)).toBeLessThan(1e-16);
  });

  it("within 6 ulps of e^x − 1 − x and 4 ulps of e^x − 1 and e^x (|x| ≤ 20, densely near 0 and near kℓ)", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.double({ min: -20, max: 20, noNaN: true }),
          fc.double({ min: -0.5, max: 0.5, noNaN: true }),
          fc.double({ min: -1e-3, max: 1e-3, noNaN: true }),
          // Near the boundaries of the reduction's intervals, k·ln2/64 ± ln2/128 (most cancellation).
          fc
            .tuple(fc.integer({ min: -40, max: 40 }), fc.double({ min: -1, max: 1, noNaN: true }))
            .map(([k, t]) => ((k + 0.5 * t) * Math.LN2) / 64),
        ),
        (x) => {
          // (The reference's 600 fractional bits hold e^x − 1 − x ≈ x²/2 to full precision for |x| ≥ 1e-60.)
          if (Math.abs(x) < 1e-60) return;
          expParts(x);
          const ref = reference(x);
          expect(relErr(EXP_PARTS[2]!, ref.emx) / ULP).toBeLessThanOrEqual(6);
          expect(relErr(EXP_PARTS[1]!, ref.em1) / ULP).toBeLessThanOrEqual(4);
          expect(relErr(EXP_PARTS[0]!, ref.e) / ULP).toBeLessThanOrEqual(4);
        },
      ),
      { seed: SEED, numRuns: 20000 },
    );
  });

  it("below −708: e^x − 1 = −1 and e^x − 1 − x = −1 − x to rounding; 0 gives 0", () => {
    for (const x of [-708.5, -1000, -1e6, -1e300]) {
      expParts(x);
      expect(EXP_PARTS[1]).toBe(-1);
      expect(relErr(EXP_PARTS[2]!, -1 - x)).toBeLessThanOrEqual(ULP);
    }
    expParts(0);
    expect([...EXP_PARTS]).toEqual([1, 0, 0]);
  });
});

describe("the three forms agree", () => {
  /** Random values in [0, 1) with masses, and a centre between them. */
  const data = fc
    .record({
      // Values below 1e-6 in magnitude become 0 (subnormal spreads are tilt.test.ts's extreme models).
      v: fc.array(
        fc.double({ min: -5, max: 5, noNaN: true }).map((x) => (Math.abs(x) < 1e-6 ? 0 : x)),
        { minLength: 2, maxLength: 1500 },
      ),
      w: fc.array(fc.double({ min: 1e-3, max: 1, noNaN: true }), { minLength: 1500, maxLength: 1500 }),
      lambda: fc.double({ min: 0.05, max: 30, noNaN: true }),
    })
    .map(({ v, w, lambda }) => {
      const values = Float64Array.from(v);
      const raw = w.slice(0, v.length);
      const total = raw.reduce((a, b) => a + b, 0);
      const mass = Float64Array.from(raw, (x) => x / total);
      const logMass = Float64Array.from(mass, Math.log);
      let mean = 0;
      for (let i = 0; i < values.length; i++) mean += mass[i]! * values[i]!;
      return { values, mass, logMass, lambda, mean };
    });

  it("exp, emx and log forms give the same L − λc, E_φ r and KL", () => {
    fc.assert(
      fc.property(data, ({ values, mass, logMass, lambda, mean }) => {
        let lo = Number.POSITIVE_INFINITY;
        let hi = Number.NEGATIVE_INFINITY;
        for (const v of values) {
          lo = Math.min(lo, v);
          hi = Math.max(hi, v);
        }
        if (!(hi > lo)) return;
        const s = spanScale(hi - lo);
        const frame = (c: number): Frame => ({ center: c, invScale: 1 / s, lambdaScaled: lambda * s });
        const n = values.length;
        const accE = new TiltAcc();
        addExpForm(values, mass, 0, n, frame(mean), accE);
        const e = expFormResult(lambda * s, 0, accE);
        let residual = 0;
        for (let i = 0; i < n; i++) residual += (mass[i]! * (values[i]! - mean)) / s;
        const accM = new TiltAcc();
        addEmxForm(values, mass, 0, n, frame(mean), accM);
        const m = emxFormResult(lambda * s, residual, accM);
        const k = modeIndex(values, logMass, 0, n, hi, lambda);
        const accL = new TiltAcc();
        addExpForm(values, logMass, 0, n, frame(values[k]!), accL, logMass[k]!);
        const l = expFormResult(lambda * s, logMass[k]!, accL);
        // Λ(λ) = λc + L for each centre; the rewards E_φ r = c + s·m; d is the same quantity.
        const Lam = [mean * lambda + e.L, mean * lambda + m.L, values[k]! * lambda + l.L];
        const R = [mean + s * e.m, mean + s * m.m, values[k]! + s * l.m];
        const D = [e.d, m.d, l.d];
        for (let j = 1; j < 3; j++) {
          expect(Math.abs(Lam[j]! - Lam[0]!)).toBeLessThanOrEqual(1e-12 * (1 + Math.abs(Lam[0]!)));
          expect(Math.abs(R[j]! - R[0]!)).toBeLessThanOrEqual(1e-12 * (hi - lo));
          // The exp and log forms' d carries the absolute error of log S, a few ε (why chooseForm takes
          // the emx form below d = 1/32; its relative accuracy at tiny d is tilt.test.ts's λ²Var/2 test).
          const tol = 1e-11 * Math.max(D[1]!, lambda * (hi - lo)) + 16 * ULP;
          expect(Math.abs(D[j === 1 ? 0 : 2]! - D[1]!)).toBeLessThanOrEqual(tol);
        }
        // Var_φ u is the same in each; κ₃, κ₄ agree to the accuracy of one-pass moments.
        expect(Math.abs(e.k2 - l.k2)).toBeLessThanOrEqual(1e-10);
        expect(Math.abs(e.k3 - l.k3)).toBeLessThanOrEqual(1e-9);
        expect(Math.abs(e.k4 - l.k4)).toBeLessThanOrEqual(1e-9);
      }),
      { seed: SEED, numRuns: 100 },
    );
  });

  it("spanScale: the least power of two ≥ the span, 1 below 1", () => {
    expect(spanScale(0)).toBe(1);
    expect(spanScale(0.3)).toBe(1);
    expect(spanScale(1)).toBe(1);
    expect(spanScale(1.0000001)).toBe(2);
    expect(spanScale(10)).toBe(16);
    expect(spanScale(16)).toBe(16);
    expect(spanScale(2e150)).toBeGreaterThanOrEqual(2e150);
    expect(spanScale(2e150)).toBeLessThan(4e150);
    expect(Math.log2(spanScale(2e150)) % 1).toBe(0);
  });
});
