"""Oracle for modelgate's .npy differential test: reads each file named on
stdin (one path a line) the way numpy 1.24's np.load(allow_pickle=True)
does and prints one JSON line per file.

For each file: read_magic + _check_version + _read_array_header (with the
header-size limit lifted, as allow_pickle=True lifts it), then, when the
dtype holds objects, np.load(allow_pickle=True) itself, with the data a
pickle that calls __main__.mark: "reached" says whether the loader called
it. Nothing else in the files is executed: the headers are parsed by
numpy's literal-only reader, and non-object data is never loaded.
"""
import json
import sys
import warnings

import numpy as np
from numpy.lib import format as fmt

warnings.simplefilter("ignore")
reached = False


def mark(*args):
    global reached
    reached = True


def read(path):
    global reached
    out = {"path": path}
    with open(path, "rb") as fp:
        try:
            version = fmt.read_magic(fp)
            fmt._check_version(version)
            shape, fortran, dtype = fmt._read_array_header(fp, version, max_header_size=2**64)
        except BaseException as e:  # noqa: B902 - any refusal is data
            out["ok"] = False
            out["err"] = (type(e).__name__ + ": " + str(e))[:300]
            return out
        out.update(ok=True, shape=[int(d) for d in shape], fortran=bool(fortran),
                   itemsize=int(dtype.itemsize), hasobject=bool(dtype.hasobject),
                   offset=fp.tell(), descr=str(dtype)[:200])
    if dtype.hasobject:
        reached = False
        try:
            np.load(path, allow_pickle=True)
        except BaseException as e:  # noqa: B902
            out["loaderr"] = (type(e).__name__ + ": " + str(e))[:300]
        out["reached"] = reached
    return out


def main():
    for line in sys.stdin:
        path = line.rstrip("\n")
        if path:
            print(json.dumps(read(path)), flush=True)


if __name__ == "__main__":
    main()
