/**
 * bonkl's application layer: what each command computes and how its results look, shared by the CLI,
 * the report and the web page. Pure like the core (no Node or DOM imports).
 */
export * from "./data/subtlexAfinn.js";
export * from "./data/wordModel.js";
export * from "./format.js";
export * from "./json.js";
export * from "./presets.js";
export * from "./summaries.js";
