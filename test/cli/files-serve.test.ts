import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startBonkl } from "../support/cli.js";

// `bonkl serve` serves its folder and nothing else: a link inside it that leads out (to a folder or a
// file) is refused, the reproducer of issue 14 item 5 being GET /sub/etcdir/passwd through a link to
// /etc. The served folder here links to a folder and a file made beside it, holding a secret.

const TMP = mkdtempSync(join(tmpdir(), "bonkl-serve-"));
const SITE = join(TMP, "site");
const OUTSIDE = join(TMP, "outside");
const SECRET = "the secret outside the site\n";

let child: ReturnType<typeof startBonkl> | undefined;
let base = "";

beforeAll(async () => {
  mkdirSync(join(SITE, "sub", "docs"), { recursive: true });
  mkdirSync(OUTSIDE);
  writeFileSync(join(SITE, "index.html"), "<!doctype html><title>site</title>\n");
  writeFileSync(join(SITE, "sub", "page.txt"), "a page\n");
  writeFileSync(join(SITE, "sub", "docs", "index.html"), "<p>docs</p>\n");
  writeFileSync(join(OUTSIDE, "passwd"), SECRET);
  writeFileSync(join(OUTSIDE, "index.html"), SECRET);
  symlinkSync(OUTSIDE, join(SITE, "sub", "etcdir"));
  symlinkSync(join(OUTSIDE, "passwd"), join(SITE, "passwd.txt"));
  symlinkSync(join(SITE, "sub", "page.txt"), join(SITE, "alias.txt"));
  symlinkSync("/etc", join(SITE, "etc"));
  child = startBonkl(["serve", "--dir", SITE, "--port", "0"]);
  base = await new Promise<string>((done, fail) => {
    let out = "";
    child!.stdout.setEncoding("utf8").on("data", (d: string) => {
      out += d;
      const m = /^(http:\/\/\S+?)\/?\n/.exec(out);
      if (m) done(m[1]!);
    });
    child!.on("close", (status) => fail(new Error(`serve ended with status ${status}`)));
  });
});

afterAll(() => {
  child?.kill();
  rmSync(TMP, { recursive: true, force: true });
});

/** A raw GET (paths reach the server as written, without the client normalising them). */
function get(path: string): Promise<{ status: number; body: string }> {
  return new Promise((done, fail) => {
    const req = request(`${base}${path}`, (res) => {
      let body = "";
      res.setEncoding("utf8").on("data", (c: string) => {
        body += c;
      });
      res.on("end", () => done({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", fail);
    req.end();
  });
}

describe("bonkl serve: confined to its folder, links included", () => {
  it("serves the page, files, a sub-folder's index.html, and a link that stays inside", async () => {
    expect(await get("/")).toEqual({ status: 200, body: "<!doctype html><title>site</title>\n" });
    expect(await get("/index.html")).toMatchObject({ status: 200 });
    expect(await get("/sub/page.txt")).toEqual({ status: 200, body: "a page\n" });
    expect(await get("/sub/docs/")).toEqual({ status: 200, body: "<p>docs</p>\n" });
    expect(await get("/alias.txt")).toEqual({ status: 200, body: "a page\n" });
    expect((await get("/missing.txt")).status).toBe(404);
  });

  it("refuses a link out of the folder, to a folder or to a file, with 403 and nothing of it", async () => {
    for (const path of [
      "/sub/etcdir/passwd",
      "/sub/etcdir/",
      "/sub/etcdir",
      "/passwd.txt",
      "/etc/passwd",
      "/etc/hostname",
      "/sub/%65tcdir/passwd",
    ]) {
      const r = await get(path);
      expect([path, r.status]).toEqual([path, 403]);
      expect(r.body).not.toContain("secret");
    }
    for (const path of ["/../outside/passwd", "/sub/../../outside/passwd", "/%2e%2e/outside/passwd"]) {
      const r = await get(path);
      expect([403, 404]).toContain(r.status);
      expect(r.body).not.toContain("secret");
    }
  });
});
