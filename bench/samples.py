"""NumPy baseline for `bonkl estimate` (bench/samples.ts): the same estimates on the same samples.

Reads prompts × m rewards and gold as raw little-endian float64 (row-major, one prompt per row; NumPy
cannot read Parquet here without pyarrow), and computes, vectorised over prompts, for N = 1…n_max: the
unbiased best-of-N reward and gold (ties in the score averaged), the plug-in KL of best-of-N on the
empirical law (ties included), the win rate, the Beirami et al. estimate; the tilt of the empirical law
on a KL grid (λ by a bracketed Halley iteration, reward, gold, ESS); best-of-N against the tilt at equal
KL for N = 1, 2, 4, …, n_max. Prints the pooled means (over prompts) as JSON on stdout.
"""

import argparse
import json
import sys
import time

import numpy as np


def rank_weights(m, n_max):
    """w[i, N−1] = C(i, N−1)/C(m, N) for 0-based rank i, by the recurrence of bonkl's bonRankWeights."""
    w = np.zeros((m, n_max))
    for n in range(1, n_max + 1):
        v = n / m
        for i in range(m, n - 1, -1):
            w[i - 1, n - 1] = v
            if i > n:
                v *= (i - n) / (i - 1)
    return w


def beirami(n, eps):
    """D̂_N(ε) of Beirami et al. (arXiv 2401.01879, §4), vectorised over ε in (0, 1]."""
    bound = np.log(n) - (n - 1) / n
    if n == 1:
        return np.zeros_like(eps)
    l1m = np.log1p(-np.minimum(eps, 1.0))
    la = n * l1m
    a = np.exp(la)
    oma = -np.expm1(la)
    with np.errstate(divide="ignore", invalid="ignore"):
        first = np.where(a > 0, a * (np.log(n) + (n - 1) * l1m - (n - 1) / n), 0.0)
        second = oma * (np.log(oma) - np.log(eps))
    return np.clip(first + second, 0.0, bound)


def tilt(rs, gs, deltas_list, kl_max):
    """λ per prompt for each budget (arrays over prompts, ascending per prompt), warm-started Newton."""
    P, m = rs.shape
    top = rs[:, -1:]
    mean = rs.mean(axis=1, keepdims=True)
    sigma = rs.std(axis=1)
    lam_prev = np.zeros(P)
    kl_prev = np.zeros(P)
    var_prev = np.zeros(P)
    out = []
    for delta in deltas_list:
        delta = np.broadcast_to(delta, (P,)).astype(float)
        sat = delta >= kl_max
        zero = delta <= 0
        guess = np.where(lam_prev > 0, lam_prev + (delta - kl_prev) / np.maximum(lam_prev * var_prev, 1e-300),
                         np.sqrt(2 * delta) / sigma)
        lam = np.where(guess > lam_prev, guess, np.maximum(lam_prev * 1.5, 1e-12))
        lo = lam_prev.copy()
        hi = np.full(P, np.inf)
        active = ~(sat | zero)
        last_err = np.full(P, np.inf)
        for _ in range(200):
            small = (lam * (top[:, 0] - mean[:, 0])) < 1e-2
            centre = np.where(small, mean[:, 0], top[:, 0])[:, None]
            u = rs - centre
            e = np.exp(lam[:, None] * u)
            z = e.sum(axis=1)
            eu = (e * u).sum(axis=1) / z
            m2 = (e * u * u).sum(axis=1) / z
            var = np.maximum(m2 - eu * eu, 0)
            skew = (e * u * u * u).sum(axis=1) / z - 3 * eu * m2 + 2 * eu ** 3
            em1 = np.expm1(lam[:, None] * u).sum(axis=1) / m
            log_mean = np.where(small, np.log1p(em1), np.log(z / m))
            kl = lam * eu - log_mean
            err = kl - delta
            done = ~active | (np.abs(err) <= 1e-12 * delta) | (np.isfinite(hi) & (hi - lo <= 1e-15 * hi))
            if done.all():
                break
            lo = np.where(active & (err < 0), lam, lo)
            hi = np.where(active & (err >= 0), lam, hi)
            # Halley's step, bisection (geometric over wide brackets) when it leaves the bracket or the
            # error did not halve: the same rule as bonkl's levelTiltForKl.
            f1 = lam * var
            f2 = var + lam * skew
            with np.errstate(divide="ignore", invalid="ignore"):
                nxt = lam - 2 * err * f1 / (2 * f1 * f1 - err * f2)
            bad = ~((nxt > lo) & (nxt < hi)) | (np.abs(err) > 0.5 * last_err)
            with np.errstate(invalid="ignore"):
                mid = np.where((lo > 0) & (hi > 4 * lo), np.sqrt(lo * hi), (lo + hi) / 2)
            nxt = np.where(bad, np.where(np.isfinite(hi), mid, np.maximum(2 * lam, 2 * lo)), nxt)
            last_err = np.abs(err)
            lam = np.where(done, lam, nxt)
        w = np.exp(lam[:, None] * (rs - top))
        zw = w.sum(axis=1)
        reward = np.where(sat, top[:, 0], top[:, 0] + (w * (rs - top)).sum(axis=1) / zw)
        ess = np.where(sat, 1.0, zw ** 2 / (w * w).sum(axis=1))
        gold = (w * gs).sum(axis=1) / zw
        lam = np.where(zero, 0.0, lam)
        out.append(dict(lam=np.where(sat, np.inf, lam), reward=reward, gold=gold, ess=ess))
        lam_prev = np.where(active, lam, lam_prev)
        kl_prev = np.where(active, kl, kl_prev)
        var_prev = np.where(active, var, var_prev)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--reward", required=True)
    ap.add_argument("--gold", required=True)
    ap.add_argument("--m", type=int, required=True)
    ap.add_argument("--n-max", type=int, required=True)
    ap.add_argument("--grid", required=True)
    args = ap.parse_args()
    t0 = time.perf_counter()
    m, n_max = args.m, args.n_max
    grid = [float(x) for x in args.grid.split(",")]
    r = np.fromfile(args.reward, dtype="<f8").reshape(-1, m)
    g = np.fromfile(args.gold, dtype="<f8").reshape(-1, m)
    P = r.shape[0]
    order = np.argsort(r, axis=1, kind="stable")
    rs = np.take_along_axis(r, order, axis=1)
    gs = np.take_along_axis(g, order, axis=1)
    idx = np.arange(m)
    first = np.ones((P, m), bool)
    first[:, 1:] = rs[:, 1:] != rs[:, :-1]
    last = np.ones((P, m), bool)
    last[:, :-1] = rs[:, 1:] != rs[:, :-1]
    start = np.maximum.accumulate(np.where(first, idx, 0), axis=1)
    end = np.minimum.accumulate(np.where(last, idx, m - 1)[:, ::-1], axis=1)[:, ::-1]
    cnt = end - start + 1
    cs = np.concatenate([np.zeros((P, 1)), np.cumsum(gs, axis=1)], axis=1)
    gbar = (np.take_along_axis(cs, end + 1, axis=1) - np.take_along_axis(cs, start, axis=1)) / cnt
    W = rank_weights(m, n_max)
    reward = (rs @ W).mean(axis=0)
    gold = (gbar @ W).mean(axis=0)
    F = (end + 1) / m
    Fm = start / m
    p = cnt / m
    kl = np.zeros(n_max)
    win = np.zeros(n_max)
    bei = np.zeros(n_max)
    kl_prompt = np.zeros((P, n_max))
    plugin_reward = np.zeros((P, n_max))
    for n in range(1, n_max + 1):
        pn = F ** n - Fm ** n
        share = pn / cnt
        with np.errstate(divide="ignore", invalid="ignore"):
            term = np.where(pn > 0, share * np.log(pn / p), 0.0)
        kl_prompt[:, n - 1] = np.clip(term.sum(axis=1), 0, -np.log(p[:, -1]))
        plugin_reward[:, n - 1] = (share * rs).sum(axis=1)
        win[n - 1] = (share * (Fm + p / 2)).sum(axis=1).mean()
        bei[n - 1] = (share * beirami(n, p)).sum(axis=1).mean()
    kl = kl_prompt.mean(axis=0)
    kl_max = -np.log(p[:, -1])
    compare = []
    n = 1
    while n < n_max:
        compare.append(n)
        n *= 2
    compare.append(n_max)
    # The grid (ascending), then the matched budgets (ascending in N), each warm-started from the last.
    sol_grid = tilt(rs, gs, [np.full(P, d) for d in grid], kl_max)
    sol_cmp = tilt(rs, gs, [kl_prompt[:, n - 1] for n in compare], kl_max)
    result = {
        "prompts": int(P),
        "bon": {"reward": reward.tolist(), "gold": gold.tolist(), "kl": kl.tolist(), "klBeirami": bei.tolist(),
                "winRate": win.tolist()},
        "tilt": [{"kl": d, "reward": float(s["reward"].mean()), "gold": float(s["gold"].mean()),
                  "ess": float(s["ess"].mean())} for d, s in zip(grid, sol_grid)],
        "comparison": [{"kl": float(kl_prompt[:, n - 1].mean()), "bonReward": float(plugin_reward[:, n - 1].mean()),
                        "tiltReward": float(s["reward"].mean())} for n, s in zip(compare, sol_cmp)],
        "seconds": time.perf_counter() - t0,
    }
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
