import { InputError, show } from "../core/errors.js";
import { createModel, type Model, type ModelSpec } from "../core/model.js";
import { subtlexAfinnFromData, type WordData } from "./data/subtlexAfinn.js";
import { parseJson } from "./json.js";
import { presetList, presetSpec, WORD_PRESET } from "./presets.js";

/**
 * What model resolution needs from its surroundings, injected so that the CLI, the report and the
 * explorer share one resolver with the same checks and messages: files where there are files (Node),
 * and the data behind data-backed presets (read from node_modules in Node, bundled on the page).
 */
export interface ModelIo {
  /**
   * The text of the file at `path`, or undefined when there is no such file; an unreadable file is an
   * InputError for `field`. Without it, text that is no preset and no inline JSON is an unknown preset.
   */
  readonly readFile?: (path: string, field: string) => string | undefined;
  /** The SUBTLEX-US counts and the AFINN-165 lexicon for `subtlex-afinn[:K]`, loaded on first use. */
  readonly wordData?: () => WordData | Promise<WordData>;
}

/**
 * The model a text names: inline JSON (starting with `{` or `[`), a preset (`bernoulli:0.3`,
 * `uniform:10`, `ternary`, the data-backed `subtlex-afinn[:K]`), or a JSON file. `field` names the text in
 * errors (`--model`); errors inside the model name its own fields (`model.p[2]`) so the user can find the
 * entry.
 */
export async function resolveModel(text: string, io: ModelIo = {}, field = "model"): Promise<Model> {
  const t = text.trim();
  if (t.startsWith("{") || t.startsWith("[")) return modelFromJson(t, field);
  if (t === WORD_PRESET.name || t.startsWith(`${WORD_PRESET.name}:`)) {
    if (!io.wordData) {
      throw new InputError(field, `${WORD_PRESET.syntax} needs its word data, not available here`, "missing");
    }
    const arg = t.includes(":") ? t.slice(t.indexOf(":") + 1) : undefined;
    const { frequencies, lexicon } = await io.wordData();
    return createModel(subtlexAfinnFromData(frequencies, lexicon, arg, field), "model");
  }
  const preset = presetSpec(t, field);
  if (preset) return createModel(preset, "model");
  const file = io.readFile?.(t, field);
  if (file !== undefined) return modelFromJson(file, field);
  if (!io.readFile || (/^[a-z-]+(:.*)?$/i.test(t) && !t.includes("/") && !t.includes("."))) {
    const others = io.readFile ? "or give a JSON file or inline JSON" : "or give inline JSON";
    throw new InputError(
      field,
      `unknown preset ${show(t)} (presets: ${presetList()}; ${others})`,
      "unknown_preset",
    );
  }
  throw new InputError(
    field,
    `no such file ${show(t)} (or give a preset: ${presetList()}, or inline JSON)`,
    "no_such_file",
  );
}

/** A model from JSON text (its fields checked by createModel, errors naming them as `model.p[2]`). */
export function modelFromJson(text: string, field = "model"): Model {
  // createModel checks its argument at run time, whatever JSON gave.
  return createModel(parseJson(text, field) as ModelSpec, "model");
}

/**
 * A JSON value given inline (starting with `{` or `[`) or as a file (its parse errors name the file
 * beside the field). `expected` says what the value should be, for the message when it is neither.
 */
export function resolveJson(text: string, io: ModelIo, field: string, expected: string): unknown {
  const t = text.trim();
  if (t.startsWith("{") || t.startsWith("[")) return parseJson(t, field);
  const file = io.readFile?.(text, field);
  if (file !== undefined) return parseJson(file, `${field} (${text})`);
  throw new InputError(
    field,
    `${show(text)} is neither inline JSON nor an existing file (expected ${expected})`,
    io.readFile ? "no_such_file" : "invalid_json",
  );
}
