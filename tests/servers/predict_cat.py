#!/usr/bin/python3
"""A predict command with a text feature, for model-test's command mode.

    predict_cat.py --write DIR
        writes DIR/test-cat.csv and DIR/reference-cat.json (catmodel.py)
    predict_cat.py [--format csv|jsonl] < rows > predictions
        reads rows of x0, x1 and color (wire format of
        include/mlgate/predcmd.h: a missing color is an empty CSV cell
        or null, and encodes as no color) and writes [p0, p1] a row,
        floats with repr(), after reading all of its input
A missing or non-numeric x0 or x1 is an error (exit 4, naming the row).
"""
import argparse
import csv
import json
import sys

import catmodel


def read(fmt):
    """The columns of the input, by name, as text or None."""
    if fmt == "jsonl":
        recs = [json.loads(line) for line in sys.stdin if line.strip()]
    else:
        recs = list(csv.DictReader(sys.stdin))
    return {k: [r[k] for r in recs] for k in catmodel.FEATURES}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--write")
    ap.add_argument("--format", default="csv", choices=["csv", "jsonl"])
    a = ap.parse_args()
    if a.write:
        catmodel.write_test(a.write)
        return 0
    model = catmodel.train()
    cols = read(a.format)
    for i, (x0, x1) in enumerate(zip(cols["x0"], cols["x1"])):
        try:
            float(x0), float(x1)
        except (TypeError, ValueError):
            sys.stderr.write("predict_cat.py: row %d: x0 or x1 is not a "
                             "number\n" % (i + 1))
            return 4
    p = model.predict_proba(catmodel.rows(cols))
    sys.stdout.write("".join("[%r, %r]\n" % (float(a), float(b))
                             for a, b in p))
    return 0


if __name__ == "__main__":
    sys.exit(main())
