"""Reference values for the Markov engine (src/core/markov), at 50 significant digits with mpmath.

Independent of the TypeScript code: the Perron root from mpmath's eigenvalue solver (not power
iteration), Λ' and Λ'' by mpmath's numerical differentiation of log ρ(P_λ) at high precision, λ* by
findroot on λΛ'(λ) − Λ(λ) = Δ, the rate functions by the Legendre transform, and the law of S_n by the
exact forward recursion in mpmath arithmetic, from which the finite-n optimum λ_n and best-of-N
(N = e^{nΔ}, uniform tie-break: P_N(s) = F(s)^N − F(s⁻)^N) follow by the formulas of MATH §3.

Run: python3 scripts/reference/markov.py > test/reference/markov.json && npx biome format --write test/reference/markov.json
"""

import json

import mpmath as mp

mp.mp.dps = 50

CHAIN = {
    "initial": [0.2, 0.5, 0.3],
    "transition": [[0.5, 0.3, 0.2], [0.1, 0.6, 0.3], [0.4, 0.4, 0.2]],
    "r": [0, 1, 3],
}


def normalised(chain):
    """Rows and μ as exact mpmath laws: the binary doubles 0.3 and 0.2 do not sum to exactly 1, and over
    N = e^{nΔ} draws an excess of 1e-17 per step would show (F(top)^N ≠ 1)."""
    rows = [[mp.mpf(x) / mp.fsum(mp.mpf(y) for y in row) for x in row] for row in chain["transition"]]
    mu = [mp.mpf(x) / mp.fsum(mp.mpf(y) for y in chain["initial"]) for x in chain["initial"]]
    return {"transition": rows, "initial": mu, "r": chain["r"]}


def tilted(P, r, lam):
    k = len(r)
    return mp.matrix([[mp.mpf(P[a][b]) * mp.e ** (lam * r[b]) for b in range(k)] for a in range(k)])


def log_rho(P, r, lam):
    ev = mp.eig(tilted(P, r, lam), left=False, right=False)
    return mp.log(max(ev, key=lambda z: mp.re(z)).real)


def law(chain, n):
    """P(S_n = s) exactly (mpmath), as {s: p}."""
    P, r, mu = chain["transition"], chain["r"], chain["initial"]
    k = len(r)
    cur = [dict() for _ in range(k)]
    for a in range(k):
        if mu[a] > 0:
            cur[a][r[a]] = mp.mpf(mu[a])
    for _ in range(n - 1):
        nxt = [dict() for _ in range(k)]
        for a in range(k):
            for s, p in cur[a].items():
                for b in range(k):
                    if P[a][b] > 0:
                        key = s + r[b]
                        nxt[b][key] = nxt[b].get(key, mp.mpf(0)) + p * mp.mpf(P[a][b])
        cur = nxt
    out = {}
    for a in range(k):
        for s, p in cur[a].items():
            out[s] = out.get(s, mp.mpf(0)) + p
    return out


def finite(chain, n, delta):
    L = law(normalised(chain), n)
    ss = sorted(L)
    ps = [L[s] for s in ss]

    def Lam(l):
        return mp.log(mp.fsum(p * mp.e ** (l * s) for s, p in zip(ss, ps)))

    def mean(l):
        z = mp.fsum(p * mp.e ** (l * s) for s, p in zip(ss, ps))
        return mp.fsum(s * p * mp.e ** (l * s) for s, p in zip(ss, ps)) / z

    lam_n = mp.findroot(lambda l: l * mean(l) - Lam(l) - n * delta, 0.7)
    logN = n * delta
    N = mp.e ** logN
    F = mp.mpf(0)
    reward = mp.mpf(0)
    kl = mp.mpf(0)
    for s, p in zip(ss, ps):
        Fb = F
        F = F + p
        pn = F ** N - Fb ** N
        reward += s * pn
        if pn > 0:
            kl += pn * mp.log(pn / p)
    x_n = mean(lam_n)
    kl_opt = kl - n * delta - lam_n * (reward - x_n)
    return {
        "n": n,
        "klRate": delta,
        "lambda": float(lam_n),
        "xStar": float(x_n / n),
        "bonRewardPerToken": float(reward / n),
        "bonKlToReference": float(kl),
        "bonKlToOptimal": float(kl_opt),
        "logPmf": {str(s): float(mp.log(p)) for s, p in zip(ss, ps) if s % 7 == 0},
    }


def asymptotic(chain, delta):
    P, r = normalised(chain)["transition"], chain["r"]
    Lam = lambda l: log_rho(P, r, l)
    d1 = lambda l: mp.diff(Lam, l)
    lam = mp.findroot(lambda l: l * d1(l) - Lam(l) - delta, 0.7)
    points = []
    for l in [-1.5, -0.3, 0, 0.4, 1.1, 2.5]:
        l = mp.mpf(l)
        points.append(
            {
                "lambda": float(l),
                "logRho": float(Lam(l)),
                "mean": float(d1(l)),
                "variance": float(mp.diff(Lam, l, 2)),
            }
        )
    rates = []
    for x in [0.5, 1.0, 1.6, 2.2]:
        x = mp.mpf(x)
        s = mp.findroot(lambda t: d1(t) - x, 0.1)
        Ip = s * x - Lam(s)
        rates.append({"x": float(x), "Ip": float(Ip), "J": float(Ip - lam * x + Lam(lam))})
    return {
        "klRate": delta,
        "lambdaStar": float(lam),
        "xStar": float(d1(lam)),
        "points": points,
        "rates": rates,
    }


if __name__ == "__main__":
    out = {
        "source": "scripts/reference/markov.py (mpmath, 50 digits)",
        "chain": CHAIN,
        "asymptotic": asymptotic(CHAIN, 0.3),
        "finite": [finite(CHAIN, n, 0.3) for n in (20, 60)],
    }
    print(json.dumps(out, indent=1))
