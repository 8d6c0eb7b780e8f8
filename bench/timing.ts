import { performance } from "node:perf_hooks";

/** Repetition policy, shared with baseline.py (same numbers there). */
export const MIN_RUNS = 3;
export const MAX_RUNS = 15;
/** Timed runs continue until MIN_RUNS are done and their total reaches this many seconds. */
export const BUDGET_SECONDS = 2;

export interface Timing {
  /** Median wall-clock time of the timed runs, in seconds. */
  readonly seconds: number;
  readonly min: number;
  readonly max: number;
  readonly runs: number;
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : 0.5 * (s[mid - 1]! + s[mid]!);
}

/**
 * Times `run(setup())`: one untimed warm-up run (JIT compilation, page faults), then timed runs until
 * MIN_RUNS are done and BUDGET_SECONDS have been spent (at most MAX_RUNS). `setup` is not timed; it
 * gives each run fresh state (for example a model whose cached sort has not been built yet).
 * Returns the median time and the result of the last run.
 */
export function measure<S, T>(setup: () => S, run: (state: S) => T): { timing: Timing; result: T } {
  let result = run(setup());
  const times: number[] = [];
  let spent = 0;
  while (times.length < MIN_RUNS || (spent < BUDGET_SECONDS && times.length < MAX_RUNS)) {
    const state = setup();
    const t0 = performance.now();
    result = run(state);
    const dt = (performance.now() - t0) / 1000;
    times.push(dt);
    spent += dt;
  }
  return {
    timing: { seconds: median(times), min: Math.min(...times), max: Math.max(...times), runs: times.length },
    result,
  };
}
