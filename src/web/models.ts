import { modelFromJson, resolveModel } from "../app/model.js";
import { InputError } from "../core/errors.js";
import type { Model } from "../core/model.js";
import type { ModelSource } from "./protocol.js";

/**
 * The model a page source names, resolved as the CLI's `--model` (app/model.ts: same checks, same
 * messages; fields are the model's own, `model.p[2]`). The page has no files; the subtlex-afinn data is a
 * separate chunk, loaded on first use.
 */
export function loadModel(source: ModelSource): Promise<Model> {
  if (source.kind === "json") {
    if (source.text.trim() === "") {
      return Promise.reject(new InputError("model", "empty: paste a model JSON or choose a file", "missing"));
    }
    return Promise.resolve().then(() => modelFromJson(source.text.trim(), "model"));
  }
  return resolveModel(
    source.text,
    { wordData: async () => (await import("./subtlex.js")).wordData() },
    "model",
  );
}
