import { existsSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import type { DuckDBConnection } from "@duckdb/node-api";
import { InputError, show } from "../core/errors.js";

/**
 * Scored samples (one row per response: prompt, reward, optional gold, optional logprob) read through
 * DuckDB from JSONL, CSV or Parquet. The heavy work is SQL: validation counts, grouping the rows into
 * (prompt, score) levels with their counts and gold sums, counting prompts, and sorting by prompt and
 * score. Node then streams the sorted levels in DuckDB chunks (2048 rows) and hands over one prompt at
 * a time, so Node holds one chunk plus the current prompt's levels; DuckDB itself runs under a memory
 * limit and spills to a temporary directory, which is what lets files larger than memory through.
 */

export interface SampleColumns {
  readonly prompt: string;
  readonly reward: string;
  readonly gold?: string;
  readonly logprob?: string;
}

/** Which columns to read, whether to drop invalid rows, and DuckDB's memory limit. */
export interface SampleOptions {
  readonly columns: SampleColumns;
  /** Read a column named "gold" / "logprob" when present and no other name is given. */
  readonly autoOptional?: boolean;
  /** Leave out rows with a NaN, infinite or missing value instead of refusing the file. */
  readonly dropInvalid?: boolean;
  /** DuckDB's memory limit (default "1GB"); it spills beyond it. */
  readonly memoryLimit?: string;
}

/** Counts of an opened sample file: rows, dropped rows, prompts used and skipped. */
export interface SampleSummary {
  /** Rows in the file. */
  readonly rows: number;
  /** Rows left out by --drop-invalid. */
  readonly dropped: number;
  /** Prompts with ≥ 2 valid samples, and their samples. */
  readonly prompts: number;
  readonly samples: number;
  /** Prompts with fewer than 2 valid samples (left out), and their samples. */
  readonly skippedPrompts: number;
  readonly skippedSamples: number;
  /** Fewest and most samples of a used prompt. */
  readonly minSamples: number;
  readonly maxSamples: number;
}

/** One prompt's samples grouped by distinct score, ascending. */
export interface PromptLevels {
  readonly prompt: string;
  readonly values: Float64Array;
  readonly counts: Float64Array;
  /** Σ gold per score (when the gold column is read). */
  readonly goldSum?: Float64Array;
  /** Mean e^{logprob} per score (when the logprob column is read). */
  readonly refProb?: Float64Array;
}

/** A sample file's format: JSON lines, CSV or Parquet (sampleFormat tells it from the name). */
export type SampleFormat = "json" | "csv" | "parquet";

const FLAG_OF: Record<keyof SampleColumns, string> = {
  prompt: "--prompt-col",
  reward: "--reward-col",
  gold: "--gold-col",
  logprob: "--logprob-col",
};

export const quoteIdent = (name: string): string => `"${name.replace(/"/g, '""')}"`;
export const quoteString = (s: string): string => `'${s.replace(/'/g, "''")}'`;

/** The format from the file name: .jsonl/.ndjson/.json, .csv/.tsv (optionally .gz), .parquet/.pq. */
export function sampleFormat(file: string, field = "--samples"): SampleFormat {
  const name = file.toLowerCase().replace(/\.(gz|zst)$/, "");
  if (/\.(jsonl|ndjson|json)$/.test(name)) return "json";
  if (/\.(csv|tsv)$/.test(name)) return "csv";
  if (/\.(parquet|pq)$/.test(name)) return "parquet";
  throw new InputError(
    field,
    `cannot tell the format of ${show(file)}: expected a name ending in .jsonl, .csv or .parquet`,
  );
}

/** The DuckDB table function reading `file`; `varchar` columns are read as text (CSV only). */
export function readExpression(file: string, format: SampleFormat, varchar: readonly string[] = []): string {
  const f = quoteString(file);
  if (format === "parquet") return `read_parquet(${f})`;
  if (format === "json") return `read_json(${f}, format = 'newline_delimited')`;
  const types = varchar.map((c) => `${quoteString(c)}: 'VARCHAR'`).join(", ");
  return varchar.length > 0 ? `read_csv(${f}, types = {${types}})` : `read_csv(${f})`;
}

/** A DuckDB error as one line naming the file (DuckDB messages can span lines). */
export function duckError(e: unknown, file: string, field = "--samples"): InputError {
  if (e instanceof InputError) return e;
  const msg = (e instanceof Error ? e.message : String(e)).split("\n").find((l) => l.trim() !== "") ?? "";
  return new InputError(field, `cannot read ${show(file)}: ${msg.trim()}`);
}

export function checkFile(file: string, field = "--samples"): void {
  if (!existsSync(file)) throw new InputError(field, `no such file ${show(file)}`);
  if (statSync(file).isDirectory())
    throw new InputError(field, `${show(file)} is a directory, expected a file`);
}

/** A DuckDB instance with a memory limit and a spill directory; `close` ends it. */
export async function openDuckDb(
  memoryLimit = "1GB",
): Promise<{ conn: DuckDBConnection; close: () => void }> {
  // Loaded on first use: the native engine costs every other command start-up time.
  const { DuckDBInstance } = await import("@duckdb/node-api");
  const instance = await DuckDBInstance.create(":memory:", {
    memory_limit: memoryLimit,
    temp_directory: tmpdir(),
  });
  const conn = await instance.connect();
  return {
    conn,
    close: () => {
      conn.closeSync();
      instance.closeSync();
    },
  };
}

/** Column names of the file, checked against the ones asked for (missing → the columns present). */
export async function checkColumns(
  conn: DuckDBConnection,
  file: string,
  format: SampleFormat,
  columns: SampleColumns,
): Promise<string[]> {
  let names: string[];
  try {
    const r = await conn.runAndReadAll(`DESCRIBE SELECT * FROM ${readExpression(file, format)}`);
    names = r.getRowsJS().map((row) => String(row[0]));
  } catch (e) {
    throw duckError(e, file);
  }
  for (const key of ["prompt", "reward", "gold", "logprob"] as const) {
    const col = columns[key];
    if (col !== undefined && !names.includes(col)) {
      throw new InputError(
        FLAG_OF[key],
        `no column ${show(col)} in ${show(file)} (columns: ${names.map((n) => show(n)).join(", ")})`,
      );
    }
  }
  return names;
}

/**
 * SQL for the typed rows: prompt, r, g, lp (doubles; NULL where not numeric), the flags `bad_*`
 * (a value that is not a number at all) and `invalid` (NaN, ±∞, or missing).
 */
function typedRows(file: string, format: SampleFormat, c: SampleColumns): string {
  const numeric = [c.reward, c.gold, c.logprob].filter((x): x is string => x !== undefined);
  const src = readExpression(file, format, format === "csv" ? numeric : []);
  const num = (col: string) => `TRY_CAST(${quoteIdent(col)} AS DOUBLE)`;
  const bad = (col: string) => `(${quoteIdent(col)} IS NOT NULL AND ${num(col)} IS NULL)`;
  const invalidParts = [`${quoteIdent(c.prompt)} IS NULL`, `r IS NULL`, `NOT isfinite(r)`];
  if (c.gold) invalidParts.push("g IS NULL", "NOT isfinite(g)");
  if (c.logprob) invalidParts.push("lp IS NULL", "isnan(lp)", "lp > 0");
  return `SELECT ${quoteIdent(c.prompt)} AS prompt,
      ${num(c.reward)} AS r, ${bad(c.reward)} AS bad_r,
      ${c.gold ? num(c.gold) : "NULL::DOUBLE"} AS g, ${c.gold ? bad(c.gold) : "false"} AS bad_g,
      ${c.logprob ? num(c.logprob) : "NULL::DOUBLE"} AS lp, ${c.logprob ? bad(c.logprob) : "false"} AS bad_lp,
      (${invalidParts.join(" OR ")}) AS invalid
    FROM ${src}`;
}

/** The 1-based row (record) of the first row satisfying `condition` in file order. */
async function firstRow(conn: DuckDBConnection, condition: string): Promise<number> {
  const r = await conn.runAndReadAll(
    `SELECT min(__row) FROM (SELECT row_number() OVER () AS __row, * FROM typed) WHERE ${condition}`,
  );
  return Number(r.getRowsJS()[0]![0]);
}

/**
 * An opened sample file: validated, grouped into levels in DuckDB, counted. `forEachPrompt` streams
 * prompts with ≥ 2 valid samples in prompt order; `close` ends the DuckDB instance.
 */
export interface SampleSet {
  readonly file: string;
  readonly format: SampleFormat;
  readonly columns: SampleColumns;
  readonly summary: SampleSummary;
  readonly conn: DuckDBConnection;
  /** Calls `visit` once per prompt with ≥ 2 valid samples, in prompt order, streaming from DuckDB. */
  forEachPrompt(visit: (p: PromptLevels) => void): Promise<void>;
  /** Ends the DuckDB instance; call it when done, also after an error. */
  close(): void;
}

/**
 * Opens a scored-sample file (JSONL, CSV or Parquet) through DuckDB: checks the file and the columns,
 * validates every row (no missing, NaN or infinite value; with `dropInvalid` such rows are left out and
 * counted) and counts the prompts. Anything wrong is an InputError naming the flag, with DuckDB closed.
 */
export async function openSamples(file: string, options: SampleOptions): Promise<SampleSet> {
  checkFile(file);
  const format = sampleFormat(file);
  let columns = options.columns;
  const db = await openDuckDb(options.memoryLimit);
  try {
    const { conn } = db;
    const names = await checkColumns(conn, file, format, columns);
    if (options.autoOptional) {
      if (columns.gold === undefined && names.includes("gold")) columns = { ...columns, gold: "gold" };
      if (columns.logprob === undefined && names.includes("logprob"))
        columns = { ...columns, logprob: "logprob" };
    }
    const stats = await validate(conn, file, format, columns, options.dropInvalid === true);
    const summary = await countPrompts(conn, stats);
    return {
      file,
      format,
      columns,
      summary,
      conn,
      forEachPrompt: (visit) => streamPrompts(conn, file, columns, visit),
      close: db.close,
    };
  } catch (e) {
    db.close();
    throw duckError(e, file);
  }
}

async function validate(
  conn: DuckDBConnection,
  file: string,
  format: SampleFormat,
  columns: SampleColumns,
  dropInvalid: boolean,
): Promise<{ rows: number; dropped: number }> {
  await conn.run(`CREATE TEMP VIEW typed AS ${typedRows(file, format, columns)}`);
  // The one pass over the file: (prompt, score, flags) groups with their counts, gold sums and mean
  // e^{logprob}. Validation counts and the levels of valid rows both come from this table.
  await conn.run(
    `CREATE TEMP TABLE groups AS
       SELECT prompt, r, bad_r, bad_g, bad_lp, invalid, count(*)::DOUBLE AS c,
         ${columns.gold ? "fsum(g)" : "NULL::DOUBLE"} AS gs,
         ${columns.logprob ? "avg(exp(lp))" : "NULL::DOUBLE"} AS eps
       FROM typed GROUP BY prompt, r, bad_r, bad_g, bad_lp, invalid`,
  );
  await conn.run(
    "CREATE TEMP VIEW levels AS SELECT prompt, r, c, gs, eps FROM groups WHERE NOT (invalid OR bad_r OR bad_g OR bad_lp)",
  );
  const r = await conn.runAndReadAll(
    `SELECT sum(c), coalesce(sum(c) FILTER (bad_r), 0), coalesce(sum(c) FILTER (bad_g), 0),
       coalesce(sum(c) FILTER (bad_lp), 0),
       coalesce(sum(c) FILTER (invalid AND NOT (bad_r OR bad_g OR bad_lp)), 0) FROM groups`,
  );
  const [rows, badR, badG, badLp, invalid] = r.getRowsJS()[0]!.map(Number) as [
    number,
    number,
    number,
    number,
    number,
  ];
  const notNumber: [number, keyof SampleColumns, string][] = [
    [badR, "reward", "bad_r"],
    [badG, "gold", "bad_g"],
    [badLp, "logprob", "bad_lp"],
  ];
  for (const [count, key, flag] of notNumber) {
    if (count > 0) {
      const row = await firstRow(conn, flag);
      throw new InputError(
        FLAG_OF[key],
        `column ${show(columns[key])} has ${count} value(s) that are not numbers, the first at row ${row} of ${show(file)}`,
      );
    }
  }
  if (invalid > 0 && !dropInvalid) {
    const row = await firstRow(conn, "invalid AND NOT (bad_r OR bad_g OR bad_lp)");
    const what = [
      `prompt or ${show(columns.reward)}`,
      ...(columns.gold ? [show(columns.gold)] : []),
      ...(columns.logprob ? [`${show(columns.logprob)} (must be ≤ 0)`] : []),
    ].join(", ");
    throw new InputError(
      "--samples",
      `${invalid} row(s) have a NaN, infinite or missing value in ${what}, the first at row ${row} of ${show(file)}; pass --drop-invalid to leave them out`,
    );
  }
  return { rows, dropped: invalid };
}

/** Prompts and samples among the valid rows: used (≥ 2 samples) and skipped. */
async function countPrompts(
  conn: DuckDBConnection,
  stats: { rows: number; dropped: number },
): Promise<SampleSummary> {
  const r = await conn.runAndReadAll(
    `SELECT count(*) FILTER (m >= 2), coalesce(sum(m) FILTER (m >= 2), 0),
       count(*) FILTER (m < 2), coalesce(sum(m) FILTER (m < 2), 0),
       coalesce(min(m) FILTER (m >= 2), 0), coalesce(max(m), 0)
     FROM (SELECT prompt, sum(c) AS m FROM levels GROUP BY prompt)`,
  );
  const [prompts, samples, skippedPrompts, skippedSamples, minSamples, maxSamples] = r
    .getRowsJS()[0]!
    .map(Number) as [number, number, number, number, number, number];
  return { ...stats, prompts, samples, skippedPrompts, skippedSamples, minSamples, maxSamples };
}

/** Growable per-prompt buffers (reused across prompts; copied out on emit). */
class PromptBuffer {
  values = new Float64Array(64);
  counts = new Float64Array(64);
  gold = new Float64Array(64);
  eps = new Float64Array(64);
  size = 0;
  samples = 0;

  push(v: number, c: number, g: number, e: number): void {
    if (this.size === this.values.length) {
      const grow = (a: Float64Array) => {
        const b = new Float64Array(a.length * 2);
        b.set(a);
        return b;
      };
      this.values = grow(this.values);
      this.counts = grow(this.counts);
      this.gold = grow(this.gold);
      this.eps = grow(this.eps);
    }
    this.values[this.size] = v;
    this.counts[this.size] = c;
    this.gold[this.size] = g;
    this.eps[this.size] = e;
    this.size++;
    this.samples += c;
  }
}

async function streamPrompts(
  conn: DuckDBConnection,
  file: string,
  columns: SampleColumns,
  visit: (p: PromptLevels) => void,
): Promise<void> {
  const buf = new PromptBuffer();
  let current: string | undefined;
  let visitError: unknown;
  const emit = () => {
    if (current !== undefined && buf.samples >= 2) {
      const n = buf.size;
      call({
        prompt: current,
        values: buf.values.slice(0, n),
        counts: buf.counts.slice(0, n),
        ...(columns.gold ? { goldSum: buf.gold.slice(0, n) } : {}),
        ...(columns.logprob ? { refProb: buf.eps.slice(0, n) } : {}),
      });
    }
    buf.size = 0;
    buf.samples = 0;
  };
  // Errors from `visit` pass through untouched; only DuckDB's own become one-line input errors.
  const call = (p: PromptLevels) => {
    try {
      visit(p);
    } catch (e) {
      visitError = e;
      throw e;
    }
  };
  try {
    const result = await conn.stream(
      "SELECT CAST(prompt AS VARCHAR), r, c, gs, eps FROM levels ORDER BY prompt, r",
    );
    // The next chunk is requested before this one is processed: DuckDB fetches it on its own thread
    // while the estimates run here (at most two chunks in memory).
    let next = result.fetchChunk();
    for (;;) {
      const chunk = await next;
      if (!chunk || chunk.rowCount === 0) break;
      next = result.fetchChunk();
      const p = chunk.getColumnValues(0) as string[];
      const v = chunk.getColumnValues(1) as number[];
      const c = chunk.getColumnValues(2) as number[];
      const g = chunk.getColumnValues(3) as (number | null)[];
      const e = chunk.getColumnValues(4) as (number | null)[];
      for (let i = 0; i < p.length; i++) {
        if (p[i] !== current) {
          emit();
          current = p[i];
        }
        buf.push(v[i]!, c[i]!, g[i] ?? 0, e[i] ?? 0);
      }
    }
    emit();
  } catch (e) {
    throw e === visitError ? e : duckError(e, file);
  }
}
