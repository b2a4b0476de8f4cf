#!/usr/bin/python3
"""A real predict command for the tests of model-test's command mode.

    predict_cmd.py --write DIR
        writes DIR/test.csv (id, x0..x3, y: the held-out rows) and exits;
        numpy only, so it is quick
    predict_cmd.py [options] < rows > predictions
        trains a logistic regression (scikit-learn, fixed seed) on rows
        drawn as test.csv's are, reads feature rows from stdin (wire format
        of include/mlgate/predcmd.h) and writes one prediction per row

Options of the predict mode:
  --format csv|jsonl   input: a CSV header then rows, or JSON objects
                       (default csv)
  --output proba|label|both
                       [p0, p1] (default), the label 0 or 1, or
                       {"pred": label, "proba": [p0, p1]}
  --batch              read all of the input before answering (default:
                       answer each row at once, flushed)
  --expect FILE        check that row i is exactly row i of test.csv
                       (exit 4 naming the row when not) and write the
                       model's answers on test.csv's own values to FILE,
                       one "p0,p1,label" line a row, floats as repr()
  --exit-after N       exit with status 3 after answering N rows
  --too-few            write one line fewer than rows (the first is left
                       out when answering row by row, the last with
                       --batch)
  --garbage K          write 'abc' instead of prediction K (from 1)
  --sleep              sleep forever without reading anything
Floats are written with repr(), which round-trips.
"""
import argparse
import csv
import json
import os
import sys
import time

import numpy as np

FEATURES = ["x0", "x1", "x2", "x3"]


def draw(n, seed):
    """Rows with four decimals (exact in CSV) and a noisy linear label."""
    rng = np.random.RandomState(seed)
    X = np.round(rng.normal(size=(n, 4)), 4)
    w = np.array([1.5, -2.0, 0.5, 0.0])
    y = (X @ w + rng.normal(scale=0.8, size=n) > 0).astype(int)
    return X, y


def test_rows():
    return draw(100, 11)


def write(out):
    X, y = test_rows()
    with open(os.path.join(out, "test.csv"), "w") as f:
        f.write("id,x0,x1,x2,x3,y\n")
        for i, (row, lab) in enumerate(zip(X, y)):
            f.write("r%d,%s,%d\n" % (i, ",".join(repr(float(v))
                                                  for v in row), lab))


def rows(fmt):
    """Feature rows from stdin as lists of floats, as they arrive."""
    if fmt == "jsonl":
        for line in sys.stdin:
            obj = json.loads(line)
            yield [float(obj[n]) for n in FEATURES]
        return
    header = None
    for rec in csv.reader(sys.stdin):
        if header is None:
            header = rec
            idx = [header.index(n) for n in FEATURES]
            continue
        # an empty cell is a missing value
        yield [float(rec[i]) if rec[i] else float("nan") for i in idx]


def answer(model, row, output):
    X = np.array([row], dtype=float)
    p = [float(v) for v in model.predict_proba(X)[0]]
    lab = int(model.predict(X)[0])
    if output == "label":
        return str(lab), p, lab
    if output == "both":
        return json.dumps({"pred": lab, "proba": p}), p, lab
    return json.dumps(p), p, lab


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--write")
    ap.add_argument("--format", default="csv", choices=["csv", "jsonl"])
    ap.add_argument("--output", default="proba",
                    choices=["proba", "label", "both"])
    ap.add_argument("--batch", action="store_true")
    ap.add_argument("--expect")
    ap.add_argument("--exit-after", type=int)
    ap.add_argument("--too-few", action="store_true")
    ap.add_argument("--garbage", type=int)
    ap.add_argument("--sleep", action="store_true")
    a = ap.parse_args()
    if a.write:
        write(a.write)
        return 0
    if a.sleep:
        while True:
            time.sleep(3600)
    # imported here: --write and --sleep stay quick
    from sklearn.linear_model import LogisticRegression

    X, y = draw(300, 7)
    model = LogisticRegression(random_state=0).fit(X, y)
    own = test_rows()[0] if a.expect else None
    exp = open(a.expect, "w") if a.expect else None
    got = list(rows(a.format)) if a.batch else rows(a.format)
    lines = []
    for i, row in enumerate(got):
        if own is not None:
            if i >= len(own) or row != [float(v) for v in own[i]]:
                sys.stderr.write("predict_cmd.py: row %d differs: %r\n"
                                 % (i + 1, row))
                return 4
            _, p, lab = answer(model, list(own[i]), a.output)
            exp.write("%r,%r,%d\n" % (p[0], p[1], lab))
        text = answer(model, row, a.output)[0]
        if a.garbage == i + 1:
            text = "abc"
        lines.append(text)
        if not a.batch:
            if a.too_few and i == 0:
                continue  # the rest shift up: one line short at the end
            sys.stdout.write(text + "\n")
            sys.stdout.flush()
        if a.exit_after is not None and i + 1 >= a.exit_after:
            sys.stdout.flush()
            return 3
    if a.batch:
        if a.too_few:
            lines = lines[:-1]
        sys.stdout.write("".join(t + "\n" for t in lines))
    if exp:
        exp.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
