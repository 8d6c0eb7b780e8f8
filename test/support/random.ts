/**
 * A seeded linear congruential generator (Numerical Recipes constants: s ← 1664525 s + 1013904223 mod
 * 2^32), for reproducible test data: uniforms on the open interval (0, 1), (s + ½)/2^32.
 */
export function seededUniform(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s + 0.5) / 2 ** 32;
  };
}
