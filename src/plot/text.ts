import { SVG_NS } from "./style.js";

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

const SUPERSCRIPT = "⁰¹²³⁴⁵⁶⁷⁸⁹";

/** A length as a reader would write it: 10, 1000, 10⁴, 2.5·10⁵. */
export function formatCount(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  if (n < 1e4) return Number.isInteger(n) ? String(n) : n.toPrecision(2);
  const k = Math.floor(Math.log10(n));
  const mantissa = n / 10 ** k;
  const power = `10${[...String(k)].map((c) => SUPERSCRIPT[Number(c)] ?? c).join("")}`;
  return Math.abs(mantissa - 1) < 1e-9 ? power : `${Number(mantissa.toPrecision(2))}·${power}`;
}

/** A value for a label: whole numbers from 100 up, else `digits` significant digits. */
export function formatNumber(x: number, digits: number): string {
  return Math.abs(x) >= 100 ? x.toFixed(0) : String(Number(x.toPrecision(digits)));
}

/**
 * A multi-panel figure: the standalone <svg> root (white background, the house font), an optional bold
 * title, a grey subtitle (SVG text content, already escaped) and the panels, one per line.
 */
export function figureDocument(
  size: { readonly width: number; readonly height: number },
  style: {
    readonly fontFamily: string;
    readonly fontSize: number;
    readonly text: string;
    readonly muted: string;
  },
  title: string | undefined,
  subtitleSvg: string,
  panels: readonly string[],
): string {
  const { width, height } = size;
  const lines = [
    `<svg xmlns="${SVG_NS}" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ` +
      `font-family="${style.fontFamily}" font-size="${style.fontSize}" color="black" style="background:white">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    ...(title
      ? [
          `<text x="16" y="24" font-size="15" font-weight="bold" fill="${style.text}">` +
            `${escapeXml(title)}</text>`,
        ]
      : []),
    `<text x="16" y="${title ? 41 : 20}" font-size="12" fill="${style.muted}">${subtitleSvg}</text>`,
    ...panels,
    "</svg>",
  ];
  return `${lines.join("\n")}\n`;
}
