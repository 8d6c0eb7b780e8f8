/**
 * Helpers for the figure tests: parse an SVG document, count its tags, split it into panels, and
 * decode a rendered PNG to check that something was drawn.
 */
import { Resvg } from "@resvg/resvg-js";
import { DOMParser } from "linkedom";

/** The eight bytes every PNG file starts with. */
export const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** The root element of an SVG document. */
export function parseSvg(svg: string) {
  return new DOMParser().parseFromString(svg, "image/svg+xml").documentElement;
}

/** How many `<tag …>` elements the markup opens. */
export function countTags(svg: string, tag: string): number {
  return (svg.match(new RegExp(`<${tag}[\\s>/]`, "g")) ?? []).length;
}

/** The panels' markup, in reading order. */
export function panels(svg: string): string[] {
  return svg.split('<g aria-label="panel"').slice(1);
}

/** A panel's markup without its legend. */
export function withoutLegend(part: string): string {
  return part.replace(/<g [^>]*aria-label="legend"[\s\S]*?<\/g>/, "");
}

/** Decode a PNG by drawing it, at its own size, into an SVG: returns its RGBA pixels. */
export function decodePng(png: Buffer): { width: number; height: number; pixels: Buffer } {
  const width = png.readUInt32BE(16);
  const height = png.readUInt32BE(20);
  const wrapper =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">` +
    `<image width="${width}" height="${height}" href="data:image/png;base64,${png.toString("base64")}"/>` +
    "</svg>";
  const image = new Resvg(wrapper).render();
  return { width: image.width, height: image.height, pixels: image.pixels };
}

/**
 * What RGBA pixels show: the number of distinct RGB colours, and the number of pixels with ink, that is
 * with some channel below 235 (darker than the white background and anti-aliasing fringes).
 */
export function pixelStats(pixels: Uint8Array): { colours: number; ink: number } {
  const colours = new Set<number>();
  let ink = 0;
  for (let i = 0; i < pixels.length; i += 4) {
    const [r, g, b] = [pixels[i]!, pixels[i + 1]!, pixels[i + 2]!];
    colours.add((r << 16) | (g << 8) | b);
    if (r < 235 || g < 235 || b < 235) ink++;
  }
  return { colours: colours.size, ink };
}

type El = ReturnType<typeof parseSvg>;

/** The text of every <text> element, its tspans joined: what a reader sees, sub- and superscripts inline. */
export function texts(svg: string): string[] {
  return [...parseSvg(svg).querySelectorAll("text")].map((t: El) => t.textContent ?? "");
}

/** The plots Plot drew: each nested panel <svg>, or the root itself for a single-plot figure. */
export function plotRoots(svg: string): El[] {
  const root = parseSvg(svg);
  const nested = [...root.querySelectorAll("svg")] as El[];
  return nested.length > 0 ? nested : [root];
}

export interface Box {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/** The legend's box in a plot, from its rectangle. */
export function legendBox(plot: El): Box | undefined {
  const rect = plot.querySelector('g[aria-label="legend"] > rect');
  if (!rect) return undefined;
  const n = (k: string) => Number(rect.getAttribute(k));
  return { x: n("x"), y: n("y"), width: n("width"), height: n("height") };
}

/** The sum of the translate(…) transforms from `el` up to (not including) `top`. */
function offset(el: El, top: El): [number, number] {
  let [dx, dy] = [0, 0];
  for (let node: El | null = el; node && node !== top; node = node.parentNode as El | null) {
    const m = /translate\(\s*([-\d.e]+)[\s,]*([-\d.e]+)?\s*\)/.exec(node.getAttribute?.("transform") ?? "");
    if (m) [dx, dy] = [dx + Number(m[1]), dy + Number(m[2] ?? 0)];
  }
  return [dx, dy];
}

/** Points along a polyline, every `step` pixels. */
function along(vertices: readonly (readonly [number, number])[], step = 2): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 0; i < vertices.length; i++) {
    const [ax, ay] = vertices[i]!;
    out.push([ax, ay]);
    const next = vertices[i + 1];
    if (!next) continue;
    const k = Math.ceil(Math.hypot(next[0] - ax, next[1] - ay) / step);
    for (let j = 1; j < k; j++) out.push([ax + ((next[0] - ax) * j) / k, ay + ((next[1] - ay) * j) / k]);
  }
  return out;
}

/**
 * The ink of the marks Plot drew in a plot (lines, dots, links, arrows, rules, bars; not text, axes or
 * the legend), read back from the SVG: path vertices (M/L/H/V commands) and the segments between
 * them, circles and rectangles by their outline, lines by their length. This is what a legend must not
 * cover, measured on the output rather than on the figure's own idea of it.
 */
export function drawnInk(plot: El): [number, number][] {
  const ink: [number, number][] = [];
  const marks = [
    ...plot.querySelectorAll(
      'g[aria-label="line"], g[aria-label="dot"], g[aria-label="link"], g[aria-label="arrow"], g[aria-label="rule"], g[aria-label="bar"]',
    ),
  ] as El[];
  for (const mark of marks) {
    for (const el of [...mark.querySelectorAll("path, circle, line, rect")] as El[]) {
      const [dx, dy] = offset(el, plot);
      const at = (x: number, y: number): [number, number] => [x + dx, y + dy];
      const tag = el.tagName.toLowerCase();
      const num = (k: string) => Number(el.getAttribute(k) ?? 0);
      if (tag === "circle") {
        const [cx, cy, r] = [num("cx"), num("cy"), num("r")];
        for (let a = 0; a < 16; a++)
          ink.push(at(cx + r * Math.cos((a * Math.PI) / 8), cy + r * Math.sin((a * Math.PI) / 8)));
        ink.push(at(cx, cy));
      } else if (tag === "line") {
        ink.push(...along([at(num("x1"), num("y1")), at(num("x2"), num("y2"))]));
      } else if (tag === "rect") {
        const [x, y, w, h] = [num("x"), num("y"), num("width"), num("height")];
        for (let i = 0; i <= 4; i++)
          for (let j = 0; j <= 4; j++) ink.push(at(x + (w * i) / 4, y + (h * j) / 4));
      } else {
        let sub: [number, number][] = [];
        let [x, y] = [0, 0];
        for (const [, cmd, args] of (el.getAttribute("d") ?? "").matchAll(/([MLHVZ])([^MLHVZ]*)/gi)) {
          const v = [...args!.matchAll(/-?\d*\.?\d+(?:e[-+]?\d+)?/gi)].map((m) => Number(m[0]));
          const c = cmd!.toUpperCase();
          if (c === "M") {
            ink.push(...along(sub));
            sub = [];
          }
          if (c === "M" || c === "L") {
            for (let i = 0; i + 1 < v.length; i += 2) {
              [x, y] = [v[i]!, v[i + 1]!];
              sub.push(at(x, y));
            }
          } else if (c === "H") {
            x = v[0]!;
            sub.push(at(x, y));
          } else if (c === "V") {
            y = v[0]!;
            sub.push(at(x, y));
          }
        }
        ink.push(...along(sub));
      }
    }
  }
  return ink;
}

/** The ink points that fall inside a box. */
export function inkInside(ink: readonly (readonly [number, number])[], box: Box): number {
  return ink.filter(([x, y]) => x > box.x && x < box.x + box.width && y > box.y && y < box.y + box.height)
    .length;
}
