import type { Command } from "commander";
import { InputError } from "../../core/errors.js";
import {
  checkOutputs,
  emit,
  loadModel,
  type OutputFlags,
  outputOptions,
  terminalBar,
  writeError,
} from "../shared.js";

/** Progress on stderr: a bar on a terminal, plain log lines otherwise (CI logs, redirected output). */
async function progressOnStderr() {
  const bar = await terminalBar("bonkl report [{bar}] {value}/{total} {label}");
  if (!bar) {
    return {
      start: (_total: number) => {},
      step: (label: string) => process.stderr.write(`bonkl: report: ${label}\n`),
      stop: () => {},
    };
  }
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
  const command = program
    .command("report")
    .description(
      "write a report (HTML with inline figures, PNGs, results.json) on the default or given models",
    )
    .option("--out <dir>", "output folder", "out/report")
    .option(
      "--models <m1,m2,…>",
      "models (presets, JSON files or inline JSON)",
      "ternary,bernoulli:0.3,subtlex-afinn",
    )
    .option("--quick", "shorter sweeps, for a quick look");
  outputOptions(command).action(
    async (opts: OutputFlags & { out: string; models: string; quick?: boolean }, cmd: Command) => {
      const specs = splitModelList(opts.models);
      if (specs.length === 0) throw new InputError("--models", "give at least one model", "missing");
      if (new Set(specs).size !== specs.length) {
        throw new InputError("--models", "a model is named twice", "conflict");
      }
      // The default folder is made with its parent (out/); a folder the user names needs --mkdir for that.
      const mkdir = opts.mkdir || cmd.getOptionValueSource("out") === "default";
      checkOutputs({ ...opts, mkdir }, [{ flag: "--out", path: opts.out, kind: "folder" }]);
      // An inline JSON model is named by its place in the list (its text would make poor file names).
      const models = [];
      for (const [k, spec] of specs.entries()) {
        models.push({
          name: spec.startsWith("{") ? `inline-${k + 1}` : spec,
          model: await loadModel(spec, "--models"),
        });
      }
      const { writeReport } = await import("../../report/report.js");
      const started = Date.now();
      const progress = await progressOnStderr();
      let files: string[];
      try {
        files = writeReport({ out: opts.out, models, quick: opts.quick === true, progress }).files;
      } catch (e) {
        throw writeError(e, "--out", opts.out);
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
    },
  );
}

/**
 * The entries of a --models list: split at commas outside brackets, braces and JSON strings, so that
 * inline JSON models (which contain commas) can be listed beside presets and files. Entries are trimmed;
 * empty ones are dropped.
 */
export function splitModelList(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let inString = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (inString) {
      if (ch === "\\") i++;
      else if (ch === '"') inString = false;
    } else if (ch === '"') inString = true;
    else if (ch === "{" || ch === "[") depth++;
    else if (ch === "}" || ch === "]") depth--;
    else if (ch === "," && depth === 0) {
      out.push(text.slice(start, i));
      start = i + 1;
    }
  }
  out.push(text.slice(start));
  return out.map((m) => m.trim()).filter((m) => m !== "");
}
