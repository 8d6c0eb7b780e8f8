import type { Command } from "commander";
import { parseOptionalReal, parseReal } from "../../app/parse.js";
import { tailSummary } from "../../app/results/tail.js";
import { type Common, jsonOption, loadModel, modelOption, printResult } from "../shared.js";

/** `bonkl tail`: the law of the summed reward S_n at one point. */
export function registerTail(program: Command): void {
  const command = program
    .command("tail")
    .description("the law of the summed reward S_n of n iid tokens at one point: pmf and both tails, in logs")
    .addOption(modelOption())
    .requiredOption("--length <n>", "sequence length n (a whole number ≥ 1)")
    .requiredOption("--at <s>", "the value s of S_n")
    .option(
      "--grid <h>",
      "quantise the rewards to step h first: the exact law of the quantised sum, and brackets on the true tails",
    );
  jsonOption(command).action(async (opts: Common & { length: string; at: string; grid?: string }) => {
    const model = await loadModel(opts.model);
    const n = parseReal(opts.length, "--length");
    const grid = parseOptionalReal(opts.grid, "--grid");
    printResult(opts, tailSummary(model, n, parseReal(opts.at, "--at"), grid));
  });
}
