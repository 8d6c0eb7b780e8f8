// The package as a user gets it: `npm pack`, the tarball installed into an empty folder outside the
// repository (from npm's cache where it can), and used from there: plain `node` imports the library, `tsc
// --strict` checks a TypeScript consumer against the shipped types, and `npx bonkl` runs the CLI and serves
// the explorer. npm test has built dist/ first (test/support/built.ts builds it for a targeted run).
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeAcrossEngines } from "../support/ulps.js";

const ROOT = resolve(import.meta.dirname, "..", "..");
const PKG = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { name: string; version: string };
const TMP = mkdtempSync(join(tmpdir(), "bonkl-consumer-"));
const APP = join(TMP, "app");
let files: string[] = [];
let server: ChildProcess | undefined;

/** The environment without the npm_* variables of the `npm test` around us (its prefix, its scripts). */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^npm_/i.test(k)) env[k] = v;
  if (process.env.npm_config_cache) env.npm_config_cache = process.env.npm_config_cache;
  return env;
}

function run(program: string, args: readonly string[], cwd = APP): string {
  const r = spawnSync(program, args, { cwd, env: cleanEnv(), encoding: "utf8" });
  if (r.error) throw r.error;
  if (r.status !== 0) {
    throw new Error(`${program} ${args.join(" ")} exited with ${r.status}:\n${r.stderr}\n${r.stdout}`);
  }
  return r.stdout;
}

/** Runs a file of the consumer with node and parses the one JSON document it prints. */
function nodeJson(file: string, text: string): Record<string, unknown> {
  writeFileSync(join(APP, file), text);
  return JSON.parse(run(process.execPath, [file])) as Record<string, unknown>;
}

beforeAll(() => {
  // prepack would build again; npm test has just built.
  const packed = JSON.parse(
    run("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", TMP], ROOT),
  ) as { filename: string; files: { path: string }[] }[];
  files = packed[0]!.files.map((f) => f.path);
  const tarball = join(TMP, packed[0]!.filename);
  mkdirSync(APP);
  writeFileSync(
    join(APP, "package.json"),
    JSON.stringify({ name: "consumer", private: true, type: "module" }),
  );
  const typesNode = (
    JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
      devDependencies: Record<string, string>;
    }
  ).devDependencies["@types/node"]!;
  run("npm", [
    "install",
    "--prefer-offline",
    "--no-audit",
    "--no-fund",
    "--loglevel=error",
    tarball,
    `@types/node@${typesNode}`,
  ]);
}, 300_000);

afterAll(async () => {
  if (server?.pid !== undefined && server.exitCode === null) {
    // npx runs the server under npm: end the whole group it leads (started detached for this).
    const exited = new Promise((done) => server!.once("exit", done));
    process.kill(-server.pid, "SIGTERM");
    await exited;
  }
  rmSync(TMP, { recursive: true, force: true });
});

describe("the packed tarball", () => {
  it("holds exactly dist/ (the built explorer included), README.md, LICENSE and package.json", () => {
    const outside = files.filter(
      (f) => !f.startsWith("dist/") && !["package.json", "README.md", "LICENSE"].includes(f),
    );
    expect(outside).toEqual([]);
    for (const f of ["dist/index.js", "dist/index.d.ts", "dist/node/index.js", "dist/cli/main.js"]) {
      expect(files).toContain(f);
    }
    expect(files).toContain("dist/web/index.html");
    expect(files.some((f) => f.endsWith(".js.map"))).toBe(true);
    expect(files).toContain("LICENSE");
  });

  it("gives a library entry that imports nothing but its own modules (no node:, so browsers can load it)", () => {
    const dist = join(APP, "node_modules", PKG.name, "dist");
    const seen = new Set<string>();
    const bare: string[] = [];
    const walk = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      const text = readFileSync(file, "utf8");
      for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\s(?:[^;]*?\sfrom\s)?"([^"]+)"/g)) {
        const spec = m[1]!;
        if (spec.startsWith(".")) walk(resolve(dirname(file), spec));
        else bare.push(`${file.slice(dist.length + 1)} imports ${spec}`);
      }
      for (const m of text.matchAll(/\bimport\(\s*"([^"]+)"\s*\)/g)) bare.push(`dynamic import(${m[1]})`);
    };
    walk(join(dist, "index.js"));
    expect(seen.size).toBeGreaterThan(20);
    expect(bare).toEqual([]);
  });
});

describe("an installed consumer", () => {
  it("imports the library from plain .mjs: best-of-2 on Bernoulli(0.3) has the closed-form KL", () => {
    const out = nodeJson(
      "bon.mjs",
      `import * as bonkl from "bonkl";
import * as node from "bonkl/node";
const model = bonkl.createModel({ outcomes: ["0", "1"], p: [0.7, 0.3], r: [0, 1] }, "model");
const bon = bonkl.bestOfN(model, { n: 2 });
const seq = bonkl.bonSequence(model, 10, 0.1);
console.log(JSON.stringify({
  kl: bon.kl,
  reward: bon.reward,
  seqLength: seq.length,
  functions: ["bonSequence", "estimatePrompt", "tiltSummary", "lambdaForKl", "softBestOfN"].filter(
    (name) => typeof bonkl[name] === "function"),
  classes: ["PooledAccumulator", "InputError"].filter((name) => typeof bonkl[name] === "function"),
  node: ["openSamples", "writeReport", "subtlexAfinnSpec"].filter((name) => typeof node[name] === "function"),
}));
`,
    );
    // Best-of-2 picks 1 unless both draws are 0: π(0) = 0.7² = 0.49, π(1) = 0.51 (MATH §2), so
    // KL(π‖p) = 0.51 log(0.51/0.3) + 0.49 log(0.49/0.7) and E_π r = 0.51.
    const kl = 0.51 * Math.log(0.51 / 0.3) + 0.49 * Math.log(0.49 / 0.7);
    expect(closeAcrossEngines(out.kl as number, kl)).toBe(true);
    expect(closeAcrossEngines(out.reward as number, 0.51)).toBe(true);
    expect(out.seqLength).toBe(10);
    expect(out.functions).toEqual([
      "bonSequence",
      "estimatePrompt",
      "tiltSummary",
      "lambdaForKl",
      "softBestOfN",
    ]);
    expect(out.classes).toEqual(["PooledAccumulator", "InputError"]);
    expect(out.node).toEqual(["openSamples", "writeReport", "subtlexAfinnSpec"]);
  });

  it("type-checks a TypeScript consumer with tsc --strict (NodeNext), shipped .d.ts files included", () => {
    writeFileSync(
      join(APP, "consumer.ts"),
      `import { type BonResult, bestOfN, bonSequence, createModel, type Model, type SequenceResult } from "bonkl";
import { InputError, type PromptEstimate, tiltSummary } from "bonkl";
import type { SampleSet } from "bonkl/node";

const model: Model = createModel({ outcomes: ["a", "b", "c"], p: [0.5, 0.3, 0.2], r: [0, 1, 2] }, "model");
const bon: BonResult = bestOfN(model, { logN: Math.log(16) });
const seq: SequenceResult = bonSequence(model, 100, 0.2);
const lambda: number | null = tiltSummary(model, { kl: 0.1 }).lambda;
const kl: number = bon.kl + seq.bon.klToOptimal;
export const checks = { kl, lambda, error: new InputError("field", "detail").field };
export type Prompt = PromptEstimate["reward"];
export async function rows(set: SampleSet): Promise<number> {
  let prompts = 0;
  await set.forEachPrompt(() => {
    prompts++;
  });
  return prompts;
}
// The types are real, not any: each of these must be an error.
// @ts-expect-error N is a number
bestOfN(model, { n: "16" });
// @ts-expect-error the KL is a number
export const wrong: string = bon.kl;
`,
    );
    run(process.execPath, [
      join(ROOT, "node_modules", "typescript", "bin", "tsc"),
      "--strict",
      "--noEmit",
      "--module",
      "nodenext",
      "--moduleResolution",
      "nodenext",
      "--target",
      "es2022",
      "--lib",
      "es2023",
      "--types",
      "node",
      "consumer.ts",
    ]);
  });

  it("runs npx bonkl: --version, and tilt --json whose λ gives the budget in closed form", () => {
    expect(run("npx", ["--no", "--", "bonkl", "--version"]).trim()).toBe(PKG.version);
    const tilt = JSON.parse(
      run("npx", ["--no", "--", "bonkl", "tilt", "--model", "bernoulli:0.3", "--kl", "0.1", "--json"]),
    ) as { lambda: number; kl: number; reward: number };
    // φ_λ(1) = θe^λ/(1 − θ + θe^λ) and KL(φ_λ‖p) = φ₁ log(φ₁/θ) + φ₀ log(φ₀/(1 − θ)) (MATH §1).
    const t = 0.3;
    const phi1 = (t * Math.exp(tilt.lambda)) / (1 - t + t * Math.exp(tilt.lambda));
    const kl = phi1 * Math.log(phi1 / t) + (1 - phi1) * Math.log((1 - phi1) / (1 - t));
    expect(Math.abs(kl - 0.1)).toBeLessThan(1e-14);
    expect(Math.abs(tilt.kl - 0.1)).toBeLessThan(1e-14);
    expect(Math.abs(tilt.reward - phi1)).toBeLessThan(1e-14);
  });

  it("serves the built explorer with npx bonkl serve", async () => {
    server = spawn("npx", ["--no", "--", "bonkl", "serve", "--port", "0"], {
      cwd: APP,
      env: cleanEnv(),
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    const url = await new Promise<string>((done, fail) => {
      let out = "";
      let err = "";
      server!.stdout!.setEncoding("utf8").on("data", (d: string) => {
        out += d;
        const line = out.split("\n").find((l) => l.startsWith("http://"));
        if (line) done(line.trim());
      });
      server!.stderr!.setEncoding("utf8").on("data", (d: string) => {
        err += d;
      });
      server!.once("exit", (code) => fail(new Error(`bonkl serve exited with ${code}: ${err}`)));
    });
    const page = await fetch(url);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain("<title>bonkl explorer");
    const script = /<script type="module"[^>]*src="\.\/([^"]+)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    const asset = await fetch(new URL(script!, url));
    expect(asset.status).toBe(200);
    expect(asset.headers.get("content-type")).toMatch(/^text\/javascript/);
  });
});
