import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { bestOfN } from "../../src/core/bon.js";
import { createModel } from "../../src/core/model.js";
import { bonkl, type Run, startBonkl as start } from "../support/cli.js";

// The CLI is run as a child process, exactly as a user runs it. Every spawn costs about a second
// (Node + tsx), so independent runs go concurrently and each run checks several things.

const TMP = mkdtempSync(join(tmpdir(), "bonkl-cli-"));

afterAll(() => {
  rmSync(TMP, { recursive: true, force: true });
});

/** A successful run whose stdout is one JSON document and nothing else. */
async function json(args: readonly string[]): Promise<Record<string, unknown>> {
  const run = await bonkl([...args, "--json"]);
  expect(run.stderr).toBe("");
  expect(run.status).toBe(0);
  expect(run.stdout.endsWith("}\n")).toBe(true);
  return JSON.parse(run.stdout) as Record<string, unknown>;
}

const sortedKeys = (o: object) => Object.keys(o).sort();

const TILT_FIELDS = [
  "lambda",
  "beta",
  "kl",
  "reward",
  "logPartition",
  "saturated",
  "rewardMax",
  "klMax",
  "cumulants",
];

describe.concurrent("bonkl: results", () => {
  it("ldp --json: {lambda, xStar, rate, scgf, cumulants, check}; the Rényi forms agree with Γ", async () => {
    const out = await json([
      "ldp",
      "--model",
      "ternary",
      "--kl-rate",
      "0.5",
      "--grid",
      "5",
      "--check-length",
      "100",
    ]);
    expect(sortedKeys(out)).toEqual(
      ["check", "checkGrid", "checkMethod", "cumulants", "lambda", "rate", "scgf", "xStar"].sort(),
    );
    const scgf = out.scgf as {
      t: number;
      value: number;
      renyiCrossEntropyForm: number;
      renyiDivergenceForm: number;
    }[];
    for (const g of scgf) {
      expect(g.renyiCrossEntropyForm).toBeCloseTo(g.value, 10);
      expect(g.renyiDivergenceForm).toBeCloseTo(g.value, 10);
    }
    // At x = r_max the exact tail is φ(r_max)^n, so −(1/n) log P = J(r_max) for every n.
    const check = out.check as { x: number; minusLogTailOverN: number }[];
    const rate = out.rate as { x: number; J: number }[];
    expect(check.at(-1)!.minusLogTailOverN).toBeCloseTo(rate.at(-1)!.J, 10);
  });

  it("tail --json: the sisfft README case P(S_10 ≥ 25) = 430528/9765625, and the documented fields", async () => {
    const out = await json([
      "tail",
      "--model",
      '{"p":[0.1,0.3,0.2,0.4],"r":[0,1,2,3]}',
      "--length",
      "10",
      "--at",
      "25",
    ]);
    expect(sortedKeys(out)).toEqual(
      ["errorKind", "logLowerTail", "logPmf", "logUpperTail", "method", "relErrorBound"].sort(),
    );
    // Exact rational value from the sisfft README (pmf (0.1, 0.3, 0.2, 0.4) on {0,1,2,3}, n = 10).
    expect(out.logUpperTail as number).toBeCloseTo(Math.log(430528 / 9765625), 12);
  });

  it("tail --grid --json: the quantised sum's law, its step, and brackets that hold the exact tails", async () => {
    // Rewards 0, 1, π at n = 5: enumeration gives the exact tails (method "enumeration").
    const model = '{"p":[0.5,0.25,0.25],"r":[0,1,3.141592653589793]}';
    const exact = await json(["tail", "--model", model, "--length", "5", "--at", "6"]);
    expect(exact.method).toBe("enumeration");
    const out = await json(["tail", "--model", model, "--length", "5", "--at", "6", "--grid", "0.1"]);
    expect(sortedKeys(out)).toEqual(
      [
        "errorKind",
        "grid",
        "logLowerTail",
        "logPmf",
        "logUpperTail",
        "lowerTailBracket",
        "method",
        "relErrorBound",
        "sumError",
        "upperTailBracket",
      ].sort(),
    );
    expect(out.grid).toBe(0.1);
    expect(out.sumError).toBeCloseTo(0.25, 15);
    const [lo, hi] = out.upperTailBracket as [number, number];
    expect(lo).toBeLessThanOrEqual(exact.logUpperTail as number);
    expect(exact.logUpperTail as number).toBeLessThanOrEqual(hi);
  });

  it("sequence --json: the documented fields; --sweep gives an array converging to the optimum", async () => {
    const one = await json(["sequence", "--model", "ternary", "--length", "1000", "--kl-rate", "0.5"]);
    expect(sortedKeys(one)).toEqual(
      [
        "length",
        "klRate",
        "logN",
        "lambda",
        "xStar",
        "saturated",
        "optimal",
        "bon",
        "gapTimesLength",
        "method",
        "grid",
        "rewardErrorPerToken",
        "accuracy",
      ].sort(),
    );
    expect(sortedKeys(one.optimal as object)).toEqual(["kl", "klPerToken", "rewardPerToken"]);
    expect(sortedKeys(one.bon as object)).toEqual([
      "klBound",
      "klToOptimal",
      "klToOptimalPerToken",
      "klToReference",
      "klToReferencePerToken",
      "rewardPerToken",
    ]);
    const run = await bonkl([
      "sequence",
      "--model",
      "ternary",
      "--sweep",
      "10,1000,100000",
      "--kl-rate",
      "0.5",
      "--json",
    ]);
    expect(run.status).toBe(0);
    const sweep = JSON.parse(run.stdout) as { bon: { klToOptimalPerToken: number } }[];
    expect(sweep.map((r) => r.bon.klToOptimalPerToken)).toEqual(
      [...sweep.map((r) => r.bon.klToOptimalPerToken)].sort((a, b) => b - a),
    );
  });

  it("tilt --json: λ and reward for bernoulli:0.3 at KL 0.1, and exactly the documented fields", async () => {
    const out = await json(["tilt", "--model", "bernoulli:0.3", "--kl", "0.1"]);
    expect(sortedKeys(out)).toEqual([...TILT_FIELDS].sort());
    // Root of d(λ) = λ Λ'(λ) − Λ(λ) = 0.1 with Λ(λ) = log(0.7 + 0.3 e^λ), by mpmath findroot at 30 digits:
    // λ = 0.905831050782657040068, E_φ r = 0.514629121059465618665.
    expect(out.lambda as number).toBeCloseTo(0.905831050782657, 12);
    expect(out.reward as number).toBeCloseTo(0.5146291210594656, 12);
    expect(out.beta as number).toBeCloseTo(1 / 0.905831050782657, 12);
    expect(out.kl as number).toBeCloseTo(0.1, 14);
    expect(out.saturated).toBe(false);
    expect(out.rewardMax).toBe(1);
    expect(out.klMax as number).toBeCloseTo(-Math.log(0.3), 15);
    const k = out.cumulants as number[];
    expect(k.length).toBe(4);
    expect(k[0]!).toBeCloseTo(out.reward as number, 14);
    // Bernoulli variance under φ: m (1 − m).
    expect(k[1]!).toBeCloseTo(0.5146291210594656 * (1 - 0.5146291210594656), 12);
  });

  it("tilt --dist: adds {outcome, p, phi} with the file's labels; p = 0 shown but ignored", async () => {
    const file = join(TMP, "labelled.json");
    writeFileSync(file, JSON.stringify({ outcomes: ["no", "huge", "yes"], p: [0.7, 0, 0.3], r: [0, 5, 1] }));
    const out = await json(["tilt", "--model", file, "--kl", "0.1", "--dist"]);
    expect(sortedKeys(out)).toEqual([...TILT_FIELDS, "distribution"].sort());
    // The p = 0 outcome (reward 5) must not count: this is bernoulli:0.3 again.
    expect(out.lambda as number).toBeCloseTo(0.905831050782657, 12);
    expect(out.rewardMax).toBe(1);
    const d = out.distribution as { outcome: string; p: number; phi: number }[];
    expect(d.map((row) => sortedKeys(row))).toEqual([0, 1, 2].map(() => ["outcome", "p", "phi"]));
    expect(d.map((row) => row.outcome)).toEqual(["no", "huge", "yes"]);
    // p as the model holds it (normalised through logs, so to rounding).
    [0.7, 0, 0.3].forEach((p, i) => {
      expect(d[i]!.p).toBeCloseTo(p, 15);
    });
    expect(d[1]!.phi).toBe(0);
    expect(d[2]!.phi).toBeCloseTo(out.reward as number, 14);
    expect(d[0]!.phi + d[2]!.phi).toBeCloseTo(1, 15);
  });

  it("tilt: a constant reward model is valid and saturated (Δ ≥ log 1/p* = 0: λ null, φ = p)", async () => {
    const out = await json(["tilt", "--model", '{"p": [0.5, 0.5], "r": [2, 2]}', "--kl", "0.1"]);
    expect(out.lambda).toBe(null);
    expect(out.saturated).toBe(true);
    expect(out.kl).toBe(0);
    expect(out.reward).toBe(2);
  });

  it("bon --json: fields, values equal to the library's, n null for --log-n 1e6", async () => {
    const fields = ["kl", "klBound", "logN", "n", "reward", "winRate"];
    const [small, huge] = await Promise.all([
      json(["bon", "--model", "ternary", "--n", "4"]),
      json(["bon", "--model", "ternary", "--log-n", "1e6"]),
    ]);
    expect(sortedKeys(small)).toEqual(fields);
    expect(sortedKeys(huge)).toEqual(fields);
    const ref = bestOfN(createModel({ p: [0.5, 0.3, 0.2], r: [0, 1, 2] }), { n: 4 });
    expect(small).toEqual({
      n: 4,
      logN: ref.logN,
      reward: ref.reward,
      kl: ref.kl,
      klBound: ref.klBound,
      winRate: ref.winRate,
    });
    expect(huge.n).toBeNull();
    expect(huge.logN).toBe(1e6);
    expect(huge.kl as number).toBeCloseTo(Math.log(5), 14);
    expect(huge.reward).toBe(2);
    expect(huge.klBound).toBe(999999);
  });

  it("soft-bon --json and gap --json: exactly the documented fields", async () => {
    const [soft, gap] = await Promise.all([
      json(["soft-bon", "--model", "ternary", "--n", "4", "--temperature", "0.5"]),
      json(["gap", "--model", "ternary", "--policy", "[0.2, 0.3, 0.5]"]),
    ]);
    expect(sortedKeys(soft)).toEqual(["kl", "klToTilt", "n", "reward", "temperature"]);
    expect(soft.n).toBe(4);
    expect(soft.temperature).toBe(0.5);
    expect(soft.kl as number).toBeGreaterThan(0);
    expect(sortedKeys(gap)).toEqual(
      ["kl", "reward", "optimalReward", "rewardGap", "lambda", "klToOptimal", "klToOptimalByIdentity"].sort(),
    );
    // q = (0.2, 0.3, 0.5) on rewards (0, 1, 2): E_q r = 1.3.
    expect(gap.reward as number).toBeCloseTo(1.3, 15);
    expect(gap.rewardGap as number).toBeGreaterThanOrEqual(-1e-15);
    expect(gap.klToOptimal as number).toBeCloseTo(gap.klToOptimalByIdentity as number, 12);
  });

  it("frontier: a table; --plot writes .svg and .png; --json: {optimal, bon, klMax, rewardMax}", async () => {
    const svg = join(TMP, "figures", "frontier.svg");
    const png = join(TMP, "figures", "frontier.png");
    const run = await bonkl([
      "frontier",
      "--model",
      "ternary",
      "--points",
      "30",
      "--plot",
      svg,
      "--plot",
      png,
      "--mkdir",
    ]);
    expect(run.status).toBe(0);
    // Without --json the result is a readable table, not JSON.
    expect(run.stdout).toMatch(/^klMax \(log 1\/p\*\)\s+1\.609437912/);
    expect(run.stdout).toMatch(/^\s*N\s+log N\s+KL\s+folklore\s+reward$/m);
    expect(run.stdout).toMatch(/^\s*128\s/m);
    expect(run.stdout).toContain("optimal curve: 30 points");
    expect(run.stderr.trimEnd().split("\n")).toEqual([`bonkl: wrote ${svg}`, `bonkl: wrote ${png}`]);
    expect(readFileSync(svg, "utf8")).toMatch(/^<svg[\s>]/);
    expect([...readFileSync(png).subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    // No temporary files left next to the figures.
    expect(readdirSync(join(TMP, "figures")).sort()).toEqual(["frontier.png", "frontier.svg"]);

    const out = await json(["frontier", "--model", "ternary", "--points", "30"]);
    expect(sortedKeys(out)).toEqual(["bon", "klMax", "optimal", "rewardMax"]);
    const optimal = out.optimal as { kl: number; reward: number; lambda: number | null }[];
    expect(optimal.length).toBe(30);
    expect(optimal[0]).toEqual({ kl: 0, reward: 0.7, lambda: 0 });
    expect(optimal[29]).toEqual({ kl: out.klMax, reward: 2, lambda: null });
    const bon = out.bon as { n: number | null; logN: number }[];
    expect(bon.map((b) => sortedKeys(b))[0]).toEqual(["kl", "klBound", "logN", "n", "reward"]);
    expect(bon.length).toBe(8);
  });

  it("frontier --csv: header, one row per point, numbers in full precision", async () => {
    const run = await bonkl(["frontier", "--model", "ternary", "--points", "12", "--csv"]);
    expect(run.status).toBe(0);
    expect(run.stderr).toBe("");
    const lines = run.stdout.trimEnd().split("\n");
    expect(lines[0]).toBe("series,kl,reward,lambda,n,logN,klBound");
    const rows = lines.slice(1).map((l) => l.split(","));
    expect(rows.every((r) => r.length === 7)).toBe(true);
    expect(rows.filter((r) => r[0] === "optimal").length).toBe(12);
    expect(rows.filter((r) => r[0] === "bon").length).toBe(8);
    expect(rows[0]).toEqual(["optimal", "0", "0.7", "0", "", "", ""]);
    expect(Number(rows[11]![1])).toBe(-Math.log(0.2));
    expect(rows[11]![3]).toBe("");
  });

  it("tilt without --json prints key–value lines", async () => {
    const run = await bonkl(["tilt", "--model", "bernoulli:0.3", "--kl", "0.1", "--dist"]);
    expect(run.status).toBe(0);
    expect(run.stderr).toBe("");
    expect(run.stdout).toMatch(/^lambda\s+0\.9058310508$/m);
    expect(run.stdout).toMatch(/^saturated\s+no$/m);
    expect(run.stdout).toMatch(/^\s*outcome\s+p\s+phi$/m);
    expect(run.stdout).not.toContain("{");
  });

  it("survives its reader going away (… | head -1)", async () => {
    // About 7 MB of CSV, far more than a pipe holds: the reader closes after the first chunk, so the
    // rest of the write fails with EPIPE, which must end the program quietly with status 0.
    const child = start(["frontier", "--model", "ternary", "--points", "100000", "--csv"]);
    let stderr = "";
    let first = "";
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      stderr += d;
    });
    child.stdout.setEncoding("utf8").once("data", (d: string) => {
      first = d;
      child.stdout.destroy();
    });
    const status = await new Promise<number | null>((done) => child.on("close", done));
    expect(first.startsWith("series,kl,reward")).toBe(true);
    expect(stderr).toBe("");
    expect(status).toBe(0);
  });
});

// ---------------------------------------------------------------------------------------------------
// Bad input: exit code 2, one line on stderr naming the field, no stack trace, nothing on stdout.
// ---------------------------------------------------------------------------------------------------

const M2 = (spec: string) => ["tilt", "--model", spec, "--kl", "0.1"];

const badInput: ReadonlyArray<readonly [name: string, args: readonly string[], pattern: RegExp]> = [
  ["lengths differ", M2('{"p": [0.5, 0.5], "r": [0]}'), /model\.p: has 2 entries but model\.r has 1/],
  ["empty model", M2('{"p": [], "r": []}'), /model\.r: .*empty/],
  ["negative p", M2('{"p": [1.5, -0.5], "r": [0, 1]}'), /model\.p\[1\]: .*≥ 0/],
  ["non-numeric p", M2('{"p": [0.5, "x"], "r": [0, 1]}'), /model\.p\[1\]: expected a number/],
  ["p summing to 0.9", M2('{"p": [0.5, 0.4], "r": [0, 1]}'), /model\.p: .*0\.9.*counts/],
  ["non-numeric reward", M2('{"p": [0.5, 0.5], "r": [0, "a"]}'), /model\.r\[1\]: expected a number/],
  ["infinite reward (1e999)", M2('{"p": [0.5, 0.5], "r": [0, 1e999]}'), /model\.r\[1\]: .*finite/],
  ["all-zero p", M2('{"p": [0, 0], "r": [0, 1]}'), /model\.p: .*0/],
  ["--kl -1", ["tilt", "--model", "ternary", "--kl", "-1"], /--kl: .*≥ 0/],
  ["--kl abc", ["tilt", "--model", "ternary", "--kl", "abc"], /--kl: expected a number, got "abc"/],
  ["--n 0.5", ["bon", "--model", "ternary", "--n", "0.5"], /--n: .*≥ 1/],
  [
    "--temperature 0",
    ["soft-bon", "--model", "ternary", "--n", "4", "--temperature", "0"],
    /--temperature: .*> 0/,
  ],
  [
    "--temperature -1",
    ["soft-bon", "--model", "ternary", "--n", "4", "--temperature", "-1"],
    /--temperature: .*> 0/,
  ],
  // `{"p": [0.5, 0.5], "r": [0, 1}`: the '}' is character 29.
  [
    "malformed inline JSON",
    M2('{"p": [0.5, 0.5], "r": [0, 1}'),
    /--model: malformed JSON at line 1, column 29/,
  ],
  ["unknown preset foo:3", M2("foo:3"), /--model: unknown preset "foo:3"/],
  ["unknown preset gaussian", M2("gaussian"), /--model: unknown preset "gaussian"/],
  ["policy of the wrong length", ["gap", "--model", "ternary", "--policy", "[0.5, 0.5]"], /--policy: has 2/],
  [
    "policy with a negative entry",
    ["gap", "--model", "ternary", "--policy", "[0.5, 0.6, -0.1]"],
    /policy\[2\]: .*≥ 0/,
  ],
  ["missing --model", ["tilt", "--kl", "0.1"], /--model/],
  [
    "sequence with a fractional length",
    ["sequence", "--model", "ternary", "--length", "2.5", "--kl-rate", "0.5"],
    /--length: /,
  ],
  [
    "sequence with a bad sweep",
    ["sequence", "--model", "ternary", "--sweep", "log:10:1", "--kl-rate", "0.5"],
    /--sweep: /,
  ],
  [
    "sequence with a negative rate",
    ["sequence", "--model", "ternary", "--length", "10", "--kl-rate", "-1"],
    /--kl-rate: /,
  ],
  [
    "tail on nearly-lattice rewards, too long to enumerate, where the saddlepoint is not sound",
    ["tail", "--model", '{"p":[0.5,0.25,0.25],"r":[0,1e-7,1]}', "--length", "1e8", "--at", "3e7"],
    /lattice.*--grid h/,
  ],
  [
    "tail with a grid step of 0",
    ["tail", "--model", "ternary", "--length", "10", "--at", "5", "--grid", "0"],
    /^bonkl: error: --grid: /,
  ],
  ["unknown option", ["tilt", "--model", "ternary", "--kl", "0.1", "--bogus"], /--bogus/],
];

function expectCleanFailure(run: Run, pattern: RegExp): void {
  expect(run.stdout).toBe("");
  expect(run.status).toBe(2);
  const lines = run.stderr.split("\n");
  expect(lines.length).toBe(2);
  expect(lines[1]).toBe("");
  expect(lines[0]).toMatch(/^bonkl: error: /);
  expect(lines[0]).toMatch(pattern);
  expect(run.stderr).not.toMatch(/^\s+at /m);
}

describe.concurrent("bonkl: bad input", () => {
  it.each(badInput)("%s", async (_name, args, pattern) => {
    expectCleanFailure(await bonkl(args), pattern);
  });

  it("malformed JSON in a model file: line and column", async () => {
    const file = join(TMP, "broken.json");
    // Line 3 is `  "r": [0, 1,]`: the trailing comma is column 13.
    writeFileSync(file, '{\n  "p": [0.5, 0.5],\n  "r": [0, 1,]\n}\n');
    expectCleanFailure(
      await bonkl(M2(file)),
      /--model.*: malformed JSON at line 3, column 13: trailing comma before '\]'/,
    );
  });

  it("--plot with an error writes nothing", async () => {
    const dir = mkdtempSync(join(TMP, "plot-"));
    // A good figure and a .pdf: the names are checked before anything is computed or written.
    const [pdf, badModel] = await Promise.all([
      bonkl(["frontier", "--model", "ternary", "--plot", join(dir, "x.svg"), "--plot", join(dir, "x.pdf")]),
      bonkl(["frontier", "--model", '{"p": [0.5, 0.4], "r": [0, 1]}', "--plot", join(dir, "y.svg")]),
    ]);
    expectCleanFailure(pdf, /--plot: .*\.svg or \.png.*x\.pdf/);
    expectCleanFailure(badModel, /model\.p: /);
    expect(readdirSync(dir)).toEqual([]);
  });

  it("--plot to a path that cannot be written is an input error, not a crash", async () => {
    const blocker = join(TMP, "not-a-directory");
    writeFileSync(blocker, "");
    const run = await bonkl(["frontier", "--model", "ternary", "--plot", join(blocker, "x.svg")]);
    expectCleanFailure(run, /--plot: .*not-a-directory" is a file, not a folder/);
    expect(existsSync(join(blocker, "x.svg"))).toBe(false);
  });
});
