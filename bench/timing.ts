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

/** One timed run: wall-clock and CPU (user + system) seconds. */
export interface Sample {
  readonly wall: number;
  readonly cpu: number;
}

/** Runs f once under the clocks. CPU time is this process's (process.cpuUsage: all its threads). */
export function sample<T>(f: () => T): { sample: Sample; result: T } {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const result = f();
  const wall = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  return { sample: { wall, cpu: (c.user + c.system) / 1e6 }, result };
}

/** Median and range of a list of numbers. */
export interface Spread {
  readonly median: number;
  readonly min: number;
  readonly max: number;
}

export function spread(xs: readonly number[]): Spread {
  return { median: median(xs), min: Math.min(...xs), max: Math.max(...xs) };
}

/**
 * Interleaving policy (run.ts): after one warm-up run of each side, rounds of one bonkl run then one NumPy
 * run, until at least minRounds are done and budgetSeconds are spent (both sides together), at most
 * maxRounds. Each round pairs the two sides under nearly the same machine load, so the ratio of a round
 * is steadier than the ratio of two medians taken apart.
 */
export const INTERLEAVE = { minRounds: 5, maxRounds: 15, budgetSeconds: 4 } as const;

/** The rounds of one row: each side's samples, in order, and the ratios numpy/bonkl per round. */
export interface Interleaved {
  readonly bonkl: readonly Sample[];
  readonly numpy: readonly Sample[];
}

/** Summaries of a row's rounds: each side's wall and CPU, and the per-round ratios. */
export function summarise(rounds: Interleaved) {
  const { bonkl, numpy } = rounds;
  const side = (xs: readonly Sample[]) => ({
    wall: spread(xs.map((s) => s.wall)),
    cpu: spread(xs.map((s) => s.cpu)),
  });
  const paired = numpy.length === bonkl.length && numpy.length > 0;
  return {
    rounds: bonkl.length,
    bonkl: side(bonkl),
    numpy: numpy.length > 0 ? side(numpy) : undefined,
    ratio: paired ? spread(bonkl.map((b, i) => numpy[i]!.wall / b.wall)) : undefined,
    cpuRatio: paired ? spread(bonkl.map((b, i) => numpy[i]!.cpu / b.cpu)) : undefined,
  };
}
