import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { expFast } from "../../../src/core/numerics/fastExp.js";
import { SEED } from "../../support/assert.js";
import { decompose } from "../../support/exact.js";

/**
 * An independent reference for e^x: exact rational arithmetic on BigInt with 256 fractional bits.
 * x = M·2^E exactly; e^{|x|} = (e^{|x|/2^s})^{2^s} with the inner exponential by its Taylor series
 * (|x|/2^s < 2^−10, 40 terms) and s squarings, truncating to 256 bits at each step (relative error
 * below 2^−240 overall); for x < 0 the reciprocal, scaled by a further 2^1100 so that results down to
 * 2^−1075 keep over 280 bits. Returned as an integer V and a scale S with e^x ≈ V / 2^S.
 */
const FRAC = 256n;
const ONE = 1n << FRAC;

/** e^x as V / 2^S (x finite, |x| < 746). */
function expReference(x: number): { value: bigint; scale: bigint } {
  const { mant, exp } = decompose(Math.abs(x));
  // |x|/2^s in fixed point, with s chosen so that it is below 2^−10.
  const s = Math.max(0, Math.ceil(Math.log2(Math.abs(x) + 1)) + 10);
  const shift = BigInt(exp - s) + FRAC;
  const y = shift >= 0n ? mant << shift : mant >> -shift;
  let term = ONE;
  let sum = ONE;
  for (let k = 1n; k <= 40n; k++) {
    term = (term * y) / (k << FRAC);
    sum += term;
  }
  for (let i = 0; i < s; i++) sum = (sum * sum) >> FRAC;
  if (x >= 0) return { value: sum, scale: FRAC };
  return { value: (ONE << (FRAC + 1100n)) / sum, scale: FRAC + 1100n };
}

/** |a − e^x| in units in the last place of the double nearest e^x. */
function ulpError(a: number, x: number): number {
  const { value: ref, scale } = expReference(x);
  // ulp of the reference: 2^(⌊log2 e^x⌋ − 52), at least the smallest subnormal 2^−1074.
  const bits = ref.toString(2).length - 1 - Number(scale);
  const ulpExp = BigInt(Math.max(bits - 52, -1074));
  const { mant, exp } = decompose(a);
  // a = mant·2^exp exactly; every exp + scale here is ≥ 0 (scale ≥ 256 + 1100 for a < 1).
  const aFixed = mant << (BigInt(exp) + scale);
  const diff = aFixed > ref ? aFixed - ref : ref - aFixed;
  const ulp = 1n << (ulpExp + scale);
  return Number((diff * 1000n) / ulp) / 1000;
}

describe("expFast", () => {
  it("the reference itself: e^1 and e^−1 to 17 digits (OEIS A001113, A068985)", () => {
    // e = 2.71828182845904523536…, 1/e = 0.36787944117144232159…
    const e = expReference(1);
    const inv = expReference(-1);
    expect(Number(e.value >> (e.scale - 60n)) / 2 ** 60).toBe(Math.E);
    expect(Number(inv.value >> (inv.scale - 60n)) / 2 ** 60).toBe(0.36787944117144233);
  });

  it("is within 1 ulp of the exact e^x over the normal range (random x)", () => {
    fc.assert(
      fc.property(fc.double({ min: -708.3, max: 709.7, noNaN: true }), (x) => {
        expect(ulpError(expFast(x), x)).toBeLessThanOrEqual(1);
      }),
      { seed: SEED, numRuns: 400 },
    );
  });

  it("is within 1 ulp near 0, at table points and at the reduction boundaries", () => {
    const xs = [0, 1e-300, -1e-300, 1e-10, -1e-10, 0.5, -0.5, 1, -1, 10, -10, 100.25, -700, 709.5];
    for (let j = -200; j <= 200; j++) {
      xs.push((j * Math.LN2) / 64, ((j + 0.5) * Math.LN2) / 64, ((j + 0.4999) * Math.LN2) / 64);
    }
    let worst = 0;
    for (const x of xs) worst = Math.max(worst, ulpError(expFast(x), x));
    expect(worst).toBeLessThanOrEqual(1);
  });

  it("agrees with Math.exp to 1 ulp on 10^5 points of the range the tilt uses", () => {
    // Math.exp (fdlibm) is itself within 1 ulp; both within 1 ulp of e^x bounds this at 2, and
    // measured it is 1.
    const f = new Float64Array(2);
    const w = new BigInt64Array(f.buffer);
    let worst = 0n;
    for (let i = 0; i < 100_000; i++) {
      const x = -745 + (1455 * (i + 0.5)) / 100_000;
      f[0] = expFast(x);
      f[1] = Math.exp(x);
      const d = w[0]! - w[1]!;
      worst = d > worst ? d : -d > worst ? -d : worst;
    }
    expect(worst).toBeLessThanOrEqual(1n);
  });

  it("handles the ends: underflow to 0, subnormals and overflow as Math.exp, NaN", () => {
    expect(expFast(-746)).toBe(0);
    expect(expFast(Number.NEGATIVE_INFINITY)).toBe(0);
    expect(expFast(-745.2)).toBe(Math.exp(-745.2));
    expect(expFast(-720)).toBe(Math.exp(-720));
    expect(expFast(710)).toBe(Number.POSITIVE_INFINITY);
    expect(expFast(Number.POSITIVE_INFINITY)).toBe(Number.POSITIVE_INFINITY);
    expect(expFast(Number.NaN)).toBeNaN();
    expect(expFast(0)).toBe(1);
  });

  it("does not decrease across the points where the table index changes", () => {
    // Steps of 2^−40 around table boundaries, where a wrong head/tail split would show as a step down.
    let decreases = 0;
    for (let j = -300; j <= 300; j++) {
      const x0 = ((j + 0.5) * Math.LN2) / 64;
      let prev = expFast(x0 - 64 * 2 ** -40);
      for (let i = -63; i <= 64; i++) {
        const v = expFast(x0 + i * 2 ** -40);
        if (v < prev) decreases++;
        prev = v;
      }
    }
    expect(decreases).toBe(0);
  });
});
