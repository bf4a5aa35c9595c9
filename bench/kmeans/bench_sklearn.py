#!/usr/bin/python3
"""scikit-learn side of bench/kmeans (run by run.sh with Debian's python).

Reads the raw little-endian float64 file written by `kmeans -gen`, then
prints one JSON line per measurement, in the same format as the Go side
(minimum wall and CPU time over --reps repetitions):

* fixed50: KMeans(init=<first k rows>, n_init=1, max_iter=50, tol=0,
  algorithm=lloyd|elkan): time of the whole fit and per iteration;
* e2e: KMeans(init="k-means++", n_init=1, tol=1e-4, random_state=seed).

With --memory it also reports the peak memory traced (tracemalloc, which
numpy reports to) during one untimed fit.
"""
import argparse
import json
import time
import tracemalloc

import numpy as np
import sklearn
from sklearn.cluster import KMeans


def measure(reps, fit):
    best_wall, best_cpu, km = float("inf"), float("inf"), None
    for _ in range(reps):
        c0, t0 = time.process_time(), time.perf_counter()
        km = fit()
        best_wall = min(best_wall, time.perf_counter() - t0)
        best_cpu = min(best_cpu, time.process_time() - c0)
    return best_wall, best_cpu, km


def peak_memory(fit):
    tracemalloc.start()
    fit()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="/tmp/aftercare-kmeans-bench.f64")
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--d", type=int, default=8)
    ap.add_argument("--k", type=int, default=8)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--memory", action="store_true")
    ap.add_argument("--cases", default="fixed50,e2e")
    args = ap.parse_args()

    X = np.fromfile(args.data, dtype="<f8").reshape(args.n, args.d)
    init = X[: args.k].copy()
    for algo in ["lloyd", "elkan"] if "fixed50" in args.cases else []:
        def fit():
            return KMeans(args.k, init=init, n_init=1, max_iter=50, tol=0, algorithm=algo).fit(X)
        wall, cpu, km = measure(args.reps, fit)
        out = {
            "side": "sklearn", "case": "fixed50", "algorithm": algo, "requested": algo,
            "seconds": wall, "cpu_seconds": cpu, "iterations": int(km.n_iter_),
            "ms_per_iter": 1000 * wall / km.n_iter_, "inertia": float(km.inertia_),
            "version": sklearn.__version__, "x_bytes": X.nbytes,
        }
        if args.memory:
            out["peak_bytes"] = peak_memory(fit)
        print(json.dumps(out), flush=True)
    for seed in range(args.seeds if "e2e" in args.cases else 0):
        def fit():
            return KMeans(args.k, init="k-means++", n_init=1, tol=1e-4, random_state=seed).fit(X)
        wall, cpu, km = measure(args.reps, fit)
        print(json.dumps({
            "side": "sklearn", "case": "e2e", "algorithm": "lloyd", "seed": seed,
            "seconds": wall, "cpu_seconds": cpu, "iterations": int(km.n_iter_),
            "inertia": float(km.inertia_), "x_bytes": X.nbytes,
        }), flush=True)


if __name__ == "__main__":
    main()
