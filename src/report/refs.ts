import { escapeXml } from "../plot/text.js";

/**
 * Numbers in the report's prose, each read from the results by its path and written with that path, so
 * every number on the page can be traced to results.json (and a test can check each one).
 *
 * A number is `<span class="num" data-ref='["model","policies",0,"kl"]' data-format="num">0.149</span>`:
 * `data-ref` is the JSON path inside results.json, `data-format` how the value was written.
 */
export type Path = readonly (string | number)[];
export type NumberFormat = "num" | "pct";

/** Significant digits of numbers in prose: enough to compare, few enough to read. */
export const DIGITS = 3;

/** A number for prose: `DIGITS` significant digits, no trailing zeros; ∞ for infinity. */
export function formatValue(x: number, format: NumberFormat): string {
  if (x === Number.POSITIVE_INFINITY) return "∞";
  if (x === Number.NEGATIVE_INFINITY) return "−∞";
  const v = format === "pct" ? x * 100 : x;
  let text: string;
  if (Number.isInteger(v) && Math.abs(v) < 1e15) text = String(v);
  else if (Math.abs(v) >= 1e5 || (v !== 0 && Math.abs(v) < 1e-4)) text = v.toExponential(DIGITS - 1);
  else text = String(Number(v.toPrecision(DIGITS)));
  return `${text.replace("-", "−")}${format === "pct" ? "%" : ""}`;
}

/** The value at `path` inside `root`, or an error naming the path (a report bug, never user input). */
export function valueAt(root: unknown, path: Path): unknown {
  let node = root;
  for (const key of path) {
    if (node === null || typeof node !== "object" || !(key in node)) {
      throw new Error(`report: no value at ${JSON.stringify(path)}`);
    }
    node = (node as Record<string | number, unknown>)[key];
  }
  return node;
}

/** Writes numbers and strings from one model's results, under that model's name in results.json. */
export class Refs {
  constructor(
    private readonly root: object,
    private readonly model: string,
  ) {}

  /** The raw value at a path below the model. */
  get(path: Path): unknown {
    return valueAt(this.root, [this.model, ...path]);
  }

  /** A number from the results, as traceable markup. */
  num(path: Path, format: NumberFormat = "num"): string {
    const full = [this.model, ...path];
    const value = valueAt(this.root, full);
    if (typeof value !== "number") throw new Error(`report: ${JSON.stringify(full)} is not a number`);
    const ref = escapeXml(JSON.stringify(full));
    const where = escapeXml(`results.json: ${full.join(" › ")}`);
    return `<span class="num" data-ref="${ref}" data-format="${format}" title="${where}">${formatValue(value, format)}</span>`;
  }

  /** A string from the results (a word, a policy's name), escaped. */
  text(path: Path): string {
    return escapeXml(String(this.get(path)));
  }
}
