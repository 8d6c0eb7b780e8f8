import { describe, expect, it } from "vitest";
import { Rng } from "../../../src/core/estimate/bootstrap.js";
import { createModel, modelFromLogWeights } from "../../../src/core/model.js";
import { policySampleRows, policySampler, samplePolicy } from "../../../src/core/train/policySample.js";
import { loadPolicy, savePolicy } from "../../../src/core/train/savedPolicy.js";
import { Trainer } from "../../../src/core/train/train.js";
import { thrown } from "../../support/assert.js";

/**
 * Samples from a trained policy carry its exact law: token frequencies against q (Pearson's χ² with the
 * 1 − 1e-6 quantile of χ²₂, −2 log 1e-6 in closed form), the per-response columns against sums of
 * the tokens' values, and the sample means of the reward and of the k1 estimator log(q/p) against the
 * exact E_q r and KL(q‖p) within 5 standard errors.
 */
const spec = { outcomes: ["a", "b", "c"], p: [0.5, 0.3, 0.2], r: [0, 1, 2] };
const model = createModel(spec);

function trained(steps = 30) {
  const t = new Trainer(model, { method: "ppo", beta: 1 });
  for (let s = 0; s < steps; s++) t.advance();
  return t;
}

describe("samples from a trained policy", () => {
  const t = trained();
  const logq = t.outcomeLogProbs();
  const point = t.point();

  it("draw tokens with the policy's probabilities", () => {
    const draws = 200_000;
    const batch = samplePolicy(policySampler(model, logq), new Rng(5), draws, { tokens: true });
    const counts = [0, 0, 0];
    for (const y of batch.tokens!) counts[y]!++;
    let chi2 = 0;
    for (let i = 0; i < 3; i++) {
      const e = draws * Math.exp(logq[i]!);
      chi2 += (counts[i]! - e) ** 2 / e;
    }
    expect(chi2).toBeLessThan(-2 * Math.log(1e-6));
  });

  it("log-probabilities and rewards are the sums over the response's tokens", () => {
    const n = 5;
    const batch = samplePolicy(policySampler(model, logq, n), new Rng(6), 100, { tokens: true });
    for (let k = 0; k < 100; k++) {
      let r = 0;
      let lq = 0;
      let lp = 0;
      for (let j = 0; j < n; j++) {
        const y = batch.tokens![k * n + j]!;
        r += model.r[y]!;
        lq += logq[y]!;
        lp += model.logp[y]!;
      }
      expect(batch.reward[k]).toBeCloseTo(r, 13);
      expect(batch.logprobPolicy[k]).toBeCloseTo(lq, 13);
      expect(batch.logprobRef[k]).toBeCloseTo(lp, 13);
    }
  });

  it("recover the exact reward and KL(q‖p) on average (k1 = log q − log p is unbiased)", () => {
    const n = 3;
    const m = 100_000;
    const batch = samplePolicy(policySampler(model, logq, n), new Rng(8), m);
    const stats = (xs: Float64Array) => {
      let s = 0;
      let s2 = 0;
      for (const x of xs) {
        s += x;
        s2 += x * x;
      }
      const mean = s / xs.length;
      return { mean, se: Math.sqrt((s2 / xs.length - mean * mean) / xs.length) };
    };
    const reward = stats(batch.reward);
    const k1 = stats(Float64Array.from(batch.logprobPolicy, (x, i) => x - batch.logprobRef[i]!));
    expect(Math.abs(reward.mean - n * point.reward)).toBeLessThan(5 * reward.se);
    expect(Math.abs(k1.mean - n * point.kl)).toBeLessThan(5 * k1.se);
  });

  it("rows: prompt-major, labelled, reproducible from the seed", () => {
    const sampler = policySampler(model, logq, 2);
    const rows = policySampleRows(sampler, { prompts: 3, perPrompt: 4, rng: new Rng(9) });
    expect(rows.map((r) => r.prompt)).toEqual([0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2]);
    for (const row of rows) {
      const words = row.response.split(" ");
      expect(words).toHaveLength(2);
      const idx = words.map((w) => spec.outcomes.indexOf(w));
      expect(row.reward).toBe(idx.reduce((s, i) => s + spec.r[i]!, 0));
      expect(row.logprob_policy).toBeCloseTo(logq[idx[0]!]! + logq[idx[1]!]!, 14);
      expect(row.logprob_ref).toBeCloseTo(Math.log(spec.p[idx[0]!]!) + Math.log(spec.p[idx[1]!]!), 14);
    }
    expect(policySampleRows(sampler, { prompts: 3, perPrompt: 4, rng: new Rng(9) })).toEqual(rows);
  });

  it("refuse a policy of the wrong size, and lengths or counts that are not whole numbers", () => {
    expect(thrown(() => policySampler(model, new Float64Array(2))).field).toBe("policy");
    expect(thrown(() => policySampler(model, logq, 1.5)).field).toBe("length");
    expect(thrown(() => samplePolicy(policySampler(model, logq), new Rng(1), -1)).field).toBe("count");
  });
});

describe("saved policies", () => {
  const t = trained(10);
  const logq = t.outcomeLogProbs();

  it("round-trip through JSON, in any outcome order", () => {
    const saved = JSON.parse(JSON.stringify(savePolicy(model, logq, 4, { method: "ppo" })));
    expect(saved.format).toBe("bonkl-policy");
    expect(saved.outcomes).toEqual(["a", "b", "c"]);
    const back = loadPolicy(model, saved);
    expect(back.length).toBe(4);
    for (let i = 0; i < 3; i++) expect(back.logq[i]).toBeCloseTo(logq[i]!, 15);
    const shuffled = { outcomes: ["c", "a", "b"], logq: [logq[2], logq[0], logq[1]] };
    const again = loadPolicy(model, shuffled);
    for (let i = 0; i < 3; i++) expect(again.logq[i]).toBeCloseTo(logq[i]!, 15);
    expect(again.length).toBe(1);
  });

  it("are matched by position when the model's labels repeat", () => {
    // A model file may not repeat a label (createModel refuses it); a program building models may.
    const twin = modelFromLogWeights(Float64Array.of(Math.log(0.5), Math.log(0.5)), Float64Array.of(0, 1), [
      "x",
      "x",
    ]);
    const lq = [Math.log(0.25), Math.log(0.75)];
    const back = loadPolicy(twin, { outcomes: ["x", "x"], logq: lq }).logq;
    for (let i = 0; i < 2; i++) expect(back[i]).toBeCloseTo(lq[i]!, 15);
  });

  it("name the field that is wrong", () => {
    const l = Array.from(logq);
    const cases: [unknown, string][] = [
      [[1, 2], "policy"],
      [{ logq: l }, "policy.outcomes"],
      [{ outcomes: ["a", "b", "c"], logq: l.slice(0, 2) }, "policy.logq"],
      [{ outcomes: ["a", "b"], logq: l.slice(0, 2) }, "policy.outcomes"],
      [{ outcomes: ["a", "b", "z"], logq: l }, "policy.outcomes[2]"],
      [{ outcomes: ["a", "a", "c"], logq: l }, "policy.outcomes[1]"],
      [{ outcomes: ["a", "b", "c"], logq: [l[0], null, l[2]] }, "policy.logq[1]"],
      [{ outcomes: ["a", "b", "c"], logq: [0, 0, 0] }, "policy.logq"],
      [{ outcomes: ["a", "b", "c"], logq: l, length: 0 }, "policy.length"],
    ];
    for (const [value, field] of cases) expect(thrown(() => loadPolicy(model, value)).field).toBe(field);
  });

  it("keep their own fields: extra fields cannot overwrite them", () => {
    expect(thrown(() => savePolicy(model, logq, 1, { outcomes: 3 })).field).toBe("outcomes");
  });
});
