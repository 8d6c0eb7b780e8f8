import { describe, expect, it } from "vitest";
import { bestOfN, bonOutcomeLogProbs } from "../../../src/core/bon.js";
import { Rng } from "../../../src/core/estimate/bootstrap.js";
import { createModel } from "../../../src/core/model.js";
import { type StepContext, tableOf } from "../../../src/core/train/context.js";
import { distillExactStep, distillSampledStep } from "../../../src/core/train/distill.js";
import { dpoExactStep, dpoSampledStep } from "../../../src/core/train/dpo.js";
import { PPO_DEFAULTS, ppoSampledStep } from "../../../src/core/train/ppo.js";
import { reinforceExactStep, reinforceSampledStep } from "../../../src/core/train/reinforce.js";
import { METHODS, type Method, Trainer, type TrainOptions } from "../../../src/core/train/train.js";
import { capturedGradients } from "./population.js";

/**
 * Sampled gradients: unbiased for the exact ones (the mean of many seeded estimates against the exact
 * gradient, within 5 standard errors estimated from the same draws), reproducible from the seed, and
 * runs that approach the optimum to within the noise of the batch and step size.
 */
const spec = { p: [0.4, 0.25, 0.2, 0.1, 0.05], r: [0, 1, 1, 2, -1] };
const model = createModel(spec);
const theta = [-1.1, -1.2, -1.9, -2.0, -3.4];
const BETA = 0.7;

type Step = (ctx: StepContext) => void;

function meanAndError(estimates: Float64Array[]): { mean: number[]; se: number[] } {
  const M = estimates.length;
  const K = estimates[0]!.length;
  const mean = new Array<number>(K).fill(0);
  const sq = new Array<number>(K).fill(0);
  for (const e of estimates)
    for (let k = 0; k < K; k++) {
      mean[k]! += e[k]! / M;
      sq[k]! += (e[k]! * e[k]!) / M;
    }
  return { mean, se: mean.map((m, k) => Math.sqrt(Math.max(0, sq[k]! - m * m) / M)) };
}

describe("sampled gradients are unbiased", () => {
  const M = 4000;
  const cases: [string, Step, Step][] = [
    ["REINFORCE", (ctx) => reinforceSampledStep(ctx, BETA), (ctx) => reinforceExactStep(ctx, BETA)],
    ["DPO", (ctx) => dpoSampledStep(ctx, BETA), (ctx) => dpoExactStep(ctx, BETA)],
    // PPO's first minibatch is REINFORCE's estimator (ρ = 1) with the penalty's score-function estimate.
    [
      "PPO (first minibatch)",
      (ctx) => ppoSampledStep(ctx, BETA, { ...PPO_DEFAULTS, epochs: 1, minibatches: 1 }),
      (ctx) => reinforceExactStep(ctx, BETA),
    ],
  ];
  for (const [name, sampled, exact] of cases) {
    it(name, () => {
      const rng = new Rng(7);
      const estimates: Float64Array[] = [];
      for (let i = 0; i < M; i++)
        estimates.push(capturedGradients(model, theta, sampled, undefined, { batch: 16, rng })[0]!);
      const { mean, se } = meanAndError(estimates);
      const [g] = capturedGradients(model, theta, exact);
      for (let k = 0; k < g!.length; k++)
        expect(Math.abs(mean[k]! - g![k]!)).toBeLessThan(5 * se[k]! + 1e-12);
    });
  }

  it("best-of-N distillation, forward and reverse", () => {
    const target = bonOutcomeLogProbs(model, bestOfN(model, { n: 3 }));
    const table = tableOf(target);
    for (const d of ["forward", "reverse"] as const) {
      const rng = new Rng(11);
      const estimates: Float64Array[] = [];
      for (let i = 0; i < M; i++)
        estimates.push(
          capturedGradients(model, theta, (ctx) => distillSampledStep(ctx, target, table, d), undefined, {
            batch: 16,
            rng,
          })[0]!,
        );
      const { mean, se } = meanAndError(estimates);
      const [g] = capturedGradients(model, theta, (ctx) => distillExactStep(ctx, target, d));
      for (let k = 0; k < g!.length; k++)
        expect(Math.abs(mean[k]! - g![k]!)).toBeLessThan(5 * se[k]! + 1e-12);
    }
  });
});

const optionsFor = (method: Method, extra: Partial<TrainOptions> = {}): TrainOptions => ({
  method,
  ...(method === "bon-distill" ? { n: 3 } : { beta: BETA }),
  gradient: "sampled",
  ...extra,
});

describe("sampled runs", () => {
  for (const method of METHODS) {
    it(`${method}: the same seed gives the same trajectory, another seed another`, () => {
      const lengths = method === "bon-distill" ? [1] : [1, 3];
      for (const length of lengths) {
        const runs = [1, 1, 2].map((seed) => {
          const t = new Trainer(model, optionsFor(method, { seed, length, batch: 32 }));
          for (let s = 0; s < 20; s++) t.advance();
          return t.point();
        });
        expect(runs[1]).toEqual(runs[0]);
        expect(runs[2]!.klToOptimum).not.toBe(runs[0]!.klToOptimum);
      }
    });

    it(`${method}: reaches the optimum to within the noise of its batches`, () => {
      const t = new Trainer(model, optionsFor(method, { lr: 0.02 }));
      const start = t.klToOptimum();
      let tail = 0;
      for (let s = 1; s <= 2000; s++) {
        t.advance();
        if (s > 1500) tail += t.klToOptimum() / 500;
      }
      expect(start).toBeGreaterThan(0.1);
      expect(tail).toBeLessThan(start / 30);
    });
  }

  it("REINFORCE's estimate is 0 at the tilt: r − β log(q/p) is constant there, and so its leave-one-out advantages vanish", () => {
    const tilt = new Trainer(model, { method: "reinforce", beta: BETA }).target.logProbs;
    const [g] = capturedGradients(
      model,
      Array.from(tilt),
      (ctx) => reinforceSampledStep(ctx, BETA),
      undefined,
      {
        batch: 64,
        rng: new Rng(3),
      },
    );
    for (const x of g!) expect(Math.abs(x)).toBeLessThan(1e-14);
  });

  it("sequences: sampled REINFORCE and PPO on length-4 responses approach the per-token tilt", () => {
    for (const method of ["reinforce", "ppo", "dpo"] as const) {
      const t = new Trainer(model, optionsFor(method, { length: 4, lr: 0.02 }));
      const start = t.klToOptimum();
      for (let s = 0; s < 1500; s++) t.advance();
      expect(t.klToOptimum()).toBeLessThan(start / 20);
    }
  });
});
