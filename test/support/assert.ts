/**
 * Assertions and constants shared by the test files.
 *
 * The tolerance helpers throw a plain Error with the numbers involved, so a failure inside a fast-check
 * property shows the counterexample together with the size of the miss.
 */
import { InputError } from "../../src/core/errors.js";

/** Machine epsilon, 2⁻⁵², the unit for tolerances stated in ulps. */
export const EPS = Number.EPSILON;
/** +∞. */
export const INF = Number.POSITIVE_INFINITY;
/** −∞ (the log of probability 0). */
export const NEG_INF = Number.NEGATIVE_INFINITY;
/** The default fast-check seed, so every property run is reproducible. */
export const SEED = 20261127;

/**
 * Asserts |actual − expected| ≤ rel·|expected| + abs.
 *
 * `rel` comes first and `abs` defaults to 0, so `close(x, y, 4 * EPS)` is a purely relative check and
 * `close(x, y, 0, 1e-10)` a purely absolute one. NaN on either side fails. Infinities are not handled
 * (∞ against ∞ fails, since the error is NaN): use `expect(x).toBe(INF)` for them.
 */
export function close(actual: number, expected: number, rel: number, abs = 0): void {
  const err = Math.abs(actual - expected);
  const tol = rel * Math.abs(expected) + abs;
  if (!(err <= tol)) {
    throw new Error(`expected ${actual} ≈ ${expected} (error ${err}, tolerance ${tol})`);
  }
}

/**
 * The relative error |actual − expected| / |expected|, and 0 when the two are identical (so equal
 * infinities, or two zeros, have error 0). It is ∞ for a non-zero `actual` against `expected` = 0.
 */
export function relErr(actual: number, expected: number): number {
  if (actual === expected) return 0;
  return Math.abs(actual - expected) / Math.abs(expected);
}

/**
 * Asserts relErr(actual, expected) ≤ tol. Unlike `close`, identical values pass even when infinite.
 * A NaN relative error (a NaN `actual`, or a finite one against an infinite `expected`) is not greater
 * than `tol` and so passes: check for NaN separately where it matters.
 */
export function expectRel(actual: number, expected: number, tol: number): void {
  if (relErr(actual, expected) > tol) {
    throw new Error(`expected ${expected}, got ${actual} (relative error ${relErr(actual, expected)})`);
  }
}

/**
 * The InputError that `f` throws. Any other exception is rethrown, and if `f` returns normally the test
 * fails with `failure`.
 */
export function thrown(f: () => unknown, failure = "expected an InputError"): InputError {
  try {
    f();
  } catch (e) {
    if (e instanceof InputError) return e;
    throw e;
  }
  throw new Error(failure);
}
