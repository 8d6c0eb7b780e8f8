/**
 * Globally adaptive Gauss–Legendre quadrature (the QAG strategy of QUADPACK, Piessens et al. 1983,
 * with a 20-point Gauss rule and the difference between a panel and its two halves as the error
 * estimate). Nodes are computed once by Newton's method on the Legendre polynomial.
 */

const ORDER = 20;
const { nodes: NODES, weights: WEIGHTS } = gaussLegendre(ORDER);

/** Nodes and weights of the n-point Gauss–Legendre rule on [−1, 1] (accurate to a few ulps). */
export function gaussLegendre(n: number): { nodes: Float64Array; weights: Float64Array } {
  const nodes = new Float64Array(n);
  const weights = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let x = Math.cos((Math.PI * (i + 0.75)) / (n + 0.5));
    let dp = 0;
    for (let it = 0; it < 100; it++) {
      let p0 = 1;
      let p1 = x;
      for (let k = 2; k <= n; k++) {
        const p2 = ((2 * k - 1) * x * p1 - (k - 1) * p0) / k;
        p0 = p1;
        p1 = p2;
      }
      dp = (n * (x * p1 - p0)) / (x * x - 1);
      const dx = p1 / dp;
      x -= dx;
      if (Math.abs(dx) < 1e-17) break;
    }
    nodes[i] = x;
    weights[i] = 2 / ((1 - x * x) * dp * dp);
  }
  return { nodes, weights };
}

function gaussPanel(f: (x: number) => number, a: number, b: number): number {
  const h = 0.5 * (b - a);
  const m = 0.5 * (a + b);
  let s = 0;
  for (let i = 0; i < ORDER; i++) s += WEIGHTS[i]! * f(m + h * NODES[i]!);
  return s * h;
}

interface Panel {
  a: number;
  b: number;
  value: number;
  error: number;
  left: number;
  right: number;
}

function makePanel(f: (x: number) => number, a: number, b: number, whole: number): Panel {
  const mid = 0.5 * (a + b);
  const left = gaussPanel(f, a, mid);
  const right = gaussPanel(f, mid, b);
  return { a, b, value: left + right, error: Math.abs(left + right - whole), left, right };
}

/** An integral's value, its estimated absolute error and the panels it took. */
export interface QuadratureResult {
  readonly value: number;
  /** Estimated absolute error (the sum of the panels' estimates; usually pessimistic). */
  readonly error: number;
  readonly panels: number;
}

/**
 * ∫_a^b f over breakpoints `points` (sorted, inside [a, b]), refined until the estimated error is at
 * most max(absTol, relTol·|∫f|) or `maxPanels` panels are in use.
 */
export function integrate(
  f: (x: number) => number,
  points: readonly number[],
  relTol = 1e-13,
  absTol = 0,
  maxPanels = 4000,
): QuadratureResult {
  const panels: Panel[] = [];
  for (let i = 0; i + 1 < points.length; i++) {
    const a = points[i]!;
    const b = points[i + 1]!;
    if (b > a) panels.push(makePanel(f, a, b, gaussPanel(f, a, b)));
  }
  for (;;) {
    let value = 0;
    let error = 0;
    let worst = 0;
    for (let i = 0; i < panels.length; i++) {
      const p = panels[i]!;
      value += p.value;
      error += p.error;
      if (p.error > panels[worst]!.error) worst = i;
    }
    if (panels.length === 0) return { value: 0, error: 0, panels: 0 };
    if (error <= Math.max(absTol, relTol * Math.abs(value)) || panels.length >= maxPanels) {
      return { value, error, panels: panels.length };
    }
    const p = panels[worst]!;
    const mid = 0.5 * (p.a + p.b);
    if (!(mid > p.a && mid < p.b)) {
      p.error = 0; // cannot be split further in floating point
      continue;
    }
    panels[worst] = makePanel(f, p.a, mid, p.left);
    panels.push(makePanel(f, mid, p.b, p.right));
  }
}
