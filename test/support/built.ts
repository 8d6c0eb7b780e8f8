// Global setup of the projects that run the compiled package (cli, browser, consumer): when dist/ is
// missing or older than a source file, `npm run build` runs first, so a targeted `npx vitest run
// test/cli/…` never tests stale JavaScript. `npm test` builds before vitest, so there this does nothing.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";

const ROOT = resolve(import.meta.dirname, "..", "..");

function newest(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return t;
}

/** Whether dist/ holds the compiled library and the built site, newer than every source file. */
export function distIsFresh(): boolean {
  const outputs = [join(ROOT, "dist", "cli", "main.js"), join(ROOT, "dist", "web", "index.html")];
  if (!outputs.every(existsSync)) return false;
  const built = Math.min(...outputs.map((f) => statSync(f).mtimeMs));
  const sources = Math.max(
    newest(join(ROOT, "src")),
    ...["package.json", "tsconfig.json", "tsconfig.build.json", "vite.config.ts"].map(
      (f) => statSync(join(ROOT, f)).mtimeMs,
    ),
  );
  return sources <= built;
}

export default function setup(): void {
  if (distIsFresh()) return;
  process.stderr.write("dist/ is missing or older than src/: npm run build\n");
  const run = spawnSync("npm", ["run", "build"], { cwd: ROOT, stdio: ["ignore", "inherit", "inherit"] });
  if (run.status !== 0) throw new Error(`npm run build failed (status ${run.status ?? run.signal})`);
}
