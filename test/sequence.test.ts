import { describe, expect, it } from "vitest";
import { bestOfN, bonOutcomeLogProbs } from "../src/core/bon.js";
import { klFromLogs } from "../src/core/divergence.js";
import { createModel, type Model } from "../src/core/model.js";
import { bonSequence } from "../src/core/sequence/bonSequence.js";
import { lambdaForKl, tiltLogProbs } from "../src/core/tilt.js";
import { close } from "./support/assert.js";

/** All p^n sequences of a small model, as one model whose reward is the summed reward. */
function productModel(model: Model, n: number): { product: Model; tokens: number[][] } {
  const m = model.size;
  const tokens: number[][] = [];
  const p: number[] = [];
  const r: number[] = [];
  for (let code = 0; code < m ** n; code++) {
    const seq: number[] = [];
    let c = code;
    for (let i = 0; i < n; i++) {
      seq.push(c % m);
      c = Math.floor(c / m);
    }
    tokens.push(seq);
    p.push(seq.reduce((acc, y) => acc * model.p[y]!, 1));
    r.push(seq.reduce((acc, y) => acc + model.r[y]!, 0));
  }
  return { product: createModel({ counts: p, r }), tokens };
}

describe("best-of-N over sequences against enumeration of all p^n sequences", () => {
  const ternary = createModel({ p: [0.5, 0.3, 0.2], r: [0, 1, 2] });
  const skewed = createModel({ p: [0.7, 0.25, 0.05], r: [-1, 0, 2] });
  for (const [name, model] of [
    ["ternary", ternary],
    ["skewed", skewed],
  ] as const) {
    for (const n of [1, 2, 4, 6]) {
      for (const delta of [0.05, 0.4]) {
        it(`${name}, n = ${n}, Δ = ${delta}: reward, KL(π‖p^n) and KL(π‖φ^⊗n)`, () => {
          const { product, tokens } = productModel(model, n);
          const got = bonSequence(model, n, delta);
          // Best-of-N on the product model directly (N = e^{nΔ}).
          const direct = bestOfN(product, { logN: n * delta });
          close(got.bon.rewardPerToken * n, direct.reward, 1e-12, 1e-12);
          close(got.bon.klToReference, direct.kl, 1e-11, 1e-13);
          // KL to the product of tilts, summed over every sequence.
          const phi = tiltLogProbs(model, lambdaForKl(model, delta).point);
          const logPhiN = Float64Array.from(tokens, (seq) => seq.reduce((acc, y) => acc + phi[y]!, 0));
          const logPi = bonOutcomeLogProbs(product, direct);
          close(got.bon.klToOptimal, klFromLogs(logPi, logPhiN), 1e-9, 1e-12);
        });
      }
    }
  }
});

describe("the paper's theorem: best-of-e^{nΔ} approaches the optimum per token", () => {
  // Yang et al. 2024: E R/n → x*, KL(π_N‖p^n)/n → Δ, KL(π_N‖φ^⊗n)/n → 0; MATH §3 adds the finite-n
  // laws n(x* − E R/n) ≈ log n/(2λ*) + O(1) and KL(π_N‖φ^⊗n) ≈ ½ log n + O(1).
  for (const [name, spec, delta] of [
    ["ternary", { p: [0.5, 0.3, 0.2], r: [0, 1, 2] }, 0.5],
    ["bernoulli:0.3", { p: [0.7, 0.3], r: [0, 1] }, 0.2],
  ] as const) {
    it(`${name}, Δ = ${delta}`, () => {
      const model = createModel(spec);
      const ns = [10, 100, 1000, 10_000, 100_000, 1_000_000];
      const runs = ns.map((n) => bonSequence(model, n, delta));
      for (let i = 1; i < runs.length; i++) {
        const [a, b] = [runs[i - 1]!, runs[i]!];
        expect(Math.abs(b.bon.rewardPerToken - b.xStar)).toBeLessThan(
          Math.abs(a.bon.rewardPerToken - a.xStar),
        );
        expect(Math.abs(b.bon.klToReferencePerToken - delta)).toBeLessThan(
          Math.abs(a.bon.klToReferencePerToken - delta),
        );
        expect(b.bon.klToOptimalPerToken).toBeLessThan(a.bon.klToOptimalPerToken);
      }
      const last = runs[runs.length - 1]!;
      close(last.bon.rewardPerToken, last.xStar, 1e-4);
      close(last.bon.klToReferencePerToken, delta, 1e-4);
      expect(last.bon.klToOptimalPerToken).toBeLessThan(1e-4);
      // The O(1) remainders stay bounded while log n grows by a factor 5.
      for (const r of runs.slice(2)) {
        const n = r.length;
        expect(Math.abs(r.bon.klToOptimal - 0.5 * Math.log(n))).toBeLessThan(2);
        expect(Math.abs(r.gapTimesLength - Math.log(n) / (2 * r.lambda))).toBeLessThan(2 / r.lambda);
        // KL(π_N‖p^n) − nΔ stays near −1 (the folklore bound gives nΔ − 1 + e^{−nΔ}).
        expect(r.bon.klToReference - n * delta).toBeGreaterThan(-3);
        expect(r.bon.klToReference).toBeLessThanOrEqual(r.bon.klBound);
      }
    });
  }
});

describe("bonSequence edge cases", () => {
  it("saturated budget: reward → r_max, KL to the optimum is +∞ (the optimum is p^n(·|Y*^n))", () => {
    const model = createModel({ p: [0.5, 0.3, 0.2], r: [0, 1, 2] });
    const r = bonSequence(model, 50, 2);
    expect(r.saturated).toBe(true);
    expect(r.lambda).toBe(Number.POSITIVE_INFINITY);
    expect(r.bon.klToOptimal).toBe(Number.POSITIVE_INFINITY);
    close(r.bon.rewardPerToken, 2, 1e-6);
  });

  it("a constant reward gives λ = 0 and no gap", () => {
    const r = bonSequence(createModel({ p: [0.5, 0.5], r: [1, 1] }), 10, 0.3);
    expect(r.lambda).toBe(0);
    expect(r.gapTimesLength).toBe(0);
  });

  it("rejects a non-integer length, a negative rate and non-lattice rewards, naming the field", () => {
    const model = createModel({ p: [0.5, 0.5], r: [0, 1] });
    expect(() => bonSequence(model, 2.5, 0.1)).toThrow(/length/);
    expect(() => bonSequence(model, 10, -1)).toThrow(/klRate/);
    expect(() => bonSequence(createModel({ p: [0.5, 0.25, 0.25], r: [0, 1, Math.PI] }), 10, 0.1)).toThrow(
      /lattice/,
    );
  });
});
