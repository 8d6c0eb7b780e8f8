// src/plot is shared by the CLI, the report and the explorer: pure modules drawing with a document
// they are given. No Node built-in, no DOM global, no renderer or DOM implementation of its own.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const DIR = "src/plot";
const files = readdirSync(DIR).filter((f) => f.endsWith(".ts"));

describe("src/plot is pure", () => {
  it("has modules", () => expect(files.length).toBeGreaterThan(5));
  for (const file of files) {
    it(`${file} imports neither Node, a DOM, nor a renderer, and reads no DOM global`, () => {
      const text = readFileSync(join(DIR, file), "utf8");
      const code = text.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, "");
      for (const [, kind, s] of code.matchAll(/\bimport\s+(type\s+)?[^;]*?\bfrom\s+"([^"]+)"/g)) {
        // Plot itself, sibling modules, and the core's types (a result's shape).
        const allowed =
          s === "@observablehq/plot" || s!.startsWith("./") || (!!kind && s!.startsWith("../core/"));
        expect(allowed, `${file} imports ${s}`).toBe(true);
      }
      expect(code).not.toMatch(/\b(window|globalThis|self|process|require)\b/);
      // `document` only as the parameter a caller passes in, never the global (the Node type-check, which
      // has no DOM library, rejects any other use).
      if (/(?<![.\w])document\b/.test(code)) expect(code).toMatch(/\bdocument: FigureDocument\b/);
    });
  }
});
