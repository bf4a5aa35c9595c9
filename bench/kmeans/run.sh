#!/usr/bin/env bash
# Compares aftercare's kmeans package with scikit-learn 1.2 on the same data,
# on the same machine, in one run, and prints a table with the ratios.
#
#   bench/kmeans/run.sh                # from the repository root
#   ROUNDS=3 REPS=3 SEEDS=8 bench/kmeans/run.sh
#
# Data: 1e6 x 8 standard normal rows (PCG seed 2024) written by the Go
# program to $DATA as raw float64 and read by numpy.fromfile. The two sides
# run alternately ROUNDS times (each measurement keeps its minimum over
# REPS repetitions and over the rounds), which evens out background load.
set -euo pipefail
cd "$(dirname "$0")/../.."

DATA=${DATA:-/tmp/aftercare-kmeans-bench.f64}
ROUNDS=${ROUNDS:-2}
REPS=${REPS:-2}
SEEDS=${SEEDS:-8}
PY=/usr/bin/python3
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

go build -o "$WORK/kmeans-bench" ./bench/kmeans
if [[ ! -s $DATA ]]; then
	"$WORK/kmeans-bench" -gen -data "$DATA"
fi
echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); $(go version | cut -d' ' -f3); $($PY -c 'import sklearn, numpy; print("scikit-learn", sklearn.__version__, "numpy", numpy.__version__)')"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
for round in $(seq "$ROUNDS"); do
	"$WORK/kmeans-bench" -data "$DATA" -reps "$REPS" -seeds "$SEEDS" >"$WORK/go-$round.jsonl"
	mem=""
	if [[ $round == 1 ]]; then mem=--memory; fi
	$PY bench/kmeans/bench_sklearn.py --data "$DATA" --reps "$REPS" --seeds "$SEEDS" $mem >"$WORK/sk-$round.jsonl"
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
$PY bench/kmeans/report.py "$WORK"/go-*.jsonl "$WORK"/sk-*.jsonl
