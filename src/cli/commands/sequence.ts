import type { Command } from "commander";
import { sequenceAccuracyWarnings } from "../../app/accuracy.js";
import { keyValues, prefixed, table, toJson } from "../../app/output.js";
import { exactlyOne, parseOptionalReal, parseReal, parseSweep } from "../../app/parse.js";
import { sequenceRuns } from "../../app/plans/sequences.js";
import { type SequenceSummary, sequenceSummary } from "../../app/results/sequence.js";
import { InputError } from "../../core/errors.js";
import {
  type Common,
  checkPlotFiles,
  emit,
  flagOf,
  jsonOption,
  loadModel,
  modelOption,
  plotOption,
  terminalBar,
  writePlots,
} from "../shared.js";

interface SequenceOptions extends Common {
  length?: string;
  sweep?: string;
  klRate: string;
  logN?: string;
  grid?: string;
  plot: string[];
  strict?: boolean;
}

/** Fields whose error bound exceeds the documented tolerance: a warning each on stderr, or with --strict a refusal. */
function checkAccuracy(runs: readonly SequenceSummary[], strict: boolean | undefined): void {
  const lines = runs.flatMap(sequenceAccuracyWarnings);
  if (lines.length > 0 && strict) {
    const more = lines.length > 1 ? ` (and ${lines.length - 1} more)` : "";
    throw new InputError("--strict", `${lines[0]}${more}`, "inaccurate");
  }
  for (const line of lines) process.stderr.write(`bonkl: warning: ${line}\n`);
}

/** `bonkl sequence`: best-of-e^{nΔ} against the optimum over length-n sequences, at one length or a sweep. */
export function registerSequence(program: Command): void {
  const command = program
    .command("sequence")
    .description("best-of-N with N = e^{nΔ} against the KL-constrained optimum over length-n sequences")
    .addOption(modelOption())
    .option("--length <n>", "sequence length n")
    .option("--sweep <list>", "several lengths: 10,100,1000 or log:10:1e6:20")
    .requiredOption("--kl-rate <Δ>", "per-token KL budget Δ (nats)")
    .option("--log-n <logN>", "log N (default n·Δ)")
    .option(
      "--grid <h>",
      "quantise the rewards to a grid of step h (reward error ≤ h/2 per token); default: only non-lattice rewards, automatic h",
    )
    .option("--strict", "refuse (exit 2) when a field cannot be given to its documented tolerance");
  plotOption(command, "with --sweep: write the convergence figure as .svg or .png (repeat for both)");
  jsonOption(command).action(async (opts: SequenceOptions) => {
    checkPlotFiles(opts.plot, opts);
    exactlyOne(opts, ["length", "sweep"], flagOf);
    const model = await loadModel(opts.model);
    const klRate = parseReal(opts.klRate, "--kl-rate", true);
    const logN = parseOptionalReal(opts.logN, "--log-n", true);
    const grid = parseOptionalReal(opts.grid, "--grid");
    if (opts.length !== undefined) {
      if (opts.plot.length > 0) {
        throw new InputError("--plot", "the convergence figure needs --sweep", "missing");
      }
      const r = sequenceSummary(model, parseReal(opts.length, "--length"), klRate, logN, grid);
      checkAccuracy([r], opts.strict);
      return emit(opts.json ? toJson(r) : sequenceText(r));
    }
    const ns = parseSweep(opts.sweep!, "--sweep");
    const bar = await terminalBar("bonkl sequence [{bar}] {value}/{total} n = {n}");
    bar?.start(ns.length, 0, { n: ns[0] });
    const runs = sequenceRuns(model, ns, klRate, { logN, grid }, (i, n) => bar?.update(i, { n }));
    bar?.update(ns.length, { n: ns[ns.length - 1] });
    bar?.stop();
    checkAccuracy(runs, opts.strict);
    if (opts.plot.length > 0) {
      const { sequenceFigure } = await import("../../plot/sequence.js");
      await writePlots(opts.plot, (doc) => sequenceFigure(doc, runs));
    }
    emit(opts.json ? toJson(runs) : sweepTable(runs));
  });
}

/** One length: the result's fields, the nested ones prefixed. */
function sequenceText(r: SequenceSummary): string {
  const { optimal, bon, accuracy, ...top } = r;
  return keyValues({
    ...top,
    ...prefixed("optimal.", optimal),
    ...prefixed("bon.", bon),
    ...prefixed("accuracy.", accuracy),
  });
}

/** A sweep: one row per length, the KL to the optimum beside ½ log n. */
function sweepTable(runs: readonly SequenceSummary[]): string {
  return table(
    ["n", "x*", "E R/n", "KL/n", "KL(π‖φ)/n", "KL(π‖φ)", "½ log n", "n·gap"],
    runs.map((r) => [
      r.length,
      r.xStar,
      r.bon.rewardPerToken,
      r.bon.klToReferencePerToken,
      r.bon.klToOptimalPerToken,
      r.bon.klToOptimal,
      0.5 * Math.log(r.length),
      r.gapTimesLength,
    ]),
  );
}
