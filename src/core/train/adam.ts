import { InputError, show } from "../errors.js";

/**
 * Adam (Kingma & Ba 2015, "Adam: a method for stochastic optimization", Algorithm 1, with its bias
 * corrections), minimising: x ← x − α_t m/(√v + ε̂), α_t = α √(1 − β₂^t)/(1 − β₁^t), ε̂ = ε √(1 − β₂^t).
 *
 * By default v is AMSGrad's running maximum (Reddi, Kale & Kumar 2018, "On the convergence of Adam and
 * beyond"), so the step a coordinate takes can only shrink relative to its gradient. With exact
 * gradients plain Adam converges to the optimum's rounding level and then, as v decays toward the size
 * of the rounding noise, takes full-size steps on that noise: on the ternary model its KL to the
 * optimum went from 1e-32 back up to 1e-6 … 1e-4 after 5,000–10,000 steps. AMSGrad stays at the
 * rounding level. `amsgrad: false` gives plain Adam.
 *
 * ε defaults to 0 (guarded: a coordinate whose gradients have all been 0 does not move). The usual
 * ε = 1e-8 is a floor on the gradient scale, and the gradient of a softmax logit is proportional to its
 * probability: with ε = 1e-8 a word of probability 2e-8 would move at a fraction of the others' speed,
 * and once √v ≪ ε Adam becomes plain gradient descent with the step α/ε, which is unstable here.
 */
export interface AdamOptions {
  /** Step size α (default 0.1). */
  readonly lr?: number;
  readonly beta1?: number;
  readonly beta2?: number;
  readonly eps?: number;
  /** AMSGrad's maximum of v (default true). */
  readonly amsgrad?: boolean;
}

/** Adam's constants when not given: α = 0.1, β₁ = 0.9, β₂ = 0.999, ε = 0, AMSGrad. */
export const ADAM_DEFAULTS = { lr: 0.1, beta1: 0.9, beta2: 0.999, eps: 0, amsgrad: true } as const;

/** The optimiser state (first and second moments, their maximum, the step count) for `size` parameters. */
export class Adam {
  readonly lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly amsgrad: boolean;
  private readonly m: Float64Array;
  private readonly v: Float64Array;
  /** AMSGrad: the largest v so far (the same array as v otherwise). */
  private readonly vMax: Float64Array;
  private t = 0;

  constructor(size: number, options: AdamOptions = {}) {
    this.lr = options.lr ?? ADAM_DEFAULTS.lr;
    this.beta1 = options.beta1 ?? ADAM_DEFAULTS.beta1;
    this.beta2 = options.beta2 ?? ADAM_DEFAULTS.beta2;
    this.eps = options.eps ?? ADAM_DEFAULTS.eps;
    this.amsgrad = options.amsgrad ?? ADAM_DEFAULTS.amsgrad;
    checkAdam(this);
    this.m = new Float64Array(size);
    this.v = new Float64Array(size);
    this.vMax = this.amsgrad ? new Float64Array(size) : this.v;
  }

  /** Updates `x` in place from the gradient `g` of the loss, with step size `lr` (default: this.lr). */
  step(x: Float64Array, g: ArrayLike<number>, lr = this.lr): void {
    this.t++;
    const { beta1: b1, beta2: b2, m, v, vMax } = this;
    const c2 = Math.sqrt(1 - b2 ** this.t);
    const scale = (lr * c2) / (1 - b1 ** this.t);
    const epsHat = this.eps * c2;
    for (let i = 0; i < x.length; i++) {
      const gi = g[i]!;
      const mi = b1 * m[i]! + (1 - b1) * gi;
      const vi = b2 * v[i]! + (1 - b2) * gi * gi;
      m[i] = mi;
      v[i] = vi;
      const vm = Math.max(vi, vMax[i]!);
      vMax[i] = vm;
      const d = Math.sqrt(vm) + epsHat;
      if (d > 0) x[i] = x[i]! - (scale * mi) / d;
    }
  }

  /** Steps taken. */
  get steps(): number {
    return this.t;
  }
}

function checkAdam(o: { lr: number; beta1: number; beta2: number; eps: number }): void {
  if (!(o.lr > 0 && Number.isFinite(o.lr)))
    throw new InputError(
      "lr",
      `the step size must be a finite number > 0, got ${show(o.lr)}`,
      "out_of_range",
    );
  for (const [name, b] of [
    ["beta1", o.beta1],
    ["beta2", o.beta2],
  ] as const) {
    if (!(b >= 0 && b < 1))
      throw new InputError(name, `Adam's ${name} must be in [0, 1), got ${show(b)}`, "out_of_range");
  }
  if (!(o.eps >= 0 && Number.isFinite(o.eps)))
    throw new InputError("eps", `Adam's ε must be a finite number ≥ 0, got ${show(o.eps)}`, "out_of_range");
}
