import type { Bon, Sequence, SoftBon, Tilt } from "./protocol.js";

/**
 * The numbers table: every quantity the figures draw, as text (the charts' text alternative). Keys are
 * paths into the CLI's JSON (`tilt.lambda` is `lambda` of `bonkl tilt --json`), so a test can compare.
 * Labels and titles are notation (`π_N`, `e^{nΔ}`; plot/text.ts), shown with sub- and superscripts.
 */
export interface NumbersData {
  readonly tilt?: Tilt;
  readonly bon?: Bon;
  readonly softBon?: SoftBon;
  readonly sequence?: Sequence;
}

export interface Row {
  readonly key: string;
  readonly label: string;
}

export interface Group {
  readonly title: (d: Inputs) => string;
  readonly rows: readonly Row[];
}

export interface Inputs {
  readonly kl: number;
  readonly length: number;
  readonly n: number;
  readonly temperature: number;
}

export const GROUPS: readonly Group[] = [
  {
    title: (d) => `KL-constrained optimum at Δ = ${d.kl} (one token; bonkl tilt --kl Δ)`,
    rows: [
      { key: "tilt.lambda", label: "λ*, the tilt with KL(φ_λ ‖ p) = Δ (— when saturated)" },
      { key: "tilt.beta", label: "β = 1/λ*" },
      { key: "tilt.reward", label: "x* = V(Δ), the optimal expected reward" },
      { key: "tilt.kl", label: "KL(φ_Δ ‖ p)" },
      { key: "tilt.logPartition", label: "Λ(λ*) = log Σ p e^{λ*r}" },
      { key: "tilt.klMax", label: "log 1/p*, where the optimum saturates" },
      { key: "tilt.rewardMax", label: "r_{max}" },
      { key: "tilt.saturated", label: "saturated (Δ ≥ log 1/p*)" },
    ],
  },
  {
    title: (d) => `Best-of-N at N = ${d.n} (bonkl bon --n N)`,
    rows: [
      { key: "bon.logN", label: "log N" },
      { key: "bon.reward", label: "expected reward of best-of-N" },
      { key: "bon.kl", label: "KL(π_N ‖ p), exact (ties included)" },
      { key: "bon.klBound", label: "folklore log N − (N−1)/N (an upper bound)" },
      { key: "bon.winRate", label: "win rate against a draw from p (ties half)" },
    ],
  },
  {
    title: (d) => `Soft best-of-N at N = ${d.n}, τ = ${d.temperature} (bonkl soft-bon)`,
    rows: [
      { key: "softBon.reward", label: "expected reward of soft best-of-N" },
      { key: "softBon.kl", label: "KL(π ‖ p)" },
      { key: "softBon.klToTilt", label: "KL(π ‖ φ_{1/τ}), → 0 as N grows" },
    ],
  },
  {
    title: (d) =>
      `Best-of-N with N = e^{nΔ} over sequences of length n = ${d.length} (bonkl sequence --length n --kl-rate Δ)`,
    rows: [
      { key: "sequence.logN", label: "log N = nΔ" },
      { key: "sequence.xStar", label: "x*, the optimal reward per token" },
      { key: "sequence.bon.rewardPerToken", label: "best-of-N reward per token E R / n" },
      { key: "sequence.gapTimesLength", label: "n (x* − E R / n)" },
      { key: "sequence.optimal.kl", label: "KL(φ^{⊗n} ‖ p^n) = nΔ" },
      { key: "sequence.bon.klToReference", label: "KL(π_N ‖ p^n)" },
      { key: "sequence.bon.klToReferencePerToken", label: "KL(π_N ‖ p^n) / n, → Δ" },
      { key: "sequence.bon.klToOptimal", label: "KL(π_N ‖ φ^{⊗n})" },
      { key: "sequence.bon.klToOptimalPerToken", label: "KL(π_N ‖ φ^{⊗n}) / n, → 0" },
      { key: "sequence.bon.klBound", label: "folklore bound log N − (N−1)/N" },
    ],
  },
];

/** The value at a dotted path, or undefined when that part has not been computed yet. */
export function valueAt(data: NumbersData, key: string): unknown {
  let v: unknown = data;
  for (const part of key.split(".")) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<string, unknown>)[part];
  }
  return v;
}

/** A value exactly, as JSON would carry it (the `data-value` of a cell): full precision, "Infinity", "null". */
export function exact(v: unknown): string {
  return typeof v === "number" ? String(v) : JSON.stringify(v ?? null);
}
