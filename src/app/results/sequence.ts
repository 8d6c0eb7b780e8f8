import type { Model } from "../../core/model.js";
import { bonSequence, type SequenceResult } from "../../core/sequence/bonSequence.js";

/**
 * The `sequence` result: best-of-e^{nΔ} against the optimum over length-n sequences, λ null when
 * saturated. `method` says how the law of S_n was computed; `grid` is the step the rewards were
 * quantised to (null when exact) and `rewardErrorPerToken` bounds the error of the reward fields (h/2);
 * `accuracy` bounds the engine's absolute error of each field (app/accuracy.ts checks it against the
 * documented tolerances).
 */
export interface SequenceSummary {
  readonly length: number;
  readonly klRate: number;
  readonly logN: number;
  readonly lambda: number | null;
  readonly xStar: number;
  readonly saturated: boolean;
  readonly optimal: SequenceResult["optimal"];
  readonly bon: SequenceResult["bon"];
  readonly gapTimesLength: number;
  readonly method: string;
  readonly grid: number | null;
  readonly rewardErrorPerToken: number;
  readonly accuracy: SequenceResult["accuracy"];
}

/** `bonkl sequence` at one length n: bonSequence with λ as null when saturated, for printing. */
export function sequenceSummary(
  model: Model,
  n: number,
  klRate: number,
  logN?: number,
  grid?: number,
): SequenceSummary {
  const r = bonSequence(model, n, klRate, {
    ...(logN === undefined ? {} : { logN }),
    ...(grid === undefined ? {} : { grid }),
  });
  return {
    length: r.length,
    klRate: r.klRate,
    logN: r.logN,
    lambda: r.saturated ? null : r.lambda,
    xStar: r.xStar,
    saturated: r.saturated,
    optimal: { ...r.optimal },
    bon: { ...r.bon },
    gapTimesLength: r.gapTimesLength,
    method: r.method,
    grid: r.grid,
    rewardErrorPerToken: r.rewardErrorPerToken,
    accuracy: { ...r.accuracy },
  };
}
