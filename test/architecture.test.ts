import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

// The core is shared by the CLI, the report and the web page: it must not import Node or the DOM,
// nor anything outside src/core.
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? filesUnder(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : [],
  );
}

describe("src/core is pure", () => {
  const files = filesUnder("src/core");
  it("has modules", () => {
    expect(files.length).toBeGreaterThan(10);
  });
  for (const file of files) {
    it(`${file} imports only core modules`, () => {
      const text = readFileSync(file, "utf8");
      const specifiers = [...text.matchAll(/\bfrom\s+"([^"]+)"/g)].map((m) => m[1]!);
      for (const s of specifiers) {
        expect(s.startsWith("./") || s.startsWith("../"), `${file} imports ${s}`).toBe(true);
        expect(s.includes("/cli/") || s.includes("/plot/"), `${file} imports ${s}`).toBe(false);
      }
      expect(text).not.toMatch(/\b(process|document|window|require)\./);
    });
  }
});
