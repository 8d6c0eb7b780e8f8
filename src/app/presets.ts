import { InputError, show } from "../core/errors.js";
import type { ModelSpec } from "../core/model.js";

/** Built-in models, named on the command line as `name` or `name:argument`. */
export interface Preset {
  readonly name: string;
  readonly syntax: string;
  readonly description: string;
  /** The model for `name:arg` (arg undefined for a bare name); InputError on `field` for a bad argument. */
  readonly build: (arg: string | undefined, field: string) => ModelSpec;
}

function real(arg: string | undefined, field: string, what: string): number {
  const v = arg === undefined || arg.trim() === "" ? Number.NaN : Number(arg);
  if (!Number.isFinite(v)) throw new InputError(field, `${what}, got ${show(arg ?? "")}`, "invalid_number");
  return v;
}

/** The pure presets: bernoulli:θ, uniform:L and ternary (subtlex-afinn, read from files, is in bonkl/node). */
export const PRESETS: readonly Preset[] = [
  {
    name: "bernoulli",
    syntax: "bernoulli:θ",
    description: "outcomes 0 and 1 with p(1) = θ, reward = outcome",
    build(arg, field) {
      const theta = real(arg, field, "bernoulli:θ needs θ in [0, 1], e.g. bernoulli:0.3");
      if (theta < 0 || theta > 1) {
        throw new InputError(field, `bernoulli:θ needs θ in [0, 1], got ${theta}`, "out_of_range");
      }
      return { outcomes: ["0", "1"], p: [1 - theta, theta], r: [0, 1] };
    },
  },
  {
    name: "uniform",
    syntax: "uniform:L",
    description: "L equiprobable outcomes with rewards 0, 1, …, L−1",
    build(arg, field) {
      const L = real(arg, field, "uniform:L needs a whole number L ≥ 1, e.g. uniform:10");
      if (!Number.isInteger(L) || L < 1 || L > 1e7) {
        throw new InputError(
          field,
          `uniform:L needs a whole number L from 1 to 1e7, got ${L}`,
          "out_of_range",
        );
      }
      const r = Array.from({ length: L }, (_, i) => i);
      return { outcomes: r.map(String), counts: r.map(() => 1), r };
    },
  },
  {
    name: "ternary",
    syntax: "ternary",
    description: "p = (0.5, 0.3, 0.2), rewards (0, 1, 2)",
    build(arg, field) {
      if (arg !== undefined) {
        throw new InputError(field, `ternary takes no argument, got ternary:${arg}`, "invalid_value");
      }
      return { outcomes: ["0", "1", "2"], p: [0.5, 0.3, 0.2], r: [0, 1, 2] };
    },
  },
];

/**
 * The data-backed preset: English word frequencies (SUBTLEX-US) with AFINN-165 sentiment as the reward,
 * the K most frequent words (all by default). Its data is injected (see model.ts).
 */
export const WORD_PRESET = {
  name: "subtlex-afinn",
  syntax: "subtlex-afinn[:K]",
  description: "English word frequencies (SUBTLEX-US) with AFINN-165 sentiment as the reward",
} as const;

/** The preset named by `text` (`name` or `name:arg`), or undefined when the name is not a preset's. */
export function presetSpec(text: string, field = "model"): ModelSpec | undefined {
  const colon = text.indexOf(":");
  const name = colon < 0 ? text : text.slice(0, colon);
  const arg = colon < 0 ? undefined : text.slice(colon + 1);
  const preset = PRESETS.find((p) => p.name === name);
  return preset?.build(arg, field);
}

/** The presets' syntax for messages, the data-backed one last. */
export function presetList(): string {
  return [...PRESETS.map((p) => p.syntax), WORD_PRESET.syntax].join(", ");
}
