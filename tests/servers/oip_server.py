#!/usr/bin/python3
"""A real model server for the endpoint tests of model-test.

    oip_server.py DIR

Trains a logistic regression (scikit-learn, fixed seed) at start-up,
writes DIR/test.csv (the held-out rows: id, x0..x3, y) and
DIR/reference.json (the model's own metrics on them, computed here by
scikit-learn), and the same for the model "cat" with a text feature
(catmodel.py: DIR/test-cat.csv, DIR/reference-cat.json), binds 127.0.0.1
on a free port, prints the port on a line of its own and serves until
its standard input closes or SIGTERM.

Protocols (HTTP/1.1, keep-alive):
  GET  /v2/health/ready, /v2/models/M/ready      200, or 404 unknown M
  POST /v2/models/M/infer      OIP v2: one FP64 input [n, 4] ->
                               outputs "probabilities" FP64 [n, 2] and
                               "label" INT64 [n]
  GET  /v1/models/M            TF Serving status
  POST /v1/models/M:predict    {"instances": [[...], ...]} ->
                               {"predictions": [[p0, p1], ...]}
  GET  /ping; POST /invocations  MLflow dataframe_split -> labels
Model names (any protocol) choose the behaviour:
  lr        the model
  slow      the model, after 3 s
  flaky     503 twice (per protocol path), then the model
  drop      closes the connection without an answer
  err       400 {"error": "input 'input' has shape [n, 4], expected ..."}
  notready  exists, but its ready route answers 503
  auth      the model, but every route of it (ready, infer) answers 401
            {"error": "unauthorized"} without the header
            "Authorization: Bearer s3cret-token"
  cat       catmodel.py's model of x0, x1 (numbers) and color (text):
            v2 one input per column, x0 and x1 FP64 [n, 1], color BYTES
            [n, 1] (anything else is a 400); TF Serving instances as
            objects {"x0": .., "x1": .., "color": ".."}; MLflow when the
            columns are x0, x1 and color, a null color being missing
"""
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression

import catmodel

MODELS = ("lr", "slow", "flaky", "drop", "err", "notready", "auth", "cat")
TOKEN = "Bearer s3cret-token"
ERROR = "model 'err' is broken: cannot run inference"


def train(out):
    X, y = make_classification(n_samples=400, n_features=4, n_informative=3,
                               n_redundant=0, flip_y=0.1, random_state=7)
    # four decimals keep the CSV exact: what the client parses is what
    # the model was scored on here
    X = np.round(X, 4)
    model = LogisticRegression(random_state=0).fit(X[:200], y[:200])
    Xt, yt = X[200:], y[200:]
    with open(os.path.join(out, "test.csv"), "w") as f:
        f.write("id,x0,x1,x2,x3,y\n")
        for i, (row, lab) in enumerate(zip(Xt, yt)):
            f.write("r%d,%s,%d\n" % (i, ",".join(repr(float(v))
                                                  for v in row), lab))
    Xt = np.loadtxt(os.path.join(out, "test.csv"), delimiter=",",
                    skiprows=1, usecols=(1, 2, 3, 4))
    p = model.predict_proba(Xt)
    lab = model.predict(Xt)
    ref = catmodel.reference(yt, lab, p)
    with open(os.path.join(out, "reference.json"), "w") as f:
        json.dump(ref, f, indent=1, sort_keys=True)
    return model


MODEL = train(sys.argv[1] if len(sys.argv) > 1 else ".")
CAT = catmodel.write_test(sys.argv[1] if len(sys.argv) > 1 else ".")


def v2_columns(inputs):
    """The cat model's inputs: one [n, 1] tensor a column."""
    got = {t["name"]: t for t in inputs}
    want = {"x0": "FP64", "x1": "FP64", "color": "BYTES"}
    if sorted(got) != sorted(want):
        raise ValueError("expected inputs x0, x1 and color, got %s"
                         % ", ".join(t["name"] for t in inputs))
    for name, dt in want.items():
        t = got[name]
        if t["datatype"] != dt or len(t["shape"]) != 2 or \
                t["shape"][1] != 1 or t["shape"][0] != len(t["data"]):
            raise ValueError("input %s: expected %s [n, 1]" % (name, dt))
        if dt == "BYTES" and not all(isinstance(v, str) for v in t["data"]):
            raise ValueError("input color: expected strings")
    return catmodel.rows({k: got[k]["data"] for k in want})


def cat_outputs(name, req, X):
    prob = CAT.predict_proba(X)
    lab = CAT.predict(X)
    return {"model_name": name, "id": req.get("id", ""), "outputs": [
        {"name": "probabilities", "datatype": "FP64",
         "shape": list(prob.shape),
         "data": [float(v) for v in prob.ravel()]},
        {"name": "label", "datatype": "INT64", "shape": [len(lab)],
         "data": [int(v) for v in lab]}]}
LOCK = threading.Lock()
FLAKY = {}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, code, obj=None):
        body = b"" if obj is None else json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        p = self.path
        if p in ("/v2/health/ready", "/v2/health/live", "/ping"):
            return self.reply(200)
        name = None
        if p.startswith("/v2/models/") and p.endswith("/ready"):
            name = p[len("/v2/models/"):-len("/ready")]
        elif p.startswith("/v1/models/"):
            name = p[len("/v1/models/"):]
        if name == "auth" and self.headers.get("Authorization") != TOKEN:
            return self.reply(401, {"error": "unauthorized"})
        if name in MODELS and name != "notready":
            if p.startswith("/v1/"):
                return self.reply(200, {"model_version_status": [
                    {"version": "1", "state": "AVAILABLE"}]})
            return self.reply(200)
        if name == "notready":
            return self.reply(503)
        return self.reply(404, {"error": "model '%s' not found" % name})

    def fault(self, name, key):
        """Answer for the fault models; True when answered."""
        if name == "slow":
            time.sleep(3)
        elif name == "flaky":
            with LOCK:
                FLAKY[key] = FLAKY.get(key, 0) + 1
                n = FLAKY[key]
            if n <= 2:
                self.reply(503, {"error": "overloaded"})
                return True
        elif name == "drop":
            self.close_connection = True
            self.connection.shutdown(2)
            return True
        elif name == "err":
            self.reply(400, {"error": ERROR})
            return True
        elif name == "auth" and self.headers.get("Authorization") != TOKEN:
            self.reply(401, {"error": "unauthorized"})
            return True
        return False

    def do_POST(self):
        n = int(self.headers.get("Content-Length", 0))
        try:
            req = json.loads(self.rfile.read(n))
        except ValueError as e:
            return self.reply(400, {"error": "bad JSON: %s" % e})
        p = self.path
        try:
            if p.startswith("/v2/models/") and p.endswith("/infer"):
                name = p[len("/v2/models/"):-len("/infer")]
                if name not in MODELS:
                    return self.reply(404, {"error": "no model " + name})
                if self.fault(name, "v2"):
                    return
                if name == "cat":
                    X = v2_columns(req["inputs"])
                    return self.reply(200, cat_outputs(name, req, X))
                t = req["inputs"][0]
                if t["datatype"] != "FP64" or len(t["shape"]) != 2:
                    raise ValueError("expected one FP64 [n, 4] input")
                X = np.array(t["data"], dtype=float).reshape(t["shape"])
                prob = MODEL.predict_proba(X)
                lab = MODEL.predict(X)
                return self.reply(200, {
                    "model_name": name, "id": req.get("id", ""),
                    "outputs": [
                        {"name": "probabilities", "datatype": "FP64",
                         "shape": list(prob.shape),
                         "data": [float(v) for v in prob.ravel()]},
                        {"name": "label", "datatype": "INT64",
                         "shape": [len(lab)],
                         "data": [int(v) for v in lab]}]})
            if p.startswith("/v1/models/") and p.endswith(":predict"):
                name = p[len("/v1/models/"):-len(":predict")]
                if self.fault(name, "tf"):
                    return
                if name == "cat":
                    inst = req["instances"]
                    if not all(isinstance(r, dict) for r in inst):
                        raise ValueError("expected objects as instances")
                    X = catmodel.rows({k: [r[k] for r in inst]
                                       for k in catmodel.FEATURES})
                    return self.reply(200, {"predictions":
                                            CAT.predict_proba(X).tolist()})
                X = np.array(req["instances"], dtype=float)
                prob = MODEL.predict_proba(X)
                return self.reply(200, {"predictions": prob.tolist()})
            if p == "/invocations":
                name = self.headers.get("X-Model", "lr")
                if self.fault(name, "mlflow"):
                    return
                ds = req["dataframe_split"]
                if ds["columns"] == catmodel.FEATURES:
                    X = catmodel.rows({k: [r[i] for r in ds["data"]]
                                       for i, k in enumerate(ds["columns"])})
                    return self.reply(200, {"predictions": [
                        int(v) for v in CAT.predict(X)]})
                X = np.array(ds["data"], dtype=float)
                lab = MODEL.predict(X)
                return self.reply(200, {
                    "predictions": [int(v) for v in lab]})
        except (KeyError, ValueError, TypeError, IndexError) as e:
            return self.reply(400, {"error": "bad request: %s" % e})
        return self.reply(404, {"error": "no route " + p})


def main():
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    print(srv.server_address[1], flush=True)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        sys.stdin.read()
    except KeyboardInterrupt:
        pass
    os._exit(0)


if __name__ == "__main__":
    main()
