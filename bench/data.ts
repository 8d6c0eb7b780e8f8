import { writeFileSync } from "node:fs";
import { NeumaierSum } from "../src/core/numerics/sum.js";

/**
 * Seeded benchmark data. Mulberry32 (T. Ettinger, 2017) is a 32-bit generator with period 2^32; two
 * outputs make one double with 53 random bits. Good enough for benchmark inputs, and reproducible
 * bit for bit on every platform (integer arithmetic only until the final scaling).
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/** Uniform on the open interval (0, 1): 53 random bits, offset by half a step so 0 never occurs. */
export function uniform53(next: () => number): () => number {
  return () => ((next() >>> 5) * 67108864 + (next() >>> 6) + 0.5) / 9007199254740992;
}

export interface BenchData {
  /** Reference probabilities, normalised (Σp = 1 to rounding). */
  readonly p: Float64Array;
  /** Rewards. */
  readonly r: Float64Array;
}

/**
 * M outcomes: p ∝ w with w ~ Exponential(1), rewards r ~ N(0, 1) by the Box–Muller transform.
 * Continuous rewards, so there are no ties and the model has M reward levels.
 */
export function generate(size: number, seed: number): BenchData {
  const u = uniform53(mulberry32(seed));
  const w = new Float64Array(size);
  const total = new NeumaierSum();
  for (let i = 0; i < size; i++) {
    w[i] = -Math.log(u());
    total.add(w[i]!);
  }
  const p = new Float64Array(size);
  for (let i = 0; i < size; i++) p[i] = w[i]! / total.value;
  const r = new Float64Array(size);
  for (let i = 0; i < size; i += 2) {
    const radius = Math.sqrt(-2 * Math.log(u()));
    const angle = 2 * Math.PI * u();
    r[i] = radius * Math.cos(angle);
    if (i + 1 < size) r[i + 1] = radius * Math.sin(angle);
  }
  return { p, r };
}

/** Writes doubles as raw little-endian float64 (what `numpy.fromfile(path, "<f8")` reads). */
export function writeFloat64LE(file: string, values: Float64Array): void {
  const buf = Buffer.alloc(values.length * 8);
  for (let i = 0; i < values.length; i++) buf.writeDoubleLE(values[i]!, 8 * i);
  writeFileSync(file, buf);
}
