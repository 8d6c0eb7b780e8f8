import { mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { Model } from "../core/model.js";
import { frontierFigure } from "../plot/frontier.js";
import { identityFigure } from "../plot/identity.js";
import { ldpFigure } from "../plot/ldp.js";
import { svgToPng } from "../plot/render.js";
import { sequenceFigure } from "../plot/sequence.js";
import { wordsFigure } from "../plot/words.js";
import { type ModelResults, modelSteps, type Step } from "./compute.js";
import { modelSection, page } from "./page.js";

/**
 * `bonkl report`: one self-contained HTML page (figures inline as SVG, plain-language text), a PNG of each
 * figure and results.json holding every number the page shows. The results are computed first; the page
 * and the figures are then drawn from them alone.
 */
export interface ReportOptions {
  readonly out: string;
  readonly models: readonly { readonly name: string; readonly model: Model }[];
  readonly quick: boolean;
  /** Told the number of steps once, then each step's label as it starts. */
  readonly progress: {
    /** Called once with the number of steps. */
    start(total: number): void;
    /** Called as each step starts, with its label. */
    step(label: string): void;
  };
}

/** Writes a file atomically: a temporary file in the same folder, then a rename. */
function writeAtomic(path: string, data: string | Buffer): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = join(dirname(path), `.${path.split(/[\\/]/).pop()}.${process.pid}.tmp`);
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (error) {
    rmSync(tmp, { force: true });
    throw error;
  }
}

/** JSON with ±∞ as the strings "Infinity"/"-Infinity" (the CLI's convention; JSON has no infinities). */
export function resultsJson(results: unknown): string {
  return `${JSON.stringify(
    results,
    (_k, v) =>
      typeof v === "number" && !Number.isFinite(v)
        ? Number.isNaN(v)
          ? null
          : v > 0
            ? "Infinity"
            : "-Infinity"
        : v,
    2,
  )}\n`;
}

/**
 * The width an SVG document declares. `--quick` rasterises at this size rather than twice it: PNGs are
 * most of a quick report's time, and a quick look needs no high-density images.
 */
function nominalWidth(svg: string): number | undefined {
  const m = /^\s*<svg[^>]*?\swidth="([\d.]+)"/.exec(svg);
  return m ? Number(m[1]) : undefined;
}

/** The figures of one model, drawn from its results only. */
function modelFigures(name: string, r: ModelResults) {
  return {
    frontier: r.frontier ? frontierFigure(r.frontier, `${name}: reward against KL`) : "",
    identity: r.frontier
      ? identityFigure(
          { optimal: r.frontier.optimal, policies: r.policies ?? [] },
          `${name}: other policies against the optimum`,
        )
      : "",
    sequence: (r.sequence ?? []).map(({ klRate, runs }) =>
      sequenceFigure(
        runs.map((run) => ({ ...run, lambda: run.lambda ?? Number.POSITIVE_INFINITY })),
        `${name}: best-of-N, N = e^(nΔ), against the optimum, Δ = ${klRate.toPrecision(3)}`,
      ),
    ),
    ...(r.ldp ? { ldp: ldpFigure(r.ldp, r.ldp.checks, `${name}: large deviations under the optimum`) } : {}),
    ...(r.movers
      ? {
          words: wordsFigure(
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
 * Computes every model's results, then writes `out`/report.html (figures inline as SVG), a PNG per figure
 * and results.json, each file atomically; returns the results and the files written.
 */
export function writeReport(options: ReportOptions): {
  results: Record<string, ModelResults>;
  files: string[];
} {
  const { out, quick, progress } = options;
  const results: Record<string, ModelResults> = {};
  const steps: Step[] = [];
  const sections: string[] = [];
  const files: string[] = [];
  for (const { name, model } of options.models) {
    const planned = modelSteps(name, model, quick);
    results[name] = planned.results;
    steps.push(...planned.steps);
  }
  // Drawing: each model's figures (inline SVG and a PNG each) and its section, once its numbers exist.
  for (const { name } of options.models) {
    steps.push({
      label: `${name}: figures`,
      run: () => {
        const figures = modelFigures(name, results[name]!);
        const figure = (file: string, svg: string): string => {
          const path = join(out, `${file}.png`);
          writeAtomic(path, svgToPng(svg, quick ? nominalWidth(svg) : undefined));
          files.push(path);
          return `<figure id="${file}">${svg.trim()}</figure>`;
        };
        sections.push(modelSection(name, results as Record<string, unknown>, figure, figures));
      },
    });
  }
  progress.start(steps.length + 1);
  for (const step of steps) {
    progress.step(step.label);
    step.run();
  }
  progress.step("report.html");
  writeAtomic(join(out, "results.json"), resultsJson(results));
  writeAtomic(join(out, "report.html"), page(sections));
  files.push(join(out, "results.json"), join(out, "report.html"));
  return { results, files };
}
