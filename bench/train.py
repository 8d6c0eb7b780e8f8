"""NumPy side of bench/train.ts: the same exact-gradient training loops, written as a competent NumPy
user would (vectorised over the atoms, arrays updated in place where it pays), so the two can be timed
against each other and their trajectories compared.

Usage: python3 bench/train.py DIR
DIR/train.json (written by train.ts) names the methods, β, the PPO constants, Adam's constants, the
tolerance and the cap on steps; DIR/logP.f8, r.f8, members.f8 are the pooled atoms (raw little-endian
float64). The optimum of each method is computed here independently (the tilt q ∝ P e^{r/β}; best-of-N
from the reward levels, P_N = F^N − F⁻^N with N = e^{logN}). Each method runs once, timed (CPU and wall,
from the start of the setup to the step that reaches the tolerance). Prints one JSON object on stdout.
"""

import json
import math
import platform
import sys
import time
from pathlib import Path

try:
    import numpy as np
except ImportError as err:
    print(f"train baseline skipped: {err}", file=sys.stderr)
    sys.exit(3)


def logsumexp(x):
    m = x.max()
    return m + math.log(np.exp(x - m).sum())


class Amsgrad:
    """Adam (Kingma & Ba, Algorithm 1) with AMSGrad's maximum of v and ε = 0 (guarded), as train.ts."""

    def __init__(self, size, lr, b1, b2):
        self.lr, self.b1, self.b2 = lr, b1, b2
        self.m = np.zeros(size)
        self.v = np.zeros(size)
        self.vmax = np.zeros(size)
        self.t = 0

    def step(self, x, g):
        self.t += 1
        b1, b2 = self.b1, self.b2
        self.m *= b1
        self.m += (1 - b1) * g
        self.v *= b2
        self.v += (1 - b2) * g * g
        np.maximum(self.vmax, self.v, out=self.vmax)
        c2 = math.sqrt(1 - b2**self.t)
        scale = self.lr * c2 / (1 - b1**self.t)
        d = np.sqrt(self.vmax)
        ok = d > 0
        x[ok] -= scale * self.m[ok] / d[ok]


def tilt_target(logP, r, beta):
    w = logP + r / beta
    return w - logsumexp(w)


def bon_target(logP, r, logN):
    values, level = np.unique(r, return_inverse=True)
    P = np.exp(logP)
    mass = np.bincount(level, weights=P, minlength=len(values))
    F = np.cumsum(mass)
    Fm = F - mass
    N = math.exp(logN)
    PN = F**N - Fm**N
    with np.errstate(divide="ignore"):
        return logP + np.log(PN[level]) - np.log(mass[level])


def train(method, cfg, logP, r, members):
    """Steps until KL(q‖optimum) ≤ tolerance (or the cap): returns steps and the final KL."""
    beta, lr, tol, cap = cfg["beta"], cfg["lr"], cfg["tolerance"], cfg["maxSteps"]
    logm = np.log(members)
    P = np.exp(logP)
    theta = logP - logm
    adam = Amsgrad(len(theta), lr, cfg["beta1"], cfg["beta2"])
    if method == "bon-distill":
        target = bon_target(logP, r, cfg["logN"])
    else:
        target = tilt_target(logP, r, beta)
    pi = np.exp(target)
    if method == "dpo":
        # T_a = Σ_b P_b σ(r_a − r_b), through the reward levels (fixed for the run).
        values, level = np.unique(r, return_inverse=True)
        mass = np.bincount(level, weights=P, minlength=len(values))
        T = (mass[None, :] / (1 + np.exp(-(values[:, None] - values[None, :])))).sum(axis=1)[level]
        rows = 512

    def policy():
        lq = theta + logm
        lq -= logsumexp(lq)
        return lq, np.exp(lq)

    def kl_to_target(lq, q):
        return float(np.dot(q, lq - target))

    lq, q = policy()
    steps = 0
    kl = kl_to_target(lq, q)
    while kl > tol and steps < cap:
        if method == "reinforce":
            a = r - beta * (lq - logP)
            g = -q * (a - np.dot(q, a)) / members
            adam.step(theta, g)
        elif method == "ppo":
            old = lq.copy()
            A = r - np.dot(q, r)
            clip = cfg["clip"]
            for _ in range(cfg["epochs"]):
                rho = np.exp(lq - old)
                clipped = ((A > 0) & (rho > 1 + clip)) | ((A < 0) & (rho < 1 - clip))
                w = np.where(clipped, 0.0, A) - beta * (lq - logP)
                g = -q * (w - np.dot(q, w)) / members
                adam.step(theta, g)
                lq, q = policy()
        elif method == "dpo":
            bh = beta * (lq - logP)
            E = np.exp(bh - 0.5 * (bh.max() + bh.min()))
            S = np.empty_like(E)
            for i in range(0, len(E), rows):
                Ei = E[i : i + rows, None]
                S[i : i + rows] = (Ei / (Ei + E[None, :])) @ P
            g = 2 * beta * P * (S - T) / members
            adam.step(theta, g)
        elif method == "bon-distill":
            g = (q - pi) / members
            adam.step(theta, g)
        if method != "ppo":
            lq, q = policy()
        steps += 1
        kl = kl_to_target(lq, q)
    return steps, kl


def main():
    d = Path(sys.argv[1])
    cfg = json.loads((d / "train.json").read_text())
    logP = np.fromfile(d / "logP.f8", "<f8")
    r = np.fromfile(d / "r.f8", "<f8")
    members = np.fromfile(d / "members.f8", "<f8")
    out = {}
    for method in cfg["methods"]:
        c0 = time.process_time()
        t0 = time.perf_counter()
        steps, kl = train(method, cfg, logP, r, members)
        out[method] = {
            "steps": steps,
            "kl": kl,
            "seconds": time.perf_counter() - t0,
            "cpuSeconds": time.process_time() - c0,
        }
    print(json.dumps({"versions": {"python": platform.python_version(), "numpy": np.__version__}, "runs": out}))


if __name__ == "__main__":
    main()
