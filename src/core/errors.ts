/**
 * What kind of input was refused, for programs that react to it (the sentence is for people):
 * - `invalid_number`: not a number where one is needed (text that does not parse, NaN);
 * - `out_of_range`: a number outside what is accepted (N < 1, a KL budget < 0, a grid of 1 point);
 * - `invalid_json`: text that is not JSON;
 * - `invalid_model`: a model whose fields do not fit together (lengths, exactly one of p/logp/counts);
 * - `unknown_preset`: a name that is no preset;
 * - `no_such_file`, `unreadable`, `unwritable`: files;
 * - `conflict`: options that exclude each other, or none of several of which one is needed;
 * - `missing`: a value another one needs;
 * - `inaccurate`: the engines cannot reach their stated accuracy for this input (a coarser grid may);
 * - `invalid_value`: anything else.
 */
export type InputErrorCode =
  | "invalid_number"
  | "out_of_range"
  | "invalid_json"
  | "invalid_model"
  | "unknown_preset"
  | "no_such_file"
  | "unreadable"
  | "unwritable"
  | "conflict"
  | "missing"
  | "inaccurate"
  | "invalid_value";

/** Where in the input: `["model", "p", 3]` for `model.p[3]`, `["--kl"]` for the flag. */
export type InputPath = readonly (string | number)[];

/** An InputError as data (the shape of a zod issue): what kind, where, and the sentence. */
export interface InputIssue {
  readonly code: InputErrorCode;
  readonly path: InputPath;
  readonly message: string;
}

/**
 * The one error the library throws for bad input. `field` names what was wrong in the caller's terms
 * (`model.p[3]`, `--kl`, `policy`), `detail` says what is wrong and, where it helps, what to do; `code` and
 * `path` say the same for programs. `message` is the one line adapters print: `${field}: ${detail}`.
 */
export class InputError extends Error {
  readonly field: string;
  readonly detail: string;
  readonly code: InputErrorCode;
  readonly path: InputPath;

  constructor(field: string, detail: string, code: InputErrorCode = "invalid_value", path = pathOf(field)) {
    super(`${field}: ${detail}`);
    this.name = "InputError";
    this.field = field;
    this.detail = detail;
    this.code = code;
    this.path = path;
  }

  /** The error as a zod-like issue: `{ code, path, message }` with the sentence as `message`. */
  toJSON(): InputIssue {
    return { code: this.code, path: this.path, message: this.detail };
  }
}

/**
 * The path a field name spells: `model.p[3]` → ["model", "p", 3]. A name that is not of that form
 * (a flag, a file name in brackets) is one element.
 */
export function pathOf(field: string): InputPath {
  if (!/^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*|\[\d+\])*$/.test(field)) return [field];
  return [...field.matchAll(/[A-Za-z_$][\w$]*|\[(\d+)\]/g)].map((m) =>
    m[1] === undefined ? m[0] : Number(m[1]),
  );
}

/**
 * A result, or the input error that stands in its place: for computations that may decline in a way
 * the caller can work around (a coarser grid, another engine) without catching anything.
 */
export type Outcome<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: InputError };

/** A result that is there. */
export function success<T>(value: T): Outcome<T> {
  return { ok: true, value };
}

/** No result, and why. */
export function refusal(error: InputError): { readonly ok: false; readonly error: InputError } {
  return { ok: false, error };
}

/** The value of an outcome, or its error thrown: for callers with no other way to go. */
export function orThrow<T>(outcome: Outcome<T>): T {
  if (outcome.ok) return outcome.value;
  throw outcome.error;
}

/** Format a number for an error message, with the token the user typed when it is not a number. */
export function show(x: unknown): string {
  if (typeof x === "number") return Number.isNaN(x) ? "NaN" : String(x);
  if (typeof x === "string") return JSON.stringify(x);
  if (x === null) return "null";
  if (x === undefined) return "missing";
  return JSON.stringify(x) ?? String(x);
}
