import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { doobTransform, markovOptimum, markovRate } from "../../../src/core/markov/asymptotics.js";
import { createMarkovChain, denseTransition, type MarkovSpec } from "../../../src/core/markov/chain.js";
import { perronAt } from "../../../src/core/markov/perron.js";
import { createModel } from "../../../src/core/model.js";
import { rateFunction } from "../../../src/core/sequence/cramer.js";
import { lambdaForKl, tiltAt } from "../../../src/core/tilt.js";
import { close } from "../../support/assert.js";

/**
 * Closed forms for two states with rewards (0, 1): P_λ = [[1−a, a e^λ], [b, (1−b) e^λ]], so
 * ρ = (t + √(t² − 4 det))/2 with t = 1 − a + (1 − b)e^λ and det = (1 − a − b)e^λ; ρ' and ρ'' by
 * differentiating t, det and the square root exactly (no finite differences).
 */
function twoState(a: number, b: number, l: number) {
  const e = Math.exp(l);
  const t = 1 - a + (1 - b) * e;
  const t1 = (1 - b) * e;
  const det = (1 - a - b) * e;
  const disc = t * t - 4 * det;
  const d1 = 2 * t * t1 - 4 * det;
  const d2 = 2 * t1 * t1 + 2 * t * t1 - 4 * det;
  const sq = Math.sqrt(disc);
  const sq1 = d1 / (2 * sq);
  const sq2 = d2 / (2 * sq) - (d1 * d1) / (4 * sq * sq * sq);
  const rho = (t + sq) / 2;
  const r1 = (t1 + sq1) / 2;
  const r2 = (t1 + sq2) / 2;
  return { logRho: Math.log(rho), mean: r1 / rho, variance: r2 / rho - (r1 / rho) ** 2 };
}

describe("Perron–Frobenius quantities against closed forms", () => {
  for (const [a, b] of [
    [0.3, 0.6],
    [0.05, 0.02],
    [0.9, 0.8],
  ] as const) {
    const c = createMarkovChain({
      initial: [0.5, 0.5],
      transition: [
        [1 - a, a],
        [b, 1 - b],
      ],
      r: [0, 1],
    });
    for (const l of [-3, -0.2, 0, 0.7, 4]) {
      it(`two states a = ${a}, b = ${b}, λ = ${l}: Λ, Λ', Λ'' (ρ of a 2×2 matrix)`, () => {
        const p = perronAt(c, l);
        const want = twoState(a, b, l);
        close(p.logRho, want.logRho, 1e-14, 1e-15);
        close(p.mean, want.mean, 1e-12);
        close(p.variance, want.variance, 1e-10);
      });
    }
  }

  it("identical rows give the memoryless Λ, Λ', Λ'' (log-partition and cumulants of p)", () => {
    const p = [0.5, 0.3, 0.2];
    const c = createMarkovChain({ initial: p, transition: [p, p, p], r: [0, 1, 3] });
    const m = createModel({ p, r: [0, 1, 3] });
    for (const l of [0.1, 1, 2.5]) {
      const got = perronAt(c, l);
      const want = tiltAt(m, l);
      close(got.logRho, want.logPartition, 1e-14);
      close(got.mean, want.reward, 1e-14);
      close(got.variance, want.variance, 1e-12);
    }
    const opt = markovOptimum(c, 0.2);
    const sol = lambdaForKl(m, 0.2);
    close(opt.lambdaStar, sol.lambda, 1e-12);
    close(opt.xStar, sol.point.reward, 1e-13);
    close(markovRate(c, 0.2, 1.7).Ip, rateFunction(m, 1.7), 1e-12);
  });

  it("a periodic chain converges (shifted power iteration): alternating rewards average to ½", () => {
    const c = createMarkovChain({
      initial: [1, 0],
      transition: [
        [0, 1],
        [1, 0],
      ],
      r: [0, 1],
    });
    const p = perronAt(c, 2);
    // P_λ² = e^λ I: ρ = e^{λ/2}, Λ' = ½, Λ'' = 0.
    close(p.logRho, 1, 1e-15);
    close(p.mean, 0.5, 1e-15);
    expect(p.variance).toBeLessThan(1e-14);
  });

  it("a sparse chain with a rank-one part equals its dense form", () => {
    const counts = [
      [5, 1, 0, 0],
      [0, 2, 3, 0],
      [1, 0, 0, 4],
      [0, 0, 2, 2],
    ];
    const prior = [0.1, 0.2, 0.3, 0.4];
    const r = [0, 1, -1, 2];
    const sparse = createMarkovChain({
      initial: [1, 0, 0, 0],
      transitionCounts: counts,
      smoothing: { strength: 2, prior },
      r,
    });
    const P = denseTransition(sparse);
    const rows = [0, 1, 2, 3].map((a) => Array.from(P.slice(4 * a, 4 * a + 4)));
    const dense = createMarkovChain({ initial: [1, 0, 0, 0], transition: rows, r });
    for (const l of [-1, 0.5, 2]) {
      const x = perronAt(sparse, l);
      const y = perronAt(dense, l);
      close(x.logRho, y.logRho, 1e-14, 1e-15);
      close(x.mean, y.mean, 1e-13, 1e-15);
      close(x.variance, y.variance, 1e-11);
    }
  });
});

describe("against the mpmath reference (test/reference/markov.json)", () => {
  const ref = JSON.parse(readFileSync("test/reference/markov.json", "utf8"));
  const c = createMarkovChain(ref.chain as MarkovSpec);
  for (const pt of ref.asymptotic.points) {
    it(`λ = ${pt.lambda}: Λ, Λ' (eigenvectors), Λ'' (Poisson equation)`, () => {
      const p = perronAt(c, pt.lambda);
      close(p.logRho, pt.logRho, 1e-14, 2e-16);
      close(p.mean, pt.mean, 1e-13);
      close(p.variance, pt.variance, 1e-11);
    });
  }
  it("λ*, x* at Δ = 0.3", () => {
    const o = markovOptimum(c, ref.asymptotic.klRate);
    close(o.lambdaStar, ref.asymptotic.lambdaStar, 1e-12);
    close(o.xStar, ref.asymptotic.xStar, 1e-13);
  });
  for (const r of ref.asymptotic.rates) {
    it(`I_p and J_Δ at x = ${r.x} (Legendre transform)`, () => {
      const got = markovRate(c, ref.asymptotic.klRate, r.x);
      close(got.Ip, r.Ip, 1e-11, 1e-14);
      close(got.J, r.J, 1e-11, 1e-14);
    });
  }
});

describe("the Doob transform", () => {
  it("is stochastic, has π_λ as its stationary law, and its mean reward is Λ'(λ)", () => {
    const c = createMarkovChain({
      initial: [0.2, 0.5, 0.3],
      transition: [
        [0.5, 0.3, 0.2],
        [0.1, 0.6, 0.3],
        [0.4, 0.4, 0.2],
      ],
      r: [0, 1, 3],
    });
    const l = 0.8;
    const q = doobTransform(c, l);
    const Q = denseTransition(q.chain);
    const p = perronAt(c, l);
    for (let a = 0; a < 3; a++) close(Q[3 * a]! + Q[3 * a + 1]! + Q[3 * a + 2]!, 1, 4e-16);
    for (let b = 0; b < 3; b++) {
      const piQ = p.pi[0]! * Q[b]! + p.pi[1]! * Q[3 + b]! + p.pi[2]! * Q[6 + b]!;
      close(piQ, p.pi[b]!, 1e-14);
    }
    // Its own stationary mean reward (λ = 0 on Q) is Λ'(λ) of P.
    close(perronAt(q.chain, 0).mean, p.mean, 1e-13);
  });

  it("saturation: a budget past the top cycle's rate gives λ* = ∞ and x* = r_max", () => {
    const c = createMarkovChain({
      initial: [0.5, 0.5],
      transition: [
        [0.5, 0.5],
        [0.5, 0.5],
      ],
      r: [0, 1],
    });
    const o = markovOptimum(c, 1);
    expect(o.saturated).toBe(true);
    expect(o.lambdaStar).toBe(Number.POSITIVE_INFINITY);
    close(o.xStar, 1, 1e-12);
    close(o.klRateMax!, Math.log(2), 1e-9);
  });
});
