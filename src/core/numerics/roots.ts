/**
 * Bracketing root finders. Both keep a sign-changing bracket at every step, so they always terminate
 * with a root inside it; they differ in how they choose the next point.
 */

export interface RootResult {
  /** The abscissa of the root. */
  readonly x: number;
  /** f at x (0 or of either sign, within the tolerance). */
  readonly fx: number;
  readonly iterations: number;
}

/** Stopping rules for the root finders: the bracket is closed when narrower than 2(xRelTol·|x| + xAbsTol). */
export interface RootOptions {
  /** Absolute tolerance on x (default 0: only the relative one applies). */
  readonly xAbsTol?: number;
  /** Relative tolerance on x (default 4ε). */
  readonly xRelTol?: number;
  readonly maxIterations?: number;
}

function bracketError(fa: number, fb: number): Error {
  return new RangeError(`root finder: f(a) = ${fa} and f(b) = ${fb} do not bracket a root`);
}

/**
 * Brent's method (R. P. Brent, "Algorithms for Minimization without Derivatives", 1973, ch. 4):
 * inverse quadratic interpolation and secant steps, falling back to bisection, on [a, b] with
 * f(a)·f(b) ≤ 0.
 */
export function brentRoot(
  f: (x: number) => number,
  a: number,
  b: number,
  options: RootOptions = {},
): RootResult {
  const xAbsTol = options.xAbsTol ?? 0;
  const xRelTol = options.xRelTol ?? 4 * Number.EPSILON;
  const maxIterations = options.maxIterations ?? 200;
  let fa = f(a);
  let fb = f(b);
  if (fa === 0) return { x: a, fx: 0, iterations: 0 };
  if (fb === 0) return { x: b, fx: 0, iterations: 0 };
  if (Math.sign(fa) === Math.sign(fb) || Number.isNaN(fa) || Number.isNaN(fb)) throw bracketError(fa, fb);
  let c = a;
  let fc = fa;
  let d = b - a;
  let e = d;
  for (let it = 1; it <= maxIterations; it++) {
    if (Math.sign(fb) === Math.sign(fc)) {
      c = a;
      fc = fa;
      d = b - a;
      e = d;
    }
    if (Math.abs(fc) < Math.abs(fb)) {
      a = b;
      b = c;
      c = a;
      fa = fb;
      fb = fc;
      fc = fa;
    }
    const tol = 2 * xRelTol * Math.abs(b) + 0.5 * xAbsTol;
    const m = 0.5 * (c - b);
    if (Math.abs(m) <= tol || fb === 0) return { x: b, fx: fb, iterations: it };
    if (Math.abs(e) >= tol && Math.abs(fa) > Math.abs(fb)) {
      let p: number;
      let q: number;
      const s = fb / fa;
      if (a === c) {
        p = 2 * m * s;
        q = 1 - s;
      } else {
        const qq = fa / fc;
        const r = fb / fc;
        p = s * (2 * m * qq * (qq - r) - (b - a) * (r - 1));
        q = (qq - 1) * (r - 1) * (s - 1);
      }
      if (p > 0) q = -q;
      else p = -p;
      if (2 * p < Math.min(3 * m * q - Math.abs(tol * q), Math.abs(e * q))) {
        e = d;
        d = p / q;
      } else {
        d = m;
        e = d;
      }
    } else {
      d = m;
      e = d;
    }
    a = b;
    fa = fb;
    b += Math.abs(d) > tol ? d : m > 0 ? tol : -tol;
    fb = f(b);
  }
  return { x: b, fx: fb, iterations: maxIterations };
}

/**
 * Newton's method kept inside a bracket [lo, hi] with f(lo) < 0 < f(hi) (f increasing through the root).
 * A Newton step that leaves the bracket, or follows a step that made |f| grow, is replaced by
 * bisection; bisection is geometric when the bracket spans more than a factor 4 of positive numbers,
 * so brackets like [1e-300, 1e300] close in a few hundred steps at most.
 */
export function newtonBracketed(
  fdf: (x: number) => { f: number; df: number },
  lo: number,
  hi: number,
  x0: number,
  options: RootOptions = {},
): RootResult {
  const xAbsTol = options.xAbsTol ?? 0;
  const xRelTol = options.xRelTol ?? 4 * Number.EPSILON;
  const maxIterations = options.maxIterations ?? 400;
  let x = Math.min(Math.max(x0, lo), hi);
  let best = { x, fx: Number.POSITIVE_INFINITY };
  let prevAbsF = Number.POSITIVE_INFINITY;
  for (let it = 1; it <= maxIterations; it++) {
    const { f, df } = fdf(x);
    if (Math.abs(f) < Math.abs(best.fx)) best = { x, fx: f };
    if (f === 0) return { x, fx: 0, iterations: it };
    if (f < 0) lo = x;
    else hi = x;
    const tol = xRelTol * Math.abs(x) + xAbsTol;
    if (hi - lo <= 2 * tol) return { x: best.x, fx: best.fx, iterations: it };
    let next = x - f / df;
    const newtonOk = Number.isFinite(next) && next > lo && next < hi && Math.abs(f) <= prevAbsF;
    if (!newtonOk) next = lo > 0 && hi > 4 * lo ? Math.sqrt(lo) * Math.sqrt(hi) : 0.5 * (lo + hi);
    prevAbsF = Math.abs(f);
    if (Math.abs(next - x) <= tol) return { x: best.x, fx: best.fx, iterations: it };
    x = next;
  }
  return { x: best.x, fx: best.fx, iterations: maxIterations };
}
