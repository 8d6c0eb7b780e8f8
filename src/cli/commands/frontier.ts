import type { Command } from "commander";
import { csv, table, toJson } from "../../app/output.js";
import { parseOptionalReal, parseReal, parseRealList } from "../../app/parse.js";
import { type FrontierSummary, frontierSummary } from "../../app/results/frontier.js";
import { InputError } from "../../core/errors.js";
import {
  type Common,
  checkPlotFiles,
  emit,
  jsonOption,
  loadModel,
  modelOption,
  plotOption,
  writePlots,
} from "../shared.js";

/** `bonkl frontier`: the optimal reward–KL curve with best-of-N at its exact KL. */
export function registerFrontier(program: Command): void {
  const command = program
    .command("frontier")
    .description(
      "the optimal reward–KL curve, best-of-N at its exact KL, and where the folklore bound puts it",
    )
    .addOption(modelOption())
    .option("--points <K>", "points on the optimal curve", "100")
    .option(
      "--max-log-n <X>",
      "largest log N for the best-of-N points (default 64 log 2; stops at saturation)",
    )
    .option("--soft-n <N,…>", "add soft best-of-N curves over temperature for these N")
    .option("--csv", "print CSV (series,kl,reward,lambda,n,logN,klBound) on stdout");
  plotOption(command, "write the figure as .svg or .png (repeat for both)");
  jsonOption(command).action(
    async (
      opts: Common & { points: string; maxLogN?: string; softN?: string; csv?: boolean; plot: string[] },
    ) => {
      if (opts.json && opts.csv) throw new InputError("--csv", "choose one of --json and --csv", "conflict");
      checkPlotFiles(opts.plot, opts);
      const model = await loadModel(opts.model);
      const points = parseReal(opts.points, "--points");
      const maxLogN = parseOptionalReal(opts.maxLogN, "--max-log-n");
      const softN = opts.softN === undefined ? undefined : parseRealList(opts.softN, "--soft-n");
      const result = frontierSummary(model, { points, maxLogN, softN });
      if (opts.plot.length > 0) {
        const { frontierFigure } = await import("../../plot/frontier.js");
        await writePlots(opts.plot, (doc) => frontierFigure(doc, result));
      }
      emit(opts.json ? toJson(result) : opts.csv ? frontierCsv(result) : frontierText(result));
    },
  );
}

/** Every point, one series per row: optimal, bon, soft-bon. */
function frontierCsv(result: FrontierSummary): string {
  const rows: unknown[][] = [
    ...result.optimal.map((p) => ["optimal", p.kl, p.reward, p.lambda, null, null, null]),
    ...result.bon.map((b) => ["bon", b.kl, b.reward, null, b.n, b.logN, b.klBound]),
    ...(result.softBon ?? []).map((s) => ["soft-bon", s.kl, s.reward, null, s.n, null, null]),
  ];
  return csv(["series", "kl", "reward", "lambda", "n", "logN", "klBound"], rows);
}

/** The ends of the curve and the best-of-N table; the curve itself is for --json and --csv. */
function frontierText(result: FrontierSummary): string {
  return [
    `klMax (log 1/p*)  ${result.klMax}`,
    `rewardMax         ${result.rewardMax}`,
    "",
    "best-of-N (exact KL vs the folklore log N − (N−1)/N):",
    table(
      ["N", "log N", "KL", "folklore", "reward"],
      result.bon.map((b) => [b.n, b.logN, b.kl, b.klBound, b.reward]),
    ),
    "",
    `optimal curve: ${result.optimal.length} points (use --json or --csv for all of them)`,
  ].join("\n");
}
