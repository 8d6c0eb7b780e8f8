import type { Command } from "commander";
import { gapSummary } from "../../app/results/gap.js";
import { type Common, jsonOption, loadModel, modelOption, printResult, readJsonArgument } from "../shared.js";

/** `bonkl gap`: a policy q against the optimum at the same KL. */
export function registerGap(program: Command): void {
  const command = program
    .command("gap")
    .description(
      "a policy q against the optimum at the same KL: reward gap and KL(q‖φ), directly and by the identity",
    )
    .addOption(modelOption())
    .requiredOption("--policy <q>", "probabilities in the model's outcome order: a JSON array or a file");
  jsonOption(command).action(async (opts: Common & { policy: string }) => {
    const model = await loadModel(opts.model);
    const q = readJsonArgument(opts.policy, "--policy", "a JSON array of probabilities");
    printResult(opts, gapSummary(model, q));
  });
}
