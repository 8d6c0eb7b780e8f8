// The explorer's pure parts (URL state, the convergence lengths) and its static server, without a browser.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  bonSummary,
  frontierSummary,
  sequenceSummary,
  softBonSummary,
  tiltSummary,
} from "../../src/app/index.js";
import { ldpCurves } from "../../src/app/ldpCurves.js";
import { presetSpec } from "../../src/app/presets.js";
import { startServer } from "../../src/cli/commands/serve.js";
import { InputError } from "../../src/core/errors.js";
import { createModel } from "../../src/core/model.js";
import { ldpSummary } from "../../src/core/sequence/ldp.js";
import { sweepLengths } from "../../src/web/compute.js";
import { DEFAULT_STATE, fromQuery, toQuery } from "../../src/web/state.js";
import { SEED } from "../support/assert.js";
import { workerReplies } from "../support/replies.js";

describe("the page state in the URL", () => {
  it("round-trips every valid state, pasted model JSON included", () => {
    const state = fc.record({
      model: fc.oneof(
        fc.constantFrom("ternary", "subtlex-afinn", "json"),
        fc.double({ min: 0, max: 1, noNaN: true }).map((t) => `bernoulli:${t}`),
        fc.integer({ min: 1, max: 1000 }).map((l) => `uniform:${l}`),
      ),
      json: fc.string(),
      kl: fc.double({ min: 0, max: 1e6, noNaN: true }),
      length: fc.integer({ min: 1, max: 1e8 }),
      n: fc.double({ min: 1, max: 1e300, noNaN: true }),
      temperature: fc.double({ min: 1e-300, max: 1e300, noNaN: true }),
    });
    fc.assert(
      fc.property(state, (s) => {
        const expected = { ...s, json: s.model === "json" ? s.json : "" };
        expect(fromQuery(toQuery(expected))).toEqual({ state: expected, ignored: [] });
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it("keeps the defaults for entries it cannot read, and says which", () => {
    const { state, ignored } = fromQuery("?model=uniform:4&kl-rate=-1&length=2.5&n=0.5&temperature=abc");
    expect(state).toEqual({ ...DEFAULT_STATE, model: "uniform:4" });
    expect(ignored).toEqual(["kl-rate=-1", "length=2.5", "n=0.5", "temperature=abc"]);
  });
});

describe("the convergence lengths", () => {
  it("are increasing whole numbers from 1, include the chosen n and reach ten times it (10⁴ … 10⁶)", () => {
    for (const n of [1, 37, 1000, 5000, 123456, 1e7]) {
      const ns = sweepLengths(n);
      expect(ns[0]).toBe(1);
      expect(ns).toContain(n);
      expect(ns.every((v, i) => Number.isSafeInteger(v) && (i === 0 || v > ns[i - 1]!))).toBe(true);
      expect(Math.max(...ns)).toBe(Math.max(n, Math.min(1e6, Math.max(1e4, 10 * n))));
    }
  });
});

describe("the workers' results", () => {
  // The page computes some results in pieces (so a newer request need not wait); the pieces must make
  // exactly what the CLI's summary functions give in one call.
  for (const name of ["ternary", "uniform:7", "bernoulli:0.999"]) {
    it(`equal the CLI's summaries, piece by piece (${name})`, async () => {
      const model = createModel(presetSpec(name)!, "model");
      const params = { kl: 0.4, length: 50, n: 6, temperature: 0.3 };
      const { replies, of } = await workerReplies(model, params);
      expect(of("frontier").frontier).toEqual(frontierSummary(model));
      expect(of("frontier").optimum).toEqual({
        kl: tiltSummary(model, { kl: 0.4 }).kl,
        reward: tiltSummary(model, { kl: 0.4 }).reward,
      });
      expect(of("tilt").tilt).toEqual(tiltSummary(model, { kl: 0.4 }));
      expect(of("frontier").bon).toEqual(bonSummary(model, { n: 6 }));
      expect(of("frontier").softBon).toEqual(softBonSummary(model, { n: 6, temperature: 0.3 }));
      expect(of("sequence").sequence).toEqual(sequenceSummary(model, 50, 0.4));
      expect(of("softCurve").points).toEqual(frontierSummary(model, { softN: [6] }).softBon);
      expect(of("convergence").runs).toEqual(sweepLengths(50).map((n) => sequenceSummary(model, n, 0.4)));
      expect(of("rate").ldp).toEqual(ldpSummary(model, 0.4));
      expect(of("rate").curves).toEqual(ldpCurves(model, 0.4, ldpSummary(model, 0.4)));
      expect(
        of("outcomes")
          .top.map((r) => r.outcome)
          .sort(),
      ).toEqual([...model.allLabels].sort());
      expect(replies.filter((r) => r.kind === "done").map((r) => r.kind === "done" && r.part)).toEqual([
        "fast",
        "slow",
      ]);
    });
  }
});

describe("bonkl serve's static server", () => {
  const dir = mkdtempSync(join(tmpdir(), "bonkl-serve-"));
  let url: string;
  let close: () => void;

  beforeAll(async () => {
    writeFileSync(join(dir, "index.html"), "<!doctype html><title>t</title>");
    mkdirSync(join(dir, "assets"));
    writeFileSync(join(dir, "assets", "a.js"), "export {};");
    writeFileSync(join(dir, "..", "bonkl-serve-secret.txt"), "secret");
    const started = await startServer({ dir, port: 0, host: "127.0.0.1" });
    url = started.url;
    close = () => started.server.close();
  });
  afterAll(() => {
    close();
    rmSync(dir, { recursive: true, force: true });
    rmSync(join(dir, "..", "bonkl-serve-secret.txt"), { force: true });
  });

  /** A raw request, so that paths like /../x reach the server unnormalised. */
  function get(path: string, method = "GET"): Promise<{ status: number; type: string; body: string }> {
    return new Promise((resolve, reject) => {
      const req = request(`${url.replace(/\/$/, "")}${path}`, { method }, (res) => {
        let body = "";
        res.on("data", (c) => {
          body += c;
        });
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, type: String(res.headers["content-type"]), body }),
        );
      });
      req.on("error", reject);
      req.end();
    });
  }

  it("binds to 127.0.0.1 and serves the page and its assets with their types", async () => {
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(await get("/")).toMatchObject({ status: 200, type: "text/html; charset=utf-8" });
    expect(await get("/assets/a.js")).toMatchObject({ status: 200, type: "text/javascript; charset=utf-8" });
  });

  it("serves nothing outside its folder, and only GET and HEAD", async () => {
    for (const path of ["/../bonkl-serve-secret.txt", "/%2e%2e/bonkl-serve-secret.txt", "/assets/../../x"]) {
      const res = await get(path);
      expect(res.status).toBe(404);
      expect(res.body).not.toContain("secret");
    }
    expect((await get("/missing.js")).status).toBe(404);
    expect((await get("/", "POST")).status).toBe(405);
  });

  it("refuses a folder without a built site, saying to build it", () => {
    expect(() => startServer({ dir: join(dir, "assets"), port: 0, host: "127.0.0.1" })).toThrow(InputError);
    expect(() => startServer({ dir: join(dir, "assets"), port: 0, host: "127.0.0.1" })).toThrow(
      /run npm run build first/,
    );
  });
});
