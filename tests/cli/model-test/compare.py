#!/usr/bin/python3
"""compare.py REFERENCE KIND METRICS: every metric of REFERENCE[KIND] (the
server's scikit-learn values) against model-test's metrics file, to 1e-12
relative; prints one line per metric and exits 1 on a difference."""
import json
import sys

ref = json.load(open(sys.argv[1]))
got = json.load(open(sys.argv[3]))
bad = 0
print("count", "ok" if got.get("count") == ref["count"] else "DIFFERS")
for k, v in sorted(ref[sys.argv[2]].items()):
    g = got.get(k)
    ok = g is not None and abs(g - v) <= 1e-12 * max(1.0, abs(v))
    bad += not ok
    print(k, "ok" if ok else "DIFFERS: %r vs %r" % (g, v))
sys.exit(1 if bad else 0)
