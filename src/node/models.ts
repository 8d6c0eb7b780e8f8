import type { ModelIo } from "../app/model.js";
import { readTextFile } from "./files.js";

/**
 * Model resolution in Node (resolveModel's io): JSON files from disk, the preset data from node_modules
 * (loaded only when a data-backed preset is named, so start-up does not read the word lists).
 */
export const nodeModelIo: ModelIo = {
  readFile: readTextFile,
  wordData: async () => (await import("./subtlexAfinn.js")).loadWordData(),
};
