// What every command shares: the error and output conventions, the --model option, --plot files.
import { Option } from "commander";
import { presetList } from "../app/presets.js";
import { InputError } from "../core/errors.js";
import type { FigureDocument } from "../plot/svg.js";
import { keyValues, table, toJson } from "./io.js";

/** Core field names → the flags a CLI user typed. */
export const FLAG: Record<string, string> = {
  kl: "--kl",
  lambda: "--lambda",
  beta: "--beta",
  n: "--n",
  logN: "--log-n",
  temperature: "--temperature",
  policy: "--policy",
  points: "--points",
  maxLogN: "--max-log-n",
  length: "--length",
  klRate: "--kl-rate",
  range: "--at",
  checkLength: "--check-length",
  grid: "--grid",
  checkGrid: "--check-grid",
  nMax: "--n-max",
  bootstrap: "--bootstrap",
  minEss: "--min-ess",
};

export function fail(message: string): never {
  process.stderr.write(`bonkl: error: ${message}\n`);
  process.exit(2);
}

export function emit(text: string): void {
  process.stdout.write(text.endsWith("\n") ? text : `${text}\n`);
}

export interface Common {
  model: string;
  json?: boolean;
  dist?: boolean;
}

export function exactlyOne(opts: object, flags: readonly string[]): void {
  const given = flags.filter((f) => (opts as Record<string, unknown>)[f] !== undefined);
  if (given.length !== 1) {
    const list = flags.map((f) => `--${f.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`);
    throw new InputError(list[0]!, `give exactly one of ${list.join(", ")}`);
  }
}

export function distributionTable(d: readonly Record<string, unknown>[], key: string): string {
  return table(
    ["outcome", "p", key],
    d.map((row) => [row.outcome, row.p, row[key]]),
  );
}

export function printResult(opts: Common, result: Record<string, unknown>, distKey?: string): void {
  if (opts.json) {
    emit(toJson(result));
    return;
  }
  let text = keyValues(result);
  const d = result.distribution as Record<string, unknown>[] | undefined;
  if (d && distKey) text += `\n\n${distributionTable(d, distKey)}`;
  emit(text);
}

/** `--plot` takes file names ending in .svg or .png; checked before any work is done. */
export function checkPlotFiles(files: readonly string[]): void {
  for (const file of files) {
    if (!/\.(svg|png)$/i.test(file)) {
      throw new InputError(
        "--plot",
        `expected a file name ending in .svg or .png, got ${JSON.stringify(file)}`,
      );
    }
  }
}

/**
 * Draws one figure (with a Node document) and writes it to every `--plot` file, each atomically; an
 * unwritable path is an input error.
 */
export async function writePlots(
  files: readonly string[],
  draw: (document: FigureDocument) => string,
): Promise<void> {
  // Loaded only when asked for: the plotting stack takes longer to load than everything else.
  const { svgDocument, writeFigure } = await import("../node/render.js");
  const svg = draw(svgDocument());
  for (const file of files) {
    try {
      writeFigure(file, svg);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (e instanceof InputError || code === undefined) throw e;
      throw new InputError("--plot", `cannot write ${JSON.stringify(file)} (${code})`);
    }
    process.stderr.write(`bonkl: wrote ${file}\n`);
  }
}

export const modelOption = () =>
  new Option(
    "--model <model>",
    `a JSON file, inline JSON or a preset (${presetList()})`,
  ).makeOptionMandatory();

/** Flattens a nested result for the table view: {a: 1} with "bon." → {"bon.a": 1}. */
export function prefixed(prefix: string, obj: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(obj).map(([k, v]) => [prefix + k, v]));
}
