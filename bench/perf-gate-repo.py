#!/usr/bin/python3
"""perf-gate-repo.py DIR COMMITS METRICS RECORDS - the perf-gate bench repo

Creates a git repository in DIR (which must not exist) with COMMITS
commits on main, each changing metrics.json (METRICS metrics under
"model"), written in one `git fast-import` run; then refs/mlgate/history,
one commit whose history.jsonl holds RECORDS records (as `perf-gate
record` writes them) for the last RECORDS commits of main. Also writes
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
    lines.append(json.dumps(rec, separators=(",", ":")))
git = ["git", "-C", out]
blob = subprocess.run(git + ["hash-object", "-w", "--stdin"], check=True,
                      input="\n".join(lines) + "\n", capture_output=True,
                      text=True).stdout.strip()
tree = subprocess.run(git + ["mktree"], check=True, capture_output=True,
                      text=True,
                      input="100644 blob %s\thistory.jsonl\n" % blob
                      ).stdout.strip()
cenv = dict(env, GIT_AUTHOR_NAME="bench", GIT_AUTHOR_EMAIL="b@example.com",
            GIT_COMMITTER_NAME="bench", GIT_COMMITTER_EMAIL="b@example.com")
commit = subprocess.run(git + ["commit-tree", tree, "-m", "history"],
                        check=True, capture_output=True, text=True,
                        env=cenv).stdout.strip()
subprocess.run(git + ["update-ref", "refs/mlgate/history", commit],
               check=True)
subprocess.run(git + ["checkout", "-q", "main"], check=True)
with open(out + "/../current.json", "w") as f:
    json.dump(metrics(), f, sort_keys=True)
