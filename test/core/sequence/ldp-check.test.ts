import { describe, expect, it } from "vitest";
import { InputError } from "../../../src/core/errors.js";
import { createModel } from "../../../src/core/model.js";
import { optimum } from "../../../src/core/optimum.js";
import { enumeratedTail } from "../../../src/core/sequence/compositions.js";
import { finiteLengthCheck } from "../../../src/core/sequence/ldpCheck.js";
import { quantiseModel } from "../../../src/core/sequence/quantise.js";
import { sumTail, trySumTail } from "../../../src/core/sequence/sumLaw.js";

// Rewards 0, 1, π: no lattice, so the check quantises the rewards.
const irrational = createModel({ p: [0.5, 0.25, 0.25], r: [0, 1, Math.PI] });

describe("trySumTail: the FFT's refusals as values", () => {
  it("gives the tail where sumTail does, and a refusal (code inaccurate) where sumTail throws", () => {
    const q = quantiseModel(irrational, 0.01).model;
    const fine = trySumTail(q, 200, 600);
    expect(fine.ok && fine.value).toEqual(sumTail(q, 200, 600));
    const refused = trySumTail(q, 200, 300);
    expect(refused.ok).toBe(false);
    if (!refused.ok) {
      expect(refused.error.code).toBe("inaccurate");
      expect(() => sumTail(q, 200, 300)).toThrow(refused.error.message);
    }
  });
});

describe("finiteLengthCheck", () => {
  const opt = optimum(irrational, 0.2, "klRate");
  const xs = [0.5, 2, 2.5, 3];

  it("on an automatic grid: brackets that hold the exact −(1/n) log P(S_n ≥ nx), by enumeration", () => {
    const n = 12;
    const r = finiteLengthCheck(opt, xs, n);
    expect(r.checkMethod).toBe("grid");
    expect(r.check.map((c) => c.x)).toEqual(xs.filter((x) => x > opt.xStar));
    for (const c of r.check) {
      // The exact tail of S_n under φ^⊗n, from all compositions of n over the three rewards.
      const exact = -enumeratedTail(opt.tilted, n, n * c.x)!.logUpperTail / n;
      const [lo, hi] = c.bracket!;
      expect(lo).toBeLessThanOrEqual(exact * (1 + 1e-12));
      expect(exact).toBeLessThanOrEqual(hi * (1 + 1e-12));
    }
  });

  it("a grid too fine for the engines at n is one error naming --check-grid (nothing caught inside)", () => {
    // At h = 0.01 and n = 200 the FFT has no accurate digit at S = 400 (x = 2).
    expect(() => finiteLengthCheck(opt, [2, 2.5, 3], 200, 0.01)).toThrow(InputError);
    try {
      finiteLengthCheck(opt, [2, 2.5, 3], 200, 0.01);
    } catch (e) {
      expect(e).toMatchObject({ field: "checkGrid", code: "inaccurate" });
    }
  });

  it("a length that is not a whole number ≥ 1 names the check's length", () => {
    expect(() => finiteLengthCheck(opt, xs, 0.5)).toThrow(/^checkLength: n must be a whole number/);
  });
});
