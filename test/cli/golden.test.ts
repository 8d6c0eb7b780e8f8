import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, it } from "vitest";
import { bonkl } from "../support/cli.js";

// Golden output: every command's stdout, stderr and exit status, byte for byte, as the CLI printed them
// before its code was reorganised into one file per command (the snapshots in golden/ were written by
// that code with `vitest run test/cli/golden.test.ts -u`). A change of layout must leave them as they are;
// a change of behaviour updates them on purpose, in the same commit. The values themselves are checked
// against independent references in the other CLI tests; here only their sameness is.

const TMP = mkdtempSync(join(tmpdir(), "bonkl-golden-"));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));

const FOUR = '{"p":[0.1,0.3,0.2,0.4],"r":[0,1,2,3]}';
const IRRATIONAL = '{"p":[0.5,0.25,0.25],"r":[0,1,3.141592653589793]}';

/** Five prompts with ties, a gold column and log-probabilities: every estimate section has rows. */
const SAMPLES = join(TMP, "samples.jsonl");
writeFileSync(
  SAMPLES,
  Array.from({ length: 5 }, (_, p) =>
    Array.from({ length: 6 }, (_, i) =>
      JSON.stringify({
        prompt: `p${p}`,
        reward: ((p * 7 + i * 3) % 5) / 2,
        gold: ((p + i * 2) % 4) / 3,
        logprob: -1 - ((p + i) % 3),
      }),
    ).join("\n"),
  ).join("\n"),
);

/** name → arguments; `--out` files named `@x` are placed in a temporary folder and their text appended. */
const CASES: Record<string, string[]> = {
  "tilt-kl-json": ["tilt", "--model", "ternary", "--kl", "0.1", "--json"],
  "tilt-lambda-dist-json": ["tilt", "--model", "bernoulli:0.3", "--lambda", "2", "--dist", "--json"],
  "tilt-saturated-json": ["tilt", "--model", "ternary", "--kl", "inf", "--json"],
  "tilt-beta-text": ["tilt", "--model", "ternary", "--beta", "0.5", "--dist"],
  "tilt-words-json": ["tilt", "--model", "subtlex-afinn:300", "--kl", "0.5", "--json"],
  "bon-n-dist-json": ["bon", "--model", "ternary", "--n", "4", "--dist", "--json"],
  "bon-logn-json": ["bon", "--model", "uniform:10", "--log-n", "1000", "--json"],
  "bon-text": ["bon", "--model", "ternary", "--n", "3.5", "--dist"],
  "soft-bon-json": ["soft-bon", "--model", "ternary", "--n", "8", "--temperature", "0.5", "--dist", "--json"],
  "soft-bon-text": ["soft-bon", "--model", FOUR, "--log-n", "2", "--temperature", "inf"],
  "gap-json": ["gap", "--model", "ternary", "--policy", "[0.2, 0.3, 0.5]", "--json"],
  "gap-text": ["gap", "--model", "bernoulli:0.3", "--policy", "[0.5, 0.5]"],
  "frontier-json": ["frontier", "--model", "ternary", "--points", "5", "--soft-n", "2,4", "--json"],
  "frontier-csv": ["frontier", "--model", "bernoulli:0.3", "--points", "4", "--soft-n", "3", "--csv"],
  "frontier-text": ["frontier", "--model", "ternary", "--points", "5", "--max-log-n", "6"],
  "tail-json": ["tail", "--model", FOUR, "--length", "10", "--at", "25", "--json"],
  "tail-enumeration-json": ["tail", "--model", IRRATIONAL, "--length", "5", "--at", "6", "--json"],
  "tail-saddlepoint-json": ["tail", "--model", IRRATIONAL, "--length", "100000", "--at", "110000", "--json"],
  "tail-grid-json": ["tail", "--model", IRRATIONAL, "--length", "5", "--at", "6", "--grid", "0.1", "--json"],
  "tail-text": ["tail", "--model", "ternary", "--length", "20", "--at", "9"],
  "sequence-json": ["sequence", "--model", "ternary", "--length", "100", "--kl-rate", "0.5", "--json"],
  "sequence-grid-json": [
    "sequence",
    "--model",
    IRRATIONAL,
    "--length",
    "200",
    "--kl-rate",
    "0.3",
    "--grid",
    "0.1",
    "--json",
  ],
  "sequence-sweep-json": [
    "sequence",
    "--model",
    "ternary",
    "--sweep",
    "10,100,1000",
    "--kl-rate",
    "0.2",
    "--json",
  ],
  "sequence-text": ["sequence", "--model", "ternary", "--length", "100", "--kl-rate", "0.5", "--log-n", "40"],
  "sequence-sweep-text": [
    "sequence",
    "--model",
    "bernoulli:0.3",
    "--sweep",
    "log:10:1000:3",
    "--kl-rate",
    "0.1",
  ],
  "ldp-json": [
    "ldp",
    "--model",
    "ternary",
    "--kl-rate",
    "0.5",
    "--grid",
    "5",
    "--check-length",
    "100",
    "--json",
  ],
  "ldp-x-t-json": [
    "ldp",
    "--model",
    "bernoulli:0.3",
    "--kl-rate",
    "0.1",
    "--x",
    "0.2,0.5,0.9",
    "--t",
    "-1,0,1",
    "--json",
  ],
  "ldp-saturated-json": ["ldp", "--model", "ternary", "--kl-rate", "5", "--grid", "3", "--json"],
  "ldp-check-grid-json": [
    "ldp",
    "--model",
    IRRATIONAL,
    "--kl-rate",
    "0.2",
    "--grid",
    "4",
    "--check-length",
    "50",
    "--json",
  ],
  "ldp-text": ["ldp", "--model", "ternary", "--kl-rate", "0.5", "--grid", "5", "--check-length", "100"],
  "estimate-json": ["estimate", "--samples", SAMPLES, "--bootstrap", "50", "--seed", "3", "--json"],
  "estimate-csv": ["estimate", "--samples", SAMPLES, "--bootstrap", "20", "--csv"],
  "estimate-text": ["estimate", "--samples", SAMPLES, "--bootstrap", "20", "--n-max", "4"],
  "sample-json": [
    "sample",
    "--model",
    "ternary",
    "--length",
    "3",
    "--prompts",
    "3",
    "--per-prompt",
    "2",
    "--out",
    "@sample.jsonl",
    "--json",
  ],
  "select-bon": ["select", "--samples", SAMPLES, "--method", "bon", "--n", "3", "--out", "@selected.jsonl"],
  "select-tilt": ["select", "--samples", SAMPLES, "--method", "tilt", "--kl", "0.3", "--out", "@tilted.csv"],
  "report-results": ["report", "--models", `ternary,${FOUR}`, "--quick", "--out", "@report"],
  // Bad input: one line on stderr, exit status 2, nothing on stdout.
  "error-exactly-one": ["tilt", "--model", "ternary"],
  "error-unknown-preset": ["tilt", "--model", "nope:3", "--kl", "0.1"],
  "error-no-such-file": ["tilt", "--model", "missing/model.json", "--kl", "0.1"],
  "error-number": ["tilt", "--model", "ternary", "--kl", "abc"],
  "error-json": ["tilt", "--model", '{"p": [0.5, 0.5', "--kl", "0.1"],
  "error-model-field": ["bon", "--model", '{"p":[0.5,-0.5],"r":[0,1]}', "--n", "2"],
  "error-bon-n": ["bon", "--model", "ternary", "--n", "0.5"],
  "error-n-and-logn": ["soft-bon", "--model", "ternary", "--n", "2", "--log-n", "1", "--temperature", "1"],
  "error-x-and-grid": ["ldp", "--model", "ternary", "--kl-rate", "0.1", "--x", "1", "--grid", "3"],
  "error-check-grid": ["ldp", "--model", "ternary", "--kl-rate", "0.1", "--check-grid", "0.1"],
  "error-plot-needs-sweep": [
    "sequence",
    "--model",
    "ternary",
    "--length",
    "9",
    "--kl-rate",
    "0.1",
    "--plot",
    "x.svg",
  ],
  "error-json-csv": ["frontier", "--model", "ternary", "--json", "--csv"],
  "error-policy": ["gap", "--model", "ternary", "--policy", "[1, 2]"],
  "error-sweep": ["sequence", "--model", "ternary", "--sweep", "10,x", "--kl-rate", "0.1"],
  "error-plot-extension": ["frontier", "--model", "ternary", "--plot", "x.pdf"],
  "error-grid-too-fine": [
    "sequence",
    "--model",
    IRRATIONAL,
    "--length",
    "200",
    "--kl-rate",
    "0.3",
    "--grid",
    "0.01",
  ],
  "error-report-models": ["report", "--models", "ternary,ternary", "--out", "@twice"],
};

/** Run-dependent text: temporary paths and elapsed times. */
function normalise(text: string, dir: string): string {
  return text
    .replaceAll(dir, "<tmp>")
    .replaceAll(TMP, "<tmp>")
    .replace(/ in \d+\.\d s\b/g, " in <t> s");
}

describe.concurrent("bonkl: golden output of every command", () => {
  for (const [name, template] of Object.entries(CASES)) {
    it(name, async ({ expect }) => {
      const dir = mkdtempSync(join(TMP, `${name}-`));
      const outs: string[] = [];
      const args = template.map((a) => {
        if (!a.startsWith("@")) return a;
        outs.push(join(dir, a.slice(1)));
        return join(dir, a.slice(1));
      });
      const run = await bonkl(args);
      const files = outs.map((path) => {
        const file = path.endsWith("report") ? join(path, "results.json") : path;
        let text: string;
        try {
          text = readFileSync(file, "utf8");
        } catch {
          text = "(not written)\n";
        }
        return `--- file ${normalise(file, dir)}\n${text}`;
      });
      const shown = [
        `$ bonkl ${normalise(args.join(" "), dir)}`,
        `--- status ${run.status}`,
        "--- stdout",
        normalise(run.stdout, dir),
        "--- stderr",
        normalise(run.stderr, dir),
        ...files,
      ].join("\n");
      await expect(shown).toMatchFileSnapshot(`golden/${name}.txt`);
    });
  }
});
