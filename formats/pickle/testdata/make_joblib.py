"""Writes the joblib samples of formats/pickle's tests with Debian's joblib.

Run with /usr/bin/python3 from this directory. Arrays are written by
joblib.dump itself (inline raw data, alignment padding, object arrays);
joblib_payload_after_arrays.pkl appends an inert os.system payload pickle
after the dumped data to check the machine finds it.
"""
import os
import pickle

import joblib
import numpy as np

here = os.path.dirname(os.path.abspath(__file__))


def dump(name, obj, **kw):
    joblib.dump(obj, os.path.join(here, name), **kw)


data = {
    "ints": np.arange(10, dtype=np.int64),
    "floats": np.linspace(0, 1, 7, dtype=np.float32),
    "matrix": np.ones((3, 4), dtype=np.float64, order="F"),
    "objects": np.array(["a", 1, None], dtype=object),
    "structured": np.zeros(3, dtype=[("x", "<i4"), ("y", "<f8")]),
    "strings": np.array(["ab", "cde"]),
    "empty": np.zeros((0, 5)),
    "scalar": np.float64(2.5),
}
dump("joblib_arrays_p2.pkl", data, protocol=2)
dump("joblib_arrays_p4.pkl", data, protocol=4)
dump("joblib_arrays_p5.pkl", data, protocol=5)


class Payload:
    def __reduce__(self):
        return (os.system, ("echo pwned",))


path = os.path.join(here, "joblib_payload_after_arrays.pkl")
dump("joblib_payload_after_arrays.pkl", {"w": np.arange(4.0)}, protocol=4)
with open(path, "ab") as f:
    f.write(pickle.dumps(Payload(), protocol=4))
