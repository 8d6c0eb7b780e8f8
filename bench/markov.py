"""NumPy/SciPy side of bench/markov.ts: the same two jobs, the same algorithms.

(1) The law of S_n under a 12-state chain by the tilted matrix transform (src/core/markov/sumLaw.ts):
    Q = the Doob transform at λ (Perron vector from numpy.linalg.eig), and for every frequency of the
    window the matrix Q·diag(e^{−iω(k − m)}) raised to the (n−1)-th power by repeated squaring, batched
    over frequencies with numpy.matmul; after each squaring the frequencies whose norm bound
    ‖A^{2^j}‖^{remaining}·‖x‖ is below e^{−800} are dropped from the batch (bonkl's early exit, vectorised);
    one irfft. The window (W, its first point) is bonkl's, handed over, so both compute the same numbers.
(2) Asymptotics of the word-level chain (sparse P = S + w uᵀ in CSR, scipy.sparse): the Perron root and
    vectors by scipy.sparse.linalg.eigs (ARPACK) on P_λ and its transpose, Λ'(λ) = π·r, λ* by brentq on
    λΛ'(λ) − Λ(λ) = Δ (Λ'' is not needed by brentq), then x* = Λ'(λ*).

Usage: python3 bench/markov.py DIR   (DIR/markov.json written by markov.ts). Prints JSON on stdout.
"""

import json
import math
import sys
from pathlib import Path

try:
    import numpy as np
    import scipy.sparse as sp
    from scipy.optimize import brentq
    from scipy.sparse.linalg import LinearOperator, eigs
except ImportError as err:
    print(f"markov baseline skipped: {err}", file=sys.stderr)
    sys.exit(3)

sys.path.insert(0, str(Path(__file__).parent))
from baseline import measure  # noqa: E402


def law_transform(case):
    P = np.array(case["transition"], dtype=float)
    mu = np.array(case["initial"], dtype=float)
    r = np.array(case["r"], dtype=float)
    n, lam, W, lo, offset = case["n"], case["lambda"], case["W"], case["windowLo"], case["offset"]
    k = (r - offset).astype(float)
    B = P * np.exp(lam * (r - r.mean()))[None, :]
    vals, vecs = np.linalg.eig(B)
    i = np.argmax(vals.real)
    rho = vals[i].real
    v = np.abs(vecs[:, i].real)
    Q = B * v[None, :] / (rho * v[:, None])
    pi_vals, left = np.linalg.eig(Q.T)
    pi = np.abs(left[:, np.argmax(pi_vals.real)].real)
    pi /= pi.sum()
    m_step = float(pi @ k)
    mup = mu * np.exp(lam * (r - r.mean())) * v
    z0 = mup.sum()
    mup /= z0
    u = 1.0 / v
    F = W // 2 + 1
    w = 2 * np.pi * np.arange(F) / W
    phase = np.exp(-1j * np.outer(w, k - m_step))
    A = Q[None, :, :] * phase[:, None, :]
    x = np.broadcast_to(u.astype(complex), (F, len(u))).copy()
    alive = np.arange(F)
    logbound = np.full(F, math.log(u.max()))
    e = n - 1
    while e > 0:
        if e & 1:
            x = np.einsum("fij,fj->fi", A, x)
        e >>= 1
        if e == 0:
            break
        A = A @ A
        norm = np.abs(A).sum(axis=2).max(axis=1)
        lx = np.log(np.abs(x).max(axis=1))
        keep = lx + e * np.log(norm) >= -800
        if not keep.all():
            A, x, alive = A[keep], x[keep], alive[keep]
    T = np.zeros(F, dtype=complex)
    T[alive] = np.einsum("fj,fj->f", mup[None, :] * phase[alive], x)
    shift = n * m_step - lo
    T *= np.exp(-1j * w * shift)
    tilted = np.fft.irfft(T, n=W)
    # log P(K) = log f(K) − λhK − λn(o − c) + (n − 1) log ρ_c + log Z₀, h = 1, c = mean of r.
    K = lo + np.arange(W)
    const = -lam * n * (offset - r.mean()) + (n - 1) * math.log(rho) + math.log(z0)
    with np.errstate(divide="ignore", invalid="ignore"):
        logp = np.log(tilted) - lam * K + const
    return logp


def words_asymptotic(case):
    k = len(case["r"])
    S = sp.csr_matrix((case["val"], case["col"], case["rowStart"]), shape=(k, k))
    w = np.array(case["w"])
    u = np.array(case["u"])
    r = np.array(case["r"], dtype=float)
    mu0 = case["mu0"]

    def perron(lam):
        e = np.exp(lam * (r - mu0))
        right = LinearOperator((k, k), matvec=lambda y: S @ (e * y) + w * (u @ (e * y)), dtype=float)
        left = LinearOperator((k, k), matvec=lambda x: e * (S.T @ x + u * (w @ x)), dtype=float)
        rv, vv = eigs(right, k=1, which="LR", v0=np.ones(k), tol=1e-14)
        lv, uv = eigs(left, k=1, which="LR", v0=np.ones(k), tol=1e-14)
        v = np.abs(vv[:, 0].real)
        uu = np.abs(uv[:, 0].real)
        pi = uu * v / (uu @ v)
        return math.log(rv[0].real), float(pi @ r)

    def d(lam):
        lr, m = perron(lam)
        return lam * (m - mu0) - lr

    delta = case["delta"]
    lam = brentq(lambda l: d(l) - delta, 1e-3, 20, xtol=1e-14)
    return {"lambdaStar": lam, "xStar": perron(lam)[1]}


def main():
    cfg = json.loads((Path(sys.argv[1]) / "markov.json").read_text())
    policy = cfg["policy"]
    out = {"numpy": np.__version__, "law": [], "words": None}
    for case in cfg["law"]:
        timing, logp = measure(policy, lambda: law_transform(case))
        lo = case["windowLo"]
        valid = [(K, float(logp[K - lo])) for K in case["check"]]
        out["law"].append({"n": case["n"], "timing": timing, "check": valid})
    if cfg.get("words"):
        timing, res = measure(policy, lambda: words_asymptotic(cfg["words"]))
        out["words"] = {"timing": timing, **res}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
