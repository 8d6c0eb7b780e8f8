import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { InputError } from "../../src/core/errors.js";
import { createModel, type Model, modelFromLogWeights } from "../../src/core/model.js";
import { logSumExp } from "../../src/core/numerics/logspace.js";
import { integrate } from "../../src/core/numerics/quadrature.js";
import {
  cumulants,
  lambdaForKl,
  logPartition,
  optimalReward,
  optimalRewardDual,
  tiltAt,
  tiltLogProbs,
} from "../../src/core/tilt.js";
import { close, EPS, INF, SEED } from "../support/assert.js";
import { seededUniform } from "../support/random.js";

interface Spec {
  readonly counts: number[];
  readonly r: number[];
}

/**
 * Random models: 1..30 outcomes, p from integer counts (zeros allowed, not all zero), rewards either small
 * integers (many ties) or reals.
 */
function specs(
  options: { rewardMax?: number; zeros?: boolean; nonConstant?: boolean } = {},
): fc.Arbitrary<Spec> {
  const rewardMax = options.rewardMax ?? 10;
  const minCount = options.zeros === false ? 1 : 0;
  // Real rewards below 1e-6 in magnitude become 0 (subnormal spreads are covered by the extreme models).
  const reward = fc.oneof(
    fc.integer({ min: -Math.min(5, rewardMax), max: Math.min(5, rewardMax) }),
    fc.double({ min: -rewardMax, max: rewardMax, noNaN: true }).map((v) => (Math.abs(v) < 1e-6 ? 0 : v)),
  );
  return fc
    .integer({ min: 1, max: 30 })
    .chain((n) =>
      fc.record({
        counts: fc.array(fc.integer({ min: minCount, max: 20 }), { minLength: n, maxLength: n }),
        r: fc.array(reward, { minLength: n, maxLength: n }),
      }),
    )
    .filter((s) => s.counts.some((c) => c > 0))
    .filter((s) => {
      if (!options.nonConstant) return true;
      const rs = s.r.filter((_, i) => s.counts[i]! > 0);
      return rs.some((v) => v !== rs[0]);
    });
}

const build = (s: Spec): Model => createModel({ counts: s.counts, r: s.r });

/** Support of a spec: probabilities from counts and rewards, outcomes with count 0 dropped. */
function support(s: Spec): { p: number[]; r: number[] } {
  const total = s.counts.reduce((a, b) => a + b, 0);
  const p: number[] = [];
  const r: number[] = [];
  s.counts.forEach((c, i) => {
    if (c > 0) {
      p.push(c / total);
      r.push(s.r[i]!);
    }
  });
  return { p, r };
}

/**
 * Direct enumeration of the tilt at λ (reference), in rewards measured from their maximum t (so no large
 * λ·r exponents): Λ − λt = logsumexp(log p + λ(r − t)), φ = p e^{λ(r − t) − (Λ − λt)}, the φ-mean m and
 * central moments about it, and d(λ) = λ E_φ r − Λ = −log Σ p e^{λ(r − m)}.
 */
function reference(p: readonly number[], r: readonly number[], lambda: number) {
  const top = Math.max(...r);
  const dr = r.map((v) => v - top);
  const logZTop = logSumExp(p.map((pi, i) => Math.log(pi) + lambda * dr[i]!));
  const phi = p.map((pi, i) => Math.exp(Math.log(pi) + lambda * dr[i]! - logZTop));
  let m = 0;
  for (let i = 0; i < p.length; i++) m += phi[i]! * dr[i]!;
  let m2 = 0;
  let m3 = 0;
  let m4 = 0;
  for (let i = 0; i < p.length; i++) {
    const d = dr[i]! - m;
    m2 += phi[i]! * d * d;
    m3 += phi[i]! * d ** 3;
    m4 += phi[i]! * d ** 4;
  }
  const logZMean = logSumExp(p.map((pi, i) => Math.log(pi) + lambda * (dr[i]! - m)));
  return {
    logZ: logZTop + lambda * top,
    phi,
    mean: top + m,
    k2: m2,
    k3: m3,
    k4: m4 - 3 * m2 * m2,
    d: -logZMean,
  };
}

/** Moments of r under p, by direct enumeration: μ, σ² and the third and fourth cumulants. */
function moments(p: readonly number[], r: readonly number[]) {
  const ref = reference(p, r, 0);
  return { mu: ref.mean, var: ref.k2, k3: ref.k3, k4: ref.k4 };
}

/** Log-uniform Δ in [lo, hi]. */
const logUniform = (lo: number, hi: number) =>
  fc
    .double({ min: 0, max: 1, noNaN: true })
    .map((t) => Math.exp(Math.log(lo) + t * (Math.log(hi) - Math.log(lo))));

describe("Bernoulli closed forms", () => {
  /** p = (1 − θ, θ), r = (0, 1): φ_λ(1) = θe^λ/(1 − θ + θe^λ), written without overflow. */
  const qOf = (theta: number, lambda: number) => 1 / (1 + ((1 - theta) / theta) * Math.exp(-lambda));
  /** KL(Bernoulli(q) ‖ Bernoulli(θ)) by the textbook formula. */
  const klBern = (q: number, theta: number) =>
    (q === 0 ? 0 : q * Math.log(q / theta)) + (q === 1 ? 0 : (1 - q) * Math.log((1 - q) / (1 - theta)));
  /** d(λ) = ∫_0^λ t Λ''(t) dt with Λ'' = q(1 − q): a route with no cancellation at small λ. */
  const dIntegral = (theta: number, lambda: number) =>
    integrate(
      // 1 − q = 1/(1 + (θ/(1 − θ)) e^t), formed directly (1 − q by subtraction loses accuracy as q → 1).
      (t) => (t * qOf(theta, t)) / (1 + (theta / (1 - theta)) * Math.exp(t)),
      [0, lambda],
    ).value;

  it("matches q = θe^λ/(1 − θ + θe^λ) and KL(Bernoulli(q)‖Bernoulli(θ)) for many (θ, λ)", () => {
    fc.assert(
      fc.property(
        fc.double({ min: 1e-6, max: 1 - 1e-6, noNaN: true }),
        logUniform(1e-6, 30),
        (theta, lambda) => {
          const model = createModel({ p: [1 - theta, theta], r: [0, 1] });
          const t = tiltAt(model, lambda);
          const q = qOf(theta, lambda);
          close(t.reward, q, 1e-13);
          // The textbook KL carries an absolute error ≈ ε (from log((1 − q)/(1 − θ))); use it where
          // KL ≥ 1e-3, and the integral everywhere.
          const ref = klBern(q, theta);
          if (ref > 1e-3) close(t.kl, ref, 1e-11);
          close(t.kl, dIntegral(theta, lambda), 1e-12);
          // Λ(λ) = log(1 − θ + θe^λ) = log1p(θ expm1(λ)) (no cancellation for any λ ≤ 30).
          close(t.logPartition, Math.log1p(theta * Math.expm1(lambda)), 1e-13);
          // Cumulants of a Bernoulli(q) variable.
          const [k1, k2, k3, k4] = cumulants(model, t);
          const v = q / (1 + (theta / (1 - theta)) * Math.exp(lambda)); // q(1 − q), 1 − q formed directly
          close(k1, q, 1e-13);
          close(k2, v, 1e-11);
          close(k3, v * (1 - 2 * q), 1e-9, 1e-14 * v);
          close(k4, v * (1 - 6 * v), 1e-9, 1e-14 * v);
        },
      ),
      { seed: SEED, numRuns: 200 },
    );
  });

  it("solves bernoulli:0.3 at Δ = 0.1 (λ ≈ 0.905831, reward ≈ 0.514629)", () => {
    const model = createModel({ outcomes: ["0", "1"], p: [0.7, 0.3], r: [0, 1] });
    const sol = lambdaForKl(model, 0.1);
    expect(sol.saturated).toBe(false);
    const reward = optimalReward(model, 0.1);
    // Issue specification values (6 digits).
    close(sol.lambda, 0.905831, 0, 1e-6);
    close(reward, 0.514629, 0, 1e-6);
    // mpmath 1.3.0, mp.dps = 40, findroot of KL(Bernoulli(q(λ))‖Bernoulli(0.3)) = 0.1 at θ = the double 0.3:
    // λ = 0.905831050782657042786…, q = 0.514629121059465606138…
    close(sol.lambda, 0.905831050782657, 1e-12);
    close(reward, 0.5146291210594656, 1e-12);
    // Closed forms at the returned λ: reward = q(λ), and KL(Bernoulli(q)‖Bernoulli(0.3)) = Δ.
    close(reward, qOf(0.3, sol.lambda), 1e-12);
    close(klBern(qOf(0.3, sol.lambda), 0.3), 0.1, 1e-12);
    close(optimalRewardDual(model, 0.1), reward, 1e-12);
  });
});

describe("d(λ) = KL(φ_λ‖p)", () => {
  it("is increasing in λ, bounded by log 1/p*, and matches direct enumeration", () => {
    fc.assert(
      fc.property(
        specs({ nonConstant: true }),
        fc.double({ min: 0, max: 5, noNaN: true }),
        fc.double({ min: 1e-6, max: 1, noNaN: true }),
        (s, a, gap) => {
          const model = build(s);
          const { p, r } = support(s);
          const R = model.rMax - model.rMin;
          const l1 = a / R;
          const l2 = l1 * (1 + gap) + gap / R;
          const d1 = tiltAt(model, l1).kl;
          const d2 = tiltAt(model, l2).kl;
          expect(d2).toBeGreaterThanOrEqual(d1 * (1 - 1e-12));
          expect(d2).toBeLessThanOrEqual(model.klMax);
          const ref = reference(p, r, l2);
          // Direct enumeration loses ~ε·(λR)/d to the cancellation inside −Λ_c; compare where d is not tiny.
          if (ref.d > 1e-6) close(d2, ref.d, 1e-9);
          close(
            tiltAt(model, l2).reward,
            ref.mean,
            1e-12,
            1e-12 * (Math.abs(model.rMax) + Math.abs(model.rMin)),
          );
          close(logPartition(model, l2), ref.logZ, 1e-12, 1e-14);
        },
      ),
      { seed: SEED, numRuns: 300 },
    );
  });

  it("is λ²Var/2 to leading order at tiny λ (no cancellation)", () => {
    const model = createModel({ p: [0.5, 0.3, 0.2], r: [0, 1, 2] });
    // μ = 0.7, σ² = 0.61, κ₃ = Σ p (r − μ)³ = 0.5(−0.343) + 0.3(0.027) + 0.2(2.197) = 0.276.
    for (const lambda of [1e-3, 1e-6, 1e-9, 1e-12]) {
      // d = σ²λ²/2 + κ₃λ³/3 + O(λ⁴).
      // The relative size of the omitted O(λ⁴) term is below λ.
      close(
        tiltAt(model, lambda).kl,
        (0.61 * lambda * lambda) / 2 + (0.276 * lambda ** 3) / 3,
        lambda + 1e-13,
      );
    }
  });
});

describe("lambdaForKl", () => {
  it("hits the budget: |d(λ_Δ) − Δ| ≤ 1e-12·max(1, Δ) for Δ from 1e-12 to 0.999·klMax", () => {
    fc.assert(
      fc.property(specs({ nonConstant: true }), fc.double({ min: 0, max: 1, noNaN: true }), (s, t) => {
        const model = build(s);
        const delta = Math.exp(Math.log(1e-12) + t * (Math.log(0.999 * model.klMax) - Math.log(1e-12)));
        const sol = lambdaForKl(model, delta);
        expect(sol.saturated).toBe(false);
        expect(Number.isFinite(sol.lambda)).toBe(true);
        const d = tiltAt(model, sol.lambda).kl;
        expect(Math.abs(d - delta)).toBeLessThanOrEqual(1e-12 * Math.max(1, delta));
        // Relative accuracy too, and against direct enumeration where that is accurate.
        close(d, delta, 1e-10);
        const { p, r } = support(s);
        if (delta > 1e-4) close(reference(p, r, sol.lambda).d, delta, 1e-8);
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it("saturates at Δ ≥ log 1/p*: λ = ∞, reward r_max, KL log 1/p*", () => {
    fc.assert(
      fc.property(specs({ nonConstant: true }), fc.constantFrom(1, 1.5, 1e6), (s, f) => {
        const model = build(s);
        const { p, r } = support(s);
        const rMax = Math.max(...r);
        let pStar = 0;
        for (let i = 0; i < p.length; i++) if (r[i] === rMax) pStar += p[i]!;
        close(model.klMax, -Math.log(pStar), 1e-14, 1e-15);
        const delta = model.klMax * f;
        const sol = lambdaForKl(model, delta);
        expect(sol.lambda).toBe(INF);
        expect(sol.saturated).toBe(true);
        expect(optimalReward(model, delta)).toBe(rMax);
        expect(optimalRewardDual(model, delta)).toBe(rMax);
        const t = tiltAt(model, INF);
        expect(t.saturated).toBe(true);
        expect(t.reward).toBe(rMax);
        expect(t.kl).toBe(model.klMax);
        // φ_∞ = p(·|r = r_max).
        const logphi = tiltLogProbs(model, t);
        for (let i = 0; i < model.size; i++) {
          if (model.r[i] === rMax) close(Math.exp(logphi[i]!), model.p[i]! / pStar, 1e-13);
          else expect(logphi[i]).toBe(Number.NEGATIVE_INFINITY);
        }
      }),
      { seed: SEED, numRuns: 100 },
    );
  });

  it("a constant reward is saturated at every Δ ≥ 0 (Δ ≥ log 1/p* = 0); Δ = 0 otherwise gives λ = 0", () => {
    // One rule for every model: saturated ⇔ Δ ≥ log(1/p*). With a constant reward p* = 1, and the
    // saturated optimum p(·|Y*) is p itself, with KL 0 and reward r_max.
    for (const delta of [0, 1e-9, 0.5, 100]) {
      const model = createModel({ p: [0.2, 0.3, 0.5], r: [4, 4, 4] });
      const sol = lambdaForKl(model, delta);
      expect(sol).toMatchObject({ lambda: INF, saturated: true, iterations: 0 });
      expect(sol.point).toMatchObject({ reward: 4, kl: 0, saturated: true });
      const logphi = tiltLogProbs(model, sol.point);
      for (let i = 0; i < model.size; i++) close(logphi[i]!, model.logp[i]!, 0, 4 * EPS);
      expect(optimalReward(model, delta)).toBe(4);
      expect(optimalRewardDual(model, delta)).toBe(4);
    }
    const model = createModel({ p: [0.2, 0.3, 0.5], r: [1, 2, 3] });
    expect(lambdaForKl(model, 0)).toMatchObject({ lambda: 0, saturated: false, iterations: 0 });
    close(optimalReward(model, 0), 0.2 + 0.6 + 1.5, 2 * EPS);
    // Zero-probability outcomes with another reward do not make the reward non-constant.
    const padded = createModel({ p: [0.5, 0, 0.5], r: [2, 9, 2] });
    expect(lambdaForKl(padded, 0.3)).toMatchObject({ lambda: INF, saturated: true });
    expect(optimalReward(padded, 0.3)).toBe(2);
  });

  it("rejects negative or NaN budgets and λ", () => {
    const model = createModel({ p: [0.5, 0.5], r: [0, 1] });
    for (const bad of [-1, Number.NaN]) {
      expect(() => lambdaForKl(model, bad)).toThrow(InputError);
      expect(() => lambdaForKl(model, bad, "--kl")).toThrow(/^--kl: /);
      expect(() => tiltAt(model, bad)).toThrow(InputError);
    }
  });

  it("is invariant under reward shifts and outcome permutations; scaling r by c divides λ by c", () => {
    fc.assert(
      fc.property(
        specs({ nonConstant: true }),
        fc.double({ min: 0.01, max: 0.9, noNaN: true }),
        fc.integer({ min: -1000, max: 1000 }),
        fc.constantFrom(2, 0.5, 1024, 3.7, 1e-3),
        fc.integer({ min: 0, max: 1_000_000 }),
        (s, f, shift, c, salt) => {
          const model = build(s);
          const delta = f * model.klMax;
          const base = lambdaForKl(model, delta).lambda;
          // λ is ill-conditioned near saturation (d' = λ Var_φ → 0): allow for that in the tolerance.
          const t = tiltAt(model, base);
          const cond = Math.max(1, delta / (base * base * t.variance));
          const tol = 1e-12 * cond + 1e-10;
          const shifted = createModel({ counts: s.counts, r: s.r.map((v) => v + shift) });
          // r + shift is rounded: each reward moves by δr ≤ ε(|shift| + max|r|), which moves d(λ) by about
          // λ(1 + λσ_φ)δr and so λ by that times cond/Δ.
          const maxAbs = Math.max(...s.r.map(Math.abs));
          const dr = EPS * (Math.abs(shift) + maxAbs);
          const tolShift = tol + (2 * cond * base * (1 + base * Math.sqrt(t.variance)) * dr) / delta;
          // (Rewards one ulp apart may merge after rounding r + shift: then the model itself has changed.)
          if (new Set(shifted.r).size === new Set(model.r).size) {
            close(lambdaForKl(shifted, delta).lambda, base, tolShift);
            close(
              optimalReward(shifted, delta) - shift,
              optimalReward(model, delta),
              1e-9,
              1e-9 * Math.abs(shift),
            );
          }
          const scaled = createModel({ counts: s.counts, r: s.r.map((v) => v * c) });
          // (Exact for powers of 2; otherwise r·c is rounded, moving each reward by ε·|r| relative to c.)
          const tolScaled =
            tol + (2 * cond * base * (1 + base * Math.sqrt(t.variance)) * maxAbs * EPS) / delta;
          close(lambdaForKl(scaled, delta).lambda, base / c, tolScaled);
          // A deterministic shuffle of the outcomes.
          const order = s.r
            .map((_, i) => i)
            .sort((a, b) => ((a * 7919 + salt) % 101) - ((b * 7919 + salt) % 101));
          const perm = createModel({ counts: order.map((i) => s.counts[i]!), r: order.map((i) => s.r[i]!) });
          close(lambdaForKl(perm, delta).lambda, base, tol);
          close(
            optimalReward(perm, delta),
            optimalReward(model, delta),
            1e-12,
            1e-12 * (model.rMax - model.rMin),
          );
        },
      ),
      { seed: SEED, numRuns: 150 },
    );
  });
});

describe("the optimal reward V(Δ)", () => {
  it("equals the dual inf_λ (Δ + Λ(λ))/λ to 1e-10", () => {
    fc.assert(
      fc.property(specs({ nonConstant: true }), fc.double({ min: 0, max: 1, noNaN: true }), (s, t) => {
        const model = build(s);
        const delta = Math.exp(Math.log(1e-12) + t * (Math.log(0.999 * model.klMax) - Math.log(1e-12)));
        const v = optimalReward(model, delta);
        const dual = optimalRewardDual(model, delta);
        close(dual, v, 1e-10, 1e-10 * (model.rMax - model.rMin));
        expect(v).toBeGreaterThanOrEqual(model.mean);
        expect(v).toBeLessThanOrEqual(model.rMax);
      }),
      { seed: SEED, numRuns: 150 },
    );
  });

  it("is increasing and concave in Δ, with V'(Δ) = 1/λ_Δ", () => {
    fc.assert(
      fc.property(specs({ nonConstant: true }), fc.double({ min: 0.05, max: 0.8, noNaN: true }), (s, f) => {
        const model = build(s);
        const delta = f * model.klMax;
        const lambda = lambdaForKl(model, delta).lambda;
        // Fourth-order central difference: V' ≈ [8(V(Δ+h) − V(Δ−h)) − (V(Δ+2h) − V(Δ−2h))]/(12h).
        const h = 1e-3 * Math.min(delta, model.klMax - delta);
        const V = (x: number) => optimalReward(model, x);
        const slope = (8 * (V(delta + h) - V(delta - h)) - (V(delta + 2 * h) - V(delta - 2 * h))) / (12 * h);
        // Each V is rounded at magnitude max|r|: the difference quotient carries ≈ 3ε·max|r|/h of that.
        const maxAbs = Math.max(Math.abs(model.rMax), Math.abs(model.rMin));
        close(slope, 1 / lambda, 1e-5, (8 * EPS * maxAbs) / h);
        // Concavity and monotonicity on a grid.
        const grid = Array.from({ length: 21 }, (_, k) => (model.klMax * (k + 0.5)) / 21);
        const vs = grid.map(V);
        const scale = 1e-12 * (Math.abs(model.rMax) + Math.abs(model.rMin));
        for (let k = 1; k < grid.length; k++) expect(vs[k]!).toBeGreaterThanOrEqual(vs[k - 1]! - scale);
        for (let k = 1; k + 1 < grid.length; k++) {
          const left = (vs[k]! - vs[k - 1]!) / (grid[k]! - grid[k - 1]!);
          const right = (vs[k + 1]! - vs[k]!) / (grid[k + 1]! - grid[k]!);
          expect(right).toBeLessThanOrEqual(left + (4 * scale) / (grid[1]! - grid[0]!));
        }
      }),
      { seed: SEED, numRuns: 100 },
    );
  });

  it("follows the small-Δ expansion μ + σ√(2Δ) + κ₃Δ/(3σ²) at Δ = 1e-8 (error O(Δ^{3/2}))", () => {
    fc.assert(
      fc.property(specs({ nonConstant: true, rewardMax: 5 }), (s) => {
        const model = build(s);
        const { p, r } = support(s);
        const m = moments(p, r);
        const sigma = Math.sqrt(m.var);
        const delta = 1e-8;
        const v = optimalReward(model, delta) - model.mean;
        const mu = m.mu - model.mean;
        const expansion = mu + sigma * Math.sqrt(2 * delta) + (m.k3 * delta) / (3 * m.var);
        // The next term, derived from d(λ) = σ²λ²/2 + κ₃λ³/3 + κ₄λ⁴/8 + … and V = Λ'(λ):
        // σ (2Δ)^{3/2} (γ₂/24 − γ₁²/18), with γ₁ = κ₃/σ³, γ₂ = κ₄/σ⁴.
        const g1 = m.k3 / sigma ** 3;
        const g2 = m.k4 / sigma ** 4;
        const next = sigma * (2 * delta) ** 1.5 * (g2 / 24 - (g1 * g1) / 18);
        // Rounding: V and μ are O(R) and rounded to a few ε; the expansion error is O(Δ^{3/2}).
        const R = Math.max(Math.abs(model.rMax), Math.abs(model.rMin));
        const rounding = 64 * EPS * R;
        expect(Math.abs(v - expansion)).toBeLessThanOrEqual(
          2 * Math.abs(next) + 1e-3 * sigma * delta ** 1.5 + rounding,
        );
        // With the next term included the error is O(Δ²): far below Δ^{3/2}.
        const c4 = sigma * (1 + g1 * g1 + Math.abs(g2)) ** 2 * delta * delta * 100;
        expect(Math.abs(v - expansion - next)).toBeLessThanOrEqual(c4 + rounding);
      }),
      { seed: SEED, numRuns: 200 },
    );
  });
});

describe("cumulants", () => {
  /** Finite differences (error O(h⁴)) of f at x: f', f'', f''', f''''. */
  function differences(f: (x: number) => number, x: number, h: number): [number, number, number, number] {
    const v = [-3, -2, -1, 0, 1, 2, 3].map((k) => f(x + k * h));
    const [m3, m2, m1, z, p1, p2, p3] = v as [number, number, number, number, number, number, number];
    return [
      (8 * (p1 - m1) - (p2 - m2)) / (12 * h),
      (-p2 + 16 * p1 - 30 * z + 16 * m1 - m2) / (12 * h * h),
      (-p3 + 8 * p2 - 13 * p1 + 13 * m1 - 8 * m2 + m3) / (8 * h ** 3),
      (-p3 + 12 * p2 - 39 * p1 + 56 * z - 39 * m1 + 12 * m2 - m3) / (6 * h ** 4),
    ];
  }

  it("match finite differences of Λ and direct enumeration", () => {
    fc.assert(
      fc.property(
        specs({ nonConstant: true, rewardMax: 1 }),
        fc.constantFrom(0.1, 0.5, 1.5, 4),
        (s, lambda) => {
          const model = build(s);
          const { p, r } = support(s);
          const point = tiltAt(model, lambda);
          const k = cumulants(model, point);
          const ref = reference(p, r, lambda);
          const R = model.rMax - model.rMin;
          close(k[0], ref.mean, 1e-13, 1e-14);
          close(k[1], ref.k2, 1e-10, 1e-14 * R * R);
          close(k[2], ref.k3, 1e-9, 1e-14 * R ** 3);
          close(k[3], ref.k4, 1e-9, 1e-13 * R ** 4);
          close(point.variance, ref.k2, 1e-8, 1e-14 * R * R);
          // Steps balance truncation O(h⁴κ_{k+4}) (|r| ≤ 1) against rounding ≈ 30ε|Λ|/h^k.
          const Lambda = (x: number) => logPartition(model, x);
          close(differences(Lambda, lambda, 1e-3)[0], k[0], 0, 1e-11);
          close(differences(Lambda, lambda, 3e-3)[1], k[1], 0, 3e-9);
          close(differences(Lambda, lambda, 0.01)[2], k[2], 0, 1e-6);
          close(differences(Lambda, lambda, 0.02)[3], k[3], 0, 1e-5);
        },
      ),
      { seed: SEED, numRuns: 100 },
    );
  });

  it("at λ = 0 are the cumulants of r under p", () => {
    const model = createModel({ p: [0.5, 0.3, 0.2], r: [0, 1, 2] });
    const [k1, k2, k3, k4] = cumulants(model, tiltAt(model, 0));
    // By hand: μ = 0.7, σ² = 0.5·0.49 + 0.3·0.09 + 0.2·1.69 = 0.61,
    // κ₃ = 0.5·(−0.343) + 0.3·0.027 + 0.2·2.197 = 0.276,
    // Σ p (r − μ)⁴ = 0.5·0.2401 + 0.3·0.0081 + 0.2·2.8561 = 0.6937, so κ₄ = 0.6937 − 3·0.3721 = −0.4226.
    close(k1, 0.7, 4 * EPS);
    close(k2, 0.61, 16 * EPS);
    close(k3, 0.276, 64 * EPS);
    close(k4, -0.4226, 64 * EPS);
  });
});

describe("tilted log-probabilities", () => {
  it("are normalised and equal p e^{λr − Λ}", () => {
    fc.assert(
      fc.property(specs({ nonConstant: true }), fc.double({ min: 0, max: 100, noNaN: true }), (s, a) => {
        const model = build(s);
        const lambda = a / (model.rMax - model.rMin);
        const logphi = tiltLogProbs(model, tiltAt(model, lambda));
        close(logSumExp(logphi), 0, 0, 1e-14);
        const { p, r } = support(s);
        const ref = reference(p, r, lambda);
        for (let i = 0; i < model.size; i++) close(Math.exp(logphi[i]!), ref.phi[i]!, 1e-12, 1e-300);
      }),
      { seed: SEED, numRuns: 200 },
    );
  });
});

describe("zero-probability outcomes", () => {
  it("are dropped and do not influence r_max, klMax, λ or V", () => {
    fc.assert(
      fc.property(
        specs({ nonConstant: true, zeros: false }),
        fc.double({ min: 0.01, max: 0.95, noNaN: true }),
        (s, f) => {
          const model = build(s);
          // Add outcomes with zero probability and extreme rewards, before and after.
          const padded = createModel({ counts: [0, ...s.counts, 0], r: [1e9, ...s.r, -1e9] });
          expect(padded.size).toBe(model.size);
          expect(padded.rMax).toBe(model.rMax);
          expect(padded.rMin).toBe(model.rMin);
          expect(padded.klMax).toBe(model.klMax);
          const delta = f * model.klMax;
          expect(lambdaForKl(padded, delta).lambda).toBe(lambdaForKl(model, delta).lambda);
          expect(optimalReward(padded, delta)).toBe(optimalReward(model, delta));
          expect(optimalReward(padded, 2 * model.klMax)).toBe(model.rMax);
        },
      ),
      { seed: SEED, numRuns: 100 },
    );
  });
});

describe("extreme models never produce NaN", () => {
  it("r = (0, 10^6): no overflow near λ(r_max − μ) = 700 (Bernoulli closed form)", () => {
    const model = createModel({ p: [0.5, 0.5], r: [0, 1e6] });
    for (const lambda of [1e-6, 1e-5, 1.3e-3, 1.39e-3, 1.3999e-3, 1.4e-3, 1.41e-3, 1]) {
      const t = tiltAt(model, lambda);
      // Bernoulli(½) in units of 10^6: q = 1/(1 + e^{−10^6 λ}), d = q log 2q + (1 − q) log 2(1 − q),
      // Var = 10^{12} q(1 − q), with 1 − q = 1/(1 + e^{10^6 λ}) formed directly.
      const a = 1e6 * lambda;
      const q = 1 / (1 + Math.exp(-a));
      const q0 = 1 / (1 + Math.exp(a));
      const d = q * Math.log(2 * q) + (q0 === 0 ? 0 : q0 * Math.log(2 * q0));
      close(t.reward, 1e6 * q, 1e-12);
      close(t.kl, d, 1e-9, 1e-15);
      close(t.variance, 1e12 * q * q0, 1e-9, 1e-300);
    }
  });

  it("a very skewed p: the bracket for λ closes (p* = e^{−540.56}, Δ = klMax/2)", () => {
    // Var_p(r) ≈ p* makes the σ-based first guess for λ about 1e118; λ_Δ is about 540.6.
    const model = modelFromLogWeights(Float64Array.from([0, -540.5625271101693]), Float64Array.from([0, 1]));
    const delta = model.klMax / 2;
    const sol = lambdaForKl(model, delta);
    expect(sol.iterations).toBeLessThan(400);
    // Closed form for two outcomes: with a = λ + log p₁ − log p₀, Λ = log p₀ + log(1 + e^a),
    // q = 1/(1 + e^{−a}), d = λq − Λ.
    const a = sol.lambda - 540.5625271101693;
    const logZ =
      Math.max(0, a) + Math.log1p(Math.exp(-Math.abs(a))) - Math.log1p(Math.exp(-540.5625271101693));
    const q = 1 / (1 + Math.exp(-a));
    close(sol.lambda * q - logZ, delta, 1e-12);
    close(tiltAt(model, sol.lambda).kl, delta, 1e-12);
  });

  it("a reward spread so small that Var underflows: dual and primal agree, no NaN", () => {
    const tiny = createModel({ p: [0.5, 0.5], r: [0, 1e-200] });
    expect(tiny.variance).toBe(0);
    for (const delta of [1e-20, 1e-6, 0.3, 0.69]) {
      close(optimalRewardDual(tiny, delta), optimalReward(tiny, delta), 1e-10);
    }
    // Bernoulli(½) scaled by 1e-200 at Δ = 0.1: V = 1e-200·q with q = 0.5 + √(2Δ)/2 + …: between them.
    expect(optimalReward(tiny, 0.1)).toBeGreaterThan(0.5e-200);
    const sub = createModel({ p: [0.5, 0.5], r: [0, 5e-324] });
    const sol = lambdaForKl(sub, 1e-12);
    // λ_Δ ≈ √(2Δ)/σ overflows: reported as the saturated optimum, consistently.
    expect(sol).toMatchObject({ lambda: INF, saturated: true, iterations: 0 });
    expect(optimalReward(sub, 1e-12)).toBe(5e-324);
    expect(optimalRewardDual(sub, 1e-12)).toBe(5e-324);
  });

  const extreme = fc.integer({ min: 1, max: 30 }).chain((n) =>
    fc.record({
      // p spans e^{−690} ≈ 1e-300 … 1 (before normalisation).
      logw: fc.array(fc.double({ min: -690, max: 0, noNaN: true }), { minLength: n, maxLength: n }),
      r: fc.array(
        fc.oneof(fc.double({ min: -1e6, max: 1e6, noNaN: true }), fc.integer({ min: -3, max: 3 })),
        { minLength: n, maxLength: n },
      ),
    }),
  );

  it("for tiny Δ, Δ just below klMax, and λ from 0 to ∞", () => {
    fc.assert(
      fc.property(extreme, (s) => {
        const model = modelFromLogWeights(Float64Array.from(s.logw), Float64Array.from(s.r));
        const km = model.klMax;
        const deltas = [1e-20, 1e-12, 1e-6, 0.5 * km, km * (1 - 1e-9), km * (1 - 1e-15), km, 10 * km + 1];
        for (const delta of deltas) {
          const sol = lambdaForKl(model, delta);
          expect(Number.isNaN(sol.lambda)).toBe(false);
          expect(sol.lambda).toBeGreaterThanOrEqual(0);
          const t = tiltAt(model, sol.lambda);
          for (const v of [
            t.kl,
            t.reward,
            t.variance,
            t.logPartition,
            t.logPartitionCentered,
            t.centeredLog,
          ]) {
            expect(Number.isNaN(v)).toBe(false);
          }
          expect(t.kl).toBeLessThanOrEqual(km);
          expect(t.reward).toBeGreaterThanOrEqual(model.mean);
          expect(t.reward).toBeLessThanOrEqual(model.rMax);
          const v = optimalReward(model, delta);
          const dual = optimalRewardDual(model, delta);
          expect(Number.isNaN(v)).toBe(false);
          expect(Number.isNaN(dual)).toBe(false);
          expect(v).toBeLessThanOrEqual(model.rMax);
          expect(dual).toBeLessThanOrEqual(model.rMax);
          for (const k of cumulants(model, t)) expect(Number.isNaN(k)).toBe(false);
          for (const lp of tiltLogProbs(model, t)) expect(Number.isNaN(lp)).toBe(false);
          // Accuracy (not only the absence of NaN) for reward spreads of ordinary size.
          const spread =
            model.rMax - model.rMin >= 1e-6 * Math.max(1, Math.abs(model.rMax), Math.abs(model.rMin));
          if (spread && !sol.saturated && delta >= 1e-12 && delta <= 0.5 * km) {
            expect(Math.abs(t.kl - delta)).toBeLessThanOrEqual(1e-12 * Math.max(1, delta));
          }
        }
        // Around λ(r_max − μ) = 700, where the computation switches centre.
        const edge = 700 / (model.rMax - model.mean);
        for (const lambda of [
          0,
          1e-300,
          1e-12,
          1,
          1e6,
          1e300,
          INF,
          edge * 0.9,
          edge * 0.9999,
          edge,
          edge * 1.01,
        ]) {
          if (!(lambda >= 0)) continue;
          const t = tiltAt(model, lambda);
          for (const v of [t.kl, t.reward, t.variance, t.logPartition]) expect(Number.isNaN(v)).toBe(false);
        }
      }),
      { seed: SEED, numRuns: 150 },
    );
  });
});

describe("issue reproducers: cumulants near 1e150, KL on logp = (0, −1e5)", () => {
  /** Cumulants of Bernoulli(q) scaled by w: κ₂ = w²v, κ₃ = w³v(1 − 2q), κ₄ = w⁴v(1 − 6v), v = q(1 − q). */
  function bernoulliCumulants(w: number, q: number): [number, number, number] {
    const v = q * (1 - q);
    // Scaled one factor of w at a time, as the true values: beyond a double they are ±Infinity.
    const times = (x: number, k: number) => {
      for (let j = 0; j < k; j++) x *= w;
      return x;
    };
    return [times(v, 2), times(v * (1 - 2 * q), 3), times(v * (1 - 6 * v), 4)];
  }

  it("r = (0, 1e100), Δ = 0.1: κ₂, κ₃ finite and right, κ₄ = −∞ (its value is about −1e400), no NaN", () => {
    const model = createModel({ p: [0.5, 0.5], r: [0, 1e100] });
    const sol = lambdaForKl(model, 0.1);
    const k = cumulants(model, sol.point);
    const q = sol.point.reward / 1e100;
    const [k2, k3, k4] = bernoulliCumulants(1e100, q);
    close(k[0], sol.point.reward, 1e-15);
    close(k[1], k2, 1e-13);
    close(k[2], k3, 1e-12);
    expect(k4).toBe(Number.NEGATIVE_INFINITY);
    expect(k[3]).toBe(Number.NEGATIVE_INFINITY);
  });

  it("rewards up to the accepted 1e150: each cumulant finite or ±∞ with the sign of its value", () => {
    fc.assert(
      fc.property(
        fc.double({ min: 1e-3, max: 0.999, noNaN: true }),
        fc.double({ min: 1e-3, max: 30, noNaN: true }),
        fc.constantFrom(1e150, -1e150, 3e77, 1e-150),
        (theta, a, w) => {
          const model = createModel({ p: [1 - theta, theta], r: [0, w] });
          const t = tiltAt(model, a / Math.abs(w));
          const k = cumulants(model, t);
          for (const x of k) expect(Number.isNaN(x)).toBe(false);
          // q = P_φ(r = w): from the reward, which tiltAt gives to 1e-15 relative.
          const q = t.reward / w;
          const ref = bernoulliCumulants(w, q);
          for (let j = 0; j < 3; j++) {
            const x = k[j + 1]!;
            const r = ref[j]!;
            if (Number.isFinite(r) && Math.abs(r) < 1e300) close(x, r, 1e-8, 1e-12 * Math.abs(w) ** (j + 2));
            else if (!Number.isFinite(r)) expect(x).toBe(r);
          }
        },
      ),
      { seed: SEED, numRuns: 200 },
    );
  });

  /**
   * p = (1, e^{−T})/(1 + e^{−T}), r = (0, 1): with a = λ − T, q = φ(1) = 1/(1 + e^{−a}) and
   * KL = q(T − log1p(e^{−a})) − (1 − q) log1p(e^a) + log1p(e^{−T}), each term without cancellation.
   */
  function twoPointKl(T: number, lambda: number): { kl: number; variance: number } {
    const a = lambda - T;
    const q = 1 / (1 + Math.exp(-a));
    const q0 = 1 / (1 + Math.exp(a));
    const log1pExp = (x: number) => (x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x)));
    const kl = q * (T - log1pExp(-a)) - q0 * log1pExp(a) + Math.log1p(Math.exp(-T));
    return { kl, variance: q * q0 };
  }

  it("logp = (0, −1e5), Δ = 0.1: KL within 1e-12 (was 0.10000000000582)", () => {
    const model = createModel({ logp: [0, -1e5], r: [0, 1] });
    const sol = lambdaForKl(model, 0.1);
    expect(sol.saturated).toBe(false);
    expect(Math.abs(sol.point.kl - 0.1)).toBeLessThanOrEqual(1e-12);
    expect(Math.abs(tiltAt(model, sol.lambda).kl - 0.1)).toBeLessThanOrEqual(1e-12);
    expect(Math.abs(twoPointKl(1e5, sol.lambda).kl - 0.1)).toBeLessThanOrEqual(1e-12);
  });

  it("logp = (0, −T) for T up to 1e6: |KL − Δ| ≤ 1e-12·max(1, Δ) + λ²Var_φ(r)·2ε (the grid of λ)", () => {
    fc.assert(
      fc.property(logUniform(1, 1e6), fc.double({ min: 0, max: 1, noNaN: true }), (T, t) => {
        const model = modelFromLogWeights(Float64Array.from([0, -T]), Float64Array.from([0, 1]));
        const delta = Math.exp(Math.log(1e-8) + t * (Math.log(0.999 * model.klMax) - Math.log(1e-8)));
        const sol = lambdaForKl(model, delta);
        expect(sol.saturated).toBe(false);
        const ref = twoPointKl(T, sol.lambda);
        // One step of λ's double grid moves d by d'(λ)·ulp(λ) = λ Var·ulp(λ) ≤ λ²Var·2ε: no double λ
        // can do better than half of that.
        const tol = 1e-12 * Math.max(1, delta) + sol.lambda * sol.lambda * ref.variance * 2 * EPS;
        expect(Math.abs(ref.kl - delta)).toBeLessThanOrEqual(tol);
        expect(Math.abs(sol.point.kl - delta)).toBeLessThanOrEqual(tol);
        expect(Math.abs(tiltAt(model, sol.lambda).kl - delta)).toBeLessThanOrEqual(tol);
      }),
      { seed: SEED, numRuns: 300 },
    );
  });
});

describe("lambdaForKl's one-pass solution", () => {
  /** 20,000 outcomes, p ∝ Exponential(1), r ~ N(0, 1) or on a grid of 0.1 (ties), seeded. */
  function smooth(grid: boolean): Model {
    const u = seededUniform(12345);
    const n = 20000;
    const logw = Float64Array.from({ length: n }, () => Math.log(-Math.log(u())));
    const r = Float64Array.from({ length: n }, () => {
      const x = Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
      return grid ? Math.round(10 * x) / 10 : x;
    });
    return modelFromLogWeights(logw, r);
  }

  it("takes one pass over the outcomes for Δ from 1e-9 to 0.8·klMax (coarse-bin guess + Taylor step)", () => {
    for (const grid of [false, true]) {
      const model = smooth(grid);
      for (const f of [1e-9, 1e-4, 0.01, 0.1, 0.5, 0.8, 0.9]) {
        const delta = f < 0.05 ? f : f * model.klMax;
        const sol = lambdaForKl(model, delta);
        // Towards saturation λh outgrows the bins (their guess is then within ~1e-3): a second pass.
        expect(sol.iterations, `Δ = ${delta}, grid ${grid}`).toBeLessThanOrEqual(f < 0.85 ? 1 : 2);
        expect(Math.abs(sol.point.kl - delta)).toBeLessThanOrEqual(1e-12 * Math.max(1, delta));
      }
    }
  });

  it("its point (a Taylor expansion from the pass) is tiltAt's at the same λ, to rounding", () => {
    fc.assert(
      fc.property(fc.boolean(), fc.double({ min: 1e-6, max: 0.95, noNaN: true }), (grid, f) => {
        const model = smooth(grid);
        const sol = lambdaForKl(model, f * model.klMax);
        const t = tiltAt(model, sol.lambda);
        const p = sol.point;
        const R = model.rMax - model.rMin;
        close(p.kl, t.kl, 1e-14, 1e-300);
        close(p.reward, t.reward, 0, 4 * EPS * R);
        close(p.logPartition, t.logPartition, 1e-14, 1e-15);
        close(p.logPartitionCentered, t.logPartitionCentered, 1e-13, 1e-300);
        close(p.variance, t.variance, 1e-9);
        // The two may use different centres; log φ agrees.
        const a = tiltLogProbs(model, p);
        const b = tiltLogProbs(model, t);
        for (let i = 0; i < model.size; i += 97) close(a[i]!, b[i]!, 1e-13, 1e-13);
      }),
      { seed: SEED, numRuns: 30 },
    );
  });
});
