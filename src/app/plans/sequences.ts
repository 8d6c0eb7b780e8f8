import type { Model } from "../../core/model.js";
import { type SequenceSummary, sequenceSummary } from "../results/sequence.js";

/** Best-of-e^{nΔ} against the optimum at several lengths, for one budget. */
export interface SequenceSweep {
  readonly klRate: number;
  readonly runs: SequenceSummary[];
}

/**
 * `sequenceSummary` at each length (the `sequence --sweep` rows); `onLength` is told each length as its
 * run starts (a progress bar).
 */
export function sequenceRuns(
  model: Model,
  lengths: readonly number[],
  klRate: number,
  options: { readonly logN?: number; readonly grid?: number } = {},
  onLength?: (index: number, n: number) => void,
): SequenceSummary[] {
  return lengths.map((n, i) => {
    onLength?.(i, n);
    return sequenceSummary(model, n, klRate, options.logN, options.grid);
  });
}
