import { describe, expect, it } from "vitest";
import { createModel } from "../../src/core/model.js";
import { optimum } from "../../src/core/optimum.js";
import { ldpRate, ldpSummary, scgf } from "../../src/core/sequence/ldp.js";
import { cumulants, lambdaForKl } from "../../src/core/tilt.js";
import { close } from "../support/assert.js";

// Bernoulli(θ) with rewards 0/1: the optimum at Δ is Bernoulli(φ₁) with φ₁ = θe^λ/(1 − θ + θe^λ), so
// every LDP quantity has a closed form (MATH §4): J_Δ(x) = KL(Bern(x) ‖ Bern(φ₁)), Γ(t) = log(1 − φ₁ + φ₁e^t),
// and S_n under φ^⊗n is Binomial(n, φ₁).
const theta = 0.3;
const model = createModel({ p: [1 - theta, theta], r: [0, 1] });
const delta = 0.2;
const lambda = lambdaForKl(model, delta).lambda;
const phi1 = (theta * Math.exp(lambda)) / (1 - theta + theta * Math.exp(lambda));
const klBern = (x: number, q: number) =>
  (x === 0 ? 0 : x * Math.log(x / q)) + (x === 1 ? 0 : (1 - x) * Math.log((1 - x) / (1 - q)));

describe("Optimum: λ* solved once, then evaluated", () => {
  it("is one handle per model and budget, and a new one for another budget", () => {
    expect(optimum(model, delta)).toBe(optimum(model, delta));
    expect(optimum(model, 0.1)).not.toBe(optimum(model, delta));
  });

  it("holds λ*, x* and the cumulants of the tilt at λ*", () => {
    const opt = optimum(model, delta);
    expect(opt.lambda).toBe(lambda);
    close(opt.xStar, phi1, 1e-14);
    expect(opt.cumulants()).toEqual(cumulants(model, opt.point));
    // Bernoulli cumulants: φ₁, φ₁(1 − φ₁).
    close(opt.cumulants()[1], phi1 * (1 - phi1), 1e-13);
  });

  it("J_Δ(x) is KL(Bern(x) ‖ Bern(φ₁)); Γ(t) = log(1 − φ₁ + φ₁e^t)", () => {
    const opt = optimum(model, delta);
    for (const x of [0, 0.1, 0.25, 0.6, 0.9, 1]) {
      close(opt.rate(x).J, klBern(x, phi1), 1e-12, 1e-15);
      close(opt.rate(x).Ip, klBern(x, theta), 1e-12, 1e-15);
      const forms = opt.rateForms(x);
      close(forms.minKl, forms.J, 1e-9, 1e-14);
    }
    expect(opt.rate(1.5).J).toBe(Number.POSITIVE_INFINITY);
    for (const t of [-2, -0.5, 0, 0.5, 3])
      close(opt.scgf(t).value, Math.log1p(phi1 * Math.expm1(t)), 1e-13, 1e-16);
  });

  it("the tails of S_n under φ^⊗n are Binomial(n, φ₁)'s", () => {
    const n = 40;
    const s = 25;
    // P(S ≥ s) summed term by term from the binomial pmf (log-gamma via direct products, n small).
    let upper = 0;
    for (let k = s; k <= n; k++) {
      let logC = 0;
      for (let i = 1; i <= k; i++) logC += Math.log((n - k + i) / i);
      upper += Math.exp(logC + k * Math.log(phi1) + (n - k) * Math.log1p(-phi1));
    }
    close(optimum(model, delta).tail(n, s).logUpperTail, Math.log(upper), 1e-12);
  });

  it("the summary and the wrappers read the same handle's values", () => {
    const s = ldpSummary(model, delta, { xs: [0.2, 0.7], ts: [1] });
    const opt = optimum(model, delta, "klRate");
    expect(s.rate).toEqual([opt.rate(0.2), opt.rate(0.7)]);
    expect(s.scgf).toEqual([opt.scgf(1)]);
    expect(ldpRate(model, delta, 0.7)).toEqual(opt.rateForms(0.7));
    expect(scgf(model, delta, 1)).toEqual(opt.scgf(1));
  });

  it("names the budget's field in errors", () => {
    expect(() => optimum(model, -1, "klRate")).toThrow(/^klRate: /);
    expect(() => optimum(model, delta).scgf(Number.NaN, "t[2]")).toThrow(/^t\[2\]: /);
  });
});
