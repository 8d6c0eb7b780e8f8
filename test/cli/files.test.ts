import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { type Run, startBonkl } from "../support/cli.js";
import { readOnlyFolder, smallDisk } from "../support/files.js";

// Output paths are checked before any work, each failure one line naming its flag with exit status 2,
// nothing written; the reproducers of issue 14 item 4 among them. Each run has a hang guard: a command
// that writes under /proc used to loop forever in Node's recursive mkdir.

const TMP = mkdtempSync(join(tmpdir(), "bonkl-files-cli-"));
const readOnly = readOnlyFolder(join(TMP, "read-only"));
/** A folder at the top of the tree, as in the reproducer (/nonexistent/s.jsonl); removed should it appear. */
const TOP = `/bonkl-missing-${process.pid}`;
afterAll(() => {
  readOnly?.release();
  rmSync(TMP, { recursive: true, force: true });
  rmSync(TOP, { recursive: true, force: true });
});

/** Longer than any run here takes (a second or two), far shorter than the test's own timeout. */
const HANG = 30_000;

/** Runs the CLI, killing it (status null, `hung`) if it has not ended within HANG ms. */
function run(args: readonly string[]): Promise<Run & { hung: boolean }> {
  return new Promise((done, fail) => {
    const child = startBonkl(args);
    let stdout = "";
    let stderr = "";
    let hung = false;
    const timer = setTimeout(() => {
      hung = true;
      child.kill("SIGKILL");
    }, HANG);
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      stderr += d;
    });
    child.on("error", fail);
    child.on("close", (status) => {
      clearTimeout(timer);
      done({ status, stdout, stderr, hung });
    });
  });
}

/** Exit 2 at once, one line `bonkl: error: <flag>: …` matching `pattern`, nothing on stdout. */
function expectRefused(r: Run & { hung: boolean }, flag: string, pattern: RegExp): void {
  expect(r.hung).toBe(false);
  expect(r.stdout).toBe("");
  expect(r.stderr.endsWith("\n")).toBe(true);
  expect(r.stderr.trimEnd().split("\n")).toHaveLength(1);
  expect(r.stderr.startsWith(`bonkl: error: ${flag}: `)).toBe(true);
  expect(r.stderr).toMatch(pattern);
  expect(r.status).toBe(2);
}

/** The files and folders under `dir`, recursively (to show nothing was created). */
function tree(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" }).sort();
}

/** Three prompts × four scored responses. */
const SAMPLES = join(TMP, "samples.jsonl");
writeFileSync(
  SAMPLES,
  `${[0, 1, 2]
    .flatMap((p) => [0, 1, 2, 3].map((k) => JSON.stringify({ prompt: p, reward: (k * 7 + p) % 5 })))
    .join("\n")}\n`,
);
/** `select` best-of-2 on SAMPLES, without its --out. */
const SELECT = ["select", "--samples", SAMPLES, "--method", "bon", "--n", "2"];
const A_FILE = join(TMP, "a-file");
writeFileSync(A_FILE, "not a folder\n");

describe.concurrent("bonkl: output paths checked before any work", () => {
  it("estimate --report under a file, under /proc, and into a read-only folder: exit 2, --report named", async () => {
    const cases = [
      { dir: join(A_FILE, "report"), why: /is a file, not a folder/ },
      { dir: "/proc/bonkl-report", why: /is on \/proc, a special file system/ },
      ...(readOnly
        ? [{ dir: join(readOnly.path, "report"), why: /cannot write in the folder .*\((EROFS|EACCES)/ }]
        : []),
    ];
    const runs = await Promise.all(
      cases.map((c) => run(["estimate", "--samples", SAMPLES, "--report", c.dir])),
    );
    runs.forEach((r, i) => {
      expectRefused(r, "--report", cases[i]!.why);
    });
    expect(existsSync("/proc/bonkl-report")).toBe(false);
    if (readOnly) expect(readdirSync(readOnly.path)).toEqual([]);
  });

  it("report --out /proc/x answers at once (it used to hang), naming --out", async () => {
    const [proc, sys] = await Promise.all([
      run(["report", "--quick", "--models", "ternary", "--out", "/proc/bonkl-x"]),
      run(["report", "--quick", "--models", "ternary", "--out", "/sys/bonkl-x", "--mkdir"]),
    ]);
    expectRefused(proc, "--out", /"\/proc\/bonkl-x" is on \/proc/);
    expectRefused(sys, "--out", /"\/sys\/bonkl-x" is on \/sys/);
    expect(proc.stderr).not.toMatch(/bonkl: report: /);
  });

  it.skipIf(readOnly === undefined)(
    "select --out into a read-only folder names --out, not --samples",
    async () => {
      const r = await run([...SELECT, "--out", join(readOnly!.path, "best.jsonl")]);
      expectRefused(r, "--out", /cannot write in the folder/);
      expect(readdirSync(readOnly!.path)).toEqual([]);
    },
  );

  it("sample --out under a missing folder creates nothing unless --mkdir", async () => {
    const dir = mkdtempSync(join(TMP, "missing-"));
    const base = ["sample", "--model", "ternary", "--prompts", "3", "--per-prompt", "2"];
    const [nested, atTop] = await Promise.all([
      run([...base, "--out", join(dir, "a", "b", "s.jsonl")]),
      run([...base, "--out", `${TOP}/s.jsonl`]),
    ]);
    expectRefused(nested, "--out", /the folder ".*a\/b" does not exist \(give --mkdir to create it\)/);
    expectRefused(atTop, "--out", /does not exist/);
    expect(tree(dir)).toEqual([]);
    expect(existsSync(TOP)).toBe(false);
    const made = await run([...base, "--out", join(dir, "a", "b", "s.jsonl"), "--mkdir"]);
    expect(made.status).toBe(0);
    expect(tree(dir)).toEqual(["a", join("a", "b"), join("a", "b", "s.jsonl")]);
  });

  it("--mkdir folders are removed again when the command then fails", async () => {
    const dir = mkdtempSync(join(TMP, "undo-"));
    const r = await run([
      "frontier",
      "--model",
      '{"p": [0.5, 0.4], "r": [0, 1]}',
      "--plot",
      join(dir, "x", "y", "f.svg"),
      "--mkdir",
    ]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^bonkl: error: model\.p: /);
    expect(tree(dir)).toEqual([]);
  });

  it("an existing file is replaced only with --force (--out, --plot, --per-prompt)", async () => {
    const dir = mkdtempSync(join(TMP, "exists-"));
    const old = (name: string) => {
      writeFileSync(join(dir, name), "old\n");
      return join(dir, name);
    };
    const [out, plot, perPrompt] = [old("s.jsonl"), old("f.svg"), old("p.jsonl")];
    const sample = ["sample", "--model", "ternary", "--prompts", "3", "--per-prompt", "2", "--out", out];
    const refused = await Promise.all([
      run(sample),
      run(["frontier", "--model", "ternary", "--plot", plot]),
      run(["estimate", "--samples", SAMPLES, "--per-prompt", perPrompt, "--bootstrap", "0"]),
    ]);
    expectRefused(refused[0]!, "--out", /"[^"]*s\.jsonl" exists; give --force to replace it$/m);
    expectRefused(refused[1]!, "--plot", /f\.svg" exists; give --force/);
    expectRefused(refused[2]!, "--per-prompt", /p\.jsonl" exists; give --force/);
    for (const f of [out, plot, perPrompt]) expect(readFileSync(f, "utf8")).toBe("old\n");
    const forced = await Promise.all([
      run([...sample, "--force"]),
      run(["frontier", "--model", "ternary", "--plot", plot, "--force"]),
      run(["estimate", "--samples", SAMPLES, "--per-prompt", perPrompt, "--bootstrap", "0", "--force"]),
    ]);
    for (const r of forced) expect(r.status).toBe(0);
    expect(readFileSync(out, "utf8")).toMatch(/^\{"prompt":0,/);
    expect(readFileSync(plot, "utf8")).toMatch(/^<svg/);
    expect(readFileSync(perPrompt, "utf8").trim().split("\n")).toHaveLength(3);
    expect(tree(dir)).toEqual(["f.svg", "p.jsonl", "s.jsonl"]);
  });

  it("an output folder that is not empty needs --force; a folder given as a file is refused", async () => {
    const dir = mkdtempSync(join(TMP, "folder-"));
    mkdirSync(join(dir, "report"));
    writeFileSync(join(dir, "report", "notes.txt"), "mine\n");
    const [full, asFile] = await Promise.all([
      run(["estimate", "--samples", SAMPLES, "--bootstrap", "0", "--report", join(dir, "report")]),
      run([...SELECT, "--out", join(dir, "report")]),
    ]);
    expectRefused(full, "--report", /the folder ".*report" is not empty; give --force to write into it/);
    expectRefused(asFile, "--out", /"[^"]*report" is a folder; give a file name/);
    const forced = await run([
      "estimate",
      "--samples",
      SAMPLES,
      "--bootstrap",
      "0",
      "--report",
      join(dir, "report"),
      "--force",
    ]);
    expect(forced.status).toBe(0);
    // The page's files are added; what was there stays.
    expect(readdirSync(join(dir, "report")).sort()).toEqual(["figure.png", "index.html", "notes.txt"]);
    expect(readFileSync(join(dir, "report", "notes.txt"), "utf8")).toBe("mine\n");
  });

  it("special files: /dev/null as --out, /dev as --plot, two outputs at one path", async () => {
    const dir = mkdtempSync(join(TMP, "special-"));
    const [devNull, dev, twice] = await Promise.all([
      run([...SELECT, "--out", "/dev/null.jsonl", "--force"]),
      run(["ldp", "--model", "ternary", "--kl-rate", "0.5", "--plot", "/dev/shm/bonkl-ldp.svg"]),
      run([
        "estimate",
        "--samples",
        SAMPLES,
        "--per-prompt",
        join(dir, "x.jsonl"),
        "--plot",
        join(dir, "x.jsonl"),
      ]),
    ]);
    expectRefused(devNull, "--out", /is on \/dev, a special file system/);
    expectRefused(dev, "--plot", /is on \/dev/);
    // --plot's own check (the extension) comes first, then the paths are checked together.
    expectRefused(twice, "--plot", /\.svg or \.png/);
    const same = await run([
      "estimate",
      "--samples",
      SAMPLES,
      "--per-prompt",
      join(dir, "x.svg.jsonl"),
      "--plot",
      join(dir, "a.svg"),
      "--plot",
      join(dir, "a.svg"),
    ]);
    expectRefused(same, "--plot", /"[^"]*a\.svg" is given twice/);
    expect(tree(dir)).toEqual([]);
  });
});

// A disk that fills during the final write (a 64 KiB tmpfs, where this user may mount one): the check
// passes, the write fails, and the failure is still one line naming the flag, with nothing left behind.
const FULL = join(TMP, "full");
const unmountFull = smallDisk(FULL, 64 * 1024);
afterAll(() => unmountFull?.());

describe.skipIf(unmountFull === undefined)("bonkl: a disk full during the final write", () => {
  it("sample, select, estimate --per-prompt and --report: one line naming the flag, nothing left", async () => {
    const big = join(TMP, "big.jsonl");
    // 30,000 rows: about 1 MB as JSONL, and every output below is larger than the disk.
    const sample = ["sample", "--model", "ternary", "--prompts", "3000", "--per-prompt", "10"];
    const made = await run([...sample, "--out", big]);
    expect(made.status).toBe(0);
    const runs = await Promise.all([
      run([...sample, "--out", join(FULL, "s.jsonl")]),
      run(["select", "--samples", big, "--method", "bon", "--n", "2", "--out", join(FULL, "best.jsonl")]),
    ]);
    expectRefused(
      runs[0]!,
      "--out",
      /cannot write "[^"]*s\.jsonl" \(ENOSPC: no space left on the device\)$/m,
    );
    expectRefused(runs[1]!, "--out", /cannot write "[^"]*best\.jsonl": .*No space left on device/);
    expect(readdirSync(FULL)).toEqual([]);
    const estimates = await Promise.all([
      run(["estimate", "--samples", big, "--bootstrap", "0", "--per-prompt", join(FULL, "p.jsonl")]),
      run(["estimate", "--samples", big, "--bootstrap", "0", "--report", join(FULL, "report")]),
    ]);
    // estimate reports what it read before it fails at the end: the error is its last line.
    for (const [r, flag] of [
      [estimates[0]!, "--per-prompt"],
      [estimates[1]!, "--report"],
    ] as const) {
      expect(r.status).toBe(2);
      expect(r.stdout).toBe("");
      expect(r.stderr.trimEnd().split("\n").at(-1)).toMatch(
        new RegExp(`^bonkl: error: ${flag}: cannot write ".*" \\(ENOSPC: no space left on the device\\)$`),
      );
    }
    // The report folder the failed run made is gone with what it had written into it.
    expect(readdirSync(FULL)).toEqual([]);
  });
});

describe.concurrent("bonkl: model files", () => {
  it("duplicate outcome labels are refused at their index", async () => {
    const r = await run([
      "tilt",
      "--model",
      '{"outcomes": ["a", "a"], "p": [0.5, 0.5], "r": [0, 1]}',
      "--kl",
      "0.1",
    ]);
    expectRefused(r, "model.outcomes[1]", /"a" is already model\.outcomes\[0\]; labels must be distinct$/m);
  });

  it("a model file that is not UTF-8 is refused with the byte offset of the first bad sequence", async () => {
    const file = join(TMP, "latin1.json");
    writeFileSync(
      file,
      Buffer.from('{"outcomes": ["ok", "d\u00e9j\u00e0"], "p": [0.5, 0.5], "r": [0, 1]}', "latin1"),
    );
    const r = await run(["bon", "--model", file, "--n", "4"]);
    // `{"outcomes": ["ok", "d` is 22 bytes: é (0xE9 in Latin-1) is byte 22.
    expectRefused(
      r,
      "--model",
      /is not UTF-8 text: invalid byte sequence at byte offset 22 \(line 1, byte 0xe9\)$/m,
    );
  });
});
