#!/usr/bin/python3
"""Reference values for the features package tests, computed with pandas
and scikit-learn (Debian's /usr/bin/python3: pandas 1.5, scikit-learn 1.2).

Run from this folder:  /usr/bin/python3 gen_reference.py
It writes:
  agg_input.csv      a generated order log with nulls (seeded, < 50 KB)
  agg_expected.json  pandas groupby results on it (whole log, and a 30-day window)
  sklearn_cases.json inputs and scikit-learn outputs for StandardScaler,
                     MinMaxScaler, RobustScaler, SimpleImputer, OneHotEncoder
The Go tests read these files; they never run Python.
"""
import json
import math

import numpy as np
import pandas as pd
from sklearn.impute import SimpleImputer
from sklearn.preprocessing import MinMaxScaler, OneHotEncoder, RobustScaler, StandardScaler

rng = np.random.default_rng(20240601)

# ---------------------------------------------------------------- aggregates
n = 700
customers = np.array([f"C{i:03d}" for i in range(60)])
cust = rng.choice(customers, size=n, p=None).astype(object)
cust[rng.random(n) < 0.04] = None  # missing customer ids
order = rng.integers(1000, 1400, size=n).astype(float)
order[rng.random(n) < 0.05] = np.nan
base = np.datetime64("2024-01-01T00:00:00")
ts = base + (rng.integers(0, 120 * 24 * 60, size=n)).astype("timedelta64[m]")
amount = np.round(rng.gamma(2.0, 30.0, size=n), 2)
amount[rng.random(n) < 0.08] = np.nan
qty = rng.integers(1, 6, size=n).astype(float)
qty[rng.random(n) < 0.06] = np.nan
cat = rng.choice(np.array(["buy", "return", "exchange"], dtype=object), size=n, p=[0.7, 0.2, 0.1])
cat[rng.random(n) < 0.05] = None
df = pd.DataFrame({"customer": cust, "order": order, "ts": ts, "amount": amount, "qty": qty, "category": cat})
# A customer with a single row, and one whose amounts are all missing.
df.loc[0, ["customer", "amount"]] = ["C900", 12.5]
df.loc[1, ["customer", "amount"]] = ["C901", np.nan]

def fmt_num(x):
    if pd.isna(x):
        return ""
    if float(x) == int(x):
        return str(int(x))
    return repr(float(x))

out = pd.DataFrame({
    "customer": df.customer.fillna(""),
    "order": df.order.map(fmt_num),
    "ts": df.ts.dt.strftime("%Y-%m-%d %H:%M:%S"),
    "amount": df.amount.map(lambda x: "" if pd.isna(x) else f"{x:.2f}"),
    "qty": df.qty.map(fmt_num),
    "category": df.category.fillna(""),
})
out.to_csv("agg_input.csv", index=False)
# Read it back exactly as a user would, so the reference sees what Go sees.
df = pd.read_csv("agg_input.csv", parse_dates=["ts"], keep_default_na=True)


def aggregates(d):
    g = d.groupby("customer", sort=True)  # dropna=True: null keys dropped
    res = pd.DataFrame({
        "rows": g.size(),
        "n_amount": g.amount.count(),
        "orders": g.order.nunique(),
        "total": g.amount.sum(),  # min_count=0: 0 for all-NaN groups
        "qty_total": g.qty.sum(),
        "avg": g.amount.mean(),
        "avg_qty": g.qty.mean(),
        "lo": g.amount.min(),
        "hi": g.amount.max(),
        "sd": g.amount.std(),
        "variance": g.amount.var(),
        "med": g.amount.median(),
        "p90": g.amount.quantile(0.9),
        "p25_qty": g.qty.quantile(0.25),
    })
    s = d.sort_values("ts", kind="mergesort")  # stable: ties keep file order
    gs = s.groupby("customer", sort=True)
    res["first_amount"] = gs.amount.first()  # first non-null by time
    res["last_amount"] = gs.amount.last()
    res["first_ts"] = g.ts.min().dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    res["last_ts"] = g.ts.max().dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    nn = d.dropna(subset=["category"])
    res["min_cat"] = nn.groupby("customer").category.min()
    res["max_cat"] = nn.groupby("customer").category.max()
    is_ret = nn.assign(r=nn.category == "return").groupby("customer").r
    res["any_return"] = is_ret.any().reindex(res.index).fillna(False)
    res["all_return"] = is_ret.all().reindex(res.index).fillna(True)
    ret = d[d.category == "return"].groupby("customer")
    res["returns"] = ret.size().reindex(res.index).fillna(0)
    res["return_amount"] = ret.amount.sum().reindex(res.index).fillna(0)
    return res


def to_json(res):
    rows = []
    for cust, r in res.iterrows():
        row = {"customer": cust}
        for k, v in r.items():
            if isinstance(v, (bool, np.bool_)):
                row[k] = bool(v)
            elif isinstance(v, str):
                row[k] = v
            elif v is None or (isinstance(v, float) and math.isnan(v)):
                row[k] = None
            else:
                row[k] = float(v)
        rows.append(row)
    return rows


as_of = pd.Timestamp("2024-04-20")
win = df[(df.ts > as_of - pd.Timedelta(days=30)) & (df.ts <= as_of)]
expected = {
    "how": "pandas " + pd.__version__ + ": groupby(customer) on agg_input.csv read with read_csv(parse_dates=[ts]); "
           "window: 2024-03-21 < ts <= 2024-04-20; see gen_reference.py",
    "all": to_json(aggregates(df)),
    "window": to_json(aggregates(win)),
}
with open("agg_expected.json", "w") as f:
    json.dump(expected, f, sort_keys=True, separators=(",", ":"))

# ------------------------------------------------------------- scikit-learn
X = np.column_stack([
    np.round(rng.lognormal(3, 1, 40), 3),
    rng.integers(0, 20, 40).astype(float),
    np.round(rng.normal(100, 15, 40), 3),
])
X[:, 2][5] = X[:, 2][7]  # a tie
constant = np.full(40, 3.5)
Xc = np.column_stack([X, constant])
cases = {"how": "scikit-learn " + __import__("sklearn").__version__ + ", numpy " + np.__version__ + "; see gen_reference.py"}
cases["X"] = Xc.tolist()
cases["standard"] = StandardScaler().fit_transform(Xc).tolist()
cases["minmax"] = MinMaxScaler().fit_transform(Xc).tolist()
cases["minmax_range"] = MinMaxScaler(feature_range=(-1, 2)).fit_transform(Xc).tolist()
cases["robust"] = RobustScaler().fit_transform(Xc).tolist()
cases["robust_10_90"] = RobustScaler(quantile_range=(10.0, 90.0)).fit_transform(Xc).tolist()
cases["log1p_standard"] = StandardScaler().fit_transform(np.log1p(Xc)).tolist()
lo, hi = np.quantile(Xc, 0.05, axis=0), np.quantile(Xc, 0.95, axis=0)
cases["winsorize_05_95"] = np.clip(Xc, lo, hi).tolist()
sc = StandardScaler().fit(Xc)
cases["standard_mean"] = sc.mean_.tolist()
cases["standard_scale"] = sc.scale_.tolist()
# New data transformed with the first fit (save/load).
Xnew = np.round(rng.normal(50, 20, (5, 4)), 3)
cases["X_new"] = Xnew.tolist()
cases["standard_new"] = sc.transform(Xnew).tolist()

# Imputation: NaN as missing.
Xi = np.round(rng.normal(10, 3, (30, 2)), 2)
Xi[rng.random(30) < 0.2, 0] = np.nan
Xi[rng.random(30) < 0.3, 1] = np.nan
Xi[:, 1] = np.where(np.isnan(Xi[:, 1]), np.nan, np.round(Xi[:, 1]))  # repeated values for most_frequent
cases["Xi"] = [[None if math.isnan(v) else v for v in row] for row in Xi.tolist()]
for strat in ["mean", "median", "most_frequent"]:
    cases["impute_" + strat] = SimpleImputer(strategy=strat).fit_transform(Xi).tolist()
cases["impute_constant"] = SimpleImputer(strategy="constant", fill_value=-1.0).fit_transform(Xi).tolist()
ind = SimpleImputer(strategy="mean", add_indicator=True).fit_transform(Xi)
cases["impute_indicator"] = ind[:, 2:].tolist()

# One-hot with a cap on categories: counts chosen without ties at the cut.
cats = (["UK"] * 9 + ["FR"] * 6 + ["DE"] * 5 + ["NL"] * 3 + ["ES"] * 2 + ["IT"] * 1)
cats = list(rng.permutation(np.array(cats, dtype=object)))
cases["cats"] = cats
enc = OneHotEncoder(max_categories=4, sparse_output=False, handle_unknown="infrequent_if_exist").fit(np.array(cats, dtype=object).reshape(-1, 1))
cases["onehot_names"] = [str(x) for x in enc.get_feature_names_out(["country"])]
cases["onehot"] = enc.transform(np.array(cats, dtype=object).reshape(-1, 1)).tolist()
cases["onehot_unknown"] = enc.transform(np.array([["PL"]], dtype=object)).tolist()
full = OneHotEncoder(sparse_output=False).fit(np.array(cats, dtype=object).reshape(-1, 1))
cases["onehot_full_names"] = [str(x) for x in full.get_feature_names_out(["country"])]
cases["onehot_full"] = full.transform(np.array(cats, dtype=object).reshape(-1, 1)).tolist()
with open("sklearn_cases.json", "w") as f:
    json.dump(cases, f, indent=1)
