import { extname } from "node:path";
import { Resvg } from "@resvg/resvg-js";
import { parseHTML } from "linkedom";
import { InputError, show } from "../core/errors.js";
import type { FigureDocument } from "../plot/svg.js";
import { writeFileAtomic } from "./files.js";

/** Figures in Node: linkedom as the DOM the figures are drawn with, resvg for PNG, atomic files. */

/** A fresh, empty document for {@link FigureDocument}-taking figure functions. */
export function svgDocument(): FigureDocument {
  const { document } = parseHTML("<!DOCTYPE html><html><head></head><body></body></html>");
  return document as unknown as FigureDocument;
}

/**
 * Rasterise an SVG to PNG. `width` is the output width in pixels; by default the image is drawn at twice
 * its nominal size so that it stays sharp on high-density screens and in slides.
 */
export function svgToPng(svg: string, width?: number): Buffer {
  const resvg = new Resvg(svg, {
    background: "white",
    fitTo: width === undefined ? { mode: "zoom", value: 2 } : { mode: "width", value: Math.round(width) },
    font: {
      // System fonts are where DejaVu lives on Linux; the families below then resolve to it.
      loadSystemFonts: true,
      defaultFontFamily: "DejaVu Sans",
      sansSerifFamily: "DejaVu Sans",
    },
  });
  return resvg.render().asPng();
}

/** Writes a figure to `path` as SVG or PNG according to its extension, atomically. */
export function writeFigure(path: string, svg: string): void {
  const ext = extname(path).toLowerCase();
  if (ext !== ".svg" && ext !== ".png") {
    throw new InputError("--plot", `expected a file name ending in .svg or .png, got ${show(path)}`);
  }
  writeFileAtomic(path, ext === ".svg" ? svg : svgToPng(svg));
}
