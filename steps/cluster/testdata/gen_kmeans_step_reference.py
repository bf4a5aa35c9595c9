#!/usr/bin/python3
"""Reference values for kmeans_step_test.go, computed with scikit-learn 1.2
(Debian's /usr/bin/python3) on Mall Customers (annual income, spending
score). Each fit keeps the best of 100 k-means++ restarts, so that the
values are those of the best clustering found, which the Go step (n_init
10) must reach too. Run from the repository root:

    /usr/bin/python3 steps/cluster/testdata/gen_kmeans_step_reference.py \
        ../shared/data/mall_customers/Mall_Customers.csv \
        > steps/cluster/testdata/kmeans_step_reference.json
"""
import json
import sys

import pandas as pd
import sklearn
from sklearn.cluster import KMeans
from sklearn.metrics import calinski_harabasz_score, davies_bouldin_score, silhouette_score
from sklearn.preprocessing import StandardScaler

df = pd.read_csv(sys.argv[1])
X = df[["Annual Income (k$)", "Spending Score (1-100)"]].to_numpy(dtype=float)


def scores(X, k):
    km = KMeans(n_clusters=k, n_init=100, random_state=0).fit(X)
    out = {"k": k, "inertia": float(km.inertia_)}
    if k > 1:
        out["silhouette"] = float(silhouette_score(X, km.labels_))
        out["calinski_harabasz"] = float(calinski_harabasz_score(X, km.labels_))
        out["davies_bouldin"] = float(davies_bouldin_score(X, km.labels_))
    out["sizes"] = sorted(int((km.labels_ == c).sum()) for c in range(k))
    return out


Xs = StandardScaler().fit_transform(X)
json.dump({
    "sklearn": sklearn.__version__,
    "raw": [scores(X, k) for k in range(1, 9)],
    "standard_k5": scores(Xs, 5),
}, sys.stdout, indent=1)
print()
