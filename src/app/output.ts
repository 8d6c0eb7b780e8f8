import { readable } from "./format.js";

/**
 * Results as text: JSON for machines (±∞ as the strings "Infinity"/"-Infinity", typed arrays as arrays,
 * NaN refused: it is a bug), aligned tables and key–value lines for people, CSV for spreadsheets.
 */

function jsonValue(_key: string, v: unknown): unknown {
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) return Array.from(v as unknown as ArrayLike<number>);
  if (typeof v !== "number" || Number.isFinite(v)) return v;
  if (Number.isNaN(v)) throw new Error("internal error: NaN in a result");
  return v > 0 ? "Infinity" : "-Infinity";
}

/** JSON text, indented by two spaces. */
export function toJson(value: unknown): string {
  return JSON.stringify(value, jsonValue, 2);
}

/** Compact JSON on one line (JSON Lines). */
export function toJsonLine(value: unknown): string {
  return JSON.stringify(value, jsonValue);
}

/** An aligned table: a header row and rows of cells. */
export function table(header: readonly string[], rows: readonly (readonly unknown[])[]): string {
  const cells = [header.map(String), ...rows.map((r) => r.map(readable))];
  const widths = header.map((_, c) => Math.max(...cells.map((r) => (r[c] ?? "").length)));
  return cells.map((r) => r.map((s, c) => (s ?? "").padStart(widths[c]!)).join("  ")).join("\n");
}

/** Key–value lines for a flat result object (arrays of numbers inline; arrays of objects left out). */
export function keyValues(obj: object): string {
  const entries = Object.entries(obj).filter(([, v]) => !Array.isArray(v) || typeof v[0] !== "object");
  const width = Math.max(...entries.map(([k]) => k.length));
  return entries
    .map(([k, v]) => {
      const text = Array.isArray(v) ? v.map(readable).join(", ") : readable(v);
      return `${k.padEnd(width)}  ${text}`;
    })
    .join("\n");
}

/** Flattens a nested result for key–value lines: {a: 1} with "bon." → {"bon.a": 1}. */
export function prefixed(prefix: string, obj: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(obj).map(([k, v]) => [prefix + k, v]));
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
