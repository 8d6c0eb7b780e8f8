import { accessSync, constants, existsSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { SingleBar } from "cli-progress";
import type { Command } from "commander";
import { InputError } from "../../core/errors.js";
import { loadModel } from "../io.js";
import { emit } from "../shared.js";

/**
 * Checks, before any work, that the report can be written to `out`: it is a folder or can be made one,
 * inside the nearest folder that exists, which must be writable. Nothing is created here.
 */
function checkOut(out: string): void {
  let path = resolve(out);
  while (!existsSync(path) && dirname(path) !== path) path = dirname(path);
  const isFolder = statSync(path).isDirectory();
  if (!isFolder) {
    throw new InputError("--out", `${JSON.stringify(out)}: ${path} exists and is not a folder`);
  }
  try {
    accessSync(path, constants.W_OK);
  } catch {
    throw new InputError("--out", `${JSON.stringify(out)}: the folder ${path} is not writable`);
  }
}

/** Progress on stderr: a bar on a terminal, plain log lines otherwise (CI logs, redirected output). */
function progressOnStderr() {
  if (!process.stderr.isTTY) {
    return {
      start: (_total: number) => {},
      step: (label: string) => process.stderr.write(`bonkl: report: ${label}\n`),
      stop: () => {},
    };
  }
  const bar = new SingleBar({
    stream: process.stderr,
    format: "bonkl report [{bar}] {value}/{total} {label}",
    barsize: 24,
    hideCursor: true,
    clearOnComplete: true,
  });
  let done = -1;
  return {
    start: (total: number) => bar.start(total, 0, { label: "" }),
    // A step is counted when the next one starts, so the bar shows what is being worked on.
    step: (label: string) => bar.update(++done, { label }),
    stop: () => {
      bar.update(done + 1);
      bar.stop();
    },
  };
}

export function registerReport(program: Command): void {
  program
    .command("report")
    .description(
      "write a report (HTML with inline figures, PNGs, results.json) on the default or given models",
    )
    .option("--out <dir>", "output folder", "out/report")
    .option("--models <m1,m2,…>", "models (presets or JSON files)", "ternary,bernoulli:0.3,subtlex-afinn")
    .option("--quick", "shorter sweeps, for a quick look")
    .action(async (opts: { out: string; models: string; quick?: boolean }) => {
      const names = opts.models
        .split(",")
        .map((m) => m.trim())
        .filter((m) => m !== "");
      if (names.length === 0) throw new InputError("--models", "give at least one model");
      if (new Set(names).size !== names.length) throw new InputError("--models", "a model is named twice");
      checkOut(opts.out);
      const models = names.map((name) => ({ name, model: loadModel(name, "--models") }));
      const { writeReport } = await import("../../report/report.js");
      const started = Date.now();
      const progress = progressOnStderr();
      let files: string[];
      try {
        files = writeReport({ out: opts.out, models, quick: opts.quick === true, progress }).files;
      } finally {
        progress.stop();
      }
      emit(
        [
          ...models.map(
            ({ name, model }) =>
              `${name}: log(1/p*) = ${model.klMax.toPrecision(6)} nats, E_p r = ${model.mean.toPrecision(6)}, r_max = ${model.rMax}`,
          ),
          `wrote ${files.length} files to ${opts.out} in ${((Date.now() - started) / 1000).toFixed(1)} s (open report.html)`,
        ].join("\n"),
      );
    });
}
