import { existsSync, readFileSync, statSync } from "node:fs";
import { readable } from "../app/format.js";
import { parseJson } from "../app/json.js";
import { presetList, presetSpec } from "../app/presets.js";
import { InputError, show } from "../core/errors.js";
import { createModel, type Model } from "../core/model.js";
import { subtlexAfinnSpec } from "../node/subtlexAfinn.js";

/** Node-side input handling: files, inline JSON and presets, turned into core values or InputErrors. */

/** Reads a file as UTF-8, with an InputError naming the option when it cannot be read. */
export function readTextFile(path: string, field: string): string {
  try {
    if (statSync(path).isDirectory())
      throw new InputError(field, `${show(path)} is a directory, expected a file`);
    return readFileSync(path, "utf8");
  } catch (e) {
    if (e instanceof InputError) throw e;
    const code = (e as NodeJS.ErrnoException).code ?? "error";
    throw new InputError(field, `cannot read ${show(path)} (${code})`);
  }
}

/** A JSON value given inline (starting with `{` or `[`) or as a file path. */
export function readJsonArgument(text: string, field: string, expected: string): unknown {
  const t = text.trim();
  if (t.startsWith("{") || t.startsWith("[")) return parseJson(t, field);
  if (existsSync(text)) return parseJson(readTextFile(text, field), `${field} (${text})`);
  throw new InputError(
    field,
    `${show(text)} is neither inline JSON nor an existing file (expected ${expected})`,
  );
}

/**
 * `--model`: a preset (`bernoulli:0.3`, `uniform:10`, `ternary`), inline JSON, or a JSON file.
 * Field names in errors are the model's own (`model.p[2]`) so the user can find the entry.
 */
export function loadModel(text: string, field = "--model"): Model {
  const t = text.trim();
  if (t.startsWith("{") || t.startsWith("[")) return createModel(parseJson(t, field) as object, "model");
  if (t === "subtlex-afinn" || t.startsWith("subtlex-afinn:")) {
    return createModel(
      subtlexAfinnSpec(t.includes(":") ? t.slice(t.indexOf(":") + 1) : undefined, field),
      "model",
    );
  }
  const preset = presetSpec(t, field);
  if (preset) return createModel(preset, "model");
  if (existsSync(t)) return createModel(parseJson(readTextFile(t, field), field) as object, "model");
  if (/^[a-z-]+(:.*)?$/i.test(t) && !t.includes("/") && !t.includes(".")) {
    throw new InputError(
      field,
      `unknown preset ${show(t)} (presets: ${presetList()}; or give a JSON file or inline JSON)`,
    );
  }
  throw new InputError(field, `no such file ${show(t)} (or give a preset: ${presetList()}, or inline JSON)`);
}

/**
 * Parses a real number option. Accepts decimal and exponent forms and `Infinity`/`inf` where
 * `allowInfinity`; anything else is an InputError naming the flag.
 */
export function parseReal(text: string, field: string, allowInfinity = false): number {
  const t = text.trim();
  if (allowInfinity && /^\+?(inf|infinity)$/i.test(t)) return Number.POSITIVE_INFINITY;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t)) {
    throw new InputError(field, `expected a number, got ${show(text)}`);
  }
  const v = Number(t);
  if (!Number.isFinite(v)) throw new InputError(field, `number out of range: ${show(text)}`);
  return v;
}

export function parseRealList(text: string, field: string): number[] {
  return text.split(",").map((s) => parseReal(s, field));
}

/** JSON text for stdout: ±Infinity become the strings "Infinity"/"-Infinity"; NaN is a bug and throws. */
export function toJson(value: unknown): string {
  return JSON.stringify(
    value,
    (_key, v) => {
      if (ArrayBuffer.isView(v) && !(v instanceof DataView))
        return Array.from(v as unknown as ArrayLike<number>);
      if (typeof v !== "number" || Number.isFinite(v)) return v;
      if (Number.isNaN(v)) throw new Error("internal error: NaN in a result");
      return v > 0 ? "Infinity" : "-Infinity";
    },
    2,
  );
}

/** An aligned table: a header row and rows of cells. */
export function table(header: readonly string[], rows: readonly (readonly unknown[])[]): string {
  const cells = [header.map(String), ...rows.map((r) => r.map(readable))];
  const widths = header.map((_, c) => Math.max(...cells.map((r) => (r[c] ?? "").length)));
  return cells.map((r) => r.map((s, c) => (s ?? "").padStart(widths[c]!)).join("  ")).join("\n");
}

/** Key–value lines for a flat result object (arrays of numbers inline). */
export function keyValues(obj: Record<string, unknown>): string {
  const keys = Object.keys(obj).filter(
    (k) => !Array.isArray(obj[k]) || typeof (obj[k] as unknown[])[0] !== "object",
  );
  const width = Math.max(...keys.map((k) => k.length));
  return keys
    .map((k) => {
      const v = obj[k];
      const text = Array.isArray(v) ? v.map(readable).join(", ") : readable(v);
      return `${k.padEnd(width)}  ${text}`;
    })
    .join("\n");
}

/** CSV with a header; numbers in full precision (shortest round-trip form), non-finite as Infinity. */
export function csv(header: readonly string[], rows: readonly (readonly unknown[])[]): string {
  const cell = (v: unknown) => {
    if (v === null || v === undefined) return "";
    if (typeof v === "number") return Number.isFinite(v) ? String(v) : v > 0 ? "Infinity" : "-Infinity";
    const s = String(v);
    return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return [header.join(","), ...rows.map((r) => r.map(cell).join(","))].join("\n");
}
