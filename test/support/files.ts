// Folders a test cannot write to, made in the way that stops the user running the tests: permission
// bits stop an ordinary user but not root, so as root the folder is bound read-only onto itself
// (EROFS), which needs the right to mount; where neither works the caller skips.
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync } from "node:fs";

/** A folder that cannot be written, and how to undo that (call it in afterAll), or undefined. */
export interface ReadOnlyFolder {
  readonly path: string;
  readonly how: "read-only mount" | "permission bits";
  release(): void;
}

/** Makes `path` (created here) unwritable for this user, or returns undefined when it cannot. */
export function readOnlyFolder(path: string): ReadOnlyFolder | undefined {
  mkdirSync(path, { recursive: true });
  if (process.getuid?.() !== 0) {
    chmodSync(path, 0o555);
    return { path, how: "permission bits", release: () => chmodSync(path, 0o755) };
  }
  const release = bindMount(path, path, true);
  return release && { path, how: "read-only mount", release };
}

/**
 * Binds `source` onto `target` (a folder made here), read-only if asked; returns the undo, or
 * undefined when this user may not mount.
 */
export function bindMount(source: string, target: string, readOnly = false): (() => void) | undefined {
  mkdirSync(target, { recursive: true });
  const options = readOnly ? ["-o", "ro"] : [];
  const mounted = spawnSync("mount", ["--bind", ...options, source, target], { stdio: "ignore" });
  if (mounted.status !== 0) return undefined;
  return () => {
    spawnSync("umount", [target], { stdio: "ignore" });
  };
}

/** Makes a named pipe (opening one for writing blocks until a reader comes: a hang to avoid). */
export function makeFifo(path: string): boolean {
  return spawnSync("mkfifo", [path], { stdio: "ignore" }).status === 0;
}

/** Mounts a tmpfs of `bytes` at `target` (made here), to fill a disk on purpose; the undo, or undefined. */
export function smallDisk(target: string, bytes: number): (() => void) | undefined {
  mkdirSync(target, { recursive: true });
  const mounted = spawnSync("mount", ["-t", "tmpfs", "-o", `size=${bytes}`, "tmpfs", target], {
    stdio: "ignore",
  });
  if (mounted.status !== 0) return undefined;
  return () => {
    spawnSync("umount", [target], { stdio: "ignore" });
  };
}
