#!/usr/bin/python3
"""Python side of bench/hclust/run.sh.

    bench.py gen  OUT N D SEED           write standard-normal data (raw float64)
    bench.py run  X N D LIB METHOD [Z]   time LIB (scipy|fastcluster) on X, print
                                         "py-<lib> <method> n=<n> seconds=<t>",
                                         optionally save Z as raw float64
    bench.py cmp  ZGO ZPY N              compare two linkage matrices

fastcluster uses linkage_vector (O(n·d) memory) for ward/centroid/median/single,
scipy uses scipy.cluster.hierarchy.linkage (1.10: pdist + nn_chain / MST /
generic algorithm).
"""

import sys
import time

import numpy as np


def gen(out, n, d, seed):
    np.random.default_rng(int(seed)).standard_normal((int(n), int(d))).tofile(out)


def run(xpath, n, d, lib, method, zpath=None):
    n, d = int(n), int(d)
    X = np.fromfile(xpath, dtype="<f8").reshape(n, d)
    if lib == "fastcluster":
        import fastcluster

        t = time.perf_counter()
        Z = fastcluster.linkage_vector(X, method)
    else:
        from scipy.cluster.hierarchy import linkage

        t = time.perf_counter()
        Z = linkage(X, method)
    el = time.perf_counter() - t
    print(f"py-{lib} {method} n={n} seconds={el:.3f}", flush=True)
    if zpath:
        Z.astype("<f8").tofile(zpath)


def cmp(zgo, zpy, n):
    n = int(n)
    a = np.fromfile(zgo, dtype="<f8").reshape(n - 1, 4)
    b = np.fromfile(zpy, dtype="<f8").reshape(n - 1, 4)
    same = np.array_equal(a[:, [0, 1, 3]], b[:, [0, 1, 3]])
    rel = np.max(np.abs(a[:, 2] - b[:, 2]) / np.maximum(np.abs(b[:, 2]), 1e-300))
    print(f"compare: left/right/size identical={same} max_rel_height_diff={rel:.2e}")


if __name__ == "__main__":
    {"gen": gen, "run": run, "cmp": cmp}[sys.argv[1]](*sys.argv[2:])
