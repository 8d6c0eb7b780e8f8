import { InputError, show } from "../core/errors.js";

/**
 * Numbers, lists and sweeps as people type them (the CLI's flags, the page's fields). Errors name the
 * field given, so the message points at what the user typed.
 */

/**
 * A real number: decimal and exponent forms, and `Infinity`/`inf` where `allowInfinity`; anything else is
 * an InputError for `field`.
 */
export function parseReal(text: string, field: string, allowInfinity = false): number {
  const t = text.trim();
  if (allowInfinity && /^\+?(inf|infinity)$/i.test(t)) return Number.POSITIVE_INFINITY;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t)) {
    throw new InputError(field, `expected a number, got ${show(text)}`, "invalid_number");
  }
  const v = Number(t);
  if (!Number.isFinite(v)) throw new InputError(field, `number out of range: ${show(text)}`, "out_of_range");
  return v;
}

/** Comma-separated real numbers. */
export function parseRealList(text: string, field: string): number[] {
  return text.split(",").map((s) => parseReal(s, field));
}

/** A real number, or undefined when the text is. */
export function parseOptionalReal(text: string | undefined, field: string, allowInfinity = false) {
  return text === undefined ? undefined : parseReal(text, field, allowInfinity);
}

/**
 * Lengths for a sweep: a comma list ("10,100,1000") or "log:a:b:k", k whole numbers spaced evenly in
 * log n from a to b (rounded, duplicates removed).
 */
export function parseSweep(text: string, field = "sweep"): number[] {
  const t = text.trim();
  let ns: number[];
  const m = /^log:([^:]+):([^:]+):([^:]+)$/.exec(t);
  if (m) {
    const [a, b, k] = [Number(m[1]), Number(m[2]), Number(m[3])];
    if (!(a >= 1 && b >= a && Number.isFinite(b) && Number.isInteger(k) && k >= 1 && k <= 10000)) {
      throw new InputError(
        field,
        `expected log:a:b:k with 1 ≤ a ≤ b and k a whole number from 1 to 10000, got ${show(text)}`,
        "invalid_value",
      );
    }
    ns = Array.from({ length: k }, (_, i) => Math.round(k === 1 ? a : a * (b / a) ** (i / (k - 1))));
  } else {
    ns = t.split(",").map((s) => Number(s.trim()));
    if (t === "" || ns.some((v) => !Number.isSafeInteger(v) || v < 1)) {
      throw new InputError(
        field,
        `expected whole numbers ≥ 1 separated by commas, or log:a:b:k, got ${show(text)}`,
        "invalid_value",
      );
    }
  }
  return [...new Set(ns)].sort((x, y) => x - y);
}

/**
 * Of the options named (`fields`, in the caller's order), exactly one is given; the error names them all
 * as `label` spells them and points at the first.
 */
export function exactlyOne(
  given: object,
  fields: readonly string[],
  label: (field: string) => string = (f) => f,
): void {
  const present = fields.filter((f) => Reflect.get(given, f) !== undefined);
  if (present.length !== 1) {
    const list = fields.map(label);
    throw new InputError(list[0]!, `give exactly one of ${list.join(", ")}`, "conflict");
  }
}

/**
 * N or log N for best-of-N and soft best-of-N, from text: exactly one of them (the rule the core's
 * bestOfN also applies), N ≥ 1 real or log N ≥ 0, either may be `inf`.
 */
export function parseBonSize(
  text: { readonly n?: string; readonly logN?: string },
  label: (field: string) => string,
): { n: number } | { logN: number } {
  exactlyOne(text, ["n", "logN"], label);
  return text.n !== undefined
    ? { n: parseReal(text.n, label("n"), true) }
    : { logN: parseReal(text.logN!, label("logN"), true) };
}
