import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createModel, type Model, modelFromLogWeights } from "../../../src/core/model.js";
import { logSumExp } from "../../../src/core/numerics/logspace.js";
import { brentRoot } from "../../../src/core/numerics/roots.js";
import { enumeratedLaw } from "../../../src/core/sequence/compositions.js";
import { rateFunction } from "../../../src/core/sequence/cramer.js";
import { ldpRate, ldpSummary, scgf } from "../../../src/core/sequence/ldp.js";
import { lambdaForKl, tiltAt, tiltLogProbs } from "../../../src/core/tilt.js";
import { close, INF, SEED, thrown } from "../../support/assert.js";

const ternary = createModel({ p: [0.5, 0.3, 0.2], r: [0, 1, 2] });

/** KL between Bernoulli(a) and Bernoulli(b): the Cramér rate of a Bernoulli(b) mean at a. */
function bernoulliKl(a: number, b: number): number {
  const term = (u: number, v: number) => (u === 0 ? 0 : u * Math.log(u / v));
  return term(a, b) + term(1 - a, 1 - b);
}

interface Case {
  readonly counts: number[];
  readonly r: number[];
  /** Δ as a fraction of log(1/p*). */
  readonly u: number;
  /** x as a fraction of [r_min, r_max]. */
  readonly v: number;
}

/** Random non-constant models (2..12 outcomes, integer or real rewards in [lo, hi]), a budget and a point. */
function cases(lo: number, hi: number): fc.Arbitrary<Case> {
  const reward = fc.oneof(
    fc.integer({ min: Math.ceil(lo), max: Math.floor(hi) }),
    // Real rewards below 1e-6 in magnitude become 0 (subnormal spreads saturate every budget).
    fc.double({ min: lo, max: hi, noNaN: true }).map((v) => (Math.abs(v) < 1e-6 ? 0 : v)),
  );
  return fc
    .integer({ min: 2, max: 12 })
    .chain((n) =>
      fc.record({
        counts: fc.array(fc.integer({ min: 1, max: 20 }), { minLength: n, maxLength: n }),
        r: fc.array(reward, { minLength: n, maxLength: n }),
        u: fc.double({ min: 0.01, max: 0.95, noNaN: true }),
        v: fc.double({ min: 0, max: 1, noNaN: true }),
      }),
    )
    .filter((c) => c.r.some((x) => x !== c.r[0]));
}

const build = (c: Case): Model => createModel({ counts: c.counts, r: c.r });

describe("rateFunction (Cramér, MATH §4)", () => {
  it("matches the Bernoulli closed form I(x) = x log(x/θ) + (1−x) log((1−x)/(1−θ))", () => {
    for (const theta of [0.01, 0.3, 0.5, 0.9]) {
      const m = createModel({ p: [1 - theta, theta], r: [0, 1] });
      for (const x of [1e-6, 0.05, 0.2, 0.5, 0.77, 0.999])
        close(rateFunction(m, x), bernoulliKl(x, theta), 1e-12);
      // Ends: I(1) = log(1/θ) = log(1/p*), I(0) = log(1/(1−θ)) = log(1/p(r_min)); +∞ outside.
      close(rateFunction(m, 1), -Math.log(theta), 1e-15);
      close(rateFunction(m, 0), -Math.log1p(-theta), 1e-15);
      expect(rateFunction(m, 1 + 1e-12)).toBe(INF);
      expect(rateFunction(m, -1e-12)).toBe(INF);
      expect(rateFunction(m, theta)).toBe(0);
    }
  });

  it("is 0 at the mean, log(1/p*) at r_max and log(1/p(r_min)) at r_min", () => {
    expect(rateFunction(ternary, ternary.mean)).toBe(0);
    close(rateFunction(ternary, 2), Math.log(5), 1e-15);
    close(rateFunction(ternary, 0), Math.log(2), 1e-15);
    expect(rateFunction(ternary, Number.POSITIVE_INFINITY)).toBe(INF);
    expect(rateFunction(ternary, -3)).toBe(INF);
    expect(thrown(() => rateFunction(ternary, Number.NaN)).field).toBe("x");
  });

  it("is the Legendre transform: s x − Λ(s) ≤ I(x) for every s, with equality at Λ'(s) = x", () => {
    // Λ(s) for s < 0 from the definition, log Σ p e^{s r}.
    const Lambda = (s: number) => Math.log(0.5 + 0.3 * Math.exp(s) + 0.2 * Math.exp(2 * s));
    for (const x of [0.1, 0.5, 0.9, 1.3, 1.9]) {
      const I = rateFunction(ternary, x);
      for (const s of [-3, -1, -0.2, 0, 0.4, 1, 3]) expect(s * x - Lambda(s)).toBeLessThanOrEqual(I + 1e-15);
      const sHat = brentRoot(
        (s) => {
          const e = (0.3 * Math.exp(s) + 0.4 * Math.exp(2 * s)) / Math.exp(Lambda(s));
          return e - x;
        },
        -50,
        50,
      ).x;
      close(I, sHat * x - Lambda(sHat), 1e-12);
    }
  });
});

describe("ldpRate J_Δ (MATH §4)", () => {
  it("is the Bernoulli KL to the tilted mean: J(x) = KL(Ber(x) ‖ Ber(x*))", () => {
    const m = createModel({ p: [0.8, 0.2], r: [0, 1] });
    const { point } = lambdaForKl(m, 0.05);
    for (const x of [0, 0.1, 0.25, 0.5, 0.9, 1])
      close(ldpRate(m, 0.05, x).J, bernoulliKl(x, point.reward), 1e-12);
  });

  it("closed form, Legendre transform and min-KL forms agree to 1e-10 on random models", () => {
    fc.assert(
      fc.property(cases(-5, 5), (c) => {
        const m = build(c);
        const delta = c.u * m.klMax;
        // Interior points: within rounding of an end the maximiser t of the Legendre transform is huge
        // and its objective cancels at ε|t|(r_max − r_min); the ends themselves are tested below.
        const x = m.rMin + (0.001 + 0.998 * c.v) * (m.rMax - m.rMin);
        const res = ldpRate(m, delta, x);
        const { lambda, point } = lambdaForKl(m, delta);
        // The closed form I − λ* x + Λ(λ*) carries rounding of its largest terms: allow ε-multiples of them.
        const scale = res.Ip + delta + lambda * (Math.abs(x) + Math.abs(point.reward));
        close(res.closedForm, res.J, 1e-10, 1e-13 * scale);
        close(res.legendre, res.J, 1e-10, 1e-13 * scale);
        close(res.minKl, res.J, 1e-10, 1e-15);
        expect(res.J).toBeGreaterThanOrEqual(0);
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it("is 0 at x*, non-negative and convex, with the stated end values and +∞ outside", () => {
    fc.assert(
      fc.property(cases(-3, 3), (c) => {
        const m = build(c);
        const delta = c.u * m.klMax;
        const s = ldpSummary(m, delta, { grid: 41, ts: [] });
        expect(ldpRate(m, delta, s.xStar).J).toBe(0);
        const J = s.rate.map((e) => e.J);
        const X = s.rate.map((e) => e.x);
        for (const v of J) expect(v).toBeGreaterThanOrEqual(0);
        // Convexity: slopes over the grid as rounded (narrow ranges put the points a few ulps apart)
        // do not decrease, up to the rounding of J divided by the spacing.
        for (let k = 1; k + 1 < J.length; k++) {
          // J = +∞ below r_max only in the saturated case; convexity is checked where J is finite.
          if (!Number.isFinite(J[k - 1]! + J[k]! + J[k + 1]!)) continue;
          if (X[k - 1] === X[k] || X[k] === X[k + 1]) continue;
          const left = (J[k]! - J[k - 1]!) / (X[k]! - X[k - 1]!);
          const right = (J[k + 1]! - J[k]!) / (X[k + 1]! - X[k]!);
          const noise = (1e-12 * (1 + J[k]!)) / Math.min(X[k]! - X[k - 1]!, X[k + 1]! - X[k]!);
          expect(right).toBeGreaterThanOrEqual(left - noise);
        }
        // J(r_max) = log(1/p*) − λ* r_max + Λ(λ*) (MATH §4 closed form at the end).
        const point = tiltAt(m, s.lambda);
        const top = -m.logPStar - s.lambda * m.rMax + point.logPartition;
        close(J[J.length - 1]!, top, 1e-10, 1e-13 * (Math.abs(s.lambda * m.rMax) + m.klMax));
        expect(ldpRate(m, delta, m.rMax + 1e-9 * (1 + Math.abs(m.rMax))).J).toBe(INF);
        expect(ldpRate(m, delta, m.rMin - 1e-9 * (1 + Math.abs(m.rMin))).J).toBe(INF);
      }),
      { seed: SEED, numRuns: 100 },
    );
  });

  it("reduces to I_p at Δ = 0 and to {0 at r_max, +∞ elsewhere} when saturated", () => {
    for (const x of [0.2, 1, 1.7]) close(ldpRate(ternary, 0, x).J, rateFunction(ternary, x), 1e-14);
    expect(ldpRate(ternary, 2, 2).J).toBe(0);
    expect(ldpRate(ternary, 2, 1.5).J).toBe(INF);
    expect(scgf(ternary, 2, 1.5).value).toBe(3);
    expect(scgf(ternary, 2, 1.5).renyiDivergenceForm).toBeNull();
  });
});

describe("an enormous λ* (two top levels 2^-40 apart: φ_{λ*} of the bottom level underflows)", () => {
  const m = createModel({ counts: [1, 1, 1], r: [0, 1, 1 + 2 ** -40] });
  const delta = 0.7 * m.klMax;
  const { lambda } = lambdaForKl(m, delta);

  it("keeps J exact at r_max and equal to the closed form below x*", () => {
    expect(lambda).toBeGreaterThan(1e12);
    // J(r_max) = −log φ(top) = log(1 + e^{−λ* gap}): the bottom level, φ ≈ e^{−λ*}, is 0 to rounding.
    close(ldpRate(m, delta, m.rMax).J, Math.log1p(Math.exp(-lambda * 2 ** -40)), 1e-13);
    const r = ldpRate(m, delta, 0.5);
    expect(r.J).toBeGreaterThan(1e11);
    close(r.J, r.closedForm, 1e-13);
    close(r.J, r.legendre, 1e-13);
  });

  it("keeps Γ(t) equal to its Rényi divergence form down to t = −0.9 λ*", () => {
    for (const t of [-0.9 * lambda, -0.5 * lambda, -1e3, 1]) {
      const g = scgf(m, delta, t);
      close(g.value, g.renyiDivergenceForm!, 1e-12);
    }
  });
});

describe("scgf Γ(t) = Λ(λ*+t) − Λ(λ*) (MATH §4)", () => {
  it("equals its Rényi cross-entropy and Rényi divergence forms to 1e-10 relative", () => {
    fc.assert(
      fc.property(cases(0.5, 5), fc.double({ min: 0.01, max: 0.99, noNaN: true }), (c, w) => {
        const m = build(c);
        const delta = c.u * m.klMax;
        const { lambda } = lambdaForKl(m, delta);
        // Both forms are defined for t > max(−1, −λ*); t runs over that range up to 3.
        const lo = Math.max(-1, -lambda);
        const t = lo + w * (3 - lo);
        const g = scgf(m, delta, t);
        // From the definition, as a difference of the two log-partitions (rewards are positive, so Γ(t) ≠ 0).
        // That difference loses ε·|Λ(λ*)| (λ* reaches 1e6 here): allow it.
        const big = Math.abs(tiltAt(m, lambda).logPartition);
        close(
          g.value,
          tiltAt(m, lambda + t).logPartition - tiltAt(m, lambda).logPartition,
          1e-10,
          1e-14 * big,
        );
        close(g.renyiCrossEntropyForm!, g.value, 1e-10);
        close(g.renyiDivergenceForm!, g.value, 1e-10);
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it("reports the forms as null outside their orders' ranges", () => {
    const { lambda } = lambdaForKl(ternary, 0.1);
    const g = scgf(ternary, 0.1, -1.5 * lambda);
    expect(g.renyiDivergenceForm).toBeNull();
    expect(Number.isFinite(g.value)).toBe(true);
    expect(scgf(ternary, 0.1, -1).renyiCrossEntropyForm).toBeNull();
    expect(scgf(ternary, 0, 1).renyiDivergenceForm).toBeNull();
  });

  it("has Γ'(0) = x* and Γ''(0) = Var_φ r (central finite differences)", () => {
    const s = ldpSummary(ternary, 0.1, { xs: [], ts: [] });
    const G = (t: number) => scgf(ternary, 0.1, t).value;
    const h = 1e-4;
    // Central differences: errors h²Γ'''/6 and h²Γ''''/12 plus rounding ε/h, ε/h².
    close((G(h) - G(-h)) / (2 * h), s.xStar, 1e-8);
    close((G(2e-3) - 2 * G(0) + G(-2e-3)) / 4e-6, s.cumulants[1], 1e-6);
    close(s.cumulants[0], s.xStar, 1e-15);
  });

  it("gives the cumulants of S_n as n Λ^(k)(λ*) (exact law of S_n under φ by convolution)", () => {
    const s = ldpSummary(ternary, 0.1, { xs: [], ts: [] });
    const { point } = lambdaForKl(ternary, 0.1);
    const phi = [0, 1, 2].map(
      (r, i) => [0.5, 0.3, 0.2][i]! * Math.exp(point.lambda * r - point.logPartition),
    );
    const n = 7;
    let pmf = [1];
    for (let k = 0; k < n; k++) {
      const next = new Array<number>(pmf.length + 2).fill(0);
      pmf.forEach((a, i) => {
        for (let j = 0; j < 3; j++) next[i + j]! += a * phi[j]!;
      });
      pmf = next;
    }
    const mean = pmf.reduce((acc, a, i) => acc + a * i, 0);
    const mu = (k: number) => pmf.reduce((acc, a, i) => acc + a * (i - mean) ** k, 0);
    const k4 = mu(4) - 3 * mu(2) ** 2;
    close(mean, n * s.cumulants[0], 1e-13);
    close(mu(2), n * s.cumulants[1], 1e-12);
    close(mu(3), n * s.cumulants[2], 1e-10);
    close(k4, n * s.cumulants[3], 1e-10);
  });
});

describe("ldpSummary check: −(1/n) log P_φ(S_n ≥ n x) → J(x)", () => {
  it("approaches J with an error decreasing in n and below (log n)/n", () => {
    const delta = 0.1;
    for (const x of [1.2, 1.5, 1.8]) {
      const J = ldpRate(ternary, delta, x).J;
      const errors = [100, 1000, 10000].map((n) => {
        const s = ldpSummary(ternary, delta, { xs: [x], ts: [], checkLength: n });
        expect(s.check).toHaveLength(1);
        return { n, e: s.check![0]!.minusLogTailOverN - J };
      });
      for (let k = 0; k < errors.length; k++) {
        const { n, e } = errors[k]!;
        expect(e).toBeGreaterThan(0);
        expect(e).toBeLessThan(Math.log(n) / n);
        if (k > 0) expect(e).toBeLessThan(errors[k - 1]!.e);
      }
      // Bahadur–Rao, lattice case (Dembo–Zeitouni, Thm 3.7.4; step h = 1, n x on the lattice):
      // P(S_n ≥ n x) ~ e^{−nJ} / (τ σ_τ √(2πn)) · τh/(1 − e^{−τh}), τ = s − λ*, σ_τ² = Var_{φ_s} r,
      // with a relative correction O(1/n) (measured: n·e − ½ log n − limit ≈ 30/n at x = 1.2).
      const { lambda } = lambdaForKl(ternary, delta);
      const sHat = brentRoot((s) => tiltAt(ternary, s).reward - x, 0, 50).x;
      const tau = sHat - lambda;
      const sigma = Math.sqrt(tiltAt(ternary, sHat).variance);
      const limit = Math.log(sigma * Math.sqrt(2 * Math.PI) * -Math.expm1(-tau));
      const last = errors[errors.length - 1]!;
      close(last.n * last.e - 0.5 * Math.log(last.n), limit, 0, 40 / last.n);
    }
  });

  it("lists x above x* only, and takes every reward level's end exactly", () => {
    const s = ldpSummary(ternary, 0.1, { grid: 5, checkLength: 50 });
    expect(s.rate.map((e) => e.x)).toEqual([0, 0.5, 1, 1.5, 2]);
    expect(s.check!.map((e) => e.x)).toEqual([1.5, 2]);
    // P_φ(S_n ≥ 2n) = φ(2)^n, so the check equals J(2) = log(1/φ(2)) at every n.
    close(s.check![1]!.minusLogTailOverN, s.rate[4]!.J, 1e-13);
  });

  it("defaults: 41 grid points, t from −λ*/2 to 3, and rejects bad grids", () => {
    const s = ldpSummary(ternary, 0.1);
    expect(s.rate).toHaveLength(41);
    expect(s.rate[40]!.x).toBe(2);
    expect(s.scgf.map((g) => g.t)).toEqual([-s.lambda / 2, -s.lambda / 4, 0, 0.5, 1, 2, 3]);
    expect(s.check).toBeUndefined();
    expect(thrown(() => ldpSummary(ternary, 0.1, { grid: 1 })).field).toBe("grid");
    expect(thrown(() => ldpSummary(ternary, 0.1, { ts: [Number.NaN] })).field).toBe("t[0]");
  });
});

describe("ldpSummary check on non-lattice rewards: quantised, with a bracket that holds", () => {
  const piModel = createModel({ p: [0.5, 0.25, 0.25], r: [0, 1, Math.PI] });
  it("the bracket contains the exact −(1/n) log P_φ(S_n ≥ n x) (enumeration of all compositions)", () => {
    const delta = 0.1;
    const n = 300;
    const xs = [2.0, 2.4, 2.8];
    const s = ldpSummary(piModel, delta, { xs, ts: [], checkLength: n });
    expect(s.checkMethod).toBe("grid");
    expect(s.checkGrid).toBeGreaterThan(0);
    // Independent: the law of S_n under φ = φ_{λ*} by enumerating every composition of n (multinomial).
    const phi = modelFromLogWeights(tiltLogProbs(piModel, lambdaForKl(piModel, delta).point), piModel.r);
    const law = enumeratedLaw(phi, n)!;
    for (const [k, x] of xs.entries()) {
      let i = 0;
      while (law.values[i]! < n * x) i++;
      const exact = -logSumExp(law.logMass, i, law.values.length) / n;
      const c = s.check![k]!;
      expect(c.x).toBe(x);
      // |S_n − S_n^q| ≤ n·h/2 for the quantised sum, hence the bracket (ldp.ts).
      expect(c.bracket![0]).toBeLessThanOrEqual(exact + 1e-12);
      expect(c.bracket![1]).toBeGreaterThanOrEqual(exact - 1e-12);
      expect(c.minusLogTailOverN).toBeGreaterThanOrEqual(c.bracket![0]);
      expect(c.minusLogTailOverN).toBeLessThanOrEqual(c.bracket![1]);
    }
  });

  it("lattice rewards stay exact; a given grid quantises them too; a bad grid is refused by name", () => {
    expect(ldpSummary(ternary, 0.1, { xs: [1.5], ts: [], checkLength: 50 })).toMatchObject({
      checkMethod: "exact",
      checkGrid: null,
    });
    const g = ldpSummary(ternary, 0.1, { xs: [1.5], ts: [], checkLength: 50, checkGrid: 0.5 });
    expect(g.checkGrid).toBe(0.5);
    expect(
      thrown(() => ldpSummary(piModel, 0.1, { xs: [2], ts: [], checkLength: 50, checkGrid: -1 })).field,
    ).toBe("checkGrid");
  });
});
