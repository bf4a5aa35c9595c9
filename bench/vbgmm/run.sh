#!/bin/sh
# Times one vbgmm iteration against scikit-learn 1.2 on the same data:
# 100,000 × 8 rows, 10 components, the same random initial
# responsibilities, ITERS iterations with tol 0 on both sides. The data is
# written once by the Go program and read by both.
#
#   bench/vbgmm/run.sh [COV] [ITERS] [REPS]      (from the repository root)
#
# Prints each side's best ms/iteration over REPS alternating runs (Go with
# all cores and with one worker), the ratio Go/sklearn and both final lower
# bounds (ours should be equal or higher).
set -eu
COV=${1:-full}
ITERS=${2:-20}
REPS=${3:-3}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
cd "$ROOT"
go build -o "$TMP/vbgmm-bench" ./bench/vbgmm
"$TMP/vbgmm-bench" gen -dir "$TMP/data" -n 100000 -d 8 -k 10
# Alternate the sides so that load from other processes hits both alike.
i=0
while [ "$i" -lt "$REPS" ]; do
	"$TMP/vbgmm-bench" fit -dir "$TMP/data" -iters "$ITERS" -cov "$COV" -reps 1 >> "$TMP/go.jsonl"
	"$TMP/vbgmm-bench" fit -dir "$TMP/data" -iters "$ITERS" -cov "$COV" -reps 1 -workers 1 >> "$TMP/go1.jsonl"
	/usr/bin/python3 bench/vbgmm/sklearn_bench.py "$TMP/data" "$ITERS" "$COV" 1 >> "$TMP/sk.jsonl"
	i=$((i + 1))
done
cat "$TMP/go.jsonl" "$TMP/go1.jsonl" "$TMP/sk.jsonl"
/usr/bin/python3 - "$TMP/go.jsonl" "$TMP/go1.jsonl" "$TMP/sk.jsonl" <<'PY'
import json, sys
go, go1, sk = ([json.loads(l) for l in open(p)] for p in sys.argv[1:4])
g = min(r["ms_per_iter"] for r in go)
g1 = min(r["ms_per_iter"] for r in go1)
s = min(r["ms_per_iter"] for r in sk)
lg, ls = go[0]["lower_bound"], sk[0]["lower_bound"]
print(f"cov={go[0]['cov']} iterations={go[0]['iterations']} (best of {len(go)} runs each)")
print(f"go (all cores) {g:8.2f} ms/iteration")
print(f"go (1 worker)  {g1:8.2f} ms/iteration")
print(f"sklearn        {s:8.2f} ms/iteration")
print(f"ratio go/sklearn {g / s:.3f} (1 worker: {g1 / s:.3f})")
print(f"lower bound go {lg:.10f} sklearn {ls:.10f} (go - sklearn = {lg - ls:.3g}, relative {(lg - ls) / abs(ls):.2g})")
PY
