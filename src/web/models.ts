import { parseJson } from "../app/json.js";
import { presetList, presetSpec } from "../app/presets.js";
import { InputError, show } from "../core/errors.js";
import { createModel, type Model, type ModelSpec } from "../core/model.js";
import type { ModelSource } from "./protocol.js";

/**
 * The model a page source names, validated exactly as the CLI's `--model` (same checks, same messages;
 * fields are the model's own, `model.p[2]`). The subtlex-afinn data is a separate chunk, loaded on first use.
 */
export async function loadModel(source: ModelSource): Promise<Model> {
  const t = source.text.trim();
  if (source.kind === "json") {
    if (t === "") throw new InputError("model", "empty: paste a model JSON or choose a file");
    return createModel(parseJson(t, "model") as ModelSpec, "model");
  }
  if (t === "subtlex-afinn" || t.startsWith("subtlex-afinn:")) {
    const { subtlexAfinnSpec } = await import("./subtlex.js");
    return createModel(subtlexAfinnSpec(t.includes(":") ? t.slice(t.indexOf(":") + 1) : undefined, "model"));
  }
  const spec = presetSpec(t, "model");
  if (!spec) throw new InputError("model", `unknown preset ${show(t)} (presets: ${presetList()})`);
  return createModel(spec, "model");
}
