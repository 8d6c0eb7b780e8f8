import { InputError, show } from "../errors.js";

/**
 * The tilt φ̂_λ ∝ p̂ e^{λ r} of one prompt's empirical law, given by its score levels (values ascending,
 * sample counts), solved for a KL budget by a safeguarded Halley iteration. It is the same quantity as
 * `tiltEstimate` (the exact tilt of p̂, MATH §1 and §5) in a form cheap enough for 10^5 prompts × a KL
 * grid: one pass over the L levels per iteration, a few iterations, warm-started along a sorted grid.
 */
export interface LevelTilt {
  readonly lambda: number;
  readonly saturated: boolean;
  /** KL(φ̂_λ ‖ p̂). */
  readonly kl: number;
  /** Σ w_i r_i / Σ w_i with w_i = e^{λ r_i}. */
  readonly reward: number;
  /** Σ w_i g_i / Σ w_i (NaN-free: 0 when no gold is given). */
  readonly gold: number;
  /** Kish's effective sample size (Σ w)² / Σ w². */
  readonly ess: number;
}

/** One prompt's samples grouped by distinct score: the input of every per-prompt estimator. */
export interface ScoreLevels {
  /** Distinct scores, ascending. */
  readonly values: Float64Array;
  /** Samples per score (integers ≥ 1). */
  readonly counts: Float64Array;
  /** Mean gold reward per score (tie-averaged), when gold is given. */
  readonly gold?: Float64Array;
  /** m = Σ counts. */
  readonly samples: number;
  /** The sample mean of the scores (the centre of the exponent). */
  readonly mean: number;
}

/** Builds ScoreLevels from ascending distinct values and counts (and gold sums per level). */
export function scoreLevels(values: Float64Array, counts: Float64Array, goldSum?: Float64Array): ScoreLevels {
  const L = values.length;
  if (L === 0 || counts.length !== L)
    throw new InputError("levels", "values and counts must be non-empty and match");
  let m = 0;
  let s = 0;
  let c = 0;
  for (let l = 0; l < L; l++) {
    if (l > 0 && !(values[l]! > values[l - 1]!)) {
      throw new InputError(`values[${l}]`, `scores must be distinct and ascending, got ${show(values[l])}`);
    }
    m += counts[l]!;
    // Neumaier sum of c_l v_l for the mean.
    const term = counts[l]! * values[l]!;
    const t = s + term;
    c += Math.abs(s) >= Math.abs(term) ? s - t + term : term - t + s;
    s = t;
  }
  const mean = Math.min(values[L - 1]!, Math.max(values[0]!, (s + c) / m));
  const gold = goldSum?.map((g, l) => g / counts[l]!);
  return gold ? { values, counts, gold, samples: m, mean } : { values, counts, samples: m, mean };
}

interface Eval {
  kl: number;
  reward: number;
  variance: number;
  /** Third central moment of r under φ̂_λ (for Halley's step). */
  skew: number;
  z: number;
}

/**
 * One pass at λ. Very small λ(r_max − mean): the exponent is centred at the mean and log Ê e^{λu} =
 * log1p(Σ c expm1(λu)/m), so the O(λ²) KL has no cancellation. Otherwise it is centred at the top score
 * (every exponent ≤ 0), so λ Ê_φ u → 0 and log Ê e^{λu} → log(c_top/m) without large terms cancelling.
 */
function evaluate(lv: ScoreLevels, lambda: number, w: Float64Array): Eval {
  const { values, counts, mean, samples: m } = lv;
  const L = values.length;
  // Below 1e-2 the KL is under ~1e-4 and log(z/m) would lose digits to cancellation; above, one exp
  // per level suffices (relative error ≲ 1e-11 at the switch, less beyond).
  const small = lambda * (values[L - 1]! - mean) < 1e-2;
  const centre = small ? mean : values[L - 1]!;
  let z = 0;
  let zu = 0;
  let zuu = 0;
  let zuuu = 0;
  let em1 = 0;
  for (let l = 0; l < L; l++) {
    const u = values[l]! - centre;
    const e = counts[l]! * Math.exp(lambda * u);
    w[l] = e;
    z += e;
    zu += e * u;
    zuu += e * u * u;
    zuuu += e * u * u * u;
    if (small) em1 += counts[l]! * Math.expm1(lambda * u);
  }
  const eu = zu / z;
  // One-pass moments: only the step uses them, and the bracket guards against their rounding.
  const m2 = zuu / z;
  const v = Math.max(0, m2 - eu * eu);
  const skew = zuuu / z - 3 * eu * m2 + 2 * eu * eu * eu;
  const logMeanW = small ? Math.log1p(em1 / m) : Math.log(z / m);
  return { kl: Math.max(0, lambda * eu - logMeanW), reward: centre + eu, variance: v, skew, z };
}

function finish(lv: ScoreLevels, lambda: number, e: Eval, w: Float64Array): LevelTilt {
  const { values, counts, gold } = lv;
  const L = values.length;
  let w2 = 0;
  let g = 0;
  for (let l = 0; l < L; l++) {
    w2 += (w[l]! * w[l]!) / counts[l]!;
    if (gold) g += w[l]! * gold[l]!;
  }
  const reward = Math.min(values[L - 1]!, Math.max(values[0]!, e.reward));
  const ess = Math.min(lv.samples, Math.max(1, (e.z * e.z) / w2));
  return { lambda, saturated: false, kl: e.kl, reward, gold: gold ? g / e.z : 0, ess };
}

/** The tilt at a given λ ≥ 0 (finite). */
export function levelTiltAt(lv: ScoreLevels, lambda: number): LevelTilt {
  const w = new Float64Array(lv.values.length);
  return finish(lv, lambda, evaluate(lv, lambda, w), w);
}

function saturatedTilt(lv: ScoreLevels): LevelTilt {
  const L = lv.values.length;
  const c = lv.counts[L - 1]!;
  return {
    lambda: Number.POSITIVE_INFINITY,
    saturated: true,
    kl: Math.log(lv.samples / c),
    reward: lv.values[L - 1]!,
    gold: lv.gold ? lv.gold[L - 1]! : 0,
    ess: c,
  };
}

/**
 * λ with KL(φ̂_λ ‖ p̂) = Δ, for each Δ of `deltas` (any order). Δ ≥ log(m/c_top) saturates (λ = ∞: the
 * top-scoring samples, equally weighted). Halley steps (d' = λ Var_φ r, d'' = Var_φ r + λ κ₃) inside a bracket that every
 * evaluation narrows (bisection when a step leaves it); tolerance |d − Δ| ≤ 1e-12 Δ.
 */
export function levelTiltForKl(lv: ScoreLevels, deltas: readonly number[]): LevelTilt[] {
  const L = lv.values.length;
  const klMax = Math.log(lv.samples / lv.counts[L - 1]!);
  const w = new Float64Array(L);
  const order = deltas.map((_, i) => i).sort((a, b) => deltas[a]! - deltas[b]!);
  const out = new Array<LevelTilt>(deltas.length);
  let spread = 0;
  for (let l = 0; l < L; l++) spread += lv.counts[l]! * (lv.values[l]! - lv.mean) ** 2;
  const sigma = Math.sqrt(spread / lv.samples) || lv.values[L - 1]! - lv.values[0]!;
  let lo = 0;
  let loKl = 0;
  let loVar = 0;
  for (const i of order) {
    const delta = deltas[i]!;
    if (Number.isNaN(delta) || delta < 0) {
      throw new InputError("kl", `the KL budget must be a number ≥ 0 (nats), got ${show(delta)}`);
    }
    // Saturated when Δ ≥ log(m/c_top), so for one level (constant scores) at every Δ ≥ 0, as lambdaForKl;
    // or a spread so small that λ_Δ is beyond the largest double: saturated to rounding.
    if (delta >= klMax || !Number.isFinite(Math.sqrt(2 * delta) / sigma)) {
      out[i] = saturatedTilt(lv);
      continue;
    }
    if (delta === 0) {
      out[i] = levelTiltAt(lv, 0);
      continue;
    }
    // Warm start: the previous (smaller) budget's λ is a lower bracket end.
    if (loKl > delta) {
      lo = 0;
      loKl = 0;
      loVar = 0;
    }
    let a = lo;
    let hi = Number.POSITIVE_INFINITY;
    // First guess: a Newton step from the previous solution (d' = λ Var), else the small-Δ value √(2Δ)/σ.
    let lambda = lo > 0 && loVar > 0 ? lo + (delta - loKl) / (lo * loVar) : Math.sqrt(2 * delta) / sigma;
    if (!(lambda > lo)) lambda = lo > 0 ? lo * 1.5 : Math.sqrt(2 * delta) / sigma;
    let e = evaluate(lv, lambda, w);
    let lastErr = Number.POSITIVE_INFINITY;
    for (let it = 0; it < 200; it++) {
      const err = e.kl - delta;
      if (Math.abs(err) <= 1e-12 * delta) break;
      if (err < 0) a = lambda;
      else hi = lambda;
      if (Number.isFinite(hi) && hi - a <= 1e-15 * hi) break;
      // Halley's step (cubic convergence) on f(λ) = d(λ) − Δ: f' = λ Var, f'' = Var + λ κ₃.
      const f1 = lambda * e.variance;
      const f2 = e.variance + lambda * e.skew;
      let next = lambda - (2 * err * f1) / (2 * f1 * f1 - err * f2);
      // Bisect when the step leaves the bracket or the last one did not halve the error (d is flat near
      // saturation, where Halley creeps): geometrically while the bracket spans orders of magnitude.
      if (!(next > a && next < hi) || Math.abs(err) > 0.5 * lastErr) {
        if (!Number.isFinite(hi)) next = Math.max(2 * lambda, a * 2);
        else next = a > 0 && hi > 4 * a ? Math.sqrt(a * hi) : (a + hi) / 2;
      }
      lastErr = Math.abs(err);
      lambda = next;
      e = evaluate(lv, lambda, w);
    }
    // `w` holds the weights of the last evaluation (λ).
    out[i] = finish(lv, lambda, e, w);
    lo = lambda;
    loKl = e.kl;
    loVar = e.variance;
  }
  return out;
}
