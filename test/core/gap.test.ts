import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { InputError } from "../../src/core/errors.js";
import { policyGap } from "../../src/core/gap.js";
import { createModel, type Model } from "../../src/core/model.js";
import { brentRoot } from "../../src/core/numerics/roots.js";
import { lambdaForKl, tiltAt, tiltLogProbs } from "../../src/core/tilt.js";
import { close, EPS, INF, SEED } from "../support/assert.js";
import { klDirect } from "../support/reference.js";

/** A model (counts with zeros allowed, rewards small integers or reals) and a policy over all outcomes. */
const modelAndPolicy = fc
  .integer({ min: 1, max: 30 })
  .chain((n) =>
    fc.record({
      counts: fc.array(fc.integer({ min: 0, max: 20 }), { minLength: n, maxLength: n }),
      r: fc.array(
        fc.oneof(
          fc.integer({ min: -5, max: 5 }),
          fc.double({ min: -10, max: 10, noNaN: true }).map((v) => (Math.abs(v) < 1e-6 ? 0 : v)),
        ),
        { minLength: n, maxLength: n },
      ),
      q: fc.array(fc.integer({ min: 0, max: 20 }), { minLength: n, maxLength: n }),
      // Whether the policy may put mass where p = 0 (otherwise that mass is removed).
      offSupport: fc.boolean(),
    }),
  )
  .filter((s) => s.counts.some((c) => c > 0))
  .map((s) => {
    const q = s.q.map((w, i) => (s.offSupport || s.counts[i]! > 0 ? w : 0));
    if (!q.some((w) => w > 0)) q[s.counts.findIndex((c) => c > 0)] = 1;
    const total = q.reduce((a, b) => a + b, 0);
    return { counts: s.counts, r: s.r, q: q.map((w) => w / total) };
  });

/** p of a model in input order (zeros where p = 0). */
function inputOrder(model: Model, values: ArrayLike<number>): number[] {
  const out = new Array<number>(model.allRewards.length).fill(0);
  for (let j = 0; j < model.size; j++) out[model.support[j]!] = values[j]!;
  return out;
}

describe("policyGap: the identity KL(q‖φ) = KL(q‖p) − KL(φ‖p) + λ(E_φ r − E_q r)", () => {
  it("direct and identity values agree to 1e-10 on random policies", () => {
    fc.assert(
      fc.property(modelAndPolicy, (s) => {
        const model = createModel({ counts: s.counts, r: s.r });
        const g = policyGap(model, s.q);
        for (const v of Object.values(g)) expect(Number.isNaN(v)).toBe(false);
        if (g.klToOptimal === INF || g.klToOptimalByIdentity === INF) {
          expect(g.klToOptimalByIdentity).toBe(g.klToOptimal);
          return;
        }
        // The identity subtracts O(KL) and O(λ·|r|) quantities, each rounded to a few ε.
        const maxAbs = Math.max(Math.abs(model.rMax), Math.abs(model.rMin));
        const lambdaTerm = g.saturated ? 0 : 16 * EPS * g.lambda * maxAbs;
        close(g.klToOptimalByIdentity, g.klToOptimal, 1e-10, 1e-10 + 16 * EPS * g.kl + lambdaTerm);
        expect(g.klToOptimal).toBeGreaterThanOrEqual(0);
      }),
      { seed: SEED, numRuns: 400 },
    );
  });

  it("reports KL(q‖p), E_q r and V(KL) consistent with direct computations; the reward gap is ≥ 0", () => {
    fc.assert(
      fc.property(modelAndPolicy, (s) => {
        const model = createModel({ counts: s.counts, r: s.r });
        const g = policyGap(model, s.q);
        const total = s.counts.reduce((a, b) => a + b, 0);
        const p = s.counts.map((c) => c / total);
        const kl = klDirect(s.q, p);
        if (kl === INF) expect(g.kl).toBe(INF);
        else close(g.kl, kl, 1e-12, 1e-14);
        let er = 0;
        for (let i = 0; i < p.length; i++) er += s.q[i]! * s.r[i]!;
        const maxAbs = Math.max(...s.r.map(Math.abs));
        close(g.reward, er, 0, 64 * EPS * maxAbs);
        // V(KL(q‖p)) ≥ E_q r: no policy beats the optimum at its own KL. (A policy with mass off the support
        // is outside the feasible set and may exceed r_max, which is taken over the support.)
        if (kl < INF) expect(g.rewardGap).toBeGreaterThanOrEqual(-1e-12 * Math.max(1, maxAbs));
        expect(g.optimalReward).toBeLessThanOrEqual(model.rMax);
        expect(g.saturated).toBe(g.lambda === INF);
        if (g.kl >= model.klMax && model.rMax > model.rMin) expect(g.saturated).toBe(true);
      }),
      { seed: SEED, numRuns: 400 },
    );
  });
});

describe("policyGap special policies", () => {
  it("q = φ_λ itself has gap 0 and KL(q‖φ) = 0", () => {
    fc.assert(
      fc.property(
        modelAndPolicy.filter((s) => new Set(s.r.filter((_, i) => s.counts[i]! > 0)).size > 1),
        fc.double({ min: 0.01, max: 0.9, noNaN: true }),
        (s, f) => {
          const model = createModel({ counts: s.counts, r: s.r });
          const delta = f * model.klMax;
          const point = tiltAt(model, lambdaForKl(model, delta).lambda);
          const phi = inputOrder(model, Array.from(tiltLogProbs(model, point), Math.exp));
          const g = policyGap(model, phi);
          expect(g.saturated).toBe(false);
          close(g.kl, delta, 1e-9);
          close(g.lambda, point.lambda, 1e-6);
          const maxAbs = Math.max(Math.abs(model.rMax), Math.abs(model.rMin));
          expect(Math.abs(g.rewardGap)).toBeLessThanOrEqual(1e-12 * Math.max(1, maxAbs));
          expect(g.klToOptimal).toBeLessThanOrEqual(1e-13);
          expect(g.klToOptimalByIdentity).toBeLessThanOrEqual(1e-10);
        },
      ),
      { seed: SEED, numRuns: 200 },
    );
  });

  it("q = p has KL 0, gap 0 and λ = 0 (∞ for a constant reward)", () => {
    fc.assert(
      fc.property(modelAndPolicy, (s) => {
        const model = createModel({ counts: s.counts, r: s.r });
        const p = inputOrder(model, model.p);
        const g = policyGap(model, p);
        // q and p each sum to 1 only to rounding, so KL(q‖p) is 0 only to rounding (a few ε); V has an
        // infinite slope at Δ = 0 (V ≈ μ + σ√(2Δ), λ ≈ √(2Δ)/σ), so λ and the reward gap are 0 only to that.
        expect(g.kl).toBeLessThanOrEqual(32 * EPS);
        const sigma = Math.sqrt(model.variance);
        // A constant reward is saturated at every KL (log 1/p* = 0): λ = ∞ there (tilt.ts's lambdaForKl).
        if (model.rMax === model.rMin) expect(g.lambda).toBe(Number.POSITIVE_INFINITY);
        else if (g.lambda > 0) expect(g.lambda).toBeLessThanOrEqual((1.01 * Math.sqrt(2 * g.kl)) / sigma);
        expect(g.klToOptimal).toBeLessThanOrEqual(32 * EPS);
        expect(g.klToOptimalByIdentity).toBeLessThanOrEqual(32 * EPS);
        const maxAbs = Math.max(Math.abs(model.rMax), Math.abs(model.rMin));
        const floor = sigma * Math.sqrt(2 * g.kl) * 1.01;
        expect(Math.abs(g.rewardGap)).toBeLessThanOrEqual(floor + 1e-12 * Math.max(1, maxAbs));
      }),
      { seed: SEED, numRuns: 200 },
    );
    const model = createModel({ p: [0.5, 0.3, 0.2], r: [0, 1, 2] });
    const g = policyGap(model, [0.5, 0.3, 0.2]);
    expect(g.kl).toBe(0);
    expect(g.lambda).toBe(0);
    expect(g.klToOptimal).toBe(0);
  });

  it("matches a two-outcome closed form (q below the reference mean)", () => {
    // p = (0.7, 0.3), r = (0, 1), q = (0.8, 0.2): Δ = KL(q‖p); the optimum at Δ is Bernoulli(q*) with
    // q* > 0.3 and KL(Bernoulli(q*)‖Bernoulli(0.3)) = Δ (solved here by Brent's method on the closed form).
    const model = createModel({ p: [0.7, 0.3], r: [0, 1] });
    const g = policyGap(model, [0.8, 0.2]);
    const bern = (a: number, b: number) => a * Math.log(a / b) + (1 - a) * Math.log((1 - a) / (1 - b));
    const delta = bern(0.2, 0.3);
    close(g.kl, delta, 1e-14);
    const qStar = brentRoot((x) => bern(x, 0.3) - delta, 0.3, 0.9999).x;
    close(g.optimalReward, qStar, 1e-12);
    close(g.rewardGap, qStar - 0.2, 1e-12);
    close(g.klToOptimal, bern(0.2, qStar), 1e-11);
    close(g.klToOptimalByIdentity, bern(0.2, qStar), 1e-11);
    // λ = log[q*(1 − θ)/((1 − q*)θ)] (the tilt that produces q*).
    close(g.lambda, Math.log((qStar * 0.7) / ((1 - qStar) * 0.3)), 1e-11);
    // A binary q above the mean is its own optimum: gap 0.
    const above = policyGap(model, [0.4, 0.6]);
    expect(above.klToOptimal).toBeLessThanOrEqual(1e-14);
    expect(Math.abs(above.rewardGap)).toBeLessThanOrEqual(1e-14);
  });

  it("mass off the support gives KL = +∞ and no NaN", () => {
    const model = createModel({ p: [0.5, 0, 0.5], r: [0, 5, 1] });
    const g = policyGap(model, [0.25, 0.5, 0.25]);
    expect(g.kl).toBe(INF);
    expect(g.klToOptimal).toBe(INF);
    expect(g.klToOptimalByIdentity).toBe(INF);
    expect(g.saturated).toBe(true);
    expect(g.optimalReward).toBe(1);
    close(g.reward, 0.25 * 0 + 0.5 * 5 + 0.25 * 1, 2 * EPS);
    close(g.rewardGap, 1 - 2.75, 2 * EPS);
    for (const v of Object.values(g)) expect(Number.isNaN(v)).toBe(false);
  });

  it("q = p(·|Y*) is always reported saturated, with gap 0 (property)", () => {
    fc.assert(
      fc.property(
        modelAndPolicy.filter((s) => new Set(s.r.filter((_, i) => s.counts[i]! > 0)).size > 1),
        (s) => {
          const model = createModel({ counts: s.counts, r: s.r });
          const top = tiltLogProbs(model, tiltAt(model, INF));
          const g = policyGap(model, inputOrder(model, Array.from(top, Math.exp)));
          // KL(p(·|Y*)‖p) = log 1/p* exactly; rounding must not make it look unsaturated.
          expect(g.saturated).toBe(true);
          close(g.kl, model.klMax, 1e-14, 1e-15);
          // E_q r = r_max Σ q, and Σ q = 1 to rounding.
          expect(Math.abs(g.rewardGap)).toBeLessThanOrEqual(4 * EPS * Math.abs(model.rMax));
          expect(g.klToOptimal).toBeLessThanOrEqual(1e-14);
          expect(g.klToOptimalByIdentity).toBeLessThanOrEqual(1e-14);
        },
      ),
      { seed: SEED, numRuns: 200 },
    );
  });

  it("saturated policies: on the argmax the gap is KL(q‖p) − log 1/p*, elsewhere +∞", () => {
    // p = (0.5, 0.3, 0.2), r = (0, 1, 2): q = δ_top is the saturated optimum itself.
    const model = createModel({ p: [0.5, 0.3, 0.2], r: [0, 1, 2] });
    const top = policyGap(model, [0, 0, 1]);
    expect(top.saturated).toBe(true);
    expect(top.lambda).toBe(INF);
    close(top.kl, Math.log(5), 2 * EPS);
    expect(top.optimalReward).toBe(2);
    expect(top.rewardGap).toBe(0);
    expect(top.klToOptimal).toBeLessThanOrEqual(1e-15);
    expect(top.klToOptimalByIdentity).toBeLessThanOrEqual(1e-15);
    // Tied top rewards: p = (0.5, 0.25, 0.25), r = (0, 1, 1), q = (0, 0.9, 0.1).
    // KL(q‖p) = 0.9 log 3.6 + 0.1 log 0.4 exceeds log 2, and KL(q‖p(·|top)) = 0.9 log 1.8 + 0.1 log 0.2
    // (closed forms).
    const tied = createModel({ p: [0.5, 0.25, 0.25], r: [0, 1, 1] });
    const t = policyGap(tied, [0, 0.9, 0.1]);
    expect(t.saturated).toBe(true);
    close(t.kl, 0.9 * Math.log(3.6) + 0.1 * Math.log(0.4), 1e-14);
    close(t.klToOptimal, 0.9 * Math.log(1.8) + 0.1 * Math.log(0.2), 1e-14);
    close(t.klToOptimalByIdentity, t.klToOptimal, 1e-14);
    expect(t.rewardGap).toBe(0);
    // KL(q‖p) ≥ log 1/p* but mass below the top: the saturated optimum p(·|top) gives KL(q‖φ) = +∞.
    const low = createModel({ p: [0.9, 0.1], r: [1, 0] });
    const l = policyGap(low, [0, 1]);
    expect(l.saturated).toBe(true);
    expect(l.klToOptimal).toBe(INF);
    expect(l.klToOptimalByIdentity).toBe(INF);
    expect(l.rewardGap).toBe(1);
  });
});

describe("policyGap input validation", () => {
  const model = createModel({ p: [0.5, 0.5], r: [0, 1] });
  const fieldOf = (policy: unknown, field?: string): string => {
    try {
      policyGap(model, policy, field);
    } catch (e) {
      expect(e).toBeInstanceOf(InputError);
      return (e as InputError).field;
    }
    throw new Error("accepted a bad policy");
  };

  it("names the policy or the entry that is wrong", () => {
    expect(fieldOf([1])).toBe("policy");
    expect(fieldOf([0.2, 0.3, 0.5])).toBe("policy");
    expect(fieldOf([-0.1, 1.1])).toBe("policy[0]");
    expect(fieldOf([0.5, Number.NaN])).toBe("policy[1]");
    expect(fieldOf([0.5, INF])).toBe("policy[1]");
    expect(fieldOf([0.5, "0.5"])).toBe("policy[1]");
    expect(fieldOf([0.5, null])).toBe("policy[1]");
    expect(fieldOf([0.5, 0.4])).toBe("policy");
    expect(fieldOf([0.6, 0.6])).toBe("policy");
    expect(fieldOf("0.5,0.5")).toBe("policy");
    expect(fieldOf(undefined)).toBe("policy");
    expect(fieldOf({ 0: 0.5, 1: 0.5, length: 2 })).toBe("policy");
    expect(fieldOf([0.5, -0.5], "--policy")).toBe("--policy[1]");
    expect(() => policyGap(model, [0.5, 0.4])).toThrow(/sum to 0\.9/);
  });

  it("accepts typed arrays and sums within 1e-9 of 1", () => {
    expect(() => policyGap(model, Float64Array.from([0.5, 0.5]))).not.toThrow();
    expect(() => policyGap(model, [0.5, 0.5 + 5e-10])).not.toThrow();
  });
});
