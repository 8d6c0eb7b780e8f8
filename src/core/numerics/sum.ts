/**
 * Compensated (Neumaier) summation: the error is bounded by about 2ε Σ|x_i| independently of the
 * number of terms, instead of nε Σ|x_i| for the naive loop. Reference: A. Neumaier, "Rundungsfehleranalyse
 * einiger Verfahren zur Summation endlicher Summen", ZAMM 54 (1974).
 */
export class NeumaierSum {
  private s = 0;
  private c = 0;

  add(x: number): void {
    const t = this.s + x;
    if (Math.abs(this.s) >= Math.abs(x)) this.c += this.s - t + x;
    else this.c += x - t + this.s;
    this.s = t;
  }

  get value(): number {
    return this.s + this.c;
  }
}

/** Σ x_i with Neumaier compensation. Infinite terms give the IEEE result (∞, or NaN for ∞ − ∞). */
export function sum(x: ArrayLike<number>): number {
  let s = 0;
  let c = 0;
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    const t = s + v;
    if (Math.abs(s) >= Math.abs(v)) c += s - t + v;
    else c += v - t + s;
    s = t;
  }
  if (!Number.isFinite(s)) return s;
  return s + c;
}

/** Σ w_i x_i with Neumaier compensation on the products (the products themselves are rounded once). */
export function dot(w: ArrayLike<number>, x: ArrayLike<number>): number {
  let s = 0;
  let c = 0;
  for (let i = 0; i < x.length; i++) {
    const v = w[i]! * x[i]!;
    const t = s + v;
    if (Math.abs(s) >= Math.abs(v)) c += s - t + v;
    else c += v - t + s;
    s = t;
  }
  if (!Number.isFinite(s)) return s;
  return s + c;
}
