import { fc, test } from "@fast-check/vitest";
import { describe, expect, it } from "vitest";
import { closeAcrossEngines, decodeExact, engineMismatches, ulpDistance } from "./ulps.js";

// Expected distances come from the binary64 format itself (IEEE 754): in [2^k, 2^(k+1)) consecutive doubles
// are 2^(k−52) apart, the smallest subnormal is 2^−1074, and MAX_VALUE is the last finite double.
const EPS = Number.EPSILON; // 2^−52, the spacing in [1, 2)

describe("ulpDistance", () => {
  it("counts the doubles between two values, across binades, zero and subnormals", () => {
    expect(ulpDistance(1, 1)).toBe(0);
    expect(ulpDistance(1, 1 + EPS)).toBe(1);
    expect(ulpDistance(1 - EPS / 2, 1)).toBe(1);
    expect(ulpDistance(1 - EPS / 2, 1 + EPS)).toBe(2);
    expect(ulpDistance(2 - EPS, 2 + 2 * EPS)).toBe(2);
    expect(ulpDistance(-1, -1 - EPS)).toBe(1);
    expect(ulpDistance(0, -0)).toBe(0);
    expect(ulpDistance(0, Number.MIN_VALUE)).toBe(1);
    expect(ulpDistance(-Number.MIN_VALUE, Number.MIN_VALUE)).toBe(2);
    // 2^−1022 is the smallest normal: 2^52 subnormals lie below it.
    expect(ulpDistance(0, 2 ** -1022)).toBe(2 ** 52);
  });

  it("keeps infinities and NaN apart from every finite value", () => {
    expect(ulpDistance(Number.MAX_VALUE, Infinity)).toBe(Infinity);
    expect(ulpDistance(Infinity, Infinity)).toBe(0);
    expect(ulpDistance(-Infinity, Infinity)).toBe(Infinity);
    expect(ulpDistance(Number.NaN, 0)).toBe(Infinity);
    expect(ulpDistance(Number.NaN, Number.NaN)).toBe(0);
  });

  test.prop([fc.integer({ min: 0, max: 2 ** 20 }), fc.integer({ min: 0, max: 2 ** 20 })], { seed: 12 })(
    "is k for x and x + k·2^−52 in [1, 2), and symmetric",
    (i, k) => {
      const x = 1 + i * EPS;
      const y = x + k * EPS;
      expect(ulpDistance(x, y)).toBe(k);
      expect(ulpDistance(y, x)).toBe(k);
      expect(ulpDistance(-x, -y)).toBe(k);
    },
  );
});

describe("closeAcrossEngines", () => {
  it("accepts 4 ulps, or a relative difference of 1e-14, and nothing beyond both", () => {
    expect(closeAcrossEngines(1, 1 + 4 * EPS)).toBe(true);
    expect(closeAcrossEngines(1, 1 + 45 * EPS)).toBe(true); // 45·2^−52 ≈ 0.999e-14
    expect(closeAcrossEngines(1, 1 + 46 * EPS)).toBe(false); // ≈ 1.02e-14, and 46 ulps
    expect(closeAcrossEngines(0, 4 * Number.MIN_VALUE)).toBe(true);
    expect(closeAcrossEngines(0, 5 * Number.MIN_VALUE)).toBe(false);
    expect(closeAcrossEngines(1e300, 1e300 * (1 + 9e-15))).toBe(true);
    expect(closeAcrossEngines(Infinity, Number.MAX_VALUE)).toBe(false);
    expect(closeAcrossEngines(-0, 0)).toBe(true);
  });
});

describe("engineMismatches", () => {
  it("compares numbers within the tolerance and everything else exactly, naming the path", () => {
    expect(engineMismatches({ a: 1, b: [2, "x"], c: null }, { a: 1 + EPS, b: [2, "x"], c: null })).toEqual(
      [],
    );
    expect(engineMismatches({ a: 1, b: [2, "x"] }, { a: 1.001, b: [2, "y"] })).toEqual([
      "a: 1 vs 1.001 (4503599627370 ulps)", // (1.001 − 1)/2^−52, exact in [1, 2)
      'b[1]: "x" vs "y"',
    ]);
    expect(engineMismatches({ a: 1 }, { b: 1 })).toEqual(["a: unexpected (1)", "b: missing (expected 1)"]);
    expect(engineMismatches([1, 2], [1])).toEqual(["value: 2 entries vs 1"]);
    expect(engineMismatches(null, 0)).toEqual(["value: null vs 0"]);
  });

  it("reads the page's exact strings back into values", () => {
    expect(decodeExact("0.1")).toBe(0.1);
    expect(decodeExact("-Infinity")).toBe(-Infinity);
    expect(decodeExact("[1,2.5]")).toEqual([1, 2.5]);
    expect(decodeExact('"fft"')).toBe("fft");
    expect(decodeExact("null")).toBe(null);
    expect(decodeExact(null)).toBe(null);
  });
});
