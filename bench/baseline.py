"""NumPy/SciPy baseline for bench/run.ts.

The same computations as the bonkl benchmark, written the way a NumPy user would write them:
vectorised over the outcomes, log-sum-exp with a max shift, scipy.optimize.brentq for the root.

Usage: python3 bench/baseline.py DIR
DIR holds p.f64 and r.f64 (raw little-endian float64) and config.json, all written by run.ts.
Prints one JSON object on stdout: versions, then per task the median time (seconds) and the results.
"""

import json
import math
import platform
import sys
import time
from pathlib import Path

try:
    import numpy as np
    import scipy
    from scipy.optimize import brentq
except ImportError as err:
    print(f"baseline skipped: {err}", file=sys.stderr)
    sys.exit(3)


def measure(policy, run):
    """Same policy as bench/timing.ts: a warm-up run (kept as the first timed run when it is long),
    then timed runs until min_runs are done and the budget is spent, stopping at the cap."""
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
        # CPU time of this process (all its threads: run.ts limits OpenBLAS to one).
        "cpuSeconds": float(np.median(cpu)),
        "min": min(times),
        "max": max(times),
        "runs": len(times),
    }
    return timing, result


def tilt(logp, r, lam):
    """KL(φ_λ‖p) = λ E_φ[r] − L(λ) and E_φ[r], with L(λ) = log Σ p e^{λr} (max-shifted log-sum-exp).

    The shifted exponentials serve both L and E_φ[r] = Σ e^{a − max} r / Σ e^{a − max}: one exp per
    outcome. (scipy.special.logsumexp gives the same L but makes several extra passes, and then φ needs
    a second exp: about 2.5× slower here.)
    """
    a = logp + lam * r
    top = float(a.max())
    e = np.exp(a - top)
    s = float(e.sum())
    reward = float(e @ r) / s
    return lam * reward - (top + math.log(s)), reward


def solve(logp, r, delta):
    """λ with KL(φ_λ‖p) = Δ by brentq on [0, hi], hi found by doubling; then the reward there."""

    def gap(lam):
        return tilt(logp, r, lam)[0] - delta

    hi = 1.0
    while gap(hi) < 0:
        hi *= 2
    lam = brentq(gap, 0.0, hi)
    kl, reward = tilt(logp, r, lam)
    return {"lambda": lam, "reward": reward, "kl": kl}


def frontier(logp, r, points):
    """KL and reward at λ = 0 and points − 1 values geometric in [1e-2, 1e3] / sd(r)."""
    p = np.exp(logp)
    sd = math.sqrt(p @ (r - p @ r) ** 2)
    lams = np.concatenate(([0.0], np.geomspace(1e-2, 1e3, points - 1) / sd))
    kls = np.empty(points)
    rewards = np.empty(points)
    for k, lam in enumerate(lams):
        kls[k], rewards[k] = tilt(logp, r, lam)
    return lams, kls, rewards


def best_of_n(p, r, log_n):
    """Best-of-N law P_N(v) = F(v)^N − F(v⁻)^N in logs (N = e^{log N} may overflow), reward and KL."""
    order = np.argsort(r)
    values, starts = np.unique(r[order], return_index=True)
    mass = np.add.reduceat(p[order], starts)
    cdf = np.cumsum(mass)
    cdf /= cdf[-1]
    below = np.concatenate(([0.0], cdf[:-1]))
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        log_f = np.log(cdf)
        log_f_below = np.log(below)
        # log F^N = −N·(−log F) = −exp(log N + log(−log F)); N·log(F/F⁻) likewise.
        n_log_f = -np.exp(log_n + np.log(-log_f))
        n_log_ratio = np.exp(log_n + np.log(log_f - log_f_below))
        # log(F^N − F⁻^N) = N log F + log(1 − e^{−N log(F/F⁻)})
        log_pn = n_log_f + np.log(-np.expm1(-n_log_ratio))
    pn = np.exp(log_pn)
    keep = pn > 0
    reward = float(pn @ values)
    kl = float(pn[keep] @ (log_pn[keep] - np.log(mass[keep])))
    return {"reward": reward, "kl": kl}


def main():
    folder = Path(sys.argv[1])
    config = json.loads((folder / "config.json").read_text())
    policy = config["policy"]
    p = np.fromfile(folder / "p.f64", dtype="<f8")
    r = np.fromfile(folder / "r.f64", dtype="<f8")
    logp = np.log(p)
    out = {
        "versions": {
            "python": platform.python_version(),
            "numpy": np.__version__,
            "scipy": scipy.__version__,
        },
        # Untimed: the end of the frontier, r_max and KL = log(1/p(r = r_max)).
        "rMax": float(r.max()),
        "klMax": float(-np.log(p[r == r.max()].sum())),
        "tilt": [],
    }
    for delta in config["deltas"]:
        timing, result = measure(policy, lambda d=delta: solve(logp, r, d))
        out["tilt"].append({"delta": delta, "timing": timing, **result})

    points = config["points"]
    timing, _ = measure(policy, lambda: frontier(logp, r, points))
    # Untimed: KL and reward at some of bonkl's frontier λs, to check its points lie on the same curve.
    check = [tilt(logp, r, lam) for lam in config["frontierLambdas"]]
    out["frontier"] = {
        "timing": timing,
        "kl": [kl for kl, _ in check],
        "reward": [reward for _, reward in check],
    }

    out["bon"] = []
    for log_n in config["logNs"]:
        timing, result = measure(policy, lambda ln=log_n: best_of_n(p, r, ln))
        out["bon"].append({"timing": timing, **result})
    # Untimed: best-of-N at further N, for the agreement check only.
    out["bonChecks"] = [best_of_n(p, r, log_n) for log_n in config["checkLogNs"]]
    print(json.dumps(out))


if __name__ == "__main__":
    main()
