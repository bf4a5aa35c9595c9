#!/usr/bin/python3
"""Generate the scipy reference values used by the hclust tests.

Run from anywhere with Debian's python (scipy 1.10, numpy 1.24):

    /usr/bin/python3 steps/cluster/hclust/testdata/gen_reference.py

It writes, next to this script:

  ref_300x4.json, ref_1000x6.json
      X (standard normal, numpy default_rng seeds below) and, for every
      (method, metric) pair the Go package supports, scipy's
      linkage(X, method, metric), fcluster(Z, k, 'maxclust') for several k,
      fcluster(Z, t, 'distance') for several t and cophenet(Z, pdist(X, metric)).
  ref_rounded_400x3.json
      the same for 400x3 values rounded to one decimal (many ties), for the
      methods whose distances are computed bit for bit like scipy.
  ref_weighted_ward.json
      a small set of weighted points and scipy's ward linkage on the expanded
      data set where point i is repeated weight[i] times (the Go test drops
      the zero-height merges of the copies and compares the rest).
  ref_mall_ward.json
      scipy ward linkage and maxclust partitions on the Mall Customers data
      (annual income, spending score), only when ../shared/data is present.

Except for the rounded set, the data sets are checked for ties in the merge
heights, so that the merge order (and hence the left/right columns) is not
decided by tie-breaking.
"""

import json
import os
import sys

import numpy as np
import scipy
from scipy.cluster.hierarchy import cophenet, fcluster, linkage
from scipy.spatial.distance import pdist

HERE = os.path.dirname(os.path.abspath(__file__))

METHODS = [
    ("ward", "euclidean"),
    ("complete", "euclidean"),
    ("average", "euclidean"),
    ("single", "euclidean"),
    ("weighted", "euclidean"),
    ("centroid", "euclidean"),
    ("median", "euclidean"),
    ("single", "cityblock"),
    ("complete", "cityblock"),
    ("average", "cityblock"),
    ("weighted", "cityblock"),
    ("single", "cosine"),
    ("complete", "cosine"),
    ("average", "cosine"),
    ("weighted", "cosine"),
]

KS = [2, 3, 5, 8, 13, 40]


def z_rows(Z):
    return [[int(r[0]), int(r[1]), float(r[2]), int(r[3])] for r in Z]


def case(X, method, metric, ties=False):
    Z = linkage(X, method, metric)
    n = X.shape[0]
    heights = Z[:, 2]
    if not ties and np.unique(heights).size != n - 1:
        raise SystemExit(f"ties in {method}/{metric} heights; pick another seed")
    c, _ = cophenet(Z, pdist(X, metric))
    maxclust = {str(k): [int(v) for v in fcluster(Z, k, "maxclust")] for k in KS}
    # Cut heights between distinct merge heights of the sorted tree.
    s = np.sort(heights)
    mid = s.size // 2
    ts = [float((s[-2] + s[-3]) / 2), float((s[-10] + s[-11]) / 2), float((s[mid] + s[mid + 1]) / 2)]
    if ties:
        # Cut between distinct heights only.
        u = np.unique(s)
        ts = [float((u[-2] + u[-3]) / 2), float((u[len(u) // 2] + u[len(u) // 2 + 1]) / 2)]
    distance = [
        {"t": t, "labels": [int(v) for v in fcluster(Z, t, "distance")]} for t in ts
    ]
    return {
        "method": method,
        "metric": metric,
        "z": z_rows(Z),
        "maxclust": maxclust,
        "distance": distance,
        "cophenet": float(c),
    }


def dataset(name, seed, n, d, rounded=False):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    source = f"numpy default_rng({seed}).standard_normal(({n}, {d}))"
    methods = METHODS
    if rounded:
        # One decimal: many tied distances, so the merge order exercises
        # scipy's tie-breaking. Only the methods whose distances we compute
        # bit for bit like scipy (pdist, then Lance-Williams or MST).
        X = np.round(X, 1)
        source += ".round(1)"
        methods = [(m, me) for m, me in METHODS if m in ("single", "complete", "average", "weighted") and me != "cosine"]
    out = {
        "source": f"{source}; scipy {scipy.__version__} linkage/fcluster/cophenet",
        "n": n,
        "d": d,
        "x": [float(v) for v in X.ravel()],
        "cases": [case(X, m, me, ties=rounded) for m, me in methods],
    }
    with open(os.path.join(HERE, name), "w") as f:
        json.dump(out, f, separators=(",", ":"))


def weighted_ward():
    rng = np.random.default_rng(7)
    m, d = 60, 3
    P = rng.standard_normal((m, d))
    w = rng.integers(1, 6, size=m)
    E = np.repeat(P, w, axis=0)
    Z = linkage(E, "ward")
    nz = Z[Z[:, 2] > 0]
    if nz.shape[0] != m - 1:
        raise SystemExit("unexpected number of non-zero merges")
    if np.unique(nz[:, 2]).size != m - 1:
        raise SystemExit("ties in weighted ward heights")
    # Leaf of each expanded row in the micro-cluster numbering.
    owner = np.repeat(np.arange(m), w)
    maxclust = {}
    for k in [2, 3, 5, 8]:
        lab = fcluster(Z, k, "maxclust")
        # Every copy of a point must be in one flat cluster.
        per = [set(lab[owner == i]) for i in range(m)]
        assert all(len(s) == 1 for s in per)
        maxclust[str(k)] = [int(next(iter(s))) for s in per]
    out = {
        "source": "numpy default_rng(7): 60x3 standard normal, weights integers(1, 6); "
        f"scipy {scipy.__version__} linkage(np.repeat(P, w, axis=0), 'ward')",
        "n": m,
        "d": d,
        "x": [float(v) for v in P.ravel()],
        "w": [int(v) for v in w],
        "expanded_z": z_rows(Z),
        "maxclust": maxclust,
    }
    with open(os.path.join(HERE, "ref_weighted_ward.json"), "w") as f:
        json.dump(out, f, separators=(",", ":"))


def find_module_root():
    d = HERE
    while d != "/":
        if os.path.exists(os.path.join(d, "go.mod")):
            return d
        d = os.path.dirname(d)
    return None


def mall():
    root = find_module_root()
    path = os.path.join(root, "..", "shared", "data", "mall_customers", "Mall_Customers.csv")
    if not os.path.exists(path):
        print("mall customers data not found; skipping", file=sys.stderr)
        return
    import pandas as pd

    df = pd.read_csv(path)
    X = df[["Annual Income (k$)", "Spending Score (1-100)"]].to_numpy(dtype=float)
    Z = linkage(X, "ward")
    out = {
        "source": "Mall_Customers.csv columns 'Annual Income (k$)', 'Spending Score (1-100)'; "
        f"scipy {scipy.__version__} linkage(X, 'ward'), fcluster(Z, k, 'maxclust')",
        "z": z_rows(Z),
        "maxclust": {str(k): [int(v) for v in fcluster(Z, k, "maxclust")] for k in [2, 3, 4, 5, 6]},
    }
    with open(os.path.join(HERE, "ref_mall_ward.json"), "w") as f:
        json.dump(out, f, separators=(",", ":"))


if __name__ == "__main__":
    dataset("ref_300x4.json", 300, 300, 4)
    dataset("ref_1000x6.json", 1000, 1000, 6)
    dataset("ref_rounded_400x3.json", 400, 400, 3, rounded=True)
    weighted_ward()
    mall()
