import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { InputError } from "../../../src/core/errors.js";
import { createModel, type Model } from "../../../src/core/model.js";
import { logAddExp, logSumExp } from "../../../src/core/numerics/logspace.js";
import { NeumaierSum } from "../../../src/core/numerics/sum.js";
import { stirlerr } from "../../../src/core/sequence/binomial.js";
import { compositionCount, enumeratedLaw } from "../../../src/core/sequence/compositions.js";
import { directLogPmf } from "../../../src/core/sequence/direct.js";
import { fftInPlace } from "../../../src/core/sequence/fft.js";
import { latticeOf } from "../../../src/core/sequence/lattice.js";
import {
  type SumMethod,
  sumLaw,
  sumLogLowerTail,
  sumLogPmf,
  sumLogUpperTail,
  sumTail,
} from "../../../src/core/sequence/sumLaw.js";

const SEED = 20261127;

/** Asserts |a − e| ≤ tol·|e| (identical values, infinities included, pass). */
function rel(actual: number, expected: number, tol: number): void {
  if (actual === expected) return;
  const err = Math.abs(actual - expected) / Math.abs(expected);
  if (!(err <= tol)) throw new Error(`expected ${expected}, got ${actual} (relative error ${err} > ${tol})`);
}

const ternary = createModel({ p: [0.5, 0.3, 0.2], r: [0, 1, 2] });

/**
 * Independent large-deviation reference on a lattice with unit step (rewards 0..span): θ by bisection on
 * the tilted mean, then Bahadur–Rao (1960) for a lattice point K = n·x:
 * P(K_n = K) = e^{−nI(x)} / (σ_θ √(2πn)) (1 + O(1/n)), P(K_n ≥ K) = that / (1 − e^{−θ}) (1 + O(1/n)).
 */
function bahadurRao(p: number[], n: number, K: number): { logPmf: number; logUpper: number } {
  const x = K / n;
  const stats = (theta: number) => {
    const lw = p.map((q, k) => Math.log(q) + theta * k);
    const logZ = logSumExp(lw);
    const w = lw.map((v) => Math.exp(v - logZ));
    const mean = w.reduce((s, v, k) => s + v * k, 0);
    const variance = w.reduce((s, v, k) => s + v * (k - mean) ** 2, 0);
    return { logZ, mean, variance };
  };
  let lo = -50;
  let hi = 50;
  for (let i = 0; i < 200; i++) {
    const mid = 0.5 * (lo + hi);
    if (stats(mid).mean < x) lo = mid;
    else hi = mid;
  }
  const theta = 0.5 * (lo + hi);
  const s = stats(theta);
  const rate = n * (theta * x - s.logZ);
  const logPmf = -rate - 0.5 * Math.log(2 * Math.PI * n * s.variance);
  return { logPmf, logUpper: logPmf - Math.log(-Math.expm1(-theta)) };
}

describe("lattice detection", () => {
  it("finds the integer step and offset", () => {
    const lat = latticeOf(createModel({ p: [0.2, 0.3, 0.5], r: [-3, 1, 5] }))!;
    expect([lat.offset, lat.step, lat.span, [...lat.ks]]).toEqual([-3, 4, 2, [0, 1, 2]]);
  });
  it("finds a real step within 1e-9 and the integer steps", () => {
    // 0.1, 0.3, 0.7 = 0.1 + 0.2·(0, 1, 3) up to the rounding of the decimals.
    const lat = latticeOf(createModel({ p: [0.2, 0.3, 0.5], r: [0.1, 0.3, 0.7] }))!;
    expect(lat.offset).toBe(0.1);
    expect(Math.abs(lat.step - 0.2)).toBeLessThan(1e-15);
    expect([...lat.ks]).toEqual([0, 1, 3]);
  });
  it("refuses non-lattice rewards, and treats a constant reward as step 0", () => {
    expect(latticeOf(createModel({ p: [0.5, 0.25, 0.25], r: [0, 1, Math.SQRT2] }))).toBeUndefined();
    expect(latticeOf(createModel({ p: [0.5, 0.5], r: [2, 2] }))!.step).toBe(0);
    const irrational = createModel({ p: [0.5, 0.25, 0.25], r: [0, 1, Math.SQRT2] });
    expect(() => sumLogPmf(irrational, 3, 1)).toThrow(InputError);
  });
  it("constant reward: S_n = n·r exactly", () => {
    const m = createModel({ p: [0.5, 0.5], r: [2, 2] });
    expect(sumTail(m, 7, 14)).toMatchObject({
      logPmf: 0,
      logUpperTail: 0,
      logLowerTail: 0,
      method: "constant",
    });
    expect(sumLogPmf(m, 7, 13)).toBe(Number.NEGATIVE_INFINITY);
    expect(sumLogUpperTail(m, 7, 14.5)).toBe(Number.NEGATIVE_INFINITY);
  });
  it("rejects a bad length", () => {
    expect(() => sumLogPmf(ternary, 0, 0)).toThrow(InputError);
    expect(() => sumLogPmf(ternary, 2.5, 0)).toThrow(InputError);
  });
});

describe("radix-2 FFT", () => {
  it("matches the naive DFT and inverts (W = 64)", () => {
    const W = 64;
    const re = Float64Array.from({ length: W }, (_, j) => Math.sin(j * 1.3) + 0.1 * j);
    const im = Float64Array.from({ length: W }, (_, j) => Math.cos(j * 0.7));
    const [r0, i0] = [re.slice(), im.slice()];
    fftInPlace(re, im, -1);
    for (const f of [0, 1, 5, 31, 32, 63]) {
      let sr = 0;
      let si = 0;
      for (let j = 0; j < W; j++) {
        const a = (-2 * Math.PI * f * j) / W;
        sr += r0[j]! * Math.cos(a) - i0[j]! * Math.sin(a);
        si += r0[j]! * Math.sin(a) + i0[j]! * Math.cos(a);
      }
      expect(Math.abs(re[f]! - sr) + Math.abs(im[f]! - si)).toBeLessThan(1e-12);
    }
    fftInPlace(re, im, 1);
    for (let j = 0; j < W; j++) expect(Math.abs(re[j]! / W - r0[j]!)).toBeLessThan(1e-14);
  });
});

describe("the sisfft README case", () => {
  // pmf (0.1, 0.3, 0.2, 0.4) on {0,1,2,3}, n = 10: P(S ≥ 25) = 430528/9765625 (sisfft README), also
  // recomputed here exactly with BigInt convolution of the integer weights (1, 3, 2, 4)/10.
  const model = createModel({ p: [0.1, 0.3, 0.2, 0.4], r: [0, 1, 2, 3] });
  it("exact rational value by BigInt convolution", () => {
    let law = [1n];
    const w = [1n, 3n, 2n, 4n];
    for (let i = 0; i < 10; i++) {
      const next = Array.from({ length: law.length + 3 }, () => 0n);
      law.forEach((a, j) => {
        w.forEach((b, k) => {
          next[j + k]! += a * b;
        });
      });
      law = next;
    }
    const tail = law.slice(25).reduce((a, b) => a + b, 0n);
    // 430528/5^10 = 430528·2^10/10^10.
    expect(tail).toBe(430528n * 1024n);
  });
  for (const method of ["auto", "direct", "fft"] as const) {
    it(`log P(S ≥ 25) by ${method}`, () => {
      const t = sumTail(model, 10, 25, method);
      rel(t.logUpperTail, Math.log(430528 / 9765625), 1e-13);
      expect(t.relErrorBound).toBeLessThan(1e-9);
    });
  }
});

describe("two levels: binomial closed form, direct convolution and FFT agree", () => {
  it("stirlerr matches log n! − log(√(2πn)(n/e)^n) (n! exact in doubles up to 18!)", () => {
    let fact = 1;
    for (let n = 1; n <= 18; n++) {
      fact *= n;
      const ref = Math.log(fact) - (n + 0.5) * Math.log(n) + n - 0.5 * Math.log(2 * Math.PI);
      expect(Math.abs(stirlerr(n) - ref)).toBeLessThan(2e-14);
    }
  });
  const cases: [number[], number[], number][] = [
    [[0.7, 0.3], [0, 1], 3000],
    [[0.999, 0.001], [-1, 2.5], 1000],
    [[0.2, 0.8], [3, 4], 257],
  ];
  for (const [p, r, n] of cases) {
    it(`p = ${p}, r = ${r}, n = ${n}`, () => {
      const model = createModel({ p, r });
      const lat = latticeOf(model)!;
      const direct = directLogPmf(lat.logMass, n);
      const ks = [0, 1, 2, Math.floor(n / 10), Math.floor(n * p[1]!), Math.floor(n / 2), n - 3, n - 1, n];
      for (const k of ks) {
        const s = n * lat.offset + lat.step * k;
        const byMethod = (m: SumMethod) => sumTail(model, n, s, m);
        const b = byMethod("binomial");
        const d = byMethod("direct");
        const f = byMethod("fft");
        if (direct[k]! < -700) continue;
        rel(b.logPmf, direct[k]!, 1e-11);
        rel(d.logPmf, direct[k]!, 0);
        rel(f.logPmf, direct[k]!, 1e-9);
        for (const t of [d, f]) {
          rel(t.logUpperTail, b.logUpperTail, 1e-9);
          rel(t.logLowerTail, b.logLowerTail, 1e-9);
        }
      }
    });
  }
  it("Bernoulli(0.3), n = 10^6: P(S_n ≥ 0.9n) against the exact sum with log n! = Σ log i", () => {
    const n = 1e6;
    const p = 0.3;
    const logFact = new Float64Array(n + 1);
    const acc = new NeumaierSum();
    for (let i = 1; i <= n; i++) {
      acc.add(Math.log(i));
      logFact[i] = acc.value;
    }
    const term = (k: number) =>
      logFact[n]! - logFact[k]! - logFact[n - k]! + k * Math.log(p) + (n - k) * Math.log1p(-p);
    const k0 = 0.9 * n;
    const terms: number[] = [];
    for (let k = k0; k <= n && term(k) > term(k0) - 60; k++) terms.push(term(k));
    const exact = logSumExp(terms);
    const model = createModel({ p: [0.7, 0.3], r: [0, 1] });
    const t = sumTail(model, n, k0);
    expect(t.method).toBe("binomial");
    rel(t.logUpperTail, exact, 1e-12);
    rel(t.logPmf, term(k0), 1e-12);
    // Bahadur–Rao agrees to O(1/n) in the probability: 1e-5 nats of about 7.9e5.
    rel(t.logUpperTail, bahadurRao([0.7, 0.3], n, k0).logUpper, 1e-10);
    expect(t.relErrorBound).toBeLessThan(1e-9);
  });
  it("binomial at n = 10^9: tails near the mode and in the deep tail", () => {
    const model = createModel({ p: [0.7, 0.3], r: [0, 1] });
    const n = 1e9;
    const mid = sumTail(model, n, 0.3 * n);
    rel(Math.exp(mid.logUpperTail) + Math.exp(mid.logLowerTail) - Math.exp(mid.logPmf), 1, 1e-12);
    // Bahadur–Rao's relative error is O(1/(nθ²σ²)) in the probability: about 2e-8 nats at x = 0.4.
    const deep = sumTail(model, n, 0.4 * n);
    rel(deep.logUpperTail, bahadurRao([0.7, 0.3], n, 0.4 * n).logUpper, 1e-13);
    rel(deep.logPmf, bahadurRao([0.7, 0.3], n, 0.4 * n).logPmf, 1e-13);
  });
});

/** Random lattice laws: 3–8 levels on steps 0..9 (gcd taken out by the lattice), n up to 300. */
const lattices = fc
  .record({
    steps: fc.uniqueArray(fc.integer({ min: 0, max: 9 }), { minLength: 3, maxLength: 8 }),
    weights: fc.array(fc.integer({ min: 1, max: 20 }), { minLength: 8, maxLength: 8 }),
    offset: fc.integer({ min: -5, max: 5 }),
    n: fc.integer({ min: 1, max: 300 }),
  })
  .map(({ steps, weights, offset, n }) => ({
    model: createModel({ counts: steps.map((_, i) => weights[i]!), r: steps.map((k) => k + offset) }),
    n,
  }));

describe("FFT engine against the direct convolution", () => {
  it("random lattice laws, n ≤ 300: every point with P ≥ e^{−700} within 1e-9 in log-probability", () => {
    fc.assert(
      fc.property(lattices, ({ model, n }) => {
        const lat = latticeOf(model)!;
        const direct = directLogPmf(lat.logMass, n);
        const top = n * lat.span;
        const s = (k: number) => n * lat.offset + lat.step * k;
        const law = sumLaw(model, n, { method: "fft", range: [s(0), s(top)] });
        expect(law.kMin).toBe(0);
        expect(law.logPmf.length).toBe(top + 1);
        for (let k = 0; k <= top; k++) {
          if (direct[k]! < -700) continue;
          rel(law.logPmf[k]!, direct[k]!, 1e-9);
          // The stated bound holds (plus the direct convolution's own rounding).
          expect(Math.abs(law.logPmf[k]! - direct[k]!)).toBeLessThanOrEqual(law.logErrorBound + 1e-13);
        }
        expect(law.relErrorBound).toBeLessThan(1e-9);
        for (const k of [1, Math.floor(top / 3), Math.floor(top / 2), top - 1]) {
          const f = sumTail(model, n, s(k), "fft");
          const d = sumTail(model, n, s(k), "direct");
          for (const [a, b] of [
            [f.logPmf, d.logPmf],
            [f.logUpperTail, d.logUpperTail],
            [f.logLowerTail, d.logLowerTail],
          ] as const)
            if (b >= -700) rel(a, b, 1e-9);
        }
      }),
      { seed: SEED, numRuns: 40 },
    );
  });
});

describe("real lattice steps", () => {
  it("rewards 0.1, 0.3, 0.7 (step 0.2), n = 50: FFT, direct and a shifted copy agree", () => {
    const model = createModel({ p: [0.2, 0.3, 0.5], r: [0.1, 0.3, 0.7] });
    const n = 50;
    for (const k of [0, 3, 40, 75, 120, 149, 150]) {
      const s = n * 0.1 + 0.2 * k;
      const f = sumTail(model, n, s, "fft");
      const d = sumTail(model, n, s, "direct");
      rel(f.logPmf, d.logPmf, 1e-9);
      rel(f.logUpperTail, d.logUpperTail, 1e-9);
      rel(f.logLowerTail, d.logLowerTail, 1e-9);
    }
    // Off the lattice: probability 0, tails unchanged between lattice points.
    expect(sumLogPmf(model, n, n * 0.1 + 0.2 * 40 + 0.1)).toBe(Number.NEGATIVE_INFINITY);
    rel(
      sumLogUpperTail(model, n, n * 0.1 + 0.2 * 40 + 0.1),
      sumLogUpperTail(model, n, n * 0.1 + 0.2 * 41),
      1e-12,
    );
  });
});

describe("structural zeros and light sub-lattice classes", () => {
  it("steps {0, 2, 9}, n = 144: odd K carry ~1e-6 of the even K's mass near the edge; all points exact", () => {
    // Unreachable K (1, 3, 5, 7: an odd K needs a 9) are exactly −∞; points the FFT cannot resolve to
    // 1e-10 come from the direct convolution (counted in directPoints).
    const model = createModel({ counts: [1, 1, 1], r: [1, 8, -1] });
    const n = 144;
    const lat = latticeOf(model)!;
    const direct = directLogPmf(lat.logMass, n);
    const top = n * lat.span;
    const law = sumLaw(model, n, { method: "fft", range: [-n, -n + top] });
    for (const K of [1, 3, 5, 7]) expect(law.logPmf[K]).toBe(Number.NEGATIVE_INFINITY);
    for (let K = 0; K <= top; K++) if (direct[K]! > -700) rel(law.logPmf[K]!, direct[K]!, 1e-9);
    expect(law.relErrorBound).toBeLessThan(1e-9);
    rel(sumLogPmf(model, n, -n + 9), direct[9]!, 1e-12);
  });
});

describe("properties of the law", () => {
  const logTotal = (m: Model, n: number, method: SumMethod) => {
    const lat = latticeOf(m)!;
    const top = n * lat.span;
    const law = sumLaw(m, n, { method, range: [n * lat.offset, n * lat.offset + lat.step * top] });
    return logSumExp(law.logPmf);
  };
  it("the pmf sums to 1 (log-sum-exp within 1e-12): direct, binomial, FFT", () => {
    expect(Math.abs(logTotal(ternary, 500, "direct"))).toBeLessThan(1e-12);
    expect(Math.abs(logTotal(ternary, 5000, "fft"))).toBeLessThan(1e-12);
    expect(Math.abs(logTotal(createModel({ p: [0.7, 0.3], r: [0, 1] }), 20000, "binomial"))).toBeLessThan(
      1e-12,
    );
    fc.assert(
      fc.property(lattices, ({ model, n }) => {
        expect(Math.abs(logTotal(model, n, "fft"))).toBeLessThan(1e-12);
      }),
      { seed: SEED + 1, numRuns: 15 },
    );
  });
  it("shift invariance: rewards + c move S_n by n·c", () => {
    fc.assert(
      fc.property(
        lattices,
        fc.integer({ min: -20, max: 20 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        ({ model, n }, c, u) => {
          const shifted = createModel({ p: Array.from(model.p), r: Array.from(model.r, (v) => v + c) });
          const lat = latticeOf(model)!;
          const s = n * lat.offset + lat.step * Math.round(u * n * lat.span);
          for (const method of ["direct", "fft"] as const) {
            const a = sumTail(model, n, s, method);
            const b = sumTail(shifted, n, s + n * c, method);
            rel(b.logPmf, a.logPmf, 1e-12);
            rel(b.logUpperTail, a.logUpperTail, 1e-12);
            rel(b.logLowerTail, a.logLowerTail, 1e-12);
          }
        },
      ),
      { seed: SEED + 2, numRuns: 25 },
    );
  });
  it("tails are monotone and split at each point: P(S ≥ s) = P(S = s) + P(S ≥ s + h)", () => {
    fc.assert(
      fc.property(lattices, ({ model, n }) => {
        const lat = latticeOf(model)!;
        const top = n * lat.span;
        let prevUp = 0;
        let prevLow = Number.NEGATIVE_INFINITY;
        const stride = Math.max(1, Math.floor(top / 12));
        for (let k = 0; k <= top; k += stride) {
          const s = n * lat.offset + lat.step * k;
          const t = sumTail(model, n, s, "fft");
          expect(t.logUpperTail).toBeLessThanOrEqual(prevUp + 1e-12 * Math.abs(prevUp));
          expect(t.logLowerTail).toBeGreaterThanOrEqual(prevLow - 1e-12 * Math.abs(prevLow));
          prevUp = t.logUpperTail;
          prevLow = t.logLowerTail;
          const next = sumTail(model, n, s + lat.step, "fft").logUpperTail;
          if (t.logUpperTail > -700) {
            const sum = logAddExp(t.logPmf, next);
            expect(Math.abs(sum - t.logUpperTail)).toBeLessThanOrEqual(
              1e-9 * Math.abs(t.logUpperTail) + 1e-15,
            );
          }
        }
      }),
      { seed: SEED + 3, numRuns: 10 },
    );
  });
});

describe("ternary p = (0.5, 0.3, 0.2), r = (0, 1, 2) at large n", () => {
  it("n = 10^6: pmf and upper tail against Bahadur–Rao, down to probabilities e^{−10^6}", () => {
    const n = 1e6;
    for (const x of [1.0, 1.2, 1.9]) {
      const K = x * n;
      const t = sumTail(ternary, n, K);
      expect(t.method).toBe("fft");
      const br = bahadurRao([0.5, 0.3, 0.2], n, K);
      // Bahadur–Rao's relative error is O(1/n) in the probability: under 1e-5 nats here.
      expect(Math.abs(t.logPmf - br.logPmf)).toBeLessThan(1e-5);
      expect(Math.abs(t.logUpperTail - br.logUpper)).toBeLessThan(1e-5);
      expect(t.relErrorBound).toBeLessThan(1e-9);
    }
    expect(sumLogUpperTail(ternary, n, 1.9 * n)).toBeLessThan(-1e6);
  });
  it("n = 10^8: one recentred FFT per query, against Bahadur–Rao", () => {
    const n = 1e8;
    const t = sumTail(ternary, n, 1.2 * n);
    const br = bahadurRao([0.5, 0.3, 0.2], n, 1.2 * n);
    expect(Math.abs(t.logPmf - br.logPmf)).toBeLessThan(1e-7);
    expect(Math.abs(t.logUpperTail - br.logUpper)).toBeLessThan(1e-7);
    expect(t.relErrorBound).toBeLessThan(1e-9);
  });
  it("11 levels (rewards −5…5, uniform), n = 10^6, deep upper tail against Bahadur–Rao", () => {
    const eleven = createModel({ counts: Array(11).fill(1), r: [-5, -4, -3, -2, -1, 0, 1, 2, 3, 4, 5] });
    const n = 1e6;
    const t = sumTail(eleven, n, 2 * n);
    // In step units the rewards are 0..10 and s = 2n is K = 7n.
    const br = bahadurRao(Array(11).fill(1 / 11), n, 7 * n);
    expect(Math.abs(t.logPmf - br.logPmf)).toBeLessThan(1e-5);
    expect(Math.abs(t.logUpperTail - br.logUpper)).toBeLessThan(1e-5);
  });
  it("sumLaw centred at a point agrees with sumTail there", () => {
    const n = 20000;
    const law = sumLaw(ternary, n, { center: 1.5 * n });
    expect(law.sMin).toBeLessThanOrEqual(1.5 * n);
    expect(law.sMax).toBeGreaterThanOrEqual(1.5 * n);
    rel(law.logPmf[1.5 * n - law.kMin]!, sumLogPmf(ternary, n, 1.5 * n), 1e-12);
    expect(law.thetas.length).toBe(1);
  });
  it("n = 10^6: a window around the mean is normalised up to its tails and monotone tails agree", () => {
    const n = 1e6;
    const law = sumLaw(ternary, n);
    expect(law.method).toBe("fft");
    expect(law.relErrorBound).toBeLessThan(1e-9);
    const mean = 0.7 * n;
    expect(law.sMin).toBeLessThan(mean - 3 * Math.sqrt(0.61 * n));
    expect(law.sMax).toBeGreaterThan(mean + 3 * Math.sqrt(0.61 * n));
    const lower = sumLogLowerTail(ternary, n, law.sMin - 1);
    const upper = sumLogUpperTail(ternary, n, law.sMax + 1);
    const total = logSumExp([lower, upper, logSumExp(law.logPmf)]);
    expect(Math.abs(total)).toBeLessThan(1e-12);
  });
});

describe("enumeration of compositions (the exact law for any rewards, small n)", () => {
  it("equals the direct convolution on a lattice and sums to 1", () => {
    // Two independent exact methods: multinomial terms per composition against log-domain convolution.
    const model = createModel({ p: [0.2, 0.3, 0.1, 0.4], r: [0, 1, 2, 5] });
    for (const n of [1, 7, 40]) {
      const law = enumeratedLaw(model, n)!;
      const direct = sumLaw(model, n, { method: "direct" });
      expect(Math.abs(logSumExp(law.logMass))).toBeLessThan(1e-13);
      for (let i = 0; i < law.values.length; i++) {
        const K = law.values[i]! - direct.offset - direct.kMin;
        rel(law.logMass[i]!, direct.logPmf[K]!, 1e-11);
      }
      // Every reachable point appears, and no other.
      expect(law.values.length).toBe(direct.logPmf.filter((v) => v > Number.NEGATIVE_INFINITY).length);
    }
  });
  it("merges sums equal up to rounding, and declines when there are too many compositions", () => {
    // 0.1 + 0.2 and 0.3 differ in the last bit as doubles; one value for both.
    const model = createModel({ p: [0.25, 0.25, 0.5], r: [0.1, 0.2, 0.3] });
    const law = enumeratedLaw(model, 2)!;
    expect(law.values.length).toBe(5);
    expect(compositionCount(10, 3)).toBe(66);
    expect(enumeratedLaw(createModel({ p: [0.25, 0.25, 0.5], r: [0, 1, Math.PI] }), 10_000)).toBeUndefined();
  });
});
