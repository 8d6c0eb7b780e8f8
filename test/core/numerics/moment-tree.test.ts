import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { coarseBins, coarseLambda } from "../../../src/core/numerics/coarseBins.js";
import { addTreeForm, momentTree, treeMode } from "../../../src/core/numerics/momentTree.js";
import {
  addEmxForm,
  addExpForm,
  emxFormResult,
  expFormResult,
  type Frame,
  modeIndex,
  spanScale,
  TiltAcc,
  type TiltSums,
} from "../../../src/core/numerics/tiltSums.js";
import { SEED } from "../../support/assert.js";
import { seededUniform } from "../../support/random.js";

/** Sorted distinct levels: n values from a seeded generator, masses spread over `decades` decades. */
function levels(n: number, seed: number, decades: number, heavy: boolean) {
  const u = seededUniform(seed);
  const raw = new Set<number>();
  while (raw.size < n) {
    const x = heavy ? (u() - 0.5) * 10 ** (4 * u()) : Math.sqrt(-2 * Math.log(u())) * Math.cos(6.283 * u());
    raw.add(x);
  }
  const values = Float64Array.from([...raw].sort((a, b) => a - b));
  const w = Float64Array.from(values, () => 10 ** (-decades * u()));
  let total = 0;
  for (const x of w) total += x;
  const mass = Float64Array.from(w, (x) => x / total);
  const logMass = Float64Array.from(mass, Math.log);
  let mean = 0;
  for (let i = 0; i < n; i++) mean += mass[i]! * values[i]!;
  let residual = 0;
  for (let i = 0; i < n; i++) residual += mass[i]! * (values[i]! - mean);
  return { values, mass, logMass, mean, residual };
}

describe("momentTree: blocks of levels by their moments", () => {
  it("addTreeForm equals the direct sums of each form over every level (1e-13)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 40, max: 30000 }),
        fc.integer({ min: 1, max: 2 ** 30 }),
        fc.constantFrom(1, 6, 250),
        fc.boolean(),
        fc.double({ min: -3, max: 3, noNaN: true }),
        (n, seed, decades, heavy, logLambda) => {
          const { values, mass, logMass, mean, residual } = levels(n, seed, decades, heavy);
          const tree = momentTree(values, mass, logMass)!;
          expect(tree).toBeDefined();
          const span = values[n - 1]! - values[0]!;
          const s = spanScale(span);
          const lambda = 10 ** logLambda / (span / 8);
          const frame = (c: number): Frame => ({ center: c, invScale: 1 / s, lambdaScaled: lambda * s });
          const k = modeIndex(values, logMass, 0, n, values[n - 1]!, lambda);
          expect(treeMode(tree, values[n - 1]!, lambda)).toBe(k);
          const cases: [string, (acc: TiltAcc, viaTree: boolean) => TiltSums][] = [
            [
              "exp",
              (acc, t) => {
                if (t) addTreeForm(tree, "exp", frame(mean), 0, acc);
                else addExpForm(values, mass, 0, n, frame(mean), acc);
                return expFormResult(lambda * s, 0, acc);
              },
            ],
            [
              "emx",
              (acc, t) => {
                if (t) addTreeForm(tree, "emx", frame(mean), 0, acc);
                else addEmxForm(values, mass, 0, n, frame(mean), acc);
                return emxFormResult(lambda * s, residual / s, acc);
              },
            ],
            [
              "log",
              (acc, t) => {
                if (t) addTreeForm(tree, "log", frame(values[k]!), logMass[k]!, acc);
                else addExpForm(values, logMass, 0, n, frame(values[k]!), acc, logMass[k]!);
                return expFormResult(lambda * s, logMass[k]!, acc);
              },
            ],
          ];
          for (const [form, run] of cases) {
            // The mean-centred forms overflow past λ(max − mean) = 700: the log form's range.
            if (form !== "log" && lambda * (values[n - 1]! - mean) > 700) continue;
            const direct = run(new TiltAcc(), false);
            const viaTree = run(new TiltAcc(), true);
            const what = `${form} at λ = ${lambda}, n = ${n}`;
            expect(Math.abs(viaTree.L - direct.L), what).toBeLessThanOrEqual(
              1e-13 * (1 + Math.abs(direct.L)),
            );
            expect(Math.abs(viaTree.m - direct.m), what).toBeLessThanOrEqual(1e-13);
            const dScale = Math.max(Math.abs(direct.d), form === "emx" ? 0 : 1e-3);
            expect(Math.abs(viaTree.d - direct.d), what).toBeLessThanOrEqual(1e-12 * dScale + 1e-300);
            expect(Math.abs(viaTree.k2 - direct.k2), what).toBeLessThanOrEqual(1e-12);
          }
        },
      ),
      { seed: SEED, numRuns: 60 },
    );
  });

  it("is not built for fewer than 32 levels", () => {
    const { values, mass, logMass } = levels(31, 1, 1, false);
    expect(momentTree(values, mass, logMass)).toBeUndefined();
  });
});

describe("coarseBins: the first guess for λ_Δ", () => {
  it("lands within 1e-6 relative of the root found by exact passes, or declines", () => {
    const { values, mass, mean } = levels(20000, 7, 2, false);
    const s = spanScale(values[values.length - 1]! - values[0]!);
    const bins = coarseBins(values, mass, values[0]!, values[values.length - 1]!, mean, s);
    const exact = (lambda: number) => {
      const acc = new TiltAcc();
      addExpForm(
        values,
        mass,
        0,
        values.length,
        { center: mean, invScale: 1 / s, lambdaScaled: lambda * s },
        acc,
      );
      return expFormResult(lambda * s, 0, acc).d;
    };
    for (const delta of [0.05, 0.5, 1, 2]) {
      const guess = coarseLambda(bins, s, delta, Math.sqrt(2 * delta));
      expect(guess).toBeDefined();
      // d(λ) at the guess is Δ to the bins' truncation, (λh)³/6 relative.
      expect(Math.abs(exact(guess!) - delta)).toBeLessThanOrEqual(1e-6 * delta);
    }
    // λh beyond 0.02 (here h ≈ 8/4096/2): the bins decline to guess.
    expect(coarseLambda(bins, s, 1, 100)).toBeUndefined();
  });
});
