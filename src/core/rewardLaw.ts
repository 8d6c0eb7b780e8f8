import { levelsOf } from "./levels.js";
import { type Model, modelFromLogWeights } from "./model.js";

/**
 * The model collapsed to the law of its reward: one outcome per distinct reward, carrying that level's
 * mass. The tilt, best-of-N and soft best-of-N all keep each level's law proportional to p (MATH §1–2),
 * and the law of S_n and the rates depend on r's law only (MATH §3–4), so every such quantity is the same
 * on it; what changes is the cost, O(levels) instead of O(outcomes) per evaluation (11 levels against
 * 74,286 words for subtlex-afinn). Quantities that look inside a level (a policy such as p², the
 * words that move) must use the model itself.
 */
export function rewardLaw(model: Model): Model {
  const levels = levelsOf(model);
  if (levels.count === model.size) return model;
  return modelFromLogWeights(Float64Array.from(levels.logMass), Float64Array.from(levels.values));
}
