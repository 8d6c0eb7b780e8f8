import { comparisonNs, defaultKlGrid, perPromptLine } from "../app/results/estimate.js";
import { InputError, show } from "../core/errors.js";
import { LevelCurvesCache } from "../core/estimate/curves.js";
import { MIN_TRUSTED_ESS } from "../core/estimate/empirical.js";
import { PooledAccumulator, type PooledEstimate } from "../core/estimate/pooled.js";
import { estimatePrompt } from "../core/estimate/promptEstimate.js";
import { scoreLevels } from "../core/estimate/tiltLevels.js";
import { AtomicLines } from "./files.js";
import { openSamples, type SampleColumns, type SampleSummary } from "./samples.js";

/** What `estimateFile` reads and how it estimates (the `estimate` command's options, parsed). */
export interface EstimateOptions {
  readonly columns: SampleColumns;
  readonly dropInvalid?: boolean;
  /** Largest N (capped at the fewest samples of a prompt, so every pooled N averages every prompt). */
  readonly nMax?: number;
  /** KL budgets for the tilt (default: 20 points up to the folklore bound at nMax). */
  readonly klGrid?: readonly number[];
  readonly bootstrap: number;
  readonly seed: number;
  readonly minEss?: number;
  /** A .jsonl file for every prompt's estimates, one line per prompt (written atomically). */
  readonly perPrompt?: string;
  /** Told notes for the user (an N capped, say). */
  readonly log?: (message: string) => void;
}

/** The pooled estimates with what they were computed from (the file's summary, its columns, N). */
export interface EstimateRun {
  readonly result: PooledEstimate;
  readonly summary: SampleSummary;
  readonly columns: SampleColumns;
  readonly nMax: number;
  readonly compareN: readonly number[];
}

/** Reads a samples file through DuckDB and estimates per prompt, pooled as the mean over prompts. */
export async function estimateFile(file: string, options: EstimateOptions): Promise<EstimateRun> {
  if (options.perPrompt !== undefined && !/\.jsonl$/i.test(options.perPrompt)) {
    throw new InputError(
      "--per-prompt",
      `expected a file name ending in .jsonl, got ${show(options.perPrompt)}`,
      "invalid_value",
    );
  }
  const set = await openSamples(file, {
    columns: options.columns,
    dropInvalid: options.dropInvalid,
    autoOptional: true,
  });
  try {
    const { summary, columns } = set;
    if (summary.prompts === 0) {
      throw new InputError(
        "--samples",
        `no prompt has 2 or more valid samples in ${show(file)} (${summary.skippedPrompts} prompt(s) with fewer were skipped)`,
        "invalid_value",
      );
    }
    const asked = options.nMax ?? summary.minSamples;
    const nMax = Math.min(asked, summary.minSamples);
    if (asked > nMax) {
      options.log?.(
        `--n-max ${asked} capped at ${nMax}, the fewest samples of a prompt (unbiased best-of-N needs N ≤ m)`,
      );
    }
    const klGrid = options.klGrid ?? defaultKlGrid(nMax);
    const compareN = comparisonNs(nMax);
    const hasGold = columns.gold !== undefined;
    const pooled = new PooledAccumulator({
      nMax,
      klGrid,
      compareN,
      hasGold,
      bootstrap: options.bootstrap,
      seed: options.seed,
      minEss: options.minEss,
    });
    const cache = new LevelCurvesCache(nMax);
    const minEss = options.minEss ?? MIN_TRUSTED_ESS;
    const writer = options.perPrompt ? new AtomicLines(options.perPrompt, "--per-prompt") : undefined;
    try {
      await set.forEachPrompt((p) => {
        const lv = scoreLevels(p.values, p.counts, p.goldSum);
        const e = estimatePrompt(lv, { nMax, klGrid, compareN, cache, refProb: p.refProb });
        pooled.add(e);
        writer?.write(perPromptLine(p.prompt, e, minEss));
      });
      writer?.commit();
    } finally {
      writer?.abort();
    }
    return { result: pooled.result(summary.skippedPrompts), summary, columns, nMax, compareN };
  } finally {
    set.close();
  }
}
