/**
 * bonkl's application layer: what each command computes and how its results look, shared by the CLI,
 * the report and the web page. Pure like the core (no Node or DOM imports): files and data come in
 * through the injected `ModelIo`.
 */
export * from "./data/subtlexAfinn.js";
export * from "./data/wordModel.js";
export * from "./format.js";
export * from "./json.js";
export * from "./model.js";
export * from "./output.js";
export * from "./parse.js";
export * from "./plans/frontier.js";
export * from "./plans/largeDeviations.js";
export * from "./plans/model.js";
export * from "./plans/policies.js";
export * from "./plans/sequences.js";
export * from "./plans/words.js";
export * from "./presets.js";
export * from "./results/bon.js";
export * from "./results/distribution.js";
export * from "./results/frontier.js";
export * from "./results/gap.js";
export * from "./results/ldp.js";
export * from "./results/sequence.js";
export * from "./results/softBon.js";
export * from "./results/tail.js";
export * from "./results/tilt.js";
