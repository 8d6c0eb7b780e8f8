import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bestOfN, bonOutcomeLogProbs } from "../../../src/core/bon.js";
import { InputError } from "../../../src/core/errors.js";
import { bootstrap, quantileSorted, Rng, resampleIndices } from "../../../src/core/estimate/bootstrap.js";
import { empiricalLaw, pluginBestOfN, tiltEstimate } from "../../../src/core/estimate/empirical.js";
import {
  bonRankWeight,
  bonRankWeights,
  logChoose,
  logFactorial,
  unbiasedBonReward,
} from "../../../src/core/estimate/unbiased.js";
import { createModel } from "../../../src/core/model.js";
import { lambdaForKl, tiltAt, tiltLogProbs } from "../../../src/core/tilt.js";
import { close, EPS, SEED } from "../../support/assert.js";

const f64 = (x: number[]) => Float64Array.from(x);

/** E[g of the best by score] over all C(m, N) subsets, uniform tie-break among tied maxima (brute force). */
function bruteForce(score: number[], gold: number[], n: number): number {
  const m = score.length;
  let total = 0;
  let subsets = 0;
  for (let mask = 0; mask < 1 << m; mask++) {
    let bits = 0;
    for (let i = 0; i < m; i++) if (mask & (1 << i)) bits++;
    if (bits !== n) continue;
    let best = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < m; i++) if (mask & (1 << i)) best = Math.max(best, score[i]!);
    let s = 0;
    let c = 0;
    for (let i = 0; i < m; i++) {
      if (mask & (1 << i) && score[i] === best) {
        s += gold[i]!;
        c++;
      }
    }
    total += s / c;
    subsets++;
  }
  return total / subsets;
}

describe("log-factorials and rank weights", () => {
  it("logFactorial: table and Stirling branch agree with sums of logs", () => {
    // log 5! = log 120; across the table edge (256/257) the Stirling value continues the sum of logs.
    close(logFactorial(5), Math.log(120), 2 * EPS);
    let s = 0;
    for (let k = 2; k <= 1000; k++) s += Math.log(k);
    close(logFactorial(1000), s, 1e-14);
    close(logFactorial(257) - logFactorial(256), Math.log(257), 1e-12);
    close(logChoose(10, 3), Math.log(120), 4 * EPS);
    expect(() => logFactorial(-1)).toThrow(InputError);
  });

  it("rewards [1,2,3,4], N = 2: weights [0, 1/6, 1/3, 1/2] (C(i−1,1)/C(4,2))", () => {
    const w = bonRankWeights(4, 2);
    const expected = [0, 1 / 6, 1 / 3, 1 / 2];
    for (let i = 0; i < 4; i++) close(w[i]!, expected[i]!, 2 * EPS);
  });

  it("the recurrence matches log-gamma weights and sums to 1 (Σ_i C(i−1,N−1) = C(m,N))", () => {
    for (const m of [1, 7, 100, 1000]) {
      for (const n of [1, 2, Math.ceil(m / 3), m].filter((k) => k <= m)) {
        const w = bonRankWeights(m, n);
        let s = 0;
        for (let i = 1; i <= m; i++) {
          s += w[i - 1]!;
          const lg = bonRankWeight(i, m, n);
          if (lg > 1e-300) close(w[i - 1]!, lg, 1e-11);
        }
        close(s, 1, 1e-12);
      }
    }
  });
  it("m = 60, N = 20: both agree with exact rational weights (BigInt binomials) to 1e-14 / 1e-13", () => {
    const choose = (a: bigint, b: bigint) => {
      let r = 1n;
      for (let k = 0n; k < b; k++) r = (r * (a - k)) / (k + 1n);
      return r;
    };
    const den = choose(60n, 20n);
    const w = bonRankWeights(60, 20);
    for (let i = 20; i <= 60; i++) {
      // C(i−1, 19)·10^40 / C(60, 20) is exact to 1 part in 10^20 for every i ≥ 20 (C(60,20) ≈ 4.2e15).
      const exact = Number((choose(BigInt(i - 1), 19n) * 10n ** 40n) / den) / 1e40;
      close(w[i - 1]!, exact, 1e-14);
      close(bonRankWeight(i, 60, 20), exact, 1e-13);
    }
  });
});

describe("unbiasedBonReward", () => {
  it("[1,2,3,4], N = 2 → 10/3 (0·1 + 2/6 + 6/6 + 12/6 … = 20/6)", () => {
    const r = unbiasedBonReward(f64([1, 2, 3, 4]), undefined, 2);
    close(r[1]!, 10 / 3, 4 * EPS);
  });

  it("[1,2,2,3], N = 2 → 2.5 (the 6 pairs have maxima 2,2,3,2,3,3)", () => {
    close(unbiasedBonReward(f64([1, 2, 2, 3]), undefined, 2)[1]!, 2.5, 4 * EPS);
  });

  it("N = 1 gives the mean, N = m the maximum", () => {
    const x = [3.5, -1, 2, 2, 10, 0.25];
    const r = unbiasedBonReward(f64(x), undefined, 100);
    expect(r.length).toBe(6);
    close(r[0]!, x.reduce((a, b) => a + b) / 6, 4 * EPS);
    expect(r[5]).toBe(10);
  });

  it("scores (0.1, 0.5, 0.3, 0.9), gold (1, 2, 0, −1), N = 2 → 1/6 (by score: gold 1, 0, 2, −1)", () => {
    const r = unbiasedBonReward(f64([0.1, 0.5, 0.3, 0.9]), f64([1, 2, 0, -1]), 2);
    close(r[1]!, 1 / 6, 8 * EPS);
  });

  it("equals the exact average over all C(m, N) subsets, ties included (brute force)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 9 }).chain((m) =>
          fc.record({
            score: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: m, maxLength: m }),
            gold: fc.array(fc.integer({ min: -20, max: 20 }), { minLength: m, maxLength: m }),
          }),
        ),
        ({ score, gold }) => {
          const m = score.length;
          const withGold = unbiasedBonReward(f64(score), f64(gold), m);
          const self = unbiasedBonReward(f64(score), undefined, m);
          for (let n = 1; n <= m; n++) {
            close(withGold[n - 1]!, bruteForce(score, gold, n), 1e-13, 1e-13);
            close(self[n - 1]!, bruteForce(score, score, n), 1e-13, 1e-13);
          }
        },
      ),
      { seed: SEED, numRuns: 200 },
    );
  });

  it("is exactly unbiased: its mean over every sample set of a small model is bestOfN's reward", () => {
    // Outcomes with a tie in the score (1, 1) but different gold: the tie-break matters for gold.
    const p = [0.4, 0.3, 0.2, 0.1];
    const score = [0, 1, 1, 2];
    const gold = [5, -1, 3, 0.5];
    const model = createModel({ p, r: score });
    const m = 5;
    const sums = new Float64Array(m);
    const goldSums = new Float64Array(m);
    const pick = new Array<number>(m).fill(0);
    // All 4^5 ordered sample sets, with their probabilities.
    for (let code = 0; code < 4 ** m; code++) {
      let c = code;
      let prob = 1;
      for (let j = 0; j < m; j++) {
        pick[j] = c % 4;
        c = Math.floor(c / 4);
        prob *= p[pick[j]!]!;
      }
      const s = f64(pick.map((y) => score[y]!));
      const g = f64(pick.map((y) => gold[y]!));
      const r = unbiasedBonReward(s, undefined, m);
      const rg = unbiasedBonReward(s, g, m);
      for (let n = 0; n < m; n++) {
        sums[n]! += prob * r[n]!;
        goldSums[n]! += prob * rg[n]!;
      }
    }
    for (let n = 1; n <= m; n++) {
      const exact = bestOfN(model, { n });
      close(sums[n - 1]!, exact.reward, 1e-13);
      // E gold under best-of-N: π_N on the outcomes (within a tied level ∝ p) times gold.
      const logpi = bonOutcomeLogProbs(model, exact);
      let eg = 0;
      for (let y = 0; y < 4; y++) eg += Math.exp(logpi[y]!) * gold[y]!;
      close(goldSums[n - 1]!, eg, 1e-12);
    }
  });

  it("truncates at min(nMax, m) and rejects bad input by field", () => {
    expect(unbiasedBonReward(f64([1, 2, 3]), undefined, 2).length).toBe(2);
    expect(unbiasedBonReward(f64([1, 2, 3]), undefined, Number.POSITIVE_INFINITY).length).toBe(3);
    expect(() => unbiasedBonReward(f64([]), undefined, 1)).toThrow(InputError);
    expect(() => unbiasedBonReward(f64([1, Number.NaN]), undefined, 1)).toThrow(/score\[1\]/);
    expect(() => unbiasedBonReward(f64([1, 2]), f64([1]), 1)).toThrow(/gold/);
    expect(() => unbiasedBonReward(f64([1, 2]), undefined, 0)).toThrow(/nMax/);
  });
});

describe("plug-in best-of-N on the empirical law", () => {
  it("equals bestOfN on the model with the sample counts", () => {
    const samples = [0.5, 1, 1, 1, 2, 0.5, 3, 1];
    const law = empiricalLaw(f64(samples));
    const model = createModel({ counts: [2, 4, 1, 1], r: [0.5, 1, 2, 3] });
    for (const n of [1, 1.5, 4, 100]) {
      const a = pluginBestOfN(law, { n });
      const b = bestOfN(model, { n });
      close(a.kl, b.kl, 4 * EPS, 1e-300);
      close(a.reward, b.reward, 4 * EPS);
      close(a.winRate, b.winRate, 4 * EPS);
      expect(a.klBound).toBe(b.klBound);
    }
  });

  it("a 0/1 verifier saturates the KL at log(1/p̂_correct) = log(10/3)", () => {
    const law = empiricalLaw(f64([0, 1, 0, 0, 1, 0, 0, 1, 0, 0]));
    const r = pluginBestOfN(law, { logN: 200 });
    close(r.kl, Math.log(10 / 3), 8 * EPS);
    expect(r.klBound).toBeGreaterThan(r.kl);
  });

  it("gold under best-of-N averages gold within tied scores", () => {
    // Scores 0,1,1 with gold 7,2,4: N → ∞ selects score 1, so gold → (2 + 4)/2 = 3.
    const law = empiricalLaw(f64([0, 1, 1]), f64([7, 2, 4]));
    close(pluginBestOfN(law, { logN: 800 }).gold!, 3, 4 * EPS);
    // N = 1 is the sample mean of gold.
    close(pluginBestOfN(law, { n: 1 }).gold!, 13 / 3, 4 * EPS);
  });
});

describe("tilt estimate with self-normalised weights", () => {
  it("KL̂(λ) = λ Ê_φ r − log Ê_p e^{λr} = Δ, and the reward is the weighted mean (direct sums)", () => {
    const r = [0.3, 1.2, -0.5, 2.0, 0.7, 1.2];
    const g = [1, 0, 2, -1, 3, 0.5];
    const est = tiltEstimate(empiricalLaw(f64(r), f64(g)), 0.2);
    const w = r.map((x) => Math.exp(est.lambda * x));
    const W = w.reduce((a, b) => a + b);
    const er = w.reduce((a, wi, i) => a + wi * r[i]!, 0) / W;
    const eg = w.reduce((a, wi, i) => a + wi * g[i]!, 0) / W;
    const kl = est.lambda * er - Math.log(W / r.length);
    close(kl, 0.2, 1e-12);
    close(est.reward, er, 1e-13);
    close(est.gold!, eg, 1e-13);
    close(est.ess, W ** 2 / w.reduce((a, wi) => a + wi * wi, 0), 1e-13);
    expect(est.trusted).toBe(false);
  });

  it("1 ≤ ESS ≤ m; ESS = m at Δ = 0 and = #top when saturated", () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.integer({ min: -3, max: 3 }), fc.double({ min: -5, max: 5, noNaN: true })), {
          minLength: 1,
          maxLength: 60,
        }),
        fc.double({ min: 0, max: 6, noNaN: true }),
        (r, delta) => {
          const est = tiltEstimate(empiricalLaw(f64(r)), delta);
          expect(est.ess).toBeGreaterThanOrEqual(1);
          expect(est.ess).toBeLessThanOrEqual(r.length);
          expect(Number.isNaN(est.reward)).toBe(false);
        },
      ),
      { seed: SEED, numRuns: 300 },
    );
    const r = f64([1, 2, 3, 3, 0, 3]);
    close(tiltEstimate(empiricalLaw(r), 0).ess, 6, 4 * EPS);
    const sat = tiltEstimate(empiricalLaw(r), 5);
    expect(sat.saturated).toBe(true);
    close(sat.ess, 3, 4 * EPS);
    close(sat.klAchieved, Math.log(2), 4 * EPS);
    expect(tiltEstimate(empiricalLaw(r), 0.1, { minEss: 5 }).trusted).toBe(true);
  });

  it("converges to the exact tilt of the true model as m grows (within 4 bootstrap standard errors)", () => {
    const p = [0.4, 0.3, 0.2, 0.1];
    const values = [0, 1, 2.5, 3];
    const delta = 0.25;
    const truth = lambdaForKl(createModel({ p, r: values }), delta).point;
    expect(truth.reward).toBe(tiltAt(createModel({ p, r: values }), truth.lambda).reward);
    const goldOf = (v: number) => Math.sin(3 * v) + v;
    const logphi = tiltLogProbs(createModel({ p, r: values }), truth);
    const truthGold = values.reduce((a, v, y) => a + Math.exp(logphi[y]!) * goldOf(v), 0);
    const rng = new Rng(SEED);
    let lastError = Number.POSITIVE_INFINITY;
    for (const m of [1000, 30000]) {
      const x = new Float64Array(m);
      for (let i = 0; i < m; i++) {
        const u = rng.nextDouble();
        x[i] = u < 0.4 ? 0 : u < 0.7 ? 1 : u < 0.9 ? 2.5 : 3;
      }
      const gold = x.map((v) => goldOf(v));
      const est = tiltEstimate(empiricalLaw(x, gold), delta);
      // Standard errors of (reward, gold) by resampling the (score, gold) pairs.
      const boot = bootstrap(
        m,
        (idx) => {
          const e = tiltEstimate(
            empiricalLaw(
              x.map((_, i) => x[idx[i]!]!),
              gold.map((_, i) => gold[idx[i]!]!),
            ),
            delta,
          );
          return [e.reward, e.gold!];
        },
        { seed: 11, replicates: 60 },
      );
      expect(boot.estimate[1]).toBe(est.gold);
      const err = Math.abs(est.reward - truth.reward);
      expect(err).toBeLessThan(4 * boot.standardError[0]!);
      expect(Math.abs(est.gold! - truthGold)).toBeLessThan(4 * boot.standardError[1]!);
      expect(est.trusted).toBe(true);
      lastError = Math.min(lastError, err);
    }
    expect(lastError).toBeLessThan(0.05);
  });
});

describe("seeded randomness and the bootstrap", () => {
  it("the generator is reproducible, scrambles small seeds and is roughly uniform", () => {
    const a = new Rng(0);
    const b = new Rng(0);
    const c = new Rng(1);
    const xa = Array.from({ length: 8 }, () => a.nextUint32());
    expect(Array.from({ length: 8 }, () => b.nextUint32())).toEqual(xa);
    expect(Array.from({ length: 8 }, () => c.nextUint32())).not.toEqual(xa);
    const rng = new Rng(2);
    const bins = new Array<number>(10).fill(0);
    let mean = 0;
    for (let i = 0; i < 100000; i++) {
      bins[rng.nextInt(10)]!++;
      mean += rng.nextDouble();
    }
    // Each bin ~ Binomial(1e5, 0.1): sd ≈ 95; the mean of 1e5 uniforms has sd ≈ 0.0009.
    for (const k of bins) expect(Math.abs(k - 10000)).toBeLessThan(500);
    expect(Math.abs(mean / 100000 - 0.5)).toBeLessThan(0.005);
    expect(() => new Rng(-1)).toThrow(InputError);
  });

  it("resamples with replacement in range", () => {
    const idx = resampleIndices(new Rng(3), 50);
    expect(idx.length).toBe(50);
    for (const i of idx) expect(i).toBeLessThan(50);
  });

  it("type-7 quantiles: median of 1..4 is 2.5, quartiles 1.75 and 3.25 (R's quantile default)", () => {
    close(quantileSorted([1, 2, 3, 4], 0.5), 2.5, 0);
    close(quantileSorted([1, 2, 3, 4], 0.25), 1.75, 0);
    close(quantileSorted([1, 2, 3, 4], 0.75), 3.25, 0);
  });

  it("is reproducible for a seed, and its interval covers the estimate", () => {
    const x = f64([0.3, 1.2, -0.5, 2.0, 0.7, 1.2, 3.1, -1, 0, 0.4]);
    const stat = (idx: Uint32Array) => unbiasedBonReward(f64(Array.from(idx, (i) => x[i]!)), undefined, 4);
    const a = bootstrap(x.length, stat, { seed: 42, replicates: 300 });
    const b = bootstrap(x.length, stat, { seed: 42, replicates: 300 });
    const c = bootstrap(x.length, stat, { seed: 43, replicates: 300 });
    expect(Array.from(a.lower)).toEqual(Array.from(b.lower));
    expect(Array.from(a.upper)).toEqual(Array.from(b.upper));
    expect(Array.from(a.lower)).not.toEqual(Array.from(c.lower));
    for (let j = 0; j < 4; j++) {
      expect(a.lower[j]!).toBeLessThanOrEqual(a.estimate[j]!);
      expect(a.upper[j]!).toBeGreaterThanOrEqual(a.estimate[j]!);
      expect(a.standardError[j]!).toBeGreaterThan(0);
    }
  });
});
