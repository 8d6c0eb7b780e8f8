import { describe, expect, it } from "vitest";
import { ldpCurves } from "../../src/app/ldpCurves.js";
import { createModel } from "../../src/core/model.js";
import { ldpSummary } from "../../src/core/sequence/ldp.js";
import { subtlexAfinnSpec } from "../../src/node/subtlexAfinn.js";

// The curves are computed on the reward's law; the table on the model. They must agree where both exist,
// and be fine enough that no chord strays from J by more than a fraction of the axis.
describe("ldpCurves", () => {
  const words = createModel(subtlexAfinnSpec(undefined, "model"));
  const ternary = createModel({ p: [0.5, 0.3, 0.2], r: [0, 1, 2] });
  for (const [name, model, delta] of [
    ["ternary", ternary, 0.5],
    ["subtlex-afinn", words, 0.5],
  ] as const) {
    it(`passes through the table's points and bends smoothly (${name})`, () => {
      const table = ldpSummary(model, delta);
      const curves = ldpCurves(model, delta, table);
      const at = new Map(curves.rate.map((r) => [r.x, r]));
      for (const r of table.rate) {
        const c = at.get(r.x)!;
        expect(c).toBeDefined();
        expect(Math.abs(c.J - r.J)).toBeLessThanOrEqual(1e-9 * Math.max(1, r.J));
        expect(Math.abs(c.Ip - r.Ip)).toBeLessThanOrEqual(1e-9 * Math.max(1, r.Ip));
      }
      expect(curves.rate.length).toBeGreaterThan(table.rate.length);
      // Chords against J from the model itself at their midpoints (every fifth chord: the word model
      // takes a fraction of a second per point).
      const span = Math.max(...curves.rate.map((r) => r.J));
      const chords = curves.rate
        .slice(0, -1)
        .map((r, i) => [r, curves.rate[i + 1]!] as const)
        .filter((_, i) => i % 5 === 0);
      const exact = ldpSummary(model, delta, { xs: chords.map(([a, b]) => (a.x + b.x) / 2), ts: [] }).rate;
      exact.forEach((e, i) => {
        const [a, b] = chords[i]!;
        expect(Math.abs((a.J + b.J) / 2 - e.J)).toBeLessThanOrEqual(span / 300);
      });
      // Γ on the table's t range, through its values.
      const ts = table.scgf.map((g) => g.t);
      expect(curves.scgf[0]!.t).toBe(Math.min(...ts));
      expect(curves.scgf[curves.scgf.length - 1]!.t).toBe(Math.max(...ts));
      expect(curves.scgf.length).toBeGreaterThanOrEqual(33);
    }, 30_000);
  }
});
