/**
 * bonkl's pure core: no Node or DOM imports, so the CLI, the report and the web page share it.
 * One idea per module; see the README's "Library" section for a tour.
 */
export * from "./bon.js";
export { bonExactTilt, EXACT_TILT_TOLERANCE, type ExactTilt } from "./bonExactTilt.js";
export * from "./divergence.js";
export * from "./errors.js";
export * from "./estimate/beirami.js";
export * from "./estimate/bootstrap.js";
export * from "./estimate/curves.js";
export * from "./estimate/empirical.js";
export * from "./estimate/pooled.js";
export * from "./estimate/promptEstimate.js";
export * from "./estimate/sample.js";
export * from "./estimate/tiltLevels.js";
export * from "./estimate/unbiased.js";
export * from "./frontier.js";
export * from "./gap.js";
export * from "./levels.js";
export {
  type DoobChain,
  doobTransform,
  legendreTilt,
  type MarkovOptimum,
  type MarkovRate,
  markovOptimum,
  markovRate,
} from "./markov/asymptotics.js";
export { createMarkovChain, isMarkovSpec, type MarkovChain, type MarkovSpec } from "./markov/chain.js";
export { type PerronOptions, type PerronPoint, perronAt, stationaryMean } from "./markov/perron.js";
export {
  type Asymptotic,
  type MarkovSequenceOptions,
  type MarkovSequenceResult,
  markovSequence,
  memorylessModel,
} from "./markov/sequence.js";
export { type ChainStructure, chainStructure, requireIrreducible } from "./markov/structure.js";
export { type MarkovTail, markovTail } from "./markov/tail.js";
export * from "./model.js";
export * from "./numerics/argsort.js";
export * from "./numerics/fastExp.js";
export * from "./numerics/logspace.js";
export * from "./numerics/minimize.js";
export * from "./numerics/quadrature.js";
export * from "./numerics/roots.js";
export * from "./numerics/sum.js";
export * from "./numerics/tiltSums.js";
export * from "./optimum.js";
export * from "./rewardLaw.js";
export * from "./sequence/bonSequence.js";
export * from "./sequence/compositions.js";
export { cramerSolution, type RateSolution, rateFunction, reflectedModel } from "./sequence/cramer.js";
export * from "./sequence/lattice.js";
export * from "./sequence/ldp.js";
export * from "./sequence/ldpCheck.js";
export * from "./sequence/normalTail.js";
export * from "./sequence/quantise.js";
export * from "./sequence/saddlepoint.js";
export * from "./sequence/sumLaw.js";
export * from "./softBon.js";
export * from "./tilt.js";
export * from "./train/adam.js";
export * from "./train/atoms.js";
export * from "./train/context.js";
export * from "./train/distill.js";
export * from "./train/dpo.js";
export * from "./train/metrics.js";
export * from "./train/policy.js";
export * from "./train/policySample.js";
export * from "./train/ppo.js";
export * from "./train/reinforce.js";
export * from "./train/savedPolicy.js";
export * from "./train/targets.js";
export * from "./train/train.js";
