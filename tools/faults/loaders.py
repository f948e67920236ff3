"""Loads damaged model files the way the real loaders read them, without
ever running anything a file names, for modelgate's fault-injection test.

Usage: /usr/bin/python3 loaders.py CASES.jsonl
(one JSON object per line: {"id": ..., "path": ..., "loader": ...}); prints
one JSON line per case: {"id", "status", "error"}, status "ok" (the loader
accepted the file), "error" (it raised), "timeout" or "crash".

Every case runs in a forked, CPU- and time-limited child
(tools/differential/runner.py's run_case). An audit hook refuses network
and new programs (and the test runs it in a network namespace of its own
where unshare(1) can make one).

Loaders, by the format modelgate sniffed in the undamaged file:
  pickle       pickle.Unpickler (the C one) whose find_class returns the
               real object only for pure data constructors (SAFE) and a
               harmless Stub for every other global: the opcode machine,
               its stack, memo and string decoding are CPython's, and
               nothing a file names is ever imported or called. A file that
               names joblib's array wrappers is read by joblib's own
               NumpyUnpickler under the same find_class.
  torch        torch.load(weights_only=True) (zip and legacy files).
  npy / npz    numpy.load(allow_pickle=False); an object array's pickle is
               read by the pickle loader above.
  safetensors  Debian has no python3-safetensors: the checks the library
               documents and makes in safetensors' validate (header length
               at most 100,000,000 and within the file, UTF-8 JSON object
               starting with '{', known dtypes, offsets contiguous from 0,
               each span the size its shape and dtype give, the spans
               covering the data exactly, __metadata__ a map of strings).
  onnx         onnx.load(load_external_data=False) then
               onnx.checker.check_model; a model only the checker rejects
               fails with CheckerOnly (the test counts those apart).
  zip / tar    zipfile (every member read, CRCs checked) / tarfile (every
               member read); a zip holding data.pkl is a torch file.
  hdf5         h5py: every object visited, attributes and datasets read.
  gzip, bzip2, xz, lzma, zlib, lz4, zfile
               decompressed completely with Python's readers (joblib's
               own), then the content is read by the loader above that
               fits it.
"""
import bz2
import gzip
import importlib
import io
import json
import lzma
import os
import pickle
import struct
import sys
import tarfile
import zipfile
import zlib

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "differential"))
import runner  # noqa: E402  (run_case: fork, limits, timeout)


# Audit events the harness refuses: no network, no new programs. The hook
# stays for the life of the process and every forked child.
REFUSED = ("socket.connect", "socket.bind", "socket.sendto", "socket.sendmsg", "socket.getaddrinfo",
           "subprocess.Popen", "os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.startfile")


def _sandbox(event, args):
    if event.startswith(REFUSED):
        raise PermissionError("the fault-injection harness refuses " + event)


class Stub:
    """Stands for any global a file names: accepts every construction and
    every state, and does nothing."""

    def __new__(cls, *args, **kwargs):
        return object.__new__(cls)

    def __init__(self, *args, **kwargs):
        pass

    def __call__(self, *args, **kwargs):
        return Stub()

    def __setstate__(self, state):
        pass

    def __setitem__(self, key, value):
        pass

    def append(self, item):
        pass

    def extend(self, items):
        pass

    def add(self, item):
        pass


# Globals whose real object is a pure data constructor: building them runs
# no code of the file's choosing, and a real loader's rejection of bad
# arguments (a dtype that does not exist, a short array buffer) shows.
SAFE = {
    ("collections", "OrderedDict"), ("builtins", "set"), ("builtins", "frozenset"),
    ("builtins", "bytearray"), ("builtins", "complex"), ("builtins", "slice"),
    ("__builtin__", "set"), ("__builtin__", "frozenset"), ("__builtin__", "bytearray"),
    ("_codecs", "encode"), ("numpy", "dtype"), ("numpy", "ndarray"),
    ("joblib.numpy_pickle", "NumpyArrayWrapper"),
}


def _reconstruct(subtype, *args):
    """numpy's array reconstructor, for subtypes that are real arrays; an
    array subclass the harness stubbed (a masked array, say) is a Stub, as
    the real class would have built something the stub cannot check."""
    import numpy as np
    from numpy.core import multiarray
    if isinstance(subtype, type) and issubclass(subtype, np.ndarray):
        return multiarray._reconstruct(subtype, *args)
    return Stub()


def _scalar(dtype, *args):
    import numpy as np
    from numpy.core import multiarray
    if isinstance(dtype, np.dtype):
        return multiarray.scalar(dtype, *args)
    return Stub()


WRAPPED = {("numpy.core.multiarray", "_reconstruct"): _reconstruct, ("numpy.core.multiarray", "scalar"): _scalar}


def safe_find_class(module, name):
    if (module, name) in WRAPPED:
        return WRAPPED[(module, name)]
    if (module, name) in SAFE:
        return getattr(importlib.import_module(module), name)
    return Stub


class SafeUnpickler(pickle.Unpickler):
    def find_class(self, module, name):
        return safe_find_class(module, name)


def load_pickle_stream(f):
    return SafeUnpickler(f).load()


def load_joblib_stream(f, filename):
    from joblib import numpy_pickle

    class SafeNumpyUnpickler(numpy_pickle.NumpyUnpickler):
        def find_class(self, module, name):
            return safe_find_class(module, name)

    u = SafeNumpyUnpickler(filename, f, mmap_mode=None)
    return u.load()


def load_pickle_bytes(data, path):
    if b"NumpyArrayWrapper" in data or b"NDArrayWrapper" in data:
        return load_joblib_stream(io.BytesIO(data), path)
    return load_pickle_stream(io.BytesIO(data))


def load_npy_stream(f):
    import numpy as np
    version = np.lib.format.read_magic(f)
    np.lib.format._check_version(version)
    shape, fortran, dtype = np.lib.format._read_array_header(f, version)
    if dtype.hasobject:
        return load_pickle_stream(f)
    f.seek(0)
    return np.lib.format.read_array(f, allow_pickle=False)


def load_zip(path):
    with zipfile.ZipFile(path) as z:
        names = z.namelist()
        data = {n: z.read(n) for n in names}  # every member, CRC checked
    if any(n.endswith("/data.pkl") or n == "data.pkl" for n in names):
        import torch
        return torch.load(path, weights_only=True, map_location="cpu")
    if path.endswith(".npz"):
        for n, b in data.items():
            if n.endswith(".npy"):
                load_npy_stream(io.BytesIO(b))
        return None
    if path.endswith(".keras"):
        if "config.json" in data:
            json.loads(data["config.json"])
        for n, b in data.items():
            if n.endswith(".h5"):
                load_hdf5(io.BytesIO(b))
    return None


def load_tar(path):
    with tarfile.open(path) as t:
        for m in t:
            if m.isfile():
                t.extractfile(m).read()


def load_hdf5(f):
    import h5py

    def visit(name, obj):
        for k in obj.attrs:
            obj.attrs[k]
        if isinstance(obj, h5py.Dataset) and obj.size is not None and obj.size * obj.dtype.itemsize <= (64 << 20):
            obj[()]

    with h5py.File(f, "r") as h:
        for k in h.attrs:
            h.attrs[k]
        h.visititems(visit)


ST_DTYPES = {"BOOL": 1, "U8": 1, "I8": 1, "F8_E5M2": 1, "F8_E4M3": 1, "I16": 2, "U16": 2, "F16": 2,
             "BF16": 2, "I32": 4, "U32": 4, "F32": 4, "F64": 8, "I64": 8, "U64": 8}


def load_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 8:
        raise ValueError("HeaderTooSmall")
    n = struct.unpack("<Q", data[:8])[0]
    if n > 100_000_000:
        raise ValueError("HeaderTooLarge")
    if 8 + n > len(data):
        raise ValueError("InvalidHeaderLength")
    raw = data[8:8 + n]
    text = raw.decode("utf-8")  # InvalidHeader
    if not text.startswith("{"):
        raise ValueError("InvalidHeaderStart")
    header = json.loads(text)  # InvalidHeaderDeserialization
    if not isinstance(header, dict):
        raise ValueError("InvalidHeaderDeserialization")
    tensors = []
    for name, info in header.items():
        if name == "__metadata__":
            if not isinstance(info, dict) or not all(isinstance(v, str) for v in info.values()):
                raise ValueError("InvalidHeaderDeserialization: __metadata__")
            continue
        if not isinstance(info, dict) or info.get("dtype") not in ST_DTYPES:
            raise ValueError("InvalidHeaderDeserialization: dtype")
        shape, offs = info.get("shape"), info.get("data_offsets")
        if not isinstance(shape, list) or not all(type(d) is int and d >= 0 for d in shape):
            raise ValueError("InvalidHeaderDeserialization: shape")
        if not isinstance(offs, list) or len(offs) != 2 or not all(type(o) is int and o >= 0 for o in offs):
            raise ValueError("InvalidHeaderDeserialization: data_offsets")
        tensors.append((offs[0], offs[1], shape, ST_DTYPES[info["dtype"]], name))
    tensors.sort()
    end = 0
    for start, stop, shape, size, name in tensors:
        if start != end or stop < start:
            raise ValueError("InvalidOffset: " + name)
        count = 1
        for d in shape:
            count *= d
        if count * size != stop - start:
            raise ValueError("TensorInvalidInfo: " + name)
        end = stop
    if end != len(data) - 8 - n:
        raise ValueError("MetadataIncompleteBuffer")


class CheckerOnly(Exception):
    """onnx.load parsed the model and onnx.checker rejected it."""


def load_onnx(path):
    import onnx
    m = onnx.load(path, load_external_data=False)
    try:
        onnx.checker.check_model(m)
    except onnx.checker.ValidationError as e:
        raise CheckerOnly(str(e)) from None


def decompress(kind, path):
    with open(path, "rb") as f:
        data = f.read()
    if kind == "gzip":
        return gzip.decompress(data)
    if kind == "bzip2":
        return bz2.decompress(data)
    if kind == "xz":
        return lzma.decompress(data, format=lzma.FORMAT_XZ)
    if kind == "lzma":
        return lzma.decompress(data, format=lzma.FORMAT_ALONE)
    if kind == "zlib":
        return zlib.decompress(data)
    if kind == "lz4":
        import lz4.frame
        return lz4.frame.decompress(data)
    if kind == "joblib-zfile":
        from joblib.numpy_pickle_compat import read_zfile
        return read_zfile(io.BytesIO(data))
    raise ValueError("no decompressor for " + kind)


def load_content(data, path):
    """Reads decompressed bytes by what they are."""
    if data.startswith(b"\x93NUMPY"):
        return load_npy_stream(io.BytesIO(data))
    if len(data) >= 512 and data[257:262] == b"ustar":
        with tarfile.open(fileobj=io.BytesIO(data)) as t:
            for m in t:
                if m.isfile():
                    t.extractfile(m).read()
        return None
    return load_pickle_bytes(data, path)


def load(loader, path):
    if loader == "pickle":
        with open(path, "rb") as f:
            return load_pickle_bytes(f.read(), path)
    if loader == "torch":
        import torch
        return torch.load(path, weights_only=True, map_location="cpu")
    if loader == "npy":
        with open(path, "rb") as f:
            return load_npy_stream(f)
    if loader == "zip":
        return load_zip(path)
    if loader == "tar":
        return load_tar(path)
    if loader == "hdf5":
        return load_hdf5(path)
    if loader == "safetensors":
        return load_safetensors(path)
    if loader == "onnx":
        return load_onnx(path)
    if loader.startswith("compressed:"):
        return load_content(decompress(loader.split(":", 1)[1], path), path)
    raise ValueError("unknown loader " + loader)


# The modules each loader needs beyond numpy and joblib. A case whose
# module is not installed is "unavailable", not a rejection.
NEEDS = {"torch": ["torch"], "zip": ["torch", "h5py"], "onnx": ["onnx", "onnx.checker"], "hdf5": ["h5py"],
         "compressed:lz4": ["lz4.frame"]}


def main():
    with open(sys.argv[1]) as f:
        cases = [json.loads(line) for line in f if line.strip()]
    # Import once; every child inherits the modules.
    import numpy  # noqa: F401
    import joblib.numpy_pickle  # noqa: F401
    import joblib.numpy_pickle_compat  # noqa: F401
    missing = set()
    sys.addaudithook(_sandbox)
    for mod in sorted({m for c in cases for m in NEEDS.get(c["loader"], [])}):
        try:
            importlib.import_module(mod)
        except ImportError:
            missing.add(mod)
    for case in cases:
        if any(m in missing for m in NEEDS.get(case["loader"], [])):
            res = {"id": case["id"], "status": "unavailable", "error": "module not installed"}
        else:
            res = runner.run_case(case, load)
        print(json.dumps({"id": res["id"], "status": res["status"], "error": res["error"]}), flush=True)


if __name__ == "__main__":
    main()
