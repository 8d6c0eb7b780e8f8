import { existsSync, renameSync, rmSync } from "node:fs";
import { dirname } from "node:path";
import type { Command } from "commander";
import { parseReal } from "../../app/parse.js";
import { InputError, show } from "../../core/errors.js";
import { levelTiltForKl, scoreLevels } from "../../core/estimate/tiltLevels.js";
import { temporaryPathFor } from "../../node/files.js";
import {
  duckError,
  openSamples,
  quoteIdent,
  quoteString,
  readExpression,
  type SampleColumns,
  sampleFormat,
} from "../../node/samples.js";
import { checkOutputs, forceOption, mkdirOption, writeError, writeFailure } from "../shared.js";

export type SelectMethod =
  | { readonly method: "bon"; readonly n: number }
  | { readonly method: "soft"; readonly temperature: number; readonly n?: number }
  | { readonly method: "tilt"; readonly kl: number };

export interface SelectOptions {
  readonly columns: SampleColumns;
  readonly dropInvalid?: boolean;
  readonly seed: number;
}

export interface SelectSummary {
  readonly selected: number;
  /** Prompts left out: fewer than 2 valid samples, or (bon, soft with --n) fewer than N. */
  readonly skipped: number;
}

/** Uniform doubles in (0, 1) from DuckDB's 64-bit hash of (row, seed, stream): 53 bits, never 0 or 1. */
const uniform = (seed: number, stream: number) =>
  `(((hash(__row, ${seed}::UBIGINT, ${stream}) >> 11)::DOUBLE + 0.5) / 9007199254740992.0)`;
/** A standard Gumbel variable: argmax(x_i + G_i) samples i with probability ∝ e^{x_i} (Gumbel-max). */
const gumbel = (seed: number, stream: number) => `(-ln(-ln(${uniform(seed, stream)})))`;

/**
 * Writes one chosen response per prompt, with all its columns, to `out` (format from its extension,
 * by DuckDB COPY to a temporary file renamed into place). Randomness is a hash of (row number in the
 * file, seed), so the same file and seed give the same choice.
 * - bon: a uniformly random subset of N of the prompt's m responses, then the best score in it, ties
 *   broken uniformly (prompts with m < N are skipped).
 * - soft: the response i with probability ∝ e^{r_i/τ} among all m (or a random N of them).
 * - tilt: the response i with probability ∝ e^{λ r_i}, λ per prompt such that KL(φ̂_λ ‖ p̂) = Δ on the
 *   prompt's empirical law (λ = ∞ when Δ ≥ log(m/#top): uniform among the top-scoring responses).
 */
export async function selectResponses(
  file: string,
  out: string,
  method: SelectMethod,
  options: SelectOptions,
): Promise<SelectSummary> {
  const outFormat = sampleFormat(out, "--out");
  const set = await openSamples(file, { columns: options.columns, dropInvalid: options.dropInvalid });
  const tmp = temporaryPathFor(out);
  try {
    if (!existsSync(dirname(out) || "."))
      throw new InputError("--out", `no such directory ${show(dirname(out))}`);
    const { conn } = set;
    const c = set.columns;
    const seed = options.seed;
    if (method.method === "tilt") {
      await conn.run("CREATE TEMP TABLE lambdas (p VARCHAR, lam DOUBLE, sat BOOLEAN)");
      const appender = await conn.createAppender("lambdas");
      await set.forEachPrompt((p) => {
        const t = levelTiltForKl(scoreLevels(p.values, p.counts), [method.kl])[0]!;
        appender.appendVarchar(p.prompt);
        appender.appendDouble(t.saturated ? 0 : t.lambda);
        appender.appendBoolean(t.saturated);
        appender.endRow();
      });
      appender.closeSync();
    }
    const valid = `${quoteIdent(c.prompt)} IS NOT NULL AND isfinite(TRY_CAST(${quoteIdent(c.reward)} AS DOUBLE))${
      c.gold ? ` AND isfinite(TRY_CAST(${quoteIdent(c.gold)} AS DOUBLE))` : ""
    }`;
    const src = readExpression(file, set.format);
    const base = `SELECT row_number() OVER () AS __row, * FROM ${src}`;
    const keyed = `SELECT *, CAST(${quoteIdent(c.prompt)} AS VARCHAR) AS __p, TRY_CAST(${quoteIdent(c.reward)} AS DOUBLE) AS __r,
        ${uniform(seed, 1)} AS __u1, ${gumbel(seed, 2)} AS __g, count(*) OVER (PARTITION BY ${quoteIdent(c.prompt)}) AS __m
      FROM (${base}) WHERE ${valid}`;
    let pick: string;
    let minPerPrompt = 2;
    if (method.method === "bon" || (method.method === "soft" && method.n !== undefined)) {
      const n = method.n!;
      minPerPrompt = Math.max(2, n);
      const score = method.method === "bon" ? "__r" : `__r / ${method.temperature} + __g`;
      const tie = method.method === "bon" ? ", __g DESC" : "";
      pick = `SELECT * FROM (SELECT *, row_number() OVER (PARTITION BY __p ORDER BY __u1, __row) AS __k FROM (${keyed}) WHERE __m >= ${minPerPrompt})
        WHERE __k <= ${n} QUALIFY row_number() OVER (PARTITION BY __p ORDER BY ${score} DESC${tie}, __row) = 1`;
    } else if (method.method === "soft") {
      pick = `SELECT * FROM (${keyed}) WHERE __m >= 2
        QUALIFY row_number() OVER (PARTITION BY __p ORDER BY __r / ${method.temperature} + __g DESC, __row) = 1`;
    } else {
      pick = `SELECT k.* FROM (${keyed}) k JOIN lambdas l ON k.__p = l.p WHERE __m >= 2
        QUALIFY row_number() OVER (PARTITION BY __p ORDER BY
          CASE WHEN l.sat THEN __r ELSE 0 END DESC,
          CASE WHEN l.sat THEN __g ELSE l.lam * __r + __g END DESC, __row) = 1`;
    }
    const helpers = "__row, __p, __r, __u1, __g, __m" + (pick.includes("__k") ? ", __k" : "");
    const format =
      outFormat === "json" ? "FORMAT json" : outFormat === "csv" ? "FORMAT csv, HEADER" : "FORMAT parquet";
    await conn
      .run(
        `COPY (SELECT * EXCLUDE (${helpers}) FROM (${pick}) ORDER BY __p) TO ${quoteString(tmp)} (${format})`,
      )
      .catch((e: unknown) => {
        // An error that names the temporary file is the write failing (no space, no permission).
        throw String(e).includes(tmp) ? writeFailure(e, "--out", out) : e;
      });
    const r = await conn.runAndReadAll(
      `SELECT count(*) FILTER (m >= ${minPerPrompt}), count(*) FILTER (m < ${minPerPrompt})
       FROM (SELECT prompt, sum(c) AS m FROM levels GROUP BY prompt)`,
    );
    const [selected, skipped] = r.getRowsJS()[0]!.map(Number) as [number, number];
    try {
      renameSync(tmp, out);
    } catch (e) {
      throw writeError(e, "--out", out);
    }
    return { selected, skipped };
  } catch (e) {
    rmSync(tmp, { force: true });
    throw duckError(e, file);
  } finally {
    set.close();
  }
}

function positive(text: string, flag: string): number {
  const v = parseReal(text, flag);
  if (!(v > 0)) throw new InputError(flag, `expected a number > 0, got ${show(text)}`);
  return v;
}

function count(text: string, flag: string, min: number): number {
  const v = parseReal(text, flag);
  if (!Number.isInteger(v) || v < min)
    throw new InputError(flag, `expected an integer ≥ ${min}, got ${show(text)}`);
  return v;
}

export function registerSelect(program: Command): void {
  program
    .command("select")
    .description(
      "write one chosen response per prompt (best-of-N, soft best-of-N or the tilt at a KL budget)",
    )
    .requiredOption("--samples <file>", "scored responses: .jsonl, .csv or .parquet, one row per response")
    .requiredOption(
      "--out <file>",
      "output file (.jsonl, .csv or .parquet: the format follows the extension)",
    )
    .option("--method <m>", "bon | soft | tilt")
    .option(
      "--n <N>",
      "bon: a seeded uniformly random subset of N of the prompt's m responses is drawn and its best score kept " +
        "(ties uniform; prompts with m < N skipped); soft: draw from N random responses instead of all m",
    )
    .option("--temperature <τ>", "soft: choose response i with probability ∝ e^{r_i/τ}")
    .option("--kl <nats>", "tilt: per prompt, λ with KL(φ̂_λ ‖ p̂) = Δ on its samples; choose ∝ e^{λ r_i}")
    .option("--seed <S>", "seed (the choice is a hash of the row number in the file and the seed)", "1")
    .option("--prompt-col <name>", "prompt id column", "prompt")
    .option("--reward-col <name>", "selection score column", "reward")
    .option(
      "--drop-invalid",
      "leave out rows with NaN, infinite or missing values instead of refusing the file",
    )
    .addOption(forceOption())
    .addOption(mkdirOption())
    .action(async (opts: Record<string, string | boolean | undefined>) => {
      checkOutputs(opts as { force?: boolean; mkdir?: boolean }, [
        { flag: "--out", path: opts.out as string },
      ]);
      let method: SelectMethod;
      const given = (k: string) => opts[k] !== undefined;
      if (opts.method === "bon") {
        if (!given("n")) throw new InputError("--n", "--method bon needs --n N");
        method = { method: "bon", n: count(opts.n as string, "--n", 1) };
      } else if (opts.method === "soft") {
        if (!given("temperature"))
          throw new InputError("--temperature", "--method soft needs --temperature τ");
        const temperature = positive(opts.temperature as string, "--temperature");
        method = given("n")
          ? { method: "soft", temperature, n: count(opts.n as string, "--n", 1) }
          : { method: "soft", temperature };
      } else if (opts.method === "tilt") {
        if (!given("kl")) throw new InputError("--kl", "--method tilt needs --kl Δ");
        const kl = parseReal(opts.kl as string, "--kl", true);
        if (kl < 0) throw new InputError("--kl", `the KL budget must be ≥ 0 (nats), got ${show(opts.kl)}`);
        method = { method: "tilt", kl };
      } else {
        throw new InputError("--method", `expected bon, soft or tilt, got ${show(opts.method ?? "nothing")}`);
      }
      const seed = count(opts.seed as string, "--seed", 0);
      const s = await selectResponses(opts.samples as string, opts.out as string, method, {
        columns: { prompt: opts.promptCol as string, reward: opts.rewardCol as string },
        dropInvalid: opts.dropInvalid === true,
        seed,
      });
      process.stderr.write(
        `bonkl: wrote ${s.selected} response(s) to ${opts.out}` +
          (s.skipped > 0 ? `; skipped ${s.skipped} prompt(s) with too few samples` : "") +
          "\n",
      );
    });
}
