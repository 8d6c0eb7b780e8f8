import { InputError, show } from "../errors.js";

/**
 * The KL estimator of Beirami, Agarwal, Berant, D'Amour, Eisenstein, Nagpal, Suresh, "Theoretical
 * guarantees on the best-of-n alignment policy" (arXiv 2401.01879, §4): for an output y with reference
 * probability ε = π_ref(y),
 *
 *   D̂_N(ε) = (1−ε)^N [log N + (N−1) log(1−ε) − (N−1)/N] + (1 − (1−ε)^N) log((1 − (1−ε)^N)/ε),
 *
 * averaged over outputs y drawn from best-of-N. It is the exact KL of best-of-N when y is the best
 * outcome with mass ε and the rest of the law is atomless: ∫_0^{1−ε} N u^{N−1} log(N u^{N−1}) du gives
 * the first term, the atom's mass 1 − (1−ε)^N the second. Limits: D̂(0) = log N − (N−1)/N, D̂(1) = 0.
 */
export function beiramiKl(n: number, eps: number): number {
  if (!(n >= 1)) throw new InputError("n", `expected N ≥ 1, got ${show(n)}`);
  if (!(eps >= 0 && eps <= 1)) {
    throw new InputError("eps", `expected a probability in [0, 1], got ${show(eps)}`);
  }
  const bound = Math.log(n) - (n - 1) / n;
  if (eps === 0) return bound;
  if (eps === 1 || n === 1) return 0;
  const log1mEps = Math.log1p(-eps);
  const logA = n * log1mEps;
  const a = Math.exp(logA);
  const oneMinusA = -Math.expm1(logA);
  const first = a === 0 ? 0 : a * (Math.log(n) + (n - 1) * log1mEps - (n - 1) / n);
  const second = oneMinusA * (Math.log(oneMinusA) - Math.log(eps));
  return Math.min(bound, Math.max(0, first + second));
}
