import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bestOfN } from "../../src/core/bon.js";
import {
  type BonPoint,
  bonFrontier,
  defaultTemperatures,
  type FrontierPoint,
  frontier,
  optimalFrontier,
  tiltPoint,
} from "../../src/core/frontier.js";
import { createModel, type Model, modelFromLogWeights } from "../../src/core/model.js";
import { optimalReward, tiltAt } from "../../src/core/tilt.js";
import { relErr, thrown } from "../support/assert.js";
import { seededUniform } from "../support/random.js";

const SEED = 20240401;

/** Non-constant models: 2–8 outcomes, weights over two orders of magnitude, rewards with some ties. */
const randomModel = fc
  .integer({ min: 2, max: 8 })
  .chain((k) =>
    fc.record({
      counts: fc.array(fc.double({ min: 0.01, max: 1, noNaN: true }), { minLength: k, maxLength: k }),
      r: fc.array(
        fc.oneof(
          fc.integer({ min: -3, max: 3 }),
          fc.integer({ min: -5000, max: 5000 }).map((k) => k / 1000),
        ),
        { minLength: k, maxLength: k },
      ),
    }),
  )
  .filter(({ r }) => r.some((v) => v !== r[0]))
  .map(({ counts, r }) => createModel({ counts, r }));

const ternary = createModel({ p: [0.5, 0.3, 0.2], r: [0, 1, 2] });

/** Checks the shape every optimal curve must have: endpoints, monotone, concave, on V. */
function checkOptimalCurve(m: Model, curve: readonly FrontierPoint[], strict: boolean): void {
  const first = curve[0]!;
  const last = curve[curve.length - 1]!;
  expect(first).toEqual({ kl: 0, reward: m.mean, lambda: 0 });
  expect(last).toEqual({ kl: m.klMax, reward: m.rMax, lambda: Number.POSITIVE_INFINITY });
  const range = m.rMax - m.rMin;
  const tol = 1e-13 * range;
  for (let i = 0; i + 1 < curve.length; i++) {
    const a = curve[i]!;
    const b = curve[i + 1]!;
    expect(b.lambda).toBeGreaterThan(a.lambda);
    // Towards saturation (λ in the thousands) a point can equal the end point to rounding.
    const atEnd = b.kl >= m.klMax * (1 - 1e-12) || b.reward >= m.rMax - 1e-12 * (m.rMax - m.rMin);
    if (strict && !atEnd) {
      expect(b.kl).toBeGreaterThan(a.kl);
      expect(b.reward).toBeGreaterThan(a.reward);
    } else {
      expect(b.kl).toBeGreaterThanOrEqual(a.kl);
      expect(b.reward).toBeGreaterThanOrEqual(a.reward);
    }
    // Concavity, sharply: V'(Δ) = 1/λ_Δ is decreasing, so the chord's slope lies between the slopes at
    // its ends, 1/λ_b ≤ ΔV/ΔKL ≤ 1/λ_a (written without division, with a rounding allowance).
    const dKl = b.kl - a.kl;
    const dR = b.reward - a.reward;
    if (a.lambda > 0) expect(dR).toBeLessThanOrEqual(dKl / a.lambda + tol);
    if (Number.isFinite(b.lambda)) expect(dR).toBeGreaterThanOrEqual(dKl / b.lambda - tol);
  }
  // Slopes of successive chords do not increase (concavity of reward against KL).
  for (let i = 0; i + 2 < curve.length; i++) {
    const [a, b, c] = [curve[i]!, curve[i + 1]!, curve[i + 2]!];
    // (b − a) slope ≥ (c − b) slope  ⇔  (b.r − a.r)(c.kl − b.kl) ≥ (c.r − b.r)(b.kl − a.kl)
    const lhs = (b.reward - a.reward) * (c.kl - b.kl);
    const rhs = (c.reward - b.reward) * (b.kl - a.kl);
    expect(lhs).toBeGreaterThanOrEqual(rhs - 1e-12 * range * m.klMax);
  }
  for (const pt of curve) {
    expect(Math.abs(pt.reward - optimalReward(m, pt.kl))).toBeLessThanOrEqual(1e-10 * Math.max(1, range));
  }
}

describe("tiltPoint (the frontier's pass over sorted levels)", () => {
  /**
   * The reference is tiltAt: the same formulas over the outcomes in input order, with Math.exp and the
   * Horner series. The two differ only in summation order and the exp kernel, so they must agree to a
   * small multiple of the cancellation both forms allow (cond ≤ 1e3 before switching form).
   */
  function agree(m: Model, lambda: number): void {
    const a = tiltAt(m, lambda);
    const b = tiltPoint(m, lambda);
    const range = m.rMax - m.rMin;
    expect(relErr(b.kl, a.kl), `KL at λ = ${lambda}: ${b.kl} vs ${a.kl}`).toBeLessThanOrEqual(1e-11);
    expect(Math.abs(b.reward - a.reward), `reward at λ = ${lambda}`).toBeLessThanOrEqual(1e-13 * range);
  }
  const lambdas = (m: Model) => {
    const scale = 1 / (Math.sqrt(m.variance) || m.rMax - m.rMin);
    return [1e-9, 1e-5, 0.01, 0.3, 1, 3, 10, 100, 1e3, 1e5].map((c) => c * scale);
  };

  it("agrees with tiltAt on random small models, λ from 1e-9/σ to 1e5/σ", () => {
    fc.assert(
      fc.property(randomModel, (m) => {
        for (const lambda of lambdas(m)) agree(m, lambda);
      }),
      { seed: SEED, numRuns: 150 },
    );
  });

  it("agrees with tiltAt on large models (many blocks, ties, p down to 1e-300, rewards up to ±1e6)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 31 }), fc.boolean(), (seed, ties) => {
        const u = seededUniform(seed);
        const n = 3000;
        const logw = Float64Array.from({ length: n }, () => -690 * u() ** 3);
        const r = Float64Array.from({ length: n }, () =>
          ties ? Math.floor(20 * u()) : (u() - 0.5) * 10 ** (6 * u()),
        );
        const m = modelFromLogWeights(logw, r);
        for (const lambda of lambdas(m)) agree(m, lambda);
      }),
      { seed: SEED, numRuns: 12 },
    );
  });

  it("λ = 0, λ = ∞ and a constant reward are tiltAt's values; a bad λ is tiltAt's InputError", () => {
    expect(tiltPoint(ternary, 0)).toEqual({ kl: 0, reward: ternary.mean });
    expect(tiltPoint(ternary, Number.POSITIVE_INFINITY)).toEqual({ kl: ternary.klMax, reward: 2 });
    expect(tiltPoint(createModel({ p: [0.5, 0.5], r: [1, 1] }), 3)).toEqual({ kl: 0, reward: 1 });
    expect(thrown(() => tiltPoint(ternary, -1)).field).toBe("lambda");
    expect(thrown(() => tiltPoint(ternary, Number.NaN)).field).toBe("lambda");
  });

  it("Bernoulli: the closed form q = θe^λ/(1 − θ + θe^λ), KL = q log(q/θ) + (1−q) log((1−q)/(1−θ))", () => {
    const theta = 0.3;
    const m = createModel({ p: [1 - theta, theta], r: [0, 1] });
    for (const lambda of [1e-6, 0.01, 0.905831, 5, 40]) {
      const z = 1 - theta + theta * Math.exp(lambda);
      const q = (theta * Math.exp(lambda)) / z;
      const q0 = (1 - theta) / z; // 1 − q without cancellation
      const kl = q * Math.log(q / theta) + q0 * Math.log(q0 / (1 - theta));
      const t = tiltPoint(m, lambda);
      expect(relErr(t.reward, q)).toBeLessThanOrEqual(1e-14);
      // The closed-form KL cancels for small λ (it is ~λ²θ(1−θ)/2): compare absolutely there.
      expect(Math.abs(t.kl - kl)).toBeLessThanOrEqual(1e-13 * Math.max(kl, 1e-3));
    }
  });
});

describe("optimal frontier", () => {
  it("ternary: starts at (0, E_p r), ends saturated, increasing, concave, on V", () => {
    const curve = optimalFrontier(ternary, 50);
    expect(curve.length).toBe(50);
    checkOptimalCurve(ternary, curve, true);
    expect(curve[0]!.reward).toBeCloseTo(0.7, 15);
    expect(curve[49]!.kl).toBe(-Math.log(0.2));
  });

  it("random models: the same, for several point counts", () => {
    fc.assert(
      fc.property(randomModel, fc.constantFrom(3, 4, 10, 37, 100), (m, points) => {
        const curve = optimalFrontier(m, points);
        expect(curve.length).toBe(points);
        checkOptimalCurve(m, curve, true);
      }),
      { seed: SEED, numRuns: 150 },
    );
  });

  it("spreads the points along the curve (no long gaps)", () => {
    // In the plane (KL / log(1/p*), (E r − E_p r)/(r_max − E_p r)), with 100 points no chord is long.
    fc.assert(
      fc.property(randomModel, (m) => {
        const curve = optimalFrontier(m, 100);
        for (let i = 0; i + 1 < curve.length; i++) {
          const a = curve[i]!;
          const b = curve[i + 1]!;
          const len = Math.hypot((b.kl - a.kl) / m.klMax, (b.reward - a.reward) / (m.rMax - m.mean));
          expect(len).toBeLessThan(0.05);
        }
      }),
      { seed: SEED, numRuns: 50 },
    );
  });

  it("stays finite and monotone when p* is far below the smallest double", () => {
    // p* = e^{−800}: Var_p r underflows to 0, yet the curve must still reach (800, 1) through the
    // interior (KL grows from 0 to 800 around λ ≈ 800).
    const m = createModel({ logp: [0, -800], r: [0, 1] });
    const curve = optimalFrontier(m, 40);
    expect(curve.length).toBe(40);
    checkOptimalCurve(m, curve, false);
    const interior = curve.filter((pt) => pt.kl > 1 && pt.kl < 799);
    expect(interior.length).toBeGreaterThanOrEqual(3);
  });

  it("a constant reward model gives a single point (λ = 0)", () => {
    const m = createModel({ p: [0.25, 0.75], r: [3, 3] });
    expect(optimalFrontier(m, 100)).toEqual([{ kl: 0, reward: 3, lambda: 0 }]);
    const f = frontier(m);
    expect(f.optimal).toEqual([{ kl: 0, reward: 3, lambda: 0 }]);
    expect(f.bon).toEqual([{ n: 1, logN: 0, kl: 0, reward: 3, klBound: 0 }]);
    expect(f.klMax).toBe(0);
    expect(f.rewardMax).toBe(3);
  });

  it.each([2, 3.5, 100001, Number.NaN, Number.POSITIVE_INFINITY])(
    "points = %d is an InputError",
    (points) => {
      expect(thrown(() => optimalFrontier(ternary, points)).field).toBe("points");
    },
  );
});

describe("best-of-N frontier", () => {
  /** BoN points as the frontier gives them must be exactly bestOfN at those N (powers of two given as N). */
  function checkAgainstBestOfN(m: Model, pts: readonly BonPoint[]): void {
    for (const pt of pts) {
      const exact = Number.isInteger(Math.log2(pt.n)) && pt.n <= 2 ** 64;
      const r = bestOfN(m, exact ? { n: pt.n } : { logN: pt.logN });
      expect(pt).toEqual({
        n: exact ? pt.n : r.n,
        logN: r.logN,
        kl: r.kl,
        reward: r.reward,
        klBound: r.klBound,
      });
    }
  }

  it("never lies above the optimal curve: reward ≤ V(KL) (the frontier is optimal)", () => {
    fc.assert(
      fc.property(randomModel, (m) => {
        const pts = bonFrontier(m);
        for (const pt of pts) {
          expect(pt.reward).toBeLessThanOrEqual(optimalReward(m, pt.kl) + 1e-12);
          expect(pt.kl).toBeLessThanOrEqual(pt.klBound * (1 + 1e-12));
        }
      }),
      { seed: SEED, numRuns: 150 },
    );
  });

  it("doubles N from 1 and stops at saturation", () => {
    const pts = bonFrontier(ternary);
    checkAgainstBestOfN(ternary, pts);
    pts.forEach((pt, k) => {
      expect(pt.logN).toBe(k * Math.LN2);
    });
    const last = pts[pts.length - 1]!;
    expect(last.kl).toBeGreaterThanOrEqual(ternary.klMax * (1 - 1e-9));
    for (const pt of pts.slice(0, -1)) expect(pt.kl).toBeLessThan(ternary.klMax * (1 - 1e-9));
    // p* = 0.2: (0.8)^N ≈ 1e-9 relative of log 5 needs N ≈ 100, i.e. 2^7 = 128.
    expect(pts.length).toBe(8);
  });

  it("random models: stops at saturation or at maxLogN, whichever comes first", () => {
    fc.assert(
      fc.property(randomModel, fc.double({ min: 0, max: 60, noNaN: true }), (m, maxLogN) => {
        const pts = bonFrontier(m, maxLogN);
        expect(pts.length).toBeGreaterThanOrEqual(1);
        expect(pts[0]!.logN).toBe(0);
        const saturated = (pt: BonPoint) => pt.kl >= m.klMax * (1 - 1e-9);
        for (const pt of pts) expect(pt.logN).toBeLessThanOrEqual(maxLogN);
        for (const pt of pts.slice(0, -1)) expect(saturated(pt)).toBe(false);
        for (let i = 0; i + 1 < pts.length; i++) {
          expect(pts[i + 1]!.logN).toBeGreaterThan(pts[i]!.logN);
          expect(pts[i + 1]!.kl).toBeGreaterThanOrEqual(pts[i]!.kl);
        }
        const last = pts[pts.length - 1]!;
        if (!saturated(last)) {
          // Not saturated: the next doubling (or the next geometric step) would exceed maxLogN.
          if (maxLogN <= 64 * Math.LN2) expect(last.logN + Math.LN2).toBeGreaterThan(maxLogN);
          else expect(last.logN).toBeCloseTo(maxLogN, 9);
        }
      }),
      { seed: SEED, numRuns: 150 },
    );
  });

  it("maxLogN is honoured, and beyond 2^64 it continues geometrically in log N", () => {
    expect(bonFrontier(ternary, 0).map((pt) => pt.logN)).toEqual([0]);
    expect(bonFrontier(ternary, 3).map((pt) => pt.logN)).toEqual([0, 1, 2, 3, 4].map((k) => k * Math.LN2));
    // p* = e^{−800}: BoN saturates only near N p* ≈ 20 e^{…}, i.e. log N ≈ 800 + log 21 (the 1e-9 rule).
    const m = createModel({ logp: [0, -800], r: [0, 1] });
    const capped = bonFrontier(m);
    expect(capped.length).toBe(65);
    expect(capped[64]!.logN).toBe(64 * Math.LN2);
    const pts = bonFrontier(m, 1e4);
    checkAgainstBestOfN(m, pts.slice(60, 70));
    for (const pt of pts) expect(pt.logN).toBeLessThanOrEqual(1e4);
    const beyond = pts.slice(65);
    // Geometric in log N: a constant ratio (1e4 / (64 log 2))^{1/100}.
    const ratio = (1e4 / (64 * Math.LN2)) ** (1 / 100);
    for (let i = 0; i + 1 < beyond.length; i++) {
      expect(beyond[i + 1]!.logN / beyond[i]!.logN).toBeCloseTo(ratio, 12);
    }
    const last = pts[pts.length - 1]!;
    expect(last.kl).toBeGreaterThanOrEqual(800 * (1 - 1e-9));
    expect(last.logN).toBeGreaterThan(800);
    expect(last.logN).toBeLessThan(900);
    expect(last.n).toBe(Number.POSITIVE_INFINITY);
    for (const pt of pts) expect(pt.reward).toBeLessThanOrEqual(optimalReward(m, pt.kl) + 1e-12);
  });

  it("the last geometric step lands on maxLogN, never beyond it", () => {
    const m = createModel({ logp: [0, -1e5], r: [0, 1] });
    fc.assert(
      fc.property(fc.double({ min: 45, max: 1e5, noNaN: true }), (maxLogN) => {
        const pts = bonFrontier(m, maxLogN);
        expect(pts.length).toBe(165);
        const last = pts[pts.length - 1]!;
        expect(last.logN).toBeGreaterThanOrEqual(maxLogN * (1 - 1e-12));
        for (const pt of pts) expect(pt.logN).toBeLessThanOrEqual(maxLogN);
      }),
      { seed: SEED, numRuns: 100 },
    );
  });

  it.each([-1, Number.NaN])("maxLogN = %d is an InputError", (maxLogN) => {
    expect(thrown(() => bonFrontier(ternary, maxLogN)).field).toBe("maxLogN");
  });
});

describe("frontier", () => {
  it("combines the optimal curve, best-of-N and the saturation point", () => {
    const f = frontier(ternary, { points: 20, maxLogN: 5 });
    expect(f.optimal.length).toBe(20);
    expect(f.bon.map((b) => b.logN)).toEqual([0, 1, 2, 3, 4, 5, 6, 7].map((k) => k * Math.LN2));
    expect(f.klMax).toBe(ternary.klMax);
    expect(f.rewardMax).toBe(2);
    expect(f.softBon).toBeUndefined();
    expect(Object.keys(frontier(ternary))).toEqual(["optimal", "bon", "klMax", "rewardMax"]);
    expect(frontier(ternary).optimal.length).toBe(100);
  });

  it("soft best-of-N curves sit under the optimal curve too", () => {
    const f = frontier(ternary, { points: 10, softN: [4] });
    const soft = f.softBon ?? [];
    const temperatures = defaultTemperatures(ternary);
    expect(soft.length).toBe(temperatures.length);
    soft.forEach((s, k) => {
      expect(s.n).toBe(4);
      expect(s.temperature).toBe(temperatures[k]);
      expect(s.kl).toBeGreaterThanOrEqual(0);
      expect(s.reward).toBeLessThanOrEqual(optimalReward(ternary, s.kl) + 1e-9);
    });
    // Low temperature: best-of-4 itself; high temperature: p itself.
    const bon4 = bestOfN(ternary, { n: 4 });
    expect(soft[0]!.kl).toBeCloseTo(bon4.kl, 6);
    expect(soft[0]!.reward).toBeCloseTo(bon4.reward, 6);
    expect(soft[soft.length - 1]!.kl).toBeLessThan(1e-6);
  });
});
