#!/bin/sh
# Times reading the UCI Online Retail CSV (48 MB, 541,909 rows) with
# pandas.read_csv and with aftercare's CSV reader, and the same data as
# Parquet (written by aftercare's writer) with aftercare's Parquet reader,
# in one run on the same machine. Each time is the best of RUNS full reads
# (for aftercare: ReadSchema, which samples the file, plus Scan, each
# batch counted and dropped; for pandas: read_csv with its default
# inference, no date parsing). Neither side's time includes using the
# data: the check sum comes from one more read, not timed.
#
# usage: bench/csvread/run.sh            (from anywhere in the repository)
#        RUNS=10 bench/csvread/run.sh
set -eu
cd "$(dirname "$0")/../.."
RUNS=${RUNS:-5}
DATA=../shared/data/online_retail_uci/online_retail.csv.gz
TMP=${TMPDIR:-/tmp}/aftercare-csvread
mkdir -p "$TMP"
CSV=$TMP/online_retail.csv
PQ=$TMP/online_retail.parquet
[ -f "$CSV" ] || gunzip -c "$DATA" > "$CSV"
go build -o "$TMP/csvread" ./bench/csvread
"$TMP/csvread" -convert "$PQ" -runs 1 "$CSV" 2>&1 >/dev/null

PANDAS=$(/usr/bin/python3 - "$CSV" "$RUNS" <<'PY'
import sys, time
import pandas as pd
path, runs = sys.argv[1], int(sys.argv[2])
best = float("inf")
for _ in range(runs):
    t = time.perf_counter()
    df = pd.read_csv(path)
    best = min(best, time.perf_counter() - t)
assert len(df) == 541909
print(f"{best:.4f}")
PY
)
OURS=$("$TMP/csvread" -runs "$RUNS" "$CSV" "$PQ")
CSVT=$(echo "$OURS" | awk 'NR==1{print $2}')
PQT=$(echo "$OURS" | awk 'NR==2{print $2}')
echo "$OURS" | awk '{printf "check: %s rows=%s sum(Quantity*UnitPrice)=%s\n", $1, $3, $4}'
printf 'pandas read_csv          %7.1f ms\n' "$(echo "$PANDAS * 1000" | bc -l)"
printf 'aftercare CSV read       %7.1f ms   (%.1fx faster than pandas)\n' "$(echo "$CSVT * 1000" | bc -l)" "$(echo "$PANDAS / $CSVT" | bc -l)"
printf 'aftercare Parquet read   %7.1f ms   (%.1fx faster than our CSV read, %.1fx faster than pandas)\n' \
	"$(echo "$PQT * 1000" | bc -l)" "$(echo "$CSVT / $PQT" | bc -l)" "$(echo "$PANDAS / $PQT" | bc -l)"
