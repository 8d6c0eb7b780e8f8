import { performance } from "node:perf_hooks";
import process from "node:process";

/** Repetition policy; run.ts hands the same numbers to baseline.py so both sides time alike. */
export const POLICY = {
  /** A warm-up run longer than this is kept as the first timed run (its JIT share is then tiny). */
  longRunSeconds: 1,
  minRuns: 3,
  maxRuns: 15,
  /** Timed runs continue until minRuns are done and this much time is spent, */
  budgetSeconds: 2,
  /** but stop (after at least one run) once this much is spent: 200-pass frontiers take seconds each. */
  capSeconds: 10,
} as const;

export interface Timing {
  /** Median wall-clock time of the timed runs, in seconds. */
  readonly seconds: number;
  /**
   * Median CPU time (user + system) of the timed runs, in seconds, where measured. On a machine shared
   * with other work the wall clock also counts the time other processes held the cores; CPU time
   * does not, so it is the steadier of the two there.
   */
  readonly cpuSeconds?: number;
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
 * Times `run(setup())` under POLICY: a warm-up run (JIT compilation, first touch of memory), then timed
 * runs. `setup` is not timed; it gives each run fresh state (for example a model whose cached sort has
 * not been built yet). Returns the median time and the result of the last run.
 */
export function measure<S, T>(setup: () => S, run: (state: S) => T): { timing: Timing; result: T } {
  const times: number[] = [];
  const cpu: number[] = [];
  const once = (): T => {
    const state = setup();
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const out = run(state);
    times.push((performance.now() - t0) / 1000);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1e6);
    return out;
  };
  let result = once();
  if (times[0]! < POLICY.longRunSeconds) {
    times.length = 0;
    cpu.length = 0;
  }
  let spent = times.reduce((a, b) => a + b, 0);
  while (
    times.length < POLICY.maxRuns &&
    spent < POLICY.capSeconds &&
    (times.length < POLICY.minRuns || spent < POLICY.budgetSeconds)
  ) {
    result = once();
    spent += times[times.length - 1]!;
  }
  return {
    timing: {
      seconds: median(times),
      cpuSeconds: median(cpu),
      min: Math.min(...times),
      max: Math.max(...times),
      runs: times.length,
    },
    result,
  };
}
