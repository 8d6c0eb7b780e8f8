/** Textbook formulas used as independent references in tests (deliberately naive). */

/** KL(a‖b) = Σ a log(a/b) summed directly: accurate when KL is not tiny; +∞ on a support mismatch. */
export function klDirect(a: readonly number[], b: readonly number[]): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    if (a[i]! === 0) continue;
    if (b[i]! === 0) return Number.POSITIVE_INFINITY;
    s += a[i]! * Math.log(a[i]! / b[i]!);
  }
  return s;
}
