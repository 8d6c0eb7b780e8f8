import type { ModelResults } from "../app/plans/model.js";
import { svgDocument } from "../node/render.js";
import { frontierFigure } from "../plot/frontier.js";
import { identityFigure } from "../plot/identity.js";
import { ldpFigure } from "../plot/ldp.js";
import { sequenceFigure } from "../plot/sequence.js";
import { wordsFigure } from "../plot/words.js";
import type { ModelFigures } from "./sections/context.js";

/** The figures of one model, drawn from its results only (with a Node document). */
export function modelFigures(name: string, r: ModelResults): ModelFigures {
  const doc = svgDocument();
  return {
    frontier: r.frontier ? frontierFigure(doc, r.frontier, { title: `${name}: reward against KL` }) : "",
    identity: r.frontier
      ? identityFigure(
          doc,
          { optimal: r.frontier.optimal, policies: r.policies ?? [] },
          `${name}: other policies against the optimum`,
        )
      : "",
    sequence: (r.sequence ?? []).map(({ klRate, runs }) =>
      sequenceFigure(doc, runs, {
        title: `${name}: best-of-N, N = exp(nΔ), against the optimum, Δ = ${klRate.toPrecision(3)}`,
      }),
    ),
    ...(r.ldp
      ? {
          ldp: ldpFigure(doc, r.ldp, {
            checks: r.ldp.checks,
            curves: r.ldp.curves,
            title: `${name}: large deviations under the optimum`,
          }),
        }
      : {}),
    ...(r.movers
      ? {
          words: wordsFigure(
            doc,
            r.movers.gain,
            r.movers.lose,
            r.movers.klRate,
            `${name}: the words that gain and lose the most`,
          ),
        }
      : {}),
  };
}

/**
 * The width an SVG document declares. `--quick` rasterises at this size rather than twice it: PNGs are
 * most of a quick report's time, and a quick look needs no high-density images.
 */
export function nominalWidth(svg: string): number | undefined {
  const m = /^\s*<svg[^>]*?\swidth="([\d.]+)"/.exec(svg);
  return m ? Number(m[1]) : undefined;
}
