#!/usr/bin/env bash
# Feature extraction: aftercare vs pandas, side by side in one run.
#
#   bench/features/run.sh            Online Retail (CSV and Parquet) and generated
#                                    logs of 1M, 10M and 30M order lines (1M customers)
#   SIZES="1000000" bench/features/run.sh   fewer generated sizes
#   RUNS=3 ...                       best of RUNS for each timing (default 3)
#
# Both sides run the same pipeline: read, the usual RFM cleaning (drop missing
# CustomerID, C invoices, non-positive Quantity or UnitPrice), revenue =
# Quantity * UnitPrice, RFM per customer (recency, distinct invoices, revenue,
# first and last purchase, tenure), write rfm.csv. Wall time is the whole
# process; peak memory is the maximum resident set size from /usr/bin/time.
# Generated data (about 3.6 GB for the three sizes) goes to $BENCH_DIR.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
BENCH_DIR=${BENCH_DIR:-/tmp/aftercare-bench}
RUNS=${RUNS:-3}
SIZES=${SIZES:-"1000000 10000000 30000000"}
PANDAS_MAX=${PANDAS_MAX:-10000000}  # pandas needs ~10 GB at 30M rows: skipped above this
PY=/usr/bin/python3
RETAIL=$ROOT/../shared/data/online_retail_uci/online_retail.csv.gz
mkdir -p "$BENCH_DIR"
go build -o "$BENCH_DIR/features" ./bench/features

# measure CMD... → prints "seconds peak_mb" of the best (fastest) of RUNS runs
measure() {
  local best="" bestmem=""
  for _ in $(seq "$RUNS"); do
    /usr/bin/time -f "%e %M" -o "$BENCH_DIR/time.txt" "$@" > "$BENCH_DIR/out.txt"
    read -r secs kb < "$BENCH_DIR/time.txt"
    if [[ -z $best ]] || awk -v a="$secs" -v b="$best" 'BEGIN{exit !(a<b)}'; then best=$secs; bestmem=$kb; fi
  done
  echo "$best $((bestmem / 1024))"
}

row() { printf "%-34s %9s s %8s MB   %s\n" "$@"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.1fx", a/b}'; }

echo "machine: $(nproc) cores; $(uptime | sed 's/.*load average/load average/')"
echo
echo "== Online Retail (541,909 rows, gzip CSV) =="
if [[ -f $RETAIL ]]; then
  read -r gs gm < <(measure "$BENCH_DIR/features" run bench/features/rfm.yaml "$BENCH_DIR/go-retail" "data=$RETAIL")
  read -r ps pm < <(measure $PY bench/features/rfm_pandas.py "$RETAIL" "$BENCH_DIR/py-retail")
  "$BENCH_DIR/features" run bench/features/to_parquet.yaml "$BENCH_DIR" "data=$RETAIL" "out=retail.parquet" > /dev/null
  read -r qs qm < <(measure "$BENCH_DIR/features" run bench/features/rfm.yaml "$BENCH_DIR/go-retail-pq" "data=$BENCH_DIR/retail.parquet")
  row "pandas, CSV" "$ps" "$pm" ""
  row "aftercare, CSV" "$gs" "$gm" "$(ratio "$ps" "$gs") faster, $(ratio "$pm" "$gm") less memory"
  row "aftercare, Parquet" "$qs" "$qm" "$(ratio "$ps" "$qs") faster than pandas from CSV"
  if ! $PY bench/features/compare_rfm.py "$BENCH_DIR/go-retail/rfm.csv" "$BENCH_DIR/py-retail/rfm.csv"; then
    echo "warning: aftercare and pandas disagree (see above)"
  fi
else
  echo "skipped: $RETAIL not found"
fi

for n in $SIZES; do
  f=$BENCH_DIR/tx$n.csv
  [[ -f $f ]] || "$BENCH_DIR/features" gen -rows "$n" -customers 1000000 -seed 1 -out "$f"
  echo
  echo "== generated: $n order lines, 1M customers ($(du -h "$f" | cut -f1) CSV) =="
  read -r gs gm < <(measure "$BENCH_DIR/features" run bench/features/rfm.yaml "$BENCH_DIR/go-$n" "data=$f")
  cat "$BENCH_DIR/out.txt"
  if (( n <= PANDAS_MAX )); then
    read -r ps pm < <(RUNS=1 measure $PY bench/features/rfm_pandas.py "$f" "$BENCH_DIR/py-$n")
    row "pandas, CSV" "$ps" "$pm" ""
    row "aftercare, CSV" "$gs" "$gm" "$(ratio "$ps" "$gs") faster, $(ratio "$pm" "$gm") less memory"
    $PY bench/features/compare_rfm.py "$BENCH_DIR/go-$n/rfm.csv" "$BENCH_DIR/py-$n/rfm.csv" || echo "warning: aftercare and pandas disagree"
  else
    row "aftercare, CSV" "$gs" "$gm" "(pandas skipped above $PANDAS_MAX rows)"
  fi
done
