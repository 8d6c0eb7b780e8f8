/**
 * A value for people, as the CLI's tables and the web page's numbers show it: up to 10 significant
 * digits (exponent form below 1e-4 and from 1e10), exact integers as they are, ∞ and −∞ for infinities,
 * "—" for a missing value (null, or λ when saturated), yes/no for booleans. One function, so the page
 * shows the CLI's digits.
 */
export function readable(v: unknown): string {
  if (v === null || v === undefined) return "—";
  if (typeof v === "boolean") return v ? "yes" : "no";
  if (typeof v !== "number") return String(v);
  if (!Number.isFinite(v)) return v > 0 ? "∞" : "−∞";
  if (Number.isInteger(v) && Math.abs(v) < 1e15) return String(v);
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-4 || a >= 1e10) ? v.toExponential(9) : String(Number(v.toPrecision(10)));
}
