import { folkloreKlBound } from "../bon.js";
import { InputError, show } from "../errors.js";
import { NeumaierSum } from "../numerics/sum.js";
import { bootstrap } from "./bootstrap.js";
import { MIN_TRUSTED_ESS } from "./empirical.js";
import type { PromptEstimate } from "./promptEstimate.js";

/**
 * Pooled estimates: every value is the mean over prompts of the per-prompt value (the policy that
 * applies best-of-N, or the tilt at budget Δ, to each prompt of a uniformly drawn prompt). Confidence
 * intervals resample prompts (the unit that is independent), so they cover prompt-to-prompt variation
 * and the sampling of responses within a prompt together.
 */
export interface PooledBon {
  readonly n: number;
  readonly reward: number;
  /** 95% percentile bootstrap interval over prompts; null without --bootstrap. */
  readonly rewardCi: [number, number] | null;
  readonly gold?: number;
  readonly goldCi?: [number, number] | null;
  readonly kl: number;
  readonly klBound: number;
  readonly klBeirami: number;
  readonly winRate: number;
}

/** The tilt of each prompt's empirical law at one KL budget Δ (nats), averaged over prompts. */
export interface PooledTilt {
  readonly kl: number;
  /** Mean of the per-prompt λ; +∞ (null in JSON) when some prompt saturates. */
  readonly lambda: number;
  readonly reward: number;
  readonly gold?: number;
  /** Mean effective sample size over prompts. */
  readonly ess: number;
  /** Every prompt's ESS ≥ the threshold (MIN_TRUSTED_ESS = 30 by default). */
  readonly trusted: boolean;
}

/** Best-of-N against the tilt at equal KL for one N of `compareN`, each field the mean over prompts. */
export interface PooledComparison {
  readonly kl: number;
  readonly bonReward: number;
  readonly tiltReward: number;
  readonly gap: number;
}

/**
 * The pooled result of `bonkl estimate`: best-of-N for N = 1…nMax, the tilt per KL budget and the
 * comparisons, over `prompts` prompts and `samples` samples (`skipped` prompts had fewer than 2).
 */
export interface PooledEstimate {
  readonly prompts: number;
  readonly samples: number;
  readonly skipped: number;
  readonly bon: PooledBon[];
  readonly tilt: PooledTilt[];
  readonly comparison: PooledComparison[];
}

/**
 * What to pool: N = 1…nMax, the KL grid (nats) for the tilt, the N compared with the tilt, whether gold
 * rewards are present, bootstrap replicates with their seed, and the ESS below which a tilt is untrusted.
 */
export interface PooledOptions {
  readonly nMax: number;
  readonly klGrid: readonly number[];
  readonly compareN: readonly number[];
  readonly hasGold: boolean;
  /** Bootstrap replicates over prompts (0: no intervals). */
  readonly bootstrap: number;
  readonly seed: number;
  readonly minEss?: number;
}

const sums = (k: number) => Array.from({ length: k }, () => new NeumaierSum());
const BLOCK = 1 << 16;

/** Accumulates per-prompt estimates in O(nMax + grid) memory (plus nMax doubles per prompt for CIs). */
export class PooledAccumulator {
  private prompts = 0;
  private samples = 0;
  private readonly reward: NeumaierSum[];
  private readonly gold: NeumaierSum[];
  private readonly kl: NeumaierSum[];
  private readonly klBeirami: NeumaierSum[];
  private readonly winRate: NeumaierSum[];
  private readonly tiltLambda: NeumaierSum[];
  private readonly tiltReward: NeumaierSum[];
  private readonly tiltGold: NeumaierSum[];
  private readonly tiltEss: NeumaierSum[];
  private readonly untrusted: number[];
  private readonly cmp: { kl: NeumaierSum; bon: NeumaierSum; tilt: NeumaierSum; gap: NeumaierSum }[];
  /** Per-prompt rows (reward, then gold) for the bootstrap, in blocks. */
  private readonly rows: Float64Array[] = [];
  private readonly width: number;
  private readonly minEss: number;

  constructor(private readonly options: PooledOptions) {
    const { nMax, klGrid, compareN } = options;
    if (!Number.isInteger(options.bootstrap) || options.bootstrap < 0) {
      throw new InputError("bootstrap", `expected an integer ≥ 0, got ${show(options.bootstrap)}`);
    }
    this.reward = sums(nMax);
    this.gold = sums(nMax);
    this.kl = sums(nMax);
    this.klBeirami = sums(nMax);
    this.winRate = sums(nMax);
    this.tiltLambda = sums(klGrid.length);
    this.tiltReward = sums(klGrid.length);
    this.tiltGold = sums(klGrid.length);
    this.tiltEss = sums(klGrid.length);
    this.untrusted = klGrid.map(() => 0);
    this.cmp = compareN.map(() => ({
      kl: new NeumaierSum(),
      bon: new NeumaierSum(),
      tilt: new NeumaierSum(),
      gap: new NeumaierSum(),
    }));
    this.width = options.hasGold ? 2 * nMax : nMax;
    this.minEss = options.minEss ?? MIN_TRUSTED_ESS;
  }

  /** Adds one prompt's estimate (from estimatePrompt with the same nMax, KL grid and compareN). */
  add(e: PromptEstimate): void {
    const { nMax } = this.options;
    this.prompts++;
    this.samples += e.samples;
    for (let j = 0; j < nMax; j++) {
      this.reward[j]!.add(e.reward[j]!);
      if (e.gold) this.gold[j]!.add(e.gold[j]!);
      this.kl[j]!.add(e.kl[j]!);
      this.klBeirami[j]!.add(e.klBeirami[j]!);
      this.winRate[j]!.add(e.winRate[j]!);
    }
    e.tilt.forEach((t, j) => {
      this.tiltLambda[j]!.add(t.lambda);
      this.tiltReward[j]!.add(t.reward);
      this.tiltGold[j]!.add(t.gold);
      this.tiltEss[j]!.add(t.ess);
      if (!(t.ess >= this.minEss)) this.untrusted[j]!++;
    });
    e.comparison.forEach((c, j) => {
      const s = this.cmp[j]!;
      s.kl.add(c.kl);
      s.bon.add(c.bonReward);
      s.tilt.add(c.tiltReward);
      s.gap.add(c.gap);
    });
    if (this.options.bootstrap > 0) {
      const slot = (this.prompts - 1) % BLOCK;
      if (slot === 0) this.rows.push(new Float64Array(BLOCK * this.width));
      const block = this.rows[this.rows.length - 1]!;
      block.set(e.reward, slot * this.width);
      if (e.gold) block.set(e.gold, slot * this.width + nMax);
    }
  }

  /** The pooled result; `skipped` = prompts left out for having fewer than 2 samples. */
  result(skipped: number): PooledEstimate {
    const P = this.prompts;
    if (P === 0)
      throw new InputError("samples", "no prompt has 2 or more valid samples: nothing to estimate");
    const { nMax, klGrid, compareN, hasGold } = this.options;
    const mean = (s: NeumaierSum) => s.value / P;
    const ci = this.intervals();
    const bon = Array.from({ length: nMax }, (_, j): PooledBon => {
      const row: PooledBon = {
        n: j + 1,
        reward: mean(this.reward[j]!),
        rewardCi: ci ? [ci.lower[j]!, ci.upper[j]!] : null,
        ...(hasGold
          ? { gold: mean(this.gold[j]!), goldCi: ci ? [ci.lower[nMax + j]!, ci.upper[nMax + j]!] : null }
          : {}),
        kl: mean(this.kl[j]!),
        klBound: folkloreKlBound(Math.log(j + 1)),
        klBeirami: mean(this.klBeirami[j]!),
        winRate: mean(this.winRate[j]!),
      };
      return row;
    });
    const tilt = klGrid.map(
      (kl, j): PooledTilt => ({
        kl,
        lambda: mean(this.tiltLambda[j]!),
        reward: mean(this.tiltReward[j]!),
        ...(hasGold ? { gold: mean(this.tiltGold[j]!) } : {}),
        ess: mean(this.tiltEss[j]!),
        trusted: this.untrusted[j] === 0,
      }),
    );
    const comparison = compareN.map((_, j): PooledComparison => {
      const s = this.cmp[j]!;
      return { kl: mean(s.kl), bonReward: mean(s.bon), tiltReward: mean(s.tilt), gap: mean(s.gap) };
    });
    return { prompts: P, samples: this.samples, skipped, bon, tilt, comparison };
  }

  private intervals(): { lower: Float64Array; upper: Float64Array } | undefined {
    const B = this.options.bootstrap;
    if (B === 0) return undefined;
    const P = this.prompts;
    const W = this.width;
    const acc = new Float64Array(W);
    const res = bootstrap(
      P,
      (idx) => {
        acc.fill(0);
        for (let i = 0; i < P; i++) {
          const p = idx[i]!;
          const block = this.rows[Math.floor(p / BLOCK)]!;
          const off = (p % BLOCK) * W;
          for (let j = 0; j < W; j++) acc[j]! += block[off + j]!;
        }
        return acc.map((s) => s / P);
      },
      { replicates: B, seed: this.options.seed },
    );
    return { lower: res.lower, upper: res.upper };
  }
}
