import { ldpCurves } from "../app/ldpCurves.js";
import { parseSweep } from "../app/parse.js";
import { bonSummary } from "../app/results/bon.js";
import { frontierSummary } from "../app/results/frontier.js";
import { sequenceSummary } from "../app/results/sequence.js";
import { softBonSummary } from "../app/results/softBon.js";
import { tiltSummary } from "../app/results/tilt.js";
import { defaultTemperatures, type SoftBonPoint, softBonCurve } from "../core/frontier.js";
import { levelsOf } from "../core/levels.js";
import type { Model } from "../core/model.js";
import { optimum } from "../core/optimum.js";
import { type LdpSummary, ldpSummary, rateGrid } from "../core/sequence/ldp.js";
import type {
  Bon,
  ModelInfo,
  OutcomeRow,
  Params,
  Reply,
  Sequence,
  SoftBon,
  Tilt,
  WithDistribution,
} from "./protocol.js";

/**
 * The page's numbers, from the same core functions and with the same arguments as the CLI's `--json`
 * output (`bonkl tilt --kl Δ`, `bon --n N`, `soft-bon --n N --temperature τ`, `sequence --length n
 * --kl-rate Δ`, `frontier --soft-n N`, `ldp --kl-rate Δ`), so both print the same values.
 * Results are cached per model and argument: moving one control recomputes only what depends on it.
 */

/** Outcomes shown in the distributions panel: the most probable under any of the four laws. */
export const TOP_OUTCOMES = 20;
/** Soft best-of-N temperatures and rate-function points computed between two pauses. */
const CHUNK = 7;
/** Lengths of the convergence sweep: about this many, log-spaced from 1, plus the chosen length. */
const SWEEP_POINTS = 13;

/** Results kept per model (a distribution over 74,286 words is a few megabytes). */
const CACHE_ENTRIES = 24;

interface Cache {
  readonly results: Map<string, unknown>;
}

const caches = new WeakMap<Model, Cache>();

function cached<T>(model: Model, key: string, make: () => T): T {
  let cache = caches.get(model);
  if (!cache) {
    cache = { results: new Map() };
    caches.set(model, cache);
  }
  const results = cache.results;
  const hit = results.has(key);
  const value = hit ? (results.get(key) as T) : make();
  // Least recently used first out: a dragged slider must not keep every distribution it passed.
  results.delete(key);
  results.set(key, value);
  if (results.size > CACHE_ENTRIES) results.delete(results.keys().next().value!);
  return value;
}

export function modelInfo(model: Model): ModelInfo {
  return {
    outcomes: model.allRewards.length,
    support: model.size,
    levels: levelsOf(model).count,
    klMax: model.klMax,
    rewardMin: model.rMin,
    rewardMax: model.rMax,
    mean: model.mean,
    variance: model.variance,
  };
}

/** Sequence lengths for the convergence panel: log-spaced up to ten times the chosen n (≥ 10⁴, ≤ 10⁶). */
export function sweepLengths(length: number): number[] {
  const top = Math.min(1e6, Math.max(1e4, 10 * length));
  return [...new Set([...parseSweep(`log:1:${top}:${SWEEP_POINTS}`), length])].sort((a, b) => a - b);
}

type Full<F extends (...args: never[]) => unknown> = WithDistribution<ReturnType<F>>;

/** Milliseconds between calls, per named phase. */
function stopwatch() {
  const started = performance.now();
  let last = started;
  const phases: Record<string, number> = {};
  return {
    phases,
    lap(name: string) {
      const now = performance.now();
      phases[name] = now - last;
      last = now;
    },
    total: () => performance.now() - started,
  };
}

/**
 * The page runs two workers so that the frontier never waits behind the long computations: the fast
 * part (the frontier and the one-token numbers) and the slow part (sequences, the distributions over
 * outcomes, the soft best-of-N curve, the rate function). Each posts every result as soon as it exists;
 * `proceed` yields to the worker's event loop and says whether this request is still the latest.
 */
export function computeFast(id: number, model: Model, params: Params, post: (reply: Reply) => void): void {
  const clock = stopwatch();
  const { kl, n, temperature } = params;
  // `bonkl tilt --kl Δ`: λ* solved once, for the numbers table and the frontier's ring at Δ alike.
  const tilt = cached(model, `tilt ${kl}`, () => tiltSummary(model, { kl }) as Tilt);
  const bon = cached(model, `bon ${n}`, () => bonSummary(model, { n }) as Bon);
  const softBon = cached(
    model,
    `soft ${n} ${temperature}`,
    () => softBonSummary(model, { n, temperature }) as SoftBon,
  );
  const frontier = cached(model, "frontier", () => frontierSummary(model));
  post({ id, kind: "frontier", frontier, optimum: { kl: tilt.kl, reward: tilt.reward }, bon, softBon });
  clock.lap("frontier");
  post({ id, kind: "tilt", tilt });
  clock.lap("tilt");
  post({ id, kind: "done", part: "fast", ms: clock.total(), phases: clock.phases });
}

export async function computeSlow(
  id: number,
  model: Model,
  params: Params,
  post: (reply: Reply) => void,
  proceed: () => Promise<boolean>,
): Promise<void> {
  const clock = stopwatch();
  const { kl, length, n, temperature } = params;
  const sequence = cached(model, `sequence ${length} ${kl}`, () => sequenceSummary(model, length, kl));
  post({ id, kind: "sequence", sequence });
  clock.lap("sequence");
  if (!(await proceed())) return;

  let top = peek<OutcomeRow[]>(model, `top ${kl} ${n} ${temperature}`);
  if (!top) {
    // With a pause between the three laws: each is a pass over every outcome.
    const phi = tiltSummary(model, { kl }, true) as Full<typeof tiltSummary>;
    if (!(await proceed())) return;
    const pi = bonSummary(model, { n }, true) as Full<typeof bonSummary>;
    if (!(await proceed())) return;
    const soft = softBonSummary(model, { n, temperature }, true) as Full<typeof softBonSummary>;
    if (!(await proceed())) return;
    const rows = topOutcomes(model, phi, pi, soft);
    top = cached(model, `top ${kl} ${n} ${temperature}`, () => rows);
  }
  post({ id, kind: "outcomes", top });
  clock.lap("distributions");

  let curve = peek<SoftBonPoint[]>(model, `soft-curve ${n}`);
  if (!curve) {
    // The points of `frontierSummary(model, { softN: [n] })` (`bonkl frontier --soft-n N`), a few
    // temperatures at a time, so that a newer request need not wait for the whole curve.
    const temperatures = defaultTemperatures(model);
    const points: SoftBonPoint[] = [];
    for (let i = 0; i < temperatures.length; i += CHUNK) {
      points.push(...softBonCurve(model, n, temperatures.slice(i, i + CHUNK)));
      if (!(await proceed())) return;
    }
    curve = cached(model, `soft-curve ${n}`, () => points);
  }
  post({ id, kind: "softCurve", n, points: curve });
  clock.lap("softCurve");

  const runs: Sequence[] = [];
  for (const len of sweepLengths(length)) {
    if (!(await proceed())) return;
    runs.push(cached(model, `sequence ${len} ${kl}`, () => sequenceSummary(model, len, kl)));
  }
  post({ id, kind: "convergence", runs });
  clock.lap("convergence");

  const ldp = peek<LdpSummary>(model, `ldp ${kl}`) ?? (await ldpTable(model, kl, proceed));
  if (!ldp) return;
  cached(model, `ldp ${kl}`, () => ldp);
  const curves = cached(model, `ldp curves ${kl}`, () => ldpCurves(model, kl, ldp));
  post({ id, kind: "rate", ldp, curves });
  clock.lap("rate");
  post({ id, kind: "done", part: "slow", ms: clock.total(), phases: clock.phases });
}

/**
 * `ldpSummary(model, Δ)` (`bonkl ldp --kl-rate Δ`), its rate grid evaluated a few points at a time on the
 * one solved optimum (core/optimum.ts), so that a newer request need not wait: each point is evaluated on
 * its own, so the pieces are the same numbers. Undefined when superseded.
 */
async function ldpTable(
  model: Model,
  kl: number,
  proceed: () => Promise<boolean>,
): Promise<LdpSummary | undefined> {
  const xs = rateGrid(model);
  const first = ldpSummary(model, kl, { xs: xs.slice(0, CHUNK) });
  const opt = optimum(model, kl, "klRate");
  const rate = [...first.rate];
  for (let i = CHUNK; i < xs.length; i += CHUNK) {
    if (!(await proceed())) return undefined;
    for (const x of xs.slice(i, i + CHUNK)) rate.push(opt.rate(x));
  }
  return { ...first, rate };
}

function peek<T>(model: Model, key: string): T | undefined {
  return caches.get(model)?.results.get(key) as T | undefined;
}

type Distribution<K extends string> = {
  distribution: ({ outcome: string; p: number } & Record<K, number>)[];
};

/** The outcomes most probable under any of p, φ_Δ, π_N and the soft π, most probable first. */
export function topOutcomes(
  model: Model,
  tilt: Distribution<"phi">,
  bon: Distribution<"pi">,
  soft: Distribution<"pi">,
  count = TOP_OUTCOMES,
): OutcomeRow[] {
  const rows = tilt.distribution.map((d, i) => ({
    outcome: d.outcome,
    reward: model.allRewards[i]!,
    p: d.p,
    phi: d.phi,
    pi: bon.distribution[i]!.pi,
    piSoft: soft.distribution[i]!.pi,
  }));
  const weight = (r: OutcomeRow) => Math.max(r.p, r.phi, r.pi, r.piSoft);
  // A partial selection would be faster, but a sort of 10⁵ rows is a few milliseconds.
  return rows.sort((a, b) => weight(b) - weight(a)).slice(0, count);
}
