import { describe, expect, it } from "vitest";
import { csv, keyValues, prefixed, table, toJson, toJsonLine } from "../../src/app/output.js";

describe("results as text", () => {
  it("JSON: infinities as strings, typed arrays as arrays, NaN refused", () => {
    expect(toJsonLine({ a: Number.POSITIVE_INFINITY, b: Float64Array.of(1, 2), c: null })).toBe(
      '{"a":"Infinity","b":[1,2],"c":null}',
    );
    expect(toJson([Number.NEGATIVE_INFINITY])).toBe('[\n  "-Infinity"\n]');
    expect(() => toJson({ x: Number.NaN })).toThrow(/NaN/);
  });

  it("tables align on the right; key–value lines leave arrays of objects out", () => {
    expect(
      table(
        ["N", "KL"],
        [
          [1, 0.5],
          [16, null],
        ],
      ),
    ).toBe(" N   KL\n 1  0.5\n16    —");
    expect(keyValues({ lambda: null, k: [1, 2], rows: [{ a: 1 }], ok: true })).toBe(
      "lambda  —\nk       1, 2\nok      yes",
    );
    expect(prefixed("bon.", { kl: 1 })).toEqual({ "bon.kl": 1 });
  });

  it("CSV: full precision, empty cells for missing values, quoting where needed", () => {
    expect(
      csv(
        ["a", "b"],
        [
          [0.1 + 0.2, undefined],
          ['x,"y"', Number.POSITIVE_INFINITY],
        ],
      ),
    ).toBe('a,b\n0.30000000000000004,\n"x,""y""",Infinity');
  });
});
