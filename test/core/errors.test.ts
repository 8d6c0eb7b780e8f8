import { describe, expect, it } from "vitest";
import { InputError, orThrow, pathOf, refusal, success } from "../../src/core/errors.js";

describe("InputError: code, path and sentence", () => {
  it("spells the path of a field name; anything else is one element", () => {
    expect(pathOf("model.p[3]")).toEqual(["model", "p", 3]);
    expect(pathOf("x[0]")).toEqual(["x", 0]);
    expect(pathOf("klRate")).toEqual(["klRate"]);
    expect(pathOf("--kl-rate")).toEqual(["--kl-rate"]);
    expect(pathOf("--policy (q.json)")).toEqual(["--policy (q.json)"]);
  });

  it("keeps the one-line message and gives a zod-like issue", () => {
    const e = new InputError("model.p[1]", "probabilities must be ≥ 0, got -0.5", "invalid_model");
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe("InputError");
    expect(e.message).toBe("model.p[1]: probabilities must be ≥ 0, got -0.5");
    expect(e.field).toBe("model.p[1]");
    expect(e.detail).toBe("probabilities must be ≥ 0, got -0.5");
    expect(JSON.parse(JSON.stringify(e))).toEqual({
      code: "invalid_model",
      path: ["model", "p", 1],
      message: "probabilities must be ≥ 0, got -0.5",
    });
    // Without a code: the generic one.
    expect(new InputError("kl", "bad").code).toBe("invalid_value");
  });

  it("an outcome is a value or an error, thrown only by orThrow", () => {
    expect(orThrow(success(3))).toBe(3);
    const no = refusal(new InputError("at", "no accurate digit", "inaccurate"));
    expect(no.ok).toBe(false);
    expect(() => orThrow(no)).toThrow("at: no accurate digit");
  });
});
