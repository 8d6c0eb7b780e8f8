import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { InputError } from "../../src/core/errors.js";
import { AtomicLines, readTextFile, writeFileAtomic } from "../../src/node/files.js";

const TMP = mkdtempSync(join(tmpdir(), "bonkl-files-"));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));

describe("atomic files", () => {
  it("writeFileAtomic makes the folder, replaces the file whole, and leaves no temporary file", () => {
    const path = join(TMP, "a", "b", "out.txt");
    writeFileAtomic(path, "first");
    writeFileAtomic(path, Uint8Array.from([104, 105]));
    expect(readFileSync(path, "utf8")).toBe("hi");
    expect(readdirSync(join(TMP, "a", "b"))).toEqual(["out.txt"]);
  });

  it("a failed write leaves the old file and no temporary file", () => {
    const dir = join(TMP, "blocked");
    mkdirSync(dir);
    const path = join(dir, "out.txt");
    writeFileSync(path, "old");
    // The destination is a folder: the rename fails after the temporary file was written.
    const target = join(dir, "folder");
    mkdirSync(join(target, "inside"), { recursive: true });
    expect(() => writeFileAtomic(target, "new")).toThrow();
    expect(readdirSync(dir).sort()).toEqual(["folder", "out.txt"]);
    expect(readFileSync(path, "utf8")).toBe("old");
  });

  it("AtomicLines: nothing at the path before commit, every line after; abort leaves nothing", () => {
    const path = join(TMP, "lines.jsonl");
    const lines = new AtomicLines(path, "--per-prompt");
    for (let i = 0; i < 3; i++) lines.write(`{"i":${i}}`);
    expect(readdirSync(TMP)).not.toContain("lines.jsonl");
    lines.commit();
    lines.abort();
    expect(readFileSync(path, "utf8")).toBe('{"i":0}\n{"i":1}\n{"i":2}\n');
    const dropped = new AtomicLines(join(TMP, "dropped.jsonl"), "--per-prompt");
    dropped.write("x");
    dropped.abort();
    expect(readdirSync(TMP).filter((f) => f.includes("dropped"))).toEqual([]);
    expect(() => new AtomicLines(join(TMP, "no", "such", "dir.jsonl"), "--per-prompt")).toThrow(
      /^--per-prompt: cannot write .* \(ENOENT\)$/,
    );
  });

  it("readTextFile: undefined for no such path; a folder or an unreadable file is an InputError", () => {
    const path = join(TMP, "text.txt");
    writeFileSync(path, "héllo");
    expect(readTextFile(path, "--model")).toBe("héllo");
    expect(readTextFile(join(TMP, "none.txt"), "--model")).toBeUndefined();
    expect(() => readTextFile(TMP, "--model")).toThrow(InputError);
    if (process.getuid?.() !== 0) {
      chmodSync(path, 0);
      expect(() => readTextFile(path, "--model")).toThrow(/cannot read .* \(EACCES\)/);
    }
  });
});
