/** A double as an exact dyadic rational: x = mant·2^exp with an integer mant (for BigInt references). */
export function decompose(x: number): { mant: bigint; exp: number } {
  const f = new Float64Array([x]);
  const w = new BigUint64Array(f.buffer)[0]!;
  const biased = Number((w >> 52n) & 0x7ffn);
  const frac = w & ((1n << 52n) - 1n);
  return biased === 0 ? { mant: frac, exp: -1074 } : { mant: frac | (1n << 52n), exp: biased - 1075 };
}
