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
