import { once } from "node:events";
import type { Command } from "commander";
import { keyValues, table, toJson, toJsonLine } from "../../app/output.js";
import { parseReal } from "../../app/parse.js";
import { InputError, show } from "../../core/errors.js";
import { DIVERGENCES, type Divergence } from "../../core/train/distill.js";
import type { TrainPoint } from "../../core/train/metrics.js";
import { PENALTIES, type Penalty } from "../../core/train/ppo.js";
import { savePolicy } from "../../core/train/savedPolicy.js";
import {
  type GradientMode,
  METHODS,
  type Method,
  Trainer,
  type TrainOptions,
} from "../../core/train/train.js";
import { writeFileAtomic } from "../../node/files.js";
import {
  checkOutputs,
  emit,
  forceOption,
  loadModel,
  mkdirOption,
  modelOption,
  type OutputFlags,
  terminalBar,
  writeError,
} from "../shared.js";

/**
 * `bonkl train`: a tabular (per-token) softmax policy trained by REINFORCE, PPO, DPO or best-of-N
 * distillation with Adam (src/core/train). Every reported quantity is computed exactly from the
 * current policy q (to rounding), not estimated: reward, KL(q‖p), KL(q‖φ_λ) directly and by the
 * identity, KL to the method's optimum, and the frontier at q's own KL.
 */

interface TrainFlags extends OutputFlags {
  model: string;
  method: string;
  beta?: string;
  n?: string;
  logN?: string;
  steps: string;
  gradient: string;
  lr?: string;
  optimizer: string;
  seed: string;
  batch?: string;
  length: string;
  clip?: string;
  epochs?: string;
  minibatches?: string;
  penalty?: string;
  divergence?: string;
  every?: string;
  tolerance?: string;
  savePolicy?: string;
  json?: boolean;
}

/** Core field names → this command's flags. */
const FLAGS: Record<string, string> = {
  method: "--method",
  beta: "--beta",
  n: "--n",
  logN: "--log-n",
  gradient: "--gradient",
  lr: "--lr",
  seed: "--seed",
  batch: "--batch",
  length: "--length",
  clip: "--clip",
  epochs: "--epochs",
  minibatches: "--minibatches",
  penalty: "--penalty",
  divergence: "--divergence",
};

/** The largest step count accepted (a run is one pass over the outcomes a step, or more). */
const MAX_STEPS = 1e9;

function whole(text: string, flag: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const v = parseReal(text, flag);
  if (!Number.isInteger(v) || v < min || v > max) {
    const range = max >= Number.MAX_SAFE_INTEGER ? `≥ ${min}` : `from ${min} to ${max}`;
    throw new InputError(flag, `expected a whole number ${range}, got ${show(text)}`, "out_of_range");
  }
  return v;
}

function oneOf<T extends string>(
  text: string | undefined,
  flag: string,
  allowed: readonly T[],
): T | undefined {
  if (text === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(text)) {
    throw new InputError(flag, `expected one of ${allowed.join(", ")}, got ${show(text)}`);
  }
  return text as T;
}

const optionalReal = (text: string | undefined, flag: string) =>
  text === undefined ? undefined : parseReal(text, flag);
const optionalWhole = (text: string | undefined, flag: string, min: number) =>
  text === undefined ? undefined : whole(text, flag, min);

/** Everything the flags say, checked before any work (the model is loaded after). */
function parseFlags(f: TrainFlags): {
  options: TrainOptions;
  steps: number;
  every: number;
  tolerance?: number;
} {
  const method = oneOf(f.method, "--method", METHODS) as Method;
  const options: TrainOptions = {
    method,
    beta: optionalReal(f.beta, "--beta"),
    n: optionalReal(f.n, "--n"),
    logN: optionalReal(f.logN, "--log-n"),
    gradient: oneOf<GradientMode>(f.gradient, "--gradient", ["exact", "sampled"]),
    lr: optionalReal(f.lr, "--lr"),
    adam: { amsgrad: oneOf(f.optimizer, "--optimizer", ["amsgrad", "adam"]) === "amsgrad" },
    seed: whole(f.seed, "--seed", 0),
    batch: optionalWhole(f.batch, "--batch", 2),
    length: whole(f.length, "--length", 1),
    ppo: {
      ...(f.clip !== undefined ? { clip: parseReal(f.clip, "--clip") } : {}),
      ...(f.epochs !== undefined ? { epochs: whole(f.epochs, "--epochs", 1) } : {}),
      ...(f.minibatches !== undefined ? { minibatches: whole(f.minibatches, "--minibatches", 1) } : {}),
      ...(f.penalty !== undefined ? { penalty: oneOf<Penalty>(f.penalty, "--penalty", PENALTIES) } : {}),
    },
    divergence: oneOf<Divergence>(f.divergence, "--divergence", DIVERGENCES),
  };
  const onlyFor = (flag: string, given: unknown, methods: readonly Method[]) => {
    if (given !== undefined && !methods.includes(method)) {
      throw new InputError(flag, `applies to ${methods.join(", ")}, not to ${method}`, "conflict");
    }
  };
  for (const [flag, v] of [
    ["--clip", f.clip],
    ["--epochs", f.epochs],
    ["--minibatches", f.minibatches],
    ["--penalty", f.penalty],
  ] as const)
    onlyFor(flag, v, ["ppo"]);
  onlyFor("--divergence", f.divergence, ["bon-distill"]);
  onlyFor("--n", f.n, ["bon-distill"]);
  onlyFor("--log-n", f.logN, ["bon-distill"]);
  if (method !== "bon-distill" && f.beta === undefined) {
    throw new InputError(
      "--beta",
      `${method} needs the KL penalty β (its optimum is the tilt φ with λ = 1/β)`,
      "missing",
    );
  }
  if (method === "bon-distill" && [f.beta, f.n, f.logN].filter((v) => v !== undefined).length !== 1) {
    throw new InputError(
      "--n",
      "bon-distill needs exactly one of --n, --log-n (best-of-N's N) and --beta (the N whose KL is that of φ_{1/β})",
      "conflict",
    );
  }
  if (f.batch !== undefined && options.gradient !== "sampled") {
    throw new InputError(
      "--batch",
      "applies to --gradient sampled (an exact gradient uses no batch)",
      "conflict",
    );
  }
  const steps = whole(f.steps, "--steps", 0, MAX_STEPS);
  const every = f.every === undefined ? 1 : whole(f.every, "--every", 1);
  let tolerance: number | undefined;
  if (f.tolerance !== undefined) {
    tolerance = parseReal(f.tolerance, "--tolerance");
    if (!(tolerance > 0))
      throw new InputError(
        "--tolerance",
        `expected a number > 0 (nats), got ${show(f.tolerance)}`,
        "out_of_range",
      );
  }
  return { options, steps, every, tolerance };
}

/** `--save-policy`: a .json path (the folder and the file are checked with every output, by checkOutputs). */
function checkOutput(path: string): void {
  if (!path.toLowerCase().endsWith(".json")) {
    throw new InputError("--save-policy", `expected a file name ending in .json, got ${show(path)}`);
  }
}

/** Steps shown in the text table: 0, 1, 2, 5, 10, 20, 50, … and the last. */
function shownInTable(step: number): boolean {
  if (step === 0) return true;
  const scale = 10 ** Math.floor(Math.log10(step));
  const lead = step / scale;
  return lead === 1 || lead === 2 || lead === 5;
}

async function write(text: string): Promise<void> {
  if (!process.stdout.write(text)) await once(process.stdout, "drain");
}

export function registerTrain(program: Command): void {
  program
    .command("train")
    .description(
      "train a tabular softmax policy by REINFORCE, PPO, DPO or best-of-N distillation (Adam, exact or sampled gradients), with the exact reward, KL and KL to the optimum at every step",
    )
    .addOption(modelOption())
    .requiredOption("--method <m>", `one of ${METHODS.join(", ")}`)
    .option(
      "--beta <β>",
      "KL penalty β > 0: the optimum is φ_λ with λ = 1/β (bon-distill: match N's KL to it)",
    )
    .option("--n <N>", "bon-distill: best-of-N's N ≥ 1 (real)")
    .option("--log-n <logN>", "bon-distill: log N ≥ 0")
    .option("--steps <S>", "optimiser steps (PPO: rollouts, each with --epochs passes)", "1000")
    .option(
      "--gradient <mode>",
      "exact (expectations summed over the outcomes: deterministic, converges to rounding) or sampled (seeded Monte Carlo batches)",
      "exact",
    )
    .option("--lr <α>", "Adam's step size (default 0.1)")
    .option(
      "--optimizer <o>",
      "amsgrad (Adam keeping its largest second moment: stable at the optimum) or adam (plain Adam)",
      "amsgrad",
    )
    .option("--seed <s>", "seed of a sampled run, a whole number in [0, 2^53)", "1")
    .option("--batch <B>", "sampled: responses (DPO: preference pairs) per step (default 256)")
    .option(
      "--length <n>",
      "tokens per response: a per-token policy q^{⊗n}; reward and KLs are per response",
      "1",
    )
    .option("--clip <ε>", "ppo: clip range ε (default 0.2)")
    .option("--epochs <E>", "ppo: passes over each rollout (default 4)")
    .option("--minibatches <M>", "ppo, sampled: minibatches per pass (default 4)")
    .option("--penalty <where>", "ppo: where the KL penalty goes, loss (default) or reward")
    .option("--divergence <d>", "bon-distill: forward KL(π_N‖q) (default), reverse KL(q‖π_N) or jeffreys")
    .option("--every <k>", "with --json: a line every k steps (and the last)", "1")
    .option("--tolerance <nats>", "stop once KL(q‖optimum) ≤ nats")
    .option("--save-policy <file>", "write the trained policy as JSON {outcomes, logq, length, …}")
    .option("--json", "stream JSON lines, one per step: step, reward, kl, klToTilt, klToOptimum, …")
    .addOption(forceOption())
    .addOption(mkdirOption())
    .action(async (flags: TrainFlags) => {
      const { options, steps, every, tolerance } = parseFlags(flags);
      if (flags.savePolicy !== undefined) checkOutput(flags.savePolicy);
      checkOutputs(flags, [{ flag: "--save-policy", path: flags.savePolicy }]);
      const model = await loadModel(flags.model);
      let trainer: Trainer;
      try {
        trainer = new Trainer(model, options);
      } catch (e) {
        if (e instanceof InputError && FLAGS[e.field])
          throw new InputError(FLAGS[e.field]!, e.detail, e.code);
        throw e;
      }
      const setup = trainer.describe();
      const json = flags.json === true;
      // A bar on stderr when it is a terminal, unless JSON lines stream to the same terminal.
      const bar =
        json && process.stdout.isTTY
          ? undefined
          : await terminalBar("bonkl train [{bar}] {value}/{total} steps");
      bar?.start(steps, 0);
      const rows: TrainPoint[] = [];
      let last = trainer.point();
      const show = async (p: TrainPoint, force: boolean) => {
        if (json) {
          if (force || p.step % every === 0) await write(`${toJsonLine(p)}\n`);
        } else if (force || shownInTable(p.step)) rows.push(p);
      };
      const started = Date.now();
      let stopped = tolerance !== undefined && last.klToOptimum <= tolerance;
      await show(last, stopped || steps === 0);
      while (!stopped && trainer.step < steps) {
        trainer.advance();
        const s = trainer.step;
        const end = s === steps || (tolerance !== undefined && trainer.klToOptimum() <= tolerance);
        if (end || (json && s % every === 0) || (!json && shownInTable(s))) {
          last = trainer.point();
          await show(last, end);
        }
        stopped = end;
        if (s % 64 === 0) bar?.update(s);
      }
      bar?.stop();
      if (last.step !== trainer.step) last = trainer.point();
      const seconds = (Date.now() - started) / 1000;
      if (!json) {
        const { optimum, ...rest } = setup;
        emit(
          [
            keyValues({
              ...rest,
              "optimum.kind": optimum.kind,
              "optimum.reward": optimum.reward,
              "optimum.kl": optimum.kl,
            }),
            "",
            table(
              ["step", "reward", "KL(q‖p)", "KL(q‖φ_λ)", "KL(q‖optimum)", "V(KL) − reward"],
              rows.map((p) => [p.step, p.reward, p.kl, p.klToTilt, p.klToOptimum, p.rewardGap]),
            ),
          ].join("\n"),
        );
      }
      if (flags.savePolicy !== undefined) {
        const { length, ...constants } = setup;
        const saved = savePolicy(model, trainer.outcomeLogProbs(), length, {
          ...constants,
          steps: trainer.step,
          final: last,
        });
        try {
          writeFileAtomic(flags.savePolicy, `${toJson(saved)}\n`);
        } catch (e) {
          throw writeError(e, "--save-policy", flags.savePolicy);
        }
        process.stderr.write(`bonkl: wrote ${flags.savePolicy}\n`);
      }
      process.stderr.write(
        `bonkl: ${setup.method} (${setup.gradient} gradients): ${trainer.step} steps in ${seconds.toFixed(1)} s, KL(q‖optimum) = ${last.klToOptimum.toExponential(3)} nats\n`,
      );
    });
}
