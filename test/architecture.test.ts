import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

// The layers (docs/design.md): core is mathematics only, app says what to compute and how results
// look, plot draws figures, node and cli are the Node edge, report and web the two adapters. Each layer
// may import only the layers listed for it, so no import runs back up, and only the Node edge touches
// the file system. Package entries (src/index.ts, src/node/index.ts) only hand names on and are not a layer.

const SRC = "src";
const ENTRIES = new Set(["src/index.ts", "src/node/index.ts"]);

/** Which layers each layer may import (its own included). */
const MAY_IMPORT: Record<string, readonly string[]> = {
  core: ["core"],
  app: ["core", "app"],
  plot: ["core", "app", "plot"],
  node: ["core", "app", "plot", "node"],
  report: ["core", "app", "plot", "node", "report"],
  web: ["core", "app", "plot", "web"],
  cli: ["core", "app", "plot", "node", "report", "cli"],
};

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? filesUnder(join(dir, e.name))
      : /\.tsx?$/.test(e.name) && !e.name.endsWith(".d.ts")
        ? [join(dir, e.name)]
        : [],
  );
}

/** Every module a file imports: static, side-effect, re-export and dynamic `import("…")` forms. */
function specifiers(text: string): string[] {
  const code = text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
  return [
    ...code.matchAll(/\b(?:from|import)\s+["']([^"']+)["']/g),
    ...code.matchAll(/\bimport\(\s*["']([^"']+)["']\s*\)/g),
  ].map((m) => m[1]!);
}

/** The layer of a file under src/ (its first folder), or undefined for a package entry. */
function layerOf(file: string): string | undefined {
  const rel = relative(SRC, file).split(/[\\/]/);
  return rel.length > 1 ? rel[0] : undefined;
}

const files = filesUnder(SRC).map((f) => f.split("\\").join("/"));
const sources = new Map(files.map((f) => [f, readFileSync(f, "utf8")]));

function breaks(file: string, rule: "node" | "dom" | "fs"): boolean {
  const text = sources.get(file) ?? "";
  const specs = specifiers(text);
  if (rule === "node")
    return specs.some((s) => s.startsWith("node:") || s === "linkedom" || s.includes("resvg"));
  if (rule === "fs") return specs.some((s) => /^(node:)?fs(\/promises)?$/.test(s));
  return /(?<![.\w$])(document|window|navigator|localStorage)\./.test(text.replace(/\/\*[\s\S]*?\*\//g, ""));
}

describe("layers", () => {
  it("every layer has modules, and every file is in a layer or is a package entry", () => {
    for (const layer of Object.keys(MAY_IMPORT)) {
      expect(
        files.some((f) => layerOf(f) === layer),
        layer,
      ).toBe(true);
    }
    for (const f of files) {
      const layer = layerOf(f);
      expect(layer === undefined ? ENTRIES.has(f) : layer in MAY_IMPORT, f).toBe(true);
    }
  });

  for (const file of files) {
    const layer = layerOf(file);
    if (layer === undefined || ENTRIES.has(file)) continue;
    it(`${file} imports only what ${layer} may`, () => {
      for (const s of specifiers(sources.get(file)!)) {
        if (!s.startsWith(".")) {
          // Packages and Node built-ins: none at all in the pure layers.
          if (layer === "core" || layer === "app") expect.fail(`${file} imports the package ${s}`);
          continue;
        }
        const target = relative(SRC, resolve(dirname(file), s)).split(/[\\/]/)[0]!;
        expect(MAY_IMPORT[layer], `${file} imports ${s} (${target})`).toContain(target);
      }
    });
  }
});

describe("the pure layers", () => {
  for (const file of files.filter((f) => ["core", "app"].includes(layerOf(f) ?? ""))) {
    it(`${file} uses no Node or DOM globals`, () => {
      const code = sources.get(file)!.replace(/\/\*[\s\S]*?\*\//g, "");
      expect(code).not.toMatch(/(?<![.\w$])(process|document|window|require|Buffer)\./);
    });
  }

  for (const file of files.filter((f) => layerOf(f) === "plot")) {
    it(`${file} imports no Node module and uses no DOM global`, () => {
      for (const rule of ["node", "dom"] as const) {
        expect(breaks(file, rule), `${file}: ${rule}`).toBe(false);
      }
    });
  }
});

describe("the file system", () => {
  for (const file of files) {
    const layer = layerOf(file);
    if (layer === "node" || layer === "cli") continue;
    it(`${file} does not import node:fs (only src/node and src/cli touch files)`, () => {
      expect(breaks(file, "fs")).toBe(false);
    });
  }
});
