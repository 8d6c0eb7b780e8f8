import { folkloreKlBound } from "../../core/bon.js";
import type { PooledEstimate } from "../../core/estimate/pooled.js";
import type { PromptEstimate } from "../../core/estimate/promptEstimate.js";
import { csv, table, toJson, toJsonLine } from "../output.js";

/**
 * `bonkl estimate`: where best-of-N is set against the tilt, and the estimates written three ways, as
 * JSON, CSV and tables, plus the per-prompt JSON lines.
 */

/** N = 1, 2, 4, 8, … up to nMax, and nMax: where best-of-N is set against the tilt. */
export function comparisonNs(nMax: number): number[] {
  const ns: number[] = [];
  for (let n = 1; n < nMax; n *= 2) ns.push(n);
  ns.push(nMax);
  return ns;
}

/** `klGrid` budgets evenly spaced on (0, log N − (N−1)/N] at N = nMax. */
export function defaultKlGrid(nMax: number, points = 20): number[] {
  const top = folkloreKlBound(Math.log(nMax));
  if (top === 0) return [0];
  return Array.from({ length: points }, (_, k) => (top * (k + 1)) / points);
}

/** One prompt's estimates as a JSON line (`--per-prompt`): λ null when saturated, tilts flagged by ESS. */
export function perPromptLine(prompt: string, e: PromptEstimate, minEss: number): string {
  return toJsonLine({
    prompt,
    samples: e.samples,
    bon: {
      reward: e.reward,
      ...(e.gold ? { gold: e.gold } : {}),
      kl: e.kl,
      klBeirami: e.klBeirami,
      winRate: e.winRate,
    },
    tilt: e.tilt.map((t) => ({
      lambda: t.saturated ? null : t.lambda,
      kl: t.kl,
      reward: t.reward,
      ...(e.gold ? { gold: t.gold } : {}),
      ess: t.ess,
      trusted: t.ess >= minEss,
    })),
    comparison: e.comparison,
  });
}

const CSV_HEADER = [
  "section",
  "n",
  "kl",
  "lambda",
  "reward",
  "rewardLo",
  "rewardHi",
  "gold",
  "goldLo",
  "goldHi",
  "klBound",
  "klBeirami",
  "winRate",
  "ess",
  "trusted",
  "bonReward",
  "tiltReward",
  "gap",
] as const;

/** One CSV table for all three sections (a `section` column; empty cells where a field does not apply). */
export function estimateCsv(r: PooledEstimate): string {
  const row = (o: Partial<Record<(typeof CSV_HEADER)[number], unknown>>) => CSV_HEADER.map((h) => o[h]);
  return csv(CSV_HEADER, [
    ...r.bon.map((b) =>
      row({
        section: "bon",
        n: b.n,
        kl: b.kl,
        reward: b.reward,
        rewardLo: b.rewardCi?.[0],
        rewardHi: b.rewardCi?.[1],
        gold: b.gold,
        goldLo: b.goldCi?.[0],
        goldHi: b.goldCi?.[1],
        klBound: b.klBound,
        klBeirami: b.klBeirami,
        winRate: b.winRate,
      }),
    ),
    ...r.tilt.map((t) =>
      row({
        section: "tilt",
        kl: t.kl,
        lambda: t.lambda,
        reward: t.reward,
        gold: t.gold,
        ess: t.ess,
        trusted: t.trusted,
      }),
    ),
    ...r.comparison.map((c) =>
      row({ section: "comparison", kl: c.kl, bonReward: c.bonReward, tiltReward: c.tiltReward, gap: c.gap }),
    ),
  ]);
}

/** JSON for stdout: λ = ∞ is null (the project's convention). */
export function estimateJson(r: PooledEstimate): string {
  return toJson({
    ...r,
    tilt: r.tilt.map((t) => ({ ...t, lambda: Number.isFinite(t.lambda) ? t.lambda : null })),
  });
}

/** The three sections as tables for people; the gold columns only when the samples have a gold reward. */
export function estimateText(r: PooledEstimate, compareN: readonly number[], gold: boolean): string {
  const ci = (c: [number, number] | null | undefined) => (c ? `[${fmt4(c[0])}, ${fmt4(c[1])}]` : "—");
  return [
    `prompts ${r.prompts}, samples ${r.samples}, skipped ${r.skipped} prompt(s) with < 2 samples`,
    "",
    "best-of-N (reward: unbiased; KL: of best-of-N on the empirical law, ties included)",
    table(
      [
        "N",
        "reward",
        "95% CI",
        ...(gold ? ["gold", "95% CI"] : []),
        "KL",
        "log N−(N−1)/N",
        "Beirami",
        "win rate",
      ],
      r.bon.map((b) => [
        b.n,
        b.reward,
        ci(b.rewardCi),
        ...(gold ? [b.gold, ci(b.goldCi)] : []),
        b.kl,
        b.klBound,
        b.klBeirami,
        b.winRate,
      ]),
    ),
    "",
    "tilt of the empirical law (self-normalised weights e^{λr}); trusted: every prompt's ESS ≥ 30",
    table(
      ["KL", "λ (mean)", "reward", ...(gold ? ["gold"] : []), "ESS (mean)", "trusted"],
      r.tilt.map((t) => [
        t.kl,
        Number.isFinite(t.lambda) ? t.lambda : null,
        t.reward,
        ...(gold ? [t.gold] : []),
        t.ess,
        t.trusted,
      ]),
    ),
    "",
    "best-of-N against the tilt at equal KL (both on the empirical law)",
    table(
      ["N", "KL", "best-of-N", "tilt", "gap"],
      r.comparison.map((c, j) => [compareN[j], c.kl, c.bonReward, c.tiltReward, c.gap]),
    ),
  ].join("\n");
}

const fmt4 = (x: number) => String(Number(x.toPrecision(4)));
