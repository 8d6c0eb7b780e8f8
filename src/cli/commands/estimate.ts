import { join } from "node:path";
import type { Command } from "commander";
import { parseReal, parseRealList } from "../../app/parse.js";
import { estimateCsv, estimateJson, estimateText } from "../../app/results/estimate.js";
import { InputError, show } from "../../core/errors.js";
import { MIN_TRUSTED_ESS } from "../../core/estimate/empirical.js";
import { writeFileAtomic } from "../../node/files.js";
import {
  checkOutputs,
  checkPlotFiles,
  emit,
  forceOption,
  mkdirOption,
  type OutputFlags,
  writePlots,
} from "../shared.js";

interface EstimateCommandOptions extends OutputFlags {
  samples: string;
  promptCol: string;
  rewardCol: string;
  goldCol?: string;
  logprobCol?: string;
  dropInvalid?: boolean;
  nMax?: string;
  klGrid?: string;
  bootstrap: string;
  seed: string;
  minEss: string;
  perPrompt?: string;
  plot: string[];
  report?: string;
  json?: boolean;
  csv?: boolean;
}

function parseCount(text: string, flag: string, min: number): number {
  const v = parseReal(text, flag);
  if (!Number.isInteger(v) || v < min)
    throw new InputError(flag, `expected an integer ≥ ${min}, got ${show(text)}`, "out_of_range");
  return v;
}

/** `bonkl estimate`: best-of-N and the optimal tilt estimated from scored samples. */
export function registerEstimate(program: Command): void {
  program
    .command("estimate")
    .description(
      "estimate best-of-N (unbiased reward, KL with ties, win rate) and the optimal tilt from scored samples",
    )
    .requiredOption("--samples <file>", "scored responses: .jsonl, .csv or .parquet, one row per response")
    .option("--prompt-col <name>", "prompt id column", "prompt")
    .option("--reward-col <name>", "selection score column", "reward")
    .option("--gold-col <name>", "second reward to evaluate (default: a column named gold, if any)")
    .option(
      "--logprob-col <name>",
      "log-probability under the reference (default: a column named logprob, if any)",
    )
    .option(
      "--drop-invalid",
      "leave out rows with NaN, infinite or missing values instead of refusing the file",
    )
    .option("--n-max <N>", "largest N (default and cap: the fewest samples of a prompt)")
    .option(
      "--kl-grid <d1,d2,…>",
      "KL budgets for the tilt (default: 20 points up to log N − (N−1)/N at N = n-max)",
    )
    .option("--bootstrap <B>", "bootstrap replicates over prompts for the CIs (0: none)", "200")
    .option("--seed <S>", "seed of the bootstrap", "1")
    .option(
      "--min-ess <k>",
      "effective sample size below which a tilt estimate is untrusted",
      String(MIN_TRUSTED_ESS),
    )
    .option("--per-prompt <file.jsonl>", "also write every prompt's estimates, one JSON line per prompt")
    .option(
      "--plot <file>",
      "the reward–KL frontier of the estimates (.svg or .png; repeatable)",
      (value: string, previous: string[]) => [...previous, value],
      [],
    )
    .option("--report <dir>", "write an HTML page with the figure and the tables")
    .option("--json", "print one JSON document on stdout")
    .option("--csv", "print one CSV table (section = bon, tilt or comparison) on stdout")
    .addOption(forceOption())
    .addOption(mkdirOption())
    .action(async (opts: EstimateCommandOptions) => {
      if (opts.json && opts.csv) {
        throw new InputError("--json", "give at most one of --json and --csv", "conflict");
      }
      checkPlotFiles(opts.plot);
      checkOutputs(opts, [
        { flag: "--plot", path: opts.plot },
        { flag: "--per-prompt", path: opts.perPrompt },
        { flag: "--report", path: opts.report, kind: "folder" },
      ]);
      const nMax = opts.nMax === undefined ? undefined : parseCount(opts.nMax, "--n-max", 1);
      const klGrid =
        opts.klGrid === undefined
          ? undefined
          : parseRealList(opts.klGrid, "--kl-grid").map((d) => {
              if (d < 0)
                throw new InputError("--kl-grid", `KL budgets must be ≥ 0, got ${d}`, "out_of_range");
              return d;
            });
      const minEss = parseReal(opts.minEss, "--min-ess");
      if (minEss < 0)
        throw new InputError("--min-ess", `expected a number ≥ 0, got ${minEss}`, "out_of_range");
      const started = Date.now();
      // DuckDB is loaded by the command that reads samples, not at start-up.
      const { estimateFile } = await import("../../node/estimate.js");
      const run = await estimateFile(opts.samples, {
        columns: {
          prompt: opts.promptCol,
          reward: opts.rewardCol,
          gold: opts.goldCol,
          logprob: opts.logprobCol,
        },
        dropInvalid: opts.dropInvalid === true,
        nMax,
        klGrid,
        bootstrap: parseCount(opts.bootstrap, "--bootstrap", 0),
        seed: parseCount(opts.seed, "--seed", 0),
        minEss,
        perPrompt: opts.perPrompt,
        log: (m) => process.stderr.write(`bonkl: ${m}\n`),
      });
      const s = run.summary;
      process.stderr.write(
        `bonkl: ${s.prompts} prompts, ${s.samples} samples in ${((Date.now() - started) / 1000).toFixed(1)} s` +
          (s.skippedPrompts > 0 ? `; skipped ${s.skippedPrompts} prompt(s) with < 2 samples` : "") +
          (s.dropped > 0 ? `; dropped ${s.dropped} invalid row(s)` : "") +
          "\n",
      );
      const text = () => estimateText(run.result, run.compareN, run.columns.gold !== undefined);
      if (opts.plot.length > 0 || opts.report) {
        const [{ estimateFigure }, { svgDocument, svgToPng }] = await Promise.all([
          import("../../plot/estimate.js"),
          import("../../node/render.js"),
        ]);
        const svg = estimateFigure(svgDocument(), run.result);
        if (opts.plot.length > 0) await writePlots(opts.plot, () => svg);
        if (opts.report) {
          const { estimatePage } = await import("../../report/estimatePage.js");
          writeFileAtomic(join(opts.report, "index.html"), estimatePage(run.result, svg, text()), "--report");
          writeFileAtomic(join(opts.report, "figure.png"), svgToPng(svg), "--report");
          process.stderr.write(`bonkl: wrote ${opts.report}/index.html\n`);
        }
      }
      emit(opts.json ? estimateJson(run.result) : opts.csv ? estimateCsv(run.result) : text());
    });
}
