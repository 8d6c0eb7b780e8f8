/**
 * Compensated (Neumaier) summation: the error is bounded by about 2ε Σ|x_i| independently of the
 * number of terms, instead of nε Σ|x_i| for the naive loop. Reference: A. Neumaier, "Rundungsfehleranalyse
 * einiger Verfahren zur Summation endlicher Summen", ZAMM 54 (1974).
 */
export class NeumaierSum {
  private s = 0;
  private c = 0;

  /** Adds one term. */
  add(x: number): void {
    const t = this.s + x;
    if (Math.abs(this.s) >= Math.abs(x)) this.c += this.s - t + x;
    else this.c += x - t + this.s;
    this.s = t;
  }

  /** The compensated sum so far (±∞ or NaN as IEEE gives them when a term is infinite). */
  get value(): number {
    // With an infinite term, s is ±∞ (or NaN) and the compensation would turn ∞ into NaN.
    return Number.isFinite(this.s) ? this.s + this.c : this.s;
  }
}

/** Σ x_i with Neumaier compensation. Infinite terms give the IEEE result (∞, or NaN for ∞ − ∞). */
export function sum(x: ArrayLike<number>): number {
  const s = new NeumaierSum();
  for (let i = 0; i < x.length; i++) s.add(x[i]!);
  return s.value;
}

/** Σ w_i x_i with Neumaier compensation on the products (the products themselves are rounded once). */
export function dot(w: ArrayLike<number>, x: ArrayLike<number>): number {
  const s = new NeumaierSum();
  for (let i = 0; i < x.length; i++) s.add(w[i]! * x[i]!);
  return s.value;
}
