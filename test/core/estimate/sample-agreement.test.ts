import { describe, expect, it } from "vitest";
import { presetSpec } from "../../../src/app/presets.js";
import { bestOfN } from "../../../src/core/bon.js";
import { bootstrap, Rng } from "../../../src/core/estimate/bootstrap.js";
import { empiricalLaw, pluginBestOfN, tiltEstimate } from "../../../src/core/estimate/empirical.js";
import { responseSampler, sampleResponses } from "../../../src/core/estimate/sample.js";
import { unbiasedBonReward } from "../../../src/core/estimate/unbiased.js";
import { createModel, type Model } from "../../../src/core/model.js";
import { bonSequence } from "../../../src/core/sequence/bonSequence.js";
import { lambdaForKl } from "../../../src/core/tilt.js";

/**
 * Every estimator from samples (MATH §5) against the exact engine, on samples drawn by the sampler.
 *
 * Agreement criterion: |estimate − exact| ≤ Z · (bootstrap standard error), Z = 5. For an estimator that
 * is (asymptotically) normal and unbiased, a check fails wrongly with probability 2Φ(−5) = 5.7e-7
 * (scipy.stats.norm.sf(5)·2); with the ~100 checks below, under 1e-4 for an arbitrary seed. The seeds
 * are fixed, so the outcome is reproducible. Each group also shows the check has power: the exact value
 * of a neighbouring setting (N + 1, another budget) lies outside the same bound.
 */
const Z = 5;

const ternary = createModel(presetSpec("ternary")!);
/** Twelve outcomes with non-lattice rewards, two of them tied, and unequal p. */
const uneven = createModel({
  p: [0.2, 0.15, 0.12, 0.1, 0.09, 0.08, 0.07, 0.06, 0.05, 0.04, 0.03, 0.01],
  r: [-1.3, 0.2, 0.2, 0.71, 1.05, -0.4, 2.2, 1.9, 0.05, 3.1, 2.6, 4.4],
});

function draw(model: Model, length: number, count: number, seed: number): Float64Array {
  return sampleResponses(responseSampler(model, length), new Rng(seed), count).reward;
}

function expectWithin(estimate: number, exact: number, se: number, what: string): void {
  if (!(Math.abs(estimate - exact) <= Z * se)) {
    throw new Error(`${what}: estimate ${estimate}, exact ${exact}, ${Z}·se = ${Z * se}`);
  }
}

/**
 * Pooled unbiased best-of-N rewards (the mean over prompts of each prompt's R̂_N, N = 1…m) with a
 * bootstrap over prompts, which are independent.
 */
function pooledUnbiased(rewards: Float64Array, prompts: number, m: number, seed: number) {
  const perPrompt: Float64Array[] = [];
  for (let j = 0; j < prompts; j++)
    perPrompt.push(unbiasedBonReward(rewards.subarray(j * m, (j + 1) * m), undefined, m));
  return bootstrap(
    prompts,
    (idx) => {
      const mean = new Float64Array(m);
      for (const j of idx) for (let n = 0; n < m; n++) mean[n]! += perPrompt[j]![n]! / idx.length;
      return mean;
    },
    { seed, replicates: 400 },
  );
}

describe("unbiased best-of-N estimator: exact in expectation (enumeration of every pool)", () => {
  /** Σ over all K^m ordered pools of P(pool) · f(pool): the expectation under m iid draws. */
  function expectation(p: readonly number[], m: number, f: (pool: number[]) => Float64Array): Float64Array {
    const K = p.length;
    let total: Float64Array | undefined;
    const pool = new Array<number>(m).fill(0);
    for (let code = 0; code < K ** m; code++) {
      let c = code;
      let prob = 1;
      for (let i = 0; i < m; i++) {
        pool[i] = c % K;
        prob *= p[pool[i]!]!;
        c = Math.floor(c / K);
      }
      const v = f(pool);
      total ??= new Float64Array(v.length);
      for (let n = 0; n < v.length; n++) total[n]! += prob * v[n]!;
    }
    return total!;
  }

  /** E[g of the best of N iid draws], uniform tie-break, over all K^N ordered draws (independent of bon.ts). */
  function bestOfNByEnumeration(
    p: readonly number[],
    score: readonly number[],
    gold: readonly number[],
    N: number,
  ) {
    return expectation(p, N, (draws) => {
      const best = Math.max(...draws.map((y) => score[y]!));
      const tied = draws.filter((y) => score[y] === best);
      return Float64Array.of(tied.reduce((s, y) => s + gold[y]!, 0) / tied.length);
    })[0]!;
  }

  it("ternary, m = 6 (3^6 pools, ties everywhere): E R̂_N = E max of N, to 1e-12, N = 1…6", () => {
    const p = [0.5, 0.3, 0.2];
    const r = [0, 1, 2];
    const m = 6;
    const mean = expectation(p, m, (pool) =>
      unbiasedBonReward(
        Float64Array.from(pool, (y) => r[y]!),
        undefined,
        m,
      ),
    );
    for (let N = 1; N <= m; N++) {
      const exact = bestOfN(ternary, { n: N }).reward;
      expect(Math.abs(mean[N - 1]! - exact)).toBeLessThan(1e-12);
      expect(Math.abs(bestOfNByEnumeration(p, r, r, N) - exact)).toBeLessThan(1e-12);
    }
  });

  it("a selection score with a tie and a separate gold reward, m = 5: E R̂_N(gold) exact, N = 1…5", () => {
    // Outcomes 1 and 2 tie in score but differ in gold: the estimator must average gold within the tie.
    const p = [0.1, 0.2, 0.3, 0.4];
    const score = [0, 1, 1, 2];
    const gold = [5, -1, 3, 0];
    const m = 5;
    const mean = expectation(p, m, (pool) =>
      unbiasedBonReward(
        Float64Array.from(pool, (y) => score[y]!),
        Float64Array.from(pool, (y) => gold[y]!),
        m,
      ),
    );
    for (let N = 1; N <= m; N++) {
      expect(Math.abs(mean[N - 1]! - bestOfNByEnumeration(p, score, gold, N))).toBeLessThan(1e-12);
    }
  });
});

describe("single step: estimators from samples agree with the exact values", () => {
  it("unbiased R̂_N pooled over 400 prompts × 16 responses, N = 1…16, two models", () => {
    for (const [name, model, seed] of [
      ["ternary", ternary, 101],
      ["uneven", uneven, 102],
    ] as const) {
      const P = 400;
      const m = 16;
      const boot = pooledUnbiased(draw(model, 1, P * m, seed), P, m, seed + 1);
      const exact = Array.from({ length: m }, (_, n) => bestOfN(model, { n: n + 1 }).reward);
      for (let n = 0; n < m; n++) {
        expectWithin(boot.estimate[n]!, exact[n]!, boot.standardError[n]!, `${name} N = ${n + 1}`);
      }
      // Power: the estimate at N is told apart from the exact value at N + 1 for small N.
      for (let n = 0; n < 3; n++) {
        expect(Math.abs(boot.estimate[n]! - exact[n + 1]!)).toBeGreaterThan(Z * boot.standardError[n]!);
      }
    }
  });

  it("plug-in best-of-N (reward, exact-with-ties KL, win rate) and the tilt (λ, reward) on 20000 samples", () => {
    for (const [name, model, seed] of [
      ["ternary", ternary, 201],
      ["uneven", uneven, 202],
    ] as const) {
      const score = draw(model, 1, 20_000, seed);
      const ns = [2, 8, 32];
      const kls = [0.05, 0.3, 1];
      const stats = (x: Float64Array): number[] => {
        const law = empiricalLaw(x);
        const out: number[] = [];
        for (const n of ns) {
          const b = pluginBestOfN(law, { n });
          out.push(b.reward, b.kl, b.winRate);
        }
        for (const kl of kls) {
          const t = tiltEstimate(law, kl);
          out.push(t.reward, t.lambda);
        }
        return out;
      };
      const boot = bootstrap(score.length, (idx) => stats(Float64Array.from(idx, (i) => score[i]!)), {
        seed: seed + 1,
        replicates: 200,
      });
      const exact: number[] = [];
      for (const n of ns) {
        const b = bestOfN(model, { n });
        exact.push(b.reward, b.kl, b.winRate);
      }
      for (const kl of kls) {
        const t = lambdaForKl(model, kl);
        expect(t.saturated).toBe(false);
        exact.push(t.point.reward, t.lambda);
      }
      exact.forEach((v, j) => {
        expectWithin(boot.estimate[j]!, v, boot.standardError[j]!, `${name} component ${j}`);
      });
      // Power: the tilt's reward at one budget is told apart from the exact reward at the next.
      expect(Math.abs(boot.estimate[9]! - exact[11]!)).toBeGreaterThan(Z * boot.standardError[9]!);
    }
  });
});

describe("sequences: estimates from samples of S_n agree with the exact sequence values", () => {
  const n = 8;
  const delta = 0.25;

  it("unbiased R̂_N of S_8 (300 prompts × 12 responses) against best-of-N over sequences, N = 1…12", () => {
    const P = 300;
    const m = 12;
    const boot = pooledUnbiased(draw(ternary, n, P * m, 301), P, m, 302);
    for (let N = 1; N <= m; N++) {
      const exact = n * bonSequence(ternary, n, delta, { logN: Math.log(N) }).bon.rewardPerToken;
      expectWithin(boot.estimate[N - 1]!, exact, boot.standardError[N - 1]!, `S_8, N = ${N}`);
    }
  });

  it("plug-in best-of-e^{nΔ} (real N) and the tilt at budget nΔ on 20000 responses of length 8", () => {
    // The optimal sequence policy is the tilt of p^n by e^{λ R}; R is sufficient, so tilting the law of
    // S_n at KL budget nΔ gives the same λ* and reward n·x* (MATH §3).
    const exact = bonSequence(ternary, n, delta);
    const S = draw(ternary, n, 20_000, 401);
    const stats = (x: Float64Array): number[] => {
      const law = empiricalLaw(x);
      const b = pluginBestOfN(law, { logN: n * delta });
      const t = tiltEstimate(law, n * delta);
      return [b.reward, b.kl, t.reward, t.lambda];
    };
    const boot = bootstrap(S.length, (idx) => stats(Float64Array.from(idx, (i) => S[i]!)), {
      seed: 402,
      replicates: 200,
    });
    const values = [n * exact.bon.rewardPerToken, exact.bon.klToReference, n * exact.xStar, exact.lambda];
    values.forEach((v, j) => {
      expectWithin(boot.estimate[j]!, v, boot.standardError[j]!, `S_8 component ${j}`);
    });
    // Power: best-of-N's reward is told apart from the optimum's at the same budget (their gap is finite-n).
    expect(Math.abs(boot.estimate[0]! - values[2]!)).toBeGreaterThan(Z * boot.standardError[0]!);
  });
});
