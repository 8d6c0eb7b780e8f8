import { describe, expect, it } from "vitest";
import { bestOfN } from "../../src/core/bon.js";
import { optimalFrontier } from "../../src/core/frontier.js";
import { policyGap } from "../../src/core/gap.js";
import { type Model, modelFromLogWeights } from "../../src/core/model.js";
import { softBestOfN } from "../../src/core/softBon.js";
import { cumulants, lambdaForKl, tiltAt, tiltLogProbs } from "../../src/core/tilt.js";
import { seededUniform } from "../support/random.js";

/**
 * "No NaN ever leaves the library, at any accepted magnitude" (MATH §6), as the independent check that
 * found κ₃, κ₄ overflowing to NaN tested it: 3,000 seeded random library calls — tilt, lambdaForKl,
 * bestOfN, softBestOfN, optimalFrontier and policyGap — on random models with rewards up to the
 * accepted 1e150 in magnitude, p down to 1e-300, ties and constant rewards, and every number in every
 * result (nested objects and arrays included) checked for NaN.
 */

/** Every NaN reachable from a value: its paths. */
function nanPaths(value: unknown, path = "result", out: string[] = []): string[] {
  if (typeof value === "number") {
    if (Number.isNaN(value)) out.push(path);
  } else if (value instanceof Float64Array || Array.isArray(value)) {
    for (let i = 0; i < value.length && out.length < 5; i++) nanPaths(value[i], `${path}[${i}]`, out);
  } else if (value !== null && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) nanPaths(v, `${path}.${k}`, out);
  }
  return out;
}

/** A reward of any accepted magnitude: log-uniform over 1e-300 … 1e150, either sign, or 0. */
function reward(u: () => number): number {
  const kind = u();
  if (kind < 0.1) return 0;
  if (kind < 0.3) return Math.floor(7 * u()) - 3;
  const magnitude = 10 ** (-300 + 450 * u());
  return (u() < 0.5 ? -1 : 1) * Math.min(1e150, magnitude);
}

interface Case {
  readonly model: Model;
  readonly description: string;
}

/** A random model: 1–40 outcomes (sometimes 5000, for the large-model paths), ties, constants, tiny p. */
function randomModel(u: () => number): Case {
  const large = u() < 0.03;
  const n = large ? 5000 : 1 + Math.floor(40 * u());
  const style = u();
  // Rewards: all from one scale (a narrow spread at a large magnitude, say), with ties, or constant.
  const scale = 10 ** (-300 + 450 * u());
  const base = reward(u);
  const r = new Float64Array(n);
  const pool = Array.from({ length: 1 + Math.floor(4 * u()) }, () => reward(u));
  for (let i = 0; i < n; i++) {
    if (style < 0.1) r[i] = base;
    else if (style < 0.3) r[i] = pool[Math.floor(pool.length * u())]!;
    else if (style < 0.5) r[i] = Math.max(-1e150, Math.min(1e150, base + scale * (u() - 0.5)));
    else r[i] = reward(u);
  }
  // log-weights down to −690 (p ≈ 1e-300), some outcomes far below the rest, some zero.
  const logw = new Float64Array(n);
  const spread = u() < 0.5 ? 690 : 40;
  for (let i = 0; i < n; i++) logw[i] = u() < 0.05 && i > 0 ? Number.NEGATIVE_INFINITY : -spread * u() ** 2;
  if (!logw.some((v) => v > Number.NEGATIVE_INFINITY)) logw[0] = 0;
  return { model: modelFromLogWeights(logw, r), description: `n = ${n}, style ${style.toFixed(2)}` };
}

/** λ over every regime: 0, ∞, tiny, huge, and around 1/spread. */
function randomLambda(u: () => number, model: Model): number {
  const k = u();
  if (k < 0.05) return 0;
  if (k < 0.1) return Number.POSITIVE_INFINITY;
  if (k < 0.2) return 10 ** (-300 + 600 * u());
  const spread = model.rMax - model.rMin || 1;
  return 10 ** (-3 + 8 * u()) / spread;
}

function randomDelta(u: () => number, model: Model): number {
  const k = u();
  if (k < 0.05) return 0;
  if (k < 0.15) return model.klMax * (1 + u());
  if (k < 0.25) return model.klMax * (1 - 10 ** (-15 * u()));
  if (k < 0.35) return 10 ** (-30 + 29 * u());
  return model.klMax * u();
}

const CALLS = 3000;

describe("no NaN from any library call (seeded fuzz)", () => {
  it(`${CALLS} random calls on random models: no NaN in any result`, () => {
    const u = seededUniform(20261204);
    const failures: string[] = [];
    for (let call = 0; call < CALLS; call++) {
      const { model, description } = randomModel(u);
      const kind = Math.floor(6 * u());
      let what = "";
      let result: unknown;
      if (kind === 0) {
        const lambda = randomLambda(u, model);
        what = `tiltAt(λ = ${lambda})`;
        const t = tiltAt(model, lambda);
        result = { t, cumulants: cumulants(model, t), logphi: tiltLogProbs(model, t) };
      } else if (kind === 1) {
        const delta = randomDelta(u, model);
        what = `lambdaForKl(Δ = ${delta})`;
        const s = lambdaForKl(model, delta);
        result = { s, cumulants: cumulants(model, s.point), logphi: tiltLogProbs(model, s.point) };
      } else if (kind === 2) {
        const logN = u() < 0.1 ? 0 : 10 ** (-6 + 12 * u());
        what = `bestOfN(log N = ${logN})`;
        const b = bestOfN(model, { logN });
        result = { ...b, levelLogProbs: b.levelLogProbs };
      } else if (kind === 3) {
        if (model.size > 100) continue;
        const logN = 10 ** (-3 + 7 * u());
        const spread = model.rMax - model.rMin || 1;
        const temperature = u() < 0.1 ? Number.POSITIVE_INFINITY : spread * 10 ** (-4 + 8 * u());
        what = `softBestOfN(log N = ${logN}, τ = ${temperature})`;
        result = softBestOfN(model, { logN, temperature });
      } else if (kind === 4) {
        const points = 3 + Math.floor(60 * u());
        what = `optimalFrontier(${points})`;
        result = optimalFrontier(model, points);
      } else {
        // A random policy on the input outcomes (zero where the model has zero weight is allowed).
        const q = Array.from(model.allRewards, () => (u() < 0.2 ? 0 : u()));
        const total = q.reduce((a, b) => a + b, 0);
        const policy = total > 0 ? q.map((x) => x / total) : q.map((_, i) => (i === 0 ? 1 : 0));
        what = "policyGap";
        try {
          result = policyGap(model, policy);
        } catch (e) {
          // A policy that misses the support's normalisation by rounding is refused by name: not a NaN.
          if (e instanceof Error && e.name === "InputError") continue;
          throw e;
        }
      }
      const nan = nanPaths(result);
      if (nan.length > 0) failures.push(`call ${call}: ${what} on ${description}: NaN at ${nan.join(", ")}`);
    }
    expect(failures).toEqual([]);
  });
});
