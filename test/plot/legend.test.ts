// Legend placement is computed before Plot runs, from the scales Plot is given: the projection must be
// Plot's own, and the chosen spot must cover no ink. Checked against Plot's scales and its output.
import * as Plot from "@observablehq/plot";
import { describe, expect, it } from "vitest";
import { svgDocument } from "../../src/node/render.js";
import {
  type Geometry,
  LEGEND_STYLE,
  legendMark,
  legendSize,
  placeLegend,
  projector,
  sampleLine,
  swatch,
} from "../../src/plot/legend.js";
import { plotToSvg } from "../../src/plot/svg.js";
import { drawnInk, inkInside, legendBox, parseSvg } from "../support/svg.js";

const margin = { top: 20, right: 15, bottom: 40, left: 60 };

function plotOf(g: Geometry, marks: Plot.Markish[] = []) {
  return Plot.plot({
    width: g.width,
    height: g.height,
    marginTop: g.margin.top,
    marginRight: g.margin.right,
    marginBottom: g.margin.bottom,
    marginLeft: g.margin.left,
    x: { type: g.x.type, domain: [...g.x.domain], insetLeft: g.insetLeft ?? 0 },
    y: { type: g.y.type, domain: [...g.y.domain] },
    marks,
    document: svgDocument(),
  });
}

describe("projector", () => {
  for (const [name, g] of [
    [
      "linear",
      {
        width: 500,
        height: 300,
        margin,
        insetLeft: 8,
        x: { type: "linear", domain: [-1, 4] },
        y: { type: "linear", domain: [0.5, 2] },
      },
    ],
    [
      "log",
      {
        width: 450,
        height: 280,
        margin,
        x: { type: "log", domain: [3, 3e5] },
        y: { type: "log", domain: [1e-4, 0.2] },
      },
    ],
  ] as const) {
    it(`maps data to the pixels Plot's ${name} scales give`, () => {
      const plot = plotOf(g);
      const project = projector(g);
      const [xs, ys] = [plot.scale("x")!, plot.scale("y")!];
      for (const [a, b] of [
        [g.x.domain[0], g.y.domain[0]],
        [g.x.domain[1], g.y.domain[1]],
        [Math.sqrt(Math.abs(g.x.domain[0] * g.x.domain[1])), (g.y.domain[0] + g.y.domain[1]) / 3],
      ] as const) {
        const [px, py] = project([a, b]);
        expect(px).toBeCloseTo(xs.apply(a) as number, 9);
        expect(py).toBeCloseTo(ys.apply(b) as number, 9);
      }
    });
  }
});

describe("placeLegend", () => {
  const entries = [
    { label: "a line", swatch: [swatch.line("#000", 2)] },
    { label: "π_N, best-of-N", swatch: [swatch.dot("#f00", 3)] },
  ];
  const frame = { left: 60, right: 485, top: 20, bottom: 260 };
  const { w, h } = legendSize(entries, LEGEND_STYLE);

  it("takes the first candidate when nothing is drawn", () => {
    const at = placeLegend(entries, LEGEND_STYLE, frame, [], "corners-then-grid");
    expect(at).toMatchObject({
      left: frame.right - LEGEND_STYLE.inset - w,
      top: frame.top + LEGEND_STYLE.inset,
    });
    expect(at.covered).toBe(0);
  });

  it("finds the one free spot in a frame full of ink", () => {
    // Ink everywhere except a hole at the bottom left, large enough for the box and its clearance.
    const hole = { left: 80, top: 150, right: 80 + w + 20, bottom: 150 + h + 20 };
    const ink: [number, number][] = [];
    for (let x = frame.left; x <= frame.right; x += 3) {
      for (let y = frame.top; y <= frame.bottom; y += 3) {
        if (!(x > hole.left && x < hole.right && y > hole.top && y < hole.bottom)) ink.push([x, y]);
      }
    }
    const at = placeLegend(entries, LEGEND_STYLE, frame, ink, "corners-then-grid");
    expect(at.covered).toBe(0);
    expect(at.left).toBeGreaterThanOrEqual(hole.left);
    expect(at.top + at.height).toBeLessThanOrEqual(hole.bottom);
  });

  it("reports what it covers when no spot is free", () => {
    const ink = sampleLine([
      [frame.left, frame.top],
      [frame.right, frame.top],
      [frame.right, frame.bottom],
      [frame.left, frame.bottom],
    ]).flatMap(([x]) => Array.from({ length: 60 }, (_, k): [number, number] => [x, frame.top + k * 4]));
    expect(placeLegend(entries, LEGEND_STYLE, frame, ink, "corners-then-grid").covered).toBeGreaterThan(0);
  });
});

describe("legendMark, read back from the SVG", () => {
  const g: Geometry = {
    width: 500,
    height: 300,
    margin,
    x: { type: "linear", domain: [0, 1] },
    y: { type: "linear", domain: [0, 1] },
  };
  const entries = [{ label: "KL(π_N ‖ φ^{⊗n})", swatch: [swatch.line("#1b4f9c", 2)] }];
  const frameLine = [
    [0, 0],
    [1, 1],
  ] as const;
  const draw = (left: number, top: number) => {
    const { w, h } = legendSize(entries, LEGEND_STYLE);
    const at = { left, top, width: w, height: h, covered: 0 };
    return plotToSvg(
      {
        width: g.width,
        height: g.height,
        marginTop: margin.top,
        marginRight: margin.right,
        marginBottom: margin.bottom,
        marginLeft: margin.left,
        x: { domain: [0, 1] },
        y: { domain: [0, 1] },
        marks: [Plot.line(frameLine), legendMark(entries, at, LEGEND_STYLE)],
      },
      svgDocument(),
    );
  };

  it("is seen to cover a line it is put on, and to leave it when placed by its ink", () => {
    const project = projector(g);
    const centre = project([0.5, 0.5]);
    const on = parseSvg(draw(centre[0] - 40, centre[1] - 10));
    expect(inkInside(drawnInk(on), legendBox(on)!)).toBeGreaterThan(0);
    const free = placeLegend(
      entries,
      LEGEND_STYLE,
      { left: margin.left, right: g.width - margin.right, top: margin.top, bottom: g.height - margin.bottom },
      sampleLine(frameLine, project),
      "corners-then-grid",
    );
    const off = parseSvg(draw(free.left, free.top));
    expect(inkInside(drawnInk(off), legendBox(off)!)).toBe(0);
  });

  it("draws notation with sub- and superscript tspans", () => {
    const svg = draw(300, 200);
    expect(svg).toMatch(/<tspan[^>]*baseline-shift="sub"[^>]*>N<\/tspan>/);
    expect(svg).toMatch(/<tspan[^>]*baseline-shift="super"[^>]*>⊗n<\/tspan>/);
    expect(svg).not.toContain("^{");
  });
});
