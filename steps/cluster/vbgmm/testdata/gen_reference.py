#!/usr/bin/python3
"""Reference values for the vbgmm tests, from scikit-learn 1.2.

Run with Debian's interpreter (python3-sklearn 1.2.1, numpy 1.24, scipy 1.10):

    /usr/bin/python3 testdata/gen_reference.py > testdata/reference.json

Each case fits sklearn.mixture.BayesianGaussianMixture starting from a stored
responsibility matrix (uniform random rows normalised, or one-hot "hard" rows
leaving the last component empty): the subclass below replaces the
k-means/random draw of _initialize_parameters by _initialize(X, resp), the
same entry point sklearn uses after drawing resp itself. The lower bound of every iteration is
recorded by wrapping _compute_lower_bound. The Go test feeds the same X and
resp to FitFrom and compares every stored array.
"""
import json
import sys
import warnings

import numpy as np
import scipy
import scipy.special
import sklearn
from sklearn.exceptions import ConvergenceWarning
from sklearn.mixture import BayesianGaussianMixture


class FromResp(BayesianGaussianMixture):
    """BayesianGaussianMixture started from given responsibilities."""

    def _initialize_parameters(self, X, random_state):
        self._initialize(X, self.resp0)

    def _compute_lower_bound(self, log_resp, log_prob_norm):
        lb = super()._compute_lower_bound(log_resp, log_prob_norm)
        self.lbs.append(float(lb))
        return lb


def blobs(rng, n_per, centers, scales):
    """Anisotropic Gaussian blobs with a common offset, rows shuffled."""
    parts = []
    for c, s in zip(centers, scales):
        a = rng.normal(size=(len(c), len(c))) * s
        parts.append(rng.normal(size=(n_per, len(c))) @ a + np.asarray(c))
    x = np.vstack(parts)
    return x[rng.permutation(len(x))]


def flat(a):
    return [float(v) for v in np.ravel(a)]


def case(name, x, resp_name, resp, x_new, **params):
    warnings.simplefilter("ignore", ConvergenceWarning)
    m = FromResp(**params)
    m.resp0 = resp
    m.lbs = []
    labels = m.fit_predict(x)
    proba = m.predict_proba(x)
    wc = m.weight_concentration_
    out = {
        "name": name,
        "resp": resp_name,
        "config": {
            k: (flat(v) if isinstance(v, np.ndarray) else v)
            for k, v in params.items()
        },
        "weights": flat(m.weights_),
        "means": flat(m.means_),
        "covariances": flat(m.covariances_),
        "precisions_cholesky": flat(m.precisions_cholesky_),
        "weight_concentration": flat(wc[0] if isinstance(wc, tuple) else wc),
        "weight_concentration_b": flat(wc[1]) if isinstance(wc, tuple) else [],
        "mean_precision": flat(m.mean_precision_),
        "degrees_of_freedom": flat(np.broadcast_to(m.degrees_of_freedom_, (m.n_components,))),
        "mean_prior": flat(m.mean_prior_),
        "covariance_prior": flat(m.covariance_prior_),
        "lower_bounds": m.lbs,
        "lower_bound": float(m.lower_bound_),
        "n_iter": int(m.n_iter_),
        "converged": bool(m.converged_),
        "labels": [int(v) for v in labels],
        "probabilities": flat(proba[np.arange(len(x)), labels]),
        "predict_new": [int(v) for v in m.predict(x_new)],
        "predict_proba_new": flat(m.predict_proba(x_new)),
    }
    return out


def main():
    rng = np.random.default_rng(20240611)
    d, k = 3, 5
    x = blobs(
        rng,
        80,
        centers=[[5.0, 10.0, -3.0], [9.0, 12.0, -1.0], [4.0, 15.0, 2.0]],
        scales=[0.8, 1.1, 0.6],
    )
    n = len(x)
    resp = rng.uniform(size=(n, k))
    resp /= resp.sum(axis=1)[:, None]
    # One-hot responsibilities leaving the last component empty, the
    # k-means style start, to exercise scikit-learn's 10*eps counts.
    hard = np.zeros((n, k))
    hard[np.arange(n), rng.integers(0, k - 1, size=n)] = 1.0
    x_new = x[:10] + rng.normal(scale=0.5, size=(10, d))

    cases = []
    for ct in ["full", "tied", "diag", "spherical"]:
        for wp in ["dirichlet_process", "dirichlet_distribution"]:
            cases.append(
                case(
                    f"{ct}/{wp}",
                    x,
                    "random",
                    resp,
                    x_new,
                    n_components=k,
                    covariance_type=ct,
                    weight_concentration_prior_type=wp,
                    max_iter=8,
                    tol=0.0,
                )
            )
    # Converging runs with the default tol from a hard start.
    for ct in ["full", "diag"]:
        cases.append(
            case(
                f"{ct}/converge-hard-start",
                x,
                "hard",
                hard,
                x_new,
                n_components=k,
                covariance_type=ct,
                max_iter=500,
            )
        )
    # Every prior given explicitly.
    a = rng.normal(size=(d, d))
    cov_prior = a @ a.T + d * np.eye(d)
    priors = dict(
        weight_concentration_prior=0.7,
        mean_precision_prior=0.3,
        mean_prior=np.array([6.0, 11.0, 0.5]),
        degrees_of_freedom_prior=4.5,
        reg_covar=1e-4,
    )
    for ct, cp in [
        ("full", cov_prior),
        ("tied", cov_prior),
        ("diag", np.array([1.5, 0.7, 2.5])),
        ("spherical", 1.3),
    ]:
        cases.append(
            case(
                f"{ct}/priors",
                x,
                "random",
                resp,
                x_new,
                n_components=k,
                covariance_type=ct,
                weight_concentration_prior_type="dirichlet_distribution"
                if ct in ("tied", "spherical")
                else "dirichlet_process",
                covariance_prior=cp,
                max_iter=6,
                tol=0.0,
                **priors,
            )
        )

    pts = [0.05, 0.3, 0.5, 1.0, 1.4616321449683622, 2.5, 7.25, 9.999, 10.0, 33.3, 1234.5, 1e6]
    special = {
        "x": pts,
        "digamma": [float(scipy.special.digamma(v)) for v in pts],
        "gammaln": [float(scipy.special.gammaln(v)) for v in pts],
    }
    json.dump(
        {
            "generator": "testdata/gen_reference.py",
            "sklearn": sklearn.__version__,
            "numpy": np.__version__,
            "scipy": scipy.__version__,
            "d": d,
            "x": flat(x),
            "x_new": flat(x_new),
            "resp": {"random": flat(resp), "hard": flat(hard)},
            "cases": cases,
            "special": special,
        },
        sys.stdout,
    )
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
