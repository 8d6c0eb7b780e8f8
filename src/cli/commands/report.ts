import type { Command } from "commander";
import { InputError } from "../../core/errors.js";
import { loadModel } from "../io.js";
import { emit } from "../shared.js";

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
      const models = names.map((name) => ({ name, model: loadModel(name, "--models") }));
      const { writeReport } = await import("../../report/report.js");
      const started = Date.now();
      const { files } = writeReport({
        out: opts.out,
        models,
        quick: opts.quick === true,
        log: (m) => process.stderr.write(`bonkl: ${m}\n`),
      });
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
