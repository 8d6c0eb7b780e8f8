/**
 * Golden-section search for the minimum of a unimodal function on [a, b]. Slower than Brent's
 * parabolic method but with no assumption beyond unimodality, which is what a cross-check wants.
 * Reference: J. Kiefer, "Sequential minimax search for a maximum", Proc. AMS 4 (1953).
 */
export function goldenSectionMin(
  f: (x: number) => number,
  a: number,
  b: number,
  iterations = 200,
): { x: number; fx: number } {
  const invPhi = (Math.sqrt(5) - 1) / 2;
  let x1 = b - invPhi * (b - a);
  let x2 = a + invPhi * (b - a);
  let f1 = f(x1);
  let f2 = f(x2);
  for (let i = 0; i < iterations && b - a > 4 * Number.EPSILON * Math.max(1, Math.abs(a), Math.abs(b)); i++) {
    if (f1 <= f2) {
      b = x2;
      x2 = x1;
      f2 = f1;
      x1 = b - invPhi * (b - a);
      f1 = f(x1);
    } else {
      a = x1;
      x1 = x2;
      f1 = f2;
      x2 = a + invPhi * (b - a);
      f2 = f(x2);
    }
  }
  return f1 <= f2 ? { x: x1, fx: f1 } : { x: x2, fx: f2 };
}
