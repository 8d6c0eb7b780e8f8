/**
 * Stable ascending sort of finite doubles that also returns the permutation (and, optionally, a
 * payload array in the same order). Ties (−0 and +0 included) keep input order.
 *
 * Method (n ≥ RADIX_MIN): a bucket sort on a monotone key, b(v) = ⌊(v − min)·B/(max − min)⌋, which is
 * non-decreasing in v even after rounding, so buckets are ordered; one stable scatter of (value, index,
 * payload) into B ≤ 4096 buckets, then each bucket is sorted where it lies (in cache): by insertion when
 * small, else by the same scheme on its own range. A bucket that holds more than half of its range's
 * values (a skewed law: outliers, a spread over many binades) goes to an LSD radix sort on the IEEE-754
 * bits instead, so every level at least halves the range: O(n) for smooth laws, O(n log n) at worst.
 * At 10^6 normal deviates this is about 2× faster than V8's native sort of packed 64-bit keys, which
 * bonkl used before.
 */
export function sortWithIndex(
  values: ArrayLike<number>,
  carry?: ArrayLike<number>,
): { order: Uint32Array; sorted: Float64Array; carried: Float64Array } {
  const n = values.length;
  if (n > 2 ** 32) throw new RangeError("sortWithIndex: at most 2^32 values");
  if (n >= RADIX_MIN) return bucketSort(values, carry, true);
  const order = comparatorOrder(values);
  const sorted = new Float64Array(n);
  const carried = new Float64Array(carry ? n : 0);
  for (let k = 0; k < n; k++) {
    const i = order[k]!;
    const v = values[i]!;
    sorted[k] = v === 0 ? 0 : v;
    if (carry) carried[k] = carry[i]!;
  }
  return { order, sorted, carried };
}

/**
 * sortWithIndex without the permutation: the same sorted values and payload, a column lighter through
 * every scatter (at 10^6 values about a fifth faster). For callers that only need the sorted data.
 */
export function sortValues(
  values: ArrayLike<number>,
  carry?: ArrayLike<number>,
): { sorted: Float64Array; carried: Float64Array } {
  if (values.length >= RADIX_MIN && values.length <= 2 ** 32) return bucketSort(values, carry, false);
  const { sorted, carried } = sortWithIndex(values, carry);
  return { sorted, carried };
}

/** Stable ascending argsort of finite doubles (see sortWithIndex). */
export function argsort(values: ArrayLike<number>): Uint32Array {
  return sortWithIndex(values).order;
}

/** Below this many values a comparator sort is cheaper than the bucket and radix passes. */
export const RADIX_MIN = 512;

/** Buckets are sorted by insertion up to this size. */
const INSERTION_MAX = 32;

/**
 * The payload moves with the values through the scatter and the in-bucket sorts: gathering it through
 * the permutation afterwards would be a random access per value, the slowest step at 10^6. The first
 * level reads the input directly and scatters into the output, so nothing is copied twice.
 */
function bucketSort(
  values: ArrayLike<number>,
  carry: ArrayLike<number> | undefined,
  withIndex: boolean,
): { order: Uint32Array; sorted: Float64Array; carried: Float64Array } {
  const n = values.length;
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n; i++) {
    const x = values[i]!;
    if (x < lo) lo = x;
    if (x > hi) hi = x;
  }
  const cols: Columns = {
    v: new Float64Array(n),
    id: new Uint32Array(withIndex ? n : 0),
    c: new Float64Array(carry ? n : 0),
  };
  const { v, id, c } = cols;
  const B = bucketCount(n);
  const scale = bucketScale(lo, hi, B);
  if (lo === hi || scale === 0) {
    for (let i = 0; i < n; i++) {
      const x = values[i]!;
      v[i] = x === 0 ? 0 : x;
      if (withIndex) id[i] = i;
      if (carry) c[i] = carry[i]!;
    }
    if (lo !== hi) radixRange(cols, 0, n);
    return { order: id, sorted: v, carried: c };
  }
  const bucket = new Uint16Array(n);
  const counts = new Uint32Array(B + 1);
  const halfLo = 0.5 * lo;
  for (let i = 0; i < n; i++) {
    const k = Math.floor((0.5 * values[i]! - halfLo) * scale);
    const b = k < 0 ? 0 : k >= B ? B - 1 : k;
    bucket[i] = b;
    counts[b + 1]!++;
  }
  let largest = 0;
  for (let b = 0; b < B; b++) {
    largest = Math.max(largest, counts[b + 1]!);
    counts[b + 1]! += counts[b]!;
  }
  for (let i = 0; i < n; i++) {
    const at = counts[bucket[i]!]!++;
    const x = values[i]!;
    v[at] = x === 0 ? 0 : x;
    if (withIndex) id[at] = i;
    if (carry) c[at] = carry[i]!;
  }
  // Scratch for the buckets, each sorted on its own: as long as the largest one.
  const scratch: Scratch = {
    v: new Float64Array(largest),
    id: new Uint32Array(withIndex ? largest : 0),
    c: new Float64Array(carry ? largest : 0),
    bucket: new Uint16Array(largest),
    counters: [],
  };
  sortBuckets(cols, scratch, counts, B, 0, n, 0);
  return { order: id, sorted: v, carried: c };
}

/** Values, their indices and their payload (each of the last two empty when not wanted), moved together. */
interface Columns {
  readonly v: Float64Array;
  readonly id: Uint32Array;
  readonly c: Float64Array;
}

interface Scratch extends Columns {
  readonly bucket: Uint16Array;
  /** Bucket counters, one pair per recursion depth, reused: allocating them per bucket cost more than the sorting. */
  readonly counters: Uint32Array[];
}

/** Two counter arrays of B + 1 ≤ 4097 entries for recursion depth `depth`. */
function countersAt(scratch: Scratch, depth: number): Uint32Array {
  let c = scratch.counters[depth];
  if (c === undefined) {
    c = new Uint32Array(2 * 4097);
    scratch.counters[depth] = c;
  }
  return c;
}

/** Buckets for a range of `size` values: about 4 per bucket, at most 4096 (they stay in cache). */
function bucketCount(size: number): number {
  return Math.min(4096, 2 ** Math.ceil(Math.log2(size / 4)));
}

/**
 * B/(max − min), from halves so that max − min cannot overflow; 0 when an end is infinite or the range
 * is so narrow that the scale overflows: the bucket key is then useless and the radix sort takes over.
 */
function bucketScale(lo: number, hi: number, B: number): number {
  const scale = B / (0.5 * hi - 0.5 * lo);
  return scale > 0 && scale < Number.POSITIVE_INFINITY ? scale : 0;
}

/** Sorts each bucket of [from, to); `ends[b]` is where bucket b ends. */
function sortBuckets(
  cols: Columns,
  scratch: Scratch,
  ends: Uint32Array,
  B: number,
  from: number,
  to: number,
  depth: number,
): void {
  const size = to - from;
  for (let b = 0, start = from; b < B; b++) {
    const end = from + ends[b]!;
    // A bucket with more than half of the range: a skewed law, where more levels would gain little.
    if (end - start > size / 2) radixRange(cols, start, end);
    else if (end - start > 1) sortRange(cols, scratch, start, end, depth + 1);
    start = end;
  }
}

/** Sorts v[from..to) (carrying id and c), whose order is by index among equal values, stably. */
function sortRange(cols: Columns, scratch: Scratch, from: number, to: number, depth: number): void {
  const { v, id, c } = cols;
  const size = to - from;
  if (size <= INSERTION_MAX) {
    insertionSort(cols, from, to);
    return;
  }
  let lo = v[from]!;
  let hi = lo;
  for (let i = from + 1; i < to; i++) {
    const x = v[i]!;
    if (x < lo) lo = x;
    else if (x > hi) hi = x;
  }
  if (lo === hi) return;
  const B = bucketCount(size);
  const scale = bucketScale(lo, hi, B);
  if (scale === 0) {
    radixRange(cols, from, to);
    return;
  }
  const counters = countersAt(scratch, depth);
  const counts = counters.subarray(0, B + 1).fill(0);
  const bucket = scratch.bucket;
  const halfLo = 0.5 * lo;
  for (let i = from; i < to; i++) {
    const k = Math.floor((0.5 * v[i]! - halfLo) * scale);
    const b = k < 0 ? 0 : k >= B ? B - 1 : k;
    bucket[i - from] = b;
    counts[b + 1]!++;
  }
  for (let b = 0; b < B; b++) counts[b + 1]! += counts[b]!;
  // Scatter into the scratch (positions relative to from), then copy back.
  const { v: v2, id: id2, c: c2 } = scratch;
  const carry = c.length > 0;
  const withIndex = id.length > 0;
  const at0 = counters.subarray(4097, 4097 + B + 1);
  at0.set(counts);
  for (let i = from; i < to; i++) {
    const at = at0[bucket[i - from]!]!++;
    v2[at] = v[i]!;
    if (withIndex) id2[at] = id[i]!;
    if (carry) c2[at] = c[i]!;
  }
  v.set(v2.subarray(0, size), from);
  if (withIndex) id.set(id2.subarray(0, size), from);
  if (carry) c.set(c2.subarray(0, size), from);
  sortBuckets(cols, scratch, at0, B, from, to, depth);
}

/** Stable insertion sort of v[from..to) carrying id and c. */
function insertionSort({ v, id, c }: Columns, from: number, to: number): void {
  const carry = c.length > 0;
  const withIndex = id.length > 0;
  for (let i = from + 1; i < to; i++) {
    const x = v[i]!;
    const k = withIndex ? id[i]! : 0;
    const y = carry ? c[i]! : 0;
    let j = i - 1;
    while (j >= from && v[j]! > x) {
      v[j + 1] = v[j]!;
      if (withIndex) id[j + 1] = id[j]!;
      if (carry) c[j + 1] = c[j]!;
      j--;
    }
    v[j + 1] = x;
    if (withIndex) id[j + 1] = k;
    if (carry) c[j + 1] = y;
  }
}

/** The radix sort on v[from..to), its order applied to id and c. */
function radixRange({ v, id, c }: Columns, from: number, to: number): void {
  const { order, sorted } = radixSort(v.subarray(from, to));
  if (id.length > 0) {
    const ids = id.slice(from, to);
    for (let k = 0; k < order.length; k++) id[from + k] = ids[order[k]!]!;
  }
  if (c.length > 0) {
    const cs = c.slice(from, to);
    for (let k = 0; k < order.length; k++) c[from + k] = cs[order[k]!]!;
  }
  v.set(sorted, from);
}

function comparatorOrder(values: ArrayLike<number>): Uint32Array {
  const idx = Array.from({ length: values.length }, (_, i) => i);
  // −0 === +0, so they tie and fall back to the index, like every other tie.
  idx.sort((a, b) => {
    const va = values[a]!;
    const vb = values[b]!;
    return va < vb ? -1 : va > vb ? 1 : a - b;
  });
  return Uint32Array.from(idx);
}

/** Digit d is key bits [SHIFTS[d], SHIFTS[d] + 11) of the low (d < 3) or the high (d ≥ 3) half. */
const SHIFTS = [0, 11, 22, 0, 11, 22] as const;
const BUCKETS = 2048;

/**
 * LSD radix sort: each value's IEEE-754 bits become an unsigned 64-bit key in numeric order (sign bit
 * set for positives, all bits flipped for negatives, −0 read as +0), held as two Uint32 halves; six
 * stable counting passes of 11, 11 and 10 bits over the low half, then the high half. All six
 * histograms come from one read of the keys, and a pass whose digit is the same for every key is
 * skipped. The passes move (low key, high key, index) triples stored side by side, so each bucket is
 * one write stream rather than three: fewer cache lines and pages in flight.
 */
function radixSort(values: Float64Array): { order: Uint32Array; sorted: Float64Array } {
  const n = values.length;
  const words = new Uint32Array(values.buffer, values.byteOffset, 2 * n);
  let a = new Uint32Array(3 * n);
  let b = new Uint32Array(3 * n);
  const counts = new Uint32Array(6 * BUCKETS);
  for (let i = 0; i < n; i++) {
    // Little-endian: word 2i is the low half, 2i + 1 the high half with the sign bit.
    const l = words[2 * i]!;
    const h = words[2 * i + 1]!;
    let kl: number;
    let kh: number;
    if (h >>> 31 === 1) {
      kl = ~l >>> 0;
      kh = ~h >>> 0;
      // −0 sorts as +0.
      if (kh === 0x7fffffff && kl === 0xffffffff) {
        kh = 0x80000000;
        kl = 0;
      }
    } else {
      kl = l;
      kh = (h | 0x80000000) >>> 0;
    }
    a[3 * i] = kl;
    a[3 * i + 1] = kh;
    a[3 * i + 2] = i;
    counts[kl & 2047]!++;
    counts[BUCKETS + ((kl >>> 11) & 2047)]!++;
    counts[2 * BUCKETS + (kl >>> 22)]!++;
    counts[3 * BUCKETS + (kh & 2047)]!++;
    counts[4 * BUCKETS + ((kh >>> 11) & 2047)]!++;
    counts[5 * BUCKETS + (kh >>> 22)]!++;
  }
  for (let d = 0; d < 6; d++) {
    const base = d * BUCKETS;
    // A digit shared by every key leaves the order unchanged.
    let trivial = false;
    for (let k = 0; k < BUCKETS; k++) {
      const c = counts[base + k]!;
      if (c !== 0) {
        trivial = c === n;
        break;
      }
    }
    if (trivial) continue;
    // Exclusive prefix sums: where each bucket's first triple goes.
    let total = 0;
    for (let k = 0; k < BUCKETS; k++) {
      const c = counts[base + k]!;
      counts[base + k] = 3 * total;
      total += c;
    }
    const shift = SHIFTS[d]!;
    const half = d < 3 ? 0 : 1;
    for (let i = 0; i < 3 * n; i += 3) {
      const kl = a[i]!;
      const kh = a[i + 1]!;
      const slot = base + (((half === 0 ? kl : kh) >>> shift) & 2047);
      const at = counts[slot]!;
      counts[slot] = at + 3;
      b[at] = kl;
      b[at + 1] = kh;
      b[at + 2] = a[i + 2]!;
    }
    const swap = a;
    a = b;
    b = swap;
  }
  // The sorted values are the keys mapped back: no gather through the permutation.
  const order = new Uint32Array(n);
  const sorted = new Float64Array(n);
  const out = new Uint32Array(sorted.buffer);
  for (let k = 0; k < n; k++) {
    const kl = a[3 * k]!;
    const kh = a[3 * k + 1]!;
    order[k] = a[3 * k + 2]!;
    if (kh >>> 31 === 1) {
      out[2 * k] = kl;
      out[2 * k + 1] = kh & 0x7fffffff;
    } else {
      out[2 * k] = ~kl >>> 0;
      out[2 * k + 1] = ~kh >>> 0;
    }
  }
  return { order, sorted };
}
