/** SVG text helpers shared by the figures. */

/** A piece of a formula; `sub` pieces are drawn as subscripts. */
export type MathPiece = string | { readonly sub: string };

/** Formula pieces as SVG text, subscripts lowered and smaller. */
export function formulaSpans(pieces: readonly MathPiece[]): string {
  return pieces
    .map((p) =>
      typeof p === "string"
        ? `<tspan>${escapeXml(p)}</tspan>`
        : `<tspan baseline-shift="sub" font-size="9">${escapeXml(p.sub)}</tspan>`,
    )
    .join("");
}

/** Text made safe for SVG/XML content and attribute values. */
export function escapeXml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}
