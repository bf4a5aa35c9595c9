#!/usr/bin/python3
"""Prints the comparison table of bench/kmeans from the JSON lines of both
sides (any number of files; repeated measurements keep their minimum)."""
import json
import statistics
import sys


def load(paths):
    rows = []
    for p in paths:
        with open(p) as f:
            rows += [json.loads(line) for line in f if line.strip()]
    return rows


def best(rows, **key):
    sel = [r for r in rows if all(r.get(k) == v for k, v in key.items())]
    if not sel:
        return None
    out = dict(min(sel, key=lambda r: r["seconds"]))
    out["cpu_seconds"] = min(r["cpu_seconds"] for r in sel)
    return out


def main():
    rows = load(sys.argv[1:])
    sk = best(rows, side="sklearn", case="fixed50", requested="lloyd")
    print("Fixed 50 iterations from the first 8 rows (tol=0, max_iter=50), 1e6 x 8, k=8")
    print(f"{'implementation':<28}{'ms/iter':>9}{'ratio':>8}{'cpu s':>8}{'cpu ratio':>10}  inertia")
    for side, req, name in [("sklearn", "lloyd", "sklearn lloyd"), ("sklearn", "elkan", "sklearn elkan"),
                            ("go", "lloyd", "go lloyd"), ("go", "hamerly", "go hamerly"),
                            ("go", "elkan", "go elkan"), ("go", "auto", "go auto")]:
        r = best(rows, side=side, case="fixed50", requested=req)
        if r is None:
            continue
        label = name + (f" ({r['algorithm']})" if req == "auto" else "")
        print(f"{label:<28}{r['ms_per_iter']:>9.2f}{r['ms_per_iter'] / sk['ms_per_iter']:>8.2f}"
              f"{r['cpu_seconds']:>8.2f}{r['cpu_seconds'] / sk['cpu_seconds']:>10.2f}  {r['inertia']:.6f}")
    print()
    print("End to end: k-means++, n_init=1, tol=1e-4, per seed (min time over repetitions)")
    agg = {}
    for side in ["sklearn", "go"]:
        seeds = sorted({r["seed"] for r in rows if r["side"] == side and r["case"] == "e2e"})
        per = [best(rows, side=side, case="e2e", seed=s) for s in seeds]
        if not per:
            continue
        for r in per:
            print(f"  {side:<8} seed {r['seed']}: {r['seconds']:7.3f} s  cpu {r['cpu_seconds']:6.2f} s"
                  f"  {r['iterations']:4d} iterations  inertia {r['inertia']:.3f}")
        agg[side] = per
    if len(agg) == 2:
        print(f"{'':<10}{'mean s':>9}{'mean cpu s':>12}{'mean iters':>12}{'mean inertia':>16}{'min inertia':>16}")
        for side, per in agg.items():
            print(f"{side:<10}{statistics.mean(r['seconds'] for r in per):>9.3f}"
                  f"{statistics.mean(r['cpu_seconds'] for r in per):>12.2f}"
                  f"{statistics.mean(r['iterations'] for r in per):>12.1f}"
                  f"{statistics.mean(r['inertia'] for r in per):>16.3f}{min(r['inertia'] for r in per):>16.3f}")
        g, s = agg["go"], agg["sklearn"]
        print(f"time ratio go/sklearn (mean over seeds): {statistics.mean(r['seconds'] for r in g) / statistics.mean(r['seconds'] for r in s):.2f}"
              f"   per-iteration ratio: {sum(r['seconds'] for r in g) / sum(r['iterations'] for r in g) / (sum(r['seconds'] for r in s) / sum(r['iterations'] for r in s)):.2f}")
    print()
    print("Memory")
    for r in rows:
        if r["side"] == "go" and r["case"] == "fixed50":
            print(f"  go {r['requested']:<8} allocated during Fit: {r['alloc_bytes'] / 1e6:7.1f} MB"
                  f" = {r['alloc_bytes'] / r['x_bytes']:.2f} x the feature matrix ({r['x_bytes'] / 1e6:.0f} MB)")
            if r["requested"] == "elkan":
                break
    for r in rows:
        if r["side"] == "sklearn" and "peak_bytes" in r:
            print(f"  sklearn {r['requested']:<6} peak traced memory during fit: {r['peak_bytes'] / 1e6:7.1f} MB"
                  f" = {r['peak_bytes'] / r['x_bytes']:.2f} x the feature matrix")


if __name__ == "__main__":
    main()
