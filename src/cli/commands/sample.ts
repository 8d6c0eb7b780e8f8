import { once } from "node:events";
import { createWriteStream, mkdirSync, renameSync, rmSync } from "node:fs";
import { dirname, extname } from "node:path";
import { finished } from "node:stream/promises";
import type { Command } from "commander";
import { toJson } from "../../app/output.js";
import { parseReal } from "../../app/parse.js";
import { InputError, show } from "../../core/errors.js";
import { Rng } from "../../core/estimate/bootstrap.js";
import {
  MAX_LABELLED_LENGTH,
  type ResponseBatch,
  responseSampler,
  sampleResponses,
} from "../../core/estimate/sample.js";
import { temporaryPathFor } from "../../node/files.js";
import {
  checkOutputs,
  emit,
  forceOption,
  loadModel,
  mkdirOption,
  modelOption,
  type OutputFlags,
  writeError,
  writeFailure,
} from "../shared.js";

/**
 * `bonkl sample`: synthetic scored samples, one row per response, in the samples format that `estimate`
 * and `select` read: prompt (0 … P−1), response (the token labels joined by spaces, only for lengths up
 * to MAX_LABELLED_LENGTH), reward (S_n), logprob (log p^n of the response). Rows are prompt-major and come
 * from one seeded stream, so the same flags give the same file byte for byte.
 */

type Format = "jsonl" | "csv" | "parquet";

const FORMATS: Record<string, Format> = {
  ".jsonl": "jsonl",
  ".ndjson": "jsonl",
  ".csv": "csv",
  ".parquet": "parquet",
};

/** Rows per generated chunk: a few MB of text, so memory stays bounded whatever the row count. */
const CHUNK_ROWS = 1 << 15;

/** Largest number of rows (prompt ids and row counters stay exact integers far below 2^53). */
const MAX_ROWS = 1e12;

interface SampleOptions extends OutputFlags {
  model: string;
  length: string;
  prompts: string;
  perPrompt: string;
  seed: string;
  out: string;
  json?: boolean;
}

function formatOf(path: string): Format {
  const format = FORMATS[extname(path).toLowerCase()];
  if (!format) {
    throw new InputError(
      "--out",
      `expected a file name ending in .jsonl, .csv or .parquet, got ${show(path)}`,
    );
  }
  return format;
}

/** A whole number in [min, max] given as text; the error names the flag. */
function wholeNumber(text: string, flag: string, min: number, max: number): number {
  const v = parseReal(text, flag);
  if (!Number.isInteger(v) || v < min || v > max) {
    const range = max >= Number.MAX_SAFE_INTEGER ? `≥ ${min}` : `from ${min} to ${max.toExponential()}`;
    throw new InputError(flag, `expected a whole number ${range}, got ${show(text)}`);
  }
  return v;
}

/**
 * Labels encoded once for the text format: JSON-escaped without the quotes, or as they are for CSV with
 * a flag saying whether a response must be quoted (a label holding a comma, quote or line break).
 */
interface EncodedLabels {
  readonly text: readonly string[];
  readonly quote: boolean;
}

function encodeLabels(labels: readonly string[], format: "jsonl" | "csv"): EncodedLabels {
  if (format === "jsonl") return { text: labels.map((l) => JSON.stringify(l).slice(1, -1)), quote: true };
  return { text: labels, quote: labels.some((l) => /[",\r\n]/.test(l)) };
}

/** Text lines for one batch of rows starting at row `first`. */
function formatBatch(
  batch: ResponseBatch,
  first: number,
  perPrompt: number,
  length: number,
  format: "jsonl" | "csv",
  labels: EncodedLabels | undefined,
): string {
  const lines = new Array<string>(batch.count);
  const tokens = batch.tokens;
  for (let k = 0; k < batch.count; k++) {
    const prompt = Math.floor((first + k) / perPrompt);
    const reward = String(batch.reward[k]!);
    const logprob = String(batch.logprob[k]!);
    let response = "";
    if (labels && tokens) {
      response = labels.text[tokens[k * length]!]!;
      for (let j = 1; j < length; j++) response += ` ${labels.text[tokens[k * length + j]!]!}`;
    }
    if (format === "jsonl") {
      const r = labels ? `"response":"${response}",` : "";
      lines[k] = `{"prompt":${prompt},${r}"reward":${reward},"logprob":${logprob}}\n`;
    } else {
      const r = !labels ? "" : labels.quote ? `"${response.replace(/"/g, '""')}",` : `${response},`;
      lines[k] = `${prompt},${r}${reward},${logprob}\n`;
    }
  }
  return lines.join("");
}

/** Copies a CSV samples file into Parquet through DuckDB, with the column types fixed (no sniffing). */
async function csvToParquet(csvPath: string, parquetPath: string, labelled: boolean): Promise<void> {
  const { DuckDBInstance } = await import("@duckdb/node-api");
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  const quote = (p: string) => `'${p.replace(/'/g, "''")}'`;
  const columns = labelled
    ? "{'prompt': 'BIGINT', 'response': 'VARCHAR', 'reward': 'DOUBLE', 'logprob': 'DOUBLE'}"
    : "{'prompt': 'BIGINT', 'reward': 'DOUBLE', 'logprob': 'DOUBLE'}";
  try {
    await connection.run(
      `COPY (SELECT * FROM read_csv(${quote(csvPath)}, header = true, quote = '"', escape = '"', ` +
        `columns = ${columns})) TO ${quote(parquetPath)} (FORMAT parquet)`,
    );
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

export function registerSample(program: Command): void {
  program
    .command("sample")
    .description(
      "synthetic scored samples from a model (one row per response: prompt, response, reward, logprob), " +
        "to check estimates against exact values",
    )
    .addOption(modelOption())
    .option("--length <n>", "tokens per response; the reward is their summed reward S_n", "1")
    .requiredOption("--prompts <P>", "number of prompts (a whole number ≥ 1)")
    .requiredOption("--per-prompt <m>", "responses per prompt (a whole number ≥ 1)")
    .option("--seed <S>", "seed, a whole number in [0, 2^53): the same seed gives the same file", "1")
    .requiredOption("--out <file>", "output file: .jsonl (or .ndjson), .csv or .parquet (written atomically)")
    .option("--json", "print a summary of what was written as one JSON document on stdout")
    .addOption(forceOption())
    .addOption(mkdirOption())
    .action(async (opts: SampleOptions) => {
      const format = formatOf(opts.out);
      checkOutputs(opts, [{ flag: "--out", path: opts.out }]);
      const prompts = wholeNumber(opts.prompts, "--prompts", 1, MAX_ROWS);
      const perPrompt = wholeNumber(opts.perPrompt, "--per-prompt", 1, MAX_ROWS);
      if (prompts * perPrompt > MAX_ROWS) {
        throw new InputError("--per-prompt", `--prompts × --per-prompt must be at most ${MAX_ROWS} rows`);
      }
      const length = wholeNumber(opts.length, "--length", 1, Number.MAX_SAFE_INTEGER);
      const seed = parseReal(opts.seed, "--seed");
      if (!Number.isSafeInteger(seed) || seed < 0) {
        throw new InputError("--seed", `expected a whole number in [0, 2^53), got ${show(opts.seed)}`);
      }
      const model = await loadModel(opts.model);
      const sampler = responseSampler(model, length);
      const labelled = length <= MAX_LABELLED_LENGTH;
      const textFormat = format === "parquet" ? "csv" : format;
      const labels = labelled ? encodeLabels(model.labels, textFormat) : undefined;
      const rows = prompts * perPrompt;
      const rng = new Rng(seed);
      const header = textFormat === "csv" ? `prompt,${labelled ? "response," : ""}reward,logprob\n` : "";

      try {
        mkdirSync(dirname(opts.out), { recursive: true });
      } catch (e) {
        throw writeError(e, "--out", opts.out);
      }
      const textPath = temporaryPathFor(opts.out, format === "parquet" ? ".csv" : ".tmp");
      const parquetPath = format === "parquet" ? temporaryPathFor(opts.out, ".tmp") : undefined;
      const progress = process.stderr.isTTY ? await progressBar(rows) : undefined;
      const started = Date.now();
      // Interrupted: remove the temporary files, so nothing half-written is left behind.
      const interrupted = () => {
        rmSync(textPath, { force: true });
        if (parquetPath) rmSync(parquetPath, { force: true });
        process.exit(130);
      };
      process.once("SIGINT", interrupted);
      process.once("SIGTERM", interrupted);
      try {
        const stream = createWriteStream(textPath, { flags: "wx" });
        const failed = once(stream, "error").then(([e]) => Promise.reject(e));
        failed.catch(() => {});
        const put = async (text: string) => {
          // Backpressure: wait for the buffer to drain, so memory stays bounded for any row count.
          if (!stream.write(text)) await Promise.race([once(stream, "drain"), failed]);
        };
        if (header) await put(header);
        let batch: ResponseBatch | undefined;
        for (let first = 0; first < rows; first += CHUNK_ROWS) {
          const count = Math.min(CHUNK_ROWS, rows - first);
          batch = sampleResponses(sampler, rng, count, { tokens: labelled, into: batch });
          await put(formatBatch(batch, first, perPrompt, length, textFormat, labels));
          progress?.update(first + count);
        }
        stream.end();
        await Promise.race([finished(stream), failed]);
        if (parquetPath) {
          progress?.stop();
          await csvToParquet(textPath, parquetPath, labelled).catch((e: unknown) => {
            throw writeFailure(e, "--out", opts.out);
          });
          renameSync(parquetPath, opts.out);
          rmSync(textPath, { force: true });
        } else renameSync(textPath, opts.out);
      } catch (e) {
        rmSync(textPath, { force: true });
        if (parquetPath) rmSync(parquetPath, { force: true });
        throw writeError(e, "--out", opts.out);
      } finally {
        progress?.stop();
        process.off("SIGINT", interrupted);
        process.off("SIGTERM", interrupted);
      }
      const seconds = (Date.now() - started) / 1000;
      process.stderr.write(
        `bonkl: wrote ${rows} rows (${prompts} prompts × ${perPrompt} responses of ${length} token${length > 1 ? "s" : ""}) to ${opts.out} in ${seconds.toFixed(1)} s\n`,
      );
      if (opts.json) {
        emit(
          toJson({
            out: opts.out,
            format,
            rows,
            prompts,
            perPrompt,
            length,
            seed,
            columns: ["prompt", ...(labelled ? ["response"] : []), "reward", "logprob"],
            // The exact values an estimate from this file should find: E_p S_n = n·E_p r.
            meanReward: length * model.mean,
          }),
        );
      }
    });
}

/** A progress bar on stderr (only called when stderr is a terminal). */
async function progressBar(total: number): Promise<{ update(v: number): void; stop(): void }> {
  const { default: progress } = await import("cli-progress");
  const bar = new progress.SingleBar(
    {
      stream: process.stderr,
      format: "bonkl sample [{bar}] {percentage}% | {value}/{total} rows | eta {eta}s",
    },
    progress.Presets.shades_classic,
  );
  bar.start(total, 0);
  let stopped = false;
  return {
    update: (v) => bar.update(v),
    stop: () => {
      if (!stopped) bar.stop();
      stopped = true;
    },
  };
}
