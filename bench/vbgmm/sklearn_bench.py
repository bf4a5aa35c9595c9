#!/usr/bin/python3
"""Times scikit-learn 1.2's BayesianGaussianMixture on the files written by
`vbgmm-bench gen`, starting from the same responsibilities as the Go side.

    /usr/bin/python3 sklearn_bench.py DIR ITERS COV REPS

Prints one JSON line per repetition: milliseconds per iteration (whole fit
time / iterations, like the Go side) and the final lower bound.
"""
import json
import os
import sys
import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.mixture import BayesianGaussianMixture


class FromResp(BayesianGaussianMixture):
    def _initialize_parameters(self, X, random_state):
        self._initialize(X, self.resp0)


def main():
    d, iters, cov, reps = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
    with open(os.path.join(d, "meta.json")) as f:
        meta = json.load(f)
    n, p, k = meta["n"], meta["d"], meta["k"]
    x = np.fromfile(os.path.join(d, "x.f64"), dtype="<f8").reshape(n, p)
    resp = np.fromfile(os.path.join(d, "resp.f64"), dtype="<f8").reshape(n, k)
    warnings.simplefilter("ignore", ConvergenceWarning)
    for _ in range(reps):
        m = FromResp(n_components=k, covariance_type=cov, max_iter=iters, tol=0.0)
        m.resp0 = resp
        t0 = time.perf_counter()
        m.fit(x)
        el = time.perf_counter() - t0
        print(json.dumps({
            "side": "sklearn",
            "cov": cov,
            "iterations": int(m.n_iter_),
            "ms_per_iter": el * 1000 / m.n_iter_,
            "lower_bound": float(m.lower_bound_),
            "effective": int((m.weights_ > 0.01).sum()),
        }))


if __name__ == "__main__":
    main()
