/**
 * The single-step rows of `npm run bench`: the tilt solve, the 200-point optimal frontier and best-of-N
 * on one seeded model (bench/data.ts), against bench/baseline.py, and the limits of the tilt: one exp
 * pass over the outcomes, the cost every evaluation of the tilt must pay. See docs/speed.md.
 */
import path from "node:path";
import { bestOfN } from "../src/core/bon.js";
import { optimalFrontier } from "../src/core/frontier.js";
import { type Model, modelFromLogWeights } from "../src/core/model.js";
import { expFast } from "../src/core/numerics/fastExp.js";
import { lambdaForKl, tiltAt } from "../src/core/tilt.js";
import { generate, writeFloat64LE } from "./data.js";
import { type Json, num } from "./python.js";
import { type Check, type Context, check, defineRow, type Provider, type Row } from "./rows.js";

/** Agreement asked of the NumPy results, relative (with floors, see check). */
const TOLERANCE = 1e-8;
const FRONTIER_POINTS = 200;
/** Budgets in the sweep row. */
const SWEEP = 9;
/**
 * log N for the best-of-N rows. N = e^10000 is far past saturation on this model (all mass on r_max):
 * every level but the top one is settled. N = e^10 spreads π_N over the top few percent of the levels.
 */
const LOG_NS = [1e4, 10];
/** A further N = 2^10 for the agreement check only (untimed). */
const CHECK_LOG_N = 10 * Math.LN2;
/** Frontier points whose KL and reward are checked against NumPy (every FRONTIER_CHECK_STRIDE-th). */
const FRONTIER_CHECK_STRIDE = 10;

const SINGLE = "single step";
const LIMITS = "the tilt against its unavoidable work (one exp pass over the outcomes)";
const LEGACY = "the previous NumPy baselines (fresh arrays, brentq, np.unique): not the headline";

/** The bare minimum of one evaluation of the tilt: Σ p e^{λ(r − c)} (bench only, not the library's). */
function expPass(model: Model, lambda: number): number {
  const { p, r } = model;
  const c = model.mean;
  let s = 0;
  for (let i = 0; i < p.length; i++) s += p[i]! * expFast(lambda * (r[i]! - c));
  return s;
}

interface Solve {
  readonly lambda: number;
  readonly reward: number;
  readonly kl: number;
  readonly passes: number;
}

export const singleStep: Provider = {
  name: "single step",
  modules: ["baseline"],
  prepare(ctx: Context) {
    ctx.log(`generating ${ctx.size} outcomes (seed ${ctx.seed})`);
    const { p, r } = generate(ctx.size, ctx.seed);
    writeFloat64LE(path.join(ctx.dir, "p.f64"), p);
    writeFloat64LE(path.join(ctx.dir, "r.f64"), r);
    const logw = p.map(Math.log);
    // No labels, as on the NumPy side: a model's labels are only made when read, and nothing here
    // reads them (10^6 live label strings would add garbage-collection work to the CPU column).
    const build = (): Model => modelFromLogWeights(logw, r);
    const model = build();
    const klFloor = 1e-6;
    const rewardFloor = 1e-6 * (model.rMax - model.rMin);
    const deltas = [0.5 * model.klMax, 1].filter((d) => d < model.klMax);
    const deltaLabel = (d: number) => (d === 1 ? "Δ = 1 nat" : `Δ = ½ KL max = ${d.toFixed(4)} nats`);
    const solve = (m: Model, delta: number): Solve => {
      const s = lambdaForKl(m, delta);
      return { lambda: s.lambda, reward: s.point.reward, kl: s.point.kl, passes: s.iterations };
    };
    const solveChecks = (tag: string) => async (mine: Solve, theirs: Json | undefined) => {
      const t = theirs as { lambda: Json; reward: Json; kl: Json };
      return [
        check(`${tag}: λ`, mine.lambda, num(t.lambda), 0, TOLERANCE),
        check(`${tag}: reward`, mine.reward, num(t.reward), rewardFloor, TOLERANCE),
        check(`${tag}: KL`, mine.kl, num(t.kl), klFloor, TOLERANCE),
      ];
    };
    const solveNote = (mine: Solve, theirs: Json | undefined) =>
      `passes ${mine.passes} / evaluations ${num((theirs as { evaluations?: Json } | undefined)?.evaluations)}`;
    const rows: Row[] = [];
    for (const delta of deltas) {
      rows.push(
        defineRow<Model, Solve>({
          section: SINGLE,
          label: `tilt solve, ${deltaLabel(delta)}`,
          setup: build,
          run: (m: Model) => solve(m, delta),
          numpy: { module: "baseline", task: "tilt", args: { delta } },
          check: solveChecks(`tilt Δ = ${+delta.toFixed(4)}`),
          note: solveNote,
        }),
      );
    }
    // A sweep of budgets on one model, as a user tracing V(Δ) does: bonkl's coarse bins are made once.
    const sweep = Array.from({ length: SWEEP }, (_, k) => ((k + 1) / (SWEEP + 1)) * model.klMax);
    rows.push(
      defineRow<Model, Solve[]>({
        section: SINGLE,
        label: `tilt sweep, ${SWEEP} budgets (k/${SWEEP + 1})·KL max`,
        setup: build,
        run: (m: Model) => sweep.map((d) => solve(m, d)),
        numpy: { module: "baseline", task: "tilt_sweep", args: { deltas: sweep } },
        async check(mine, theirs) {
          const t = theirs as { lambda: Json; reward: Json; kl: Json }[];
          return mine.flatMap((s, k) => [
            check(
              `sweep Δ = ${+sweep[k]!.toFixed(4)}: reward`,
              s.reward,
              num(t[k]!.reward),
              rewardFloor,
              TOLERANCE,
            ),
            check(`sweep Δ = ${+sweep[k]!.toFixed(4)}: KL`, s.kl, num(t[k]!.kl), klFloor, TOLERANCE),
          ]);
        },
        note: (mine, theirs) =>
          `passes ${mine.reduce((a, s) => a + s.passes, 0)} / evaluations ${(theirs as { evaluations: Json }[]).reduce((a, s) => a + num(s.evaluations), 0)}`,
      }),
    );
    rows.push(
      defineRow<Model, ReturnType<typeof optimalFrontier>>({
        section: SINGLE,
        label: `optimal frontier, ${FRONTIER_POINTS} points`,
        setup: build,
        run: (m: Model) => optimalFrontier(m, FRONTIER_POINTS),
        numpy: { module: "baseline", task: "frontier", args: { points: FRONTIER_POINTS } },
        async check(curve, _theirs, server) {
          const picked = curve.filter(
            (pt, k) => Number.isFinite(pt.lambda) && k % FRONTIER_CHECK_STRIDE === 0,
          );
          const checks: Check[] = [
            check(
              "frontier end: KL max = log 1/p*",
              curve[curve.length - 1]!.kl,
              model.klMax,
              klFloor,
              TOLERANCE,
            ),
          ];
          if (!server) return checks;
          const at = (await server.run("baseline", "tilt_at", { lambdas: picked.map((pt) => pt.lambda) }))
            .result as { kl: Json[]; reward: Json[] };
          picked.forEach((pt, k) => {
            const tag = `at λ = ${pt.lambda.toPrecision(6)}`;
            checks.push(check(`frontier KL ${tag}`, pt.kl, num(at.kl[k]), klFloor, TOLERANCE));
            checks.push(
              check(`frontier reward ${tag}`, pt.reward, num(at.reward[k]), rewardFloor, TOLERANCE),
            );
          });
          return checks;
        },
      }),
    );
    for (const logN of LOG_NS) {
      rows.push(
        defineRow<Model, ReturnType<typeof bestOfN>>({
          section: SINGLE,
          label: `best-of-N, log N = ${logN}`,
          setup: build,
          run: (m: Model) => bestOfN(m, { logN }),
          numpy: { module: "baseline", task: "bon", args: { logN } },
          async check(mine, theirs, server) {
            const tag = `best-of-N log N = ${logN}`;
            const t = theirs as { reward: Json; kl: Json };
            const checks = [
              check(`${tag}: reward`, mine.reward, num(t.reward), rewardFloor, TOLERANCE),
              check(`${tag}: KL`, mine.kl, num(t.kl), klFloor, TOLERANCE),
            ];
            if (server && logN === LOG_NS[LOG_NS.length - 1]) {
              // Untimed: N = 2^10, where the law is spread over many more levels.
              const mineExtra = bestOfN(model, { logN: CHECK_LOG_N });
              const extra = (await server.run("baseline", "bon", { logN: CHECK_LOG_N })).result as {
                reward: Json;
                kl: Json;
              };
              checks.push(
                check(
                  "best-of-N N = 2^10: reward",
                  mineExtra.reward,
                  num(extra.reward),
                  rewardFloor,
                  TOLERANCE,
                ),
              );
              checks.push(check("best-of-N N = 2^10: KL", mineExtra.kl, num(extra.kl), klFloor, TOLERANCE));
            }
            return checks;
          },
        }),
      );
    }
    // The limits of the tilt: one evaluation's unavoidable work, an exp over every outcome.
    const lambda1 = lambdaForKl(model, 1).lambda;
    rows.push(
      defineRow<Model, number>({
        section: LIMITS,
        label: `one exp pass, Σ p e^{λ(r − c)} (λ = ${lambda1.toFixed(4)})`,
        setup: () => model,
        run: (m: Model) => expPass(m, lambda1),
        numpy: { module: "baseline", task: "exp_pass", args: { lambda: lambda1 } },
      }),
    );
    rows.push(
      defineRow<Model, unknown>({
        section: LIMITS,
        label: "tiltAt: one evaluation (KL, reward, Var, κ₃, κ₄)",
        setup: () => model,
        run: (m: Model) => tiltAt(m, lambda1),
      }),
    );
    const warm = build();
    lambdaForKl(warm, 1);
    for (const delta of deltas) {
      rows.push(
        defineRow<Model, Solve>({
          section: LIMITS,
          label: `tilt solve, ${deltaLabel(delta)}, on a model solved before (bins made)`,
          setup: () => warm,
          run: (m: Model) => solve(m, delta),
          numpy: { module: "baseline", task: "tilt", args: { delta } },
          note: solveNote,
        }),
      );
    }
    if (ctx.legacy) {
      for (const delta of deltas) {
        rows.push(
          defineRow<Model, Solve>({
            section: LEGACY,
            label: `tilt solve, ${deltaLabel(delta)} (brentq in place)`,
            setup: build,
            run: (m: Model) => solve(m, delta),
            numpy: { module: "baseline", task: "tilt_brentq", args: { delta } },
            note: solveNote,
          }),
        );
        rows.push(
          defineRow<Model, Solve>({
            section: LEGACY,
            label: `tilt solve, ${deltaLabel(delta)} (fresh arrays, brentq)`,
            setup: build,
            run: (m: Model) => solve(m, delta),
            numpy: { module: "baseline", task: "legacy_tilt", args: { delta } },
          }),
        );
      }
      for (const logN of LOG_NS) {
        rows.push(
          defineRow<Model, unknown>({
            section: LEGACY,
            label: `best-of-N, log N = ${logN} (np.unique, 1 − F)`,
            setup: build,
            run: (m: Model) => bestOfN(m, { logN }),
            numpy: { module: "baseline", task: "legacy_bon", args: { logN } },
          }),
        );
      }
    }
    const levels = bestOfN(model, { logN: 1 }).levelLogProbs.length;
    return {
      rows,
      header: [
        `single step: M = ${model.size} outcomes, ${levels} reward levels (seed ${ctx.seed}),` +
          ` KL max = ${model.klMax.toFixed(4)} nats`,
      ],
    };
  },
};
