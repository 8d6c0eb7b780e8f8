import { describe, expect, it } from "vitest";
import { createModel } from "../../../src/core/model.js";
import { pooledAtoms } from "../../../src/core/train/atoms.js";
import { METHODS, Trainer } from "../../../src/core/train/train.js";

/**
 * Pooling outcomes with equal p and r (atoms.ts) is an exact reduction of an exact-gradient run: the
 * pooled and the unpooled trajectories agree to rounding, for every method.
 */
describe("pooled atoms", () => {
  // 12 outcomes, 5 atoms: (count, r) = (1, 0) ×4, (2, 1) ×4, (3, 2) ×2, (1, 2), (1, 3).
  const spec = {
    counts: [1, 1, 1, 2, 2, 2, 1, 3, 3, 1, 2, 1],
    r: [0, 0, 0, 1, 1, 1, 2, 2, 2, 0, 1, 3],
  };
  const model = createModel(spec);

  it("groups exactly the outcomes with equal p and r", () => {
    const atoms = pooledAtoms(model);
    expect(atoms.model.size).toBe(5);
    expect(Array.from(atoms.members).reduce((a, b) => a + b, 0)).toBe(12);
    for (let i = 0; i < model.size; i++)
      for (let j = 0; j < model.size; j++) {
        const same = model.p[i] === model.p[j] && model.r[i] === model.r[j];
        expect(atoms.atomOf[i] === atoms.atomOf[j]).toBe(same);
      }
  });

  for (const method of METHODS) {
    it(`${method}: the pooled trajectory is the unpooled one`, () => {
      const options = method === "bon-distill" ? { method, n: 3 } : { method, beta: 0.6 };
      const pooled = new Trainer(model, options);
      const single = new Trainer(model, { ...options, pool: false });
      expect(pooled.atoms.model.size).toBeLessThan(single.atoms.model.size);
      for (let s = 0; s < 60; s++) {
        pooled.advance();
        single.advance();
      }
      const a = pooled.outcomeLogProbs();
      const b = single.outcomeLogProbs();
      for (let i = 0; i < a.length; i++) expect(Math.abs(a[i]! - b[i]!)).toBeLessThan(1e-12);
      const pa = pooled.point();
      const pb = single.point();
      expect(pa.klToOptimum).toBeCloseTo(pb.klToOptimum, 12);
      expect(pa.reward).toBeCloseTo(pb.reward, 12);
    });
  }
});
