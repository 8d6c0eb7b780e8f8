import * as Plot from "@observablehq/plot";
import { FONT_FAMILY, FONT_SIZE, PALETTE, SVG_NS } from "./style.js";
import { escapeXml, type MathPiece, mathSpans } from "./text.js";

/**
 * Figures as standalone SVG documents, drawn with whatever DOM the caller passes in: the browser's
 * `document` in the explorer, linkedom's in Node (node/render.ts). Nothing here touches a global.
 */

/** The DOM a figure is drawn with (Plot's `document` option). */
export type FigureDocument = NonNullable<Plot.PlotOptions["document"]>;

/** The few DOM members used here; the Node build compiles without the DOM library. */
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
 * Render Plot options to a standalone SVG document string: Plot's <style> (page layout hints and class
 * selectors some renderers reject) removed, the namespace, the house font and a white background set.
 * Plot wraps its output in an HTML `<figure>` when asked for a title, subtitle, caption or legend; those
 * cannot live in an SVG file, so figures draw them as marks and this throws on anything but an `<svg>`.
 */
export function plotToSvg(options: Plot.PlotOptions, doc: FigureDocument): string {
  const root = Plot.plot({ ...options, document: doc }) as unknown as Element;
  const tag = root.tagName.toLowerCase();
  if (tag !== "svg") {
    throw new Error(
      `plotToSvg: Plot returned <${tag}>; ` +
        "draw titles and legends as marks instead of the title/caption/legend options",
    );
  }
  for (const node of Array.from(root.querySelectorAll("style"))) node.remove();
  root.removeAttribute("class");
  root.setAttribute("xmlns", SVG_NS);
  root.setAttribute("font-family", FONT_FAMILY);
  // `currentColor` resolves against `color`; viewers outside a page have no inherited one.
  root.setAttribute("color", "black");
  const style = root.getAttribute("style");
  root.setAttribute("style", style ? `${style.replace(/;\s*$/, "")};background:white` : "background:white");
  // The style attribute is ignored by most rasterisers, so the background is also a real rectangle.
  const background = doc.createElementNS(SVG_NS, "rect") as unknown as Element;
  background.setAttribute("width", "100%");
  background.setAttribute("height", "100%");
  background.setAttribute("fill", "white");
  root.insertBefore(background, root.firstChild);
  return `${root.outerHTML}\n`;
}

/** One panel of a multi-panel figure: its Plot options, where it goes, and its heading. */
export interface Panel {
  /** Bold heading at the panel's top left, and a formula after it in grey. */
  readonly title: string;
  readonly formula: readonly MathPiece[];
  /** Top-left corner in the figure, below the figure's header. */
  readonly x: number;
  readonly y: number;
  readonly options: Plot.PlotOptions;
}

/** A multi-panel figure: size, an optional bold title, a grey subtitle and the panels. */
export interface PanelFigure {
  readonly width: number;
  readonly height: number;
  readonly title: string | undefined;
  readonly subtitle: readonly MathPiece[];
  /** Height of the title and subtitle band; panels' `y` is measured from the figure's top. */
  readonly header: number;
  readonly panels: readonly Panel[];
}

/** Height of the band holding a figure's title (when given) and subtitle. */
export function headerHeight(title: string | undefined): number {
  return title ? 48 : 30;
}

/**
 * A multi-panel figure as one standalone <svg>: white background, the house font, the title and
 * subtitle, then each panel (a nested <svg> drawn by Plot) translated into place under its heading.
 */
export function panelsToSvg(figure: PanelFigure, document: FigureDocument): string {
  const { width, height, title } = figure;
  const parts = figure.panels.map((panel) => {
    const svg = plotToSvg(panel.options, document).trim();
    const heading =
      `<text x="12" y="19" fill="${PALETTE.text}"><tspan font-size="13" font-weight="bold">` +
      `${escapeXml(panel.title)}</tspan><tspan font-size="12" fill="${PALETTE.muted}" dx="10">` +
      `${mathSpans(panel.formula, 12)}</tspan></text>`;
    return `<g aria-label="panel" transform="translate(${panel.x},${panel.y})">${svg}${heading}</g>`;
  });
  const lines = [
    `<svg xmlns="${SVG_NS}" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ` +
      `font-family="${FONT_FAMILY}" font-size="${FONT_SIZE}" color="black" style="background:white">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    ...(title
      ? [
          `<text x="16" y="24" font-size="15" font-weight="bold" fill="${PALETTE.text}">` +
            `${escapeXml(title)}</text>`,
        ]
      : []),
    `<text x="16" y="${title ? 41 : 20}" font-size="12" fill="${PALETTE.muted}">` +
      `${mathSpans(figure.subtitle, 12)}</text>`,
    ...parts,
    "</svg>",
  ];
  return `${lines.join("\n")}\n`;
}
