import type { Command } from "commander";
import { exactlyOne, parseReal } from "../../app/parse.js";
import { type TiltSpec, tiltSummary } from "../../app/results/tilt.js";
import { type Common, flagOf, jsonOption, loadModel, modelOption, printWithDistribution } from "../shared.js";

/** `bonkl tilt`: the KL-constrained optimum for a KL budget, a λ, or β = 1/λ. */
export function registerTilt(program: Command): void {
  const command = program
    .command("tilt")
    .description("the KL-constrained optimum φ_λ ∝ p e^{λ r}: for a KL budget, a λ, or β = 1/λ")
    .addOption(modelOption())
    .option("--kl <nats>", "KL budget Δ ≥ 0 (saturates at log 1/p*)")
    .option("--lambda <λ>", "inverse temperature λ ≥ 0 (inf: the saturated limit)")
    .option("--beta <β>", "KL penalty β = 1/λ > 0")
    .option("--dist", "include the distribution over outcomes");
  jsonOption(command).action(async (opts: Common & { kl?: string; lambda?: string; beta?: string }) => {
    const model = await loadModel(opts.model);
    exactlyOne(opts, ["kl", "lambda", "beta"], flagOf);
    const spec: TiltSpec =
      opts.kl !== undefined
        ? { kl: parseReal(opts.kl, "--kl", true) }
        : opts.lambda !== undefined
          ? { lambda: parseReal(opts.lambda, "--lambda", true) }
          : { beta: parseReal(opts.beta!, "--beta", true) };
    printWithDistribution(opts, tiltSummary(model, spec, opts.dist), "phi");
  });
}
