import {
  closeSync,
  existsSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmdirSync,
  rmSync,
  type Stats,
  statfsSync,
  statSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
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
 * write leaves nothing behind. Given `field`, a system error (no space, no permission) is an InputError
 * for it naming the file.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array, field?: string): void {
  const tmp = temporaryPathFor(path);
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (error) {
    removeQuietly(tmp);
    if (field === undefined || errorCode(error) === "error") throw error;
    throw new InputError(field, `cannot write ${show(path)} (${errorText(error)})`, "unwritable");
  }
}

/** Removes a temporary file if it is there; a path that cannot hold one (ENOTDIR) is no error either. */
function removeQuietly(path: string): void {
  try {
    rmSync(path, { force: true });
  } catch {
    // nothing was there to remove
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
    private readonly field: string,
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
    try {
      if (this.pending.length > 0) writeSync(this.fd!, `${this.pending.join("\n")}\n`);
    } catch (e) {
      throw new InputError(this.field, `cannot write ${show(this.path)} (${errorText(e)})`, "unwritable");
    }
    this.pending = [];
    this.size = 0;
  }

  /** Writes what is pending and renames the file into place. */
  commit(): void {
    this.flush();
    try {
      closeSync(this.fd!);
      this.fd = undefined;
      renameSync(this.tmp, this.path);
    } catch (e) {
      throw new InputError(this.field, `cannot write ${show(this.path)} (${errorText(e)})`, "unwritable");
    }
    this.done = true;
  }

  /** Removes the temporary file unless committed (call it in a finally). */
  abort(): void {
    if (this.done) return;
    if (this.fd !== undefined) closeSync(this.fd);
    removeQuietly(this.tmp);
  }
}

/** The code of a Node system error ("EACCES"), or "error". */
export function errorCode(e: unknown): string {
  return e instanceof Error && "code" in e && typeof e.code === "string" ? e.code : "error";
}

const ERROR_WORDS: Record<string, string> = {
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  EROFS: "read-only file system",
  ENOSPC: "no space left on the device",
  EDQUOT: "disk quota exceeded",
  ENOTDIR: "a part of the path is not a folder",
  EISDIR: "is a folder",
  ENAMETOOLONG: "name too long",
  EEXIST: "exists",
};

/** A system error's code with its meaning ("EROFS: read-only file system"), for one-line messages. */
export function errorText(e: unknown): string {
  const code = errorCode(e);
  return ERROR_WORDS[code] ? `${code}: ${ERROR_WORDS[code]}` : code;
}

/**
 * The text of a file as UTF-8, or undefined when there is no such path; a folder, an unreadable file or
 * bytes that are not UTF-8 (with the offset of the first bad sequence) are an InputError for `field`.
 */
export function readTextFile(path: string, field: string): string | undefined {
  if (!existsSync(path)) return undefined;
  if (statSync(path).isDirectory()) {
    throw new InputError(field, `${show(path)} is a directory, expected a file`, "unreadable");
  }
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new InputError(field, `cannot read ${show(path)} (${errorCode(e)})`, "unreadable");
  }
  return decodeUtf8(bytes, field, path);
}

/** Bytes decoded as UTF-8 (a leading byte-order mark dropped); anything else is refused, never replaced. */
export function decodeUtf8(bytes: Uint8Array, field: string, path: string): string {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    const at = firstInvalidUtf8(bytes);
    let line = 1;
    for (let i = 0; i < at; i++) if (bytes[i] === 0x0a) line++;
    const byte = (bytes[at] ?? 0).toString(16).padStart(2, "0");
    throw new InputError(
      field,
      `${show(path)} is not UTF-8 text: invalid byte sequence at byte offset ${at} (line ${line}, byte 0x${byte})`,
      "unreadable",
    );
  }
}

/**
 * The offset of the first byte that starts no well-formed UTF-8 sequence, or −1 when all are well
 * formed (Unicode 15, table 3-7: no overlong forms, no surrogates, nothing above U+10FFFF).
 */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  const n = bytes.length;
  let i = 0;
  while (i < n) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    let length: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) length = 2;
    else if (b >= 0xe0 && b <= 0xef) {
      length = 3;
      if (b === 0xe0) lo = 0xa0;
      if (b === 0xed) hi = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      length = 4;
      if (b === 0xf0) lo = 0x90;
      if (b === 0xf4) hi = 0x8f;
    } else return i;
    if (i + length > n) return i;
    const second = bytes[i + 1]!;
    if (second < lo || second > hi) return i;
    for (let k = 2; k < length; k++) {
      const c = bytes[i + k]!;
      if (c < 0x80 || c > 0xbf) return i;
    }
    i += length;
  }
  return -1;
}

// Output paths, checked before any work: a command that would fail at its last step (a folder that is
// missing or read-only, a typo that would create folders, a file it would silently replace, a special
// file system where writing can hang) refuses at once, in one line naming the flag.

/** What an output path names: one file, or a folder a command fills with files (`report --out DIR`). */
export type OutputKind = "file" | "folder";

/** One output path and the flag that gave it. */
export interface OutputPath {
  readonly field: string;
  readonly path: string;
  /** Default "file". */
  readonly kind?: OutputKind;
}

/** What the user allowed. */
export interface OutputRules {
  /** Replace an existing file, or write into a folder that is not empty. */
  readonly force?: boolean;
  /** Missing folders above the path may be created (by `makeParentFolders`). */
  readonly mkdir?: boolean;
  /** "-" means standard output (only for commands that write one stream). */
  readonly stdout?: boolean;
}

/** Kernel and device file systems: writing there changes the system or blocks, never makes a file. */
const SPECIAL_ROOTS = ["/proc", "/sys", "/dev"];
/** statfs(2) magic numbers of Linux pseudo file systems (linux/magic.h), found wherever mounted. */
const SPECIAL_TYPES = new Map<number, string>([
  [0x9fa0, "proc"],
  [0x62656572, "sysfs"],
  [0x1cd1, "devpts"],
  [0x64626720, "debugfs"],
  [0x74726163, "tracefs"],
  [0x73636673, "securityfs"],
  [0x27e0eb, "cgroup"],
  [0x63677270, "cgroup2"],
  [0x62656570, "configfs"],
  [0x6165676c, "pstore"],
  [0xcafe4a11, "bpf"],
  [0xde5e81e4, "efivarfs"],
  [0x65735543, "fusectl"],
  [0x42494e4d, "binfmt_misc"],
  [0x6e736673, "nsfs"],
]);

/** The special file system `realPath` (an existing, resolved path) is on, or undefined for an ordinary one. */
export function specialFileSystem(realPath: string): string | undefined {
  const root = SPECIAL_ROOTS.find((r) => realPath === r || realPath.startsWith(`${r}/`));
  if (root) return root;
  if (process.platform !== "linux") return undefined;
  try {
    return SPECIAL_TYPES.get(Number(statfsSync(realPath).type));
  } catch {
    return undefined;
  }
}

/** `stat` of a path, undefined when nothing is there (or a part of the path is a file). */
function statOrUndefined(path: string, field: string, shown: string): Stats | undefined {
  try {
    return statSync(path);
  } catch (e) {
    const code = errorCode(e);
    if (code === "ENOENT" || code === "ENOTDIR") return undefined;
    throw new InputError(field, `cannot reach ${show(shown)} (${errorText(e)})`, "unwritable");
  }
}

/** Refuses a path on a special file system; `realPath` is the path, or its nearest folder, resolved. */
function refuseSpecial(realPath: string, field: string, path: string): void {
  const special = specialFileSystem(realPath);
  if (!special) return;
  const given = resolve(path);
  const linked = given !== realPath && !given.startsWith(`${realPath}${sep}`);
  const where = special.startsWith("/") ? special : `a ${special} file system`;
  throw new InputError(
    field,
    `${show(path)}${linked ? ` (through a link to ${show(realPath)})` : ""} is on ${where}, a special file system; write to an ordinary folder`,
    "unwritable",
  );
}

/** Proves `folder` writable by creating and removing a file in it (access(2) misses read-only mounts). */
function probeWritable(folder: string, field: string): void {
  const probe = join(folder, `.bonkl-probe-${process.pid}-${Math.random().toString(36).slice(2)}`);
  try {
    closeSync(openSync(probe, "wx"));
  } catch (e) {
    throw new InputError(field, `cannot write in the folder ${show(folder)} (${errorText(e)})`, "unwritable");
  }
  removeQuietly(probe);
}

/**
 * Checks that `path` can be written as `field`'s output, creating nothing: its folder exists (or, with
 * `mkdir`, its nearest existing ancestor does) and is a writable folder on an ordinary file system;
 * a file target is not a folder and, if it exists, is a regular file and `force` is given; a folder
 * target, if it exists, is a folder, empty unless `force` is given.
 */
export function checkOutputPath(
  path: string,
  field: string,
  kind: OutputKind,
  rules: OutputRules = {},
): void {
  if (rules.stdout && path === "-") return;
  if (path === "") throw new InputError(field, "expected a path, got an empty one", "unwritable");
  const target = resolve(path);
  let existing: Stats | undefined;
  try {
    existing = lstatSync(target);
  } catch {
    existing = undefined;
  }
  if (existing) {
    let real: string | undefined;
    try {
      real = realpathSync(target);
    } catch {
      real = undefined; // a link to nothing: replaced like a file
    }
    if (real) refuseSpecial(real, field, path);
    const stats = real ? statSync(real) : existing;
    if (kind === "folder") {
      if (!stats.isDirectory()) {
        throw new InputError(field, `${show(path)} exists and is not a folder`, "unwritable");
      }
      if (!rules.force && readdirSync(real!).length > 0) {
        throw new InputError(
          field,
          `the folder ${show(path)} is not empty; give --force to write into it (files of the same names are replaced)`,
          "conflict",
        );
      }
      probeWritable(real!, field);
      return;
    }
    if (stats.isDirectory()) {
      throw new InputError(field, `${show(path)} is a folder; give a file name`, "unwritable");
    }
    if (!stats.isFile() && !stats.isSymbolicLink()) {
      throw new InputError(
        field,
        `${show(path)} exists and is not a regular file (a device, pipe or socket)`,
        "unwritable",
      );
    }
    if (!rules.force) {
      throw new InputError(field, `${show(path)} exists; give --force to replace it`, "conflict");
    }
    const folder = realpathSync(dirname(target));
    refuseSpecial(folder, field, path);
    probeWritable(folder, field);
    return;
  }
  // Nothing there yet: the nearest folder that exists must be the parent (or, with mkdir, any ancestor).
  const parent = dirname(target);
  let ancestor = parent;
  let stats = statOrUndefined(ancestor, field, path);
  while (!stats && dirname(ancestor) !== ancestor) {
    ancestor = dirname(ancestor);
    stats = statOrUndefined(ancestor, field, path);
  }
  if (!stats) throw new InputError(field, `no folder of ${show(path)} exists`, "no_such_file");
  if (!stats.isDirectory()) {
    throw new InputError(field, `${show(path)}: ${show(ancestor)} is a file, not a folder`, "unwritable");
  }
  const real = realpathSync(ancestor);
  refuseSpecial(real, field, path);
  if (ancestor !== parent && !rules.mkdir) {
    throw new InputError(
      field,
      `the folder ${show(dirname(path))} does not exist (give --mkdir to create it)`,
      "no_such_file",
    );
  }
  probeWritable(real, field);
}

/** Checks every output path (`checkOutputPath`), and that no two name the same place. */
export function checkOutputPaths(outputs: readonly OutputPath[], rules: OutputRules = {}): void {
  const seen = new Map<string, string>();
  for (const { field, path, kind } of outputs) {
    checkOutputPath(path, field, kind ?? "file", rules);
    if (rules.stdout && path === "-") continue;
    const key = resolve(path);
    const other = seen.get(key);
    if (other !== undefined) {
      const where = other === field ? "is given twice" : `is also the path given to ${other}`;
      throw new InputError(field, `${show(path)} ${where}`, "conflict");
    }
    seen.set(key, field);
  }
}

/**
 * Creates the missing folders above `path` one by one (never a recursive mkdir, which loops forever
 * under /proc), returning those it created, outermost first. Call after `checkOutputPath` with `mkdir`.
 */
export function makeParentFolders(path: string): string[] {
  const missing: string[] = [];
  let dir = dirname(resolve(path));
  while (!existsSync(dir) && dirname(dir) !== dir) {
    missing.unshift(dir);
    dir = dirname(dir);
  }
  const created: string[] = [];
  for (const d of missing) {
    mkdirSync(d);
    created.push(d);
  }
  return created;
}

/** Removes the given folders, innermost first, where they are still empty (undoing `makeParentFolders`). */
export function removeEmptyFolders(folders: readonly string[]): void {
  for (const d of [...folders].reverse()) {
    try {
      rmdirSync(d);
    } catch {
      // not empty, or gone: left as it is
    }
  }
}

/**
 * The file `requested` (a URL path) names inside `root` (a real path), with every link resolved:
 * `{ path }` when it exists inside the root, `"outside"` when it, or a link on the way, leads out of
 * the root, undefined when there is nothing there.
 */
export function resolveInside(root: string, requested: string): { path: string } | "outside" | undefined {
  const inside = (p: string) => {
    const r = relative(root, p);
    return r === "" || (!r.startsWith(`..${sep}`) && r !== ".." && !isAbsolute(r));
  };
  const lexical = resolve(root, `.${sep}${requested}`);
  if (!inside(lexical)) return "outside";
  let real: string;
  try {
    real = realpathSync(lexical);
  } catch {
    return undefined;
  }
  return inside(real) ? { path: real } : "outside";
}
