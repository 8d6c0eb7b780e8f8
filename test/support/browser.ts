// Headless Chromium for the browser suites, driven by playwright-core (which downloads no browser).
// The browser comes from, in this order:
// 1. BONKL_CHROMIUM, an explicit Chromium or Chrome binary (no fallback when it is set);
// 2. the Chromium inside the @sparticuz/chromium dev dependency (Linux x64), so `npm ci` is all a fresh
//    machine needs: unpacked once into node_modules/.cache, by version;
// 3. a system Chromium or Chrome at a usual path.
// When none starts, launchBrowser throws one line saying how to provide one: the suites never skip.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";

const ROOT = resolve(import.meta.dirname, "..", "..");

/** Keeps Chromium from reaching for the network at start; Playwright adds headless, no-sandbox, a profile. */
const QUIET_FLAGS = [
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/**
 * @sparticuz/chromium's flags made for serverless scraping that the tests leave out: some loosen the web's
 * security model, and the tests must see the policy a user's browser applies (same-origin, CSP, mixed
 * content); in one process (with no zygote) closing a page ends the whole browser.
 */
const LEFT_OUT_FLAGS = new Set([
  "--disable-web-security",
  "--allow-running-insecure-content",
  "--disable-site-isolation-trials",
  "--single-process",
  "--no-zygote",
]);

const SYSTEM_PATHS = [
  "/usr/bin/chromium",
  "/usr/bin/chromium-browser",
  "/usr/bin/google-chrome-stable",
  "/usr/bin/google-chrome",
  "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
  "/Applications/Chromium.app/Contents/MacOS/Chromium",
];

interface Candidate {
  readonly source: string;
  readonly executablePath: string;
  readonly args: readonly string[];
}

const HOW =
  "set BONKL_CHROMIUM to a Chromium or Chrome binary, or run npm ci on Linux x64 (the @sparticuz/chromium dev dependency ships one)";

/**
 * Unpacks @sparticuz/chromium's binary (brotli files in the package) into node_modules/.cache once per
 * version. The package unpacks into os.tmpdir(), so TMPDIR points at a fresh staging folder while it
 * runs; the folder is then renamed into place, which is atomic, so parallel suites never see half a browser.
 */
async function packagedChromium(): Promise<Candidate | undefined> {
  if (process.platform !== "linux" || process.arch !== "x64") return undefined;
  const pkg = join(ROOT, "node_modules", "@sparticuz", "chromium", "package.json");
  if (!existsSync(pkg)) return undefined;
  const { version } = JSON.parse(readFileSync(pkg, "utf8")) as { version: string };
  const { default: packaged } = await import("@sparticuz/chromium");
  const args = packaged.args.filter((a) => !LEFT_OUT_FLAGS.has(a.split("=")[0]!));
  const cache = join(ROOT, "node_modules", ".cache");
  const dir = join(cache, `bonkl-chromium-${version}`);
  const candidate = { source: `@sparticuz/chromium ${version}`, executablePath: join(dir, "chromium"), args };
  if (existsSync(candidate.executablePath)) return candidate;
  mkdirSync(cache, { recursive: true });
  const staging = mkdtempSync(join(cache, `bonkl-chromium-${version}-partial-`));
  const tmpdir = process.env.TMPDIR;
  try {
    process.env.TMPDIR = staging;
    await packaged.executablePath();
  } finally {
    if (tmpdir === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = tmpdir;
  }
  try {
    renameSync(staging, dir);
  } catch (e) {
    // Another suite put its copy in place first: use that one.
    rmSync(staging, { recursive: true, force: true });
    if (!existsSync(candidate.executablePath)) throw e;
  }
  return candidate;
}

async function candidates(): Promise<Candidate[]> {
  const explicit = process.env.BONKL_CHROMIUM;
  if (explicit)
    return [{ source: `BONKL_CHROMIUM=${explicit}`, executablePath: explicit, args: QUIET_FLAGS }];
  const found: Candidate[] = [];
  const packaged = await packagedChromium();
  if (packaged) found.push(packaged);
  for (const path of SYSTEM_PATHS) {
    if (existsSync(path)) found.push({ source: path, executablePath: path, args: QUIET_FLAGS });
  }
  return found;
}

/** The first browser that starts, as listed above; one line naming what failed and how to fix it if none. */
export async function launchBrowser(): Promise<Browser> {
  const failed: string[] = [];
  let list: Candidate[] = [];
  try {
    list = await candidates();
  } catch (e) {
    failed.push(`@sparticuz/chromium: ${firstLine(e)}`);
  }
  for (const c of list) {
    try {
      return await chromium.launch({ executablePath: c.executablePath, args: [...c.args] });
    } catch (e) {
      failed.push(`${c.source}: ${firstLine(e)}`);
    }
  }
  const tried = failed.length > 0 ? failed.join("; ") : "none found";
  throw new Error(`no browser for the browser tests (${tried}): ${HOW}`);
}

function firstLine(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  return text.split("\n").find((l) => l.trim() !== "") ?? text;
}

/** Collects console errors and uncaught page errors, so a test can assert there were none. */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(`console: ${message.text()}`);
  });
  page.on("pageerror", (error) => errors.push(`pageerror: ${error.message}`));
  return errors;
}
