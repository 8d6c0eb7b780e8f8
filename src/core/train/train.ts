import { resolveLogN } from "../bon.js";
import { klFromLogs } from "../divergence.js";
import { InputError, show } from "../errors.js";
import { Rng } from "../estimate/bootstrap.js";
import type { AliasTable } from "../estimate/sample.js";
import type { Model } from "../model.js";
import { tiltAt } from "../tilt.js";
import { ADAM_DEFAULTS, Adam, type AdamOptions } from "./adam.js";
import { type Atoms, pooledAtoms, singletonAtoms } from "./atoms.js";
import { type StepContext, tableOf } from "./context.js";
import {
  checkDivergence,
  DIVERGENCES,
  type Divergence,
  distillExactStep,
  distillSampledStep,
} from "./distill.js";
import { dpoExactStep, dpoSampledStep } from "./dpo.js";
import { type TrainPoint, trainPoint } from "./metrics.js";
import { SoftmaxPolicy } from "./policy.js";
import { checkPpo, PPO_DEFAULTS, type PpoOptions, ppoExactStep, ppoSampledStep } from "./ppo.js";
import { reinforceExactStep, reinforceSampledStep } from "./reinforce.js";
import { bonTarget, checkBeta, logNForKl, type Target, tiltTarget } from "./targets.js";

/**
 * Training a tabular softmax policy (policy.ts) by one of four methods, from q = p, with Adam.
 *
 * Gradients are exact by default: every expectation is summed over the outcomes, so a run is
 * deterministic and its trajectory converges to the method's closed-form optimum to rounding, which is
 * what a check against the truth needs (and, pooled over exchangeable outcomes, atoms.ts, it is fast).
 * "sampled" estimates them from seeded Monte Carlo batches as the methods are run in practice: the same
 * optimum in expectation, reached only to within the noise a finite batch and step size leave.
 */
export type Method = "reinforce" | "ppo" | "dpo" | "bon-distill";
/** The methods, in the order the CLI lists them. */
export const METHODS: readonly Method[] = ["reinforce", "ppo", "dpo", "bon-distill"];

/** Expectations summed exactly over the outcomes, or estimated from seeded Monte Carlo batches. */
export type GradientMode = "exact" | "sampled";

/** What to train and how; only `method` and β (or N for bon-distill) are required. */
export interface TrainOptions {
  readonly method: Method;
  /** KL penalty β > 0 (optimum φ_{1/β}); for bon-distill, instead of n / logN, the N with KL(π_N‖p) = KL(φ_{1/β}‖p). */
  readonly beta?: number;
  /** best-of-N's N or log N (bon-distill). */
  readonly n?: number;
  readonly logN?: number;
  /** Default "exact". */
  readonly gradient?: GradientMode;
  /** Tokens per response for the per-token policy (default 1). */
  readonly length?: number;
  /** Seed of a sampled run (default 1). */
  readonly seed?: number;
  /** Responses (or pairs) per sampled step (default 256). */
  readonly batch?: number;
  /** Adam's step size (default LR_DEFAULT); and its other constants. */
  readonly lr?: number;
  readonly adam?: Omit<AdamOptions, "lr">;
  readonly ppo?: Partial<PpoOptions>;
  /** bon-distill's divergence (default "forward"). */
  readonly divergence?: Divergence;
  /** Pool exchangeable outcomes in an exact run (default true; the trajectory is the same). */
  readonly pool?: boolean;
}

/** Adam's default step size. */
export const LR_DEFAULT = ADAM_DEFAULTS.lr;
/** Responses (or DPO pairs) per sampled step by default. */
export const BATCH_DEFAULT = 256;

function wholeNumber(v: number, field: string, min: number): void {
  if (!Number.isSafeInteger(v) || v < min) {
    throw new InputError(field, `expected a whole number ≥ ${min}, got ${show(v)}`, "out_of_range");
  }
}

/**
 * A training run: the policy (from q = p), its optimiser, the method's optimum, and `advance()` for one
 * step; `point()` reads the exact state of the current policy.
 */
export class Trainer {
  readonly model: Model;
  readonly options: TrainOptions;
  readonly method: Method;
  readonly gradient: GradientMode;
  readonly length: number;
  readonly target: Target;
  readonly atoms: Atoms;
  readonly policy: SoftmaxPolicy;
  private readonly ctx: StepContext;
  private readonly beta: number;
  private readonly ppo: PpoOptions;
  private readonly divergence: Divergence;
  private targetTable?: AliasTable;
  private steps = 0;

  constructor(model: Model, options: TrainOptions) {
    if (!METHODS.includes(options.method)) {
      throw new InputError("method", `expected one of ${METHODS.join(", ")}, got ${show(options.method)}`);
    }
    this.model = model;
    this.options = options;
    this.method = options.method;
    this.gradient = options.gradient ?? "exact";
    if (this.gradient !== "exact" && this.gradient !== "sampled") {
      throw new InputError("gradient", `expected exact or sampled, got ${show(this.gradient)}`);
    }
    this.length = options.length ?? 1;
    wholeNumber(this.length, "length", 1);
    const batch = options.batch ?? BATCH_DEFAULT;
    wholeNumber(batch, "batch", 2);
    const seed = options.seed ?? 1;
    this.ppo = { ...PPO_DEFAULTS, ...options.ppo };
    if (this.method === "ppo")
      checkPpo(this.ppo, this.gradient === "sampled" ? batch : Number.MAX_SAFE_INTEGER);
    this.divergence = options.divergence ?? "forward";
    if (!DIVERGENCES.includes(this.divergence)) {
      throw new InputError(
        "divergence",
        `expected one of ${DIVERGENCES.join(", ")}, got ${show(this.divergence)}`,
      );
    }
    const pool = this.gradient === "exact" && (options.pool ?? true);
    this.atoms = pool ? pooledAtoms(model) : singletonAtoms(model);
    const atomModel = this.atoms.model;
    if (this.method === "bon-distill") {
      if (this.length !== 1) {
        throw new InputError(
          "length",
          "best-of-N distillation is for single outcomes (--length 1): best-of-N over sequences is not a per-token law",
          "conflict",
        );
      }
      const given = [options.beta, options.n, options.logN].filter((v) => v !== undefined).length;
      if (given !== 1)
        throw new InputError("n", "bon-distill needs exactly one of N, log N and β", "conflict");
      let logN: number;
      let lambda: number | undefined;
      if (options.beta !== undefined) {
        checkBeta(options.beta);
        const tilt = tiltAt(atomModel, 1 / options.beta);
        logN = logNForKl(atomModel, tilt.kl);
        lambda = tilt.lambda;
      } else logN = resolveLogN({ n: options.n, logN: options.logN });
      this.target = bonTarget(atomModel, logN, lambda);
      checkDivergence(this.divergence, this.target.logProbs);
      this.beta = 1 / this.target.lambda;
    } else {
      if (options.n !== undefined || options.logN !== undefined) {
        throw new InputError("n", `N is for bon-distill; ${this.method} takes β`, "conflict");
      }
      if (options.beta === undefined)
        throw new InputError("beta", `${this.method} needs the KL penalty β`, "missing");
      this.target = tiltTarget(atomModel, options.beta);
      this.beta = options.beta;
    }
    if (this.method === "dpo" && this.gradient === "exact" && this.length > 1) {
      throw new InputError(
        "gradient",
        "exact DPO gradients for sequences would need the joint law of reward and log-ratio over pairs of sequences; use sampled gradients for --length > 1",
        "conflict",
      );
    }
    this.policy = new SoftmaxPolicy(this.atoms);
    const lr = options.lr ?? LR_DEFAULT;
    const adam = new Adam(atomModel.size, { ...options.adam, lr });
    this.ctx = {
      policy: this.policy,
      adam,
      grad: new Float64Array(atomModel.size),
      lr,
      length: this.length,
      batch,
      rng: new Rng(seed),
    };
  }

  /** Steps taken so far. */
  get step(): number {
    return this.steps;
  }

  /** One step of the method (for PPO: one rollout and its epochs). */
  advance(): void {
    const { ctx, beta } = this;
    const exact = this.gradient === "exact";
    switch (this.method) {
      case "reinforce":
        if (exact) reinforceExactStep(ctx, beta);
        else reinforceSampledStep(ctx, beta);
        break;
      case "ppo":
        if (exact) ppoExactStep(ctx, beta, this.ppo);
        else ppoSampledStep(ctx, beta, this.ppo);
        break;
      case "dpo":
        if (exact) dpoExactStep(ctx, beta);
        else dpoSampledStep(ctx, beta);
        break;
      case "bon-distill":
        if (exact) distillExactStep(ctx, this.target.logProbs, this.divergence);
        else {
          this.targetTable ??= tableOf(this.target.logProbs);
          distillSampledStep(ctx, this.target.logProbs, this.targetTable, this.divergence);
        }
        break;
    }
    this.steps++;
  }

  /** The exact state of the current policy. */
  point(): TrainPoint {
    return trainPoint(this.atoms.model, this.target, this.policy.logq, this.steps, this.length);
  }

  /**
   * KL(q^n ‖ optimum^n) alone, for stopping rules: Σ q (log q − log target) in one pass without a
   * transcendental call, whose rounding error is about ε Σ q |log(q/target)|; below 1e-8 nats, where
   * that error could matter, klFromLogs's sum of non-negative terms instead.
   */
  klToOptimum(): number {
    const { q, logq } = this.policy;
    const target = this.target.logProbs;
    let s = 0;
    for (let a = 0; a < q.length; a++) if (q[a]! > 0) s += q[a]! * (logq[a]! - target[a]!);
    return this.length * (s > 1e-8 ? s : klFromLogs(logq, target));
  }

  /** log q on the model's support (its support order), expanded from the atoms. */
  outcomeLogProbs(): Float64Array {
    return this.policy.outcomeLogProbs();
  }

  /** The run's constants: what it converges to and how it was set up. */
  describe(): TrainSetup {
    const { target, length } = this;
    return {
      method: this.method,
      gradient: this.gradient,
      beta: this.method === "bon-distill" ? (this.options.beta ?? null) : this.beta,
      lambda: target.lambda,
      logN: target.logN ?? null,
      length,
      atoms: this.atoms.model.size,
      support: this.model.size,
      optimum: { kind: target.kind, reward: length * target.reward, kl: length * target.kl },
    };
  }
}

/** A run's constants, for headers and saved policies (per-sequence values for length n). */
export interface TrainSetup {
  readonly method: Method;
  readonly gradient: GradientMode;
  /** β (bon-distill: the β its N was matched to, or null). */
  readonly beta: number | null;
  /** λ of the tilt the run is measured against. */
  readonly lambda: number;
  readonly logN: number | null;
  readonly length: number;
  /** Parameters the run works on (atoms), and outcomes with p > 0. */
  readonly atoms: number;
  readonly support: number;
  readonly optimum: { readonly kind: "tilt" | "bon"; readonly reward: number; readonly kl: number };
}
