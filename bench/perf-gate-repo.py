#!/usr/bin/python3
"""perf-gate-repo.py DIR COMMITS METRICS RECORDS - the perf-gate bench repo

Creates a git repository in DIR (which must not exist) with COMMITS
commits on main, each changing metrics.json (METRICS metrics under
"model"), written in one `git fast-import` run; then refs/mlgate/history
holding RECORDS records (as `perf-gate record` writes them) for the last
RECORDS commits of main, chunked as perf-gate leaves it: full chunks of
128 records in archive/00000001.jsonl..., the rest in history.jsonl, one
commit per chunk (a second fast-import run). Also writes
DIR/../current.json, the metrics of a new run. Deterministic (seeded).
"""
import json
import random
import subprocess
import sys

out, commits, nmet, nrec = sys.argv[1], *map(int, sys.argv[2:5])
rng = random.Random(7)
names = ["m%03d_%s" % (i, ("accuracy", "latency_ms", "auc", "loss")[i % 4])
         for i in range(nmet)]


def metrics():
    return {"model": {n: round(0.8 + rng.random() / 10, 6) for n in names}}


subprocess.run(["git", "init", "-q", "-b", "main", out], check=True)
env = {"GIT_CONFIG_NOSYSTEM": "1", "HOME": out, "PATH": "/usr/bin:/bin"}
fi = subprocess.Popen(["git", "-C", out, "fast-import", "--quiet"],
                      stdin=subprocess.PIPE, env=env)
w = fi.stdin.write
for i in range(1, commits + 1):
    blob = json.dumps(metrics(), sort_keys=True).encode() + b"\n"
    w(b"commit refs/heads/main\nmark :%d\n" % i)
    w(b"committer bench <b@example.com> %d +0000\n" % (1700000000 + i * 60))
    msg = b"run %d" % i
    w(b"data %d\n%s\n" % (len(msg), msg))
    if i > 1:
        w(b"from :%d\n" % (i - 1))
    w(b"M 100644 inline metrics.json\ndata %d\n%s\n" % (len(blob), blob))
fi.stdin.close()
if fi.wait():
    sys.exit("fast-import failed")
revs = subprocess.run(["git", "-C", out, "rev-list", "--reverse",
                       "--max-count=%d" % nrec, "main"], check=True,
                      capture_output=True, text=True).stdout.split()
lines = []
for k, rev in enumerate(revs):
    rec = {"commit": rev, "time": "2026-01-01T00:%02d:%02dZ" % (k // 60 % 60,
                                                               k % 60),
           "ref": "main", "run": None,
           "metrics": {"model." + n: v
                       for n, v in metrics()["model"].items()}}
    lines.append(json.dumps(rec, separators=(",", ":")).encode() + b"\n")
# The history as `perf-gate record` leaves it (include/mlgate/history.h):
# full chunks of CHUNK records in archive/NNNNNNNN.jsonl, the rest in
# history.jsonl. One commit per chunk rollover, each archiving the
# previous tip blob unchanged (same mark, same id), then the tip.
CHUNK = 128  # MLG_HISTORY_CHUNK
chunks = [lines[i:i + CHUNK] for i in range(0, len(lines), CHUNK)] or [[]]
fi = subprocess.Popen(["git", "-C", out, "fast-import", "--quiet"],
                      stdin=subprocess.PIPE, env=env)
w = fi.stdin.write
for i, chunk in enumerate(chunks, 1):
    data = b"".join(chunk)
    w(b"blob\nmark :%d\ndata %d\n%s\n" % (i, len(data), data))
for i in range(1, len(chunks) + 1):
    w(b"commit refs/mlgate/history\n")
    w(b"committer bench <b@example.com> %d +0000\n" % (1800000000 + i))
    msg = b"mlgate: history chunk %d" % i
    w(b"data %d\n%s\n" % (len(msg), msg))
    for j in range(1, i):
        w(b"M 100644 :%d archive/%08d.jsonl\n" % (j, j))
    w(b"M 100644 :%d history.jsonl\n" % i)
fi.stdin.close()
if fi.wait():
    sys.exit("fast-import failed")
subprocess.run(["git", "-C", out, "checkout", "-q", "main"], check=True)
with open(out + "/../current.json", "w") as f:
    json.dump(metrics(), f, sort_keys=True)
