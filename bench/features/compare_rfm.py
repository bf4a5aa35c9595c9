#!/usr/bin/python3
"""Compares two rfm.csv files (aftercare's and pandas') row by row:
customer, recency_days, frequency, tenure_days exactly, monetary to 1e-9
relative. Exits 1 (naming the first difference) when they disagree."""
import sys

import pandas as pd

a, b = (pd.read_csv(p) for p in sys.argv[1:3])
if len(a) != len(b):
    sys.exit(f"{len(a)} rows vs {len(b)}")
for col in ["recency_days", "frequency", "tenure_days"]:
    bad = a[col].values != b[col].values
    if bad.any():
        sys.exit(f"{col} differs first at row {bad.argmax()}")
if (a.iloc[:, 0].values != b.iloc[:, 0].values).any():
    sys.exit("customers differ")
rel = abs(a.monetary - b.monetary) / b.monetary.abs().clip(lower=1)
if (rel > 1e-9).any():
    sys.exit(f"monetary differs first at row {int((rel > 1e-9).values.argmax())}")
print(f"rfm.csv: {len(a)} customers agree with pandas")
