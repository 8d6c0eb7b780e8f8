"""NumPy/SciPy baselines for the single-step rows of `npm run bench` (served by bench/serve.py).

Written as an experienced NumPy user writes them: vectorised over the outcomes, buffers allocated once
and reused with out=, one exp pass per evaluation of the tilt, Newton's method kept in a bracket where
the derivative comes free with the pass (d'(λ) = λ Var_φ r), the sort by np.argsort and ties found on
the sorted array (no second sort). OpenBLAS is held to one thread by run.ts (OPENBLAS_NUM_THREADS=1),
so every task runs on one core, like bonkl.

The data are run.ts's: DIR/p.f64 and DIR/r.f64, raw little-endian float64 (bench/data.ts). setup()
reads them and makes what a user would keep beside the arrays (untimed, as bonkl's model construction
is): r_max, E_p r, sd_p r, r − r_max, and two work buffers.

The previous baselines (fresh arrays per evaluation, scipy.optimize.brentq, np.unique) are kept as the
"legacy_*" tasks, for comparison only; the headline table uses the tasks above them.
"""

import math
import sys
from pathlib import Path

try:
    import numpy as np
    from scipy.optimize import brentq
except ImportError as err:
    print(f"baseline skipped: {err}", file=sys.stderr)
    sys.exit(3)


class State:
    def __init__(self, folder):
        self.p = np.fromfile(folder / "p.f64", dtype="<f8")
        self.r = np.fromfile(folder / "r.f64", dtype="<f8")
        n = len(self.p)
        self.logp = np.log(self.p)
        self.rmax = float(self.r.max())
        self.mean = float(self.p @ self.r)
        self.sd = math.sqrt(float(self.p @ (self.r - self.mean) ** 2))
        # Rewards from their maximum: every exponent λ(r − r_max) ≤ 0, so nothing overflows.
        self.rc = self.r - self.rmax
        self.a = np.empty(n)
        self.b = np.empty(n)
        top = self.r == self.rmax
        self.klmax = float(-np.log(self.p[top].sum()))


def setup(folder):
    return State(Path(folder))


def evaluate(st, lam):
    """One exp pass: KL(φ_λ‖p) = λ E_φ(r − r_max) − log Σ p e^{λ(r − r_max)}, E_φ r and Var_φ r."""
    a, b, rc = st.a, st.b, st.rc
    np.multiply(rc, lam, out=a)
    np.exp(a, out=a)
    np.multiply(a, st.p, out=a)
    s = a.sum()
    np.multiply(a, rc, out=b)
    m1 = b.sum() / s
    m2 = (b @ rc) / s
    return lam * m1 - math.log(s), st.rmax + m1, m2 - m1 * m1


def solve_newton(st, delta):
    """λ with KL = Δ: Newton from √(2Δ)/σ (the small-Δ expansion), kept in a bracket [lo, hi]."""
    lam = math.sqrt(2 * delta) / st.sd
    lo, hi = 0.0, math.inf
    evaluations = 0
    while True:
        kl, reward, var = evaluate(st, lam)
        evaluations += 1
        f = kl - delta
        if abs(f) <= 1e-13 * max(1.0, delta) or evaluations >= 100:
            break
        if f < 0:
            lo = lam
        else:
            hi = lam
        step = f / (lam * var)
        nxt = lam - step
        if not lo < nxt < hi:
            nxt = 2 * lam if hi == math.inf else 0.5 * (lo + hi)
        if abs(nxt - lam) <= 4e-16 * lam:
            break
        lam = nxt
    return {"lambda": lam, "reward": reward, "kl": kl, "evaluations": evaluations}


def solve_brentq(st, delta):
    """The same root by scipy.optimize.brentq (in place), the bracket found by doubling from 1/σ."""
    count = [0]

    def gap(lam):
        count[0] += 1
        return evaluate(st, lam)[0] - delta

    hi = 1 / st.sd
    while gap(hi) < 0:
        hi *= 2
    lam = brentq(gap, 0.0, hi, xtol=1e-15, rtol=4 * np.finfo(float).eps)
    kl, reward, _ = evaluate(st, lam)
    return {"lambda": lam, "reward": reward, "kl": kl, "evaluations": count[0] + 1}


def frontier(st, points):
    """KL and reward at λ = 0 and points − 1 values geometric in [1e-2, 1e3]/sd: one pass each."""
    lams = np.concatenate(([0.0], np.geomspace(1e-2, 1e3, points - 1) / st.sd))
    kls = np.empty(points)
    rewards = np.empty(points)
    for k, lam in enumerate(lams):
        kls[k], rewards[k], _ = evaluate(st, lam)
    return {"points": points}


def tilt_at(st, lambdas):
    """Untimed: KL and reward at given λs (bonkl's frontier points), for the agreement check."""
    out = [evaluate(st, lam)[:2] for lam in lambdas]
    return {"kl": [kl for kl, _ in out], "reward": [reward for _, reward in out]}


def best_of_n(st, log_n):
    """Best-of-N law P_N(v) = F(v)^N − F(v⁻)^N over the reward levels, in logs (N = e^{log N} may
    overflow): A = N·(−log F) with −log F = −log1p(−Q) from the upper tail Q where Q ≤ ½,
    δ = N·log1p(P/F⁻), log P_N = −A + log(1 − e^{−δ}); reward and KL from log P_N."""
    order = np.argsort(st.r)
    rs = st.r[order]
    ps = st.p[order]
    new = np.empty(len(rs), dtype=bool)
    new[0] = True
    np.not_equal(rs[1:], rs[:-1], out=new[1:])
    if new.all():
        values, mass = rs, ps
    else:
        starts = np.flatnonzero(new)
        values, mass = rs[starts], np.add.reduceat(ps, starts)
    cdf = np.cumsum(mass)
    cdf /= cdf[-1]
    above = np.empty_like(cdf)
    above[-1] = 0.0
    np.cumsum(mass[:0:-1], out=above[-2::-1])
    below = np.empty_like(cdf)
    below[0] = 0.0
    below[1:] = cdf[:-1]
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        neg_log_f = np.where(above <= 0.5, -np.log1p(-above), -np.log(cdf))
        log_a = log_n + np.log(neg_log_f)
        log_delta = log_n + np.log(np.log1p(mass / below))
        delta = np.exp(log_delta)
        # log(1 − e^{−δ}): log δ − δ/2 below 1e-8 (where −expm1(−δ) would still be fine, kept exact).
        gain = np.where(delta < 1e-8, log_delta - delta / 2, np.log(-np.expm1(-delta)))
        log_pn = -np.exp(log_a) + gain
    pn = np.exp(log_pn)
    keep = pn > 0
    reward = float(pn @ values)
    kl = float(pn[keep] @ (log_pn[keep] - np.log(mass[keep])))
    return {"reward": reward, "kl": kl, "levels": len(values)}


def exp_pass(st, lam):
    """The unavoidable work of one evaluation: Σ p e^{λ(r − r_max)}, one exp over the outcomes."""
    a = st.a
    np.multiply(st.rc, lam, out=a)
    np.exp(a, out=a)
    return {"sum": float(a @ st.p)}


# --- The previous baselines (out of the headline) -------------------------------------------------------


def legacy_tilt(st, delta):
    """Fresh arrays each evaluation, max-shifted log-sum-exp, brentq with the bracket doubled from 1."""

    def kl_at(lam):
        a = st.logp + lam * st.r
        top = float(a.max())
        e = np.exp(a - top)
        s = float(e.sum())
        reward = float(e @ st.r) / s
        return lam * reward - (top + math.log(s)), reward

    hi = 1.0
    while kl_at(hi)[0] < delta:
        hi *= 2
    lam = brentq(lambda x: kl_at(x)[0] - delta, 0.0, hi)
    kl, reward = kl_at(lam)
    return {"lambda": lam, "reward": reward, "kl": kl}


def legacy_bon(st, log_n):
    """np.unique (a second sort), F by cumsum and 1 − F for the upper tail."""
    order = np.argsort(st.r)
    values, starts = np.unique(st.r[order], return_index=True)
    mass = np.add.reduceat(st.p[order], starts)
    cdf = np.cumsum(mass)
    cdf /= cdf[-1]
    below = np.concatenate(([0.0], cdf[:-1]))
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        log_f = np.log(cdf)
        n_log_f = -np.exp(log_n + np.log(-log_f))
        n_log_ratio = np.exp(log_n + np.log(log_f - np.log(below)))
        log_pn = n_log_f + np.log(-np.expm1(-n_log_ratio))
    pn = np.exp(log_pn)
    keep = pn > 0
    return {"reward": float(pn @ values), "kl": float(pn[keep] @ (log_pn[keep] - np.log(mass[keep])))}


TASKS = {
    "info": lambda st, args: {"rMax": st.rmax, "klMax": st.klmax},
    "tilt": lambda st, args: solve_newton(st, args["delta"]),
    "tilt_sweep": lambda st, args: [solve_newton(st, d) for d in args["deltas"]],
    "tilt_brentq": lambda st, args: solve_brentq(st, args["delta"]),
    "frontier": lambda st, args: frontier(st, args["points"]),
    "tilt_at": lambda st, args: tilt_at(st, args["lambdas"]),
    "bon": lambda st, args: best_of_n(st, args["logN"]),
    "exp_pass": lambda st, args: exp_pass(st, args["lambda"]),
    "legacy_tilt": lambda st, args: legacy_tilt(st, args["delta"]),
    "legacy_bon": lambda st, args: legacy_bon(st, args["logN"]),
}


def measure(policy, run):
    """bench/timing.ts's repetition policy, for scripts that time themselves (bench/sequence.py)."""
    import time

    times = []
    cpu = []

    def once():
        c0 = time.process_time()
        t0 = time.perf_counter()
        out = run()
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
        return out

    result = once()
    if times[0] < policy["longRunSeconds"]:
        times.clear()
        cpu.clear()
    while (
        len(times) < policy["maxRuns"]
        and sum(times) < policy["capSeconds"]
        and (len(times) < policy["minRuns"] or sum(times) < policy["budgetSeconds"])
    ):
        result = once()
    timing = {
        "seconds": float(np.median(times)),
        "cpuSeconds": float(np.median(cpu)),
        "min": min(times),
        "max": max(times),
        "runs": len(times),
    }
    return timing, result
