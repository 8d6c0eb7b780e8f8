import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bestOfN, bonOutcomeLogProbs } from "../../../src/core/bon.js";
import { distillExactStep } from "../../../src/core/train/distill.js";
import { dpoExactStep } from "../../../src/core/train/dpo.js";
import { PPO_DEFAULTS, ppoExactStep } from "../../../src/core/train/ppo.js";
import { reinforceExactStep } from "../../../src/core/train/reinforce.js";
import { SEED } from "../../support/assert.js";
import {
  bonDirect,
  capturedGradients,
  dpoLoss,
  klDirect,
  modelOf,
  numericGradient,
  penalisedReward,
  ppoSurrogate,
  softmax,
} from "./population.js";

/**
 * Each exact gradient against central differences of the population objective written out plainly in
 * population.ts (an independent formula: no atoms, no closed-form derivative). Central differences
 * with h = 1e-5 are accurate to about h²·|f'''| + ε|f|/h ≈ 1e-10 here (the tolerance: 1e-7 relative + 1e-9).
 */
const TOL = 1e-7;

function expectClose(actual: ArrayLike<number>, expected: number[]): void {
  const scale = Math.max(1e-3, ...expected.map(Math.abs));
  for (let k = 0; k < expected.length; k++) {
    const err = Math.abs(actual[k]! - expected[k]!);
    if (!(err <= TOL * scale + 1e-9))
      throw new Error(`gradient[${k}] = ${actual[k]} but differences give ${expected[k]}`);
  }
}

/** Small models with ties, a policy away from p, and β. */
const arb = fc.record({
  size: fc.integer({ min: 2, max: 6 }),
  seed: fc.integer({ min: 0, max: 1e6 }),
  beta: fc.double({ min: 0.2, max: 5, noNaN: true }),
});

function instance({ size, seed, beta }: { size: number; seed: number; beta: number }) {
  let s = seed + 1;
  const u = () => {
    s = (s * 16807) % 2147483647;
    return s / 2147483647;
  };
  const w = Array.from({ length: size }, () => 0.1 + u());
  const z = w.reduce((a, b) => a + b, 0);
  const p = w.map((x) => x / z);
  // Rewards on a coarse grid, so ties occur.
  const r = Array.from({ length: size }, () => Math.floor(u() * 4) - 1);
  const theta = p.map((pi) => Math.log(pi) + (u() - 0.5));
  return { p, r, beta, theta, model: modelOf(p, r) };
}

describe("exact gradients against central differences of the population objective", () => {
  it("REINFORCE: −∂/∂θ [E_q r − β KL(q‖p)]", () => {
    fc.assert(
      fc.property(arb, (a) => {
        const { p, r, beta, theta, model } = instance(a);
        const [g] = capturedGradients(model, theta, (ctx) => reinforceExactStep(ctx, beta));
        expectClose(
          g!,
          numericGradient((t) => -penalisedReward(p, r, beta, softmax(t)), theta),
        );
      }),
      { seed: SEED, numRuns: 50 },
    );
  });

  it("REINFORCE on sequences: n times the single-token gradient", () => {
    const { beta, theta, model } = instance({ size: 4, seed: 3, beta: 1 });
    const [g1] = capturedGradients(model, theta, (ctx) => reinforceExactStep(ctx, beta));
    const [g5] = capturedGradients(model, theta, (ctx) => reinforceExactStep(ctx, beta), undefined, {
      length: 5,
    });
    for (let k = 0; k < 4; k++) expect(g5![k]).toBeCloseTo(5 * g1![k]!, 14);
  });

  it("PPO: the first pass is REINFORCE's gradient; later passes follow the clipped surrogate", () => {
    fc.assert(
      fc.property(arb, fc.double({ min: -0.6, max: 0.6, noNaN: true }), (a, shift) => {
        const { p, r, beta, theta, model } = instance(a);
        const qOld = softmax(theta);
        // After the first pass the logits are moved by ±shift (far enough to clip some ratios at ε = 0.2).
        const delta = theta.map((_, k) => (k % 2 === 0 ? shift : -shift / 2));
        const calls = capturedGradients(
          model,
          theta,
          (ctx) => ppoExactStep(ctx, beta, PPO_DEFAULTS),
          (x, call) => {
            if (call === 1) for (let k = 0; k < x.length; k++) x[k] = theta[k]! + delta[k]!;
          },
        );
        expect(calls.length).toBe(PPO_DEFAULTS.epochs);
        const [g0] = capturedGradients(model, theta, (ctx) => reinforceExactStep(ctx, beta));
        expectClose(calls[0]!, Array.from(g0!));
        const moved = theta.map((t, k) => t + delta[k]!);
        // Central differences would straddle a clip boundary only within h of it.
        expectClose(
          calls[1]!,
          numericGradient((t) => -ppoSurrogate(p, r, beta, qOld, softmax(t), PPO_DEFAULTS.clip), moved),
        );
      }),
      { seed: SEED, numRuns: 50 },
    );
  });

  it("DPO: ∂/∂θ of Σ p_i p_j BCE(σ(r_i − r_j), σ(β(h_i − h_j)))", () => {
    fc.assert(
      fc.property(arb, (a) => {
        const { p, r, beta, theta, model } = instance(a);
        const [g] = capturedGradients(model, theta, (ctx) => dpoExactStep(ctx, beta));
        expectClose(
          g!,
          numericGradient((t) => dpoLoss(p, r, beta, softmax(t)), theta),
        );
      }),
      { seed: SEED, numRuns: 50 },
    );
  });

  it("DPO: the per-pair exponential branch (β·h spread over 600) gives the same gradient", () => {
    // β = 1e3 with logits a few units from p: βh spreads over thousands, past the ratio form's range.
    const { p, r, theta, model } = instance({ size: 5, seed: 11, beta: 1 });
    const beta = 1e3;
    const [g] = capturedGradients(model, theta, (ctx) => dpoExactStep(ctx, beta));
    expectClose(
      g!,
      numericGradient((t) => dpoLoss(p, r, beta, softmax(t)), theta, 1e-8),
    );
  });

  it("best-of-N distillation: forward, reverse and Jeffreys divergences to π_N", () => {
    fc.assert(
      fc.property(arb, fc.integer({ min: 1, max: 8 }), (a, N) => {
        const { p, r, theta, model } = instance(a);
        const target = bonOutcomeLogProbs(model, bestOfN(model, { n: N }));
        const pi = bonDirect(p, r, N);
        const fwd = (t: number[]) => klDirect(pi, softmax(t));
        const rev = (t: number[]) => klDirect(softmax(t), pi);
        for (const [d, f] of [
          ["forward", fwd],
          ["reverse", rev],
          ["jeffreys", (t: number[]) => 0.5 * fwd(t) + 0.5 * rev(t)],
        ] as const) {
          const [g] = capturedGradients(model, theta, (ctx) => distillExactStep(ctx, target, d));
          expectClose(g!, numericGradient(f, theta));
        }
      }),
      { seed: SEED, numRuns: 40 },
    );
  });

  it("pooled atoms receive each member's gradient", () => {
    // Three outcomes share (p, r): pooled, the atom's gradient is that of each member unpooled.
    const p = [0.1, 0.1, 0.1, 0.3, 0.4];
    const r = [1, 1, 1, 0, 2];
    const model = modelOf(p, r);
    const theta = p.map(Math.log);
    const [single] = capturedGradients(model, theta, (ctx) => dpoExactStep(ctx, 0.7));
    const [pooled] = capturedGradients(
      model,
      [theta[0]!, theta[3]!, theta[4]!],
      (ctx) => dpoExactStep(ctx, 0.7),
      undefined,
      {
        pooled: true,
      },
    );
    expect(pooled!.length).toBe(3);
    for (const [a, k] of [
      [0, 0],
      [1, 3],
      [2, 4],
    ] as const)
      expect(pooled![a]).toBeCloseTo(single![k]!, 15);
  });
});
