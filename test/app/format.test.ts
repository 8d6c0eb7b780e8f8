import { describe, expect, it } from "vitest";
import { readable } from "../../src/app/format.js";

describe("readable: numbers for people, shared by the CLI tables and the web page", () => {
  it("follows its documented rules", () => {
    // Up to 10 significant digits, trailing zeros dropped.
    expect(readable(Math.PI)).toBe("3.141592654");
    expect(readable(0.5146291210594656)).toBe("0.5146291211");
    expect(readable(0.25)).toBe("0.25");
    // Exact integers as they are, up to 1e15; larger ones in exponent form.
    expect(readable(22026)).toBe("22026");
    expect(readable(-3)).toBe("-3");
    expect(readable(2 ** 64)).toBe("1.844674407e+19");
    // Exponent form below 1e-4 and from 1e10.
    expect(readable(1.5e-5)).toBe("1.500000000e-5");
    expect(readable(12345678901.5)).toBe("1.234567890e+10");
    expect(readable(1e-4)).toBe("0.0001");
    expect(readable(0)).toBe("0");
    // Infinities, missing values, booleans, strings.
    expect(readable(Number.POSITIVE_INFINITY)).toBe("∞");
    expect(readable(Number.NEGATIVE_INFINITY)).toBe("−∞");
    expect(readable(null)).toBe("—");
    expect(readable(undefined)).toBe("—");
    expect(readable(true)).toBe("yes");
    expect(readable("fft")).toBe("fft");
  });
});
