import { describe, expect, it } from "vitest";
import { createModel, type Model } from "../../../src/core/model.js";
import { optimalRewardDual } from "../../../src/core/tilt.js";
import { METHODS, type Method, Trainer, type TrainOptions } from "../../../src/core/train/train.js";
import { bonDirect, tiltDirect } from "./population.js";

/**
 * Every method's exact-gradient trajectory converges to its closed-form optimum: φ_{1/β} for REINFORCE,
 * PPO and DPO, π_N for best-of-N distillation, each computed here directly (population.ts: q ∝ p e^{r/β},
 * and BOND's formula for π_N), not by the library. Tilt methods land on the frontier: the reward equals
 * V(KL) from the library's dual formula (golden-section search on inf (Δ + Λ(λ))/λ, independent of the
 * trainer and of the root finder). The rates asserted are from runs here (bench/train.ts prints them per method and model).
 */
const MODELS: Record<string, { p: number[]; r: number[] }> = {
  ternary: { p: [0.5, 0.3, 0.2], r: [0, 1, 2] },
  // Ties in p and r together (three exchangeable outcomes), a negative reward, a rare outcome.
  ties: { p: [0.2, 0.2, 0.2, 0.25, 0.1, 0.04, 0.01], r: [1, 1, 1, 0, -1, 2, 3] },
};

function run(model: Model, options: TrainOptions, steps: number) {
  const t = new Trainer(model, options);
  const reached: Record<string, number> = {};
  let worstAfter = 0;
  for (let s = 1; s <= steps; s++) {
    t.advance();
    const k = t.klToOptimum();
    for (const x of [1e-3, 1e-6, 1e-12]) if (reached[x] === undefined && k <= x) reached[x] = s;
    if (reached[1e-12] !== undefined) worstAfter = Math.max(worstAfter, k);
  }
  return { t, reached, worstAfter };
}

/** Largest |log q − log target| over the outcomes. */
function maxLogError(logq: ArrayLike<number>, target: number[]): number {
  let e = 0;
  for (let i = 0; i < target.length; i++) e = Math.max(e, Math.abs(logq[i]! - Math.log(target[i]!)));
  return e;
}

const options = (method: Method): TrainOptions =>
  method === "bon-distill" ? { method, n: 4 } : { method, beta: 0.8 };

describe.each(Object.entries(MODELS))("exact trajectories on %s", (name, spec) => {
  const model = createModel(spec);
  const { p, r } = spec;
  for (const method of METHODS) {
    // Best-of-4 on "ties" gives r = −1 a mass 10^-3 of its reference one: Adam's steps on that logit
    // shrink with its gradient (∝ q), and the tail is linear but slow (see below).
    const slow = name === "ties" && method === "bon-distill";
    it(`${method} converges to its optimum at a linear rate and stays there`, () => {
      const { t, reached, worstAfter } = run(model, options(method), slow ? 5000 : 1500);
      const target = method === "bon-distill" ? bonDirect(p, r, 4) : tiltDirect(p, r, 0.8);
      if (slow) {
        expect(reached[1e-3]).toBeLessThanOrEqual(300);
        expect(reached[1e-6]).toBeLessThanOrEqual(2000);
        expect(t.klToOptimum()).toBeLessThan(1e-11);
        expect(maxLogError(t.outcomeLogProbs(), target)).toBeLessThan(1e-3);
        return;
      }
      expect(maxLogError(t.outcomeLogProbs(), target)).toBeLessThan(1e-8);
      expect(t.klToOptimum()).toBeLessThan(1e-18);
      // Linear (geometric) convergence: the six decades from 1e-6 to 1e-12 nats take at most twice the
      // steps the first reach of 1e-6 did, and once below 1e-12 the run never returns above 1e-10.
      expect(reached[1e-12]! - reached[1e-6]!).toBeLessThanOrEqual(2 * reached[1e-6]!);
      expect(worstAfter).toBeLessThan(1e-10);
      const point = t.point();
      if (method === "bon-distill") {
        expect(point.reward).toBeCloseTo(
          target.reduce((s, x, i) => s + x * r[i]!, 0),
          10,
        );
      } else {
        // On the frontier: the reward at its KL is the optimal one.
        expect(Math.abs(point.reward - optimalRewardDual(model, point.kl))).toBeLessThan(1e-9);
        expect(point.rewardGap).toBeLessThan(1e-9);
        expect(point.klToFrontier).toBeLessThan(1e-12);
      }
    });
  }
});

describe("the optimiser", () => {
  it("plain Adam kicks PPO off its optimum once the gradients are rounding noise; AMSGrad does not", () => {
    const model = createModel(MODELS.ternary!);
    const worst = (amsgrad: boolean) =>
      run(model, { method: "ppo", beta: 0.8, adam: { amsgrad } }, 3000).worstAfter;
    expect(worst(true)).toBeLessThan(1e-10);
    expect(worst(false)).toBeGreaterThan(1e-6);
  });
});

describe("best-of-N on a two-level reward is a tilt (MATH §7)", () => {
  it("bon-distill lands on the frontier: p = (0.7, 0.3), r = (0, 1), N = 5 gives π_N(1) = 0.83193 = φ_λ(1), λ = 2.44667", () => {
    const model = createModel({ p: [0.7, 0.3], r: [0, 1] });
    const { t } = run(model, { method: "bon-distill", n: 5 }, 1500);
    const q1 = Math.exp(t.outcomeLogProbs()[1]!);
    // π_5(1) = 1 − 0.7^5 exactly.
    expect(q1).toBeCloseTo(1 - 0.7 ** 5, 10);
    expect(q1).toBeCloseTo(0.83193, 5);
    expect(t.target.lambda).toBeCloseTo(2.44667, 5);
    expect(t.point().rewardGap).toBeLessThan(1e-10);
  });
});

describe("the per-token policy on sequences", () => {
  it("exact REINFORCE and PPO on length-n sequences follow the single-token trajectory, with n times its reward and KLs", () => {
    const model = createModel(MODELS.ties!);
    for (const method of ["reinforce", "ppo"] as const) {
      const one = new Trainer(model, { method, beta: 0.8 });
      const five = new Trainer(model, { method, beta: 0.8, length: 5 });
      for (let s = 0; s < 40; s++) {
        one.advance();
        five.advance();
      }
      // Adam with ε = 0 is invariant to the scale of the gradient: n·∇ takes the same step.
      const a = one.outcomeLogProbs();
      const b = five.outcomeLogProbs();
      for (let i = 0; i < a.length; i++) expect(b[i]).toBeCloseTo(a[i]!, 12);
      const p1 = one.point();
      const p5 = five.point();
      expect(p5.reward).toBeCloseTo(5 * p1.reward, 10);
      expect(p5.kl).toBeCloseTo(5 * p1.kl, 10);
      expect(p5.klToTilt).toBeCloseTo(5 * p1.klToTilt, 10);
    }
  });
});
