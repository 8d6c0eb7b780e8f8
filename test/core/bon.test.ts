import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bestOfN, bestOfNOnLevels, bonOutcomeLogProbs, folkloreKlBound } from "../../src/core/bon.js";
import {
  levelsFromLaw,
  levelsOf,
  logAboveAt,
  logBelow,
  logCdfAt,
  outcomeLogProbs,
} from "../../src/core/levels.js";
import { createModel, type Model, modelFromLogWeights } from "../../src/core/model.js";
import { logSumExp } from "../../src/core/numerics/logspace.js";
import { settledTail, topLevels } from "../../src/core/topLevels.js";
import { close, expectRel, thrown } from "../support/assert.js";
import { seededUniform } from "../support/random.js";

// ---------------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------------

const model = (p: number[], r: number[]): Model => createModel({ p, r });
const weighted = (counts: number[], r: number[]): Model => createModel({ counts, r });

/** The distinct reward levels of plain arrays: [value, mass], ascending (a reference for levelsOf). */
function plainLevels(p: readonly number[], r: readonly number[]): [number, number][] {
  const total = p.reduce((a, b) => a + b, 0);
  const mass = new Map<number, number>();
  p.forEach((w, i) => {
    if (w > 0) mass.set(r[i]!, (mass.get(r[i]!) ?? 0) + w / total);
  });
  return [...mass.entries()].sort((a, b) => a[0] - b[0]);
}

/**
 * Best-of-N by brute force: every N-tuple of draws, its probability, the winners (all positions holding
 * the highest reward), each winner taking an equal share (uniform tie-break). Returns the output law
 * over the input outcomes.
 */
function enumerateBon(p: readonly number[], r: readonly number[], N: number): number[] {
  const total = p.reduce((a, b) => a + b, 0);
  const q = p.map((w) => w / total);
  const k = p.length;
  const law = new Array<number>(k).fill(0);
  const idx = new Array<number>(N).fill(0);
  for (let t = 0; t < k ** N; t++) {
    let rest = t;
    let prob = 1;
    for (let j = 0; j < N; j++) {
      idx[j] = rest % k;
      rest = Math.floor(rest / k);
      prob *= q[idx[j]!]!;
    }
    if (prob === 0) continue;
    let best = Number.NEGATIVE_INFINITY;
    for (const i of idx) best = Math.max(best, r[i]!);
    const winners = idx.filter((i) => r[i] === best);
    for (const i of winners) law[i] = law[i]! + prob / winners.length;
  }
  return law;
}

/** KL(a‖b) = Σ a log(a/b) over a > 0, plain doubles (reference for small, well-scaled cases). */
function plainKl(a: readonly number[], b: readonly number[]): number {
  let s = 0;
  a.forEach((x, i) => {
    if (x > 0) s += x * Math.log(x / b[i]!);
  });
  return s;
}

/** P(X beats Y), X ~ a, Y ~ b independent, ties counted half. */
function plainWinRate(a: readonly number[], b: readonly number[], r: readonly number[]): number {
  let s = 0;
  a.forEach((x, i) => {
    b.forEach((y, j) => {
      if (r[i]! > r[j]!) s += x * y;
      else if (r[i] === r[j]) s += 0.5 * x * y;
    });
  });
  return s;
}

/** Tiny models with ties: 1–4 outcomes, small integer weights (a 0 now and then), rewards in {0, 1, 2}. */
const tinyModel = fc
  .integer({ min: 1, max: 4 })
  .chain((k) =>
    fc.record({
      counts: fc.array(fc.integer({ min: 0, max: 6 }), { minLength: k, maxLength: k }),
      r: fc.array(fc.integer({ min: 0, max: 2 }), { minLength: k, maxLength: k }),
    }),
  )
  .filter(({ counts }) => counts.some((c) => c > 0));

/** Models with many ties and weights over a few orders of magnitude. */
const tiedModel = fc.integer({ min: 1, max: 12 }).chain((k) =>
  fc.record({
    counts: fc.array(fc.double({ min: 1e-3, max: 1, noNaN: true }), { minLength: k, maxLength: k }),
    r: fc.array(fc.integer({ min: -3, max: 3 }), { minLength: k, maxLength: k }),
  }),
);

const SEED = 20240117;

// ---------------------------------------------------------------------------------------------------
// Reference values
// ---------------------------------------------------------------------------------------------------

describe("best-of-N: published values", () => {
  // Beirami et al. 2024, "Theoretical guarantees on the best-of-n alignment policy" (arXiv 2401.01879):
  // two equiprobable outcomes with distinct rewards. Here P_N(top) = 1 − 2^{−N}, so
  // KL = (1 − 2^{−N}) log(2(1 − 2^{−N})) + 2^{−N} log(2^{1−N}); the digits below were also recomputed
  // with mpmath at 60 digits (0.1308120359411369591…, 0.4593555218534860086…, 0.6675877205155338781…).
  const coin = model([0.5, 0.5], [0, 1]);
  it.each([
    [2, 0.13081203594113697],
    [4, 0.45935552185348594],
    [8, 0.6675877205155338],
  ])("two equiprobable outcomes, N = %d", (n, kl) => {
    const r = bestOfN(coin, { n });
    expectRel(r.kl, kl, 1e-14);
    // E r = P_N(top) = 1 − 2^{−N}; win rate = P_N(top)·(1/2 + 1/4) + 2^{−N}·(1/4).
    expectRel(r.reward, 1 - 2 ** -n, 1e-15);
    expectRel(r.winRate, (1 - 2 ** -n) * 0.75 + 2 ** -n * 0.25, 1e-15);
    expect(r.n).toBeCloseTo(n, 12);
  });

  it("tends to log 2 as N grows (saturation at log 1/p*)", () => {
    // log 2 − KL(π_N‖p): 1.844840585e-4 at N = 16 and 2.459047481e-18 at N = 64 (mpmath, 60 digits).
    expectRel(Math.LN2 - bestOfN(coin, { n: 16 }).kl, 1.844840585e-4, 1e-9);
    close(bestOfN(coin, { n: 64 }).kl, Math.LN2, 0, 1e-16);
    let previous = 0;
    for (let k = 1; k <= 80; k++) {
      const kl = bestOfN(coin, { n: 2 ** k }).kl;
      expect(kl).toBeGreaterThanOrEqual(previous);
      expect(kl).toBeLessThanOrEqual(Math.LN2);
      previous = kl;
    }
    expect(previous).toBe(coin.klMax);
  });

  it("N = 1 is the reference itself", () => {
    const m = model([0.5, 0.3, 0.2], [0, 1, 2]);
    for (const r of [bestOfN(m, { n: 1 }), bestOfN(m, { logN: 0 })]) {
      expect(r.kl).toBe(0);
      expect(r.klBound).toBe(0);
      expectRel(r.reward, 0.7, 1e-15);
      expectRel(r.winRate, 0.5, 1e-15);
      const law = bonOutcomeLogProbs(m, r);
      [0.5, 0.3, 0.2].forEach((p, i) => {
        expectRel(Math.exp(law[i]!), p, 1e-15);
      });
    }
  });
});

// ---------------------------------------------------------------------------------------------------
// The law
// ---------------------------------------------------------------------------------------------------

describe("best-of-N: the law", () => {
  it("sums to 1 (in logs) for random models with ties and any N", () => {
    fc.assert(
      fc.property(tiedModel, fc.double({ min: 0, max: 60, noNaN: true }), ({ counts, r }, logN) => {
        const m = weighted(counts, r);
        const res = bestOfN(m, { logN });
        expect(Math.abs(logSumExp(res.levelLogProbs))).toBeLessThan(1e-13);
        expect(Math.abs(logSumExp(bonOutcomeLogProbs(m, res)))).toBeLessThan(1e-13);
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it("equals the BOND form at every level for integer N (Sessa et al. 2024)", () => {
    // BOND (arXiv 2407.14622): π_N(y) = p(y) F(y)^{N−1} Σ_{i=1}^{N} (F⁻(y)/F(y))^{i−1},
    // with F(y) = p(r ≤ r(y)) and F⁻(y) = p(r < r(y)). Summed over a level this is
    // P_N(v) = P(v) F^{N−1} Σ ρ^{i−1} = F^N − F⁻^N, and within a level the law is proportional to p.
    // Every term here is positive: no cancellation.
    fc.assert(
      fc.property(tiedModel, fc.integer({ min: 1, max: 40 }), ({ counts, r }, N) => {
        const m = weighted(counts, r);
        const res = bestOfN(m, { n: N });
        const levels = plainLevels(counts, r);
        let F = 0;
        levels.forEach(([, P], l) => {
          const Fm = F;
          F += P;
          const rho = Fm / F;
          let geometric = 0;
          for (let i = 1; i <= N; i++) geometric += rho ** (i - 1);
          const bond = P * F ** (N - 1) * geometric;
          expectRel(Math.exp(res.levelLogProbs[l]!), bond, 1e-12);
        });
        const out = bonOutcomeLogProbs(m, res);
        const total = counts.reduce((a, b) => a + b, 0);
        const lv = levelsOf(m);
        for (let j = 0; j < m.size; j++) {
          const l = lv.levelOf[j]!;
          const [, P] = levels[l]!;
          const pj = counts[m.support[j]!]! / total;
          expectRel(Math.exp(out[j]!), (pj * Math.exp(res.levelLogProbs[l]!)) / P, 1e-12);
        }
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it("equals brute-force enumeration of all N-tuples with uniform tie-break (N ≤ 4)", () => {
    fc.assert(
      fc.property(tinyModel, fc.integer({ min: 1, max: 4 }), ({ counts, r }, N) => {
        const m = weighted(counts, r);
        const res = bestOfN(m, { n: N });
        const law = enumerateBon(counts, r, N);
        const total = counts.reduce((a, b) => a + b, 0);
        const p = counts.map((c) => c / total);
        // Outcome law, on the input outcomes (p = 0 outcomes are never chosen).
        const out = bonOutcomeLogProbs(m, res);
        const full = new Array<number>(counts.length).fill(0);
        for (let j = 0; j < m.size; j++) full[m.support[j]!] = Math.exp(out[j]!);
        full.forEach((x, i) => {
          close(x, law[i]!, 1e-12, 1e-15);
        });
        // Reward, KL (level-wise = outcome-wise, since within a level both are proportional to p).
        const reward = law.reduce((s, x, i) => s + x * r[i]!, 0);
        close(res.reward, reward, 1e-12, 1e-14);
        close(res.kl, plainKl(law, p), 1e-11, 1e-14);
        // Win rate against a fresh draw from p, ties counted half.
        close(res.winRate, plainWinRate(law, p, r), 1e-12, 1e-14);
      }),
      { seed: SEED, numRuns: 400 },
    );
  });

  it("spreads a level over its outcomes in proportion to p and ignores p = 0 outcomes", () => {
    // p = 0 outcome with the highest reward must not count: r_max = 1, top level {0.1, 0.3}.
    const m = createModel({ p: [0.6, 0.1, 0, 0.3], r: [0, 1, 5, 1] });
    expect(m.rMax).toBe(1);
    const res = bestOfN(m, { n: 3 });
    // P_3(top) = 1 − 0.6^3 = 0.784, split 1 : 3.
    const out = bonOutcomeLogProbs(m, res);
    expect(out.length).toBe(3);
    expectRel(Math.exp(out[0]!), 0.216, 1e-14);
    expectRel(Math.exp(out[1]!), 0.784 * 0.25, 1e-14);
    expectRel(Math.exp(out[2]!), 0.784 * 0.75, 1e-14);
    // KL = 0.216 log(0.216/0.6) + 0.784 log(0.784/0.4).
    expectRel(res.kl, 0.216 * Math.log(0.216 / 0.6) + 0.784 * Math.log(0.784 / 0.4), 1e-14);
  });
});

// ---------------------------------------------------------------------------------------------------
// Bounds, monotonicity, win rate
// ---------------------------------------------------------------------------------------------------

describe("best-of-N: bounds and monotonicity", () => {
  it("KL ≤ folklore bound log N − (N−1)/N", () => {
    fc.assert(
      fc.property(tiedModel, fc.double({ min: 0, max: 40, noNaN: true }), ({ counts, r }, logN) => {
        const res = bestOfN(weighted(counts, r), { logN });
        expect(res.kl).toBeGreaterThanOrEqual(0);
        expect(res.kl).toBeLessThanOrEqual(res.klBound * (1 + 1e-12));
        expect(res.klBound).toBe(folkloreKlBound(logN));
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it("folklore bound: log N − (N−1)/N, accurate near N = 1", () => {
    expect(folkloreKlBound(0)).toBe(0);
    expectRel(folkloreKlBound(Math.log(2)), Math.log(2) - 0.5, 1e-15);
    expectRel(folkloreKlBound(Math.log(1000)), Math.log(1000) - 0.999, 1e-14);
    // log N − 1 + e^{−log N} = x²/2 − x³/6 + … at log N = x = 1e-8.
    expectRel(folkloreKlBound(1e-8), 5e-17 - 1e-24 / 6, 1e-12);
    expect(folkloreKlBound(Number.POSITIVE_INFINITY)).toBe(Number.POSITIVE_INFINITY);
    expect(folkloreKlBound(1e6)).toBe(1e6 - 1);
  });

  it("is exact for (nearly) atomless rewards and loose once N p* ≫ 1", () => {
    // 10^5 equiprobable distinct rewards: KL → log N − (N−1)/N while N ≪ 10^5.
    const L = 100000;
    const fine = weighted(
      Array.from({ length: L }, () => 1),
      Array.from({ length: L }, (_, i) => i),
    );
    for (const n of [2, 10, 30]) {
      const res = bestOfN(fine, { n });
      expect(res.kl).toBeLessThanOrEqual(res.klBound);
      expectRel(res.kl, res.klBound, 1e-3);
    }
    const coin = model([0.5, 0.5], [0, 1]);
    const res = bestOfN(coin, { n: 1e6 });
    expect(res.klBound).toBeGreaterThan(12);
    expect(res.kl).toBeCloseTo(Math.LN2, 15);
  });

  it("reward and KL are non-decreasing in N", () => {
    fc.assert(
      fc.property(
        tiedModel,
        fc.array(fc.double({ min: 0, max: 50, noNaN: true }), { minLength: 2, maxLength: 20 }),
        ({ counts, r }, logNs) => {
          const m = weighted(counts, r);
          const sorted = [...logNs, 1 - 1e-9, 1, 1 + 1e-9].sort((a, b) => a - b);
          let prev = bestOfN(m, { logN: sorted[0]! });
          for (const logN of sorted.slice(1)) {
            const cur = bestOfN(m, { logN });
            expect(cur.kl).toBeGreaterThanOrEqual(prev.kl * (1 - 1e-13));
            expect(cur.reward).toBeGreaterThanOrEqual(prev.reward - 1e-14 * (m.rMax - m.rMin));
            expect(cur.winRate).toBeGreaterThanOrEqual(prev.winRate - 1e-15);
            prev = cur;
          }
        },
      ),
      { seed: SEED, numRuns: 200 },
    );
  });

  it("win rate → N/(N+1) for atomless rewards (uniform grid, converging in the grid size)", () => {
    for (const n of [1, 2, 3.5, 10]) {
      const errors = [10, 100, 1000, 10000].map((L) => {
        const m = weighted(
          Array.from({ length: L }, () => 1),
          Array.from({ length: L }, (_, i) => i),
        );
        return Math.abs(bestOfN(m, { n }).winRate - n / (n + 1));
      });
      // The midpoint rule behind "ties counted half" makes the grid error O(1/L²).
      for (let k = 1; k < errors.length; k++) {
        expect(errors[k]!).toBeLessThanOrEqual(errors[k - 1]! / 50 + 1e-15);
      }
      expect(errors[3]!).toBeLessThan(1e-8);
    }
  });

  it("expected max of N uniforms on a fine grid → N/(N+1) (order statistics)", () => {
    const L = 20001;
    const grid = weighted(
      Array.from({ length: L }, () => 1),
      Array.from({ length: L }, (_, i) => i / (L - 1)),
    );
    for (const n of [1, 2, 2.5, 7, 50]) {
      // The grid's error is O(1/L).
      close(bestOfN(grid, { n }).reward, n / (n + 1), 0, 2 / L);
    }
  });

  it("`n` and `logN` inputs agree", () => {
    fc.assert(
      fc.property(tiedModel, fc.double({ min: 1, max: 1e12, noNaN: true }), ({ counts, r }, n) => {
        const m = weighted(counts, r);
        const a = bestOfN(m, { n });
        const b = bestOfN(m, { logN: Math.log(n) });
        expect(a.logN).toBe(b.logN);
        close(a.kl, b.kl, 1e-15);
        close(a.reward, b.reward, 1e-15, 1e-15);
        close(a.winRate, b.winRate, 1e-15);
        expectRel(a.n, n, 1e-15 * Math.max(1, Math.log(n)));
      }),
      { seed: SEED, numRuns: 200 },
    );
  });

  it("the N < e branch and the general branch agree around log N = 1", () => {
    fc.assert(
      fc.property(tiedModel, ({ counts, r }) => {
        const m = weighted(counts, r);
        const lo = bestOfN(m, { logN: 1 - 1e-12 });
        const hi = bestOfN(m, { logN: 1 + 1e-12 });
        close(lo.kl, hi.kl, 0, 1e-10);
        close(lo.reward, hi.reward, 0, 1e-10);
        close(lo.winRate, hi.winRate, 0, 1e-10);
        lo.levelLogProbs.forEach((v, l) => {
          close(Math.exp(v), Math.exp(hi.levelLogProbs[l]!), 0, 1e-10);
        });
      }),
      { seed: SEED, numRuns: 300 },
    );
  });
});

describe("best-of-N: the linear and the log-domain branches agree where they meet", () => {
  // Up to log N = 700 (with every level mass a normal double) N is formed and the tails are read
  // linearly; above, everything is in logs. The two compute the same formula: their results must agree
  // to the log branch's rounding, ε·log N on A = N·(−log F).
  it("at log N = 700, and at log N = 3 against the log branch forced by a tiny level", () => {
    fc.assert(
      fc.property(tiedModel, ({ counts, r }) => {
        const m = weighted(counts, r);
        const lo = bestOfN(m, { logN: 700 });
        const hi = bestOfN(m, { logN: 700 * (1 + 1e-15) });
        close(lo.kl, hi.kl, 1e-12, 1e-300);
        close(lo.reward, hi.reward, 0, 1e-12 * (m.rMax - m.rMin + 1));
        close(lo.winRate, hi.winRate, 1e-12);
        lo.levelLogProbs.forEach((v, l) => {
          const w = hi.levelLogProbs[l]!;
          if (v === Number.NEGATIVE_INFINITY) expect(w).toBe(v);
          else close(v, w, 1e-12, 1e-12);
        });
      }),
      { seed: SEED, numRuns: 200 },
    );
    // A level of mass e^{−700} sends a model to the log branch for every N: adding it at the bottom
    // leaves the law of the other levels unchanged to far below rounding.
    fc.assert(
      fc.property(tiedModel, ({ counts, r }) => {
        const base = weighted(counts, r);
        const logw = Array.from(base.logp);
        const withTiny = createModel({ logp: [...logw, -700], r: [...Array.from(base.r), base.rMin - 1] });
        expect(levelsOf(withTiny).linearTails).toBe(false);
        expect(levelsOf(base).linearTails).toBe(true);
        const a = bestOfN(base, { logN: 3 });
        const b = bestOfN(withTiny, { logN: 3 });
        close(a.kl, b.kl, 1e-12, 1e-15);
        close(a.reward, b.reward, 0, 1e-12 * (base.rMax - base.rMin + 1));
        a.levelLogProbs.forEach((v, l) => {
          close(v, b.levelLogProbs[l + 1]!, 1e-12, 1e-12);
        });
      }),
      { seed: SEED, numRuns: 200 },
    );
  });
});

// ---------------------------------------------------------------------------------------------------
// N → 1
// ---------------------------------------------------------------------------------------------------

describe("best-of-N: N → 1", () => {
  // mpmath, 60 digits, N = 1.000001 as a double (= 1.0000009999999999177…), P_N(v) = F^N − F⁻^N,
  // rounded to doubles below:
  //   two equiprobable, rewards (0, 1): KL 2.4022634040733606793e-13, E r 0.50000034657347013824,
  //     win rate 0.50000017328673506912
  //   p (0.5, 0.3, 0.2), rewards (0, 1, 2): KL 2.4685486804389915918e-13, E r 0.7000005250882912577,
  //     win rate 0.50000018325809333516
  // (The KL is ∝ (N − 1)², so N = 1 + 1e-6 read as a decimal would differ from these by 1.6e-10.)
  it.each([
    [[0.5, 0.5], [0, 1], 2.4022634040733607e-13, 0.5000003465734701, 0.5000001732867351],
    [[0.5, 0.3, 0.2], [0, 1, 2], 2.4685486804389915e-13, 0.7000005250882912, 0.5000001832580934],
  ])("exact values at N = 1 + 1e-6 (p = %j)", (p, r, kl, reward, win) => {
    const res = bestOfN(model(p, r), { n: 1 + 1e-6 });
    expectRel(res.kl, kl, 1e-12);
    expectRel(res.reward, reward, 1e-15);
    expectRel(res.winRate, win, 1e-15);
  });

  it("KL ≈ ½ (N−1)² Σ_v P(v) g(v)², g = (F log F − F⁻ log F⁻)/P, non-negative and accurate", () => {
    // d/dN (F^N − F⁻^N) at N = 1 is F log F − F⁻ log F⁻ = P g; Σ P g = 0, so KL = ½ ε² Σ P g² + O(ε³).
    fc.assert(
      fc.property(tiedModel, fc.constantFrom(1e-5, 1e-6, 1e-8), ({ counts, r }, eps) => {
        const m = weighted(counts, r);
        const logN = Math.log1p(eps);
        const e = Math.expm1(logN);
        const res = bestOfN(m, { logN });
        expect(res.kl).toBeGreaterThanOrEqual(0);
        const levels = plainLevels(counts, r);
        let F = 0;
        let chi = 0;
        let drift = 0;
        for (const [v, P] of levels) {
          const Fm = F;
          F += P;
          const xlx = (x: number) => (x > 0 ? x * Math.log(x) : 0);
          const g = (xlx(Math.min(F, 1)) - xlx(Fm)) / P;
          chi += P * g * g;
          drift += P * g * v;
        }
        if (levels.length === 1) {
          expect(res.kl).toBe(0);
          return;
        }
        expectRel(res.kl, 0.5 * e * e * chi, 1e-3 * Math.max(1, eps * 1e5));
        close(res.reward, m.mean + e * drift, 0, 1e-12 + 10 * e * e * (m.rMax - m.rMin));
      }),
      { seed: SEED, numRuns: 200 },
    );
  });
});

// ---------------------------------------------------------------------------------------------------
// Huge N and extreme inputs
// ---------------------------------------------------------------------------------------------------

describe("best-of-N: huge N and extreme inputs", () => {
  const extremeModel = fc
    .integer({ min: 1, max: 10 })
    .chain((k) =>
      fc.record({
        logw: fc.array(fc.double({ min: -690, max: 0, noNaN: true }), { minLength: k, maxLength: k }),
        r: fc.array(
          fc.oneof(
            fc.integer({ min: -2, max: 2 }),
            fc.double({ min: -1e6, max: 1e6, noNaN: true, noDefaultInfinity: true }),
          ),
          { minLength: k, maxLength: k },
        ),
      }),
    )
    .map(({ logw, r }) => weighted(logw.map(Math.exp), r));

  /** Log-weights down to −3000: masses, and ratios of masses, far below the smallest double. */
  const deepModel = fc
    .integer({ min: 1, max: 8 })
    .chain((k) =>
      fc.record({
        logw: fc.array(fc.double({ min: -3000, max: 0, noNaN: true }), { minLength: k, maxLength: k }),
        r: fc.array(fc.integer({ min: -2, max: 2 }), { minLength: k, maxLength: k }),
      }),
    )
    .map(({ logw, r }) => modelFromLogWeights(Float64Array.from(logw), Float64Array.from(r)));

  const hugeLogN = fc.oneof(
    fc.double({ min: 0, max: 1e6, noNaN: true }),
    fc.constantFrom(0, 1e-300, 1 - 1e-12, 1, 1 + 1e-12, 36, 700, 710, 745, 1e6),
  );

  it("p spanning 1e-300…1 and rewards ±1e6: no NaN, a valid law, KL and reward in range", () => {
    fc.assert(
      fc.property(extremeModel, hugeLogN, (m, logN) => {
        const res = bestOfN(m, { logN });
        for (const v of res.levelLogProbs) expect(Number.isNaN(v)).toBe(false);
        expect(Math.abs(logSumExp(res.levelLogProbs))).toBeLessThan(1e-12);
        expect(Number.isFinite(res.kl)).toBe(true);
        expect(res.kl).toBeGreaterThanOrEqual(0);
        expect(res.kl).toBeLessThanOrEqual(m.klMax);
        expect(res.reward).toBeGreaterThanOrEqual(m.rMin);
        expect(res.reward).toBeLessThanOrEqual(m.rMax);
        expect(res.winRate).toBeGreaterThanOrEqual(0);
        expect(res.winRate).toBeLessThanOrEqual(1);
        expect(Number.isNaN(res.klBound)).toBe(false);
        expect(Number.isNaN(res.n)).toBe(false);
      }),
      { seed: SEED, numRuns: 500 },
    );
  });

  it("log-weights down to −3000: no NaN and a law that sums to 1, on both sides of log N = 1", () => {
    fc.assert(
      fc.property(deepModel, hugeLogN, (m, logN) => {
        const res = bestOfN(m, { logN });
        for (const v of res.levelLogProbs) expect(Number.isNaN(v)).toBe(false);
        expect(Math.abs(logSumExp(res.levelLogProbs))).toBeLessThan(1e-12);
        for (const x of [res.kl, res.reward, res.winRate]) expect(Number.isFinite(x)).toBe(true);
        expect(res.kl).toBeLessThanOrEqual(m.klMax);
      }),
      { seed: SEED, numRuns: 500 },
    );
  });

  it("a level far lighter than the mass below it keeps its probability in logs", () => {
    // Q = e^{−800} on top of mass ≈ 1: P_N(top) = 1 − (1 − Q)^N = N Q (1 + O(N Q)), so
    // log P_N(top) = log N − 800 to double precision, for N below e and above it.
    const m = createModel({ logp: [0, -800], r: [0, 1] });
    for (const logN of [1e-6, 0.5, 1 - 1e-12, 1, 1 + 1e-12, 2, 30]) {
      const res = bestOfN(m, { logN });
      expectRel(res.levelLogProbs[1]!, logN - 800, 1e-15);
      expect(res.levelLogProbs[0]).toBe(0);
      expect(res.kl).toBeGreaterThanOrEqual(0);
    }
    // Two tied outcomes at the top (e^{−800} and e^{−900}): the level's mass is e^{−800}(1 + e^{−100}).
    const tied = createModel({ logp: [0, -800, -900], r: [0, 1, 1] });
    const res = bestOfN(tied, { logN: 0.3 });
    expectRel(res.levelLogProbs[1]!, 0.3 - 800, 1e-15);
    const out = bonOutcomeLogProbs(tied, res);
    expectRel(out[2]!, 0.3 - 900, 1e-15);
  });

  it("log N up to 1e6: top level has probability 1, KL = log 1/p*, reward = r_max", () => {
    fc.assert(
      fc.property(extremeModel, fc.double({ min: 1e3, max: 1e6, noNaN: true }), (m, logN) => {
        const res = bestOfN(m, { logN });
        const top = res.levelLogProbs[res.levelLogProbs.length - 1]!;
        expect(top).toBe(0);
        close(res.kl, m.klMax, 1e-12, 1e-300);
        expect(res.reward).toBe(m.rMax);
        expect(res.n).toBe(logN < 709 ? Math.exp(logN) : Number.POSITIVE_INFINITY);
        expect(res.klBound).toBeCloseTo(logN - 1, 6);
      }),
      { seed: SEED, numRuns: 200 },
    );
  });

  it("log N = Infinity is the saturated limit", () => {
    const m = model([0.5, 0.3, 0.2], [0, 1, 2]);
    const res = bestOfN(m, { logN: Number.POSITIVE_INFINITY });
    expect(res.n).toBe(Number.POSITIVE_INFINITY);
    expectRel(res.kl, -Math.log(0.2), 1e-15);
    expect(res.reward).toBe(2);
    // The winner beats the lower two (0.8) and ties the top (0.2 counted half).
    expectRel(res.winRate, 0.9, 1e-15);
    expect(bestOfN(m, { n: Number.POSITIVE_INFINITY }).kl).toBe(res.kl);
  });

  it("saturates at log 1/p* once N p* ≫ 1 (and the folklore bound is then very loose)", () => {
    // p* = 1e-3: with N p* = t, P_N(top) = 1 − (1 − p*)^N ≈ 1 − e^{−t}.
    const m = model([1 - 1e-3, 1e-3], [0, 1]);
    const klMax = -Math.log(1e-3);
    const values = [1e2, 1e3, 1e4, 1e5, 1e7].map((n) => bestOfN(m, { n }).kl);
    for (let k = 1; k < values.length; k++) expect(values[k]!).toBeGreaterThanOrEqual(values[k - 1]!);
    // N p* = 0.1, 1, 10: still visibly below log 1/p*.
    expect(values[2]!).toBeLessThan(klMax - 1e-4);
    // N p* = 100: KL = P log(P/p*) + (1−P) log((1−P)/(1−p*)), P = 1 − (1 − p*)^N.
    const P = -Math.expm1(1e5 * Math.log1p(-1e-3));
    const expected = P * Math.log(P / 1e-3) + (1 - P) * Math.log((1 - P) / (1 - 1e-3));
    expectRel(bestOfN(m, { n: 1e5 }).kl, expected, 1e-12);
    expectRel(values[4]!, klMax, 1e-15);
    expect(bestOfN(m, { n: 1e7 }).klBound).toBeGreaterThan(2 * klMax);
  });

  it("resolves a top level of mass e^{−1000} (far below the smallest double)", () => {
    // p* = Q = e^{−1000}. With log N = 1000 + log t: N Q = t, and since −log(1 − Q) = Q(1 + Q/2 + …),
    // P_N(low) = (1 − Q)^N = e^{−t} and P_N(top) = 1 − e^{−t} to double precision.
    const m = createModel({ logp: [0, -1000], r: [0, 1] });
    expect(m.klMax).toBe(1000);
    for (const t of [1e-3, 0.5, 1, 3, 20]) {
      const res = bestOfN(m, { logN: 1000 + Math.log(t) });
      const top = -Math.expm1(-t);
      expectRel(Math.exp(res.levelLogProbs[1]!), top, 1e-12);
      expectRel(res.levelLogProbs[0]!, -t, 1e-12);
      expectRel(res.reward, top, 1e-12);
      // KL = P_top (log P_top + 1000) + e^{−t} (−t − log(1 − Q)), and log(1 − Q) = 0 in doubles.
      expectRel(res.kl, top * (Math.log(top) + 1000) - t * Math.exp(-t), 1e-12);
    }
  });
});

// ---------------------------------------------------------------------------------------------------
// Invalid input
// ---------------------------------------------------------------------------------------------------

describe("best-of-N: invalid N", () => {
  const m = model([0.5, 0.5], [0, 1]);
  it.each([0.5, 0, -1, Number.NaN, Number.NEGATIVE_INFINITY, 1 - 1e-15])("n = %d is an InputError", (n) => {
    const e = thrown(() => bestOfN(m, { n }));
    expect(e.field).toBe("n");
    expect(e.message).toMatch(/^n: /);
  });

  it.each([-1, -1e-300, Number.NaN, Number.NEGATIVE_INFINITY])("logN = %d is an InputError", (logN) => {
    const e = thrown(() => bestOfN(m, { logN }));
    expect(e.field).toBe("logN");
  });

  it("needs exactly one of n and logN", () => {
    expect(thrown(() => bestOfN(m, { n: 2, logN: Math.LN2 })).message).toMatch(/exactly one/);
    expect(thrown(() => bestOfN(m, {})).message).toMatch(/exactly one/);
  });

  it("rejects a non-number N", () => {
    expect(thrown(() => bestOfN(m, { n: "3" as unknown as number })).field).toBe("n");
  });
});

// ---------------------------------------------------------------------------------------------------
// Reward levels
// ---------------------------------------------------------------------------------------------------

describe("reward levels", () => {
  it("groups exact ties, sorts ascending and keeps masses, CDF and upper tail consistent", () => {
    const m = createModel({ p: [0.1, 0.2, 0.3, 0, 0.4], r: [2, -1, 2, 9, 0.5] });
    const lv = levelsOf(m);
    expect(lv.count).toBe(3);
    expect([...lv.values]).toEqual([-1, 0.5, 2]);
    const mass = [0.2, 0.4, 0.4];
    mass.forEach((x, l) => {
      expectRel(Math.exp(lv.logMass[l]!), x, 1e-15);
    });
    [0.2, 0.6, 1].forEach((x, l) => {
      close(Math.exp(lv.logCdf[l]!), x, 1e-15, 1e-16);
    });
    [0.8, 0.4].forEach((x, l) => {
      expectRel(Math.exp(lv.logAbove[l]!), x, 1e-15);
    });
    expect(lv.logAbove[2]).toBe(Number.NEGATIVE_INFINITY);
    expect(logBelow(lv, 0)).toBe(Number.NEGATIVE_INFINITY);
    expectRel(Math.exp(logBelow(lv, 2)), 0.6, 1e-15);
    // Support order: outcomes 0, 1, 2, 4 (outcome 3 has p = 0).
    expect([...lv.levelOf]).toEqual([2, 0, 2, 1]);
    expect(levelsOf(m)).toBe(lv);
  });

  it("single entries of log F and log Q equal the arrays, in the linear and the log-domain branch", () => {
    const linear = levelsOf(createModel({ p: [0.1, 0.2, 0.3, 0.4, 1e-200], r: [3, -1, 2, 0.5, 7] }));
    const logDomain = levelsOf(
      modelFromLogWeights(Float64Array.from([0, -2000, -3000, -1]), Float64Array.from([0, 1, 2, 3])),
    );
    expect(linear.linearTails).toBe(true);
    expect(logDomain.linearTails).toBe(false);
    for (const lv of [linear, logDomain]) {
      for (let l = 0; l < lv.count; l++) {
        expect(logCdfAt(lv, l)).toBe(lv.logCdf[l]);
        expect(logAboveAt(lv, l)).toBe(lv.logAbove[l]);
        // The linear tails are the exponentials of the log ones (0 where they underflow).
        close(lv.cdf[l]!, Math.exp(lv.logCdf[l]!), 1e-15, 0);
        close(lv.above[l]!, Math.exp(lv.logAbove[l]!), 1e-15, 0);
      }
    }
  });

  it("reward, KL and win rate are the plain sums over the law, for N from 2 to far past saturation", () => {
    // Masses falling geometrically, so Q spans 1 … e^{-590} and log N + log Q crosses 710 at some level
    // for each log N below; levels with mass ≥ e^{-600} keep the tails in the linear domain.
    const L = 300;
    const logp = Float64Array.from({ length: L }, (_, l) => -2 * l);
    const r = Float64Array.from({ length: L }, (_, l) => -l);
    const m = modelFromLogWeights(logp, r);
    const lv = levelsOf(m);
    for (const logN of [Math.LN2, 5, 40, 700, 720, 1000, 1300, 1420, 1450, 1460, 1e4, 1e6]) {
      const res = bestOfN(m, { logN });
      // Reference: the defining sums over π_N (0·log 0 = 0), each written out directly.
      let reward = 0;
      let kl = 0;
      let win = 0;
      let total = 0;
      for (let l = 0; l < lv.count; l++) {
        const pi = Math.exp(res.levelLogProbs[l]!);
        total += pi;
        reward += pi * lv.values[l]!;
        if (pi > 0) kl += pi * (res.levelLogProbs[l]! - lv.logMass[l]!);
        win += pi * ((l > 0 ? lv.cdf[l - 1]! : 0) + 0.5 * lv.mass[l]!);
      }
      close(total, 1, 1e-13);
      close(res.reward, reward, 1e-12, 1e-12);
      close(res.kl, kl, 1e-12, 1e-15);
      close(res.winRate, win, 1e-12);
    }
  });

  it("spreads a level's probability in proportion to p", () => {
    const m = createModel({ p: [0.1, 0.2, 0.3, 0.4], r: [1, 0, 1, 0] });
    const lv = levelsOf(m);
    const out = outcomeLogProbs(m, lv, Float64Array.from([Math.log(0.25), Math.log(0.75)]));
    [0.75 * 0.25, 0.25 / 3, 0.75 * 0.75, (0.25 * 2) / 3].forEach((x, i) => {
      expectRel(Math.exp(out[i]!), x, 1e-15);
    });
  });

  it("keeps the upper tail exact when it is far below the smallest double", () => {
    const m = createModel({ logp: [0, -2000, -3000], r: [0, 1, 2] });
    const lv = levelsOf(m);
    expectRel(lv.logAbove[0]!, -2000, 1e-15);
    expectRel(lv.logAbove[1]!, -3000, 1e-15);
    expect(lv.logCdf[2]).toBe(0);
  });

  it("a constant reward model has a single level and BoN is p for every N", () => {
    const m = createModel({ p: [0.3, 0.7], r: [4, 4] });
    expect(levelsOf(m).count).toBe(1);
    for (const logN of [0, 0.5, 1, 10, 1e6]) {
      const res = bestOfN(m, { logN });
      expect(res.kl).toBe(0);
      expect(res.reward).toBe(4);
      expect(res.winRate).toBe(0.5);
    }
  });
});

describe("best-of-N on a law given by its levels (the reduction of MATH §3)", () => {
  it("BoN over length-2 sequences equals BoN on the law of S_2 (product model enumerated)", () => {
    // Per-token p = (0.5, 0.3, 0.2) on rewards (0, 1, 2); the 9 sequences have reward y1 + y2.
    const p = [0.5, 0.3, 0.2];
    const seqP: number[] = [];
    const seqR: number[] = [];
    for (let a = 0; a < 3; a++)
      for (let b = 0; b < 3; b++) {
        seqP.push(p[a]! * p[b]!);
        seqR.push(a + b);
      }
    const product = createModel({ p: seqP, r: seqR });
    // Law of S_2 by convolution: P(S = s) = Σ_{a+b=s} p_a p_b.
    const law = [0, 1, 2, 3, 4].map((s) =>
      p.reduce((acc, pa, a) => acc + (s - a >= 0 && s - a < 3 ? pa * p[s - a]! : 0), 0),
    );
    const levels = levelsFromLaw(Float64Array.from([0, 1, 2, 3, 4]), Float64Array.from(law, Math.log));
    for (const logN of [0, 0.5, 2, 10, 1e4]) {
      const a = bestOfN(product, { logN });
      const b = bestOfNOnLevels(levels, logN);
      close(b.reward, a.reward, 1e-13);
      close(b.kl, a.kl, 1e-12, 1e-15);
      close(b.winRate, a.winRate, 1e-13);
    }
  });

  it("rejects values that are not strictly increasing", () => {
    expect(() => levelsFromLaw(Float64Array.from([0, 0]), Float64Array.from([-1, -1]))).toThrow(RangeError);
  });
});

describe("best-of-N on large models: only the levels it can pick are sorted (topLevels.ts)", () => {
  /** A seeded model: n outcomes, weights over `decades` decades, rewards continuous or on a grid (ties). */
  function large(n: number, seed: number, decades: number, grid: number): Model {
    const u = seededUniform(seed);
    const logw = Float64Array.from({ length: n }, () => -decades * Math.LN10 * u());
    const r = Float64Array.from({ length: n }, () => {
      const x = Math.sqrt(-2 * Math.log(u())) * Math.cos(6.283185307179586 * u());
      return grid > 0 ? Math.round(x * grid) / grid : x;
    });
    return modelFromLogWeights(logw, r);
  }

  it("gives the full sort's reward, KL and win rate (1e-13), and its law over every level", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 4096, max: 40000 }),
        fc.integer({ min: 1, max: 2 ** 30 }),
        fc.constantFrom(0.5, 3, 200),
        fc.constantFrom(0, 1000, 20),
        fc.oneof(fc.double({ min: 1, max: 30, noNaN: true }), fc.double({ min: 30, max: 1e5, noNaN: true })),
        (n, seed, decades, grid, logN) => {
          const m = large(n, seed, decades, grid);
          const fast = bestOfN(m, { logN });
          const full = bestOfNOnLevels(levelsOf(m), logN);
          const range = m.rMax - m.rMin;
          close(fast.reward, Math.min(m.rMax, full.reward), 0, 1e-13 * range);
          close(fast.kl, Math.min(m.klMax, full.kl), 1e-13, 1e-15);
          close(fast.winRate, full.winRate, 1e-13, 1e-15);
          expect(fast.levelLogProbs).toEqual(full.levelLogProbs);
        },
      ),
      { seed: 20261204, numRuns: 40 },
    );
  });

  it("takes that path for N = e^10 and e^10000 on 10^5 continuous rewards: a few percent of the levels", () => {
    const m = large(100000, 3, 1, 0);
    const ten = topLevels(m, settledTail(10));
    // Q ≤ 750/e^10 ≈ 3.4%: about that share of the outcomes (+ one bucket, + the level below).
    expect(ten!.count).toBeGreaterThan(1000);
    expect(ten!.count).toBeLessThan(6000);
    // N = e^10000: settled wherever Q > 0 (e^{710 − 10000} is 0), so the top bucket alone.
    expect(topLevels(m, 0)!.count).toBeLessThan(100);
    expect(topLevels(m, settledTail(1))).toBeUndefined();
  });
});
