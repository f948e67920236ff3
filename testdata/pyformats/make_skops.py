"""Writes the skops samples of testdata/pyformats.

Debian has no python3-skops and the build machine has no package index, so
the benign samples are written by skops's own dump() run from its source
(github.com/skops-dev/skops at 50d3165, PYTHONPATH pointing at a checkout)
with Debian's scikit-learn 1.2 and numpy 1.24 (too old for skops to dump a
numpy Generator, whose seed_seq attribute came later):

    PYTHONPATH=/path/to/skops /usr/bin/python3 make_skops.py

The malicious samples are real dumps whose schema.json is then edited the
way published payloads are (the CVE-2024-37065, CVE-2025-54412 and
CVE-2025-54413 advisories): a node's loader, module or class replaced.
"""
import io
import json
import operator
import os
import zipfile

import numpy as np
import scipy.sparse
from sklearn.ensemble import GradientBoostingClassifier, RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

import skops
import skops.io as sio

HERE = os.path.dirname(os.path.abspath(__file__))


def path(kind, name):
    return os.path.join(HERE, kind, name)


def data():
    rng = np.random.RandomState(0)
    X = rng.rand(60, 4)
    y = (X[:, 0] + X[:, 1] > 1).astype(int)
    return X, y


def benign():
    # No FunctionTransformer here: modelgate judges it as the pickle
    # allowlist does (a wrapper that calls its func on transform, high),
    # and numpy ufuncs such as log1p are not on the allowlist.
    X, y = data()
    sio.dump(LogisticRegression().fit(X, y), path("benign", "skops_logistic_regression.skops"))
    pipe = Pipeline([
        ("scale", StandardScaler()),
        ("forest", RandomForestClassifier(n_estimators=3, max_depth=3, random_state=0)),
    ]).fit(X, y)
    sio.dump(pipe, path("benign", "skops_pipeline_forest.skops"))
    sio.dump(GradientBoostingClassifier(n_estimators=3, random_state=0).fit(X, y),
             path("benign", "skops_gradient_boosting.skops"))
    sio.dump({"legacy": np.random.RandomState(0),
              "sparse": scipy.sparse.random(4, 4, density=0.5, format="csr", random_state=0),
              "dtype": np.dtype("float32"), "scalar": np.float64(1.5)},
             path("benign", "skops_numpy_scipy_objects.skops"))
    # BytesNode and BytearrayNode members (<uuid>.bin) hold raw bytes that
    # skops reads as bytes and never loads.
    sio.dump({"raw": bytes(range(64)), "buf": bytearray(b"abc")}, path("benign", "skops_bytes_members.skops"))


def rewrite(src, dst, edit):
    """Copies the skops zip src to dst with schema.json changed by edit."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            raw = zin.read(info.filename)
            if info.filename == "schema.json":
                schema = json.loads(raw)
                edit(schema)
                raw = json.dumps(schema, indent=2).encode()
            zout.writestr(info.filename, raw)


def nodes(state):
    """Yields every node of a schema."""
    if isinstance(state, dict):
        if "__loader__" in state:
            yield state
        for v in state.values():
            yield from nodes(v)
    elif isinstance(state, list):
        for v in state:
            yield from nodes(v)


def function_node(schema, module, name):
    for n in nodes(schema):
        if n["__loader__"] == "FunctionNode":
            n["__module__"], n["__class__"] = module, name
            return
    raise SystemExit("no FunctionNode")


def malicious():
    X, y = data()
    ft = FunctionTransformer(np.log1p)
    sio.dump(ft, "/tmp/skops_ft.skops")
    # A FunctionTransformer whose func is builtins.eval: transform() calls it.
    rewrite("/tmp/skops_ft.skops", path("malicious", "skops_function_eval.skops"),
            lambda s: function_node(s, "builtins", "eval"))
    # Protocol 0 FunctionNode: skops imports content.module_path/function.
    def proto0(s):
        s["protocol"] = 0
        for n in nodes(s):
            if n["__loader__"] == "FunctionNode":
                n["content"] = {"module_path": "os", "function": "system"}
    rewrite("/tmp/skops_ft.skops", path("malicious", "skops_function_protocol0_os_system.skops"), proto0)

    sio.dump(LogisticRegression().fit(X, y), "/tmp/skops_lr.skops")
    # ObjectNode of a class no allowlist knows.
    def unknown(s):
        s["__module__"], s["__class__"] = "evilpkg.models", "Backdoor"
    rewrite("/tmp/skops_lr.skops", path("malicious", "skops_unknown_class.skops"), unknown)

    # ConstructorFromReduceNode calling os.system("id") at load.
    def reduce_system(s):
        s["content"]["content"]["payload"] = {
            "__class__": "system", "__module__": "os", "__loader__": "ConstructorFromReduceNode",
            "content": {"__class__": "tuple", "__module__": "builtins", "__loader__": "TupleNode",
                        "content": [{"__class__": "str", "__module__": "builtins", "__loader__": "JsonNode",
                                     "content": "\"id\"", "is_json": True}]}}
    rewrite("/tmp/skops_lr.skops", path("malicious", "skops_reduce_os_system.skops"), reduce_system)

    # OperatorFuncNode: operator.methodcaller("system", "id") (CVE-2025-54412).
    sio.dump({"op": operator.methodcaller("lower")}, "/tmp/skops_op.skops")
    rewrite("/tmp/skops_op.skops", path("malicious", "skops_operator_methodcaller.skops"), lambda s: None)

    # MethodNode binding a dunder of a trusted object (CVE-2025-54413).
    sio.dump({"m": StandardScaler().fit(X).transform}, "/tmp/skops_m.skops")
    def dunder(s):
        for n in nodes(s):
            if n["__loader__"] == "MethodNode":
                n["content"]["func"] = "__reduce_ex__"
    rewrite("/tmp/skops_m.skops", path("malicious", "skops_method_dunder.skops"), dunder)

    # A loader skops does not define.
    def loader(s):
        s["__loader__"] = "EvalNode"
    rewrite("/tmp/skops_lr.skops", path("malicious", "skops_unknown_loader.skops"), loader)


if __name__ == "__main__":
    print("skops", skops.__version__)
    benign()
    malicious()
