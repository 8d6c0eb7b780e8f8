import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { bestOfN, bonOutcomeLogProbs } from "../../../src/core/bon.js";
import { klFromLogs } from "../../../src/core/divergence.js";
import { markovOptimum } from "../../../src/core/markov/asymptotics.js";
import { createMarkovChain, type MarkovChain, type MarkovSpec } from "../../../src/core/markov/chain.js";
import { markovSequence } from "../../../src/core/markov/sequence.js";
import { chainLattice, directLogPmf, markovWindow, windowLogPmf } from "../../../src/core/markov/sumLaw.js";
import { markovTail } from "../../../src/core/markov/tail.js";
import { createModel } from "../../../src/core/model.js";
import { bonSequence } from "../../../src/core/sequence/bonSequence.js";
import { sumLaw } from "../../../src/core/sequence/sumLaw.js";
import { lambdaForKl, tiltLogProbs } from "../../../src/core/tilt.js";
import { close, thrown } from "../../support/assert.js";

const spec3: MarkovSpec = {
  initial: [0.2, 0.5, 0.3],
  transition: [
    [0.5, 0.3, 0.2],
    [0.1, 0.6, 0.3],
    [0.4, 0.4, 0.2],
  ],
  r: [0, 1, 3],
};
const chain3 = createMarkovChain(spec3);

/** Every one of the k^n sequences of a chain, with its probability and summed reward. */
function enumerate(c: MarkovChain, n: number, P: number[][]): { p: number[]; r: number[]; seqs: number[][] } {
  const k = c.k;
  const p: number[] = [];
  const r: number[] = [];
  const seqs: number[][] = [];
  for (let code = 0; code < k ** n; code++) {
    const s: number[] = [];
    let x = code;
    for (let i = 0; i < n; i++) {
      s.push(x % k);
      x = Math.floor(x / k);
    }
    let prob = c.initial[s[0]!]!;
    for (let i = 1; i < n; i++) prob *= P[s[i - 1]!]![s[i]!]!;
    seqs.push(s);
    p.push(prob);
    r.push(s.reduce((acc, y) => acc + c.r[y]!, 0));
  }
  return { p, r, seqs };
}

describe("finite n against exact enumeration of all k^n sequences", () => {
  const P = spec3.transition as number[][];
  for (const n of [1, 2, 4, 7]) {
    it(`law of S_n, n = ${n} (forward recursion)`, () => {
      const { p, r } = enumerate(chain3, n, P);
      const lat = chainLattice(chain3)!;
      const law = directLogPmf(chain3, lat, n);
      const byS = new Map<number, number>();
      for (let i = 0; i < r.length; i++) byS.set(r[i]!, (byS.get(r[i]!) ?? 0) + p[i]!);
      for (const [s, mass] of byS) close(Math.exp(law[s]!), mass, 1e-14);
    });
    for (const delta of [0.05, 0.4]) {
      it(`n = ${n}, Δ = ${delta}: λ_n, optimal reward, BoN reward, KL(π‖p), KL(π‖φ_n)`, () => {
        const { p, r, seqs } = enumerate(chain3, n, P);
        const product = createModel({ counts: p, r });
        const got = markovSequence(chain3, n, delta);
        expect(got.method).toBe("markov-direct");
        // The optimum over sequences is the tilt of the product model at KL = nΔ.
        const sol = lambdaForKl(product, n * delta);
        close(got.lambda, sol.lambda, 1e-10);
        close(got.optimal.rewardPerToken * n, sol.point.reward, 1e-12);
        const direct = bestOfN(product, { logN: n * delta });
        close(got.bon.rewardPerToken * n, direct.reward, 1e-12);
        close(got.bon.klToReference, direct.kl, 1e-11, 1e-13);
        // KL(π_N‖φ_n) summed over every sequence.
        const phi = tiltLogProbs(product, sol.point);
        const pi = bonOutcomeLogProbs(product, direct);
        close(got.bon.klToOptimal, klFromLogs(pi, phi), 1e-8, 1e-11);
        expect(seqs.length).toBe(3 ** n);
      });
    }
  }
});

describe("the tilted transform against the exact forward recursion", () => {
  for (const n of [40, 300]) {
    for (const lambda of [-0.5, 0, 0.7, 1.5]) {
      it(`n = ${n}, λ = ${lambda}: every valid point of the window within its bound`, () => {
        const lat = chainLattice(chain3)!;
        const exact = directLogPmf(chain3, lat, n);
        const w = markovWindow(chain3, lat, n, lambda);
        expect(w.validHi - w.validLo).toBeGreaterThan(10);
        for (let K = w.validLo; K <= w.validHi; K++) {
          const rel = w.absError / w.tilted[K - w.windowLo]!;
          close(windowLogPmf(w, K), exact[K]!, 0, 2 * rel + 1e-13 * Math.abs(exact[K]!));
        }
      });
    }
  }
  it("markovSequence: transform and direct agree at n = 300 and 600", () => {
    for (const n of [300, 600]) {
      const a = markovSequence(chain3, n, 0.3, { directBudget: 1e9 });
      const b = markovSequence(chain3, n, 0.3, { directBudget: 0 });
      expect([a.method, b.method]).toEqual(["markov-direct", "markov-transform"]);
      close(b.lambda, a.lambda, 1e-12);
      close(b.optimal.rewardPerToken, a.optimal.rewardPerToken, 1e-13);
      close(b.bon.rewardPerToken, a.bon.rewardPerToken, 1e-13);
      close(b.bon.klToReference, a.bon.klToReference, 1e-13);
      close(b.bon.klToOptimal, a.bon.klToOptimal, 1e-10);
    }
  });
  it("markovTail: transform and direct agree on the pmf and both tails", () => {
    for (const s of [200, 350, 420]) {
      const a = markovTail(chain3, 300, s, 1e9);
      const b = markovTail(chain3, 300, s, 0);
      expect([a.method, b.method]).toEqual(["markov-direct", "markov-transform"]);
      close(b.logPmf, a.logPmf, 1e-11);
      close(b.logUpperTail, a.logUpperTail, 1e-11, 1e-15);
      close(b.logLowerTail, a.logLowerTail, 1e-11, 1e-15);
    }
  });
});

describe("a memoryless chain gives the memoryless answers", () => {
  const p = [0.5, 0.3, 0.2];
  const memoryless = createMarkovChain({ initial: p, transition: [p, p, p], r: [0, 1, 2] });
  const model = createModel({ p, r: [0, 1, 2] });
  for (const n of [10, 1000, 100_000]) {
    it(`n = ${n}: identical to bonSequence, and the Markov engine within its accuracy`, () => {
      const want = bonSequence(model, n, 0.2);
      const got = markovSequence(memoryless, n, 0.2);
      expect(got.bon).toEqual(want.bon);
      expect(got.lambda).toBe(want.lambda);
      const engine = markovSequence(memoryless, n, 0.2, { engine: "markov" });
      expect(engine.method.startsWith("markov-")).toBe(true);
      close(engine.lambda, want.lambda, 1e-11);
      close(engine.optimal.rewardPerToken, want.optimal.rewardPerToken, 1e-13);
      close(engine.bon.rewardPerToken, want.bon.rewardPerToken, 1e-13);
      close(engine.bon.klToReference, want.bon.klToReference, 1e-12);
      // KL(π‖φ) is a difference of O(nΔ) terms: its absolute accuracy is a relative 1e-12 of nΔ.
      close(engine.bon.klToOptimal, want.bon.klToOptimal, 0, 1e-12 * n * 0.2 + 1e-10);
    });
  }
  it("the Markov law of S_n on the memoryless chain equals the memoryless FFT law at n = 10^4", () => {
    const n = 10_000;
    const lat = chainLattice(memoryless)!;
    const lambda = markovOptimum(memoryless, 0.2).lambdaStar;
    const w = markovWindow(memoryless, lat, n, lambda);
    const law = sumLaw(model, n, { theta: lambda });
    let compared = 0;
    for (
      let K = Math.max(w.validLo, law.kMin);
      K <= Math.min(w.validHi, law.kMin + law.logPmf.length - 1);
      K++
    ) {
      // Both within their stated bounds: the window's relative error and the FFT law's log error.
      const bound = 2 * (w.absError / w.tilted[K - w.windowLo]!) + law.logErrorBound;
      close(windowLogPmf(w, K), law.logPmf[K - law.kMin]!, 0, bound);
      compared++;
    }
    expect(compared).toBeGreaterThan(500);
  });
});

describe("against the mpmath reference (exact law of S_n, λ_n, best-of-N)", () => {
  const ref = JSON.parse(readFileSync("test/reference/markov.json", "utf8"));
  const c = createMarkovChain(ref.chain as MarkovSpec);
  for (const f of ref.finite) {
    it(`n = ${f.n}, Δ = ${f.klRate}`, () => {
      const lat = chainLattice(c)!;
      const law = directLogPmf(c, lat, f.n);
      for (const [s, lp] of Object.entries(f.logPmf) as [string, number][]) close(law[Number(s)]!, lp, 1e-13);
      const got = markovSequence(c, f.n, f.klRate);
      close(got.lambda, f.lambda, 1e-11);
      close(got.optimal.rewardPerToken, f.xStar, 1e-13);
      close(got.bon.rewardPerToken, f.bonRewardPerToken, 1e-13);
      close(got.bon.klToReference, f.bonKlToReference, 1e-12);
      close(got.bon.klToOptimal, f.bonKlToOptimal, 1e-10);
    });
  }
});

describe("finite n approaches the Perron–Frobenius limits", () => {
  it("λ_n → λ* and x_n → x* at rate O(1/n); KL(π_N‖φ_n)/n → 0 with KL(π_N‖φ_n) − ½ log n bounded", () => {
    const opt = markovOptimum(chain3, 0.3);
    const ns = [1000, 10_000, 100_000];
    const runs = ns.map((n) => markovSequence(chain3, n, 0.3));
    const scaled = runs.map((r, i) => ns[i]! * (r.lambda - opt.lambdaStar));
    // n(λ_n − λ*) settles to a constant: O(1/n).
    close(scaled[2]!, scaled[1]!, 0.02);
    const xs = runs.map((r, i) => ns[i]! * (r.optimal.rewardPerToken - opt.xStar));
    close(xs[2]!, xs[1]!, 0.02);
    const gaps = runs.map((r, i) => r.bon.klToOptimal - 0.5 * Math.log(ns[i]!));
    expect(Math.abs(gaps[2]! - gaps[1]!)).toBeLessThan(0.05);
    expect(runs[2]!.bon.klToOptimalPerToken).toBeLessThan(runs[0]!.bon.klToOptimalPerToken / 50);
  });
});

describe("bad input", () => {
  it("length and budget", () => {
    expect(thrown(() => markovSequence(chain3, 0, 0.1)).field).toBe("length");
    expect(thrown(() => markovSequence(chain3, 1.5, 0.1)).field).toBe("length");
    expect(thrown(() => markovSequence(chain3, 10, -1)).field).toBe("klRate");
  });
  it("a reducible chain past the direct recursion says which states", () => {
    const c = createMarkovChain({
      initial: [1, 0, 0],
      transition: [
        [0.5, 0.25, 0.25],
        [0, 1, 0],
        [0, 0, 1],
      ],
      r: [0, 1, 2],
      states: ["start", "good", "bad"],
    });
    expect(markovSequence(c, 20, 0.1).asymptotic).toBeNull();
    const e = thrown(() => markovSequence(c, 20, 0.1, { directBudget: 0 }));
    expect(e.detail).toMatch(/\{good\}/);
  });
});
