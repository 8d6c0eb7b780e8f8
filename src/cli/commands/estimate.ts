import { closeSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import type { Command } from "commander";
import { folkloreKlBound } from "../../core/bon.js";
import { InputError, show } from "../../core/errors.js";
import { LevelCurvesCache } from "../../core/estimate/curves.js";
import { MIN_TRUSTED_ESS } from "../../core/estimate/empirical.js";
import { PooledAccumulator, type PooledEstimate } from "../../core/estimate/pooled.js";
import { estimatePrompt, type PromptEstimate } from "../../core/estimate/promptEstimate.js";
import { scoreLevels } from "../../core/estimate/tiltLevels.js";
import { openSamples, type SampleColumns, type SampleSummary } from "../../node/samples.js";
import { csv, parseReal, parseRealList, table, toJson } from "../io.js";
import { checkPlotFiles, emit, writePlots } from "../shared.js";

export interface EstimateOptions {
  readonly columns: SampleColumns;
  readonly dropInvalid?: boolean;
  /** Largest N (capped at the fewest samples of a prompt, so every pooled N averages every prompt). */
  readonly nMax?: number;
  /** KL budgets for the tilt (default: 20 points up to the folklore bound at nMax). */
  readonly klGrid?: readonly number[];
  readonly bootstrap: number;
  readonly seed: number;
  readonly minEss?: number;
  readonly perPrompt?: string;
  readonly log?: (message: string) => void;
}

export interface EstimateRun {
  readonly result: PooledEstimate;
  readonly summary: SampleSummary;
  readonly columns: SampleColumns;
  readonly nMax: number;
  readonly compareN: readonly number[];
}

/** N = 1, 2, 4, 8, … up to nMax, and nMax: where best-of-N is set against the tilt. */
export function comparisonNs(nMax: number): number[] {
  const ns: number[] = [];
  for (let n = 1; n < nMax; n *= 2) ns.push(n);
  ns.push(nMax);
  return ns;
}

/** `klGrid` budgets evenly spaced on (0, log N − (N−1)/N] at N = nMax. */
export function defaultKlGrid(nMax: number, points = 20): number[] {
  const top = folkloreKlBound(Math.log(nMax));
  if (top === 0) return [0];
  return Array.from({ length: points }, (_, k) => (top * (k + 1)) / points);
}

/** Reads a samples file through DuckDB and estimates per prompt, pooled as the mean over prompts. */
export async function estimateFile(file: string, options: EstimateOptions): Promise<EstimateRun> {
  const set = await openSamples(file, {
    columns: options.columns,
    dropInvalid: options.dropInvalid,
    autoOptional: true,
  });
  try {
    const { summary, columns } = set;
    if (summary.prompts === 0) {
      throw new InputError(
        "--samples",
        `no prompt has 2 or more valid samples in ${show(file)} (${summary.skippedPrompts} prompt(s) with fewer were skipped)`,
      );
    }
    const asked = options.nMax ?? summary.minSamples;
    const nMax = Math.min(asked, summary.minSamples);
    if (asked > nMax) {
      options.log?.(
        `--n-max ${asked} capped at ${nMax}, the fewest samples of a prompt (unbiased best-of-N needs N ≤ m)`,
      );
    }
    const klGrid = options.klGrid ?? defaultKlGrid(nMax);
    const compareN = comparisonNs(nMax);
    const hasGold = columns.gold !== undefined;
    const pooled = new PooledAccumulator({
      nMax,
      klGrid,
      compareN,
      hasGold,
      bootstrap: options.bootstrap,
      seed: options.seed,
      minEss: options.minEss,
    });
    const cache = new LevelCurvesCache(nMax);
    const minEss = options.minEss ?? MIN_TRUSTED_ESS;
    const writer = options.perPrompt ? new LineWriter(options.perPrompt) : undefined;
    try {
      await set.forEachPrompt((p) => {
        const lv = scoreLevels(p.values, p.counts, p.goldSum);
        const e = estimatePrompt(lv, { nMax, klGrid, compareN, cache, refProb: p.refProb });
        pooled.add(e);
        writer?.write(perPromptLine(p.prompt, e, minEss));
      });
      writer?.commit();
    } finally {
      writer?.abort();
    }
    return { result: pooled.result(summary.skippedPrompts), summary, columns, nMax, compareN };
  } finally {
    set.close();
  }
}

function perPromptLine(prompt: string, e: PromptEstimate, minEss: number): string {
  return toJsonLine({
    prompt,
    samples: e.samples,
    bon: {
      reward: e.reward,
      ...(e.gold ? { gold: e.gold } : {}),
      kl: e.kl,
      klBeirami: e.klBeirami,
      winRate: e.winRate,
    },
    tilt: e.tilt.map((t) => ({
      lambda: t.saturated ? null : t.lambda,
      kl: t.kl,
      reward: t.reward,
      ...(e.gold ? { gold: t.gold } : {}),
      ess: t.ess,
      trusted: t.ess >= minEss,
    })),
    comparison: e.comparison,
  });
}

/** Compact JSON (one line): typed arrays as arrays, ±∞ as strings, NaN refused. */
export function toJsonLine(value: unknown): string {
  return JSON.stringify(value, (_k, v) => {
    if (ArrayBuffer.isView(v) && !(v instanceof DataView))
      return Array.from(v as unknown as ArrayLike<number>);
    if (typeof v !== "number" || Number.isFinite(v)) return v;
    if (Number.isNaN(v)) throw new Error("internal error: NaN in a result");
    return v > 0 ? "Infinity" : "-Infinity";
  });
}

/** Lines to a temporary file beside the target, renamed over it on commit (nothing half-written). */
class LineWriter {
  private readonly tmp: string;
  private fd: number | undefined;
  private pending: string[] = [];
  private size = 0;
  private done = false;

  constructor(private readonly path: string) {
    if (!/\.jsonl$/i.test(path)) {
      throw new InputError("--per-prompt", `expected a file name ending in .jsonl, got ${show(path)}`);
    }
    this.tmp = `${path}.tmp-${process.pid}`;
    try {
      this.fd = openSync(this.tmp, "w");
    } catch (e) {
      throw new InputError(
        "--per-prompt",
        `cannot write ${show(path)} (${(e as NodeJS.ErrnoException).code})`,
      );
    }
  }

  write(line: string): void {
    this.pending.push(line);
    this.size += line.length;
    if (this.size > 1 << 20) this.flush();
  }

  private flush(): void {
    if (this.pending.length > 0) writeSync(this.fd!, `${this.pending.join("\n")}\n`);
    this.pending = [];
    this.size = 0;
  }

  commit(): void {
    this.flush();
    closeSync(this.fd!);
    this.fd = undefined;
    renameSync(this.tmp, this.path);
    this.done = true;
  }

  abort(): void {
    if (this.done) return;
    if (this.fd !== undefined) closeSync(this.fd);
    rmSync(this.tmp, { force: true });
  }
}

const CSV_HEADER = [
  "section",
  "n",
  "kl",
  "lambda",
  "reward",
  "rewardLo",
  "rewardHi",
  "gold",
  "goldLo",
  "goldHi",
  "klBound",
  "klBeirami",
  "winRate",
  "ess",
  "trusted",
  "bonReward",
  "tiltReward",
  "gap",
] as const;

/** One CSV table for all three sections (a `section` column; empty cells where a field does not apply). */
export function estimateCsv(r: PooledEstimate): string {
  const row = (o: Partial<Record<(typeof CSV_HEADER)[number], unknown>>) => CSV_HEADER.map((h) => o[h]);
  return csv(CSV_HEADER, [
    ...r.bon.map((b) =>
      row({
        section: "bon",
        n: b.n,
        kl: b.kl,
        reward: b.reward,
        rewardLo: b.rewardCi?.[0],
        rewardHi: b.rewardCi?.[1],
        gold: b.gold,
        goldLo: b.goldCi?.[0],
        goldHi: b.goldCi?.[1],
        klBound: b.klBound,
        klBeirami: b.klBeirami,
        winRate: b.winRate,
      }),
    ),
    ...r.tilt.map((t) =>
      row({
        section: "tilt",
        kl: t.kl,
        lambda: t.lambda,
        reward: t.reward,
        gold: t.gold,
        ess: t.ess,
        trusted: t.trusted,
      }),
    ),
    ...r.comparison.map((c) =>
      row({ section: "comparison", kl: c.kl, bonReward: c.bonReward, tiltReward: c.tiltReward, gap: c.gap }),
    ),
  ]);
}

/** JSON for stdout: λ = ∞ is null (the project's convention). */
export function estimateJson(r: PooledEstimate): string {
  return toJson({
    ...r,
    tilt: r.tilt.map((t) => ({ ...t, lambda: Number.isFinite(t.lambda) ? t.lambda : null })),
  });
}

function estimateText(run: EstimateRun): string {
  const r = run.result;
  const ci = (c: [number, number] | null | undefined) => (c ? `[${fmt4(c[0])}, ${fmt4(c[1])}]` : "—");
  const gold = run.columns.gold !== undefined;
  return [
    `prompts ${r.prompts}, samples ${r.samples}, skipped ${r.skipped} prompt(s) with < 2 samples`,
    "",
    "best-of-N (reward: unbiased; KL: of best-of-N on the empirical law, ties included)",
    table(
      [
        "N",
        "reward",
        "95% CI",
        ...(gold ? ["gold", "95% CI"] : []),
        "KL",
        "log N−(N−1)/N",
        "Beirami",
        "win rate",
      ],
      r.bon.map((b) => [
        b.n,
        b.reward,
        ci(b.rewardCi),
        ...(gold ? [b.gold, ci(b.goldCi)] : []),
        b.kl,
        b.klBound,
        b.klBeirami,
        b.winRate,
      ]),
    ),
    "",
    "tilt of the empirical law (self-normalised weights e^{λr}); trusted: every prompt's ESS ≥ 30",
    table(
      ["KL", "λ (mean)", "reward", ...(gold ? ["gold"] : []), "ESS (mean)", "trusted"],
      r.tilt.map((t) => [
        t.kl,
        Number.isFinite(t.lambda) ? t.lambda : null,
        t.reward,
        ...(gold ? [t.gold] : []),
        t.ess,
        t.trusted,
      ]),
    ),
    "",
    "best-of-N against the tilt at equal KL (both on the empirical law)",
    table(
      ["N", "KL", "best-of-N", "tilt", "gap"],
      r.comparison.map((c, j) => [run.compareN[j], c.kl, c.bonReward, c.tiltReward, c.gap]),
    ),
  ].join("\n");
}

const fmt4 = (x: number) => String(Number(x.toPrecision(4)));

function parseCount(text: string, flag: string, min: number): number {
  const v = parseReal(text, flag);
  if (!Number.isInteger(v) || v < min)
    throw new InputError(flag, `expected an integer ≥ ${min}, got ${show(text)}`);
  return v;
}

export function registerEstimate(program: Command): void {
  program
    .command("estimate")
    .description(
      "estimate best-of-N (unbiased reward, KL with ties, win rate) and the optimal tilt from scored samples",
    )
    .requiredOption("--samples <file>", "scored responses: .jsonl, .csv or .parquet, one row per response")
    .option("--prompt-col <name>", "prompt id column", "prompt")
    .option("--reward-col <name>", "selection score column", "reward")
    .option("--gold-col <name>", "second reward to evaluate (default: a column named gold, if any)")
    .option(
      "--logprob-col <name>",
      "log-probability under the reference (default: a column named logprob, if any)",
    )
    .option(
      "--drop-invalid",
      "leave out rows with NaN, infinite or missing values instead of refusing the file",
    )
    .option("--n-max <N>", "largest N (default and cap: the fewest samples of a prompt)")
    .option(
      "--kl-grid <d1,d2,…>",
      "KL budgets for the tilt (default: 20 points up to log N − (N−1)/N at N = n-max)",
    )
    .option("--bootstrap <B>", "bootstrap replicates over prompts for the CIs (0: none)", "200")
    .option("--seed <S>", "seed of the bootstrap", "1")
    .option(
      "--min-ess <k>",
      "effective sample size below which a tilt estimate is untrusted",
      String(MIN_TRUSTED_ESS),
    )
    .option("--per-prompt <file.jsonl>", "also write every prompt's estimates, one JSON line per prompt")
    .option(
      "--plot <file>",
      "the reward–KL frontier of the estimates (.svg or .png; repeatable)",
      collect,
      [],
    )
    .option("--report <dir>", "write an HTML page with the figure and the tables")
    .option("--json", "print one JSON document on stdout")
    .option("--csv", "print one CSV table (section = bon, tilt or comparison) on stdout")
    .action(async (opts: Record<string, string | boolean | string[] | undefined>) => {
      if (opts.json && opts.csv) throw new InputError("--json", "give at most one of --json and --csv");
      checkPlotFiles(opts.plot as string[]);
      const nMax = opts.nMax === undefined ? undefined : parseCount(opts.nMax as string, "--n-max", 1);
      const klGrid =
        opts.klGrid === undefined
          ? undefined
          : parseRealList(opts.klGrid as string, "--kl-grid").map((d) => {
              if (d < 0) throw new InputError("--kl-grid", `KL budgets must be ≥ 0, got ${d}`);
              return d;
            });
      const minEss = parseReal(opts.minEss as string, "--min-ess");
      if (minEss < 0) throw new InputError("--min-ess", `expected a number ≥ 0, got ${minEss}`);
      const started = Date.now();
      const run = await estimateFile(opts.samples as string, {
        columns: {
          prompt: opts.promptCol as string,
          reward: opts.rewardCol as string,
          gold: opts.goldCol as string | undefined,
          logprob: opts.logprobCol as string | undefined,
        },
        dropInvalid: opts.dropInvalid === true,
        nMax,
        klGrid,
        bootstrap: parseCount(opts.bootstrap as string, "--bootstrap", 0),
        seed: parseCount(opts.seed as string, "--seed", 0),
        minEss,
        perPrompt: opts.perPrompt as string | undefined,
        log: (m) => process.stderr.write(`bonkl: ${m}\n`),
      });
      const s = run.summary;
      process.stderr.write(
        `bonkl: ${s.prompts} prompts, ${s.samples} samples in ${((Date.now() - started) / 1000).toFixed(1)} s` +
          (s.skippedPrompts > 0 ? `; skipped ${s.skippedPrompts} prompt(s) with < 2 samples` : "") +
          (s.dropped > 0 ? `; dropped ${s.dropped} invalid row(s)` : "") +
          "\n",
      );
      const plots = opts.plot as string[];
      if (plots.length > 0 || opts.report) {
        const { estimateFigure } = await import("../../plot/estimate.js");
        const svg = estimateFigure(run.result);
        if (plots.length > 0) await writePlots(plots, svg);
        if (opts.report) {
          const { writeEstimateReport } = await import("../../plot/estimate.js");
          writeEstimateReport(opts.report as string, run.result, svg, estimateText(run));
          process.stderr.write(`bonkl: wrote ${opts.report}/index.html\n`);
        }
      }
      if (opts.json) emit(estimateJson(run.result));
      else if (opts.csv) emit(estimateCsv(run.result));
      else emit(estimateText(run));
    });
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
