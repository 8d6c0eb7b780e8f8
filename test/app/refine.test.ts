import { describe, expect, it } from "vitest";
import { linspace, refineCurve } from "../../src/app/refine.js";

describe("refineCurve", () => {
  it("keeps the points it starts from and adds points only where the chord strays", () => {
    // f(x) = |x|^1.02-like kink smoothed: √(x² + 10⁻⁴) bends sharply near 0 and is straight elsewhere.
    const f = (x: number) => Math.sqrt(x * x + 1e-4);
    const start = linspace(-1, 1, 11);
    const calls: number[] = [];
    const { xs, ys } = refineCurve(start, (at) => {
      calls.push(at.length);
      return [at.map(f)];
    });
    for (const x of start) expect(xs).toContain(x);
    expect(xs).toEqual([...xs].sort((a, b) => a - b));
    // Every chord's midpoint is within the tolerance (1/600 of the y span) of the curve.
    const span = Math.max(...ys[0]!) - Math.min(0, ...ys[0]!);
    for (let i = 0; i + 1 < xs.length; i++) {
      const mid = (xs[i]! + xs[i + 1]!) / 2;
      expect(Math.abs(f(mid) - (ys[0]![i]! + ys[0]![i + 1]!) / 2)).toBeLessThanOrEqual(span / 600 + 1e-12);
    }
    // The new points crowd near the bend: far from 0 the line is straight.
    const near = xs.filter((x) => Math.abs(x) < 0.1).length;
    const far = xs.filter((x) => Math.abs(x) > 0.5).length;
    expect(near).toBeGreaterThan(far);
    // One call for the start, then one a pass.
    expect(calls[0]).toBe(start.length);
    expect(calls.length).toBeLessThanOrEqual(7);
  });

  it("leaves segments next to non-finite values alone, and short inputs as they are", () => {
    const { xs, ys } = refineCurve([0, 1, 2], (at) => [
      at.map((x) => (x >= 2 ? Number.POSITIVE_INFINITY : x * x)),
    ]);
    expect(xs.filter((x) => x > 1)).toEqual([2]);
    expect(ys[0]![xs.length - 1]).toBe(Number.POSITIVE_INFINITY);
    expect(refineCurve([3], (at) => [at])).toEqual({ xs: [3], ys: [[3]] });
    expect(linspace(0, 1, 3)).toEqual([0, 0.5, 1]);
  });
});
