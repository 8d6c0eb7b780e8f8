import { describe, expect, it } from "vitest";
import { kl } from "../../../src/core/divergence.js";
import { policyGap } from "../../../src/core/gap.js";
import { createModel } from "../../../src/core/model.js";
import { METHODS, Trainer } from "../../../src/core/train/train.js";
import { tiltDirect } from "./population.js";

/**
 * A policy stopped early sits strictly below the frontier, and the identity of MATH §1,
 * KL(q‖φ_λ) = KL(q‖p) − KL(φ_λ‖p) + λ(E_φ r − E_q r), gives its KL to φ_λ exactly: checked against
 * the KL summed directly from linear probabilities (divergence.ts's kl, with φ from q ∝ p e^{λr}
 * computed here), and the frontier quantities against policyGap (gap.ts), a separate implementation.
 */
const spec = { p: [0.2, 0.2, 0.2, 0.25, 0.1, 0.04, 0.01], r: [1, 1, 1, 0, -1, 2, 3] };
const model = createModel(spec);
const BETA = 0.8;

describe("early-stopped policies", () => {
  for (const method of METHODS) {
    it(`${method}: below the frontier, and the identity gives KL(q‖φ) to rounding`, () => {
      const t = new Trainer(
        model,
        method === "bon-distill" ? { method, beta: BETA } : { method, beta: BETA },
      );
      const phi = tiltDirect(spec.p, spec.r, BETA);
      for (const stop of [1, 2, 5, 10, 20]) {
        while (t.step < stop) t.advance();
        const point = t.point();
        const q = Array.from(t.outcomeLogProbs(), Math.exp);
        const direct = kl(q, phi);
        expect(Math.abs(point.klToTilt - direct)).toBeLessThanOrEqual(1e-13 + 1e-11 * direct);
        expect(Math.abs(point.klToTiltByIdentity - point.klToTilt)).toBeLessThanOrEqual(
          1e-13 + 1e-11 * direct,
        );
        const gap = policyGap(model, q);
        expect(point.rewardGap).toBeGreaterThan(1e-8);
        expect(point.rewardGap).toBeCloseTo(gap.rewardGap, 11);
        expect(point.frontierReward).toBeCloseTo(gap.optimalReward, 11);
        expect(point.klToFrontier).toBeCloseTo(gap.klToOptimal, 11);
        expect(point.kl).toBeCloseTo(kl(q, spec.p), 13);
      }
    });
  }

  it("bon-distill given β trains toward the best-of-N with the tilt's KL", () => {
    const t = new Trainer(model, { method: "bon-distill", beta: BETA });
    const phi = tiltDirect(spec.p, spec.r, BETA);
    expect(t.target.kl).toBeCloseTo(kl(phi, spec.p), 10);
    expect(t.target.lambda).toBe(1 / BETA);
  });
});
