"""NumPy/SciPy side of the sequence rows of bench/run.ts: best-of-N with N = e^{nΔ} over length-n
memoryless sequences, through the law of the summed reward S_n, two ways.

(a) naive: what a NumPy user would write. The pmf of S_n on its full support by one FFT (the per-token
    pmf zero-padded to a power of two ≥ n·span + 1 points, rfft, n-th power, irfft), F = cumsum, then
    best-of-N from F in logs as in baseline.py. Every probability below ~1e-16 of the peak is FFT noise,
    and best-of-N with N = e^{nΔ} lives where 1 − F ≈ e^{−nΔ}: the answer is expected to be wrong.
(b) shifted: bonkl's algorithm written the way a competent NumPy user writes it. Tilt at θ = λ* (brentq on
    d(λ) = Δ), the tilted law of S_n over the SAME power-of-two window as bonkl (W = 2^⌈log2(2(9σ√n +
    span) + 2)⌉, at least 64, around n·μ_θ), the characteristic function at the W/2 + 1 frequencies
    vectorised over the few lattice levels (one (W/2+1) × L outer product, sines in place, mean-free as
    bonkl forms it), its n-th power, one scipy.fft.irfft, untilt, upper tails by a cumulative
    log-sum-exp, best-of-N in the log domain. The headline comparison; (a) is an accuracy footnote.

Usage: python3 bench/sequence.py DIR
DIR/sequence.json (written by run.ts) holds the timing policy, n and the models (p, r on a lattice with
step 1, Δ). Prints one JSON object on stdout.
       python3 bench/sequence.py --serve
reads one JSON request a line ({"p", "r", "n", "delta"}) and answers each with one line: the CPU and wall
seconds of one run of (b) and its result, so bench/sequence.ts can interleave the two sides (A B A B).
Run with OPENBLAS_NUM_THREADS=1 (bench/sequence.ts sets it).
"""

import json
import math
import platform
import resource
import sys
import time
from pathlib import Path

try:
    import numpy as np
    import scipy
    import scipy.fft
    from scipy.optimize import brentq
except ImportError as err:
    print(f"sequence baseline skipped: {err}", file=sys.stderr)
    sys.exit(3)

from baseline import measure

# Half-width of the shifted window in standard deviations of the tilted S_n: the tilted mass outside
# is below e^{−40²/2}, far under rounding.
WINDOW_SDS = 40
# Entries of the tilted window below this fraction of its peak are treated as 0 (FFT noise is ~1e-16).
NOISE_FLOOR = 1e-12


def lattice(p, r):
    """Step-1 lattice: K = r − r_min ∈ {0..span}, q(K) = P(r = r_min + K)."""
    lo = int(round(r.min()))
    span = int(round(r.max())) - lo
    q = np.zeros(span + 1)
    np.add.at(q, np.rint(r - lo).astype(np.int64), p)
    return lo, q / q.sum()


def naive(p, r, n, delta):
    lo, q = lattice(p, r)
    span = len(q) - 1
    points = n * span + 1
    size = 1 << (points - 1).bit_length()
    pmf = np.fft.irfft(np.fft.rfft(q, size) ** n, size)[:points]
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        cdf = np.cumsum(pmf)
        below = np.concatenate(([0.0], cdf[:-1]))
        log_n = n * delta
        log_f = np.log(cdf)
        # N log F = −exp(log N + log(−log F)), N log(F/F⁻) likewise (N = e^{nΔ} overflows).
        n_log_f = -np.exp(log_n + np.log(-log_f))
        n_log_ratio = np.exp(log_n + np.log(log_f - np.log(below)))
        log_pn = n_log_f + np.log(-np.expm1(-n_log_ratio))
        pn = np.exp(log_pn)
        keep = pn > 0
        k = np.arange(points, dtype=np.float64)
        reward = float(pn @ k) + n * lo
        kl = float(pn[keep] @ (log_pn[keep] - np.log(pmf[keep])))
    return {"rewardPerToken": reward / n, "klPerToken": kl / n, "points": size}


def cumulant(q, theta):
    """Λ(θ) = log Σ q e^{θK}, the tilted law q_θ, its mean and variance (K in steps)."""
    k = np.arange(len(q), dtype=np.float64)
    with np.errstate(divide="ignore"):
        a = np.log(q) + theta * k
    top = a.max()
    w = np.exp(a - top)
    s = w.sum()
    w /= s
    mean = float(w @ k)
    return float(top + math.log(s)), w, mean, float(w @ (k - mean) ** 2)


def shifted(p, r, n, delta):
    lo, q = lattice(p, r)
    k = np.arange(len(q), dtype=np.float64)

    def gap(theta):
        big_l, _, mean, _ = cumulant(q, theta)
        return theta * mean - big_l - delta

    hi = 1.0
    while gap(hi) < 0:
        hi *= 2
    theta = brentq(gap, 0.0, hi, xtol=1e-15, rtol=4 * np.finfo(float).eps)
    big_l, w, mu, var = cumulant(q, theta)
    span = len(q) - 1
    # bonkl's window: W = 2^j ≥ 2(9σ√n + span) + 2 (at least 64), or the whole support when smaller.
    size = max(64, 1 << int(math.ceil(math.log2(2 * (9 * math.sqrt(n * var) + span) + 2))))
    top = n * span
    if size >= top + 1:
        size = 1 << int(math.ceil(math.log2(top + 1)))
        window_lo = 0
    else:
        window_lo = min(max(0, int(round(n * mu)) - size // 2), top + 1 - size)
    # Mean-centred characteristic function Y(t) = Σ q_θ e^{−it(K−μ)} = 1 + z, z to relative accuracy
    # (zr = −2Σ w sin²(x/2), zi = Σ w (x − sin x), x = t(K − μ)), so that n·log Y keeps its small phases;
    # then the phase e^{−it(nμ − windowLo)}. One (W/2+1) × L matrix, sines taken in place.
    t = (2 * math.pi / size) * np.arange(size // 2 + 1)
    x = np.outer(t, k - mu)
    s = np.multiply(x, 0.5)
    np.sin(s, out=s)
    np.multiply(s, s, out=s)
    zr = s @ (-2 * w)
    np.subtract(x, np.sin(x, out=s), out=s)
    zi = s @ w
    log_mod = np.log1p(np.maximum(-1.0, 2 * zr + zr * zr + zi * zi))
    log_mod *= 0.5 * n
    phase = np.arctan2(zi, 1 + zr)
    phase *= n
    phase -= t * (n * mu - window_lo)
    coef = np.exp(log_mod + 1j * phase)
    tilted = scipy.fft.irfft(coef, size, overwrite_x=True)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        kk = window_lo + np.arange(size, dtype=np.float64)
        good = tilted > NOISE_FLOOR * tilted.max()
        log_p = np.where(good, np.log(np.where(good, tilted, 1.0)) - theta * kk + n * big_l, -np.inf)
        # log P(S ≥ K) within the window (the mass above it is negligible), by a reversed log-sum-exp.
        log_q = np.logaddexp.accumulate(log_p[::-1])[::-1]
        log_q_above = np.concatenate((log_q[1:], [-np.inf]))
        log_n = n * delta
        # A(K) = N·(−log F(K)), F(K) = 1 − P(S > K); δ(K) = N·log(F(K)/F(K−1)) = N·log1p(P(K)/F(K−1)).
        small = log_q_above < -30
        log_minus_log_f = np.where(
            small, log_q_above, np.log(-np.log1p(-np.exp(np.where(small, -30.0, log_q_above))))
        )
        big_a = np.exp(log_n + log_minus_log_f)
        log_ratio = log_p - np.log1p(-np.exp(log_q))
        small = log_ratio < -30
        log_d = log_n + np.where(small, log_ratio, np.log(np.log1p(np.exp(np.where(small, -30.0, log_ratio)))))
        log_pn = -big_a + np.log(-np.expm1(-np.exp(log_d)))
        pn = np.exp(log_pn)
        keep = pn > 0
    centre = float(window_lo + size // 2)
    reward = n * lo + centre + float(pn @ (kk - centre))
    kl = float(pn[keep] @ (log_pn[keep] - log_p[keep]))
    return {
        "lambda": theta,
        "xStar": lo + mu,
        "rewardPerToken": reward / n,
        "klPerToken": kl / n,
        "points": size,
        "mass": float(pn.sum()),
    }


def clean(x):
    """NaN and ±∞ (the naive method's usual answers) as strings, since JSON has no literal for them."""
    if isinstance(x, dict):
        return {key: clean(v) for key, v in x.items()}
    if isinstance(x, list):
        return [clean(v) for v in x]
    if isinstance(x, float) and not math.isfinite(x):
        return str(x)
    return x


def serve():
    """One request a line on stdin, one answer a line on stdout: CPU and wall seconds of one run of (b)."""
    for line in sys.stdin:
        req = json.loads(line)
        p = np.asarray(req["p"], dtype=np.float64)
        r = np.asarray(req["r"], dtype=np.float64)
        c0, w0 = time.process_time(), time.perf_counter()
        res = shifted(p, r, req["n"], req["delta"])
        cpu, wall = time.process_time() - c0, time.perf_counter() - w0
        print(json.dumps(clean({"cpu": cpu, "wall": wall, **res})), flush=True)


def main():
    if sys.argv[1] == "--serve":
        serve()
        return
    folder = Path(sys.argv[1])
    config = json.loads((folder / "sequence.json").read_text())
    policy = config["policy"]
    n = config["length"]
    out = {
        "versions": {"python": platform.python_version(), "numpy": np.__version__, "scipy": scipy.__version__},
        "rows": [],
    }
    for m in config["models"]:
        p = np.asarray(m["p"], dtype=np.float64)
        r = np.asarray(m["r"], dtype=np.float64)
        d = m["delta"]
        t_naive, res_naive = measure(policy, lambda: naive(p, r, n, d))
        t_shifted, res_shifted = measure(policy, lambda: shifted(p, r, n, d))
        out["rows"].append(
            {"naive": {"timing": t_naive, **res_naive}, "shifted": {"timing": t_shifted, **res_shifted}}
        )
    # Peak resident set of this process (kB on Linux): the naive FFT's full-support arrays dominate it.
    out["peakRssMiB"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(clean(out)))


if __name__ == "__main__":
    main()
