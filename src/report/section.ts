import type { ModelResults } from "../app/plans/model.js";
import { escapeXml } from "../plot/text.js";
import type { FigureWriter } from "./html.js";
import { Refs } from "./refs.js";
import { aboutModel } from "./sections/about.js";
import type { ModelFigures } from "./sections/context.js";
import { frontierSection } from "./sections/frontier.js";
import { largeDeviationsSection } from "./sections/largeDeviations.js";
import { policiesSection } from "./sections/policies.js";
import { sequencesSection } from "./sections/sequences.js";
import { wordsSection } from "./sections/words.js";

/**
 * The section of one model: each figure with a paragraph under it saying what it shows and how to read
 * it, and tables as text alternatives, in the order the parts below write them.
 */
export function modelSection(
  name: string,
  results: Readonly<Record<string, ModelResults>>,
  figure: FigureWriter,
  figures: ModelFigures,
): string {
  const r = results[name]!;
  const ctx = {
    r,
    at: new Refs(results, name),
    slug: name.replace(/[^a-z0-9]+/gi, "-"),
    isWords: r.movers !== undefined,
    figure,
    figures,
  };
  return [
    `<section><h2>${escapeXml(name)}</h2>`,
    ...aboutModel(ctx),
    ...frontierSection(ctx),
    ...policiesSection(ctx),
    ...sequencesSection(ctx),
    ...largeDeviationsSection(ctx),
    ...wordsSection(ctx),
    "</section>",
  ].join("\n");
}
