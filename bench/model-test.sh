#!/bin/sh
# model-test.sh - model-test against scikit-learn on the same predictions
#
#   O=build sh bench/model-test.sh [ROWS]   (default BENCH_ROWS or 10 M)
#
# Writes ROWS binary predictions (y, yhat, p, country) once into
# $O/bench/preds-ROWS.csv (reused while its stamp matches), reads it into
# the page cache, then times in this one run, with /usr/bin/time (wall
# seconds, peak RSS):
#
#   - model-test on the overall metrics (no slices, no thresholds),
#   - model-test with the 5 country slices as well,
#   - /usr/bin/python3 with pandas.read_csv and scikit-learn (Debian's
#     python3-sklearn) computing the same overall metrics: accuracy,
#     balanced accuracy, precision, recall, f1, Matthews, ROC AUC, average
#     precision, log loss, Brier, and the ECE (numpy, the binning of
#     metrics_ml.h, as tests/fixtures/model-test/gen_expected.py).
#
# The scikit-learn script prints its metrics as JSON; every metric it has
# must equal model-test's (--metrics file) to 1e-9 relative, else a FAILED
# note. Prints a Markdown table with the ratio (scikit-learn seconds /
# model-test seconds, overall only). Exits 0 when every tool ran and the
# metrics agree, 1 otherwise, 2 on a usage error, 3 when the bench cannot
# run.
set -u
[ $# -gt 0 ] && BENCH_ROWS=$1
cd "$(dirname "$0")/.." || exit 3
work=${O:-build}/bench/model-test
. bench/lib.sh
mt=$O/bin/model-test
preds=$dir/preds-$ROWS.csv

gen='
import sys
import numpy as np
n, out = int(sys.argv[1]), sys.stdout
rng = np.random.default_rng(1)
p = np.round(rng.random(n), 4)
y = (rng.random(n) < p).astype(np.int8)
yhat = (p > 0.5).astype(np.int8)
country = np.array(["US", "FR", "DE", "JP", "BR"])[rng.integers(0, 5, n)]
out.write("y,yhat,p,country\n")
step = 1000000
for i in range(0, n, step):
    j = min(n, i + step)
    out.write("".join(f"{a},{b},{c:.4f},{d}\n" for a, b, c, d in
                      zip(y[i:j], yhat[i:j], p[i:j], country[i:j])))
'

sk='
import json
import sys
import numpy as np
import pandas as pd
from sklearn import metrics as M
d = pd.read_csv(sys.argv[1])
y, yh, p = d.y.values, d.yhat.values, d.p.values
r = {
    "count": len(y),
    "accuracy": M.accuracy_score(y, yh),
    "balanced_accuracy": M.balanced_accuracy_score(y, yh),
    "precision": M.precision_score(y, yh, zero_division=0),
    "recall": M.recall_score(y, yh, zero_division=0),
    "f1": M.f1_score(y, yh, zero_division=0),
    "matthews_corrcoef": M.matthews_corrcoef(y, yh),
    "roc_auc": M.roc_auc_score(y, p),
    "average_precision": M.average_precision_score(y, p),
    "log_loss": M.log_loss(y, p),
    "brier_score": M.brier_score_loss(y, p),
}
# ECE: 10 equal-width bins, bin = min(floor(10 p), 9), P(positive) against
# the positive rate (metrics_ml.h)
b = np.minimum(np.floor(p * 10).astype(int), 9)
wk = np.bincount(b, minlength=10).astype(float)
hk = np.bincount(b, weights=(y == 1).astype(float), minlength=10)
pk = np.bincount(b, weights=p, minlength=10)
m = wk > 0
r["ece"] = float((wk[m] / len(y) * np.abs(hk[m] / wk[m] - pk[m] / wk[m])).sum())
print(json.dumps({k: float(v) if k != "count" else int(v)
                  for k, v in r.items()}, sort_keys=True))
'

# The metrics scikit-learn printed ($1) against model-test's file ($2):
# one "FAILED:" line per metric that differs by more than 1e-9 relative
# or is missing, nothing when all agree.
compare='
import json, sys
sk, mt = json.loads(open(sys.argv[1]).read()), json.load(open(sys.argv[2]))
for k, v in sorted(sk.items()):
    if k not in mt:
        print(f"FAILED: metric {k}: missing from model-test (sklearn {v!r})")
    elif abs(mt[k] - v) > 1e-9 * max(abs(v), abs(mt[k])):
        print(f"FAILED: metric {k}: model-test {mt[k]!r}, sklearn {v!r}")
print(f"checked: {len(sk)} metrics, {sys.argv[3]}", file=sys.stderr)
'

# have_sklearn: as have_pandas, for python3-sklearn.
have_sklearn() {
	"$py" -c 'import sklearn' 2>/dev/null && return 0
	install python3-sklearn
	"$py" -c 'import sklearn' 2>/dev/null
}

if ! "$py" -c 'import numpy' 2>/dev/null; then
	install python3-numpy ||
		{ echo "bench: python3-numpy is missing" >&2 && exit 3; }
fi
cached "$preds" "$ROWS $(echo "$gen" | cksum)" "$py" -c "$gen" "$ROWS"

if [ ! -x "$mt" ]; then
	note "FAILED: model-test ($mt is not built)"
	failed=1
fi
skver=
have_pandas && have_sklearn &&
	skver=$("$py" -c 'import sklearn; print(sklearn.__version__)')
while rounds; do
	if [ -x "$mt" ]; then
		timed mt "model-test" "" "$mt" --quiet --label y --pred yhat \
			--proba p --metrics "$work/mt.json" "$preds"
		timed mts "model-test, 5 slices" "" "$mt" --quiet --label y \
			--pred yhat --proba p --slice country \
			--metrics "$work/mts.json" "$preds"
	fi
	[ -n "$skver" ] && timed sk "scikit-learn $skver" "" \
		"$py" -c "$sk" "$preds"
done
if [ -n "$skver" ]; then
	for t in mt mts; do
		[ -s "$work/$t.json" ] && [ -s "$work/sk.out" ] || continue
		"$py" -c "$compare" "$work/sk.out" "$work/$t.json" "$t" \
			>"$work/$t.cmp" 2>>"$notes"
		if [ -s "$work/$t.cmp" ]; then
			cat "$work/$t.cmp" >>"$notes"
			failed=1
		fi
	done
else
	note "FAILED: scikit-learn (python3-sklearn missing; as root:" \
		"apt-get install python3-sklearn python3-pandas)"
	failed=1
fi

printf 'model-test bench: %s rows, %s bytes, %s, warm cache,\n' \
	"$ROWS" "$bytes" "$machine"
printf 'the fastest of %s runs of each command, run in turn\n\n' "$runs"
results sk sklearn "" mts
printf '\nvs sklearn = scikit-learn seconds / tool seconds, the same'
printf ' overall metrics (the slices row does more work: no ratio)\n'
printf 'MB = 10^6 bytes; RSS MB = peak resident set\n'
finish
