import type { Command } from "commander";
import { exactlyOne, parseBonSize, parseReal } from "../../app/parse.js";
import { softBonSummary } from "../../app/results/softBon.js";
import { type Common, flagOf, jsonOption, loadModel, modelOption, printWithDistribution } from "../shared.js";

/** `bonkl soft-bon`: soft best-of-N at temperature τ, exactly, through a one-dimensional integral. */
export function registerSoftBon(program: Command): void {
  const command = program
    .command("soft-bon")
    .description("soft best-of-N at temperature τ: the exact law through a one-dimensional integral")
    .addOption(modelOption())
    .option("--n <N>", "N ≥ 1 (real)")
    .option("--log-n <logN>", "log N ≥ 0")
    .requiredOption("--temperature <τ>", "temperature τ > 0 (inf: no selection)")
    .option("--dist", "include the distribution over outcomes");
  jsonOption(command).action(async (opts: Common & { n?: string; logN?: string; temperature: string }) => {
    const model = await loadModel(opts.model);
    exactlyOne(opts, ["n", "logN"], flagOf);
    const temperature = parseReal(opts.temperature, "--temperature", true);
    const size = parseBonSize(opts, flagOf);
    printWithDistribution(opts, softBonSummary(model, { ...size, temperature }, opts.dist), "pi");
  });
}
