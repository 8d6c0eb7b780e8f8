import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bestOfN } from "../../src/core/bon.js";
import { createModel } from "../../src/core/model.js";
import { close, SEED } from "../support/assert.js";

/**
 * Best-of-N against exact rational arithmetic. With integer counts c_l on distinct rewards v_l
 * (T = Σ c, C_l = Σ_{j≤l} c_j) and an integer N, MATH §2 gives P_N(v_l) = (C_l^N − C_{l−1}^N)/T^N,
 * which BigInt computes exactly; its logarithm (logRatio) is within about 1e-16 + 2.3e-17·|e| of the
 * truth, where 2^e is the scale of the ratio (|e| < 2·10^4 here, against |log P_N| ≈ |e| log 2). This checks every branch the
 * engine takes for N < e and for e ≤ N ≤ e^700, series and all, by a route that shares none of its code.
 */

function bitLength(a: bigint): number {
  return a.toString(2).length;
}

/**
 * log(a/b) for positive BigInts: a/b = m·2^e with m ∈ [√½, √2) from a 64-bit quotient, so log m is
 * small and exact to an ulp, and e·log 2 carries the rest (log 2's own rounding, 2.3e-17, times |e|).
 */
function logRatio(a: bigint, b: bigint): number {
  const shift = 64 - (bitLength(a) - bitLength(b));
  const q = shift >= 0 ? (a << BigInt(shift)) / b : a / (b << BigInt(-shift));
  // q ∈ [2^63, 2^65): a/b = q·2^−shift.
  let e = bitLength(q) - 1;
  let m = Number(q) / 2 ** e;
  if (m > Math.SQRT2) {
    m /= 2;
    e += 1;
  }
  return Math.log(m) + (e - shift) * Math.LN2;
}

interface Exact {
  /** log P_N(v_l) per level. */
  readonly logPn: number[];
  /** log P(v_l). */
  readonly logP: number[];
  readonly reward: number;
  readonly kl: number;
  readonly winRate: number;
}

function exactBon(counts: readonly number[], values: readonly number[], N: number): Exact {
  const T = BigInt(counts.reduce((a, b) => a + b, 0));
  const TN = T ** BigInt(N);
  const logPn: number[] = [];
  const logP: number[] = [];
  let below = 0n;
  let reward = 0;
  let kl = 0;
  let winRate = 0;
  counts.forEach((c, l) => {
    const upTo = below + BigInt(c);
    const lpn = logRatio(upTo ** BigInt(N) - below ** BigInt(N), TN);
    const lp = logRatio(BigInt(c), T);
    const pn = Math.exp(lpn);
    logPn.push(lpn);
    logP.push(lp);
    reward += pn * values[l]!;
    kl += pn * (lpn - lp);
    winRate += pn * ((Number(below) + c / 2) / Number(T));
    below = upTo;
  });
  return { logPn, logP, reward, kl, winRate };
}

/** Level counts: a few heavy levels among many light ones, so that P(v)/F(v⁻) spans 1e-5 … 1. */
const countsArb = fc
  .array(fc.oneof(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 40 }), fc.constant(5000)), {
    minLength: 2,
    maxLength: 400,
  })
  .filter((c) => c.reduce((a, b) => a + b, 0) < 60000);

describe("best-of-N against exact rational arithmetic (integer N, integer counts)", () => {
  it("log P_N per level, reward, KL and win rate, for N from 2 to 1000", () => {
    fc.assert(
      fc.property(countsArb, fc.constantFrom(2, 3, 5, 20, 100, 1000), fc.boolean(), (counts, N, spread) => {
        const values = counts.map((_, l) => (spread ? l * l - 7 : l / 3));
        const exact = exactBon(counts, values, N);
        const res = bestOfN(createModel({ counts, r: values }), { n: N });
        expect(res.levelLogProbs.length).toBe(counts.length);
        res.levelLogProbs.forEach((lp, l) => {
          const ref = exact.logPn[l]!;
          close(lp, ref, 1e-13, 1e-13);
        });
        const range = values[values.length - 1]! - Math.min(...values);
        close(res.reward, exact.reward, 0, 1e-14 * range);
        close(res.kl, exact.kl, 1e-12, 1e-14);
        close(res.winRate, exact.winRate, 1e-13);
      }),
      { seed: SEED, numRuns: 60 },
    );
  });

  it("a light level above a heavy one: P(v)/F(v⁻) down to 1e-5, where the series branches run", () => {
    // 40000 draws on the lowest reward, then 60 levels of one draw each.
    const counts = [40000, ...Array.from({ length: 60 }, () => 1)];
    const values = counts.map((_, l) => l);
    for (const N of [3, 30, 300, 3000]) {
      const exact = exactBon(counts, values, N);
      const res = bestOfN(createModel({ counts, r: values }), { n: N });
      res.levelLogProbs.forEach((lp, l) => {
        close(lp, exact.logPn[l]!, 1e-13, 1e-13);
      });
      // The reward is summed as r_max + Σ π (v − r_max): its error is a few ε of the reward range.
      close(res.reward, exact.reward, 0, 1e-14 * 60);
      close(res.kl, exact.kl, 1e-12);
      close(res.winRate, exact.winRate, 1e-13);
    }
  });
});
