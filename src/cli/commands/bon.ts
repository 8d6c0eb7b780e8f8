import type { Command } from "commander";
import { parseBonSize } from "../../app/parse.js";
import { bonSummary } from "../../app/results/bon.js";
import { type Common, flagOf, jsonOption, loadModel, modelOption, printWithDistribution } from "../shared.js";

/** `bonkl bon`: best-of-N's exact law, reward, KL (ties included), folklore bound and win rate. */
export function registerBon(program: Command): void {
  const command = program
    .command("bon")
    .description("best-of-N: the exact law, reward, KL (ties included), folklore bound and win rate")
    .addOption(modelOption())
    .option("--n <N>", "N ≥ 1 (real)")
    .option("--log-n <logN>", "log N ≥ 0, for N beyond a double (up to 1e6 and more)")
    .option("--dist", "include the distribution over outcomes");
  jsonOption(command).action(async (opts: Common & { n?: string; logN?: string }) => {
    const model = await loadModel(opts.model);
    printWithDistribution(opts, bonSummary(model, parseBonSize(opts, flagOf), opts.dist), "pi");
  });
}
