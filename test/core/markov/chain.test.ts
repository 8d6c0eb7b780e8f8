import { describe, expect, it } from "vitest";
import { createMarkovChain, denseTransition, type MarkovSpec } from "../../../src/core/markov/chain.js";
import { perronAt } from "../../../src/core/markov/perron.js";
import { chainStructure, requireIrreducible } from "../../../src/core/markov/structure.js";
import { close, thrown } from "../../support/assert.js";

const good: MarkovSpec = {
  initial: [0.5, 0.5],
  transition: [
    [0.9, 0.1],
    [0.4, 0.6],
  ],
  r: [0, 1],
};

describe("Markov spec validation: one InputError per problem, naming the field", () => {
  const cases: [string, MarkovSpec, string, RegExp][] = [
    [
      "a row not summing to 1",
      {
        ...good,
        transition: [
          [0.9, 0.2],
          [0.4, 0.6],
        ],
      },
      "model.transition[0]",
      /sums to 1\.1/,
    ],
    ["a non-square matrix", { ...good, transition: [[0.9, 0.1]] }, "model.transition", /square/],
    [
      "a row of the wrong length",
      { ...good, transition: [[0.9, 0.1], [1]] },
      "model.transition[1]",
      /square/,
    ],
    ["lengths that disagree", { ...good, initial: [1] }, "model.initial", /has 1 entries but model.r has 2/],
    [
      "a negative entry",
      {
        ...good,
        transition: [
          [1.1, -0.1],
          [0.4, 0.6],
        ],
      },
      "model.transition[0][1]",
      /≥ 0/,
    ],
    ["an initial law that is not a law", { ...good, initial: [0.5, 0.6] }, "model.initial", /is not a law/],
    ["a negative initial probability", { ...good, initial: [1.5, -0.5] }, "model.initial[1]", /≥ 0/],
    ["a non-finite reward", { ...good, r: [0, Number.NaN] }, "model.r[1]", /finite/],
    ["states of the wrong length", { ...good, states: ["a"] }, "model.states", /must match/],
    ["an unknown field", { ...good, p: [1] } as MarkovSpec, "model.p", /unknown field/],
    [
      "both transition forms",
      {
        ...good,
        transitionCounts: [
          [1, 1],
          [1, 1],
        ],
      },
      "model",
      /exactly one/,
    ],
    [
      "a count row with no counts",
      {
        initial: [1, 0],
        transitionCounts: [
          [1, 1],
          [0, 0],
        ],
        r: [0, 1],
      },
      "model.transitionCounts[1]",
      /no counts/,
    ],
    [
      "smoothing without counts",
      { ...good, smoothing: { strength: 1 } },
      "model.smoothing",
      /"transitionCounts" only/,
    ],
    [
      "a sparse column out of range",
      { initial: [1, 0], transitionCounts: { rowStart: [0, 1, 2], col: [1, 2], value: [1, 1] }, r: [0, 1] },
      "model.transitionCounts.col[1]",
      /state index/,
    ],
  ];
  for (const [what, spec, field, message] of cases) {
    it(what, () => {
      const e = thrown(() => createMarkovChain(spec));
      expect(e.field).toBe(field);
      expect(e.detail).toMatch(message);
    });
  }

  it("normalises count rows, and sparse counts with Dirichlet smoothing equal the dense formula", () => {
    const c = createMarkovChain({
      initial: [1, 0, 0],
      transitionCounts: [
        [3, 1, 0],
        [0, 0, 2],
        [1, 1, 2],
      ],
      r: [0, 1, 2],
    });
    expect(Array.from(denseTransition(c))).toEqual([0.75, 0.25, 0, 0, 0, 1, 0.25, 0.25, 0.5]);
    const beta = 0.5;
    const prior = [0.2, 0.3, 0.5];
    const s = createMarkovChain({
      initial: [1, 0, 0],
      transitionCounts: { rowStart: [0, 2, 3, 6], col: [0, 1, 2, 0, 1, 2], value: [3, 1, 2, 1, 1, 2] },
      smoothing: { strength: beta, prior },
      r: [0, 1, 2],
    });
    const C = [
      [3, 1, 0],
      [0, 0, 2],
      [1, 1, 2],
    ];
    const P = denseTransition(s);
    for (let a = 0; a < 3; a++) {
      const row = C[a]!.reduce((x, y) => x + y, 0);
      for (let b = 0; b < 3; b++) close(P[a * 3 + b]!, (C[a]![b]! + beta * prior[b]!) / (row + beta), 4e-16);
    }
  });
});

describe("chain structure", () => {
  it("names the states of each class when the reachable part is not irreducible", () => {
    // 0 → {1, 2}; 1 and 2 are absorbing: two closed classes.
    const c = createMarkovChain({
      initial: [1, 0, 0],
      transition: [
        [0, 0.5, 0.5],
        [0, 1, 0],
        [0, 0, 1],
      ],
      r: [0, 1, 2],
      states: ["start", "good", "bad"],
    });
    const s = chainStructure(c);
    expect(Array.from(s.reachable)).toEqual([1, 2]);
    expect(s.irreducible).toBe(false);
    const e = thrown(() => requireIrreducible(c, "λ*"));
    expect(e.field).toBe("model.transition");
    expect(e.detail).toMatch(/\{good\}/);
    expect(e.detail).toMatch(/\{bad\}/);
    expect(thrown(() => perronAt(c, 1)).detail).toMatch(/communicating classes/);
  });

  it("an initial-only state is not part of R, and the period is found (rank-one edges included)", () => {
    const c = createMarkovChain({
      initial: [1, 0, 0],
      transition: [
        [0, 1, 0],
        [0, 0, 1],
        [0, 1, 0],
      ],
      r: [0, 1, 2],
    });
    const s = chainStructure(c);
    expect(Array.from(s.reachable)).toEqual([1, 2]);
    expect(s.irreducible).toBe(true);
    expect(s.period).toBe(2);
    const smooth = createMarkovChain({
      initial: [1, 0],
      transitionCounts: [
        [0, 1],
        [1, 0],
      ],
      smoothing: { strength: 0.1, prior: [0.5, 0.5] },
      r: [0, 1],
    });
    expect(chainStructure(smooth).period).toBe(1);
  });
});
