import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { quantisedTailSummary, tailSummary } from "../../../src/app/results/tail.js";
import { InputError } from "../../../src/core/errors.js";
import { createModel, type Model } from "../../../src/core/model.js";
import { logSumExp } from "../../../src/core/numerics/logspace.js";
import { binomialLogPmf, binomialLogTails } from "../../../src/core/sequence/binomial.js";
import { enumeratedLaw } from "../../../src/core/sequence/compositions.js";
import { latticeOf } from "../../../src/core/sequence/lattice.js";
import { logNormalUpper, millsMinusReciprocal, normalUpper } from "../../../src/core/sequence/normalTail.js";
import { bahadurRaoUpperTail, saddlepointUpperTail } from "../../../src/core/sequence/saddlepoint.js";
import { sumTail } from "../../../src/core/sequence/sumLaw.js";
import { close, SEED, thrown } from "../../support/assert.js";

const ternary = createModel({ p: [0.5, 0.3, 0.2], r: [0, 1, 2] });
const bernoulli = createModel({ p: [0.7, 0.3], r: [0, 1] });
/** Rewards 0, 1, π: not on any lattice. */
const piModel = createModel({ p: [0.5, 0.25, 0.25], r: [0, 1, Math.PI] });

/** Relative error of a probability given by its log, against a reference log. */
const relP = (logValue: number, logRef: number) => Math.abs(Math.expm1(logValue - logRef));

/** log P(S ≥ s) from an enumerated law (values increasing). */
function enumeratedUpper(model: Model, n: number, s: number): number {
  const law = enumeratedLaw(model, n)!;
  let i = 0;
  while (i < law.values.length && law.values[i]! < s) i++;
  return logSumExp(law.logMass, i, law.values.length);
}

/**
 * log P(S_n ≥ s) for rewards (0, 1, π) with p = (½, ¼, ¼), independent of the saddlepoint: conditioning on
 * the number C ~ Bin(n, ¼) of π's, the number B of 1's is Bin(n − C, ⅓) and S = B + Cπ, so
 * P(S ≥ s) = Σ_c P(C = c) P(B ≥ ⌈s − cπ⌉ | C = c), every term from Loader's binomial forms in logs.
 */
function conditionalBinomialUpper(n: number, s: number): number {
  const terms: number[] = [];
  const lq = Math.log(0.75);
  const lp = Math.log(0.25);
  let best = Number.NEGATIVE_INFINITY;
  // Every c, from the top down (the deep tail favours many π's); a term whose first factor is already
  // 80 nats below the largest term so far cannot matter, and skips the tail evaluation.
  for (let c = n; c >= 0; c--) {
    const logC = binomialLogPmf(c, n, 0.25, 0.75, lp, lq);
    if (logC < best - 80) continue;
    const k = Math.ceil(s - c * Math.PI - 1e-9);
    const t = logC + binomialLogTails(k, n - c, 1 / 3, 2 / 3, Math.log(1 / 3), Math.log(2 / 3)).upper;
    terms.push(t);
    best = Math.max(best, t);
  }
  return logSumExp(terms);
}

describe("normal tail (log domain)", () => {
  it("matches closed forms and library values", () => {
    // Q(0) = ½ exactly; Q(1) = ½ erfc(1/√2) = 0.15865525393145707 (scipy.stats.norm.sf).
    expect(normalUpper(0)).toBe(0.5);
    close(normalUpper(1), 0.15865525393145707, 1e-14);
    close(normalUpper(-2), 0.9772498680518208, 1e-15);
    // Far beyond underflow: scipy.stats.norm.logsf(40) = −804.6084420137539, logsf(1000) = −500007.8266948122.
    close(logNormalUpper(40), -804.6084420137539, 1e-15);
    close(logNormalUpper(1000), -500007.8266948122, 1e-15);
    // Across the switch from the series to the continued fraction at 3: scipy logsf(3) = −6.60772622151035.
    close(logNormalUpper(3), -6.60772622151035, 1e-12);
    // No jump there: the slope of log Q at 3 is −φ(3)/Q(3) = −3.2830986 (the two values above).
    const jump = logNormalUpper(3 + 1e-9) - logNormalUpper(3 - 1e-9);
    close(jump, -2e-9 * (0.00443184841193801 / 0.0013498980316300933), 1e-3);
  });
  it("R(x) − 1/x follows −1/x³ + 3/x⁵ − 15/x⁷ far out (asymptotic series of Mills' ratio)", () => {
    for (const x of [50, 500, 5000, 5e4]) {
      close(millsMinusReciprocal(x), -1 / x ** 3 + 3 / x ** 5 - 15 / x ** 7, 1e-8);
    }
  });
});

describe("Bahadur–Rao and Lugannani–Rice against the exact lattice tail, deep tail", () => {
  // Both have relative error O(1/n) in the large-deviation range (Bahadur & Rao 1960; Daniels 1987).
  // The constant used is the one the code reports: its estimate, Daniels' next-order term (plus the
  // lattice terms, see saddlepoint.ts), must not be below the actual error; and the O(1/n) rate is
  // checked directly: the error shrinks by a factor 10 (between 5 and 20) per decade of n.
  const cases: [string, Model, number[]][] = [
    ["ternary", ternary, [0.9, 1.2, 1.6, 1.9]],
    ["bernoulli:0.3", bernoulli, [0.5, 0.7, 0.9]],
  ];
  for (const [name, model, xs] of cases) {
    it(`${name}, n = 10³ … 10⁶, probabilities down to e^{−10⁶}`, () => {
      for (const x of xs) {
        const lr: number[] = [];
        const br: number[] = [];
        for (const n of [1e3, 1e4, 1e5, 1e6]) {
          const s = Math.round(n * x);
          const exact = sumTail(model, n, s).logUpperTail;
          const sp = saddlepointUpperTail(model, n, s);
          expect(sp.form).toBe("lattice");
          const e = relP(sp.logUpperTail, exact);
          expect(e).toBeLessThanOrEqual(sp.relErrorEstimate);
          lr.push(e);
          br.push(relP(bahadurRaoUpperTail(model, n, s), exact));
        }
        for (let k = 1; k < lr.length; k++) {
          for (const errs of [lr, br]) {
            const ratio = errs[k - 1]! / errs[k]!;
            expect(ratio).toBeGreaterThan(5);
            expect(ratio).toBeLessThan(20);
          }
        }
        // n·error settles to Bahadur–Rao's constant: within 20% between n = 10⁵ and 10⁶.
        close(1e6 * br[3]!, 1e5 * br[2]!, 0.2);
      }
      // The deepest case is below e^{−10⁶} and still agrees to its O(1/n).
      const deep = sumTail(ternary, 1e6, 1.9e6).logUpperTail;
      expect(deep).toBeLessThan(-1e6);
    });
  }
});

describe("Lugannani–Rice without a lattice", () => {
  it("the rewards (0, 1, π) are not a lattice, so the continuous form is used", () => {
    expect(latticeOf(piModel)).toBeUndefined();
    expect(saddlepointUpperTail(piModel, 1000, 1500).form).toBe("lugannani-rice");
  });

  it("against exact enumeration of all compositions (n ≤ 600): within the estimate it reports", () => {
    // Where the estimate exceeds 10% the saddlepoint refuses; every answer must be within its estimate.
    let answered = 0;
    for (const n of [100, 300, 600]) {
      for (const x of [0.9, 1.2, 1.5, 2.0, 2.5]) {
        const s = n * x;
        let sp: ReturnType<typeof saddlepointUpperTail>;
        try {
          sp = saddlepointUpperTail(piModel, n, s);
        } catch (e) {
          expect((e as InputError).field).toBe("model.r");
          continue;
        }
        answered++;
        expect(relP(sp.logUpperTail, enumeratedUpper(piModel, n, s))).toBeLessThanOrEqual(
          sp.relErrorEstimate,
        );
      }
    }
    expect(answered).toBeGreaterThanOrEqual(6);
  });

  it("a four-level non-lattice law (0, 1, √2, e) against enumeration at n = 80", () => {
    const m = createModel({ p: [0.4, 0.3, 0.2, 0.1], r: [0, 1, Math.SQRT2, Math.E] });
    for (const x of [1.0, 1.3, 1.7]) {
      const sp = saddlepointUpperTail(m, 80, 80 * x);
      expect(relP(sp.logUpperTail, enumeratedUpper(m, 80, 80 * x))).toBeLessThanOrEqual(sp.relErrorEstimate);
    }
  });

  it("against a conditional-binomial computation at n = 10⁴ and 3·10⁴ (P down to e^{−10⁴})", () => {
    for (const [n, x] of [
      [1e4, 1.2],
      [1e4, 1.5],
      [1e4, 2.2],
      [3e4, 2.2],
    ] as const) {
      const s = n * x;
      const sp = saddlepointUpperTail(piModel, n, s);
      expect(relP(sp.logUpperTail, conditionalBinomialUpper(n, s))).toBeLessThanOrEqual(sp.relErrorEstimate);
    }
  });

  it("the tail is non-increasing in s (property, fixed seed)", () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.7, max: 2.6, noNaN: true }),
        fc.double({ min: 0, max: 0.05 }),
        (x, dx) => {
          const n = 1e5;
          const a = saddlepointUpperTail(piModel, n, n * x).logUpperTail;
          const b = saddlepointUpperTail(piModel, n, n * (x + dx)).logUpperTail;
          return b <= a + 1e-12 * Math.abs(a);
        },
      ),
      { seed: SEED, numRuns: 40 },
    );
  });

  it("is continuous through the mean (the removable singularity of 1/u − 1/w)", () => {
    const n = 5000;
    const mu = n * piModel.mean;
    const at = saddlepointUpperTail(piModel, n, mu).logUpperTail;
    // At the mean: ½ − κ₃/(6σ³√(2πn)) (Daniels 1987, the limit of Lugannani–Rice), κ from p directly.
    const [m, k3] = [
      piModel.mean,
      piModel.p.reduce((acc, p, i) => acc + p * (piModel.r[i]! - piModel.mean) ** 3, 0),
    ];
    const sigma = Math.sqrt(piModel.p.reduce((acc, p, i) => acc + p * (piModel.r[i]! - m) ** 2, 0));
    close(Math.exp(at), 0.5 - k3 / (6 * sigma ** 3 * Math.sqrt(2 * Math.PI * n)), 1e-12);
    // Just off the mean on either side, within and beyond the series' range: no jump.
    for (const d of [1e-9, 1e-6, 1e-4, 1e-2]) {
      const up = saddlepointUpperTail(piModel, n, mu + d).logUpperTail;
      const down = saddlepointUpperTail(piModel, n, mu - d).logUpperTail;
      expect(up).toBeLessThanOrEqual(at);
      expect(down).toBeGreaterThanOrEqual(at);
      // The density of S_n/√n there is about 1/(σ√(2πn)): the tail moves by about d/(σ√(2πn))/P.
      const slope = 1 / (sigma * Math.sqrt(2 * Math.PI * n) * Math.exp(at));
      close(at - up, slope * d, 1e-3, 1e-13);
      close(down - at, slope * d, 1e-3, 1e-13);
    }
  });

  it("exact at the ends: 1 below n·r_min, p*^n at n·r_max, 0 beyond", () => {
    const n = 1e8;
    expect(saddlepointUpperTail(piModel, n, -1).logUpperTail).toBe(0);
    expect(saddlepointUpperTail(piModel, n, n * Math.PI).logUpperTail).toBe(n * Math.log(0.25));
    expect(saddlepointUpperTail(piModel, n, n * Math.PI * (1 + 1e-9)).logUpperTail).toBe(
      Number.NEGATIVE_INFINITY,
    );
    // n = 10⁸ in the deep tail: finite, below e^{−10⁶}, with a small estimated error.
    const deep = saddlepointUpperTail(piModel, n, 2.5 * n);
    expect(deep.logUpperTail).toBeLessThan(-1e6);
    expect(deep.relErrorEstimate).toBeLessThan(0.01);
  });

  it("refuses where it is not sound, naming the field", () => {
    // n = 5: S_5 has 21 atoms; the estimate is far above 10%.
    const e = thrown(() => saddlepointUpperTail(piModel, 5, 3));
    expect(e).toBeInstanceOf(InputError);
    expect(e.field).toBe("model.r");
    expect(e.detail).toMatch(/not on a lattice/);
    // Right next to the top end the tilted law degenerates.
    expect(() => saddlepointUpperTail(piModel, 100, 100 * Math.PI - 1e-3)).toThrow(InputError);
    // Rewards (0, 10⁻⁷, 1) are not a lattice to 1e-9, but S_n stays on the lattice ℤ to within n·10⁻⁷, far
    // below a step even at n = 10⁸: the continuous form would be off by a factor ~θ/(1 − e^{−θ}). Refused.
    const nearLattice = createModel({ p: [0.5, 0.25, 0.25], r: [0, 1e-7, 1] });
    expect(latticeOf(nearLattice)).toBeUndefined();
    for (const n of [1e3, 1e8])
      expect(() => saddlepointUpperTail(nearLattice, n, 0.6 * n)).toThrow(/not sound/);
    expect(thrown(() => saddlepointUpperTail(piModel, 2.5, 1)).field).toBe("length");
    expect(thrown(() => saddlepointUpperTail(piModel, 10, Number.NaN)).field).toBe("at");
  });
});

describe("tail summary on non-lattice rewards", () => {
  it("answers with the saddlepoint, both tails consistent, the error marked as an estimate", () => {
    const t = tailSummary(piModel, 1e4, 15000);
    expect(t.method).toBe("saddlepoint");
    expect(t.errorKind).toBe("estimate");
    expect(t.logPmf).toBeNull();
    // P(S ≥ s) + P(S ≤ s) = 1 in the continuous approximation.
    close(Math.exp(t.logUpperTail) + Math.exp(t.logLowerTail), 1, 1e-15);
    const below = tailSummary(piModel, 1e4, 6000);
    expect(below.logLowerTail).toBeLessThan(-10);
    close(
      below.logLowerTail,
      saddlepointUpperTail(createModel({ p: [0.5, 0.25, 0.25], r: [0, -1, -Math.PI] }), 1e4, -6000)
        .logUpperTail,
      1e-14,
    );
    // Lattice rewards keep the exact engines and a bound.
    expect(tailSummary(ternary, 100, 150)).toMatchObject({ method: "direct", errorKind: "bound" });
  });
});

describe("tail of short non-lattice sums by enumeration", () => {
  // Independent reference: every one of the L^n token sequences, its probability multiplied out
  // directly (no multinomial coefficients), summed in plain doubles (all terms positive, L^n ≤ 4^6).
  function bruteForce(p: number[], r: number[], n: number, s: number) {
    let pmf = 0;
    let upper = 0;
    let lower = 0;
    const L = p.length;
    for (let code = 0; code < L ** n; code++) {
      let prob = 1;
      let sum = 0;
      for (let i = 0, c = code; i < n; i++, c = Math.floor(c / L)) {
        prob *= p[c % L]!;
        sum += r[c % L]!;
      }
      const tol = 1e-9;
      if (Math.abs(sum - s) <= tol) pmf += prob;
      if (sum >= s - tol) upper += prob;
      if (sum <= s + tol) lower += prob;
    }
    return { pmf, upper, lower };
  }

  it("equals brute force over all L^n sequences, at atoms and between them", () => {
    const p = [0.4, 0.3, 0.2, 0.1];
    const r = [0, 1, Math.PI, Math.SQRT2 * 3];
    const model = createModel({ p, r });
    expect(latticeOf(model)).toBeUndefined();
    for (const n of [1, 3, 6]) {
      for (const s of [0, 1, Math.PI + 1, 2.5, 2 * Math.PI + Math.SQRT2 * 3, n * 3 * Math.SQRT2, -1, 100]) {
        const t = tailSummary(model, n, s);
        const b = bruteForce(p, r, n, s);
        expect(t.method).toBe("enumeration");
        expect(t.errorKind).toBe("bound");
        for (const [got, want] of [
          [t.logPmf, b.pmf],
          [t.logUpperTail, b.upper],
          [t.logLowerTail, b.lower],
        ] as [number, number][]) {
          if (want === 0) expect(got).toBe(Number.NEGATIVE_INFINITY);
          else close(got, Math.log(want), 1e-12, 1e-14); // brute force sums to 1 only within rounding
        }
      }
    }
  });
});

describe("tail with a grid: the quantised sum's exact law and brackets on the true tails", () => {
  // |S_n − S_n^q| ≤ n·h/2 for every sequence, so the brackets must contain the true tails. The reference
  // is the exact enumeration of the unquantised law (n ≤ 6), an independent route.
  const bracketed = (lo: number, v: number, hi: number) => {
    // The engines' bound (≤ 1e-11 relative in log) and enumeration's: a hair of slack.
    const slack = Number.isFinite(v) ? 1e-10 * Math.max(1, Math.abs(v)) : 0;
    expect(lo).toBeLessThanOrEqual(v + slack);
    expect(v).toBeLessThanOrEqual(hi + slack);
  };

  it("contains the exact tails of random non-lattice models, for any step", () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0.05, max: 1, noNaN: true }), { minLength: 2, maxLength: 4 }),
        fc.array(fc.double({ min: -3, max: 3, noNaN: true }), { minLength: 4, maxLength: 4 }),
        fc.integer({ min: 1, max: 6 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.constantFrom(0.5, 0.1, 0.013),
        (w, rs, n, where, h) => {
          const model = createModel({ counts: w, r: rs.slice(0, w.length) });
          const s = n * (model.rMin + where * (model.rMax - model.rMin));
          const exact = tailSummary(model, n, s);
          const q = quantisedTailSummary(model, n, s, h);
          expect(q.grid).toBe(h);
          expect(q.sumError).toBe((n * h) / 2);
          expect(q.errorKind).toBe("bound");
          bracketed(q.upperTailBracket[0]!, exact.logUpperTail, q.upperTailBracket[1]!);
          bracketed(q.lowerTailBracket[0]!, exact.logLowerTail, q.lowerTailBracket[1]!);
          // The quantised sum's own tails lie inside the brackets too (the tails are monotone in s).
          bracketed(q.upperTailBracket[0]!, q.logUpperTail, q.upperTailBracket[1]!);
        },
      ),
      { seed: SEED, numRuns: 150 },
    );
  });

  it("on a lattice whose step is the grid, changes nothing", () => {
    const plain = tailSummary(ternary, 40, 30);
    const q = tailSummary(ternary, 40, 30, 1);
    expect(q.logUpperTail).toBe(plain.logUpperTail);
    expect(q.logLowerTail).toBe(plain.logLowerTail);
    expect(q.logPmf).toBe(plain.logPmf);
  });

  it("answers where the saddlepoint refuses, and refuses a bad step by name", () => {
    const nearLattice = createModel({ p: [0.5, 0.25, 0.25], r: [0, 1e-7, 1] });
    expect(() => tailSummary(nearLattice, 1e8, 3e7)).toThrow(/--grid/);
    const q = quantisedTailSummary(nearLattice, 1e8, 3e7, 0.01);
    expect(q.upperTailBracket[0]!).toBeLessThanOrEqual(q.upperTailBracket[1]!);
    for (const h of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(thrown(() => tailSummary(nearLattice, 10, 3, h)).field).toBe("grid");
    }
  });
});
