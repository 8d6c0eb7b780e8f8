import { describe, expect, it } from "vitest";
import { formatCount, formatSamples, math, mathSpans, plainText, superscript } from "../../src/plot/text.js";

describe("math notation", () => {
  it("reads sub- and superscripts, braced or one character", () => {
    expect(math("KL(π_N ‖ φ^{⊗n})")).toEqual(["KL(π", { sub: "N" }, " ‖ φ", { sup: "⊗n" }, ")"]);
    expect(math("e^{nΔ}")).toEqual(["e", { sup: "nΔ" }]);
    expect(math("φ_{1/τ} and r_{max}")).toEqual(["φ", { sub: "1/τ" }, " and r", { sub: "max" }]);
    expect(math("plain text")).toEqual(["plain text"]);
    // An unclosed brace or a trailing mark stays text.
    expect(math("a_{b")).toEqual(["a_{b"]);
    expect(math("x_")).toEqual(["x_"]);
    expect(plainText(math("π_N"))).toBe("πN");
  });

  it("draws as escaped tspans", () => {
    const spans = mathSpans(math("a<b_{&}"), 12);
    expect(spans).toBe('<tspan>a&lt;b</tspan><tspan baseline-shift="sub" font-size="9">&amp;</tspan>');
  });
});

describe("numbers as a reader writes them", () => {
  it("counts and sample sizes", () => {
    expect(superscript(-12)).toBe("⁻¹²");
    expect(formatCount(1000)).toBe("1000");
    expect(formatCount(1e4)).toBe("10⁴");
    expect(formatCount(25000)).toBe("2.5·10⁴");
    expect(formatSamples(64, Math.log(64))).toBe("64");
    expect(formatSamples(2 ** 20, 20 * Math.LN2)).toBe("2²⁰");
    expect(formatSamples(null, 1024 * Math.LN2)).toBe("2¹⁰²⁴");
    expect(formatSamples(null, 800)).toBe("exp(800)");
    expect(formatSamples(null, Number.NaN)).toBeNull();
  });
});
