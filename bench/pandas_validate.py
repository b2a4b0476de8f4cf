#!/usr/bin/python3
"""pandas_validate.py - the pandas peer of data-validate for `make bench`

    pandas_validate.py --schema SCHEMA [--verbose] FILE

Reads FILE with pandas.read_csv and checks it against a Frictionless Table
Schema with vectorised pandas operations, the way a pandas user would write
it: types through the dtypes read_csv infers (or to_numeric/to_datetime
with errors="coerce" and an isna count), then required, minimum/maximum,
enum (isin), pattern (str.fullmatch), minLength/maxLength (str.len) and
unique (duplicated). Prints "ROWS rows, N errors" and exits 0 when N is 0,
1 when it is not, 2 on a usage or schema problem, 3 when FILE cannot be
read as CSV (missing, empty, not UTF-8, ragged rows).

Errors are counted as data-validate counts them: one per cell for a
missing required value or a value of the wrong type, else one per cell and
failed constraint; a header that does not match the field names is one
error per differing position. Only the schema features bench/schema.json
uses are supported; anything else is refused, not silently ignored.

Known approximation: an integer column that holds empty cells is read as
float64 by pandas, so "7.0" passes as an integer there.
"""
import argparse
import json
import sys

import numpy as np
import pandas as pd

TYPES = {"integer", "number", "string", "boolean", "date"}
CONSTRAINTS = {"required", "unique", "minimum", "maximum", "enum", "pattern",
               "minLength", "maxLength"}
TRUE_VALUES = ["true", "True", "TRUE", "1"]
FALSE_VALUES = ["false", "False", "FALSE", "0"]


def fail(msg):
    print("pandas_validate: " + msg, file=sys.stderr)
    sys.exit(2)


def load_schema(path):
    try:
        with open(path, encoding="utf-8") as f:
            schema = json.load(f)
    except (OSError, ValueError) as e:
        fail("cannot read schema '%s': %s" % (path, e))
    for field in schema.get("fields", []):
        kind = field.get("type", "string")
        if kind not in TYPES:
            fail("unsupported type '%s'" % kind)
        if field.get("format", "default") != "default":
            fail("unsupported format '%s'" % field["format"])
        for c in field.get("constraints", {}):
            if c not in CONSTRAINTS:
                fail("unsupported constraint '%s'" % c)
    return schema


def as_number(s, notnull):
    """Values as numbers and the mask of cells that are not numbers."""
    if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
        return s, pd.Series(False, index=s.index)
    num = pd.to_numeric(s, errors="coerce")
    return num, notnull & num.isna()


def check_type(s, kind, notnull):
    """The cells' values (for constraints) and the type-error mask."""
    if kind == "integer":
        vals, bad = as_number(s, notnull)
        if not pd.api.types.is_integer_dtype(vals):
            frac = notnull & ~bad & ((vals % 1 != 0) | ~np.isfinite(vals))
            bad = bad | frac
        return vals, bad
    if kind == "number":
        return as_number(s, notnull)
    if kind == "boolean":
        if pd.api.types.is_bool_dtype(s):
            return s, pd.Series(False, index=s.index)
        ok = s.astype(str).isin(TRUE_VALUES + FALSE_VALUES)
        return s, notnull & ~ok
    if kind == "date":
        vals = pd.to_datetime(s, format="%Y-%m-%d", errors="coerce")
        return vals, notnull & vals.isna()
    return s, pd.Series(False, index=s.index)


def as_text(v):
    return v if pd.api.types.is_object_dtype(v) else v.astype(str)


def bound(kind, v):
    return pd.Timestamp(v) if kind == "date" else v


def check_field(s, field):
    """Error count of one column, and a per-check breakdown."""
    kind = field.get("type", "string")
    cons = field.get("constraints", {})
    notnull = s.notna()
    counts = {}

    if cons.get("required"):
        counts["required"] = int((~notnull).sum())
    vals, bad = check_type(s, kind, notnull)
    counts["type"] = int(bad.sum())
    # Constraints apply to the cells that hold a value of the right type.
    good = notnull & ~bad
    v = vals[good]
    if "minimum" in cons:
        counts["minimum"] = int((v < bound(kind, cons["minimum"])).sum())
    if "maximum" in cons:
        counts["maximum"] = int((v > bound(kind, cons["maximum"])).sum())
    if "enum" in cons:
        counts["enum"] = int((~v.isin(cons["enum"])).sum())
    if "pattern" in cons:
        ok = as_text(v).str.fullmatch(cons["pattern"])
        counts["pattern"] = int((~ok.astype(bool)).sum())
    if "minLength" in cons or "maxLength" in cons:
        n = as_text(v).str.len()
        if "minLength" in cons:
            counts["minLength"] = int((n < cons["minLength"]).sum())
        if "maxLength" in cons:
            counts["maxLength"] = int((n > cons["maxLength"]).sum())
    if cons.get("unique"):
        counts["unique"] = int(v.duplicated().sum())
    return counts


def main():
    ap = argparse.ArgumentParser(description="Validate a CSV file against "
                                 "a Table Schema with pandas.")
    ap.add_argument("--schema", required=True)
    ap.add_argument("--verbose", action="store_true",
                    help="print the error count of every field and check")
    ap.add_argument("file")
    args = ap.parse_args()

    schema = load_schema(args.schema)
    fields = schema.get("fields", [])
    names = [f["name"] for f in fields]
    # Strings and dates stay text so pandas does not reinterpret them
    # ("NA", "1e3"); only the schema's missing values become NaN.
    text = {f["name"]: str for f in fields
            if f.get("type", "string") in ("string", "date")}
    try:
        df = pd.read_csv(args.file, dtype=text, keep_default_na=False,
                         na_values=schema.get("missingValues", [""]),
                         true_values=TRUE_VALUES[:3],
                         false_values=FALSE_VALUES[:3],
                         encoding="utf-8")
    except (OSError, ValueError) as e:
        print("pandas_validate: cannot read '%s': %s" % (args.file, e),
              file=sys.stderr)
        sys.exit(3)

    header = list(df.columns)
    errors = sum(1 for i in range(max(len(header), len(names)))
                 if i >= len(header) or i >= len(names)
                 or header[i] != names[i])
    if errors and args.verbose:
        print("header: %d" % errors)
    for field in fields:
        if field["name"] not in df.columns:
            continue
        counts = check_field(df[field["name"]], field)
        errors += sum(counts.values())
        if args.verbose:
            print("%s: %s" % (field["name"], " ".join(
                "%s=%d" % kv for kv in counts.items())))
    print("%d rows, %d errors" % (len(df), errors))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
