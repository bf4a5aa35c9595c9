#!/usr/bin/env bash
# Benchmarks steps/cluster/hclust against fastcluster 1.2 and scipy 1.10 on the
# same standard-normal data (6 columns), in one run, printing wall times, the
# Go/Python ratio, peak memory (max RSS from /usr/bin/time -v) and whether the
# two linkage matrices agree.
#
#   bench/hclust/run.sh                 # everything (~5 min, ~4 GB free RAM)
#   CASES="ward:20000 average:20000" bench/hclust/run.sh
#
# Case syntax: <method>:<n> (ward, centroid, median, single compare with
# fastcluster.linkage_vector; average, complete, weighted with
# scipy.cluster.hierarchy.linkage) or twostage:<n> (Go only: k-means with
# 1000 micro-clusters, then weighted ward; reports the share of SS kept).
set -euo pipefail
cd "$(dirname "$0")/../.."

PY=/usr/bin/python3
D=6
CASES=${CASES:-"ward:20000 ward:50000 ward:100000 average:20000 complete:20000 twostage:1000000"}
WORK=$(mktemp -d /tmp/hclust-bench.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

go build -o "$WORK/hclust-bench" ./bench/hclust

# run LABEL CMD... : runs CMD under /usr/bin/time -v, sets SECS, RSS_MB, OUT.
run() {
	/usr/bin/time -v -o "$WORK/time.txt" "$@" >"$WORK/out.txt"
	OUT=$(cat "$WORK/out.txt")
	SECS=$(grep -o 'seconds=[0-9.]*' "$WORK/out.txt" | head -1 | cut -d= -f2)
	RSS_MB=$(awk -F': ' '/Maximum resident set size/ {printf "%.0f", $2/1024}' "$WORK/time.txt")
}

data() {
	local n=$1 f="$WORK/x_$1.bin"
	[[ -f $f ]] || "$PY" bench/hclust/bench.py gen "$f" "$n" "$D" 1
	echo "$f"
}

echo "machine: $(nproc) cores, load: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-18s %9s %8s %12s %8s %9s  %s\n' case go_s go_MB python_s py_MB go/py check
for c in $CASES; do
	method=${c%%:*}
	n=${c##*:}
	x=$(data "$n")
	if [[ $method == twostage ]]; then
		run "$WORK/hclust-bench" -x "$x" -n "$n" -d "$D" -twostage 1000
		printf '%-18s %9s %8s %12s %8s %9s  %s\n' "$c" "$SECS" "$RSS_MB" - - - "${OUT#go twostage }"
		continue
	fi
	case $method in
	ward | centroid | median | single) lib=fastcluster ;;
	*) lib=scipy ;;
	esac
	run "$WORK/hclust-bench" -x "$x" -n "$n" -d "$D" -method "$method" -z "$WORK/zgo.bin"
	go_s=$SECS go_mb=$RSS_MB
	run "$PY" bench/hclust/bench.py run "$x" "$n" "$D" "$lib" "$method" "$WORK/zpy.bin"
	py_s=$SECS py_mb=$RSS_MB
	check=$("$PY" bench/hclust/bench.py cmp "$WORK/zgo.bin" "$WORK/zpy.bin" "$n")
	ratio=$(awk -v a="$go_s" -v b="$py_s" 'BEGIN { printf "%.2f", a / b }')
	printf '%-18s %9s %8s %12s %8s %9s  %s\n' "$c" "$go_s" "$go_mb" "$py_s ($lib)" "$py_mb" "$ratio" "${check#compare: }"
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
