import { describe, expect, it } from "vitest";
import { exactlyOne, parseBonSize, parseReal, parseRealList, parseSweep } from "../../src/app/parse.js";

const flag = (f: string) => `--${f.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

describe("parsing what people type", () => {
  it("parseReal: decimal and exponent forms; inf only where allowed; errors name the field", () => {
    expect(parseReal(" 2.5e-3 ", "--kl")).toBe(0.0025);
    expect(parseReal(".5", "--kl")).toBe(0.5);
    expect(parseReal("inf", "--kl", true)).toBe(Number.POSITIVE_INFINITY);
    expect(() => parseReal("inf", "--kl")).toThrow('--kl: expected a number, got "inf"');
    expect(() => parseReal("1e999", "--kl")).toThrow("--kl: number out of range");
    expect(() => parseReal("0x10", "--kl")).toThrow(/^--kl: /);
    expect(parseRealList("1, 2,3", "--x")).toEqual([1, 2, 3]);
  });

  it("parseSweep: lists sorted without duplicates; log:a:b:k spaced evenly in log n", () => {
    expect(parseSweep("100,10,100")).toEqual([10, 100]);
    // 10·(10^4/10)^(i/3) for i = 0..3: 10, 100, 1000, 10000.
    expect(parseSweep("log:10:1e4:4")).toEqual([10, 100, 1000, 10000]);
    expect(() => parseSweep("10,x", "--sweep")).toThrow(/^--sweep: expected whole numbers/);
    expect(() => parseSweep("log:10:1:3", "--sweep")).toThrow(/^--sweep: expected log:a:b:k/);
  });

  it("exactly one of n and log N, written once", () => {
    expect(parseBonSize({ n: "4" }, flag)).toEqual({ n: 4 });
    expect(parseBonSize({ logN: "inf" }, flag)).toEqual({ logN: Number.POSITIVE_INFINITY });
    expect(() => parseBonSize({}, flag)).toThrow("--n: give exactly one of --n, --log-n");
    expect(() => parseBonSize({ n: "2", logN: "1" }, flag)).toThrow("--n: give exactly one of --n, --log-n");
    expect(() => exactlyOne({ kl: "1", beta: "2" }, ["kl", "lambda", "beta"], flag)).toThrow(
      "--kl: give exactly one of --kl, --lambda, --beta",
    );
  });
});
