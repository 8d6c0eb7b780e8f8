import type { ModelResults } from "../../app/plans/model.js";
import type { FigureWriter } from "../html.js";
import type { Refs } from "../refs.js";

/** One model's figures as SVG documents, drawn from its results (figures.ts). */
export interface ModelFigures {
  readonly frontier: string;
  readonly identity: string;
  readonly sequence: readonly string[];
  readonly ldp?: string;
  readonly words?: string;
}

/** What every part of a model's section reads: its results, the way to cite them, and its figures. */
export interface SectionContext {
  readonly r: ModelResults;
  /** Numbers from the results, written with their path in results.json. */
  readonly at: Refs;
  /** The model's name made safe for file names. */
  readonly slug: string;
  /** A word model (SUBTLEX × AFINN): its prose speaks of words and sentiment. */
  readonly isWords: boolean;
  readonly figure: FigureWriter;
  readonly figures: ModelFigures;
}
