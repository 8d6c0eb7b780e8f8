import { escapeXml } from "../plot/text.js";
import { formatValue } from "./refs.js";

/** The report's HTML pieces: figures with their captions, tables of numbers. */

/** Draws a figure (inline SVG, plus a PNG beside the page) and returns its markup. */
export type FigureWriter = (name: string, svg: string) => string;

/** A table of numbers (written as in prose) and words; null cells show as —. */
export function table(
  header: readonly string[],
  rows: readonly (readonly (string | number | null)[])[],
): string {
  const cell = (v: string | number | null) => (typeof v === "number" ? formatValue(v, "num") : (v ?? "—"));
  const head = header.map((h) => `<th>${escapeXml(h)}</th>`).join("");
  const body = rows
    .map((r) => `<tr>${r.map((v) => `<td>${escapeXml(cell(v))}</td>`).join("")}</tr>`)
    .join("");
  return `<table><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
}

/** A figure with the paragraph that explains it. */
export function captioned(figureHtml: string, caption: string): string {
  return figureHtml.replace(/<\/figure>$/, `<figcaption>${caption}</figcaption></figure>`);
}
