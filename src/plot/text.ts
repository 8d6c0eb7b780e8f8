/**
 * Text in figures and pages: notation with sub- and superscripts, escaping, and numbers as a reader
 * writes them. Labels are written in a small notation — `π_N`, `φ_{1/τ}`, `e^{nΔ}`, `φ^{⊗n}` — and drawn as
 * SVG tspans (figures) or <sub>/<sup> (the explorer's tables), never shown as raw markup.
 */

/** A piece of a formula: plain text, a subscript or a superscript. */
export type MathPiece = string | { readonly sub: string } | { readonly sup: string };

/**
 * Notation → pieces: `_x` and `_{…}` are subscripts, `^x` and `^{…}` superscripts (one character
 * without braces); everything else is text. Not for user data (an `_` in a label would be read as
 * notation): labels from models are drawn as plain text.
 */
export function math(notation: string): MathPiece[] {
  const pieces: MathPiece[] = [];
  let text = "";
  const chars = [...notation];
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!;
    if ((c === "_" || c === "^") && i + 1 < chars.length) {
      let script: string;
      if (chars[i + 1] === "{") {
        const close = chars.indexOf("}", i + 2);
        if (close < 0) {
          text += c;
          continue;
        }
        script = chars.slice(i + 2, close).join("");
        i = close;
      } else {
        script = chars[i + 1]!;
        i += 1;
      }
      if (text) pieces.push(text);
      text = "";
      pieces.push(c === "_" ? { sub: script } : { sup: script });
    } else text += c;
  }
  if (text) pieces.push(text);
  return pieces;
}

/** The pieces as one plain string (scripts inline), for accessible names and width estimates. */
export function plainText(pieces: readonly MathPiece[]): string {
  return pieces.map((p) => (typeof p === "string" ? p : "sub" in p ? p.sub : p.sup)).join("");
}

/** Width of the pieces in characters, scripts counted at their smaller size. */
export function textLength(pieces: readonly MathPiece[]): number {
  return pieces.reduce(
    (n, p) => n + (typeof p === "string" ? [...p].length : 0.75 * [...plainText([p])].length),
    0,
  );
}

/** Size of a script relative to the text around it. */
export const SCRIPT_SCALE = 0.75;

/** Formula pieces as SVG text content: scripts raised or lowered and smaller, in `fontSize` pixels. */
export function mathSpans(pieces: readonly MathPiece[], fontSize: number): string {
  const small = Math.round(fontSize * SCRIPT_SCALE * 10) / 10;
  return pieces
    .map((p) =>
      typeof p === "string"
        ? `<tspan>${escapeXml(p)}</tspan>`
        : `<tspan baseline-shift="${"sub" in p ? "sub" : "super"}" font-size="${small}">` +
          `${escapeXml("sub" in p ? p.sub : p.sup)}</tspan>`,
    )
    .join("");
}

/** Text made safe for SVG/XML content and attribute values. */
export function escapeXml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

const SUPERSCRIPT = "⁰¹²³⁴⁵⁶⁷⁸⁹";

/** A whole number in Unicode superscript digits (with a superscript minus): 10 → ¹⁰. */
export function superscript(k: number): string {
  return [...String(k)].map((c) => (c === "-" ? "⁻" : (SUPERSCRIPT[Number(c)] ?? c))).join("");
}

/** A length as a reader would write it: 10, 1000, 10⁴, 2.5·10⁵. */
export function formatCount(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  if (n < 1e4) return Number.isInteger(n) ? String(n) : n.toPrecision(2);
  const k = Math.floor(Math.log10(n));
  const mantissa = n / 10 ** k;
  const power = `10${superscript(k)}`;
  return Math.abs(mantissa - 1) < 1e-9 ? power : `${Number(mantissa.toPrecision(2))}·${power}`;
}

/**
 * N of best-of-N as a reader would write it: 64, 4096, 2²⁰, 1.5e+7; from log N alone when N overflows a
 * double: 2¹⁰²⁴, or exp(800). Null when there is nothing finite to write.
 */
export function formatSamples(n: number | null, logN: number): string | null {
  if (n !== null && Number.isFinite(n)) {
    if (Number.isInteger(n) && n < 1e5) return String(n);
    const k = Math.log2(n);
    return Number.isInteger(k) ? `2${superscript(k)}` : n.toPrecision(2);
  }
  if (!Number.isFinite(logN)) return null;
  const k = logN / Math.LN2;
  if (Math.abs(k - Math.round(k)) < 1e-9 && k >= 0) return `2${superscript(Math.round(k))}`;
  return `exp(${formatNumber(logN, 3)})`;
}

/** A value for a label: whole numbers from 100 up, else `digits` significant digits. */
export function formatNumber(x: number, digits: number): string {
  return Math.abs(x) >= 100 ? x.toFixed(0) : String(Number(x.toPrecision(digits)));
}
