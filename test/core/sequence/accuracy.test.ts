import { describe, expect, it } from "vitest";
import { createModel } from "../../../src/core/model.js";
import { bonSequence } from "../../../src/core/sequence/bonSequence.js";

describe("sequence accuracy bounds", () => {
  const models = {
    ternary: { p: [0.5, 0.3, 0.2], r: [0, 1, 2] },
    "bernoulli:0.3": { p: [0.7, 0.3], r: [0, 1] },
    skewed: { p: [0.7, 0.25, 0.05], r: [-1, 0, 2] },
  };
  it("are numbers ≥ 0 (never NaN) for every engine, saturated budgets and N = e^{nΔ} past overflow included", () => {
    for (const [name, spec] of Object.entries(models)) {
      for (const delta of [0, 0.125, 0.5, 2.5, 5]) {
        for (const n of [1, 3, 10, 100, 1000, 1e4, 1e5]) {
          const r = bonSequence(createModel(spec), n, delta);
          for (const [field, v] of Object.entries(r.accuracy)) {
            if (!(v >= 0)) throw new Error(`${name}, Δ = ${delta}, n = ${n}: accuracy.${field} = ${v}`);
          }
        }
      }
    }
    const r = bonSequence(createModel(models.ternary), 100, 0.1, { logN: Number.POSITIVE_INFINITY });
    for (const v of Object.values(r.accuracy)) expect(v >= 0).toBe(true);
  });
});
