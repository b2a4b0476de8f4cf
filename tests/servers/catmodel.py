"""A model with a text feature, shared by oip_server.py and predict_cat.py.

Rows are x0, x1 (numbers with four decimals, exact in CSV) and color,
one of CATS: text, one of them with a comma, quotes and a non-ASCII
letter, so that CSV quoting and JSON strings are exercised end to end.
The model is a scikit-learn Pipeline: OneHotEncoder on color (a missing
or unknown color encodes as all zeros), then a logistic regression.
"""
import csv
import json
import os

import numpy as np
from sklearn import metrics as skm
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder

CATS = ["red", "green", "blue", 'S\u00e3o, "x"']
EFFECT = [1.5, 0.0, -1.5, 0.5]
FEATURES = ["x0", "x1", "color"]


def draw(n, seed):
    """n rows [x0, x1, color] (an object array) and their labels."""
    rng = np.random.RandomState(seed)
    x = np.round(rng.normal(size=(n, 2)), 4)
    c = rng.randint(0, len(CATS), size=n)
    z = 1.2 * x[:, 0] - 0.8 * x[:, 1] + np.array(EFFECT)[c]
    y = (z + rng.normal(scale=0.7, size=n) > 0).astype(int)
    X = np.empty((n, 3), dtype=object)
    X[:, 0] = x[:, 0]
    X[:, 1] = x[:, 1]
    X[:, 2] = [CATS[i] for i in c]
    return X, y


def train():
    enc = ColumnTransformer(
        [("color", OneHotEncoder(categories=[CATS], handle_unknown="ignore"),
          [2])], remainder="passthrough", sparse_threshold=0)
    X, y = draw(400, 5)
    return Pipeline([("enc", enc),
                     ("lr", LogisticRegression(random_state=0))]).fit(X, y)


def rows(cols):
    """An object array [n, 3] from columns by name: numbers as floats,
    color as str, or None when missing (None or "")."""
    n = len(cols["x0"])
    X = np.empty((n, 3), dtype=object)
    X[:, 0] = [float(v) for v in cols["x0"]]
    X[:, 1] = [float(v) for v in cols["x1"]]
    X[:, 2] = [v if v not in (None, "") else None for v in cols["color"]]
    return X


def reference(y, lab, p):
    """The metrics model-test must find, as scikit-learn computes them:
    on the predicted labels, and with the probabilities too."""
    ref = {
        "count": int(len(y)),
        "labels": {
            "accuracy": skm.accuracy_score(y, lab),
            "balanced_accuracy": skm.balanced_accuracy_score(y, lab),
            "matthews_corrcoef": skm.matthews_corrcoef(y, lab),
            "precision": skm.precision_score(y, lab),
            "recall": skm.recall_score(y, lab),
            "f1": skm.f1_score(y, lab),
        },
    }
    ref["proba"] = dict(ref["labels"])
    ref["proba"].update({
        "roc_auc": skm.roc_auc_score(y, p[:, 1]),
        "average_precision": skm.average_precision_score(y, p[:, 1]),
        "log_loss": skm.log_loss(y, p),
        "brier_score": skm.brier_score_loss(y, p[:, 1]),
    })
    return ref


def write_test(out):
    """DIR/test-cat.csv (id, x0, x1, color, y) and DIR/reference-cat.json,
    the model's metrics on those rows computed by scikit-learn."""
    model = train()
    X, y = draw(150, 9)
    path = os.path.join(out, "test-cat.csv")
    with open(path, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["id", "x0", "x1", "color", "y"])
        for i, (row, lab) in enumerate(zip(X, y)):
            w.writerow(["r%d" % i, repr(float(row[0])), repr(float(row[1])),
                        row[2], int(lab)])
    # scored on what the file holds, as the client will send it
    with open(path, newline="") as f:
        recs = list(csv.DictReader(f))
    X = rows({k: [r[k] for r in recs] for k in FEATURES})
    p = model.predict_proba(X)
    lab = model.predict(X)
    ref = reference(y, lab, p)
    with open(os.path.join(out, "reference-cat.json"), "w") as f:
        json.dump(ref, f, indent=1, sort_keys=True)
    return model
