#!/usr/bin/env node
// The CLI from a checkout: runs the compiled dist/cli/main.js (the installed package's bin runs it
// directly). `npm run build` writes dist/; `npm test` and `npm run demo` build first.
import { existsSync } from "node:fs";

const main = new URL("../dist/cli/main.js", import.meta.url);
if (!existsSync(main)) {
  process.stderr.write("bonkl: error: dist/ is not built: run npm run build first\n");
  process.exit(2);
}
await import(main.href);
