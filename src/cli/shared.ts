// What every command shares: the error and output conventions, the --model option, --plot files.
import { type Command, Option } from "commander";
import { resolveJson, resolveModel } from "../app/model.js";
import { keyValues, table, toJson } from "../app/output.js";
import { presetList } from "../app/presets.js";
import { InputError, show } from "../core/errors.js";
import type { Model } from "../core/model.js";
import { errorCode } from "../node/files.js";
import { nodeModelIo } from "../node/models.js";
import type { FigureDocument } from "../plot/svg.js";

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

/** The flag of an option's camelCase name: logN → --log-n. */
export function flagOf(name: string): string {
  return `--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/** The one line a user sees for bad input, then exit status 2. */
export function fail(message: string): never {
  process.stderr.write(`bonkl: error: ${message}\n`);
  process.exit(2);
}

/** Writes a result on stdout, ending it with one newline. */
export function emit(text: string): void {
  process.stdout.write(text.endsWith("\n") ? text : `${text}\n`);
}

export interface Common {
  model: string;
  json?: boolean;
  dist?: boolean;
}

/** `--model` (or `--models`' entries): a preset, inline JSON or a JSON file. */
export function loadModel(text: string, field = "--model"): Promise<Model> {
  return resolveModel(text, nodeModelIo, field);
}

/** A JSON value given inline or as a file (`--policy`). */
export function readJsonArgument(text: string, field: string, expected: string): unknown {
  return resolveJson(text, nodeModelIo, field, expected);
}

export const modelOption = () =>
  new Option(
    "--model <model>",
    `a JSON file, inline JSON or a preset (${presetList()})`,
  ).makeOptionMandatory();

/** `--plot <file>`, repeatable: a figure written to each file given. */
export function plotOption(command: Command, description: string): Command {
  return command.option("--plot <file>", description, (v, acc: string[]) => [...acc, v], []);
}

/** `--json`: one JSON document on stdout. */
export function jsonOption(command: Command): Command {
  return command.option("--json", "print one JSON document on stdout");
}

/** One row per outcome: its label, p and the policy's probability under `key`. */
export function distributionTable<K extends string>(
  d: readonly ({ readonly outcome: string; readonly p: number } & { readonly [k in K]: number })[],
  key: K,
): string {
  return table(
    ["outcome", "p", key],
    d.map((row) => [row.outcome, row.p, row[key]]),
  );
}

/** A result as JSON (`--json`) or as key–value lines, with its distribution table when it has one. */
export function printResult(opts: { readonly json?: boolean }, result: object): void {
  emit(opts.json ? toJson(result) : keyValues(result));
}

/** `printResult` for results that may carry a distribution over outcomes (`--dist`). */
export function printWithDistribution<K extends string>(
  opts: { readonly json?: boolean },
  result: object & {
    readonly distribution?: readonly ({ readonly outcome: string; readonly p: number } & {
      readonly [k in K]: number;
    })[];
  },
  key: K,
): void {
  if (opts.json || !result.distribution) printResult(opts, result);
  else emit(`${keyValues(result)}\n\n${distributionTable(result.distribution, key)}`);
}

/** `--plot` takes file names ending in .svg or .png; checked before any work is done. */
export function checkPlotFiles(files: readonly string[]): void {
  for (const file of files) {
    if (!/\.(svg|png)$/i.test(file)) {
      throw new InputError(
        "--plot",
        `expected a file name ending in .svg or .png, got ${JSON.stringify(file)}`,
        "invalid_value",
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
      throw writeError(e, "--plot", file);
    }
    process.stderr.write(`bonkl: wrote ${file}\n`);
  }
}

/**
 * What a failed write becomes: a system error (no permission, no space) an input error for `field`
 * naming the file; anything else unchanged.
 */
export function writeError(e: unknown, field: string, path: string): unknown {
  if (e instanceof InputError || errorCode(e) === "error") return e;
  return new InputError(field, `cannot write ${show(path)} (${errorCode(e)})`, "unwritable");
}

/** A progress bar on stderr when it is a terminal; nothing otherwise (logs and pipes stay clean). */
export async function terminalBar(format: string): Promise<import("cli-progress").SingleBar | undefined> {
  if (!process.stderr.isTTY) return undefined;
  const { SingleBar } = await import("cli-progress");
  return new SingleBar({
    stream: process.stderr,
    format,
    barsize: 24,
    hideCursor: true,
    clearOnComplete: true,
  });
}
