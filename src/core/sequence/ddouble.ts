/**
 * Double-double arithmetic (a value hi + lo with |lo| ≤ ulp(hi)/2, about 32 significant digits) for the
 * few O(n) constants of the sequence engine: n·d(θ) with n up to 10^9 must be known to 1e-11 absolute,
 * i.e. d(θ) to 1e-20 (MATH §3, bonSequence.ts). Error-free transformations after Dekker (1971) and
 * Knuth (TAOCP 4.2.2); exp and log after Hida, Li and Bailey's QD library (2001): argument reduction
 * by ln 2 and 2^10, a Taylor series, squaring back; log by one Newton step on exp.
 */
export interface DD {
  readonly hi: number;
  readonly lo: number;
}

export const dd = (hi: number, lo = 0): DD => ({ hi, lo });

/** s + e = a + b exactly (Knuth's two-sum). */
function twoSum(a: number, b: number): DD {
  const s = a + b;
  const v = s - a;
  return { hi: s, lo: a - (s - v) + (b - v) };
}

function quickTwoSum(a: number, b: number): DD {
  const s = a + b;
  return { hi: s, lo: b - (s - a) };
}

const SPLIT = 134217729; // 2^27 + 1

/** p + e = a·b exactly (Dekker's product; no fused multiply-add in JavaScript). */
function twoProd(a: number, b: number): DD {
  const p = a * b;
  let t = SPLIT * a;
  const ah = t - (t - a);
  const al = a - ah;
  t = SPLIT * b;
  const bh = t - (t - b);
  const bl = b - bh;
  return { hi: p, lo: ah * bh - p + ah * bl + al * bh + al * bl };
}

export function ddAdd(a: DD, b: DD): DD {
  const s = twoSum(a.hi, b.hi);
  const t = twoSum(a.lo, b.lo);
  const u = quickTwoSum(s.hi, s.lo + t.hi);
  return quickTwoSum(u.hi, u.lo + t.lo);
}

export const ddNeg = (a: DD): DD => ({ hi: -a.hi, lo: -a.lo });
export const ddSub = (a: DD, b: DD): DD => ddAdd(a, ddNeg(b));

export function ddMul(a: DD, b: DD): DD {
  const p = twoProd(a.hi, b.hi);
  return quickTwoSum(p.hi, p.lo + (a.hi * b.lo + a.lo * b.hi));
}

export function ddDiv(a: DD, b: DD): DD {
  const q1 = a.hi / b.hi;
  const r = ddSub(a, ddMul(b, dd(q1)));
  const q2 = r.hi / b.hi;
  const r2 = ddSub(r, ddMul(b, dd(q2)));
  const q3 = r2.hi / b.hi;
  return ddAdd(quickTwoSum(q1, q2), dd(q3));
}

/** ln 2 to double-double precision. */
const LN2: DD = { hi: Math.LN2, lo: 2.3190468138462996e-17 };

/** e^a for a double-double a (to double precision only below −700; +∞ above 709.7). */
export function ddExp(a: DD): DD {
  // Far below 1: a few ulps of a subnormal-bound value are nothing next to the terms it is added to.
  if (a.hi < -700) return dd(Math.exp(a.hi));
  if (a.hi > 709.7) return dd(Number.POSITIVE_INFINITY);
  const k = Math.round(a.hi / LN2.hi);
  // r = (a − k ln 2)/2^10, |r| ≤ 3.4e-4: the series to r^10/10! ≈ 1e-42 is below double-double rounding.
  const r = ddMul(ddSub(a, ddMul(LN2, dd(k))), dd(1 / 1024));
  let term = r;
  let s = r;
  for (let j = 2; j <= 10; j++) {
    term = ddDiv(ddMul(term, r), dd(j));
    s = ddAdd(s, term);
  }
  // e^{2x} − 1 = (e^x − 1)(e^x − 1 + 2), ten times: expm1 keeps its relative accuracy while squaring.
  for (let j = 0; j < 10; j++) s = ddMul(s, ddAdd(s, dd(2)));
  const e = ddAdd(s, dd(1));
  const scale = 2 ** k;
  return { hi: e.hi * scale, lo: e.lo * scale };
}

/** log a for a double-double a > 0: one Newton step x + a·e^{−x} − 1 from x = log(a.hi). */
export function ddLog(a: DD): DD {
  const x = Math.log(a.hi);
  return ddAdd(dd(x), ddSub(ddMul(a, ddExp(dd(-x))), dd(1)));
}

/** The nearest double. */
export const ddValue = (a: DD): number => a.hi + a.lo;
