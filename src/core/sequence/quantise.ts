import { InputError, show } from "../errors.js";
import { levelsOf } from "../levels.js";
import { type Model, modelFromLogWeights } from "../model.js";
import { type Lattice, latticeOf, MAX_LATTICE_SPAN } from "./lattice.js";
import { tiltLattice } from "./shifted.js";
import { DIRECT_AUTO_POINTS } from "./sumLaw.js";

/**
 * Quantisation of the rewards to a grid of step h (MATH §3, non-lattice rewards):
 * q(r) = r_min + h·round((r − r_min)/h), so |r − q(r)| ≤ h/2 for every outcome and the rewards of the
 * quantised model lie on a lattice that the exact engines handle.
 *
 * What carries over. For one sequence |R − Q| ≤ n·h/2 (R, Q its summed true and quantised rewards). Draw
 * the same N sequences for both selections: best-of-N under r maximises R, so R(BoN_r) ≥ R(BoN_q) ≥
 * Q(BoN_q) − n·h/2 draw by draw, and symmetrically Q(BoN_q) ≥ Q(BoN_r) ≥ R(BoN_r) − n·h/2 (ties broken any
 * way). Taking expectations, |E R(BoN_r) − E Q(BoN_q)| ≤ n·h/2: the best-of-N reward per token of the
 * quantised model is within h/2 of the true one. The same argument over all policies with KL ≤ nΔ gives
 * |V_q(Δ) − V_r(Δ)| ≤ h/2 for the optimal reward x*.
 * What does not: KL(π_N‖p^n), KL(π_N‖φ) and λ* have no such bound. Quantising merges nearby sums into
 * ties, and best-of-N's KL is not continuous in the reward when ties form (a reward with few levels
 * saturates at log 1/p*, MATH §2), so those fields are exact for the quantised model only.
 */

export interface Quantised {
  readonly model: Model;
  /** The grid step h. */
  readonly grid: number;
  /** h/2: the bound on |E_r − E_q| per token of the best-of-N and optimal rewards. */
  readonly rewardErrorPerToken: number;
}

/** The model with rewards q(r) = r_min + h·round((r − r_min)/h) (same outcomes, same p). */
export function quantiseModel(model: Model, h: number, field = "grid"): Quantised {
  if (!(h > 0) || !Number.isFinite(h)) {
    throw new InputError(field, `the grid step h must be a finite number > 0, got ${show(h)}`);
  }
  const range = model.rMax - model.rMin;
  if (range / h > MAX_LATTICE_SPAN) {
    throw new InputError(
      field,
      `h = ${show(h)} puts ${Math.ceil(range / h)} steps across the reward range ${show(range)} ` +
        `(at most ${MAX_LATTICE_SPAN}); choose h ≥ ${show(range / MAX_LATTICE_SPAN)}`,
    );
  }
  const q = Float64Array.from(model.r, (r) => model.rMin + h * Math.round((r - model.rMin) / h));
  return {
    model: modelFromLogWeights(model.logp, q, model.labels, 0, model.p),
    grid: h,
    rewardErrorPerToken: h / 2,
  };
}

/**
 * How far the law of K_n on a lattice is from smooth at the scale of one step: max |ψ_θ(ω)|^n over
 * ω ∈ [6/√(nσ²), π], ψ_θ the characteristic function of the tilted per-token law (θ in step units) and σ²
 * its variance. The law of K_n is its Gaussian approximation modulated by terms of this size (Fourier
 * inversion), so where it is small every residue class carries its share of the mass and the shifted FFT
 * resolves every point; near 1 (few levels, n small against the span²) some classes are light. Scanned on
 * a grid of spacing 0.5/√(nσ²), about the width of a peak of |ψ|^n.
 */
export function latticeRoughness(lat: Lattice, n: number, theta: number): number {
  if (lat.span === 0) return 0;
  const t = tiltLattice(lat, theta);
  const sd = Math.sqrt(n * t.variance);
  if (!(sd > 0)) return 1;
  const L = lat.ks.length;
  const from = 6 / sd;
  const points = Math.min(Math.ceil((Math.PI - from) * 2 * sd), Math.floor(ROUGHNESS_WORK / L));
  if (points <= 0) return 0;
  const dw = (Math.PI - from) / points;
  let worst = 0;
  for (let i = 0; i <= points; i++) {
    const w = from + i * dw;
    let re = 0;
    let im = 0;
    for (let l = 0; l < L; l++) {
      const a = w * lat.ks[l]!;
      re += t.w[l]! * Math.cos(a);
      im += t.w[l]! * Math.sin(a);
    }
    worst = Math.max(worst, re * re + im * im);
  }
  return Math.exp(0.5 * n * Math.log(Math.min(1, worst)));
}

/** Work (levels × frequencies) spent on one roughness scan. */
const ROUGHNESS_WORK = 4e6;
/** Largest roughness accepted for the automatic grid. */
export const MAX_ROUGHNESS = 1e-2;

/**
 * The automatic grids to try for length n, finest first (lazily: each is checked only when the finer ones
 * failed): h = range/S for S = S_max, S_max/2, …, 8, with S_max the most steps across the range for which
 * the shifted FFT stays cheap (its window is about 18σ√n/h points and each point costs a pass over the
 * levels: window ≤ 2^18 and window × levels ≤ 2^22), at most 4096, and h = range/⌊2047/n⌋ when that is
 * finer (the direct convolution then takes the whole support, which it does exactly for any lattice). A
 * grid for the FFT is kept only when the quantised law is smooth (latticeRoughness ≤ MAX_ROUGHNESS at the
 * tilt θ, reward units, where the answer is needed): few reward levels need n ≳ 10·S² before the residue
 * classes even out.
 */
export function* autoGrids(model: Model, n: number, sigma: number, theta: number): Generator<Quantised> {
  const range = model.rMax - model.rMin;
  const sd = Math.max(sigma, 1e-300);
  const window = Math.min(2 ** 18, 2 ** 22 / levelsOf(model).count);
  const byWindow = Math.floor((window * range) / (18 * sd * Math.sqrt(n)));
  let S = 8;
  while (S * 2 <= Math.min(4096, byWindow)) S *= 2;
  const direct = Math.floor((DIRECT_AUTO_POINTS - 1) / n);
  if (direct > S) yield quantiseModel(model, range / direct);
  for (; S >= 8; S /= 2) {
    const q = quantiseModel(model, range / S);
    const lat = latticeOf(q.model);
    if (!lat) continue;
    if (n * lat.span + 1 <= DIRECT_AUTO_POINTS || latticeRoughness(lat, n, theta * lat.step) <= MAX_ROUGHNESS)
      yield q;
  }
}
