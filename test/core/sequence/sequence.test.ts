import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bestOfN, bonOutcomeLogProbs } from "../../../src/core/bon.js";
import { klFromLogs } from "../../../src/core/divergence.js";
import { createModel, type Model } from "../../../src/core/model.js";
import { bonSequence } from "../../../src/core/sequence/bonSequence.js";
import { latticeOf } from "../../../src/core/sequence/lattice.js";
import { latticeRoughness, MAX_ROUGHNESS, quantiseModel } from "../../../src/core/sequence/quantise.js";
import { DIRECT_MAX_POINTS, sumLaw } from "../../../src/core/sequence/sumLaw.js";
import { lambdaForKl, tiltLogProbs } from "../../../src/core/tilt.js";
import { close, SEED, thrown } from "../../support/assert.js";

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

describe("a sparse lattice past the direct engine: the compositions are enumerated", () => {
  // Levels 0, 37, 101 and 253 steps apart: at n = 9 the law of S_n spans 2278 lattice points, past the
  // direct engine, and has light residue classes the FFT would resolve point by point. Independent
  // reference: best-of-N on the product model of all 4^9 sequences (integer rewards, so equal sums tie
  // exactly there too).
  it("n = 9, Δ = 0.3: method enumeration, reward, KL(π‖p^n) and KL(π‖φ^⊗n) as the product model's", () => {
    const model = createModel({ p: [0.4, 0.3, 0.2, 0.1], r: [0, 37, 101, 253] });
    expect(latticeOf(model)).toBeDefined();
    const n = 9;
    const delta = 0.3;
    const got = bonSequence(model, n, delta);
    expect(got.method).toBe("enumeration");
    const { product, tokens } = productModel(model, n);
    const direct = bestOfN(product, { logN: n * delta });
    close(got.bon.rewardPerToken * n, direct.reward, 1e-12, 1e-12);
    close(got.bon.klToReference, direct.kl, 1e-11, 1e-13);
    const phi = tiltLogProbs(model, lambdaForKl(model, delta).point);
    const logPhiN = Float64Array.from(tokens, (seq) => seq.reduce((acc, y) => acc + phi[y]!, 0));
    close(got.bon.klToOptimal, klFromLogs(bonOutcomeLogProbs(product, direct), logPhiN), 1e-9, 1e-12);
  });
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

  it("rejects a non-integer length, a negative rate and a bad grid, naming the field", () => {
    const model = createModel({ p: [0.5, 0.5], r: [0, 1] });
    expect(() => bonSequence(model, 2.5, 0.1)).toThrow(/length/);
    expect(() => bonSequence(model, 10, -1)).toThrow(/klRate/);
    for (const grid of [0, -1, Number.NaN, 1e-9]) {
      expect(thrown(() => bonSequence(piModel, 10, 0.1, { grid })).field).toBe("grid");
    }
  });
});

/** Rewards 0, 1, π: not on any lattice. */
const piModel = createModel({ p: [0.5, 0.25, 0.25], r: [0, 1, Math.PI] });

describe("non-lattice rewards", () => {
  it("short sequences: exact by enumeration, against best-of-N on all p^n sequences", () => {
    for (const n of [1, 3, 6]) {
      const got = bonSequence(piModel, n, 0.3);
      expect(got).toMatchObject({ method: "enumeration", grid: null, rewardErrorPerToken: 0 });
      // Independent: the product model of all 3^n sequences, best-of-N with N = e^{nΔ} on it (MATH §2).
      const { product } = productModel(piModel, n);
      const direct = bestOfN(product, { logN: n * 0.3 });
      close(got.bon.rewardPerToken * n, direct.reward, 1e-12, 1e-12);
      close(got.bon.klToReference, direct.kl, 1e-11, 1e-13);
    }
  });

  it("quantisation bound: |E r(BoN_r) − E q(BoN_q)| ≤ h/2 per token, and the same for x* (property)", () => {
    // Proof in quantise.ts. The exact side is the enumeration of all compositions (n ≤ 12).
    const models = fc.record({
      levels: fc.uniqueArray(fc.double({ min: -3, max: 3, noNaN: true }), { minLength: 3, maxLength: 5 }),
      weights: fc.array(fc.double({ min: 0.05, max: 1, noNaN: true }), { minLength: 5, maxLength: 5 }),
      n: fc.integer({ min: 1, max: 12 }),
      delta: fc.double({ min: 0.01, max: 0.6, noNaN: true }),
      h: fc.double({ min: 0.01, max: 1, noNaN: true }),
    });
    fc.assert(
      fc.property(models, ({ levels, weights, n, delta, h }) => {
        const model = createModel({ counts: weights.slice(0, levels.length), r: levels });
        const exact = bonSequence(model, n, delta);
        const grid = bonSequence(model, n, delta, { grid: h });
        expect(grid.grid).toBe(h);
        expect(grid.rewardErrorPerToken).toBe(h / 2);
        const slack = 1e-12 * (1 + Math.abs(exact.xStar));
        expect(Math.abs(grid.bon.rewardPerToken - exact.bon.rewardPerToken)).toBeLessThanOrEqual(
          h / 2 + slack,
        );
        expect(Math.abs(grid.xStar - exact.xStar)).toBeLessThanOrEqual(h / 2 + slack);
      }),
      { seed: SEED, numRuns: 60 },
    );
  });

  it("a fine lattice against a coarse grid of it: the same bound, on exact lattice engines", () => {
    // Rewards on a lattice of step 0.01; quantised to h = 0.25 the best-of-N reward moves by ≤ h/2.
    const model = createModel({ p: [0.3, 0.3, 0.2, 0.2], r: [0, 0.37, 1.01, 2.53] });
    // (n·span + 1 ≤ 2048 here, so the fine lattice takes the direct convolution.)
    for (const n of [3, 8]) {
      const fine = bonSequence(model, n, 0.2);
      expect(fine.grid).toBeNull();
      const coarse = bonSequence(model, n, 0.2, { grid: 0.25 });
      expect(Math.abs(coarse.bon.rewardPerToken - fine.bon.rewardPerToken)).toBeLessThanOrEqual(0.125);
    }
  });

  it("long sequences: an automatic grid the FFT engine resolves, and the theorem still shows", () => {
    const runs = [2000, 20_000, 200_000].map((n) => bonSequence(piModel, n, 0.3));
    for (const r of runs) {
      expect(r.method).toBe("fft");
      expect(r.grid).toBeGreaterThan(0);
      expect(r.rewardErrorPerToken).toBe(r.grid! / 2);
      // The reward per token approaches the quantised model's x*, which is within h/2 of the true one.
      expect(r.gapTimesLength).toBeGreaterThan(0);
      close(r.xStar, bonSequence(piModel, 6, 0.3).xStar, 0, r.grid! / 2);
    }
    for (let i = 1; i < runs.length; i++) {
      expect(runs[i]!.bon.klToOptimalPerToken).toBeLessThan(runs[i - 1]!.bon.klToOptimalPerToken);
    }
  });

  it("the automatic grid keeps only smooth lattices: every point by the FFT, none from the fallback", () => {
    // latticeRoughness ≤ MAX_ROUGHNESS means each residue class carries its share of the mass; then the
    // shifted FFT resolves every point of S_n and agrees with the direct convolution (here n·span ≤ 8192).
    let checked = 0;
    for (const S of [8, 16, 32]) {
      for (const n of [60, 120, 250, 500]) {
        const q = quantiseModel(piModel, Math.PI / S).model;
        const lat = latticeOf(q)!;
        if (n * lat.span + 1 > DIRECT_MAX_POINTS) continue;
        if (latticeRoughness(lat, n, 0) > MAX_ROUGHNESS) continue;
        // The roughness is that of the law tilted at θ = 0: the range is its bulk, mean ± 6 sd.
        const half = 6 * Math.sqrt(n * q.variance);
        const fft = sumLaw(q, n, { method: "fft", range: [n * q.mean - half, n * q.mean + half] });
        const direct = sumLaw(q, n, { method: "direct" });
        expect(fft.directPoints).toBe(0);
        for (let i = 0; i < fft.logPmf.length; i++) {
          const d = direct.logPmf[fft.kMin + i]!;
          if (d > -700) close(fft.logPmf[i]!, d, 1e-9, 1e-12);
        }
        checked++;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(3);
  });
});

describe("bonkl sequence --sweep progress on stderr", () => {
  const ROOT = resolve(import.meta.dirname, "..", "..", "..");
  const args = [
    "bin/bonkl.mjs",
    "sequence",
    "--model",
    "ternary",
    "--sweep",
    "10,20,40,80",
    "--kl-rate",
    "0.5",
  ];
  it("prints nothing on stderr when it is not a terminal", () => {
    const run = spawnSync(process.execPath, [...args, "--json"], { cwd: ROOT, encoding: "utf8" });
    expect(run.status).toBe(0);
    expect(run.stderr).toBe("");
    expect(JSON.parse(run.stdout)).toHaveLength(4);
  });
  it.runIf(existsSync("/usr/bin/script"))(
    "draws a bar on a terminal (run under script(1), a pseudo-terminal)",
    () => {
      const command = [process.execPath, ...args, "--json", "> /dev/null"].join(" ");
      const run = spawnSync("/usr/bin/script", ["-qec", command, "/dev/null"], {
        cwd: ROOT,
        encoding: "utf8",
      });
      expect(run.status).toBe(0);
      expect(run.stdout).toMatch(/bonkl sequence \[/);
      expect(run.stdout).toMatch(/4\/4/);
    },
  );
});
