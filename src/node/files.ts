import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { basename, dirname, join } from "node:path";
import { InputError, show } from "../core/errors.js";

/**
 * Files, written so that a reader never sees half of one: the bytes go to a temporary file beside the
 * destination, renamed into place once complete; a failure removes the temporary file.
 */

/** A fresh temporary name in the destination's folder (same file system, so the rename is atomic). */
export function temporaryPathFor(path: string, suffix = ".tmp"): string {
  return join(
    dirname(path),
    `.${basename(path)}.${process.pid}.${Math.random().toString(36).slice(2)}${suffix}`,
  );
}

/**
 * Writes a file atomically: the bytes go to a temporary file in the destination's folder (created if
 * missing), which is then renamed into place, so a reader never sees a half-written file and a failed
 * write leaves nothing behind.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = temporaryPathFor(path);
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (error) {
    rmSync(tmp, { force: true });
    throw error;
  }
}

/** Lines written to a temporary file as they come (memory stays bounded), renamed into place on commit. */
export class AtomicLines {
  private readonly tmp: string;
  private fd: number | undefined;
  private pending: string[] = [];
  private size = 0;
  private done = false;

  /** Opens the temporary file; `field` names the path in the error when it cannot be written. */
  constructor(
    private readonly path: string,
    field: string,
  ) {
    this.tmp = temporaryPathFor(path);
    try {
      this.fd = openSync(this.tmp, "w");
    } catch (e) {
      throw new InputError(field, `cannot write ${show(path)} (${errorCode(e)})`, "unwritable");
    }
  }

  /** Adds one line (without its newline). */
  write(line: string): void {
    this.pending.push(line);
    this.size += line.length;
    if (this.size > 1 << 20) this.flush();
  }

  private flush(): void {
    if (this.pending.length > 0) writeSync(this.fd!, `${this.pending.join("\n")}\n`);
    this.pending = [];
    this.size = 0;
  }

  /** Writes what is pending and renames the file into place. */
  commit(): void {
    this.flush();
    closeSync(this.fd!);
    this.fd = undefined;
    renameSync(this.tmp, this.path);
    this.done = true;
  }

  /** Removes the temporary file unless committed (call it in a finally). */
  abort(): void {
    if (this.done) return;
    if (this.fd !== undefined) closeSync(this.fd);
    rmSync(this.tmp, { force: true });
  }
}

/** The code of a Node system error ("EACCES"), or "error". */
export function errorCode(e: unknown): string {
  return e instanceof Error && "code" in e && typeof e.code === "string" ? e.code : "error";
}

/**
 * The text of a file as UTF-8, or undefined when there is no such path; a folder or an unreadable file
 * is an InputError for `field`.
 */
export function readTextFile(path: string, field: string): string | undefined {
  if (!existsSync(path)) return undefined;
  if (statSync(path).isDirectory()) {
    throw new InputError(field, `${show(path)} is a directory, expected a file`, "unreadable");
  }
  try {
    return readFileSync(path, "utf8");
  } catch (e) {
    throw new InputError(field, `cannot read ${show(path)} (${errorCode(e)})`, "unreadable");
  }
}
