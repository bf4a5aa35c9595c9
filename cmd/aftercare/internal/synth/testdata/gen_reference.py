#!/usr/bin/python3
"""Reference values for the BG/NBD + Gamma-Gamma theory checks in synth_test.

Run with Debian's python (scipy 1.10):

    /usr/bin/python3 testdata/gen_reference.py > testdata/bgnbd_reference.json

Formulas (Fader, Hardie & Lee 2005, "Counting Your Customers the Easy Way",
Marketing Science 24(2) 275-284; equation numbers as in the paper and in the
lifetimes package):
  E[X(t)]     eq. (9): (a+b-1)/(a-1) [1 - (alpha/(alpha+t))^r 2F1(r, b; a+b-1; t/(alpha+t))]
  P(X(t)=x)   eq. (8)
  P(alive at T) = sum_n NBD(n; r, alpha, T) B(a, b+n)/B(a, b)  (a customer is
      alive at T when none of the repeat purchases he would have made by T
      triggered his dropout; E_p[(1-p)^n] = B(a, b+n)/B(a, b)).
Gamma-Gamma (Fader, Hardie & Lee 2005, "RFM and CLV", JMR 42(4); Fader &
Hardie 2013 note "The Gamma-Gamma Model of Monetary Value"):
  E[Z] = p v/(q-1),  Var[Z] = p(p+1) v^2/((q-1)(q-2)) - E[Z]^2.

All times are in days; alpha is the published CDNOW weekly value times 7.
"""
import json

import numpy as np
from scipy.special import betaln, gammaln, hyp2f1

# FHL 2005 CDNOW estimates (weeks) and Gamma-Gamma CDNOW estimates.
R, ALPHA_WEEKS, A, B = 0.243, 4.414, 0.793, 2.426
P, Q, V = 6.25, 3.74, 15.44
ALPHA = ALPHA_WEEKS * 7.0  # per-day rates: lambda_day = lambda_week / 7

# Test configuration (must match synth_test.go): first purchases uniform over
# a 12-week cohort window, observation ends 90 weeks after the window opens,
# so each customer is observed for T in (78, 90] weeks.
COHORT_DAYS = 12 * 7
END_DAYS = 90 * 7


def expected_x(t):
    z = t / (ALPHA + t)
    return (A + B - 1) / (A - 1) * (1 - (ALPHA / (ALPHA + t)) ** R * hyp2f1(R, B, A + B - 1, z))


def pmf(t, x):
    lt = np.log(ALPHA / (ALPHA + t))
    lz = np.log(t / (ALPHA + t))
    first = np.exp(betaln(A, B + x) - betaln(A, B) + gammaln(R + x) - gammaln(R)
                   - gammaln(x + 1) + R * lt + x * lz)
    if x == 0:
        return float(first)
    j = np.arange(0, x)
    s = np.exp(gammaln(R + j) - gammaln(R) - gammaln(j + 1) + j * lz).sum()
    second = np.exp(betaln(A + 1, B + x - 1) - betaln(A, B)) * (1 - np.exp(R * lt) * s)
    return float(first + second)


def p_alive(T):
    n = np.arange(0, 20000)
    lnbd = (gammaln(R + n) - gammaln(R) - gammaln(n + 1)
            + R * np.log(ALPHA / (ALPHA + T)) + n * np.log(T / (ALPHA + T)))
    return float(np.exp(lnbd + betaln(A, B + n) - betaln(A, B)).sum())


def main():
    ts = [13 * 7.0, 39 * 7.0, 78 * 7.0]
    out = {
        "params": {"r": R, "alpha_days": ALPHA, "a": A, "b": B, "p": P, "q": Q, "v": V},
        "cohort_days": COHORT_DAYS,
        "end_days": END_DAYS,
        "expected_x": [{"t_days": t, "value": float(expected_x(t)),
                        "hyp2f1": float(hyp2f1(R, B, A + B - 1, t / (ALPHA + t)))} for t in ts],
        "pmf": [{"t_days": t, "probs": [pmf(t, x) for x in range(8)]} for t in ts[1:]],
        # P(alive at end) averaged over T uniform in (END-COHORT, END] (midpoint rule).
        "p_alive_end": float(np.mean([p_alive(END_DAYS - COHORT_DAYS * (k + 0.5) / 4000)
                                      for k in range(4000)])),
        "mean_spend": P * V / (Q - 1),
        "var_spend": P * (P + 1) * V ** 2 / ((Q - 1) * (Q - 2)) - (P * V / (Q - 1)) ** 2,
    }
    # Sanity: the pmf sums to one.
    for t in ts[1:]:
        tot = sum(pmf(t, x) for x in range(3000))
        assert abs(tot - 1) < 1e-6, tot
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
