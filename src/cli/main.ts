#!/usr/bin/env node
import { Command, CommanderError } from "commander";
import { InputError } from "../core/errors.js";
import { registerBon } from "./commands/bon.js";
import { registerEstimate } from "./commands/estimate.js";
import { registerFrontier } from "./commands/frontier.js";
import { registerGap } from "./commands/gap.js";
import { registerLdp } from "./commands/ldp.js";
import { registerReport } from "./commands/report.js";
import { registerSample } from "./commands/sample.js";
import { registerSelect } from "./commands/select.js";
import { registerSequence } from "./commands/sequence.js";
import { registerServe } from "./commands/serve.js";
import { registerSoftBon } from "./commands/softBon.js";
import { registerTail } from "./commands/tail.js";
import { registerTilt } from "./commands/tilt.js";
import { registerTrain } from "./commands/train.js";
import { FLAG, fail } from "./shared.js";
import { VERSION } from "./version.js";

// The CLI: one file per command in commands/, wired here, and one way of ending: a result on stdout
// (status 0), one line for bad input (status 2), or an internal error (status 1).

const program = new Command();
program
  .name("bonkl")
  .description("Exact KL-constrained alignment, best-of-N and soft best-of-N (all quantities in nats)")
  .version(VERSION, "-V, --version", "print the version")
  .showHelpAfterError(false)
  .exitOverride()
  .configureOutput({ writeErr: () => {} });

for (const register of [
  registerTilt,
  registerBon,
  registerSoftBon,
  registerGap,
  registerFrontier,
  registerTail,
  registerSequence,
  registerLdp,
  registerReport,
  registerServe,
  registerEstimate,
  registerSelect,
  registerSample,
  registerTrain,
]) {
  register(program);
}

process.stdout.on("error", (e: NodeJS.ErrnoException) => {
  if (e.code === "EPIPE") process.exit(0);
  throw e;
});

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) {
    if (e.code === "commander.helpDisplayed" || e.code === "commander.version" || e.exitCode === 0)
      process.exit(0);
    if (e.code === "commander.help") process.exit(0);
    fail(e.message.replace(/^error: /, ""));
  }
  if (e instanceof InputError) fail(`${FLAG[e.field] ?? e.field}: ${e.detail}`);
  const msg = e instanceof Error ? e.message : String(e);
  process.stderr.write(`bonkl: internal error: ${msg} (please report it with the command line)\n`);
  if (process.env.BONKL_DEBUG) process.stderr.write(`${(e as Error).stack}\n`);
  process.exit(1);
}
