import { type BonResult, bestOfN } from "./bon.js";
import { InputError, show } from "./errors.js";
import { isConstantReward, type Model } from "./model.js";
import { softBestOfN } from "./softBon.js";
import { tiltAt } from "./tilt.js";

/** A point of the optimal reward–KL curve: (KL(φ_λ‖p), E_φ r) at λ; λ = Infinity at saturation. */
export interface FrontierPoint {
  readonly kl: number;
  readonly reward: number;
  readonly lambda: number;
}

export interface BonPoint {
  readonly n: number;
  readonly logN: number;
  readonly kl: number;
  readonly reward: number;
  readonly klBound: number;
}

export interface SoftBonPoint {
  readonly n: number;
  readonly temperature: number;
  readonly kl: number;
  readonly reward: number;
}

export interface Frontier {
  readonly optimal: FrontierPoint[];
  readonly bon: BonPoint[];
  readonly softBon?: SoftBonPoint[];
  readonly klMax: number;
  readonly rewardMax: number;
}

/**
 * The optimal curve V(Δ) from λ = 0 to saturation, as `points` points spread evenly along the curve in
 * the plane (KL / log(1/p*), (E r − E_p r)/(r_max − E_p r)). The curve is traced by λ (one pass over the
 * outcomes per point, no root solving); the segment with the longest normalised chord is split (at the
 * geometric mean of its λs, or 4λ towards saturation) until the count is reached.
 */
export function optimalFrontier(model: Model, points = 100): FrontierPoint[] {
  if (!Number.isInteger(points) || points < 3 || points > 100000) {
    throw new InputError("points", `must be a whole number from 3 to 100000, got ${show(points)}`);
  }
  const at = (lambda: number): FrontierPoint => {
    const t = tiltAt(model, lambda);
    return { kl: t.kl, reward: t.reward, lambda };
  };
  if (isConstantReward(model)) return [at(0)];
  const end: FrontierPoint = { kl: model.klMax, reward: model.rMax, lambda: Number.POSITIVE_INFINITY };
  const scale = 1 / Math.sqrt(model.variance);
  const curve: FrontierPoint[] = [at(0)];
  for (let k = -2; k <= 2 && curve.length < points - 1; k++) curve.push(at(scale * 4 ** k));
  curve.push(end);
  const xs = model.klMax;
  const ys = model.rMax - model.mean;
  const chord = (a: FrontierPoint, b: FrontierPoint) =>
    Math.hypot((b.kl - a.kl) / xs, (b.reward - a.reward) / ys);
  while (curve.length < points) {
    let worst = -1;
    let worstLength = -1;
    for (let i = 0; i + 1 < curve.length; i++) {
      const len = chord(curve[i]!, curve[i + 1]!);
      if (len > worstLength) {
        worst = i;
        worstLength = len;
      }
    }
    if (worstLength <= 0) break;
    const a = curve[worst]!;
    const b = curve[worst + 1]!;
    const lambda =
      b.lambda === Number.POSITIVE_INFINITY
        ? 4 * a.lambda
        : a.lambda === 0
          ? b.lambda / 4
          : Math.sqrt(a.lambda * b.lambda);
    if (!(lambda > a.lambda && lambda < b.lambda)) break;
    curve.splice(worst + 1, 0, at(lambda));
  }
  return curve;
}

function bonPoint(r: BonResult): BonPoint {
  return { n: r.n, logN: r.logN, kl: r.kl, reward: r.reward, klBound: r.klBound };
}

/**
 * Best-of-N at N = 1, 2, 4, …: up to log N ≤ maxLogN (default 64 log 2, N = 2^64) or until best-of-N
 * has saturated (its KL within 1e-9 relative of log(1/p*)). Beyond N = 2^64, 100 points geometric in log N.
 */
export function bonFrontier(model: Model, maxLogN = 64 * Math.LN2): BonPoint[] {
  if (!(maxLogN >= 0)) throw new InputError("maxLogN", `must be a number ≥ 0, got ${show(maxLogN)}`);
  const logNs: number[] = [];
  for (let k = 0; k <= 64 && k * Math.LN2 <= maxLogN; k++) logNs.push(k * Math.LN2);
  const last = logNs[logNs.length - 1]!;
  if (maxLogN > last && last > 0) {
    const ratio = (maxLogN / last) ** (1 / 100);
    for (let k = 1; k <= 100; k++) logNs.push(last * ratio ** k);
  }
  const out: BonPoint[] = [];
  for (const logN of logNs) {
    const r = bestOfN(model, { logN });
    out.push(bonPoint(r));
    if (r.kl >= model.klMax * (1 - 1e-9)) break;
  }
  return out;
}

/** Default soft-BoN temperatures: 25 values, 10^{-3}…10^{3} times the reward range. */
export function defaultTemperatures(model: Model): number[] {
  const range = model.rMax - model.rMin || 1;
  return Array.from({ length: 25 }, (_, k) => range * 10 ** ((k - 12) / 4));
}

/** Soft best-of-N (kl, reward) over temperatures at a fixed N. */
export function softBonCurve(
  model: Model,
  n: number,
  temperatures = defaultTemperatures(model),
): SoftBonPoint[] {
  return temperatures.map((temperature) => {
    const r = softBestOfN(model, { n, temperature });
    return { n, temperature, kl: r.kl, reward: r.reward };
  });
}

export interface FrontierOptions {
  readonly points?: number;
  readonly maxLogN?: number;
  /** N values for soft-BoN curves over temperature (none by default). */
  readonly softN?: readonly number[];
}

export function frontier(model: Model, options: FrontierOptions = {}): Frontier {
  const result: Frontier = {
    optimal: optimalFrontier(model, options.points ?? 100),
    bon: bonFrontier(model, options.maxLogN),
    klMax: model.klMax,
    rewardMax: model.rMax,
  };
  if (options.softN && options.softN.length > 0) {
    return { ...result, softBon: options.softN.flatMap((n) => softBonCurve(model, n)) };
  }
  return result;
}
