import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { InputError } from "../../src/core/errors.js";
import { levelsOf } from "../../src/core/levels.js";
import { createModel, type Model } from "../../src/core/model.js";
import { softBestOfN, softBonOutcomeLogProbs } from "../../src/core/softBon.js";
import { tiltAt } from "../../src/core/tilt.js";

// ---------------------------------------------------------------------------------------------------
// Helpers and independent references (plain arrays, no library code)
// ---------------------------------------------------------------------------------------------------

const model = (p: number[], r: number[]): Model => createModel({ p, r });

function expectClose(actual: number, expected: number, abs: number, rel = 0): void {
  const err = Math.abs(actual - expected);
  if (!(err <= abs + rel * Math.abs(expected))) {
    throw new Error(`expected ${expected}, got ${actual} (error ${err})`);
  }
}

function thrown(f: () => unknown): InputError {
  try {
    f();
  } catch (e) {
    if (e instanceof InputError) return e;
    throw e;
  }
  throw new Error("expected an InputError");
}

/** π per outcome (support order = input order when every p > 0). */
function outcomeProbs(m: Model, opts: { n?: number; logN?: number; temperature: number }): number[] {
  return Array.from(softBonOutcomeLogProbs(m, softBestOfN(m, opts)), Math.exp);
}

/**
 * N = 2 by enumeration of ordered pairs (y, y'): the pair has probability p(y)p(y'), and the first
 * draw is output with probability w(y)/(w(y) + w(y')). Outcome y is output as the first draw of
 * (y, y') or as the second draw of (y', y), which have the same probability, so
 * π(y) = Σ_{y'} p(y) p(y') · 2 w(y)/(w(y) + w(y')).
 */
function softBon2(p: number[], r: number[], tau: number): number[] {
  return p.map((py, i) =>
    p.reduce((acc, pz, j) => acc + py * pz * (2 / (1 + Math.exp((r[j]! - r[i]!) / tau))), 0),
  );
}

/**
 * Integer N by brute force over all N-tuples: the tuple (y_1..y_N) has probability Π p(y_i), and
 * position i is output with probability w(y_i)/Σ_j w(y_j).
 */
function softBonBrute(p: number[], r: number[], tau: number, n: number): number[] {
  const out = p.map(() => 0);
  const idx = new Array<number>(n).fill(0);
  for (;;) {
    let prob = 1;
    let wsum = 0;
    for (const i of idx) {
      prob *= p[i]!;
      wsum += Math.exp(r[i]! / tau);
    }
    for (const i of idx) out[i]! += (prob * Math.exp(r[i]! / tau)) / wsum;
    let k = 0;
    while (k < n && ++idx[k]! === p.length) idx[k++] = 0;
    if (k === n) return out;
  }
}

/** Best-of-N law of the selected reward level (MATH §2): P_N(v) = F(v)^N − F(v⁻)^N, by direct sums. */
function bonLevelLaw(p: number[], r: number[], n: number): { values: number[]; probs: number[] } {
  const values = [...new Set(r)].sort((a, b) => a - b);
  const F = (v: number, strict: boolean) =>
    p.reduce((acc, pi, i) => acc + ((strict ? r[i]! < v : r[i]! <= v) ? pi : 0), 0);
  return { values, probs: values.map((v) => F(v, false) ** n - F(v, true) ** n) };
}

const randomModel = fc
  .integer({ min: 2, max: 7 })
  .chain((size) =>
    fc.record({
      counts: fc.array(fc.double({ min: 0.01, max: 1, noNaN: true }), { minLength: size, maxLength: size }),
      // Quarter steps in [−5, 5], so ties occur.
      r: fc.array(
        fc.integer({ min: -20, max: 20 }).map((k) => k / 4),
        { minLength: size, maxLength: size },
      ),
    }),
  )
  .map(({ counts, r }) => createModel({ counts, r }));

const logTemperature = fc.double({ min: -2, max: 2, noNaN: true });

// ---------------------------------------------------------------------------------------------------
// Exact laws for small N
// ---------------------------------------------------------------------------------------------------

describe("soft best-of-N: closed forms for small N", () => {
  const p = [0.1, 0.2, 0.3, 0.15, 0.25];
  const r = [0, 1, 2.5, 1, -0.5]; // a tie at r = 1
  const m = model(p, r);

  for (const tau of [0.05, 0.3, 1, 4, 50]) {
    it(`N = 2 matches the pair enumeration (τ = ${tau})`, () => {
      const expected = softBon2(p, r, tau);
      const actual = outcomeProbs(m, { n: 2, temperature: tau });
      actual.forEach((a, i) => {
        expectClose(a, expected[i]!, 1e-12);
      });
    });
  }

  for (const tau of [0.1, 0.7, 3]) {
    it(`N = 3 matches brute force over all 27 triples (τ = ${tau})`, () => {
      const p3 = [0.5, 0.3, 0.2];
      const r3 = [0, 0.4, 1.1];
      const expected = softBonBrute(p3, r3, tau, 3);
      expect(expected.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 14);
      const actual = outcomeProbs(model(p3, r3), { n: 3, temperature: tau });
      actual.forEach((a, i) => {
        expectClose(a, expected[i]!, 1e-12);
      });
    });
  }

  it("N = 4 with ties matches brute force over all 4-tuples", () => {
    const expected = softBonBrute(p, r, 0.8, 4);
    const actual = outcomeProbs(m, { n: 4, temperature: 0.8 });
    actual.forEach((a, i) => {
      expectClose(a, expected[i]!, 1e-12);
    });
  });

  it("within a level the law is proportional to p", () => {
    const res = softBestOfN(m, { n: 6.5, temperature: 0.4 });
    const out = softBonOutcomeLogProbs(m, res);
    // Outcomes 1 and 3 share r = 1 with p = 0.2 and 0.15.
    expectClose(out[1]! - out[3]!, Math.log(0.2 / 0.15), 1e-14);
  });

  it("n and logN give the same result", () => {
    const a = softBestOfN(m, { n: 10, temperature: 0.5 });
    const b = softBestOfN(m, { logN: Math.log(10), temperature: 0.5 });
    a.levelLogProbs.forEach((x, l) => {
      expectClose(x, b.levelLogProbs[l]!, 1e-14);
    });
    expect(a.n).toBe(10);
    expectClose(b.n, 10, 1e-13);
  });
});

// ---------------------------------------------------------------------------------------------------
// Normalisation and limits
// ---------------------------------------------------------------------------------------------------

describe("soft best-of-N: normalisation and limits", () => {
  it("sums to 1 before renormalisation (random models, τ ∈ [0.01, 100], log N ∈ [0, 30])", () => {
    fc.assert(
      fc.property(randomModel, logTemperature, fc.double({ min: 0, max: 30, noNaN: true }), (m, lt, logN) => {
        const res = softBestOfN(m, { logN, temperature: 10 ** lt });
        expect(res.normalizationError).toBeLessThanOrEqual(1e-12);
        const total = res.levelLogProbs.reduce((a, x) => a + Math.exp(x), 0);
        expectClose(total, 1, 1e-14);
      }),
      { seed: 42, numRuns: 150 },
    );
  });

  it("N = 1 gives p for every τ, τ = ∞ gives p for every N, constant reward gives p", () => {
    fc.assert(
      fc.property(randomModel, logTemperature, fc.double({ min: 0, max: 50, noNaN: true }), (m, lt, logN) => {
        const lv = levelsOf(m);
        for (const res of [
          softBestOfN(m, { n: 1, temperature: 10 ** lt }),
          softBestOfN(m, { logN, temperature: Number.POSITIVE_INFINITY }),
        ]) {
          expect(Array.from(res.levelLogProbs)).toEqual(Array.from(lv.logMass));
          expect(res.kl).toBe(0);
          expect(res.normalizationError).toBe(0);
        }
      }),
      { seed: 42, numRuns: 50 },
    );
    const flat = createModel({ p: [0.2, 0.8], r: [3, 3] });
    const res = softBestOfN(flat, { n: 1000, temperature: 0.1 });
    expect(res.levelLogProbs[0]).toBe(0);
    expect(res.reward).toBe(3);
    expect(res.kl).toBe(0);
  });

  it("τ → 0 (τ = 1e-6, rewards ≥ 0.1 apart) gives the best-of-N law F(v)^N − F(v⁻)^N", () => {
    const p = [0.3, 0.1, 0.25, 0.05, 0.3];
    const r = [0, 0.1, 0.7, 0.1, 1.5]; // a tie at 0.1
    const m = model(p, r);
    for (const n of [1.5, 2, 3, 7.25, 20]) {
      const bon = bonLevelLaw(p, r, n);
      const res = softBestOfN(m, { n, temperature: 1e-6 });
      expect(Array.from(levelsOf(m).values)).toEqual(bon.values);
      res.levelLogProbs.forEach((x, l) => {
        expectClose(Math.exp(x), bon.probs[l]!, 1e-9);
      });
    }
  });

  it("huge N in logs: τ small against the reward gap gives best-of-N, 1 − (1 − P*)^N, to 1e-12", () => {
    // With (v_1 − v_0)/τ = 1e5 a lower draw is output beside a top one with probability e^{−1e5}, so π
    // is the best-of-N law to double precision: π(top) = 1 − (1 − P*)^N = −expm1(N log1p(−P*)) and
    // π(bottom) = (1 − P*)^N, where for P* = e^{−20000}, N = e^{20000+δ}:
    // N log1p(−P*) = −e^δ (1 + P*/2 + …) = −e^δ.
    const m = createModel({ logp: [0, -20000], r: [0, 1] });
    for (const delta of [-10, -1, 0, 2, 5]) {
      const res = softBestOfN(m, { logN: 20000 + delta, temperature: 1e-5 });
      const a = Math.exp(delta); // N P*
      expectClose(res.levelLogProbs[1]!, Math.log(-Math.expm1(-a)), 1e-12, 1e-12);
      expectClose(res.levelLogProbs[0]!, -a, 1e-12, 1e-12);
      expect(res.normalizationError).toBeLessThanOrEqual(1e-12);
    }
  });

  it("N → ∞ approaches the tilt φ_{1/τ}: KL(π‖φ) decreases and N·KL stays bounded (Verdun et al.)", () => {
    const p = [0.2, 0.3, 0.4, 0.1];
    const r = [0, 1, 2.5, 3];
    const m = model(p, r);
    for (const tau of [0.5, 1, 3]) {
      const ns = [1e3, 1e4, 1e5];
      const kls = ns.map((n) => softBestOfN(m, { n, temperature: tau }).klToTilt);
      expect(kls[0]!).toBeGreaterThan(kls[1]!);
      expect(kls[1]!).toBeGreaterThan(kls[2]!);
      const scaled = kls.map((kl, i) => kl * ns[i]!);
      for (const s of scaled) expect(s).toBeLessThan(1);
      expect(scaled[2]!).toBeLessThan(scaled[0]!);
      // Sharper: with μ = E_p w and S the sum of the other N − 1 draws, π(y)/φ(y) = E[Nμ/(w(y) + S)]
      // = 1 + (E_φ w − w(y))/(Nμ) + O(N⁻²) (expand around S = (N−1)μ, E(S − (N−1)μ)² = (N−1)Var_p w),
      // so N² KL(π‖φ) → ½ Var_φ(w)/μ².
      const w = r.map((x) => Math.exp(x / tau));
      const mu = p.reduce((a, pi, i) => a + pi * w[i]!, 0);
      const phi = p.map((pi, i) => (pi * w[i]!) / mu);
      const m1 = phi.reduce((a, f, i) => a + (f * w[i]!) / mu, 0);
      const varPhi = phi.reduce((a, f, i) => a + f * (w[i]! / mu - m1) ** 2, 0);
      expectClose(kls[2]! * 1e10, varPhi / 2, 0, 1e-3);
    }
  });

  it("N = ∞ (or log N far beyond the model's scale) gives the tilt itself", () => {
    const m = model([0.2, 0.3, 0.5], [0, 1, 2.5]);
    const phi = tiltAt(m, 2);
    for (const opts of [{ n: Number.POSITIVE_INFINITY }, { logN: 1e6 }]) {
      const res = softBestOfN(m, { ...opts, temperature: 0.5 });
      expect(res.klToTilt).toBe(0);
      expectClose(res.reward, phi.reward, 1e-14, 1e-14);
      expectClose(res.kl, phi.kl, 1e-14, 1e-12);
    }
    // Just below the switch the quadrature gives the same law.
    const near = softBestOfN(m, { logN: 60, temperature: 0.5 });
    expectClose(near.reward, phi.reward, 1e-14, 1e-14);
    expect(near.klToTilt).toBeLessThan(1e-25);
  });
});

// ---------------------------------------------------------------------------------------------------
// Monotonicity
// ---------------------------------------------------------------------------------------------------

describe("soft best-of-N: monotonicity", () => {
  it("reward increases with N", () => {
    fc.assert(
      fc.property(randomModel, logTemperature, (m, lt) => {
        const tau = 10 ** lt;
        let prev = Number.NEGATIVE_INFINITY;
        for (const logN of [0, 0.5, 1, 2, 4, 8, 16]) {
          const reward = softBestOfN(m, { logN, temperature: tau }).reward;
          expect(reward).toBeGreaterThanOrEqual(prev - 1e-12);
          prev = reward;
        }
      }),
      { seed: 42, numRuns: 40 },
    );
  });

  it("reward decreases with τ (for each draw the softmax mean increases with 1/τ)", () => {
    fc.assert(
      fc.property(randomModel, fc.double({ min: 0.1, max: 10, noNaN: true }), (m, logN) => {
        let prev = Number.POSITIVE_INFINITY;
        for (const tau of [0.01, 0.05, 0.2, 1, 5, 25, 100]) {
          const reward = softBestOfN(m, { logN, temperature: tau }).reward;
          expect(reward).toBeLessThanOrEqual(prev + 1e-12);
          prev = reward;
        }
      }),
      { seed: 42, numRuns: 40 },
    );
  });
});

// ---------------------------------------------------------------------------------------------------
// Extremes: no NaN
// ---------------------------------------------------------------------------------------------------

describe("soft best-of-N: extreme inputs", () => {
  const extremeModel = fc
    .integer({ min: 2, max: 6 })
    .chain((size) =>
      fc.record({
        logp: fc.array(fc.double({ min: -690, max: 0, noNaN: true }), { minLength: size, maxLength: size }),
        r: fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: size, maxLength: size }),
      }),
    )
    .map(({ logp, r }) => createModel({ counts: logp.map(Math.exp), r }));

  function checkFinite(m: Model, logN: number, tau: number): void {
    const res = softBestOfN(m, { logN, temperature: tau });
    for (const x of [res.reward, res.kl, res.normalizationError, ...res.levelLogProbs]) {
      expect(Number.isNaN(x)).toBe(false);
    }
    expect(Number.isNaN(res.klToTilt)).toBe(false);
    expect(res.kl).toBeGreaterThanOrEqual(0);
    expect(res.klToTilt).toBeGreaterThanOrEqual(0);
    expect(res.reward).toBeGreaterThanOrEqual(m.rMin);
    expect(res.reward).toBeLessThanOrEqual(m.rMax);
    expect(res.normalizationError).toBeLessThanOrEqual(1e-12);
    expectClose(
      res.levelLogProbs.reduce((a, x) => a + Math.exp(x), 0),
      1,
      1e-14,
    );
  }

  it("rewards ±1e6, p down to 1e-300, τ from 1e-8 to 1e8, log N up to 700", () => {
    fc.assert(
      fc.property(
        extremeModel,
        fc.double({ min: -8, max: 8, noNaN: true }),
        fc.oneof(fc.double({ min: 0, max: 700, noNaN: true }), fc.constantFrom(0, 1e-12, 700)),
        (m, lt, logN) => checkFinite(m, logN, 10 ** lt),
      ),
      { seed: 42, numRuns: 150 },
    );
  });

  it("log N up to 1e4 (and beyond), including models where the quadrature must run that far", () => {
    fc.assert(
      fc.property(
        extremeModel,
        fc.double({ min: -8, max: 8, noNaN: true }),
        fc.double({ min: 700, max: 1e4, noNaN: true }),
        (m, lt, logN) => checkFinite(m, logN, 10 ** lt),
      ),
      { seed: 42, numRuns: 60 },
    );
    // With τ = 1e-4 the top mass e^{−20000} keeps π away from the tilt until log N ≈ 20000, so these
    // run the quadrature with s ≈ −log N.
    const deep = createModel({ logp: [0, -12000, -20000], r: [0, 1, 2] });
    for (const logN of [1e3, 5e3, 9e3, 1e4, 1e6, 1e12, 1e300]) {
      for (const tau of [1e-4, 1e-3]) checkFinite(deep, logN, tau);
    }
  });
});

// ---------------------------------------------------------------------------------------------------
// Bad input
// ---------------------------------------------------------------------------------------------------

describe("soft best-of-N: bad input", () => {
  const m = model([0.5, 0.5], [0, 1]);
  const bad = (opts: Record<string, unknown>) =>
    thrown(() => softBestOfN(m, opts as { n?: number; logN?: number; temperature: number }));

  it("N < 1, NaN or not a number", () => {
    const e = bad({ n: 0.5, temperature: 1 });
    expect(e.field).toBe("n");
    expect(e.detail).toBe("N must be ≥ 1, got 0.5");
    expect(bad({ n: Number.NaN, temperature: 1 }).field).toBe("n");
    expect(bad({ n: "10", temperature: 1 }).field).toBe("n");
  });

  it("log N < 0 or NaN", () => {
    expect(bad({ logN: -1, temperature: 1 }).field).toBe("logN");
    expect(bad({ logN: Number.NaN, temperature: 1 }).field).toBe("logN");
  });

  it("neither or both of n and logN", () => {
    expect(bad({ temperature: 1 }).field).toBe("n");
    expect(bad({ n: 2, logN: 1, temperature: 1 }).field).toBe("logN");
  });

  it("τ ≤ 0, NaN, −∞ or missing", () => {
    const e = bad({ n: 2, temperature: 0 });
    expect(e.field).toBe("temperature");
    expect(e.detail).toBe("τ must be > 0, got 0");
    for (const t of [-1, Number.NaN, Number.NEGATIVE_INFINITY, undefined, "1"]) {
      expect(bad({ n: 2, temperature: t }).field).toBe("temperature");
    }
  });
});
