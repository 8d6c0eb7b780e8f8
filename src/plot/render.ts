import { mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, extname, join } from "node:path";
import * as Plot from "@observablehq/plot";
import { Resvg } from "@resvg/resvg-js";
import { parseHTML } from "linkedom";
import { InputError, show } from "../core/errors.js";
import { SVG_NS } from "./style.js";

export const FONT_FAMILY = "DejaVu Sans, sans-serif";

/** The few DOM members used here; the project compiles without the DOM library. */
interface Element {
  readonly tagName: string;
  readonly outerHTML: string;
  readonly firstChild: Element | null;
  getAttribute(name: string): string | null;
  setAttribute(name: string, value: string): void;
  removeAttribute(name: string): void;
  querySelectorAll(selector: string): ArrayLike<Element>;
  insertBefore(node: Element, before: Element | null): void;
  remove(): void;
}

/**
 * Render an Observable Plot to a standalone SVG document string. Plot wraps its output in an HTML
 * `<figure>` when asked for a title, subtitle, caption or legend; those cannot live in an SVG file,
 * so callers draw them as marks and this throws if Plot produced anything other than an `<svg>`.
 */
export function plotToSvg(options: Plot.PlotOptions): string {
  const { document } = parseHTML("<!DOCTYPE html><html><head></head><body></body></html>");
  const root = Plot.plot({ ...options, document }) as unknown as Element;
  const tag = root.tagName.toLowerCase();
  if (tag !== "svg") {
    throw new Error(
      `plotToSvg: Plot returned <${tag}>; ` +
        "draw titles and legends as marks instead of the title/caption/legend options",
    );
  }
  // Plot's <style> holds page layout hints (display, max-width) and class selectors some renderers reject.
  for (const node of Array.from(root.querySelectorAll("style"))) node.remove();
  root.removeAttribute("class");
  root.setAttribute("xmlns", SVG_NS);
  root.setAttribute("font-family", FONT_FAMILY);
  // `currentColor` resolves against `color`; viewers outside a page have no inherited one.
  root.setAttribute("color", "black");
  const style = root.getAttribute("style");
  root.setAttribute("style", style ? `${style.replace(/;\s*$/, "")};background:white` : "background:white");
  // The style attribute is ignored by most rasterisers, so the background is also a real rectangle.
  const background = document.createElementNS(SVG_NS, "rect") as unknown as Element;
  background.setAttribute("width", "100%");
  background.setAttribute("height", "100%");
  background.setAttribute("fill", "white");
  root.insertBefore(background, root.firstChild);
  return root.outerHTML + "\n";
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

/**
 * Write a figure to `path` as SVG or PNG according to its extension. The file is written next to its
 * destination and renamed into place, so a reader never sees a half-written figure.
 */
export function writeFigure(path: string, svg: string): void {
  const ext = extname(path).toLowerCase();
  let bytes: string | Buffer;
  if (ext === ".svg") bytes = svg;
  else if (ext === ".png") bytes = svgToPng(svg);
  else throw new InputError("--plot", `expected a file name ending in .svg or .png, got ${show(path)}`);
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true });
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`);
  try {
    writeFileSync(tmp, bytes);
    renameSync(tmp, path);
  } catch (error) {
    rmSync(tmp, { force: true });
    throw error;
  }
}

/** The frame of one plot: its size, margins and text style (the house defaults). */
export function plotFrame(
  width: number,
  height: number,
  margin: { readonly top: number; readonly right: number; readonly bottom: number; readonly left: number },
  style: { readonly fontSize: number; readonly color: string },
) {
  return {
    width,
    height,
    marginTop: margin.top,
    marginRight: margin.right,
    marginBottom: margin.bottom,
    marginLeft: margin.left,
    style: { fontSize: `${style.fontSize}px`, color: style.color },
  };
}

/** An axis label centred on its axis, without Plot's arrow, `offset` pixels out. */
export function axisLabel(label: string, offset: number) {
  return { label, labelAnchor: "center" as const, labelArrow: "none" as const, labelOffset: offset };
}

/** The figure's bold title in the top-left corner, in the margin above the plot area (none when empty). */
export function titleMark(
  title: string | undefined,
  margin: { readonly top: number; readonly left: number },
  color: string,
) {
  if (!title) return null;
  return Plot.text([title], {
    frameAnchor: "top-left",
    dx: -margin.left + 8,
    dy: -margin.top + 16,
    textAnchor: "start",
    fontSize: 14,
    fontWeight: "bold",
    fill: color,
  });
}
