"""Writes the differential test's seed files: np.save output of many
dtypes (numeric, flexible, datetime, structured, nested, titled, padded,
subarray and object), each with two elements, into testdata/seeds/.
Run with /usr/bin/python3 (numpy 1.24) from formats/numpy."""
import os

import numpy as np

DTYPES = {
    "f8": "<f8", "f4be": ">f4", "b1": "?", "i1": "i1", "u8": "<u8", "f2": "<f2", "g": "g",
    "c8": "<c8", "c32": "G", "S5": "S5", "U3": "<U3", "V8": "V8", "M8ns": "<M8[ns]",
    "m8": "<m8", "M8D": "M8[D]", "M8_25s": "M8[25s]", "O": "O",
    "struct": [("a", "<i4"), ("b", "<f8")],
    "struct_obj": [("a", "<i4"), ("b", "O")],
    "struct_sub": [("x", "<f8", (2, 3)), ("y", "u1")],
    "struct_subobj": [("x", "O", (2,)), ("y", "u1")],
    "nested": [("a", [("b", "<i2"), ("c", "O")]), ("d", "S3")],
    "titled": [(("title a", "a"), "<i4"), ("b", "<f4")],
    "padded": {"names": ["a", "b"], "formats": ["<i4", "<f8"], "offsets": [0, 8], "itemsize": 24},
    "aligned": np.dtype([("a", "u1"), ("b", "<f8")], align=True),
    "unicode_name": [("é", "<i2")],
    "comma": "i4,O",
    "subarray": ("<i4", (3,)),
}

# np.save picks format 1.0, or 2.0/3.0 when the header needs it.
FORCED = {"v2": (2, 0), "v3": (3, 0)}


def main():
    out = os.path.join(os.path.dirname(__file__) or ".", "seeds")
    os.makedirs(out, exist_ok=True)
    for name, spec in DTYPES.items():
        dt = np.dtype(spec)
        arr = np.zeros(2, dtype=dt)
        np.save(os.path.join(out, name + ".npy"), arr, allow_pickle=True)
    arr = np.zeros((2, 3), dtype="<f4", order="F")
    np.save(os.path.join(out, "fortran.npy"), arr)
    np.save(os.path.join(out, "scalar.npy"), np.float64(1.5))
    np.save(os.path.join(out, "empty.npy"), np.zeros((0, 4), dtype="<i8"))
    for tag, version in FORCED.items():
        with open(os.path.join(out, tag + ".npy"), "wb") as fp:
            np.lib.format.write_array(fp, np.zeros(2, dtype=[("a", "<i4"), ("b", "O")]),
                                      version=version, allow_pickle=True)


if __name__ == "__main__":
    main()
