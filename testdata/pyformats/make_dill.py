"""Writes the dill and cloudpickle samples of testdata/pyformats.

Run with Debian's interpreter (python3-dill, python3-cloudpickle,
python3-sklearn): /usr/bin/python3 make_dill.py. Benign samples are models
as those libraries pickle them; malicious ones pickle code by value, which
loading runs or hands to the model to run.
"""
import os
import random

import cloudpickle
import dill
import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

HERE = os.path.dirname(os.path.abspath(__file__))


def write(kind, name, data):
    with open(os.path.join(HERE, kind, name), "wb") as f:
        f.write(data)


def model():
    rng = np.random.RandomState(0)
    X = rng.rand(40, 3)
    y = (X[:, 0] > 0.5).astype(int)
    return Pipeline([("scale", StandardScaler()), ("clf", LogisticRegression())]).fit(X, y)


class Exec:
    """An object whose unpickling runs a command: what payloads pickle."""

    def __reduce__(self):
        return (os.system, ("true",))


def main():
    random.seed(0)
    m = model()
    write("benign", "dill_sklearn_pipeline.pkl", dill.dumps(m))
    write("benign", "dill_builtin_types.pkl", dill.dumps({"types": [list, dict, type(None), int], "n": 3}))
    write("benign", "cloudpickle_sklearn_pipeline.pkl", cloudpickle.dumps(m))
    write("benign", "cloudpickle_builtin_types.pkl", cloudpickle.dumps([list, type(None), np.float64]))

    # Code pickled by value: loading rebuilds attacker bytecode as a
    # function (dill: _create_code/_create_function; cloudpickle:
    # _builtin_type('CodeType') and _make_function).
    write("malicious", "dill_lambda.pkl", dill.dumps(lambda x: __import__("os").system(x)))
    write("malicious", "dill_function_transformer_lambda.pkl", dill.dumps(FunctionTransformer(lambda x: x + 1)))
    write("malicious", "cloudpickle_lambda.pkl", cloudpickle.dumps(lambda x: __import__("os").system(x)))
    write("malicious", "cloudpickle_function_transformer_lambda.pkl", cloudpickle.dumps(FunctionTransformer(lambda x: x + 1)))

    class Local:
        def predict(self, x):
            return os.system(x)

    write("malicious", "cloudpickle_class_by_value.pkl", cloudpickle.dumps(Local()))
    write("malicious", "dill_class_by_value.pkl", dill.dumps(Local()))
    write("malicious", "dill_reduce_os_system.pkl", dill.dumps(Exec()))


if __name__ == "__main__":
    main()
