import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createModel, MAX_REWARD } from "../../../src/core/model.js";
import { METHODS, Trainer } from "../../../src/core/train/train.js";
import { SEED } from "../../support/assert.js";

/** No NaN leaves a run, at any accepted β and reward scale, exact or sampled. */
describe("extreme magnitudes", () => {
  it("every reported value is a number or ±∞, never NaN", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...METHODS),
        fc.constantFrom(1e-300, 1e-8, 1, 1e8, 1e300),
        fc.constantFrom(1e-150, 1e-6, 1, 1e6, MAX_REWARD),
        fc.constantFrom("exact", "sampled") as fc.Arbitrary<"exact" | "sampled">,
        (method, beta, scale, gradient) => {
          const model = createModel({ p: [0.6, 0.3, 0.1 - 1e-9, 1e-9], r: [0, scale / 2, -scale, scale] });
          let t: Trainer;
          try {
            t = new Trainer(
              model,
              method === "bon-distill" ? { method, n: 3, gradient } : { method, beta, gradient },
            );
          } catch (e) {
            // A best-of-N saturated to rounding is refused with an InputError, not trained.
            expect((e as Error).name).toBe("InputError");
            return;
          }
          for (let s = 0; s < 5; s++) {
            t.advance();
            for (const [k, v] of Object.entries(t.point()))
              expect(Number.isNaN(v), `${k} is NaN`).toBe(false);
            for (const v of t.outcomeLogProbs()) expect(Number.isNaN(v)).toBe(false);
          }
        },
      ),
      { seed: SEED, numRuns: 200 },
    );
  });
});
