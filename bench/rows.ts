/**
 * What a part of the benchmark gives run.ts: rows that run.ts times with NumPy interleaved (A B A B),
 * or a section that times itself. A provider writes its data, names the NumPy modules (bench/<name>.py,
 * served by bench/serve.py) its rows use, and returns its rows; run.ts does the timing, the tables, the
 * JSON and the agreement report. Add a provider to PROVIDERS in run.ts.
 */
import type { Json, NumpyServer } from "./python.js";
import type { Sample } from "./timing.js";

export interface Context {
  /** A temporary directory for data files, removed after the run. */
  readonly dir: string;
  readonly log: (msg: string) => void;
  readonly size: number;
  readonly seed: number;
  /** --legacy: also the previous baselines, in a table of their own. */
  readonly legacy: boolean;
}

/** An agreement check between the two sides' results. */
export interface Check {
  readonly what: string;
  readonly bonkl: number;
  readonly numpy: number;
  /** |a − b| / max(|a|, |b|, floor). */
  readonly relError: number;
  readonly tolerance: number;
  readonly ok: boolean;
}

/**
 * Relative difference, with a floor on the denominator for quantities that are 0 in exact arithmetic
 * (KL at λ = 0, a reward that crosses 0): there the floor turns the test into an absolute one.
 */
export function check(what: string, bonkl: number, numpy: number, floor: number, tolerance: number): Check {
  const relError =
    bonkl === numpy ? 0 : Math.abs(bonkl - numpy) / Math.max(Math.abs(bonkl), Math.abs(numpy), floor);
  return { what, bonkl, numpy, relError, tolerance, ok: relError <= tolerance };
}

export interface Row<S = unknown, B = unknown> {
  /** The table the row belongs to (rows of one section print together). */
  readonly section: string;
  readonly label: string;
  /** Fresh state for a bonkl run (untimed): a new model, so that nothing cached carries over. */
  readonly setup: () => S;
  /** The timed bonkl run (in this process; CPU time is this process's, all threads). */
  readonly run: (state: S) => B;
  /**
   * Optional: a run that times itself (for work outside this process, such as starting a CLI, whose CPU
   * time is the child's). Used instead of timing `run`.
   */
  readonly timed?: (state: S) => { sample: Sample; result: B };
  /** The NumPy task of the row, if it has one: bench/<module>.py's TASKS[task](state, args). */
  readonly numpy?: { readonly module: string; readonly task: string; readonly args: object };
  /** Agreement checks from the last run of each side (the server is there for untimed extra values). */
  readonly check?: (bonkl: B, numpy: Json | undefined, server: NumpyServer | undefined) => Promise<Check[]>;
  /** Extra values shown beside the row (passes, evaluations, …), from the last runs. */
  readonly note?: (bonkl: B, numpy: Json | undefined) => string;
}

/** A section that times itself (not interleaved): printed as it is, its checks added to the report. */
export interface Batch {
  readonly text: string;
  readonly json: unknown;
  readonly checks: readonly Check[];
}

export interface Provider {
  readonly name: string;
  /** NumPy modules to load (after prepare has written the data). */
  readonly modules: readonly string[];
  /** Writes the data into ctx.dir; returns the rows (timed by run.ts) and any header lines. */
  readonly prepare: (ctx: Context) => { rows: Row[]; header?: string[] };
  /** Optional: a self-timed section, run after every interleaved row. */
  readonly batch?: (ctx: Context) => Promise<Batch>;
}

/** A plain-text table: first column left-aligned, the others right-aligned. */
export function formatTable(head: readonly string[], body: readonly (readonly string[])[]): string {
  const widths = head.map((h, j) => Math.max(h.length, ...body.map((b) => b[j]!.length)));
  const line = (cells: readonly string[]) =>
    cells.map((c, j) => (j === 0 ? c.padEnd(widths[j]!) : c.padStart(widths[j]!))).join("  ");
  return [line(head), widths.map((w) => "-".repeat(w)).join("  "), ...body.map(line)].join("\n");
}

/** A row with its own state and result types, for a list of rows of different types. */
export function defineRow<S, B>(row: Row<S, B>): Row {
  return row as unknown as Row;
}
