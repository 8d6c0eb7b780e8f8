// Numbers computed by two JavaScript engines (Node's V8 and a browser's) agree to a few ulps, not to the
// digit: distinct V8 builds round Math.exp, log and pow differently in the last place on about one input
// in ten, and a routine that goes through a few of them carries that along. Comparisons across engines
// therefore allow CROSS_ENGINE; comparisons within one engine stay exact.
import { expect } from "vitest";

/** Two doubles agree across engines when within `ulps` units in the last place, or within `relative`. */
export const CROSS_ENGINE = { ulps: 4, relative: 1e-14 } as const;

const bits = new DataView(new ArrayBuffer(8));

/** The double's place in the ordered line of all doubles: consecutive doubles are consecutive integers. */
function ordinal(x: number): bigint {
  bits.setFloat64(0, x);
  const b = bits.getBigInt64(0);
  // Negative doubles have the sign bit set and grow in magnitude with their bits: reflect them.
  return b < 0n ? -(b & 0x7fff_ffff_ffff_ffffn) : b;
}

/**
 * Doubles from a to b, exclusive of one end: 0 when a = b (±0 count as equal), 1 for neighbours.
 * Infinity when exactly one is NaN or exactly one is infinite; 0 for NaN against NaN.
 */
export function ulpDistance(a: number, b: number): number {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b) ? 0 : Infinity;
  if (a === b) return 0;
  if (!Number.isFinite(a) || !Number.isFinite(b)) return Infinity;
  const d = ordinal(a) - ordinal(b);
  return Number(d < 0n ? -d : d);
}

/** Whether a and b agree within the tolerance (either criterion suffices). */
export function closeAcrossEngines(a: number, b: number, tol = CROSS_ENGINE): boolean {
  const d = ulpDistance(a, b);
  if (d <= tol.ulps) return true;
  return d < Infinity && Math.abs(a - b) <= tol.relative * Math.max(Math.abs(a), Math.abs(b));
}

/**
 * Where two values differ beyond the tolerance: numbers are compared by closeAcrossEngines, arrays and
 * plain objects element by element (same keys), everything else exactly. Returns one line per difference.
 */
export function engineMismatches(actual: unknown, expected: unknown, tol = CROSS_ENGINE, at = ""): string[] {
  if (typeof actual === "number" && typeof expected === "number") {
    return closeAcrossEngines(actual, expected, tol)
      ? []
      : [`${at || "value"}: ${actual} vs ${expected} (${ulpDistance(actual, expected)} ulps)`];
  }
  if (Array.isArray(actual) && Array.isArray(expected)) {
    if (actual.length !== expected.length) {
      return [`${at || "value"}: ${actual.length} entries vs ${expected.length}`];
    }
    return actual.flatMap((a, i) => engineMismatches(a, expected[i], tol, `${at}[${i}]`));
  }
  if (isRecord(actual) && isRecord(expected)) {
    const keys = [...new Set([...Object.keys(actual), ...Object.keys(expected)])].sort();
    return keys.flatMap((k) => {
      const path = at ? `${at}.${k}` : k;
      if (!(k in actual)) return [`${path}: missing (expected ${JSON.stringify(expected[k])})`];
      if (!(k in expected)) return [`${path}: unexpected (${JSON.stringify(actual[k])})`];
      return engineMismatches(actual[k], expected[k], tol, path);
    });
  }
  return Object.is(actual, expected) || JSON.stringify(actual) === JSON.stringify(expected)
    ? []
    : [`${at || "value"}: ${JSON.stringify(actual)} vs ${JSON.stringify(expected)}`];
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * The value behind one of the page's exact strings (src/web/numbers.ts `exact`: String for numbers,
 * JSON otherwise), so that numbers inside it compare numerically.
 */
export function decodeExact(text: string | null): unknown {
  if (text === null) return null;
  if (text === "Infinity" || text === "-Infinity" || text === "NaN") return Number(text);
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Asserts that two tables of exact strings hold the same values across engines (CROSS_ENGINE). */
export function expectSameNumbers(
  shown: Readonly<Record<string, string | null>>,
  expected: Readonly<Record<string, string | null>>,
): void {
  const decode = (t: Readonly<Record<string, string | null>>) =>
    Object.fromEntries(Object.entries(t).map(([k, v]) => [k, decodeExact(v)]));
  expect(engineMismatches(decode(shown), decode(expected))).toEqual([]);
}
