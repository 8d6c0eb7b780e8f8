import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { argsort, RADIX_MIN, sortValues, sortWithIndex } from "../../../src/core/numerics/argsort.js";
import {
  cumulativeLogSumExp,
  expm1mx,
  klIntegrand,
  klTerm,
  log1mexp,
  log1mexpRatio,
  log1pexp,
  log1pFast,
  logAddExp,
  logLog1pRatio,
  logMinusLog1mExp,
  logSumExp,
  SMALL_T,
} from "../../../src/core/numerics/logspace.js";
import { goldenSectionMin } from "../../../src/core/numerics/minimize.js";
import { gaussLegendre, integrate } from "../../../src/core/numerics/quadrature.js";
import { brentRoot, newtonBracketed } from "../../../src/core/numerics/roots.js";
import { firstAtLeast } from "../../../src/core/numerics/search.js";
import { dot, NeumaierSum, sum } from "../../../src/core/numerics/sum.js";
import { close, EPS, INF, SEED } from "../../support/assert.js";
import { seededUniform } from "../../support/random.js";

/** Seeded uniforms for reproducible data (test/support/random.ts). */
const lcg = seededUniform;

describe("logAddExp and logSumExp", () => {
  it("agree with the naive formula on a safe range", () => {
    fc.assert(
      fc.property(
        fc.double({ min: -30, max: 30, noNaN: true }),
        fc.double({ min: -30, max: 30, noNaN: true }),
        (a, b) => {
          // Closed form: log(e^a + e^b) with no overflow or underflow on [−30, 30].
          close(logAddExp(a, b), Math.log(Math.exp(a) + Math.exp(b)), 4 * EPS, 4 * EPS);
          close(logAddExp(a, b), logAddExp(b, a), 0, 0);
        },
      ),
      { seed: SEED, numRuns: 300 },
    );
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -30, max: 30, noNaN: true }), { minLength: 1, maxLength: 40 }),
        (x) => {
          let naive = 0;
          for (const v of x) naive += Math.exp(v);
          close(logSumExp(x), Math.log(naive), 8 * EPS, 8 * EPS * (1 + Math.max(...x.map(Math.abs))));
        },
      ),
      { seed: SEED, numRuns: 300 },
    );
  });

  it("is shift invariant: logSumExp(x + c) = logSumExp(x) + c", () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -50, max: 50, noNaN: true }), { minLength: 1, maxLength: 30 }),
        fc.double({ min: -1e5, max: 1e5, noNaN: true }),
        (x, c) => {
          const shifted = x.map((v) => v + c);
          // Rounding of v + c perturbs each term by ulp(|v| + |c|).
          const scale = Math.abs(c) + Math.max(...x.map(Math.abs));
          close(logSumExp(shifted), logSumExp(x) + c, 0, 16 * EPS * scale + 16 * EPS);
          let acc = Number.NEGATIVE_INFINITY;
          for (const v of shifted) acc = logAddExp(acc, v);
          close(acc, logSumExp(shifted), 0, 16 * EPS * scale * x.length + 16 * EPS);
        },
      ),
      { seed: SEED, numRuns: 200 },
    );
  });

  it("handles −∞, +∞, empty ranges and subranges", () => {
    expect(logAddExp(Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY)).toBe(Number.NEGATIVE_INFINITY);
    expect(logAddExp(Number.NEGATIVE_INFINITY, 3)).toBe(3);
    expect(logAddExp(-2, Number.NEGATIVE_INFINITY)).toBe(-2);
    expect(logAddExp(INF, 1)).toBe(INF);
    expect(logAddExp(1, INF)).toBe(INF);
    expect(logAddExp(INF, INF)).toBe(INF);
    expect(logAddExp(INF, Number.NEGATIVE_INFINITY)).toBe(INF);
    expect(logSumExp([])).toBe(Number.NEGATIVE_INFINITY);
    expect(logSumExp([Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY])).toBe(Number.NEGATIVE_INFINITY);
    expect(logSumExp([Number.NEGATIVE_INFINITY, 0])).toBe(0);
    expect(logSumExp([1, INF, 2])).toBe(INF);
    // Subrange [1, 3) of [100, log 2, log 3, 100] is log(2 + 3) = log 5.
    close(logSumExp([100, Math.log(2), Math.log(3), 100], 1, 3), Math.log(5), 2 * EPS);
    expect(logSumExp([5, 6], 1, 1)).toBe(Number.NEGATIVE_INFINITY);
  });

  it("is exact for huge and tiny arguments", () => {
    // log(2 e^a) = a + log 2 (closed form), far beyond the range of exp.
    close(logAddExp(1e300, 1e300), 1e300, EPS);
    close(logAddExp(800, 800), 800 + Math.LN2, EPS);
    close(logAddExp(-800, -800), -800 + Math.LN2, EPS);
    close(logSumExp([-1e5, -1e5, -1e5]), -1e5 + Math.log(3), EPS);
    // log(e^1000 + e^0) = 1000 + log1p(e^{-1000}) = 1000 to double precision.
    expect(logAddExp(1000, 0)).toBe(1000);
    // log(e^{-745} + e^{-746}) = −745 + log1p(e^{-1}) (closed form; the naive sum underflows).
    close(logAddExp(-745, -746), -745 + Math.log1p(Math.exp(-1)), EPS);
    close(logSumExp([1e-300, -1e-300]), Math.LN2, EPS);
  });
});

describe("log1mexp = log(1 − e^{−x})", () => {
  // mpmath 1.3.0 with mp.dps = 50: log(1 - exp(-x)) at the double x, rounded to the nearest double.
  const reference: ReadonlyArray<readonly [number, number]> = [
    [1e-20, -46.051701859880914],
    [1e-10, -23.025850929990458],
    [1e-5, -11.512930464966061],
    [0.1, -2.3521684610440907],
    // log(1 − e^{−ln 2}) = −ln 2 (to the nearest double).
    [Math.LN2, -Math.LN2],
    [0.7, -0.6863410028083852],
    [1, -0.4586751453870819],
    [5, -0.006760749449488557],
    [20, -2.061153624562735e-9],
    [36, -2.3195228302435696e-16],
    [40, -4.248354255291589e-18],
    // Either side of each branch point (log 2, 37) and inside the series branch.
    [0.001, -6.908255237315471],
    [0.25, -1.5086915494460322],
    [0.5, -0.9327521295671886],
    [0.69, -0.6963042971440567],
    [0.6935, -0.6927944855575452],
    [2, -0.14541345786885906],
    [36.99, -8.61880618011994e-17],
    [37.01, -8.448142383241662e-17],
    [45, -2.8625185805493937e-20],
  ];
  it("matches high-precision references", () => {
    for (const [x, y] of reference) close(log1mexp(x), y, 2 * EPS);
  });

  it("matches the series at tiny and large arguments", () => {
    // log(1 − e^{−x}) = log x − x/2 + x²/24 − … for tiny x (closed-form series).
    for (const x of [1e-300, 1e-200, 1e-30, 1e-15]) close(log1mexp(x), Math.log(x) - x / 2, 2 * EPS);
    // log(1 − e^{−x}) = −e^{−x} − e^{−2x}/2 − … for large x.
    for (const x of [40, 100, 300, 700]) close(log1mexp(x), -Math.exp(-x) * (1 + Math.exp(-x) / 2), 2 * EPS);
    expect(log1mexp(0)).toBe(Number.NEGATIVE_INFINITY);
    expect(log1mexp(INF)).toBe(-0);
    expect(log1mexp(800)).toBe(-0);
  });

  it("agrees with log(1 − e^{−x}) where that is safe, and is increasing", () => {
    fc.assert(
      fc.property(fc.double({ min: 0.05, max: 30, noNaN: true }), (x) => {
        const naiveDiff = 1 - Math.exp(-x);
        // Naive: 1 − e^{−x} has absolute error ≤ ε, hence log error ≤ ε/(1 − e^{−x}).
        close(log1mexp(x), Math.log(naiveDiff), 4 * EPS, (2 * EPS) / naiveDiff);
        expect(log1mexp(x)).toBeLessThan(0);
        expect(log1mexp(x * (1 + 1e-9))).toBeGreaterThanOrEqual(log1mexp(x));
      }),
      { seed: SEED, numRuns: 300 },
    );
    let prev = Number.NEGATIVE_INFINITY;
    for (let k = -300; k <= 300; k++) {
      const x = 10 ** (k / 100);
      const y = log1mexp(x);
      expect(y).toBeGreaterThanOrEqual(prev);
      prev = y;
    }
  });
});

describe("series forms used in hot loops", () => {
  // mpmath 1.3.0 with mp.dps = 50, at the double arguments (mpf(float)), rounded to the nearest double.
  it("log1mexpRatio = log((1 − e^{−x})/x) on [0, log 2]", () => {
    const reference: ReadonlyArray<readonly [number, number]> = [
      [1e-8, -4.999999995833333e-9],
      [0.01, -0.00499583333680555],
      [0.0625, -0.031087244881195495],
      [0.3, -0.14625280848891067],
      [0.5, -0.23960494900724327],
      [Math.LN2, -0.326634259978281],
    ];
    for (const [x, y] of reference) close(log1mexpRatio(x), y, 4 * EPS);
    expect(log1mexpRatio(0)).toBe(0);
  });

  it("log1pFast = log(1 + t): the series below |t| = 2^−12, Math.log1p above", () => {
    const reference: ReadonlyArray<readonly [number, number]> = [
      [1e-10, 9.999999999500001e-11],
      [-1e-10, -1.00000000005e-10],
      [1e-5, 9.999950000333332e-6],
      [-1e-5, -1.0000050000333337e-5],
      [2.44e-4, 0.00024397023684137538],
      [-2.44e-4, -0.00024402977284314762],
      [2.45e-4, 0.0002449699924011411],
      [-2.45e-4, -0.00024503001740294256],
      [0.1, 0.09531017980432487],
    ];
    for (const [t, y] of reference) close(log1pFast(t), y, 2 * EPS);
    fc.assert(
      fc.property(fc.double({ min: -SMALL_T, max: SMALL_T, noNaN: true }), (t) => {
        close(log1pFast(t), Math.log1p(t), 2 * EPS);
      }),
      { seed: SEED, numRuns: 500 },
    );
    expect(log1pFast(0)).toBe(0);
  });

  it("logLog1pRatio = log(log1p(t)/t) for |t| < 2^−12", () => {
    const reference: ReadonlyArray<readonly [number, number]> = [
      [1e-12, -4.999999999997917e-13],
      [1e-6, -4.999997916667916e-7],
      [-1e-6, 5.000002083334583e-7],
      [1e-4, -4.999791679165795e-5],
      [2.44e-4, -0.0001219875984822058],
      [-2.44e-4, 0.0001220124051494903],
    ];
    for (const [t, y] of reference) close(logLog1pRatio(t), y, 4 * EPS);
  });
});

describe("log1pexp = log(1 + e^x)", () => {
  // Closed forms, each without cancellation: log1p(e^x) for x ≤ 0, x + log1p(e^{−x}) for x > 0.
  const ref = (x: number) => (x <= 0 ? Math.log1p(Math.exp(x)) : x + Math.log1p(Math.exp(-x)));
  it("matches the closed forms over the whole line", () => {
    fc.assert(
      fc.property(fc.double({ min: -745, max: 700, noNaN: true }), (x) => {
        close(log1pexp(x), ref(x), 2 * EPS);
      }),
      { seed: SEED, numRuns: 500 },
    );
    for (const x of [-745, -100, -37.5, -37, -36.9, -1, 0, 1, 17.9, 18, 18.1, 33.2, 33.3, 33.4, 50, 700]) {
      close(log1pexp(x), ref(x), 2 * EPS);
    }
    close(log1pexp(0), Math.LN2, EPS);
    expect(log1pexp(1e300)).toBe(1e300);
    expect(log1pexp(INF)).toBe(INF);
    expect(log1pexp(-INF)).toBe(0);
    // e^{−800} underflows; so does log(1 + e^{−800}) = e^{−800}(1 − …).
    expect(log1pexp(-800)).toBe(0);
  });

  it("is increasing", () => {
    let prev = 0;
    for (let x = -60; x <= 60; x += 0.01) {
      const y = log1pexp(x);
      expect(y).toBeGreaterThanOrEqual(prev);
      prev = y;
    }
  });
});

describe("expm1mx = e^x − 1 − x", () => {
  /** Σ_{k≥2} x^k/k! summed term by term for |x| < 1 (40 terms; truncation < 1e-48). */
  function series(x: number): number {
    let term = x;
    let s = 0;
    for (let k = 2; k <= 40; k++) {
      term = (term * x) / k;
      s += term;
    }
    return s;
  }

  it("matches the series for |x| < 1 and the direct formula for |x| ≥ 1", () => {
    fc.assert(
      fc.property(fc.double({ min: -0.999, max: 0.999, noNaN: true }), (x) => {
        // The terms alternate for x < 0 but the sum stays ≥ x²/3: relative error a few ε.
        close(expm1mx(x), series(x), 8 * EPS, 1e-320);
      }),
      { seed: SEED, numRuns: 400 },
    );
    fc.assert(
      fc.property(fc.double({ min: 1, max: 700, noNaN: true }), fc.boolean(), (m, neg) => {
        const x = neg ? -m : m;
        // For |x| ≥ 1, e^x − 1 − x has no damaging cancellation (worst at x = −1: factor 2.7).
        close(expm1mx(x), Math.expm1(x) - x, 8 * EPS);
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it("is x²/2 + x³/6 at tiny x and continuous across the branch at |x| = 1/2", () => {
    close(expm1mx(1e-10), 1e-20 / 2 + 1e-30 / 6, 2 * EPS);
    close(expm1mx(-1e-10), 1e-20 / 2 - 1e-30 / 6, 2 * EPS);
    // x²/2 = 5e-401 underflows to 0.
    expect(expm1mx(1e-200)).toBe(0);
    expect(expm1mx(0)).toBe(0);
    for (const x of [0.5, -0.5]) {
      const below = expm1mx(x * (1 - EPS));
      const at = expm1mx(x);
      close(below, at, 8 * EPS);
      close(at, series(x), 8 * EPS);
    }
    expect(expm1mx(-INF)).toBe(INF);
  });
});

describe("klIntegrand g(u) = u e^u − e^u + 1 and klTerm = p·g(u)", () => {
  it("is ≥ 0, zero at u = 0, and matches q log(q/p) − q + p", () => {
    fc.assert(
      fc.property(
        fc.double({ min: -700, max: 0, noNaN: true }),
        fc.double({ min: -40, max: 40, noNaN: true }),
        (logp, u) => {
          const g = klIntegrand(u);
          expect(g).toBeGreaterThanOrEqual(0);
          const t = klTerm(logp, u);
          expect(t).toBeGreaterThanOrEqual(0);
          const p = Math.exp(logp);
          // q = p e^u (not e^{log p + u}, whose rounded exponent would cost ε·|log p| in q).
          const q = p * Math.exp(u);
          // Direct formula: its three terms have magnitude q|u| + q + p, each rounded to a few ε; the
          // absolute floor covers q in the subnormal range. For u ≥ 1 klTerm forms q as e^{log p + u}, whose
          // rounded exponent costs ε·|log p + u| relative in q.
          const direct = q * u - q + p;
          const qErr = u >= 1 ? EPS * Math.abs(logp + u) * q * (Math.abs(u) + 1) : 0;
          close(t, direct, 0, 16 * EPS * (q * Math.abs(u) + q + p) + qErr + 1e-300);
        },
      ),
      { seed: SEED, numRuns: 500 },
    );
    expect(klIntegrand(0)).toBe(0);
    expect(klTerm(-3, 0)).toBe(0);
  });

  it("matches its Taylor series near 0 and closed forms at the branch points", () => {
    // g(u) = u²/2 + u³/3 + u⁴/8 + u⁵/30 + … (Σ (k−1) u^k / k!).
    for (const u of [1e-8, -1e-8, 1e-4, -1e-4]) {
      close(klIntegrand(u), (u * u) / 2 + (u * u * u) / 3 + u ** 4 / 8 + u ** 5 / 30, 4 * EPS);
    }
    // Closed forms at ±1: g(1) = 1, g(−1) = 1 − 2/e.
    close(klIntegrand(1), 1, 4 * EPS);
    close(klIntegrand(-1), 1 - 2 / Math.E, 4 * EPS);
    close(klIntegrand(1 - EPS), klIntegrand(1), 8 * EPS);
    close(klIntegrand(-1 + EPS / 2), klIntegrand(-1), 8 * EPS);
    expect(klIntegrand(Number.NEGATIVE_INFINITY)).toBe(1);
    // g(−50) = 1 − 51 e^{−50}.
    close(klIntegrand(-50), 1 - 51 * Math.exp(-50), EPS);
  });

  it("handles zero masses and extreme log-ratios without NaN", () => {
    expect(klTerm(Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY)).toBe(0);
    expect(klTerm(Number.NEGATIVE_INFINITY, 0)).toBe(INF);
    expect(klTerm(-2, INF)).toBe(INF);
    // q = 0: the term is p.
    close(klTerm(Math.log(0.25), Number.NEGATIVE_INFINITY), 0.25, EPS);
    // p = e^{−800}, q = e^{100}: q log(q/p) − q + p = e^{100}·899 + e^{−800}, with no overflow.
    close(klTerm(-800, 900), Math.exp(100) * 899, 4 * EPS);
    // p = 1, q = e^{−800}: p·g(−800) = 1 − e^{−800}·801 = 1.
    close(klTerm(0, -800), 1, EPS);
  });
});

describe("logMinusLog1mExp(y) = log(−log(1 − e^y))", () => {
  it("matches high-precision references", () => {
    // mpmath 1.3.0, mp.dps = 50: log(-log(1 - exp(y))) at the double y, rounded to the nearest double.
    const reference: ReadonlyArray<readonly [number, number]> = [
      [-1e-20, 3.829764718801947],
      [-1e-10, 3.136617538244173],
      [-0.5, -0.0696157837774042],
      [-Math.LN2, -0.3665129205816643],
      [-1, -0.7794130637455134],
      [-30, -29.999999999999954],
      [-39.9, -39.9],
      [-40.1, -40.1],
      [-50, -50],
    ];
    for (const [y, v] of reference) close(logMinusLog1mExp(y), v, 4 * EPS);
  });

  it("stays exact when Q = e^y is far below the smallest double", () => {
    // log(−log(1 − Q)) = log Q + Q/2 + … : equal to y itself once Q/2 < ulp(y)/2.
    for (const y of [-800, -1e5, -1e300]) expect(logMinusLog1mExp(y)).toBe(y);
    // Q = 1e-12 (y = log Q): log(Q + Q²/2 + Q³/3) = y + Q/2 + Q²/... (series closed form).
    const y = Math.log(1e-12);
    close(logMinusLog1mExp(y), y + 1e-12 / 2, 2 * EPS);
    expect(logMinusLog1mExp(0)).toBe(INF);
  });
});

describe("cumulativeLogSumExp", () => {
  it("equals logSumExp of each prefix (and suffix when reversed)", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(fc.double({ min: -800, max: 800, noNaN: true }), fc.constant(Number.NEGATIVE_INFINITY)),
          { minLength: 0, maxLength: 60 },
        ),
        (x) => {
          const fwd = cumulativeLogSumExp(x);
          const rev = cumulativeLogSumExp(x, true);
          const scale = 1 + Math.max(0, ...x.filter(Number.isFinite).map(Math.abs));
          for (let i = 0; i < x.length; i++) {
            const a = logSumExp(x, 0, i + 1);
            const b = logSumExp(x, i, x.length);
            if (a === Number.NEGATIVE_INFINITY) expect(fwd[i]).toBe(a);
            else close(fwd[i]!, a, 0, 8 * EPS * scale);
            if (b === Number.NEGATIVE_INFINITY) expect(rev[i]).toBe(b);
            else close(rev[i]!, b, 0, 8 * EPS * scale);
          }
        },
      ),
      { seed: SEED, numRuns: 200 },
    );
  });

  it("keeps a few-ε accuracy over 10^5 terms (exact BigInt reference)", () => {
    const n = 100_000;
    const rand = lcg(7);
    const k: number[] = [];
    for (let i = 0; i < n; i++) {
      // Integer weights spanning 2^0…2^20, with a slowly rising envelope so the running maximum moves.
      const e = Math.floor(rand() * Math.min(20, 1 + i / 5000));
      k.push(1 + Math.floor(rand() * 2 ** e));
    }
    const x = k.map(Math.log);
    const out = cumulativeLogSumExp(x);
    let exact = 0n;
    let worst = 0;
    for (let i = 0; i < n; i++) {
      exact += BigInt(k[i]!);
      // The prefix sums stay below 2^53, so Number(exact) is the exact integer.
      const ref = Math.log(Number(exact));
      // Sources of error: log(k) is rounded (relative error of e^{x} ≤ ulp(14)/2 ≈ 9e-16) and the output
      // m + log(s) is rounded once more at magnitude ≤ 26 (ulp 3.6e-15).
      worst = Math.max(worst, Math.abs(out[i]! - ref));
    }
    expect(worst).toBeLessThan(8e-15);
    // Reversed: the suffix sums.
    const rev = cumulativeLogSumExp(x, true);
    let suffix = 0n;
    let worstRev = 0;
    for (let i = n - 1; i >= 0; i--) {
      suffix += BigInt(k[i]!);
      worstRev = Math.max(worstRev, Math.abs(rev[i]! - Math.log(Number(suffix))));
    }
    expect(worstRev).toBeLessThan(8e-15);
  });
});

describe("compensated sums", () => {
  it("NeumaierSum survives the classic cancellation [1, 1e100, 1, −1e100] = 2", () => {
    const s = new NeumaierSum();
    for (const v of [1, 1e100, 1, -1e100]) s.add(v);
    expect(s.value).toBe(2);
    expect(sum([1, 1e100, 1, -1e100])).toBe(2);
    // Naive left-to-right summation gives 0 here, which is why compensation is needed.
    expect(1 + 1e100 + 1 - 1e100).toBe(0);
    expect(dot([1, 1, 1, 1], [1, 1e100, 1, -1e100])).toBe(2);
  });

  it("sums 10^6 copies of 0.1 to the correctly rounded value", () => {
    const s = new NeumaierSum();
    for (let i = 0; i < 1_000_000; i++) s.add(0.1);
    // Exact value: 10^6 · fl(0.1) = 10^6 · 0.1000000000000000055511151231257827 = 100000.0000000000055511…,
    // which rounds to 100000.00000000001 (ulp at 1e5 is 1.46e-11): within one ulp of 1e5.
    close(s.value, 1e5, 0, 1.5e-11);
    expect(sum([INF, 1])).toBe(INF);
    expect(Number.isNaN(sum([INF, -INF]))).toBe(true);
  });

  it("agrees with an exact rational sum of random doubles (BigInt reference)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -(2 ** 40), max: 2 ** 40 }), { minLength: 1, maxLength: 200 }),
        (ints) => {
          // x_i = m_i · 2^{-20} are exact doubles and their exact sum is Σ m_i · 2^{-20}.
          const x = ints.map((m) => m * 2 ** -20);
          let exact = 0n;
          for (const m of ints) exact += BigInt(m);
          expect(sum(x)).toBe(Number(exact) * 2 ** -20);
        },
      ),
      { seed: SEED, numRuns: 100 },
    );
  });
});

describe("brentRoot and newtonBracketed", () => {
  // The Dottie number, the root of cos x = x: mpmath 1.3.0 findroot(cos(x) - x) at 50 digits
  // (0.73908513321516064165531208767…), rounded to the nearest double.
  const DOTTIE = 0.7390851332151607;

  it("find known roots to a few ulps", () => {
    const a = brentRoot((x) => Math.cos(x) - x, 0, 1);
    close(a.x, DOTTIE, 4 * EPS);
    const b = brentRoot((x) => x * x * x - 2, 0, 2);
    close(b.x, Math.cbrt(2), 4 * EPS);
    expect(b.iterations).toBeLessThan(60);
    // Reversed bracket orientation.
    close(brentRoot((x) => 2 - x * x * x, 2, 0).x, Math.cbrt(2), 4 * EPS);
    const c = newtonBracketed((x) => ({ f: x * x * x - 2, df: 3 * x * x }), 0, 2, 1.5);
    close(c.x, Math.cbrt(2), 4 * EPS);
    const d = newtonBracketed((x) => ({ f: x - Math.cos(x), df: 1 + Math.sin(x) }), 0, 1, 0);
    close(d.x, DOTTIE, 4 * EPS);
  });

  it("respect an absolute tolerance and return exact endpoint roots", () => {
    const a = brentRoot((x) => Math.cos(x) - x, 0, 1, { xAbsTol: 1e-6 });
    expect(Math.abs(a.x - DOTTIE)).toBeLessThanOrEqual(1e-6);
    const full = brentRoot((x) => Math.cos(x) - x, 0, 1);
    expect(a.iterations).toBeLessThanOrEqual(full.iterations);
    const b = newtonBracketed((x) => ({ f: x * x - 2, df: 2 * x }), 0, 2, 1, { xAbsTol: 1e-3 });
    expect(Math.abs(b.x - Math.SQRT2)).toBeLessThanOrEqual(1e-3);
    expect(brentRoot((x) => x - 1, 1, 3)).toEqual({ x: 1, fx: 0, iterations: 0 });
    expect(brentRoot((x) => x - 3, 1, 3)).toEqual({ x: 3, fx: 0, iterations: 0 });
  });

  it("brentRoot rejects a bracket without a sign change or with NaN", () => {
    expect(() => brentRoot((x) => x * x + 1, -1, 1)).toThrow(RangeError);
    expect(() => brentRoot((x) => x * x + 1, -1, 1)).toThrow(/do not bracket a root/);
    expect(() => brentRoot(() => Number.NaN, 0, 1)).toThrow(RangeError);
    expect(() => brentRoot((x) => (x < 0.5 ? -1 : Number.NaN), 0, 1)).toThrow(RangeError);
  });

  it("newtonBracketed closes a bracket spanning 1e-300…1e300 geometrically", () => {
    // log x = 5 at x = e^5; Newton from the top of the bracket overshoots, so bisection in log x takes over.
    const r = newtonBracketed((x) => ({ f: Math.log(x) - 5, df: 1 / x }), 1e-300, 1e300, 1e300);
    close(r.x, Math.exp(5), 8 * EPS);
    expect(r.iterations).toBeLessThan(400);
  });

  it("brentRoot finds random cubic roots (property)", () => {
    fc.assert(
      fc.property(fc.double({ min: -100, max: 100, noNaN: true }), (root) => {
        // f(x) = (x − root)(x² + 1) has the single real root `root`.
        const f = (x: number) => (x - root) * (x * x + 1);
        const r = brentRoot(f, -101, 101);
        close(r.x, root, 8 * EPS, 1e-300);
      }),
      { seed: SEED, numRuns: 200 },
    );
  });
});

describe("goldenSectionMin", () => {
  it("finds the minimum of unimodal functions", () => {
    // (x − 2)² + 1: minimum 1 at 2. The abscissa is only determined to about √ε of the scale.
    const a = goldenSectionMin((x) => (x - 2) ** 2 + 1, 0, 5);
    close(a.x, 2, 0, 1e-7);
    close(a.fx, 1, 2 * EPS);
    // cos on [2, 4]: minimum −1 at π.
    const b = goldenSectionMin(Math.cos, 2, 4);
    close(b.x, Math.PI, 0, 1e-7);
    close(b.fx, -1, 2 * EPS);
    // |x − 0.3|: a kink, still unimodal.
    const c = goldenSectionMin((x) => Math.abs(x - 0.3), -1, 1);
    close(c.x, 0.3, 0, 1e-14);
  });
});

describe("integrate (adaptive Gauss–Legendre)", () => {
  it("matches closed forms to 1e-13", () => {
    // ∫_0^40 e^{−x} dx = 1 − e^{−40}.
    const a = integrate((x) => Math.exp(-x), [0, 40]);
    close(a.value, -Math.expm1(-40), 1e-13);
    // ∫_0^π sin = 2 (at the double π, 1 − cos(fl(π)) = 2 to double precision).
    close(integrate(Math.sin, [0, Math.PI]).value, 2, 1e-13);
    // ∫_0^{10} sin = 1 − cos 10.
    close(integrate(Math.sin, [0, 10]).value, 1 - Math.cos(10), 1e-13);
    // A peak of width 1e-2: ∫_{−1}^{1} dx/(1e-4 + x²) = 200·atan(100) (mpmath: 312.15933202164627620…).
    const peak = (x: number) => 1 / (1e-4 + x * x);
    close(integrate(peak, [-1, 1]).value, 200 * Math.atan(100), 1e-13);
    // mpmath 1.3.0: 200*atan(100) = 312.15933202164627620…, rounded to the nearest double.
    close(integrate(peak, [-1, 0.3, 1]).value, 312.15933202164626, 1e-13);
    // A narrow Gaussian: ∫_{−1}^{1} e^{−x²/(2·10^{-6})} dx = √(2π)·10^{-3}·erf(1000/√2) = √(2π)·10^{-3}.
    close(
      integrate((x) => Math.exp(-(x * x) / 2e-6), [-1, 0.25, 1]).value,
      Math.sqrt(2 * Math.PI) * 1e-3,
      1e-13,
    );
  });

  it("reports an error estimate and handles empty ranges", () => {
    const r = integrate((x) => Math.exp(-x), [0, 40]);
    expect(r.error).toBeLessThanOrEqual(1e-13 * Math.abs(r.value));
    expect(r.panels).toBeGreaterThanOrEqual(1);
    expect(integrate(Math.exp, [1, 1]).value).toBe(0);
    expect(integrate(Math.exp, [1]).value).toBe(0);
  });
});

describe("gaussLegendre", () => {
  it("has weights summing to 2 and symmetric nodes inside (−1, 1)", () => {
    for (const n of [1, 2, 5, 20, 64]) {
      const { nodes, weights } = gaussLegendre(n);
      close(sum(weights), 2, 4 * EPS * n);
      for (let i = 0; i < n; i++) {
        expect(Math.abs(nodes[i]!)).toBeLessThan(1);
        expect(weights[i]!).toBeGreaterThan(0);
        close(nodes[i]!, -nodes[n - 1 - i]!, 0, 4 * EPS);
        close(weights[i]!, weights[n - 1 - i]!, 8 * EPS);
      }
    }
  });

  it("matches the closed-form 2- and 3-point rules", () => {
    const two = gaussLegendre(2);
    close(Math.abs(two.nodes[0]!), 1 / Math.sqrt(3), 2 * EPS);
    close(two.weights[0]!, 1, 2 * EPS);
    const three = gaussLegendre(3);
    const sorted = Array.from(three.nodes).sort((a, b) => a - b);
    close(sorted[0]!, -Math.sqrt(3 / 5), 2 * EPS);
    close(sorted[1]!, 0, 0, 2 * EPS);
    const w = Array.from(three.weights).sort((a, b) => a - b);
    close(w[0]!, 5 / 9, 4 * EPS);
    close(w[2]!, 8 / 9, 4 * EPS);
  });

  it("integrates polynomials of degree 39 exactly with 20 points", () => {
    const { nodes, weights } = gaussLegendre(20);
    const rule = (f: (x: number) => number) => dot(weights, Array.from(nodes, f));
    // ∫_{−1}^{1} x^38 = 2/39, ∫ x^39 = 0, ∫ ((1 + x)/2)^39 = 2/40 (closed forms).
    // (x^38 magnifies the few-ulp errors of the nodes by up to 38.)
    close(
      rule((x) => x ** 38),
      2 / 39,
      64 * EPS,
    );
    close(
      rule((x) => x ** 39),
      0,
      0,
      16 * EPS,
    );
    close(
      rule((x) => ((1 + x) / 2) ** 39),
      1 / 20,
      64 * EPS,
    );
    // Degree 40 is not exact: the error of the 20-point rule on x^40 is visible.
    expect(Math.abs(rule((x) => x ** 40) - 2 / 41)).toBeGreaterThan(1e-12);
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: 40, maxLength: 40 }),
        (c) => {
          // Σ c_k x^k, k = 0..39: exact integral Σ_{k even} 2 c_k/(k + 1).
          let exact = 0;
          for (let k = 0; k < 40; k += 2) exact += (2 * c[k]!) / (k + 1);
          const poly = (x: number) => {
            let s = 0;
            for (let k = 39; k >= 0; k--) s = s * x + c[k]!;
            return s;
          };
          close(rule(poly), exact, 0, 64 * EPS);
        },
      ),
      { seed: SEED, numRuns: 100 },
    );
  });
});

describe("argsort", () => {
  /** Reference: a comparator sort by value, ties (including −0 vs +0) broken by index. */
  function reference(values: readonly number[]): number[] {
    const idx = values.map((_, i) => i);
    idx.sort((a, b) => {
      const va = values[a]!;
      const vb = values[b]!;
      return va < vb ? -1 : va > vb ? 1 : a - b;
    });
    return idx;
  }
  const special = [
    0,
    -0,
    5e-324,
    -5e-324,
    2.2250738585072014e-308,
    -2.2250738585072014e-308,
    2.225073858507201e-308,
    -1.7976931348623157e308,
    1.7976931348623157e308,
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
  ];
  const value = fc.oneof(
    fc.double({ noNaN: true }),
    fc.integer({ min: -3, max: 3 }),
    fc.constantFrom(...special),
  );

  it("matches a stable comparator sort below the radix threshold", () => {
    fc.assert(
      fc.property(fc.array(value, { maxLength: 300 }), (v) => {
        expect(Array.from(argsort(v))).toEqual(reference(v));
      }),
      { seed: SEED, numRuns: 200 },
    );
  });

  it("matches a stable comparator sort on the bucket/radix path (n ≥ RADIX_MIN)", () => {
    fc.assert(
      fc.property(fc.array(value, { minLength: RADIX_MIN, maxLength: 6000 }), (v) => {
        expect(Array.from(argsort(Float64Array.from(v)))).toEqual(reference(v));
      }),
      { seed: SEED, numRuns: 15 },
    );
    // Many ties, −0 and +0 interleaved: the sort must keep input order within a tie.
    const n = 10_000;
    const v = Array.from({ length: n }, (_, i) =>
      i % 3 === 0 ? -0 : i % 3 === 1 ? 0 : ((i * 7919) % 11) - 5,
    );
    expect(Array.from(argsort(v))).toEqual(reference(v));
  });

  it("values differing only in their lowest bits, subnormals, a plain array input", () => {
    // Neighbouring doubles (1 + kε, −1 − kε) and subnormals exercise every digit of both halves.
    const v: number[] = [];
    for (let k = 0; k < 3000; k++) {
      const j = (k * 2654435761) % 3001;
      v.push(j % 3 === 0 ? 1 + j * Number.EPSILON : j % 3 === 1 ? -1 - j * Number.EPSILON : j * 5e-324);
    }
    expect(Array.from(argsort(v))).toEqual(reference(v));
  });

  it("bucket path: bell-shaped, clustered, tied and skewed data (with its radix fallback)", () => {
    const u = lcg(7);
    const gauss = () => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
    const cases: number[][] = [
      // Bell-shaped, as the benchmark's rewards: many small buckets, insertion sorts.
      Array.from({ length: 20_000 }, gauss),
      // Dense clusters: buckets that recurse on their own range.
      Array.from({ length: 20_000 }, () => Math.floor(8 * u()) + 1e-9 * gauss()),
      // Few distinct values, −0 among the zeros: buckets of equal values.
      Array.from({ length: 5000 }, (_, i) => (i % 7 === 0 ? -0 : Math.floor(5 * u()) - 2)),
      // One outlier: every other value lands in one bucket, which goes to the radix sort.
      Array.from({ length: 5000 }, (_, i) => (i === 1234 ? 1e300 : gauss())),
      // Values over many binades: skewed at every level.
      Array.from({ length: 5000 }, () => Math.exp(700 * (u() - 0.5)) * (u() < 0.5 ? -1 : 1)),
      // An infinite value sends everything to the radix sort; multiples of 2^40 share their low key
      // bits, so its passes over those digits are skipped.
      Array.from({ length: 5000 }, (_, i) =>
        i === 0 ? Number.POSITIVE_INFINITY : ((i * 7919) % 5000) * 2 ** 40,
      ),
    ];
    for (const v of cases) {
      const { order, sorted } = sortWithIndex(Float64Array.from(v));
      const ref = reference(v);
      expect(Array.from(order)).toEqual(ref);
      expect(Array.from(sorted)).toEqual(ref.map((i) => (v[i] === 0 ? 0 : v[i])));
      // sortValues carries no index column: its payload, the input position, shows the same order.
      const plain = sortValues(
        Float64Array.from(v),
        Float64Array.from(v, (_, i) => i),
      );
      expect(Array.from(plain.sorted)).toEqual(Array.from(sorted));
      expect(Array.from(plain.carried)).toEqual(ref);
    }
  });

  it("sortWithIndex and sortValues return the sorted values (−0 as +0) and the carried payload in that order", () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 0, max: 2 * RADIX_MIN })
          .chain((n) =>
            fc.tuple(
              fc.array(value, { minLength: n, maxLength: n }),
              fc.array(fc.double(), { minLength: n, maxLength: n }),
            ),
          ),
        ([v, w]) => {
          const { order, sorted, carried } = sortWithIndex(v, w);
          const ref = reference(v);
          expect(Array.from(order)).toEqual(ref);
          // Compared with Object.is through toEqual on arrays: −0 must come out as +0.
          expect(Array.from(sorted)).toEqual(ref.map((i) => (v[i] === 0 ? 0 : v[i])));
          expect(Array.from(carried)).toEqual(ref.map((i) => w[i]));
          const plain = sortValues(v, w);
          expect(Array.from(plain.sorted)).toEqual(Array.from(sorted));
          expect(Array.from(plain.carried)).toEqual(Array.from(carried));
        },
      ),
      { seed: SEED, numRuns: 60 },
    );
  });

  it("handles trivial inputs", () => {
    expect(Array.from(argsort([]))).toEqual([]);
    expect(Array.from(argsort([3]))).toEqual([0]);
    expect(Array.from(argsort([2, 1, 2, 1]))).toEqual([1, 3, 0, 2]);
  });
});

describe("firstAtLeast (binary search)", () => {
  it("equals a linear scan for ≥ and >, with ties, on sorted arrays of any length", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -5, max: 5 }), { maxLength: 40 }),
        fc.double({ min: -6, max: 6, noNaN: true }),
        (xs, t) => {
          const sorted = Float64Array.from(xs).sort();
          const scan = (pred: (x: number) => boolean) => {
            const i = Array.from(sorted).findIndex(pred);
            return i < 0 ? sorted.length : i;
          };
          expect(firstAtLeast(sorted, t)).toBe(scan((x) => x >= t));
          expect(firstAtLeast(sorted, t, true)).toBe(scan((x) => x > t));
          // On the values themselves: the first of each run of ties, and just past it.
          for (const x of sorted) {
            expect(sorted[firstAtLeast(sorted, x)]).toBe(x);
            expect(firstAtLeast(sorted, x, true)).toBe(scan((y) => y > x));
          }
        },
      ),
      { seed: SEED, numRuns: 300 },
    );
    expect(firstAtLeast(new Float64Array(0), 1)).toBe(0);
    expect(firstAtLeast(Float64Array.of(1, 2), Number.NaN)).toBe(2);
  });
});
