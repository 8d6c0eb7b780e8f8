/**
 * The one error the library throws for bad input. `field` names what was wrong in the caller's terms
 * (`model.p[3]`, `--kl`, `policy`), and `message` says what is wrong and, where it helps, what to do.
 * Adapters print `${field}: ${message}` on one line.
 */
export class InputError extends Error {
  readonly field: string;
  readonly detail: string;

  constructor(field: string, detail: string) {
    super(`${field}: ${detail}`);
    this.name = "InputError";
    this.field = field;
    this.detail = detail;
  }
}

/** Format a number for an error message, with the token the user typed when it is not a number. */
export function show(x: unknown): string {
  if (typeof x === "number") return Number.isNaN(x) ? "NaN" : String(x);
  if (typeof x === "string") return JSON.stringify(x);
  if (x === null) return "null";
  if (x === undefined) return "missing";
  return JSON.stringify(x) ?? String(x);
}
