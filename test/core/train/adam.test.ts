import { describe, expect, it } from "vitest";
import { Adam } from "../../../src/core/train/adam.js";
import { thrown } from "../../support/assert.js";

/** Adam against Kingma & Ba's Algorithm 1 worked by hand. */
describe("Adam", () => {
  it("takes a first step of exactly α·sign(g) (bias-corrected m̂ = g, v̂ = g²)", () => {
    const x = Float64Array.from([1, -2, 3]);
    new Adam(3, { lr: 0.1 }).step(x, [4, -0.5, 1e-9]);
    expect(Array.from(x)).toEqual([1 - 0.1, -2 + 0.1, 3 - 0.1]);
  });

  it("follows the recurrences on a second step", () => {
    const x = Float64Array.from([0]);
    const adam = new Adam(1, { lr: 0.01, amsgrad: false });
    adam.step(x, [2]);
    adam.step(x, [1]);
    // m₂ = 0.9·0.2 + 0.1·1 = 0.28, v₂ = 0.999·0.004 + 0.001·1 = 0.004996,
    // m̂ = 0.28/(1 − 0.81), v̂ = 0.004996/(1 − 0.998001).
    const step2 = (0.01 * (0.28 / 0.19)) / Math.sqrt(0.004996 / 0.001999);
    expect(x[0]).toBeCloseTo(-0.01 - step2, 15);
  });

  it("with AMSGrad keeps the largest v: a smaller gradient after a large one takes a smaller step", () => {
    const plain = Float64Array.from([0]);
    const ams = Float64Array.from([0]);
    const a = new Adam(1, { amsgrad: false });
    const b = new Adam(1, { amsgrad: true });
    for (const g of [1, 1e-3, 1e-3, 1e-3]) {
      a.step(plain, [g]);
      b.step(ams, [g]);
    }
    expect(Math.abs(ams[0]!)).toBeLessThan(Math.abs(plain[0]!));
  });

  it("leaves a coordinate with only zero gradients where it is (ε = 0 is guarded)", () => {
    const x = Float64Array.from([5]);
    const adam = new Adam(1);
    for (let k = 0; k < 3; k++) adam.step(x, [0]);
    expect(x[0]).toBe(5);
  });

  it("refuses bad constants", () => {
    expect(thrown(() => new Adam(1, { lr: 0 })).field).toBe("lr");
    expect(thrown(() => new Adam(1, { beta2: 1 })).field).toBe("beta2");
    expect(thrown(() => new Adam(1, { eps: -1 })).field).toBe("eps");
  });
});
