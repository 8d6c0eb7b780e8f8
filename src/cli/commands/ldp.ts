import type { Command } from "commander";
import { keyValues, table, toJson } from "../../app/output.js";
import { parseOptionalReal, parseReal, parseRealList } from "../../app/parse.js";
import { APPROACH_LENGTHS, rateApproach } from "../../app/plans/largeDeviations.js";
import { type LdpOutput, ldpOutput } from "../../app/results/ldp.js";
import { InputError } from "../../core/errors.js";
import { type LdpSummary, ldpSummary, rateGrid } from "../../core/sequence/ldp.js";
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

interface LdpCommandOptions extends Common {
  klRate: string;
  x?: string;
  grid?: string;
  t?: string;
  checkLength?: string;
  checkGrid?: string;
  plot: string[];
}

/** `bonkl ldp`: large deviations under the optimum. */
export function registerLdp(program: Command): void {
  const command = program
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
    );
  plotOption(
    command,
    "write the figure (J with finite-n points, Γ with its Rényi forms) as .svg or .png (repeat for both)",
  );
  jsonOption(command).action(async (opts: LdpCommandOptions) => {
    if (opts.x !== undefined && opts.grid !== undefined) {
      throw new InputError("--x", "give one of --x and --grid", "conflict");
    }
    checkPlotFiles(opts.plot, opts);
    const model = await loadModel(opts.model);
    const delta = parseReal(opts.klRate, "--kl-rate", true);
    const grid = {
      xs: opts.x === undefined ? undefined : parseRealList(opts.x, "--x"),
      grid: parseOptionalReal(opts.grid, "--grid"),
    };
    const ts = opts.t === undefined ? undefined : parseRealList(opts.t, "--t");
    const checkLength = parseOptionalReal(opts.checkLength, "--check-length");
    const checkGrid = parseOptionalReal(opts.checkGrid, "--check-grid");
    if (checkGrid !== undefined && checkLength === undefined) {
      throw new InputError("--check-grid", "needs --check-length", "missing");
    }
    const s = ldpSummary(model, delta, { ...grid, ts, checkLength, checkGrid });
    if (opts.plot.length > 0) {
      // The figure shows the approach to J at a few lengths: the one asked for (its check is already in
      // the summary), or 100, 1000, 10000.
      const checks = s.saturated
        ? []
        : checkLength !== undefined
          ? [{ n: checkLength, points: s.check ?? [] }]
          : rateApproach(model, delta, rateGrid(model, grid), APPROACH_LENGTHS, checkGrid);
      const [{ ldpFigure }, { ldpCurves }] = await Promise.all([
        import("../../plot/ldp.js"),
        import("../../app/ldpCurves.js"),
      ]);
      const curves = ldpCurves(model, delta, s);
      await writePlots(opts.plot, (doc) => ldpFigure(doc, s, { checks, curves }));
    }
    const out = ldpOutput(s);
    emit(opts.json ? toJson(out) : ldpText(s, out));
  });
}

/** λ*, x* and the cumulants, then the rates (with the check's column when there is one) and Γ. */
function ldpText(s: LdpSummary, out: LdpOutput): string {
  const check = new Map((s.check ?? []).map((c) => [c.x, c.minusLogTailOverN]));
  return [
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
  ].join("\n");
}
