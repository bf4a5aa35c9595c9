#!/usr/bin/python3
"""The pandas side of run.sh: read CSV, the usual RFM cleaning, RFM per
customer, write rfm.csv. Prints the same one-line summary as the Go side.

usage: rfm_pandas.py DATA.csv[.gz] OUTDIR [AS_OF]
"""
import os
import sys
import time

import pandas as pd

t0 = time.time()
path, outdir = sys.argv[1], sys.argv[2]
as_of = pd.Timestamp(sys.argv[3] if len(sys.argv) > 3 else "2011-12-10")
df = pd.read_csv(path, dtype={"InvoiceNo": str, "StockCode": str})
rows = len(df)
df = df[df.CustomerID.notna() & ~df.InvoiceNo.str.startswith("C") & (df.Quantity > 0) & (df.UnitPrice > 0)]
df = df.assign(revenue=df.Quantity * df.UnitPrice, InvoiceDate=pd.to_datetime(df.InvoiceDate))
df = df[df.InvoiceDate <= as_of]
g = df.groupby("CustomerID").agg(
    first_purchase=("InvoiceDate", "min"),
    last_purchase=("InvoiceDate", "max"),
    frequency=("InvoiceNo", "nunique"),
    monetary=("revenue", "sum"),
)
g["recency_days"] = (as_of - g.last_purchase).dt.days
g["tenure_days"] = (as_of - g.first_purchase).dt.days
g = g[["recency_days", "frequency", "monetary", "first_purchase", "last_purchase", "tenure_days"]]
os.makedirs(outdir, exist_ok=True)
g.to_csv(os.path.join(outdir, "rfm.csv"))
print(f"seconds={time.time() - t0:.3f} rows={rows} customers={len(g)}")
