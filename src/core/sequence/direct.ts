/**
 * Log-domain direct convolution (the reference of MATH §3): each output point of a convolution is one
 * max-shifted log-sum-exp over its terms, so every probability keeps its relative accuracy however small
 * it is; the n-fold law comes from binary powering, O(M² log n) for M output points.
 */

/** log of the convolution of two log-pmfs on {0..la−1} and {0..lb−1}; length la + lb − 1. */
export function logConvolve(a: Float64Array, b: Float64Array): Float64Array {
  const la = a.length;
  const lb = b.length;
  const out = new Float64Array(la + lb - 1);
  for (let j = 0; j < out.length; j++) {
    const lo = Math.max(0, j - lb + 1);
    const hi = Math.min(j, la - 1);
    let max = Number.NEGATIVE_INFINITY;
    for (let i = lo; i <= hi; i++) {
      const t = a[i]! + b[j - i]!;
      if (t > max) max = t;
    }
    if (max === Number.NEGATIVE_INFINITY) {
      out[j] = max;
      continue;
    }
    let s = 0;
    for (let i = lo; i <= hi; i++) s += Math.exp(a[i]! + b[j - i]! - max);
    out[j] = max + Math.log(s);
  }
  return out;
}

/**
 * log P(K_n = k), k = 0..n·span, for K_n the sum of n iid draws from the log-pmf `logMass` on
 * {0..span}, by repeated squaring. Relative error of each probability about (2 log₂ n)·M·ε at worst,
 * a few ε·log₂ n in practice.
 */
export function directLogPmf(logMass: Float64Array, n: number): Float64Array {
  let result: Float64Array = Float64Array.of(0);
  let base = logMass;
  let m = n;
  while (m > 0) {
    if (m & 1) result = logConvolve(result, base);
    m = Math.floor(m / 2);
    if (m > 0) base = logConvolve(base, base);
  }
  return result;
}
