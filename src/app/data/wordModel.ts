import { InputError } from "../../core/errors.js";
import type { ModelSpec } from "../../core/model.js";

/**
 * A unigram ("memoryless") model of words with a per-word reward: the reference is word frequency, the
 * reward a word-level score (e.g. sentiment valence). Pure: the caller supplies the data.
 *
 * Modelling choices (documented in the README): words are lower-cased and case variants merged by
 * summing their counts; only single-word lexicon entries score (multi-word entries never match a
 * unigram); words outside the lexicon score 0; `top` keeps the `top` most frequent words (ties broken
 * alphabetically, so the model is reproducible).
 */
export function wordModelSpec(
  frequencies: readonly { readonly word: string; readonly count: number }[],
  lexicon: Readonly<Record<string, number>>,
  top?: number,
): ModelSpec {
  const counts = new Map<string, number>();
  for (const { word, count } of frequencies) {
    const w = word.toLowerCase();
    counts.set(w, (counts.get(w) ?? 0) + count);
  }
  let words = [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  if (top !== undefined) {
    if (!Number.isInteger(top) || top < 1) {
      throw new InputError(
        "model",
        `the number of words to keep must be a whole number ≥ 1, got ${top}`,
        "out_of_range",
      );
    }
    words = words.slice(0, top);
  }
  const score = (w: string) => (Object.hasOwn(lexicon, w) && !w.includes(" ") ? lexicon[w]! : 0);
  return {
    outcomes: words.map(([w]) => w),
    counts: words.map(([, c]) => c),
    r: words.map(([w]) => score(w)),
  };
}
