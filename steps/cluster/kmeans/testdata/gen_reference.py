#!/usr/bin/python3
"""Reference values for the kmeans package tests, computed with scikit-learn.

Run from this directory with Debian's python (scikit-learn 1.2):

    /usr/bin/python3 gen_reference.py

It writes reference.json (metadata, expected centres, labels, inertia,
iteration counts and metric values) and, per case, <name>_X.f64 (and
<name>_w.f64 for weighted cases): raw little-endian float64, row-major.
The Go tests read these files; python is not needed at test time.
"""
import json
import sys

import numpy as np
import sklearn
from sklearn.cluster import KMeans
from sklearn.datasets import make_blobs
from sklearn.metrics import (calinski_harabasz_score, davies_bouldin_score,
                             silhouette_score)


def blobs(n, d, centers, std, seed):
    X, _ = make_blobs(n_samples=n, n_features=d, centers=centers,
                      cluster_std=std, random_state=seed)
    return X


def case(name, X, init, w=None, tol=1e-4, max_iter=300, metrics=True):
    X = np.ascontiguousarray(X, dtype=np.float64)
    init = np.ascontiguousarray(init, dtype=np.float64)
    km = KMeans(n_clusters=init.shape[0], init=init, n_init=1,
                algorithm="lloyd", tol=tol, max_iter=max_iter)
    km.fit(X, sample_weight=w)
    X.astype("<f8").tofile(f"{name}_X.f64")
    if w is not None:
        np.asarray(w, dtype="<f8").tofile(f"{name}_w.f64")
    out = {
        "name": name,
        "n": X.shape[0],
        "d": X.shape[1],
        "k": init.shape[0],
        "weighted": w is not None,
        "tol": tol,
        "max_iter": max_iter,
        "init": init.ravel().tolist(),
        "centres": km.cluster_centers_.ravel().tolist(),
        "labels": km.labels_.tolist(),
        "inertia": float(km.inertia_),
        "n_iter": int(km.n_iter_),
    }
    if metrics and len(set(km.labels_)) > 1:
        out["silhouette"] = float(silhouette_score(X, km.labels_))
        out["calinski_harabasz"] = float(calinski_harabasz_score(X, km.labels_))
        out["davies_bouldin"] = float(davies_bouldin_score(X, km.labels_))
    return out


def main():
    cases = []

    # 2000 x 3 blobs, k = 4, initial centres = rows 0, 500, 1000, 1500.
    X = blobs(2000, 3, 4, 1.5, 0)
    cases.append(case("blobs2000x3", X, X[[0, 500, 1000, 1500]]))

    # 5000 x 8 blobs, k = 8, initial centres drawn from N(0, 4) (not rows).
    X = blobs(5000, 8, 6, 2.0, 1)
    rng = np.random.RandomState(11)
    cases.append(case("blobs5000x8", X, rng.normal(0, 4, size=(8, 8))))

    # d > 8 (generic kernels): 3000 x 12 blobs, k = 10, weighted.
    X = blobs(3000, 12, 7, 2.5, 9)
    w = np.random.RandomState(10).exponential(1.0, size=3000)
    cases.append(case("blobs3000x12", X, X[::300][:10], w=w))

    # Empty cluster re-seeding: centre 2 is far from every row, so its
    # cluster is empty after the first assignment and is re-seeded from the
    # row farthest from its centre.
    X = blobs(1000, 2, 3, 1.0, 2)
    init = np.array([X[0], X[1], [1000.0, 1000.0]])
    cases.append(case("empty1000x2", X, init))

    # Two empty clusters at once.
    X = blobs(1500, 3, 4, 1.2, 5)
    init = np.array([X[0], X[10], [500.0, 500.0, 500.0], [-400.0, 0.0, 900.0], X[20]])
    cases.append(case("empty2_1500x3", X, init))

    # Sample weights: 3000 x 4, k = 5, weights uniform on [0.1, 3].
    X = blobs(3000, 4, 5, 1.8, 3)
    w = np.random.RandomState(4).uniform(0.1, 3.0, size=3000)
    cases.append(case("weighted3000x4", X, X[[3, 600, 1200, 1800, 2400]], w=w))

    # Capped iterations (final E-step after max_iter) on offset data.
    X = blobs(4000, 5, 10, 3.0, 6) + 1000.0
    cases.append(case("maxiter4000x5", X, X[:12], max_iter=4))

    # tol = 0: run until the labels stop changing.
    X = blobs(2500, 6, 5, 2.5, 7)
    cases.append(case("tol0_2500x6", X, X[100:107], tol=0.0))

    # scikit-learn's own test_kmeans_empty_cluster_relocated.
    cases.append(case("sk_relocated", np.array([[-1.0], [1.0]]),
                      np.array([[-1.0], [10.0]]), w=[1.9, 0.1], metrics=False))

    # Metrics on arbitrary labels: non-contiguous values and a singleton.
    X = blobs(300, 3, 3, 1.0, 8)
    labels = np.where(np.arange(300) % 3 == 0, 7, np.where(np.arange(300) % 3 == 1, 3, 10))
    labels[17] = 42  # singleton cluster: its silhouette is 0
    X.astype("<f8").tofile("metrics300x3_X.f64")
    metric_cases = [{
        "name": "metrics300x3", "n": 300, "d": 3,
        "labels": labels.tolist(),
        "silhouette": float(silhouette_score(X, labels)),
        "calinski_harabasz": float(calinski_harabasz_score(X, labels)),
        "davies_bouldin": float(davies_bouldin_score(X, labels)),
    }]

    ref = {
        "generator": "gen_reference.py",
        "sklearn": sklearn.__version__,
        "numpy": np.__version__,
        "python": sys.version.split()[0],
        "cases": cases,
        "metric_cases": metric_cases,
    }
    with open("reference.json", "w") as f:
        json.dump(ref, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
