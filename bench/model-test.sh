#!/bin/sh
# model-test.sh - model-test against scikit-learn on the same predictions
#
#   sh bench/model-test.sh [ROWS]      (default 10000000)
#
# Writes ROWS binary predictions (y, yhat, p, country) to a temporary CSV,
# then times `model-test` computing every binary metric and 5 country
# slices, and /usr/bin/python3 (pandas.read_csv + scikit-learn, Debian's
# python3-sklearn) computing the same overall metrics. Prints both times
# and the peak memory (GNU time when installed).
set -eu
O=${O:-build}
N=${1:-${BENCH_ROWS:-10000000}}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
f=$tmp/preds.csv

/usr/bin/python3 - "$N" "$f" <<'PY'
import sys
import numpy as np
n, path = int(sys.argv[1]), sys.argv[2]
rng = np.random.default_rng(1)
p = np.round(rng.random(n), 4)
y = (rng.random(n) < p).astype(np.int8)
yhat = (p > 0.5).astype(np.int8)
country = np.array(["US", "FR", "DE", "JP", "BR"])[rng.integers(0, 5, n)]
with open(path, "w") as out:
    out.write("y,yhat,p,country\n")
    step = 1000000
    for i in range(0, n, step):
        j = min(n, i + step)
        out.write("".join(f"{a},{b},{c:.4f},{d}\n" for a, b, c, d in
                          zip(y[i:j], yhat[i:j], p[i:j], country[i:j])))
PY
echo "rows: $N, file: $(du -m "$f" | cut -f1) MB"

timer=""
[ -x /usr/bin/time ] && timer="/usr/bin/time -f %MKB"

t0=$(date +%s.%N)
$timer "$O"/bin/model-test --quiet --label y --pred yhat --proba p \
	--slice country --threshold 'roc_auc >= 0.5' \
	--metrics "$tmp/m.json" "$f" >/dev/null
t1=$(date +%s.%N)
echo "model-test: $(echo "$t1 - $t0" | bc) s (overall + 5 slices)"

t0=$(date +%s.%N)
$timer /usr/bin/python3 - "$f" <<'PY'
import sys
import pandas as pd
from sklearn import metrics as M
d = pd.read_csv(sys.argv[1])
y, yh, p = d.y.values, d.yhat.values, d.p.values
r = [M.accuracy_score(y, yh), M.balanced_accuracy_score(y, yh),
     M.precision_score(y, yh), M.recall_score(y, yh), M.f1_score(y, yh),
     M.matthews_corrcoef(y, yh), M.roc_auc_score(y, p),
     M.average_precision_score(y, p), M.log_loss(y, p),
     M.brier_score_loss(y, p)]
PY
t1=$(date +%s.%N)
echo "scikit-learn: $(echo "$t1 - $t0" | bc) s (overall only)"
python3 -c "import json; d = json.load(open('$tmp/m.json')); print('model-test roc_auc', d['roc_auc'])"
