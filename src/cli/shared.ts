// What every command shares: the error and output conventions, the --model option, --plot files.
import { existsSync, rmSync } from "node:fs";
import { resolve } from "node:path";
import { type Command, Option } from "commander";
import { resolveJson, resolveModel } from "../app/model.js";
import { keyValues, table, toJson } from "../app/output.js";
import { presetList } from "../app/presets.js";
import { InputError, show } from "../core/errors.js";
import type { Model } from "../core/model.js";
import {
  checkOutputPaths,
  errorCode,
  errorText,
  makeParentFolders,
  type OutputKind,
  removeEmptyFolders,
} from "../node/files.js";
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
  force?: boolean;
  mkdir?: boolean;
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
  return outputOptions(command.option("--plot <file>", description, (v, acc: string[]) => [...acc, v], []));
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

/**
 * `--plot` takes file names ending in .svg or .png; checked before any work is done. Given the
 * command's `--force`/`--mkdir`, the paths are checked as outputs too (`checkOutputs`); a command with
 * other outputs leaves that out and checks all of them in one `checkOutputs`.
 */
export function checkPlotFiles(files: readonly string[], flags?: OutputFlags): void {
  for (const file of files) {
    if (!/\.(svg|png)$/i.test(file)) {
      throw new InputError(
        "--plot",
        `expected a file name ending in .svg or .png, got ${JSON.stringify(file)}`,
        "invalid_value",
      );
    }
  }
  if (flags) checkOutputs(flags, [{ flag: "--plot", path: files }]);
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
  return new InputError(field, `cannot write ${show(path)} (${errorText(e)})`, "unwritable");
}

/** `--force` and `--mkdir`, the permissions a command that writes files asks for. */
export interface OutputFlags {
  readonly force?: boolean;
  readonly mkdir?: boolean;
}

/** Any failure of a step known to be the final write (a DuckDB COPY, say): an input error for `field`. */
export function writeFailure(e: unknown, field: string, path: string): InputError {
  if (e instanceof InputError) return e;
  const message = (e instanceof Error ? e.message : String(e)).split("\n").find((l) => l.trim() !== "");
  return new InputError(field, `cannot write ${show(path)}: ${(message ?? "").trim()}`, "unwritable");
}

/** `--force`: existing output files may be replaced. */
export const forceOption = () =>
  new Option("--force", "replace existing output files (and write into a non-empty output folder)");

/** `--mkdir`: missing folders above the output paths may be created. */
export const mkdirOption = () => new Option("--mkdir", "create missing folders above the output paths");

/** Adds `--force` and `--mkdir` to a command that writes files. */
export function outputOptions(command: Command): Command {
  return command.addOption(forceOption()).addOption(mkdirOption());
}

/** A command's output: the flag, its path or paths (undefined or none: not asked for), file or folder. */
export interface Output {
  readonly flag: string;
  readonly path: string | readonly string[] | undefined;
  readonly kind?: OutputKind;
}

/**
 * Every output path of a command, checked before any work (see "Files and folders" in docs/cli.md):
 * each failure one line naming its flag. With `--mkdir` the missing folders are made now. Should the
 * command then fail, what it made goes again: an output folder that did not exist (with the files
 * written into it so far) and the folders made for `--mkdir` that are still empty.
 */
export function checkOutputs(opts: OutputFlags, outputs: readonly Output[], stdout = false): void {
  const paths = outputs.flatMap(({ flag, path, kind }) =>
    (path === undefined ? [] : typeof path === "string" ? [path] : path).map((p) => ({
      field: flag,
      path: p,
      kind,
    })),
  );
  checkOutputPaths(paths, { force: opts.force, mkdir: opts.mkdir, stdout });
  const newFolders = paths
    .filter((o) => o.kind === "folder" && !existsSync(o.path))
    .map((o) => resolve(o.path));
  const created: string[] = [];
  if (newFolders.length > 0 || opts.mkdir) {
    process.once("exit", (status) => {
      if (status === 0) return;
      for (const folder of newFolders) rmSync(folder, { recursive: true, force: true });
      removeEmptyFolders(created);
    });
  }
  if (!opts.mkdir) return;
  for (const { field, path } of paths) {
    if (stdout && path === "-") continue;
    try {
      created.push(...makeParentFolders(path));
    } catch (e) {
      throw writeError(e, field, path);
    }
  }
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
