import type { ModelIo } from "../app/model.js";
import { readTextFile } from "./files.js";
import { loadWordData } from "./subtlexAfinn.js";

/** Model resolution in Node (resolveModel's io): JSON files from disk, preset data from node_modules. */
export const nodeModelIo: ModelIo = { readFile: readTextFile, wordData: loadWordData };
