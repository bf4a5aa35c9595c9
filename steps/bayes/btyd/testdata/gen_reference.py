#!/usr/bin/python3
"""Independent reference values for the BG/NBD and Gamma-Gamma kernels.

Run with Debian's python (mpmath 1.2, scipy 1.10):

    /usr/bin/python3 testdata/gen_reference.py > testdata/reference.json

BG/NBD quantities are evaluated with mpmath at 50 significant digits straight
from the closed forms of Fader, Hardie & Lee (2005), "Counting Your Customers
the Easy Way", Marketing Science 24(2): the log-likelihood, P(X(t)=n) with
the finite sum written out, E[X(t)] and E[X(t)|x,tx,T] using mpmath.hyp2f1,
and P(alive). At a = 1 the closed form has a
removable singularity; those cases use a = 1 + 1e-30, whose result differs
from the limit by ~1e-30.

The Gamma-Gamma MLE on the CDNOW repeat buyers is computed with
scipy.optimize.minimize (Nelder-Mead, tight tolerances) on the log-likelihood
of Fader, Hardie & Lee (2005 JMR) / Hardie note 025, independently of the Go
code; the input file is read from ../shared/data relative to the repository.
"""
import json
import os
import sys

import mpmath as mp
import numpy as np
from scipy import optimize, special

mp.mp.dps = 50


def bg_cond_exp(r, al, a, b, t, x, tx, T):
    r, al, a, b, t, x, tx, T = map(mp.mpf, (r, al, a, b, t, x, tx, T))
    if a == 1:
        a = mp.mpf(1) + mp.mpf("1e-30")
    z = t / (al + T + t)
    hyp = mp.hyp2f1(r + x, b + x, a + b + x - 1, z)
    num = (a + b + x - 1) / (a - 1) * (1 - ((al + T) / (al + T + t)) ** (r + x) * hyp)
    den = 1
    if x > 0:
        den = 1 + a / (b + x - 1) * ((al + T) / (al + tx)) ** (r + x)
    return num / den


def bg_palive(r, al, a, b, x, tx, T):
    r, al, a, b, x, tx, T = map(mp.mpf, (r, al, a, b, x, tx, T))
    if x == 0:
        return mp.mpf(1)
    return 1 / (1 + a / (b + x - 1) * ((al + T) / (al + tx)) ** (r + x))


def bg_loglik(r, al, a, b, x, tx, T):
    r, al, a, b, x, tx, T = map(mp.mpf, (r, al, a, b, x, tx, T))
    a1 = mp.loggamma(r + x) - mp.loggamma(r) + r * mp.log(al)
    a2 = mp.loggamma(a + b) + mp.loggamma(b + x) - mp.loggamma(b) - mp.loggamma(a + b + x)
    a3 = (1 / (al + T)) ** (r + x)
    a4 = (a / (b + x - 1)) * (1 / (al + tx)) ** (r + x) if x > 0 else 0
    return a1 + a2 + mp.log(a3 + a4)


def bg_pn(r, al, a, b, t, n):
    r, al, a, b, t = map(mp.mpf, (r, al, a, b, t))
    p = al / (al + t)
    q = t / (al + t)
    first = mp.beta(a, b + n) / mp.beta(a, b) * mp.gamma(r + n) / mp.gamma(r) / mp.factorial(n) * p ** r * q ** n
    if n == 0:
        return first
    s = mp.fsum(mp.gamma(r + j) / mp.gamma(r) / mp.factorial(j) * q ** j for j in range(n))
    return first + mp.beta(a + 1, b + n - 1) / mp.beta(a, b) * (1 - p ** r * s)


CDNOW = (0.2425982, 4.4136842, 0.7929899, 2.4261667)  # BTYD walkthrough section 4.2

# (label, params, t, x, tx, T)
COND = [
    ("cdnow x=2", CDNOW, 39, 2, 30.43, 38.86),
    ("cdnow 1516", CDNOW, 52, 26, 30.85714, 31),
    ("cdnow x=10", CDNOW, 52, 10, 20, 39),
    ("cdnow x=25", CDNOW, 52, 25, 20, 39),
    ("cdnow new t=78", CDNOW, 78, 0, 0, 0),
    ("cdnow new tiny t", CDNOW, 1e-6, 0, 0, 0),
    ("cdnow x=0 T=39", CDNOW, 39, 0, 0, 39),
    ("large x", CDNOW, 52, 500, 38.9, 39),
    ("huge x", (0.5, 2.0, 0.8, 3.0), 10, 3000, 99.5, 100),
    ("long horizon z=0.999", CDNOW, 40000, 3, 20, 39),
    ("very long horizon", CDNOW, 1e6 * (4.4136842 + 39), 3, 20, 39),
    ("a=1 exactly", (0.3, 5.0, 1.0, 2.0), 20, 4, 10, 30),
    ("a near 1", (0.3, 5.0, 1.0 + 1e-9, 2.0), 20, 4, 10, 30),
    ("a+b<1 new", (0.4, 3.0, 0.3, 0.5), 25, 0, 0, 0),
    ("a+b<1 x=1", (0.4, 3.0, 0.3, 0.5), 25, 1, 5, 10),
    ("a>2", (2.0, 10.0, 5.0, 20.0), 30, 3, 12, 40),
    ("large a b", (1.5, 8.0, 50.0, 400.0), 100, 7, 30, 60),
    ("days scale", (0.16, 1.86 * 30, 1.85, 3.18), 365, 6, 142, 292),
    ("small r large alpha", (0.05, 200.0, 0.6, 1.2), 500, 1, 3, 300),
]

PALIVE = [
    ("cdnow 1516", CDNOW, 26, 30.85714, 31),
    ("cdnow x=2", CDNOW, 2, 30.43, 38.86),
    ("cold heavy buyer", CDNOW, 60, 5, 100),
    ("x=0", CDNOW, 0, 0, 20),
]

PN = [
    ("cdnow lifetimes params t=2 n=10", (0.243, 4.414, 0.793, 2.426), 2, 10),
    ("cdnow lifetimes params t=39 n=0", (0.243, 4.414, 0.793, 2.426), 39, 0),
    ("t=30 n=15", (0.243, 4.414, 0.793, 2.426), 30, 15),
    ("small t large n", (0.243, 4.414, 0.793, 2.426), 0.5, 40),
    ("large t", (0.243, 4.414, 0.793, 2.426), 500, 3),
    ("a>1", (1.2, 3.0, 2.5, 4.0), 10, 5),
]

LOGLIK = [
    ("x=0", CDNOW, 0, 0, 38.86),
    ("x=2", CDNOW, 2, 30.43, 38.86),
    ("x=26", CDNOW, 26, 30.85714, 31),
    ("tx=0 x>0", CDNOW, 3, 0, 10),
]


def cdnow_gamma_gamma():
    here = os.path.dirname(os.path.abspath(__file__))
    root = here
    while not os.path.exists(os.path.join(root, "go.mod")):
        root = os.path.dirname(root)
    path = os.path.join(root, "..", "shared", "data", "cdnow_lifetimes",
                        "cdnow_customers_summary_with_transactions.csv")
    data = np.genfromtxt(path, delimiter=",", names=True)
    m = data["x"] > 0
    x, z = data["x"][m], data["zbar"][m]

    def nll(theta):
        p, q, v = np.exp(theta)
        return -np.sum(special.gammaln(p * x + q) - special.gammaln(p * x) - special.gammaln(q)
                       + q * np.log(v) + (p * x - 1) * np.log(z) + p * x * np.log(x)
                       - (p * x + q) * np.log(x * z + v))

    res = optimize.minimize(nll, np.log([1.0, 1.0, 1.0]), method="Nelder-Mead",
                            options={"xatol": 1e-12, "fatol": 1e-12, "maxiter": 20000, "maxfev": 40000})
    p, q, v = np.exp(res.x)
    return {"n": int(m.sum()), "p": p, "q": q, "v": v, "loglik": -res.fun,
            "corr_x_zbar": float(np.corrcoef(x, z)[0, 1])}


def f(v):
    return float(mp.nstr(v, 17)) if isinstance(v, mp.mpf) else v


out = {
    "_source": "testdata/gen_reference.py (mpmath %s, 50 digits; scipy for gamma_gamma)" % mp.__version__,
    "cond_expected": [dict(label=l, params=list(p), t=t, x=x, tx=tx, T=T, value=f(bg_cond_exp(*p, t, x, tx, T)))
                      for l, p, t, x, tx, T in COND],
    "prob_alive": [dict(label=l, params=list(p), x=x, tx=tx, T=T, value=f(bg_palive(*p, x, tx, T)))
                   for l, p, x, tx, T in PALIVE],
    "prob_n": [dict(label=l, params=list(p), t=t, n=n, value=f(bg_pn(*p, t, n))) for l, p, t, n in PN],
    "loglik": [dict(label=l, params=list(p), x=x, tx=tx, T=T, value=f(bg_loglik(*p, x, tx, T)))
               for l, p, x, tx, T in LOGLIK],
    "gamma_gamma": cdnow_gamma_gamma(),
}
json.dump(out, sys.stdout, indent=1)
sys.stdout.write("\n")
