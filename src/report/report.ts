import { join } from "node:path";
import { toJson } from "../app/output.js";
import { type ModelResults, modelSteps, type Step } from "../app/plans/model.js";
import type { Model } from "../core/model.js";
import { writeFileAtomic } from "../node/files.js";
import { svgToPng } from "../node/render.js";
import { modelFigures, nominalWidth } from "./figures.js";
import { page } from "./page.js";
import { modelSection } from "./section.js";

/**
 * `bonkl report`: one self-contained HTML page (figures inline as SVG, plain-language text), a PNG of each
 * figure and results.json holding every number the page shows. The results are computed first (the
 * plan, app/plans/model.ts); the page and the figures are then drawn from them alone.
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

/** JSON with ±∞ as the strings "Infinity"/"-Infinity" (the CLI's convention; JSON has no infinities). */
export function resultsJson(results: unknown): string {
  return `${toJson(results)}\n`;
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
        const figure = (file: string, svg: string): string => {
          const path = join(out, `${file}.png`);
          writeFileAtomic(path, svgToPng(svg, quick ? nominalWidth(svg) : undefined));
          files.push(path);
          return `<figure id="${file}">${svg.trim()}</figure>`;
        };
        sections.push(modelSection(name, results, figure, modelFigures(name, results[name]!)));
      },
    });
  }
  progress.start(steps.length + 1);
  for (const step of steps) {
    progress.step(step.label);
    step.run();
  }
  progress.step("report.html");
  writeFileAtomic(join(out, "results.json"), resultsJson(results));
  writeFileAtomic(join(out, "report.html"), page(sections));
  files.push(join(out, "results.json"), join(out, "report.html"));
  return { results, files };
}
