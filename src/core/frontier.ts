import { type BonResult, bestOfN } from "./bon.js";
import { InputError, show } from "./errors.js";
import { levelResidual, rewardLevels } from "./levels.js";
import { isConstantReward, type Model } from "./model.js";
import { addTreeForm, type MomentTree, momentTree, treeMode } from "./numerics/momentTree.js";
import {
  addEmxForm,
  addExpForm,
  chooseForm,
  emxFormResult,
  expFormResult,
  type Frame,
  modeIndex,
  spanScale,
  TiltAcc,
  type TiltSums,
} from "./numerics/tiltSums.js";
import { softBestOfN } from "./softBon.js";
import { tiltAt } from "./tilt.js";

/** A point of the optimal reward–KL curve: (KL(φ_λ‖p), E_φ r) at λ; λ = Infinity at saturation. */
export interface FrontierPoint {
  readonly kl: number;
  readonly reward: number;
  readonly lambda: number;
}

/** Best-of-N on the reward–KL plane: its exact KL and reward at N = e^{logN}, with the folklore bound. */
export interface BonPoint {
  readonly n: number;
  readonly logN: number;
  readonly kl: number;
  readonly reward: number;
  readonly klBound: number;
}

/** Soft best-of-N on the reward–KL plane at one (N, τ). */
export interface SoftBonPoint {
  readonly n: number;
  readonly temperature: number;
  readonly kl: number;
  readonly reward: number;
}

/** The optimal reward–KL curve, best-of-N (and soft best-of-N) beside it, and saturation (klMax, rewardMax). */
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
 * geometric mean of its λs, or 4λ towards saturation) until the count is reached. Each point comes from
 * tiltPoint: one pass over the reward levels in sorted order.
 */
export function optimalFrontier(model: Model, points = 100): FrontierPoint[] {
  if (!Number.isInteger(points) || points < 3 || points > 100000) {
    throw new InputError("points", `must be a whole number from 3 to 100000, got ${show(points)}`);
  }
  const at = (lambda: number): FrontierPoint => ({ ...tiltPoint(model, lambda), lambda });
  if (isConstantReward(model)) return [at(0)];
  const end: FrontierPoint = { kl: model.klMax, reward: model.rMax, lambda: Number.POSITIVE_INFINITY };
  // Var_p r underflows to 0 when the mass off one level is below ~1e-308; the range sets the scale then.
  const scale = 1 / (Math.sqrt(model.variance) || model.rMax - model.rMin);
  const curve: FrontierPoint[] = [at(0)];
  for (let k = -2; k <= 2 && curve.length < points - 1; k++) curve.push(at(scale * 4 ** k));
  curve.push(end);
  const xs = model.klMax;
  const ys = model.rMax - model.mean;
  const chord = (a: FrontierPoint, b: FrontierPoint) =>
    Math.hypot((b.kl - a.kl) / xs, (b.reward - a.reward) / ys);
  // Segments in a max-heap by chord length (ties: the one nearer λ = 0, as a left-to-right scan
  // would pick), so K points cost O(K log K) rather than a scan of every segment per split.
  const heap: Segment[] = [];
  for (let i = 0; i + 1 < curve.length; i++) {
    heapPush(heap, { a: curve[i]!, b: curve[i + 1]!, length: chord(curve[i]!, curve[i + 1]!) });
  }
  while (curve.length < points) {
    const worst = heapPop(heap);
    if (worst === undefined || worst.length <= 0) break;
    const { a, b } = worst;
    const lambda =
      b.lambda === Number.POSITIVE_INFINITY
        ? 4 * a.lambda
        : a.lambda === 0
          ? b.lambda / 4
          : Math.sqrt(a.lambda * b.lambda);
    if (!(lambda > a.lambda && lambda < b.lambda)) break;
    const mid = at(lambda);
    curve.push(mid);
    heapPush(heap, { a, b: mid, length: chord(a, mid) });
    heapPush(heap, { a: mid, b, length: chord(mid, b) });
  }
  return curve.sort((p, q) => p.lambda - q.lambda);
}

/**
 * KL(φ_λ‖p) and E_φ r for λ ∈ [0, ∞]: tiltAt's kl and reward by the same forms and the same choice
 * between them (numerics/tiltSums.ts's chooseForm), over the model's sorted reward levels (shared with
 * best-of-N's levels; ties merged) through numerics/momentTree.ts, where blocks of levels with λh ≤ ½
 * stand for their levels by their moments: the work of a point is then a few hundred blocks instead of
 * a pass over every level. The two agree to rounding (test/core/frontier.test.ts).
 */
export function tiltPoint(model: Model, lambda: number): { kl: number; reward: number } {
  // λ = 0, λ = ∞ and a constant reward need no pass; a negative or NaN λ is tiltAt's InputError.
  const scale = spanScale(model.rMax - model.rMin);
  if (
    !(lambda > 0 && lambda < Number.POSITIVE_INFINITY) ||
    isConstantReward(model) ||
    !Number.isFinite(lambda * scale)
  ) {
    const t = tiltAt(model, lambda);
    return { kl: t.kl, reward: t.reward };
  }
  const { values, mass, logMass } = rewardLevels(model);
  const tree = treeOf(model);
  const L = values.length;
  const frame = (center: number): Frame => ({ center, invScale: 1 / scale, lambdaScaled: lambda * scale });
  type Point = { readonly center: number; readonly sums: TiltSums };
  const point = chooseForm<Point>(lambda, model.rMax - model.mean, model.variance, {
    exp: () => {
      const f = frame(model.mean);
      const acc = new TiltAcc();
      if (tree) addTreeForm(tree, "exp", f, 0, acc);
      else addExpForm(values, mass, 0, L, f, acc);
      return { center: f.center, sums: expFormResult(f.lambdaScaled, 0, acc) };
    },
    emx: () => {
      const f = frame(model.mean);
      const acc = new TiltAcc();
      if (tree) addTreeForm(tree, "emx", f, 0, acc);
      else addEmxForm(values, mass, 0, L, f, acc);
      return {
        center: f.center,
        sums: emxFormResult(f.lambdaScaled, levelResidual(model) * f.invScale, acc),
      };
    },
    log: () => {
      const k = tree
        ? treeMode(tree, model.rMax, lambda)
        : modeIndex(values, logMass, 0, L, model.rMax, lambda);
      const f = frame(values[k]!);
      const acc = new TiltAcc();
      if (tree) addTreeForm(tree, "log", f, logMass[k]!, acc);
      else addExpForm(values, logMass, 0, L, f, acc, logMass[k]!);
      return { center: f.center, sums: expFormResult(f.lambdaScaled, logMass[k]!, acc) };
    },
    sums: (p) => p.sums,
  });
  return {
    kl: Math.min(model.klMax, Math.max(0, point.sums.d)),
    reward: Math.min(model.rMax, Math.max(model.mean, point.center + scale * point.sums.m)),
  };
}

const trees = new WeakMap<Model, MomentTree | null>();

/** The model's moment tree over its reward levels (once per model); null where masses are below e^{−700}. */
function treeOf(model: Model): MomentTree | null {
  let tree = trees.get(model);
  if (tree === undefined) {
    const { values, mass, logMass } = rewardLevels(model);
    let normal = true;
    for (let l = 0; l < logMass.length; l++) if (!(logMass[l]! >= -700)) normal = false;
    tree = (normal && momentTree(values, mass, logMass)) || null;
    trees.set(model, tree);
  }
  return tree;
}

interface Segment {
  readonly a: FrontierPoint;
  readonly b: FrontierPoint;
  readonly length: number;
}

/** Whether segment s comes out of the heap before t. */
function before(s: Segment, t: Segment): boolean {
  return s.length > t.length || (s.length === t.length && s.a.lambda < t.a.lambda);
}

function heapPush(heap: Segment[], s: Segment): void {
  let i = heap.length;
  heap.push(s);
  while (i > 0) {
    const parent = (i - 1) >> 1;
    if (!before(heap[i]!, heap[parent]!)) break;
    [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
    i = parent;
  }
}

function heapPop(heap: Segment[]): Segment | undefined {
  const top = heap[0];
  const last = heap.pop();
  if (top === undefined || last === undefined || heap.length === 0) return top;
  heap[0] = last;
  for (let i = 0; ; ) {
    const l = 2 * i + 1;
    const r = l + 1;
    let m = i;
    if (l < heap.length && before(heap[l]!, heap[m]!)) m = l;
    if (r < heap.length && before(heap[r]!, heap[m]!)) m = r;
    if (m === i) break;
    [heap[i], heap[m]] = [heap[m]!, heap[i]!];
    i = m;
  }
  return top;
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
  // Powers of two are passed as N itself, so N prints as 8, not e^{3 log 2} = 8.000000000000002.
  const specs: { n?: number; logN?: number }[] = [];
  for (let k = 0; k <= 64 && k * Math.LN2 <= maxLogN; k++) specs.push({ n: 2 ** k });
  const last = Math.log(specs[specs.length - 1]!.n!);
  if (maxLogN > 64 * Math.LN2) {
    const ratio = (maxLogN / last) ** (1 / 100);
    for (let k = 1; k <= 100; k++) specs.push({ logN: Math.min(maxLogN, last * ratio ** k) });
  }
  const out: BonPoint[] = [];
  for (const spec of specs) {
    const r = bestOfN(model, spec);
    out.push({ ...bonPoint(r), n: spec.n ?? r.n });
    if (r.kl >= model.klMax * (1 - 1e-9)) break;
  }
  return out;
}

/** Default soft-BoN temperatures: 49 values, 10^{-3}…10^{3} times the reward range. */
export function defaultTemperatures(model: Model): number[] {
  const range = model.rMax - model.rMin || 1;
  return Array.from({ length: 49 }, (_, k) => range * 10 ** ((k - 24) / 8));
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

/** Points on the optimal curve (default 100), best-of-N's largest log N (default 64 log 2), soft-N curves. */
export interface FrontierOptions {
  readonly points?: number;
  readonly maxLogN?: number;
  /** N values for soft-BoN curves over temperature (none by default). */
  readonly softN?: readonly number[];
}

/**
 * The optimal curve V(Δ) over Δ ∈ [0, log 1/p*], best-of-N at N = 1, 2, 4, … up to e^{maxLogN} (stopping
 * at saturation; see bonFrontier) and soft best-of-N over temperature for each N in `softN`.
 */
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
