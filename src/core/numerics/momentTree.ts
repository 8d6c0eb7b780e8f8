import { addEmxForm, addExpForm, EXP_PARTS, expParts, type Frame, type TiltAcc } from "./tiltSums.js";

/**
 * The tilt's sums (numerics/tiltSums.ts) over sorted reward levels at many λ, sharing the work: a tree
 * of blocks of consecutive levels (FAN levels, FAN² levels, …), each kept as its mass P₀, its centre
 * c_b, half-width h_b and the moments ν_k = Σ P z^k / P₀ of z = (v − c_b)/h_b ∈ [−1, 1], k ≤ K. Since
 *   Σ_b P e^{λ(v − c)} u^j = e^{λ(c_b − c)} P₀ h^j Σ_k (λh)^k ν_{k+j} / k!   (u in units of s),
 * a block with a = λh_b ≤ A_MAX stands for all its levels with a truncation below a^{K−1}/(K−1)!·e^a of
 * each sum (for j ≤ 2, K = 18, a ≤ ½: below 4e-21 relative, against rounding at 1e-16), at O(K) cost.
 * At each λ the evaluation takes the largest blocks that qualify, descends into the others, and sums
 * the levels of a lowest block that does not qualify directly with tiltSums' kernels; blocks whose
 * whole weight is below e^{−100} of a lower bound on the total are skipped (their share is below 1e-36). The result
 * carries Σ w u^k for k ≤ 2 only (κ₃, κ₄ are not formed), which is all KL and reward need.
 *
 * One pass over the levels builds the lowest tier (K powers a level); each higher tier comes from its
 * children by the binomial shift of their moments to its own centre and scale.
 */

const FAN = 16;
/** Moments kept per block. */
const K = 18;
/** Largest λh for which a block's moments replace its levels. */
const A_MAX = 0.5;
/** A block whose mass is below e^{−SKIP} of the total is left out. */
const SKIP = 100;

interface Tier {
  /** Levels per block. */
  readonly span: number;
  readonly count: number;
  readonly center: Float64Array;
  readonly half: Float64Array;
  readonly mass: Float64Array;
  readonly logMass: Float64Array;
  /** ν_1…ν_K per block, K per block. */
  readonly nu: Float64Array;
}

export interface MomentTree {
  readonly values: Float64Array;
  readonly mass: Float64Array;
  readonly logMass: Float64Array;
  /** tiers[0]: blocks of FAN levels; tiers[t]: blocks of FAN^{t+1} levels; the last has one block. */
  readonly tiers: readonly Tier[];
}

/** Binomial coefficients C(k, j) for k, j ≤ K. */
const BINOMIAL: Float64Array[] = [];
for (let k = 0; k <= K; k++) {
  const row = new Float64Array(k + 1);
  row[0] = 1;
  for (let j = 1; j <= k; j++) row[j] = (row[j - 1]! * (k - j + 1)) / j;
  BINOMIAL.push(row);
}

/** 1/k! for k ≤ K. */
const INV_FACTORIAL = new Float64Array(K + 1);
INV_FACTORIAL[0] = 1;
for (let k = 1; k <= K; k++) INV_FACTORIAL[k] = INV_FACTORIAL[k - 1]! / k;

function emptyTier(span: number, count: number): Tier {
  return {
    span,
    count,
    center: new Float64Array(count),
    half: new Float64Array(count),
    mass: new Float64Array(count),
    logMass: new Float64Array(count),
    nu: new Float64Array(count * K),
  };
}

/**
 * The tree over levels sorted ascending (distinct values) with masses that are normal doubles
 * (log P ≥ −700: the blocks' weights are formed linearly); undefined for fewer than 2·FAN levels, where
 * the direct sums are as cheap.
 */
export function momentTree(
  values: Float64Array,
  mass: Float64Array,
  logMass: Float64Array,
): MomentTree | undefined {
  const n = values.length;
  if (n < 2 * FAN) return undefined;
  const tiers: Tier[] = [];
  // The lowest tier, from the levels: ν_k for four levels at a time, so the products z^k form four
  // independent chains.
  {
    const count = Math.ceil(n / FAN);
    const t = emptyTier(FAN, count);
    const nu = t.nu;
    for (let b = 0; b < count; b++) {
      const lo = b * FAN;
      const hi = Math.min(n, lo + FAN);
      const c = 0.5 * values[lo]! + 0.5 * values[hi - 1]!;
      const h = 0.5 * values[hi - 1]! - 0.5 * values[lo]!;
      // Sixteen terms of one sign: a plain sum is within 8ε.
      let P0 = 0;
      for (let i = lo; i < hi; i++) P0 += mass[i]!;
      t.center[b] = c;
      t.half[b] = h;
      t.mass[b] = P0;
      t.logMass[b] = Math.log(P0);
      if (!(h > 0)) continue;
      const o = b * K;
      const w = 1 / P0;
      const invH = 1 / h;
      let i = lo;
      for (; i + 4 <= hi; i += 4) {
        const z0 = (values[i]! - c) * invH;
        const z1 = (values[i + 1]! - c) * invH;
        const z2 = (values[i + 2]! - c) * invH;
        const z3 = (values[i + 3]! - c) * invH;
        let t0 = mass[i]! * w;
        let t1 = mass[i + 1]! * w;
        let t2 = mass[i + 2]! * w;
        let t3 = mass[i + 3]! * w;
        for (let k = 0; k < K; k++) {
          t0 *= z0;
          t1 *= z1;
          t2 *= z2;
          t3 *= z3;
          nu[o + k] = nu[o + k]! + (t0 + t1 + (t2 + t3));
        }
      }
      for (; i < hi; i++) {
        const z = (values[i]! - c) * invH;
        let t0 = mass[i]! * w;
        for (let k = 0; k < K; k++) {
          t0 *= z;
          nu[o + k] = nu[o + k]! + t0;
        }
      }
    }
    tiers.push(t);
  }
  // Higher tiers: each block's moments about its own centre, from its children's by the binomial shift
  // ((c_child − c) + h_child z)^k/h^k = Σ_j C(k, j) α^{k−j} β^j z^j, α = (c_child − c)/h, β = h_child/h.
  const alpha = new Float64Array(K + 1);
  const beta = new Float64Array(K + 1);
  while (tiers[tiers.length - 1]!.count > 1) {
    const below = tiers[tiers.length - 1]!;
    const span = below.span * FAN;
    const count = Math.ceil(below.count / FAN);
    const t = emptyTier(span, count);
    for (let b = 0; b < count; b++) {
      const lo = b * span;
      const hi = Math.min(n, lo + span);
      const c = 0.5 * values[lo]! + 0.5 * values[hi - 1]!;
      const h = 0.5 * values[hi - 1]! - 0.5 * values[lo]!;
      const first = b * FAN;
      const last = Math.min(below.count, first + FAN);
      let P0 = 0;
      for (let q = first; q < last; q++) P0 += below.mass[q]!;
      t.center[b] = c;
      t.half[b] = h;
      t.mass[b] = P0;
      t.logMass[b] = Math.log(P0);
      if (!(h > 0)) continue;
      for (let q = first; q < last; q++) {
        const share = below.mass[q]! / P0;
        alpha[0] = 1;
        beta[0] = 1;
        const a1 = (below.center[q]! - c) / h;
        const b1 = below.half[q]! / h;
        for (let k = 1; k <= K; k++) {
          alpha[k] = alpha[k - 1]! * a1;
          beta[k] = beta[k - 1]! * b1;
        }
        for (let k = 1; k <= K; k++) {
          const row = BINOMIAL[k]!;
          // j = 0 term: the child's ν₀ = 1.
          let s = alpha[k]!;
          for (let j = 1; j <= k; j++) s += row[j]! * alpha[k - j]! * beta[j]! * below.nu[q * K + j - 1]!;
          t.nu[b * K + k - 1] = t.nu[b * K + k - 1]! + share * s;
        }
      }
    }
    tiers.push(t);
  }
  return { values, mass, logMass, tiers };
}

/** Which form the tree's blocks are summed in (tiltSums' forms). */
export type TreeForm = "exp" | "emx" | "log";

/**
 * Adds the sums of a form (tiltSums' addExpForm, in either weighting, or addEmxForm, with the same frame and
 * logRef) over every level of the tree to acc, blocks standing for their levels where they qualify.
 */
export function addTreeForm(
  tree: MomentTree,
  form: TreeForm,
  frame: Frame,
  logRef: number,
  acc: TiltAcc,
): void {
  const top = tree.tiers.length - 1;
  const root = tree.tiers[top]!;
  // A lower bound on log Σ w: the top level's own term, and 0 (the mode's term in the log form,
  // Σ P e^x ≥ e^{E_p x} = 1 by Jensen's inequality in the mean-centred exp form).
  const L = tree.values.length - 1;
  const { center: c, invScale: inv, lambdaScaled: lam } = frame;
  const floor = Math.max(0, tree.logMass[L]! - logRef + lam * (tree.values[L]! - c) * inv);
  for (let b = 0; b < root.count; b++) visit(tree, top, b, form, frame, logRef, floor - SKIP, acc);
}

function visit(
  tree: MomentTree,
  tier: number,
  b: number,
  form: TreeForm,
  frame: Frame,
  logRef: number,
  skipBelow: number,
  acc: TiltAcc,
): void {
  const t = tree.tiers[tier]!;
  const { center: c, invScale: inv, lambdaScaled: lam } = frame;
  const D = (t.center[b]! - c) * inv;
  const hs = t.half[b]! * inv;
  const a = lam * hs;
  // The block's whole weight is at most P₀ e^{λ(v_top − c)}. The emx form keeps everything.
  if (form !== "emx" && t.logMass[b]! - logRef + lam * (topOf(tree, t, b) - c) * inv < skipBelow) return;
  if (a <= A_MAX) {
    addBlock(t, b, D, hs, a, form, frame, logRef, acc);
    return;
  }
  if (tier === 0) {
    const lo = b * t.span;
    const hi = Math.min(tree.values.length, lo + t.span);
    if (form === "exp") addExpForm(tree.values, tree.mass, lo, hi, frame, acc);
    else if (form === "emx") addEmxForm(tree.values, tree.mass, lo, hi, frame, acc);
    else addExpForm(tree.values, tree.logMass, lo, hi, frame, acc, logRef);
    return;
  }
  const below = tree.tiers[tier - 1]!;
  const last = Math.min(below.count, (b + 1) * FAN);
  for (let q = b * FAN; q < last; q++) visit(tree, tier - 1, q, form, frame, logRef, skipBelow, acc);
}

/** The largest value in block b of tier t. */
function topOf(tree: MomentTree, t: Tier, b: number): number {
  return tree.values[Math.min(tree.values.length, (b + 1) * t.span) - 1]!;
}

const COEF = new Float64Array(K + 1);

/** One block's share of the sums (module comment), through g_j = Σ_k a^k ν_{k+j}/k! for j ≤ 2. */
function addBlock(
  t: Tier,
  b: number,
  D: number,
  hs: number,
  a: number,
  form: TreeForm,
  frame: Frame,
  logRef: number,
  acc: TiltAcc,
): void {
  const nu = t.nu;
  const o = b * K - 1; // ν_k is nu[o + k]
  COEF[0] = 1;
  for (let k = 1; k <= K; k++) COEF[k] = COEF[k - 1]! * (a / k);
  // e2 = Σ_{k≥2} a^k ν_k/k! (summed as such: e1 − aν₁ would cancel), e1 = g0 − 1 = aν₁ + e2,
  // g1 = ν₁ + Σ_{k≥1} a^k ν_{k+1}/k!, g2 = ν₂ + Σ_{k≥1} a^k ν_{k+2}/k!.
  let e2 = 0;
  let f1 = 0;
  let g2 = nu[o + 2]!;
  for (let k = K; k >= 2; k--) e2 += COEF[k]! * nu[o + k]!;
  for (let k = K - 1; k >= 1; k--) f1 += COEF[k]! * nu[o + k + 1]!;
  for (let k = K - 2; k >= 1; k--) g2 += COEF[k]! * nu[o + k + 2]!;
  const nu1 = nu[o + 1]!;
  const e1 = a * nu1 + e2;
  const g0 = 1 + e1;
  const g1 = nu1 + f1;
  const X = frame.lambdaScaled * D;
  if (form === "emx") {
    const P0 = t.mass[b]!;
    expParts(X);
    const eX = EXP_PARTS[0]!;
    const em1 = EXP_PARTS[1]!;
    const emx = EXP_PARTS[2]!;
    // Σ P (e^x − 1 − x) = P₀[emx(X) + (e^X − 1)(g0 − 1) + (g0 − 1 − aν₁)], and likewise Σ P u (e^x − 1).
    acc.add(
      P0 * (emx + em1 * e1 + e2),
      P0 * (D * (em1 + eX * e1) + hs * (em1 * nu1 + eX * f1)),
      P0 * eX * (D * (D * g0 + 2 * hs * g1) + hs * hs * g2),
      0,
      0,
    );
    return;
  }
  const w = Math.exp(t.logMass[b]! - (form === "log" ? logRef : 0) + X);
  acc.add(w * g0, w * (D * g0 + hs * g1), w * (D * (D * g0 + 2 * hs * g1) + hs * hs * g2), 0, 0);
}

/**
 * The mode of φ_λ over the tree's levels: the first index of the largest log P + λ(v − c), found by
 * branch and bound (a block's levels are at most log P₀ + λ(v_top − c)).
 */
export function treeMode(tree: MomentTree, c: number, lambda: number): number {
  let best = -1;
  let bestValue = Number.NEGATIVE_INFINITY;
  const search = (tier: number, b: number): void => {
    const t = tree.tiers[tier]!;
    if (t.logMass[b]! + lambda * (topOf(tree, t, b) - c) < bestValue) return;
    if (tier === 0) {
      const lo = b * t.span;
      const hi = Math.min(tree.values.length, lo + t.span);
      for (let i = lo; i < hi; i++) {
        const v = tree.logMass[i]! + lambda * (tree.values[i]! - c);
        if (v > bestValue || (v === bestValue && i < best)) {
          bestValue = v;
          best = i;
        }
      }
      return;
    }
    const below = tree.tiers[tier - 1]!;
    const last = Math.min(below.count, (b + 1) * FAN);
    // Highest blocks first: with λ > 0 the mode is usually near the top.
    for (let q = last - 1; q >= b * FAN; q--) search(tier - 1, q);
  };
  const top = tree.tiers.length - 1;
  for (let b = tree.tiers[top]!.count - 1; b >= 0; b--) search(top, b);
  return best;
}
