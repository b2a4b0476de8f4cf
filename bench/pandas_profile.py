#!/usr/bin/python3
"""pandas_profile.py - the pandas peer of `data-validate profile` for the bench

    pandas_profile.py [-o OUT.json] FILE

What a pandas user writes for the profile data-validate makes in one pass:
pandas.read_csv, then DataFrame.describe(include="all") (count, unique,
top, freq, mean, std, min, quartiles, max), nunique() (exact distinct
counts), value_counts().head(10) per column (the top values), and the
quantiles 0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99 of the numeric columns.
Everything is computed (and, with -o, written as JSON, to keep pandas
from skipping work); prints "ROWS rows, COLS columns profiled" so the
bench can check that it ran. Exit 0, 2 on a usage error, 3 when FILE
cannot be read as CSV.
"""
import argparse
import json
import sys

import pandas as pd

QUANTILES = [0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-o", "--output", help="write the profile as JSON")
    ap.add_argument("file")
    a = ap.parse_args()
    try:
        df = pd.read_csv(a.file)
    except (OSError, ValueError, pd.errors.ParserError) as e:
        print("pandas_profile: cannot read %r: %s" % (a.file, e),
              file=sys.stderr)
        return 3
    desc = df.describe(include="all")
    distinct = df.nunique()
    top = {c: df[c].value_counts().head(10) for c in df.columns}
    num = df.select_dtypes("number")
    quant = num.quantile(QUANTILES)
    if a.output:
        out = {
            "rows": len(df),
            "describe": json.loads(desc.to_json()),
            "distinct": {c: int(n) for c, n in distinct.items()},
            "top": {c: [[str(k), int(v)] for k, v in t.items()]
                    for c, t in top.items()},
            "quantiles": json.loads(quant.to_json()),
        }
        with open(a.output, "w") as f:
            json.dump(out, f, indent=1)
    print("%d rows, %d columns profiled" % (len(df), len(df.columns)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
