import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { createModel } from "../../../src/core/model.js";
import { bonSequence } from "../../../src/core/sequence/bonSequence.js";
import { latticeOf } from "../../../src/core/sequence/lattice.js";

/**
 * bonSequence against an independent 50-digit computation (scripts/reference/sequence.py: the binomial
 * and trinomial laws of S_n summed exactly in mpmath, no FFT, no tilt, no saddlepoint) for the reproducers
 * of issue 14 item 1: ternary and Bernoulli models at n = 10^4 … 10^9. Each field must be within the
 * documented tolerance, and within the error bound the result reports (the bound is honest), and that
 * bound must itself meet the tolerance (no warning for these).
 */
interface RefCase {
  name: string;
  logq: number[];
  ks: number[];
  length: number;
  klRate: number;
  logN: number;
  lambda: string;
  xStar: string;
  rewardPerToken: string;
  klToReference: string;
  klToOptimal: string;
  gapTimesLength: string;
}
const ref = JSON.parse(
  readFileSync(resolve(import.meta.dirname, "../../reference/sequence.json"), "utf8"),
) as {
  tolerances: { klAbs: number; klRel: number; rewardRel: number; gapAbs: number; gapRel: number };
  cases: RefCase[];
};
const tol = ref.tolerances;

function within(name: string, got: number, want: string, bound: number, abs: number, rel: number): void {
  const w = Number(want);
  const err = Math.abs(got - w);
  const allowed = Math.max(abs, rel * Math.abs(w));
  if (!(err <= allowed))
    throw new Error(`${name}: ${got} against ${want} (error ${err}, tolerance ${allowed})`);
  // The reference's own rounding to a double is half an ulp.
  if (!(err <= bound + Number.EPSILON * Math.abs(w)))
    throw new Error(`${name}: error ${err} exceeds the reported bound ${bound}`);
  if (!(bound <= allowed)) throw new Error(`${name}: bound ${bound} wider than the tolerance ${allowed}`);
}

describe("bonSequence against the mpmath reference (n to 10^9)", () => {
  for (const c of ref.cases) {
    it(c.name, () => {
      const model = createModel({ logp: c.logq, r: c.ks });
      // The reference's model is exactly these log-probabilities.
      expect(Array.from(latticeOf(model)!.logq)).toEqual(c.logq);
      const r = bonSequence(model, c.length, c.klRate);
      expect(r.logN).toBe(c.logN);
      const a = r.accuracy;
      within("klToOptimal", r.bon.klToOptimal, c.klToOptimal, a.klToOptimal, tol.klAbs, tol.klRel);
      within("klToReference", r.bon.klToReference, c.klToReference, a.klToReference, tol.klAbs, tol.klRel);
      within("gapTimesLength", r.gapTimesLength, c.gapTimesLength, a.gapTimesLength, tol.gapAbs, tol.gapRel);
      within("rewardPerToken", r.bon.rewardPerToken, c.rewardPerToken, a.rewardPerToken, 0, tol.rewardRel);
      within("xStar", r.xStar, c.xStar, a.xStar, 0, tol.rewardRel);
      expect(r.lambda).toBeCloseTo(Number(c.lambda), 14);
    });
  }
});
