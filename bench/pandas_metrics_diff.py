#!/usr/bin/python3
"""pandas_metrics_diff.py REPO REV PATH CURRENT [--history N]

The peer of perf-gate in bench/perf-gate.sh: what a team writes in
Python for the same gate, in the style of `dvc metrics diff`. Reads the
baseline with `git show REV:PATH`, flattens both JSON files, and builds
the diff table (baseline, current, delta, delta %) with pandas, holding
each metric to 1% in its direction. With --history N, also reads the
history blob (`git show refs/mlgate/history:history.jsonl`), keeps the
last N records whose commit is an ancestor of REV (`git rev-list`) and
adds mean, sd and z-score per metric. Prints "<metrics> metrics, <n>
records, <failed> failed".
"""
import json
import subprocess
import sys

import pandas as pd


def flatten(obj, prefix=""):
    out = {}
    for k, v in obj.items():
        name = prefix + k
        if isinstance(v, dict):
            out.update(flatten(v, name + "."))
        elif isinstance(v, (int, float)) and not isinstance(v, bool):
            out[name] = float(v)
    return out


def lower_is_better(name):
    return any(w in name for w in ("loss", "latency", "error", "time"))


def main():
    repo, rev, path, current = sys.argv[1:5]
    hist = int(sys.argv[6]) if len(sys.argv) > 6 else 0
    git = ["git", "-C", repo]
    base = flatten(json.loads(subprocess.run(
        git + ["show", "%s:%s" % (rev, path)], check=True,
        capture_output=True).stdout))
    with open(current) as f:
        cur = flatten(json.load(f))
    df = pd.DataFrame({"baseline": pd.Series(base),
                       "current": pd.Series(cur)})
    df["delta"] = df["current"] - df["baseline"]
    df["delta_pct"] = df["delta"] / df["baseline"].abs() * 100
    sign = pd.Series([-1.0 if lower_is_better(n) else 1.0
                      for n in df.index], index=df.index)
    df["fail"] = sign * df["delta_pct"] < -1.0
    records = 0
    if hist:
        text = subprocess.run(
            git + ["show", "refs/mlgate/history:history.jsonl"],
            check=True, capture_output=True, text=True).stdout
        ancestors = set(subprocess.run(
            git + ["rev-list", rev], check=True, capture_output=True,
            text=True).stdout.split())
        rows = [json.loads(line) for line in text.splitlines() if line]
        rows = [r for r in rows if r["commit"] in ancestors][-hist:]
        records = len(rows)
        h = pd.DataFrame([r["metrics"] for r in rows])
        df["mean"] = h.mean()
        df["sd"] = h.std()
        df["z"] = (df["current"] - df["mean"]) / df["sd"]
    print("%d metrics, %d records, %d failed" %
          (len(df), records, int(df["fail"].sum())))


if __name__ == "__main__":
    main()
