import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createModel } from "../../src/core/model.js";
import { loadPolicy } from "../../src/core/train/savedPolicy.js";
import { tiltDirect } from "../core/train/population.js";
import { bonkl } from "../support/cli.js";

const TMP = mkdtempSync(join(tmpdir(), "bonkl-train-"));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));

const lines = (stdout: string) =>
  stdout
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as Record<string, number>);

describe("bonkl train", () => {
  it("streams one JSON line per step, exact values that converge to the tilt φ_{1/β}", async () => {
    const run = await bonkl([
      "train",
      "--model",
      "ternary",
      "--method",
      "reinforce",
      "--beta",
      "0.5",
      "--steps",
      "400",
      "--json",
    ]);
    expect(run.status).toBe(0);
    const points = lines(run.stdout);
    expect(points).toHaveLength(401);
    expect(points.map((p) => p.step)).toEqual(Array.from({ length: 401 }, (_, i) => i));
    expect(Object.keys(points[0]!)).toEqual([
      "step",
      "reward",
      "kl",
      "klToTilt",
      "klToTiltByIdentity",
      "klToOptimum",
      "frontierReward",
      "rewardGap",
      "klToFrontier",
    ]);
    // Step 0 is the reference itself: reward E_p r = 0.7, KL 0.
    expect(points[0]!.reward).toBeCloseTo(0.7, 15);
    expect(points[0]!.kl).toBe(0);
    // The end: φ_2 computed directly, q ∝ p e^{2r}.
    const phi = tiltDirect([0.5, 0.3, 0.2], [0, 1, 2], 0.5);
    const last = points[400]!;
    expect(last.klToOptimum).toBeLessThan(1e-15);
    expect(last.reward).toBeCloseTo(phi[1]! + 2 * phi[2]!, 8);
    expect(run.stderr).toMatch(
      /^bonkl: reinforce \(exact gradients\): 400 steps in .* s, KL\(q‖optimum\) = /,
    );
  });

  it("prints a table by default, and stops at --tolerance", async () => {
    const run = await bonkl([
      "train",
      "--model",
      "ternary",
      "--method",
      "dpo",
      "--beta",
      "1",
      "--tolerance",
      "1e-6",
    ]);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^method {2,}dpo$/m);
    expect(run.stdout).toMatch(/optimum\.kind {2,}tilt/);
    const steps = run.stdout.match(/^ *(\d+) {2}/gm)!.map((s) => Number(s.trim()));
    const last = steps[steps.length - 1]!;
    expect(last).toBeLessThan(1000);
    expect(run.stderr).toMatch(new RegExp(`: ${last} steps in`));
  });

  it("bon-distill takes --n, --log-n or --beta; --every thins the lines", async () => {
    const run = await bonkl([
      "train",
      "--model",
      "bernoulli:0.3",
      "--method",
      "bon-distill",
      "--n",
      "5",
      "--steps",
      "1000",
      "--every",
      "250",
      "--json",
    ]);
    expect(run.status).toBe(0);
    const points = lines(run.stdout);
    expect(points.map((p) => p.step)).toEqual([0, 250, 500, 750, 1000]);
    // π_5(1) = 1 − 0.7^5, the reward of best-of-5 on this model.
    expect(points[4]!.reward).toBeCloseTo(1 - 0.7 ** 5, 9);
  });

  it("a sampled run is reproducible from its seed", async () => {
    const args = [
      "train",
      "--model",
      "ternary",
      "--method",
      "ppo",
      "--beta",
      "1",
      "--gradient",
      "sampled",
      "--steps",
      "30",
      "--json",
    ];
    const [a, b, c] = await Promise.all([
      bonkl([...args, "--seed", "4"]),
      bonkl([...args, "--seed", "4"]),
      bonkl([...args, "--seed", "5"]),
    ]);
    expect(a.status).toBe(0);
    expect(a.stdout).toBe(b.stdout);
    expect(a.stdout).not.toBe(c.stdout);
  });

  it("--save-policy writes {outcomes, logq, length, …} that reads back against the model", async () => {
    const file = join(TMP, "policy.json");
    const run = await bonkl([
      "train",
      "--model",
      "subtlex-afinn:200",
      "--method",
      "reinforce",
      "--beta",
      "1",
      "--length",
      "3",
      "--steps",
      "50",
      "--save-policy",
      file,
      "--json",
      "--every",
      "50",
    ]);
    expect(run.status).toBe(0);
    const saved = JSON.parse(readFileSync(file, "utf8"));
    expect(saved.format).toBe("bonkl-policy");
    expect(saved.outcomes).toHaveLength(200);
    expect(saved.length).toBe(3);
    expect(saved.method).toBe("reinforce");
    expect(saved.steps).toBe(50);
    expect(saved.final).toEqual(lines(run.stdout)[1]);
    expect(readdirSync(TMP).filter((f) => f.startsWith("."))).toEqual([]);
    // The file's outcomes are the model's labels; it loads back against the same preset.
    const { subtlexAfinnSpec } = await import("../../src/node/subtlexAfinn.js");
    const model = createModel(subtlexAfinnSpec("200", "--model"));
    const back = loadPolicy(model, saved);
    expect(back.length).toBe(3);
    expect(back.logq).toHaveLength(200);
  });

  const bad: [string, string[], RegExp][] = [
    [
      "an unknown method",
      ["--method", "sft", "--beta", "1"],
      /^bonkl: error: --method: expected one of reinforce, ppo, dpo, bon-distill, got "sft"$/,
    ],
    [
      "β = 0",
      ["--method", "ppo", "--beta", "0"],
      /^bonkl: error: --beta: the KL penalty β must be a finite number > 0, got 0$/,
    ],
    ["β < 0", ["--method", "dpo", "--beta", "-1"], /^bonkl: error: --beta: /],
    ["β missing", ["--method", "reinforce"], /^bonkl: error: --beta: reinforce needs the KL penalty β/],
    [
      "steps not whole",
      ["--method", "reinforce", "--beta", "1", "--steps", "2.5"],
      /^bonkl: error: --steps: expected a whole number from 0 to 1000000000, got "2.5"$/,
    ],
    [
      "steps not a number",
      ["--method", "reinforce", "--beta", "1", "--steps", "many"],
      /^bonkl: error: --steps: expected a number, got "many"$/,
    ],
    [
      "N for an RL method",
      ["--method", "reinforce", "--beta", "1", "--n", "4"],
      /^bonkl: error: --n: applies to bon-distill, not to reinforce$/,
    ],
    [
      "bon-distill with two of N and β",
      ["--method", "bon-distill", "--n", "4", "--beta", "1"],
      /^bonkl: error: --n: bon-distill needs exactly one of/,
    ],
    [
      "N < 1",
      ["--method", "bon-distill", "--n", "0.5"],
      /^bonkl: error: --n: N must be a number ≥ 1, got 0.5$/,
    ],
    [
      "a PPO flag elsewhere",
      ["--method", "dpo", "--beta", "1", "--clip", "0.1"],
      /^bonkl: error: --clip: applies to ppo, not to dpo$/,
    ],
    [
      "a bad clip",
      ["--method", "ppo", "--beta", "1", "--clip", "1.5"],
      /^bonkl: error: --clip: ε must be in \(0, 1\), got 1.5$/,
    ],
    [
      "an unknown gradient",
      ["--method", "ppo", "--beta", "1", "--gradient", "approx"],
      /^bonkl: error: --gradient: expected one of exact, sampled/,
    ],
    [
      "a batch for exact gradients",
      ["--method", "ppo", "--beta", "1", "--batch", "8"],
      /^bonkl: error: --batch: applies to --gradient sampled/,
    ],
    [
      "exact DPO on sequences",
      ["--method", "dpo", "--beta", "1", "--length", "2"],
      /^bonkl: error: --gradient: exact DPO gradients for sequences/,
    ],
    [
      "bon-distill on sequences",
      ["--method", "bon-distill", "--n", "3", "--length", "2"],
      /^bonkl: error: --length: best-of-N distillation is for single outcomes/,
    ],
    [
      "a bad step size",
      ["--method", "ppo", "--beta", "1", "--lr", "-1"],
      /^bonkl: error: --lr: the step size must be a finite number > 0, got -1$/,
    ],
    [
      "a bad tolerance",
      ["--method", "ppo", "--beta", "1", "--tolerance", "0"],
      /^bonkl: error: --tolerance: expected a number > 0/,
    ],
    [
      "a policy file that is not .json",
      ["--method", "ppo", "--beta", "1", "--save-policy", "policy.txt"],
      /^bonkl: error: --save-policy: expected a file name ending in \.json/,
    ],
    [
      "a policy file in a missing directory",
      ["--method", "ppo", "--beta", "1", "--save-policy", "no/such/dir/p.json"],
      /^bonkl: error: --save-policy: the folder "no\/such\/dir" does not exist \(give --mkdir to create it\)$/,
    ],
  ];
  for (const [what, args, message] of bad) {
    it(`refuses ${what}: one line, exit 2`, async () => {
      const run = await bonkl(["train", "--model", "ternary", ...args]);
      expect(run.status).toBe(2);
      expect(run.stdout).toBe("");
      expect(run.stderr.trim()).toMatch(message);
      expect(run.stderr.trim().split("\n")).toHaveLength(1);
    });
  }

  it("checks the output path before any work", async () => {
    const run = await bonkl([
      "train",
      "--model",
      "no-such-model.json",
      "--method",
      "ppo",
      "--beta",
      "1",
      "--save-policy",
      join(TMP, "x.txt"),
    ]);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/--save-policy/);
    expect(existsSync(join(TMP, "x.txt"))).toBe(false);
  });
});
