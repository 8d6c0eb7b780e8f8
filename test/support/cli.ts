// The CLI run as a child process, exactly as a user runs it: from the project root, no stdin, both
// outputs piped, without BONKL_DEBUG (so failures look as a user sees them).
import { type ChildProcessByStdio, spawn } from "node:child_process";
import { join, resolve } from "node:path";
import type { Readable } from "node:stream";

export const ROOT = resolve(import.meta.dirname, "..", "..");
export const BIN = join(ROOT, "bin", "bonkl.mjs");

export interface Run {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function childEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.BONKL_DEBUG;
  return env;
}

/** Starts the CLI with `args`. */
export function startBonkl(args: readonly string[]): ChildProcessByStdio<null, Readable, Readable> {
  return spawn(process.execPath, [BIN, ...args], {
    cwd: ROOT,
    env: childEnv(),
    stdio: ["ignore", "pipe", "pipe"],
  });
}

/** Runs the CLI with `args` to the end. */
export function bonkl(args: readonly string[]): Promise<Run> {
  return new Promise((done, fail) => {
    const child = startBonkl(args);
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      stderr += d;
    });
    child.on("error", fail);
    child.on("close", (status) => done({ status, stdout, stderr }));
  });
}
