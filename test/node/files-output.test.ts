import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { InputError } from "../../src/core/errors.js";
import {
  AtomicLines,
  checkOutputPath,
  checkOutputPaths,
  makeParentFolders,
  removeEmptyFolders,
  resolveInside,
  specialFileSystem,
  writeFileAtomic,
} from "../../src/node/files.js";
import { bindMount, makeFifo, readOnlyFolder } from "../support/files.js";

const TMP = mkdtempSync(join(tmpdir(), "bonkl-outputs-"));
const readOnly = readOnlyFolder(join(TMP, "read-only"));
afterAll(() => {
  readOnly?.release();
  rmSync(TMP, { recursive: true, force: true });
});

/** A fresh empty folder for one test. */
const fresh = (name: string) => mkdtempSync(join(TMP, `${name}-`));

/** The InputError `f` throws (failing the test when it throws nothing or something else). */
function refusal(f: () => void): InputError {
  try {
    f();
  } catch (e) {
    if (e instanceof InputError) return e;
    throw e;
  }
  throw new Error("expected an InputError, got none");
}

describe("checkOutputPath: files", () => {
  it("accepts a new file in an existing folder, and creates nothing (the probe file is removed)", () => {
    const dir = fresh("new");
    checkOutputPath(join(dir, "out.jsonl"), "--out", "file");
    expect(readdirSync(dir)).toEqual([]);
  });

  it("refuses a missing folder unless --mkdir, and never creates it itself", () => {
    const dir = fresh("missing");
    const path = join(dir, "a", "b", "out.svg");
    const e = refusal(() => checkOutputPath(path, "--plot", "file"));
    expect(e.field).toBe("--plot");
    expect(e.code).toBe("no_such_file");
    expect(e.detail).toMatch(/the folder ".*a\/b" does not exist \(give --mkdir to create it\)/);
    checkOutputPath(path, "--plot", "file", { mkdir: true });
    expect(readdirSync(dir)).toEqual([]);
    // makeParentFolders makes them one by one; removeEmptyFolders undoes it while they are empty.
    const made = makeParentFolders(path);
    expect(made).toEqual([join(dir, "a"), join(dir, "a", "b")]);
    removeEmptyFolders(made);
    expect(readdirSync(dir)).toEqual([]);
    // A folder that is not empty stays.
    writeFileAtomic(join(makeParentFolders(path)[1]!, "keep.txt"), "kept");
    removeEmptyFolders([join(dir, "a"), join(dir, "a", "b")]);
    expect(readFileSync(join(dir, "a", "b", "keep.txt"), "utf8")).toBe("kept");
  });

  it("refuses a file where a folder is expected, and a folder where a file is", () => {
    const dir = fresh("kinds");
    writeFileSync(join(dir, "file"), "");
    for (const mkdir of [false, true]) {
      const e = refusal(() =>
        checkOutputPath(join(dir, "file", "x", "out.png"), "--plot", "file", { mkdir }),
      );
      expect(e.detail).toMatch(/"[^"]*\/file" is a file, not a folder$/);
    }
    mkdirSync(join(dir, "folder"));
    expect(
      refusal(() => checkOutputPath(join(dir, "folder"), "--out", "file", { force: true })).detail,
    ).toMatch(/is a folder; give a file name$/);
    expect(readdirSync(dir).sort()).toEqual(["file", "folder"]);
  });

  it("refuses to replace an existing file without --force; with it, accepts", () => {
    const dir = fresh("exists");
    const path = join(dir, "s.jsonl");
    writeFileSync(path, "old");
    const e = refusal(() => checkOutputPath(path, "--out", "file"));
    expect(e.detail).toMatch(/"[^"]*s\.jsonl" exists; give --force to replace it$/);
    expect(e.code).toBe("conflict");
    checkOutputPath(path, "--out", "file", { force: true });
    expect(readFileSync(path, "utf8")).toBe("old");
    // A link to nothing is there too: replacing it needs --force as well.
    symlinkSync(join(dir, "nowhere"), join(dir, "dangling.svg"));
    expect(refusal(() => checkOutputPath(join(dir, "dangling.svg"), "--plot", "file")).detail).toMatch(
      /exists/,
    );
  });

  it("refuses a named pipe even with --force (opening it for writing would block)", () => {
    const dir = fresh("fifo");
    const pipe = join(dir, "pipe.jsonl");
    if (!makeFifo(pipe)) return;
    expect(refusal(() => checkOutputPath(pipe, "--out", "file", { force: true })).detail).toMatch(
      /not a regular file/,
    );
  });

  it("refuses /proc, /sys and /dev at once (Node's recursive mkdir loops forever under /proc)", () => {
    for (const [path, where] of [
      ["/proc/bonkl-x/report", "/proc"],
      ["/proc/self/status", "/proc"],
      ["/sys/bonkl-x.svg", "/sys"],
      ["/dev/null", "/dev"],
      ["/dev/shm/bonkl-x.png", "/dev"],
    ] as const) {
      for (const kind of ["file", "folder"] as const) {
        const e = refusal(() => checkOutputPath(path, "--report", kind, { mkdir: true, force: true }));
        expect(e.field).toBe("--report");
        expect(e.detail).toContain(`is on ${where}, a special file system`);
      }
    }
    expect(specialFileSystem("/proc")).toBe("/proc");
    expect(specialFileSystem("/processes")).toBeUndefined();
    expect(specialFileSystem(TMP)).toBeUndefined();
  });

  it("follows links: a folder linked to /proc is refused, naming the link", () => {
    const dir = fresh("links");
    symlinkSync("/proc/self", join(dir, "self"));
    const e = refusal(() => checkOutputPath(join(dir, "self", "x.svg"), "--plot", "file"));
    expect(e.detail).toMatch(/through a link to "\/proc\/\d+"\) is on \/proc/);
  });

  // The kernel's sysfs seen at an ordinary path (bound there): only its statfs type tells what it is.
  const sysfsView = join(TMP, "sysfs-view");
  const unbind = process.platform === "linux" ? bindMount("/sys/kernel", sysfsView, true) : undefined;
  afterAll(() => unbind?.());

  it.skipIf(unbind === undefined)(
    "knows a kernel file system by its statfs type wherever it is mounted",
    () => {
      expect(specialFileSystem(sysfsView)).toBe("sysfs");
      const e = refusal(() => checkOutputPath(join(sysfsView, "x.svg"), "--plot", "file", { force: true }));
      expect(e.detail).toContain("is on a sysfs file system, a special file system");
    },
  );

  it.skipIf(readOnly === undefined)("refuses a folder that cannot be written (proved by writing)", () => {
    for (const [path, kind] of [
      [join(readOnly!.path, "out.jsonl"), "file"],
      [join(readOnly!.path, "report"), "folder"],
      [readOnly!.path, "folder"],
      [join(readOnly!.path, "a", "b.svg"), "file"],
    ] as const) {
      const e = refusal(() => checkOutputPath(path, "--out", kind, { mkdir: true }));
      expect(e.code).toBe("unwritable");
      expect(e.detail).toMatch(/^cannot write in the folder ".*read-only" \((EROFS|EACCES)/);
    }
  });

  it("accepts '-' only where standard output is allowed, and an empty path never", () => {
    checkOutputPath("-", "--out", "file", { stdout: true });
    expect(refusal(() => checkOutputPath("", "--out", "file")).detail).toMatch(/empty/);
  });
});

describe("checkOutputPath: folders", () => {
  it("a missing or empty folder is fine; a non-empty one needs --force; a file is no folder", () => {
    const dir = fresh("folders");
    checkOutputPath(join(dir, "report"), "--report", "folder");
    mkdirSync(join(dir, "report"));
    checkOutputPath(join(dir, "report"), "--report", "folder");
    writeFileSync(join(dir, "report", "index.html"), "");
    const e = refusal(() => checkOutputPath(join(dir, "report"), "--report", "folder"));
    expect(e.detail).toMatch(/the folder ".*report" is not empty; give --force to write into it/);
    checkOutputPath(join(dir, "report"), "--report", "folder", { force: true });
    writeFileSync(join(dir, "plain"), "");
    expect(refusal(() => checkOutputPath(join(dir, "plain"), "--out", "folder")).detail).toMatch(
      /exists and is not a folder$/,
    );
    expect(refusal(() => checkOutputPath(join(dir, "no", "report"), "--out", "folder")).detail).toMatch(
      /does not exist \(give --mkdir/,
    );
  });
});

describe("checkOutputPaths", () => {
  it("refuses two outputs at one place, naming both flags", () => {
    const dir = fresh("twice");
    const a = join(dir, "a.svg");
    expect(
      refusal(() =>
        checkOutputPaths([
          { field: "--plot", path: a },
          { field: "--plot", path: join(dir, ".", "a.svg") },
        ]),
      ).detail,
    ).toMatch(/is given twice$/);
    expect(
      refusal(() =>
        checkOutputPaths([
          { field: "--out", path: a },
          { field: "--per-prompt", path: a },
        ]),
      ).detail,
    ).toMatch(/is also the path given to --out$/);
    checkOutputPaths([
      { field: "--plot", path: a },
      { field: "--plot", path: join(dir, "a.png") },
    ]);
  });
});

describe("final writes name their flag", () => {
  it("writeFileAtomic with a field: a system error is an InputError for it", () => {
    const dir = fresh("final");
    writeFileSync(join(dir, "file"), "");
    const e = refusal(() => writeFileAtomic(join(dir, "file", "index.html"), "x", "--report"));
    expect(e.field).toBe("--report");
    expect(e.detail).toMatch(/^cannot write ".*index\.html" \(E[A-Z]+/);
    expect(() => writeFileAtomic(join(dir, "file", "index.html"), "x")).toThrow(/ENOTDIR|EEXIST/);
  });

  it.skipIf(readOnly === undefined)("AtomicLines names its flag when the folder cannot be written", () => {
    expect(() => new AtomicLines(join(readOnly!.path, "p.jsonl"), "--per-prompt")).toThrow(
      /^--per-prompt: cannot write .*p\.jsonl" \((EROFS|EACCES)/,
    );
  });
});

describe("resolveInside", () => {
  const root = fresh("site");
  const outside = fresh("outside");
  writeFileSync(join(outside, "secret.txt"), "secret");
  mkdirSync(join(root, "sub"));
  writeFileSync(join(root, "sub", "page.txt"), "page");
  symlinkSync(outside, join(root, "sub", "out"));
  symlinkSync(join(outside, "secret.txt"), join(root, "secret.txt"));
  symlinkSync(join(root, "sub", "page.txt"), join(root, "alias.txt"));

  it("gives real paths inside the root, follows links that stay inside, refuses those that leave", () => {
    expect(resolveInside(root, "/sub/page.txt")).toEqual({ path: join(root, "sub", "page.txt") });
    expect(resolveInside(root, "/alias.txt")).toEqual({ path: join(root, "sub", "page.txt") });
    expect(resolveInside(root, "/")).toEqual({ path: root });
    expect(resolveInside(root, "/sub/out/secret.txt")).toBe("outside");
    expect(resolveInside(root, "/sub/out")).toBe("outside");
    expect(resolveInside(root, "/secret.txt")).toBe("outside");
    expect(resolveInside(root, "/../outside/secret.txt")).toBe("outside");
    expect(resolveInside(root, "/missing.txt")).toBeUndefined();
  });
});
