/**
 * Binary search in an ascending array: the first index whose value is ≥ t (`strict` false) or > t
 * (`strict` true), in [0, length]. NaN never compares true, so a NaN t gives `length`.
 */
export function firstAtLeast(sorted: ArrayLike<number>, t: number, strict = false): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (strict ? sorted[mid]! > t : sorted[mid]! >= t) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
