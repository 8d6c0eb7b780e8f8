import type * as Plot from "@observablehq/plot";

/** What a Plot mark keeps of its options: read to test a figure as data, before it is drawn. */
export interface MarkInfo {
  readonly ariaLabel?: string;
  readonly stroke?: unknown;
  readonly fill?: unknown;
  readonly data?: readonly unknown[];
  readonly curve?: unknown;
}

/** The marks of Plot options, flattened, render functions (the legends) left out. */
export function marksOf(options: Plot.PlotOptions): MarkInfo[] {
  return ([options.marks ?? []] as unknown[])
    .flat(4)
    .filter((m): m is MarkInfo => typeof m === "object" && m !== null) as MarkInfo[];
}
