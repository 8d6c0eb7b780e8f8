import { math } from "../plot/text.js";

/** Small DOM helpers for the page: elements by id, table cells, notation as <sub>/<sup>. */

export function $<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (!found) throw new Error(`the page has no #${id}`);
  return found as T;
}

/**
 * Notation (`π_N`, `e^{nΔ}`, `φ^{⊗n}`; see plot/text.ts) as text nodes and <sub>/<sup> elements. For
 * the page's own labels only: text from a model is shown with `textContent`, never read as notation.
 */
export function notation(text: string): Node[] {
  return math(text).map((piece) => {
    if (typeof piece === "string") return document.createTextNode(piece);
    const el = document.createElement("sub" in piece ? "sub" : "sup");
    el.textContent = "sub" in piece ? piece.sub : piece.sup;
    return el;
  });
}

/** A table cell holding plain text (`text`) or notation (`label`), with attributes. */
export function cell(
  tag: "td" | "th",
  content: { readonly text: string } | { readonly label: string },
  attrs: Record<string, string> = {},
): HTMLElement {
  const el = document.createElement(tag);
  if ("text" in content) el.textContent = content.text;
  else el.append(...notation(content.label));
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  return el;
}

/** The status line under the controls. */
export function showStatus(text: string): void {
  $("status").textContent = text;
}
