#!/usr/bin/env node
import { Command, CommanderError } from "commander";
import {
  bonSummary,
  frontierSummary,
  gapSummary,
  parseSweep,
  sequenceSummary,
  softBonSummary,
  tailSummary,
  tiltSummary,
} from "../app/summaries.js";
import { InputError } from "../core/errors.js";
import { ldpSummary } from "../core/sequence/ldp.js";
import { registerEstimate } from "./commands/estimate.js";
import { registerReport } from "./commands/report.js";
import { registerSample } from "./commands/sample.js";
import { registerSelect } from "./commands/select.js";
import { registerServe } from "./commands/serve.js";
import { registerTrain } from "./commands/train.js";
import {
  csv,
  keyValues,
  loadModel,
  parseReal,
  parseRealList,
  readJsonArgument,
  table,
  toJson,
} from "./io.js";
import {
  type Common,
  checkPlotFiles,
  emit,
  exactlyOne,
  FLAG,
  fail,
  modelOption,
  prefixed,
  printResult,
  writePlots,
} from "./shared.js";
import { VERSION } from "./version.js";

const program = new Command();
program
  .name("bonkl")
  .description("Exact KL-constrained alignment, best-of-N and soft best-of-N (all quantities in nats)")
  .version(VERSION, "-V, --version", "print the version")
  .showHelpAfterError(false)
  .exitOverride()
  .configureOutput({ writeErr: () => {} });

program
  .command("tilt")
  .description("the KL-constrained optimum φ_λ ∝ p e^{λ r}: for a KL budget, a λ, or β = 1/λ")
  .addOption(modelOption())
  .option("--kl <nats>", "KL budget Δ ≥ 0 (saturates at log 1/p*)")
  .option("--lambda <λ>", "inverse temperature λ ≥ 0 (inf: the saturated limit)")
  .option("--beta <β>", "KL penalty β = 1/λ > 0")
  .option("--dist", "include the distribution over outcomes")
  .option("--json", "print one JSON document on stdout")
  .action((opts: Common & { kl?: string; lambda?: string; beta?: string }) => {
    const model = loadModel(opts.model);
    exactlyOne(opts, ["kl", "lambda", "beta"]);
    const spec =
      opts.kl !== undefined
        ? { kl: parseReal(opts.kl, "--kl", true) }
        : opts.lambda !== undefined
          ? { lambda: parseReal(opts.lambda, "--lambda", true) }
          : { beta: parseReal(opts.beta!, "--beta", true) };
    printResult(opts, tiltSummary(model, spec, opts.dist), "phi");
  });

program
  .command("bon")
  .description("best-of-N: the exact law, reward, KL (ties included), folklore bound and win rate")
  .addOption(modelOption())
  .option("--n <N>", "N ≥ 1 (real)")
  .option("--log-n <logN>", "log N ≥ 0, for N beyond a double (up to 1e6 and more)")
  .option("--dist", "include the distribution over outcomes")
  .option("--json", "print one JSON document on stdout")
  .action((opts: Common & { n?: string; logN?: string }) => {
    const model = loadModel(opts.model);
    exactlyOne(opts, ["n", "logN"]);
    const spec =
      opts.n !== undefined
        ? { n: parseReal(opts.n, "--n", true) }
        : { logN: parseReal(opts.logN!, "--log-n", true) };
    printResult(opts, bonSummary(model, spec, opts.dist), "pi");
  });

program
  .command("soft-bon")
  .description("soft best-of-N at temperature τ: the exact law through a one-dimensional integral")
  .addOption(modelOption())
  .option("--n <N>", "N ≥ 1 (real)")
  .option("--log-n <logN>", "log N ≥ 0")
  .requiredOption("--temperature <τ>", "temperature τ > 0 (inf: no selection)")
  .option("--dist", "include the distribution over outcomes")
  .option("--json", "print one JSON document on stdout")
  .action((opts: Common & { n?: string; logN?: string; temperature: string }) => {
    const model = loadModel(opts.model);
    exactlyOne(opts, ["n", "logN"]);
    const temperature = parseReal(opts.temperature, "--temperature", true);
    const spec =
      opts.n !== undefined
        ? { n: parseReal(opts.n, "--n", true), temperature }
        : { logN: parseReal(opts.logN!, "--log-n", true), temperature };
    printResult(opts, softBonSummary(model, spec, opts.dist), "pi");
  });

program
  .command("gap")
  .description(
    "a policy q against the optimum at the same KL: reward gap and KL(q‖φ), directly and by the identity",
  )
  .addOption(modelOption())
  .requiredOption("--policy <q>", "probabilities in the model's outcome order: a JSON array or a file")
  .option("--json", "print one JSON document on stdout")
  .action((opts: Common & { policy: string }) => {
    const model = loadModel(opts.model);
    const q = readJsonArgument(opts.policy, "--policy", "a JSON array of probabilities");
    printResult(opts, gapSummary(model, q));
  });

program
  .command("frontier")
  .description("the optimal reward–KL curve, best-of-N at its exact KL, and where the folklore bound puts it")
  .addOption(modelOption())
  .option("--points <K>", "points on the optimal curve", "100")
  .option("--max-log-n <X>", "largest log N for the best-of-N points (default 64 log 2; stops at saturation)")
  .option("--soft-n <N,…>", "add soft best-of-N curves over temperature for these N")
  .option("--csv", "print CSV (series,kl,reward,lambda,n,logN,klBound) on stdout")
  .option(
    "--plot <file>",
    "write the figure as .svg or .png (repeat for both)",
    (v, acc: string[]) => [...acc, v],
    [],
  )
  .option("--json", "print one JSON document on stdout")
  .action(
    async (
      opts: Common & { points: string; maxLogN?: string; softN?: string; csv?: boolean; plot: string[] },
    ) => {
      if (opts.json && opts.csv) throw new InputError("--csv", "choose one of --json and --csv");
      checkPlotFiles(opts.plot);
      const model = loadModel(opts.model);
      const points = parseReal(opts.points, "--points");
      const maxLogN = opts.maxLogN === undefined ? undefined : parseReal(opts.maxLogN, "--max-log-n");
      const softN = opts.softN === undefined ? undefined : parseRealList(opts.softN, "--soft-n");
      const result = frontierSummary(model, { points, maxLogN, softN });
      if (opts.plot.length > 0) {
        const { frontierFigure } = await import("../plot/frontier.js");
        await writePlots(opts.plot, frontierFigure(result));
      }
      if (opts.json) return emit(toJson(result));
      if (opts.csv) {
        const rows: unknown[][] = [
          ...result.optimal.map((p) => ["optimal", p.kl, p.reward, p.lambda, null, null, null]),
          ...result.bon.map((b) => ["bon", b.kl, b.reward, null, b.n, b.logN, b.klBound]),
          ...(result.softBon ?? []).map((s) => ["soft-bon", s.kl, s.reward, null, s.n, null, null]),
        ];
        return emit(csv(["series", "kl", "reward", "lambda", "n", "logN", "klBound"], rows));
      }
      emit(
        [
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
        ].join("\n"),
      );
    },
  );

program
  .command("tail")
  .description("the law of the summed reward S_n of n iid tokens at one point: pmf and both tails, in logs")
  .addOption(modelOption())
  .requiredOption("--length <n>", "sequence length n (a whole number ≥ 1)")
  .requiredOption("--at <s>", "the value s of S_n")
  .option(
    "--grid <h>",
    "quantise the rewards to step h first: the exact law of the quantised sum, and brackets on the true tails",
  )
  .option("--json", "print one JSON document on stdout")
  .action((opts: Common & { length: string; at: string; grid?: string }) => {
    const model = loadModel(opts.model);
    const n = parseReal(opts.length, "--length");
    const grid = opts.grid === undefined ? undefined : parseReal(opts.grid, "--grid");
    printResult(opts, tailSummary(model, n, parseReal(opts.at, "--at"), grid));
  });

program
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
  .option(
    "--plot <file>",
    "with --sweep: write the convergence figure as .svg or .png (repeat for both)",
    (v, acc: string[]) => [...acc, v],
    [],
  )
  .option("--json", "print one JSON document on stdout")
  .action(
    async (
      opts: Common & {
        length?: string;
        sweep?: string;
        klRate: string;
        logN?: string;
        grid?: string;
        plot: string[];
      },
    ) => {
      checkPlotFiles(opts.plot);
      exactlyOne(opts, ["length", "sweep"]);
      const model = loadModel(opts.model);
      const klRate = parseReal(opts.klRate, "--kl-rate", true);
      const logN = opts.logN === undefined ? undefined : parseReal(opts.logN, "--log-n", true);
      const grid = opts.grid === undefined ? undefined : parseReal(opts.grid, "--grid");
      if (opts.length !== undefined) {
        if (opts.plot.length > 0) throw new InputError("--plot", "the convergence figure needs --sweep");
        const r = sequenceSummary(model, parseReal(opts.length, "--length"), klRate, logN, grid);
        if (opts.json) return emit(toJson(r));
        const { optimal, bon, ...top } = r;
        return emit(keyValues({ ...top, ...prefixed("optimal.", optimal), ...prefixed("bon.", bon) }));
      }
      const ns = parseSweep(opts.sweep!, "--sweep");
      // A bar on stderr when it is a terminal; nothing otherwise (logs and pipes stay clean).
      const bar = process.stderr.isTTY
        ? new (await import("cli-progress")).SingleBar({
            stream: process.stderr,
            format: "bonkl sequence [{bar}] {value}/{total} n = {n}",
            barsize: 24,
            hideCursor: true,
            clearOnComplete: true,
          })
        : undefined;
      bar?.start(ns.length, 0, { n: ns[0] });
      const runs = ns.map((n, i) => {
        bar?.update(i, { n });
        return sequenceSummary(model, n, klRate, logN, grid);
      });
      bar?.update(ns.length, { n: ns[ns.length - 1] });
      bar?.stop();
      if (opts.plot.length > 0) {
        const { sequenceFigure } = await import("../plot/sequence.js");
        await writePlots(
          opts.plot,
          sequenceFigure(
            runs.map((r) => ({ ...r, lambda: r.lambda ?? Number.POSITIVE_INFINITY, method: "" })),
          ),
        );
      }
      if (opts.json) return emit(toJson(runs));
      emit(
        table(
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
        ),
      );
    },
  );

program
  .command("ldp")
  .description(
    "large deviations under the optimum: the rate function J_Δ, the SCGF with its Rényi forms, cumulants",
  )
  .addOption(modelOption())
  .requiredOption("--kl-rate <Δ>", "per-token KL budget Δ (nats)")
  .option("--x <x1,…>", "reward values for the rate function")
  .option("--grid <K>", "K evenly spaced reward values over [r_min, r_max] (default 41)")
  .option("--t <t1,…>", "arguments of the scaled cumulant generating function Γ(t)")
  .option("--check-length <n>", "add −(1/n) log P_φ(S_n ≥ n x) from the exact law, for x above x*")
  .option(
    "--check-grid <h>",
    "with --check-length: quantise the rewards to step h first (default: non-lattice rewards only, automatic h)",
  )
  .option(
    "--plot <file>",
    "write the figure (J with finite-n points, Γ with its Rényi forms) as .svg or .png (repeat for both)",
    (v, acc: string[]) => [...acc, v],
    [],
  )
  .option("--json", "print one JSON document on stdout")
  .action(
    async (
      opts: Common & {
        klRate: string;
        x?: string;
        grid?: string;
        t?: string;
        checkLength?: string;
        checkGrid?: string;
        plot: string[];
      },
    ) => {
      if (opts.x !== undefined && opts.grid !== undefined) {
        throw new InputError("--x", "give one of --x and --grid");
      }
      checkPlotFiles(opts.plot);
      const model = loadModel(opts.model);
      const delta = parseReal(opts.klRate, "--kl-rate", true);
      const options = {
        xs: opts.x === undefined ? undefined : parseRealList(opts.x, "--x"),
        grid: opts.grid === undefined ? undefined : parseReal(opts.grid, "--grid"),
        ts: opts.t === undefined ? undefined : parseRealList(opts.t, "--t"),
      };
      const checkLength =
        opts.checkLength === undefined ? undefined : parseReal(opts.checkLength, "--check-length");
      const checkGrid = opts.checkGrid === undefined ? undefined : parseReal(opts.checkGrid, "--check-grid");
      if (checkGrid !== undefined && checkLength === undefined) {
        throw new InputError("--check-grid", "needs --check-length");
      }
      const s = ldpSummary(model, delta, { ...options, checkLength, checkGrid });
      if (opts.plot.length > 0) {
        // The figure shows the approach to J at a few lengths: the one asked for, or 100, 1000, 10000.
        const lengths = checkLength === undefined ? [100, 1000, 10000] : [checkLength];
        const checks = s.saturated
          ? []
          : lengths.map((n) => ({
              n,
              points: ldpSummary(model, delta, { ...options, checkLength: n, checkGrid }).check ?? [],
            }));
        const { ldpFigure } = await import("../plot/ldp.js");
        await writePlots(opts.plot, ldpFigure(s, checks));
      }
      const out = {
        lambda: s.saturated ? null : s.lambda,
        xStar: s.xStar,
        rate: s.rate,
        scgf: s.scgf,
        cumulants: s.cumulants,
        ...(s.check ? { check: s.check, checkMethod: s.checkMethod, checkGrid: s.checkGrid } : {}),
      };
      if (opts.json) return emit(toJson(out));
      const check = new Map((s.check ?? []).map((c) => [c.x, c.minusLogTailOverN]));
      emit(
        [
          keyValues({ lambda: out.lambda, xStar: out.xStar, cumulants: out.cumulants }),
          "",
          table(
            ["x", "J_Δ(x)", "I_p(x)", ...(s.check ? ["−log P(S≥nx)/n"] : [])],
            s.rate.map((r) => [r.x, r.J, r.Ip, ...(s.check ? [check.get(r.x) ?? null] : [])]),
          ),
          "",
          table(
            ["t", "Γ(t)", "Rényi cross-entropy form", "Rényi divergence form"],
            s.scgf.map((g) => [g.t, g.value, g.renyiCrossEntropyForm, g.renyiDivergenceForm]),
          ),
        ].join("\n"),
      );
    },
  );

registerReport(program);
registerServe(program);
registerEstimate(program);
registerSelect(program);
registerSample(program);
registerTrain(program);

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
  if (e instanceof InputError) {
    const field = FLAG[e.field] ?? e.field;
    fail(`${field}: ${e.detail}`);
  }
  const msg = e instanceof Error ? e.message : String(e);
  process.stderr.write(`bonkl: internal error: ${msg} (please report it with the command line)\n`);
  if (process.env.BONKL_DEBUG) process.stderr.write(`${(e as Error).stack}\n`);
  process.exit(1);
}
