/**
 * Samples of smooth curves fine enough to draw as straight segments (see ldpCurves.ts). A curve
 * computed only at a table's points shows kinks wherever it bends sharply between them (a rate function
 * near a heavy atom of the reward, a convex Γ between t = 1 and 2); here midpoints are added where the
 * chord strays from the curve, until it stays within a fraction of a pixel.
 */

export interface Refined {
  readonly xs: number[];
  /** ys[k][i]: series k at xs[i]. */
  readonly ys: number[][];
}

export interface RefineOptions {
  /** Largest allowed gap between a chord's midpoint and the curve, as a fraction of the y span. */
  readonly tolerance?: number;
  /** Passes of refinement; each evaluates all its new points in one call. */
  readonly passes?: number;
  /** Most points in all. */
  readonly maxPoints?: number;
}

/** Half a pixel on a 300-pixel axis. */
const TOLERANCE = 1 / 600;

/**
 * Refine the samples `xs` (sorted, distinct) of one or several curves over the same x. `evaluate` takes
 * new x values and returns, per series, the values there (non-finite values are kept, and the segments
 * next to them are left alone). The first pass splits every segment; later ones only the halves of
 * segments whose midpoint strayed by more than the tolerance.
 */
export function refineCurve(
  xs: readonly number[],
  evaluate: (xs: number[]) => number[][],
  options: RefineOptions = {},
): Refined {
  const tolerance = options.tolerance ?? TOLERANCE;
  const passes = options.passes ?? 6;
  const maxPoints = options.maxPoints ?? 1200;
  let x = [...xs];
  let y = x.length > 0 ? evaluate([...x]) : [];
  if (x.length < 2) return { xs: x, ys: y };
  // The y span per series, from the first samples: what "a fraction of a pixel" is measured against.
  const spans = y.map((series) => {
    const finite = series.filter(Number.isFinite);
    const lo = Math.min(0, ...finite);
    const hi = Math.max(0, ...finite);
    return hi > lo ? hi - lo : 1;
  });
  // Segments to split in the next pass, by their left end's index.
  let split = new Set(x.slice(0, -1).map((_, i) => i));
  for (let pass = 0; pass < passes && split.size > 0; pass++) {
    const mids: number[] = [];
    const at: number[] = [];
    for (const i of [...split].sort((a, b) => a - b)) {
      const mid = (x[i]! + x[i + 1]!) / 2;
      if (!(mid > x[i]! && mid < x[i + 1]!)) continue;
      const ends = y.every((s) => Number.isFinite(s[i]!) && Number.isFinite(s[i + 1]!));
      if (!ends) continue;
      mids.push(mid);
      at.push(i);
    }
    if (mids.length === 0 || x.length + mids.length > maxPoints) break;
    const values = evaluate(mids);
    // Merge the midpoints in, noting which halves still stray.
    const nx: number[] = [];
    const ny: number[][] = y.map(() => []);
    const next = new Set<number>();
    let m = 0;
    for (let i = 0; i < x.length; i++) {
      nx.push(x[i]!);
      for (let k = 0; k < y.length; k++) ny[k]!.push(y[k]![i]!);
      if (at[m] !== i) continue;
      const strays = y.some((s, k) => {
        const v = values[k]![m]!;
        const chord = (s[i]! + s[i + 1]!) / 2;
        return Number.isFinite(v) && Math.abs(v - chord) > tolerance * spans[k]!;
      });
      nx.push(mids[m]!);
      for (let k = 0; k < y.length; k++) ny[k]!.push(values[k]![m]!);
      if (strays) {
        next.add(nx.length - 2);
        next.add(nx.length - 1);
      }
      m++;
    }
    x = nx;
    y = ny;
    split = next;
  }
  return { xs: x, ys: y };
}

/** `count` evenly spaced values from a to b, both included. */
export function linspace(a: number, b: number, count: number): number[] {
  if (count <= 1 || !(b > a)) return [a];
  return Array.from({ length: count }, (_, k) => (k === count - 1 ? b : a + ((b - a) * k) / (count - 1)));
}
