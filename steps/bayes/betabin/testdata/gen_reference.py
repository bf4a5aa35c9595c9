#!/usr/bin/python3
"""Reference values for package betabin, computed with scipy (1.10).

Run with Debian's python:

    /usr/bin/python3 testdata/gen_reference.py > testdata/reference.json

* posteriors: scipy.stats.beta(a, b) mean, ppf((1-level)/2), ppf((1+level)/2)
  and sf(rate) for Beta(prior.a + k, prior.b + n - k);
* prob_greater: P(p_A > p_B) = ∫_0^1 beta.pdf(x; A) beta.cdf(x; B) dx with
  scipy.integrate.quad (epsabs 1e-14, epsrel 1e-12, limit 1000, with the
  bulk of A as break points), for integer and non-integer shapes, and the
  same integral with mpmath.quad at 40 digits (mpmath_value, for shapes below
  1000 where mpmath's betainc converges), which is the reference where
  scipy's absolute tolerance is too coarse (tiny values);
* lgamma_diff / digamma_diff: mpmath loggamma(x+h)-loggamma(x) and
  digamma(x+h)-digamma(x) at 50 digits;
* empirical_bayes: maximum of Σ log scipy.stats.betabinom.pmf(k; n, a, b)
  over (log a, log b) with scipy.optimize.minimize (Nelder-Mead, tight
  tolerances, numerical only — no gradient), on a fixed set of segments.
"""
import json
import sys

import mpmath as mp
import numpy as np
from scipy import integrate, optimize, stats

LEVEL = 0.95

POSTERIOR_CASES = [
    # (label, prior a, prior b, successes, trials, level, rate)
    ("uniform small", 1, 1, 3, 10, 0.95, 0.2),
    ("uniform zero successes", 1, 1, 0, 25, 0.95, 0.05),
    ("uniform all successes", 1, 1, 40, 40, 0.9, 0.95),
    ("uniform large", 1, 1, 1234, 56789, 0.95, 0.02),
    ("stated prior", 2.5, 7.5, 17, 80, 0.8, 0.25),
    ("jeffreys", 0.5, 0.5, 1, 1000, 0.99, 0.001),
    ("no data", 3, 4, 0, 0, 0.95, 0.5),
]

GREATER_CASES = [
    # (label, aA, bA, aB, bB)
    ("uniform vs uniform", 1, 1, 1, 1),
    ("small integers", 4, 8, 2, 9),
    ("ab test integers", 121, 1881, 101, 1901),
    ("far apart integers", 50, 50, 10, 90),
    ("non-integer", 3.7, 10.2, 2.4, 12.9),
    ("non-integer concentrated", 1200.5, 30000.25, 1150.75, 30100.5),
    ("non-integer wide vs narrow", 0.6, 0.9, 400.3, 600.7),
    ("non-integer narrow vs wide", 400.3, 600.7, 0.6, 0.9),
    ("only beta_B integer", 2.5, 3.3, 4.1, 6),
    ("only alpha_B integer", 2.5, 3.3, 4, 6.1),
    ("only beta_A integer", 2.5, 3, 4.1, 6.2),
    ("tiny probability", 5, 500, 60, 140),
]

EB_SEGMENTS = {
    # Per-segment successes and trials (made up for the test, overdispersed).
    "successes": [12, 30, 7, 55, 21, 3, 40, 18, 9, 26],
    "trials": [200, 310, 150, 420, 260, 90, 330, 240, 160, 280],
}


def prob_greater(aA, bA, aB, bB):
    A, B = stats.beta(aA, bA), stats.beta(aB, bB)
    pts = [A.ppf(q) for q in (1e-9, 0.01, 0.1, 0.5, 0.9, 0.99, 1 - 1e-9)]
    val, err = integrate.quad(lambda x: A.pdf(x) * B.cdf(x), 0, 1, points=pts,
                              epsabs=1e-14, epsrel=1e-12, limit=1000)
    return val, err


def prob_greater_mp(aA, bA, aB, bB):
    mp.mp.dps = 40
    aA, bA, aB, bB = map(mp.mpf, (aA, bA, aB, bB))
    lbA = mp.log(mp.beta(aA, bA))
    pdf = lambda x: mp.exp((aA - 1) * mp.log(x) + (bA - 1) * mp.log1p(-x) - lbA)
    cdf = lambda x: mp.betainc(aB, bB, 0, x, regularized=True)
    A = stats.beta(float(aA), float(bA))
    pts = [mp.mpf(0)] + [mp.mpf(A.ppf(q)) for q in (1e-12, 1e-6, 0.01, 0.1, 0.3, 0.5, 0.7, 0.9, 0.99, 1 - 1e-6, 1 - 1e-12)] + [mp.mpf(1)]
    pts = sorted(set(pts))
    return mp.quad(lambda x: pdf(x) * cdf(x), pts, maxdegree=10)


def finite_or_none(v):
    """mpmath.quad fails (nan/inf) where the density is singular at a
    break point; those cases rely on scipy alone."""
    return float(v) if mp.isfinite(v) else None


DIFF_CASES = [(0.5, 3), (9.99, 2.5), (10, 1), (25.3, 1000), (3e4, 17), (1.2e8, 250), (5e12, 3e5)]


def eb_fit(k, n):
    k, n = np.asarray(k, float), np.asarray(n, float)

    def nll(theta):
        a, b = np.exp(theta)
        return -np.sum(stats.betabinom.logpmf(k, n, a, b))

    best = None
    for start in ([0.0, 2.0], [1.0, 3.0], [2.0, 4.5]):
        r = optimize.minimize(nll, start, method="Nelder-Mead",
                              options={"xatol": 1e-12, "fatol": 1e-13, "maxiter": 20000, "maxfev": 40000})
        if best is None or r.fun < best.fun:
            best = r
    a, b = np.exp(best.x)
    return {"a": a, "b": b, "loglik": -best.fun}


out = {"_source": "testdata/gen_reference.py (scipy %s)" % __import__("scipy").__version__,
       "posteriors": [], "prob_greater": []}
for label, pa, pb, k, n, level, rate in POSTERIOR_CASES:
    a, b = pa + k, pb + n - k
    d = stats.beta(a, b)
    out["posteriors"].append(dict(label=label, prior=[pa, pb], successes=k, trials=n, level=level, rate=rate,
                                  mean=d.mean(), lo=d.ppf((1 - level) / 2), hi=d.ppf((1 + level) / 2),
                                  prob_above=d.sf(rate)))
for label, aA, bA, aB, bB in GREATER_CASES:
    val, err = prob_greater(aA, bA, aB, bB)
    out["prob_greater"].append(dict(label=label, a=[aA, bA], b=[aB, bB], value=val, quad_error=err,
                                    mpmath_value=finite_or_none(prob_greater_mp(aA, bA, aB, bB)) if max(aA, bA, aB, bB) < 1000 else None))
mp.mp.dps = 50
out["gamma_diffs"] = [dict(x=x, h=h, lgamma_diff=float(mp.loggamma(mp.mpf(x) + h) - mp.loggamma(mp.mpf(x))),
                           digamma_diff=float(mp.digamma(mp.mpf(x) + h) - mp.digamma(mp.mpf(x))))
                      for x, h in DIFF_CASES]
out["empirical_bayes"] = dict(EB_SEGMENTS, **eb_fit(EB_SEGMENTS["successes"], EB_SEGMENTS["trials"]))
json.dump(out, sys.stdout, indent=1, allow_nan=False)
sys.stdout.write("\n")
