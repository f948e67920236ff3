"""Loads files with the real loaders, for modelgate's differential tests.

Usage: /usr/bin/python3 runner.py CASES.json  (one JSON object per line:
{"id": ..., "path": ..., "loader": "pickle" | "pypickle" | "joblib" | "torch"})
or:    /usr/bin/python3 runner.py --seeds FAMILY OUTDIR
or:    /usr/bin/python3 runner.py --payload-npy PATH

For every case it forks a child that loads the file with the named loader
and prints one JSON line {"id", "called", "status", "error"}: called is
true when the loader reached a call of mgmarker.hit — the harmless marker
every payload in the generated files calls, which only writes to a pipe —
and status is "ok", "error", "timeout" or "crash". The child runs with a
CPU and time limit; nothing it loads is trusted.

--seeds writes the seed files of a family, made by the real libraries
(Debian's Python 3.11, numpy 1.24, joblib 1.2, torch 1.13). --payload-npy
writes the companion file that the joblib samples' NDArrayWrapper names
("../mgmarker_payload.npy").
"""
import io
import json
import os
import pickle
import resource
import select
import signal
import sys
import time

TIMEOUT = float(os.environ.get("MG_DIFF_TIMEOUT", "10"))

MARKER = '''
import os
FD = -1
def hit(*args, **kwargs):
    if FD >= 0:
        os.write(FD, b"HIT\\n")
    return None
'''


def marker_dir(base):
    d = os.path.join(base, "marker")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "mgmarker.py"), "w") as f:
        f.write(MARKER)
    return d


def load(loader, path):
    if loader == "pickle":
        with open(path, "rb") as f:
            return pickle.load(f)
    if loader == "pypickle":
        with open(path, "rb") as f:
            return pickle._Unpickler(f).load()
    if loader == "joblib":
        import joblib
        return joblib.load(path)
    if loader == "torch":
        import torch
        return torch.load(path)
    raise ValueError(loader)


def run_case(case, load_fn=None):
    """Loads one case in a forked child. load_fn(loader, path), when given,
    replaces load() and the marker is not imported (tools/faults uses it)."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        try:
            resource.setrlimit(resource.RLIMIT_CPU, (int(TIMEOUT) + 1, int(TIMEOUT) + 2))
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 1)
            os.dup2(devnull, 2)
            if load_fn is None:
                import mgmarker
                mgmarker.FD = w
            try:
                (load_fn or load)(case["loader"], case["path"])
                msg = b"OK\n"
            except BaseException as e:  # the loader's failure is a result
                text = " ".join(str(e).split())[:200]
                msg = ("ERR " + type(e).__name__ + (": " + text if text else "") + "\n").encode()
            os.write(w, msg)
        finally:
            os._exit(0)
    os.close(w)
    out = b""
    deadline = time.monotonic() + TIMEOUT
    status = None
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            os.kill(pid, signal.SIGKILL)
            status = "timeout"
            break
        ready, _, _ = select.select([r], [], [], left)
        if not ready:
            continue
        chunk = os.read(r, 65536)
        if not chunk:
            break
        out += chunk
    os.close(r)
    _, code = os.waitpid(pid, 0)
    lines = out.decode("utf-8", "replace").splitlines()
    error = ""
    if status is None:
        if "OK" in lines:
            status = "ok"
        elif any(line.startswith("ERR ") for line in lines):
            status = "error"
            error = [line for line in lines if line.startswith("ERR ")][-1][4:]
        else:
            status = "crash"
            error = "exit status %d" % code
    return {"id": case["id"], "called": "HIT" in lines, "status": status, "error": error}


def seeds(family, out):
    import numpy as np
    os.makedirs(out, exist_ok=True)
    n = 0

    def write(name, data):
        nonlocal n
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
        n += 1

    import collections
    import datetime
    objs = {
        "dict": {"a": [1, 2.5, "x", None, True], "b": (b"bytes", bytearray(b"ba")), "c": {1, 2}, "d": frozenset([3])},
        "nested": [[{"k": i} for i in range(3)], collections.OrderedDict(z=1), 10 ** 30, -7, 3.25],
        "dates": [datetime.date(2020, 1, 2), datetime.timedelta(seconds=5)],
        "array": np.arange(6, dtype=np.float32).reshape(2, 3),
    }
    if family == "pickle":
        for name, obj in objs.items():
            for proto in range(6):
                write(f"{name}_p{proto}.pkl", pickle.dumps(obj, protocol=proto))
    elif family == "joblib":
        import joblib
        arrays = {
            "floats": np.linspace(0, 1, 5),
            "ints": np.arange(7, dtype=np.int16),
            "fortran": np.asfortranarray(np.ones((2, 3))),
            "objects": np.array([1, "a", None], dtype=object),
            "strings": np.array(["ab", "cde"]),
            "bytes": np.array([b"xy", b"z"]),
            "structured": np.zeros(2, dtype=[("x", "<i4"), ("y", "<f8")]),
            "dates": np.array(["2020-01-01"], dtype="M8[D]"),
            "empty": np.zeros((0, 3)),
            "bools": np.array([True, False]),
            "complex": np.array([1 + 2j], dtype=np.complex64),
        }
        for proto in (0, 2, 4, 5):
            b = io.BytesIO()
            joblib.dump(arrays, b, protocol=proto)
            write(f"arrays_p{proto}.joblib", b.getvalue())
            for name, a in arrays.items():
                b = io.BytesIO()
                joblib.dump({"a": a, "after": [1, 2]}, b, protocol=proto)
                write(f"{name}_p{proto}.joblib", b.getvalue())
    elif family == "torch":
        import torch
        torch.manual_seed(0)
        sd = torch.nn.Linear(3, 2).state_dict()
        mixed = [torch.arange(4.0), torch.ones(2, 2, dtype=torch.int64)[0], torch.zeros(3, dtype=torch.uint8)]
        for name, obj in {"state_dict": sd, "mixed": mixed}.items():
            for zipped in (False, True):
                for proto in (2, 4):
                    b = io.BytesIO()
                    torch.save(obj, b, _use_new_zipfile_serialization=zipped, pickle_protocol=proto)
                    write(f"{name}_{'zip' if zipped else 'legacy'}_p{proto}.pt", b.getvalue())
    print(n)


def payload_npy(path):
    """An object .npy whose element unpickles by calling the marker: what
    a pre-0.10 joblib NDArrayWrapper naming it makes numpy.load run."""
    import numpy as np
    sys.path.insert(0, marker_dir(os.path.dirname(os.path.abspath(path))))
    import mgmarker

    class Payload:
        def __reduce__(self):
            return (mgmarker.hit, ())

    with open(path, "wb") as f:
        np.save(f, np.array([Payload()], dtype=object), allow_pickle=True)


def main():
    if sys.argv[1] == "--seeds":
        seeds(sys.argv[2], sys.argv[3])
        return
    if sys.argv[1] == "--payload-npy":
        payload_npy(sys.argv[2])
        return
    with open(sys.argv[1]) as f:
        cases = [json.loads(line) for line in f if line.strip()]
    sys.path.insert(0, marker_dir(os.path.dirname(os.path.abspath(sys.argv[1]))))
    loaders = {c["loader"] for c in cases}
    # Import the libraries once; every child inherits them.
    import numpy  # noqa: F401
    if loaders & {"joblib", "pickle", "pypickle"}:
        # Pickles of joblib files import it; an import per child would
        # eat the time limit.
        import joblib  # noqa: F401
        import joblib.numpy_pickle  # noqa: F401
    if "torch" in loaders:
        import torch  # noqa: F401
    import mgmarker  # noqa: F401
    for case in cases:
        print(json.dumps(run_case(case)), flush=True)


if __name__ == "__main__":
    main()
