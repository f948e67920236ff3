"""Prints {path: [parameters, tensors]} for model files, as the formats'
own libraries count them, for the BOM's model-card test (run with
/usr/bin/python3; needs torch, onnx, numpy and joblib).

PyTorch: torch.load, then every distinct tensor reachable through dicts,
lists and tuples. ONNX: onnx.load, the main graph's initializers.
safetensors: the JSON header (the format is that header). GGUF: a small
reader of the header written from the GGUF specification (Debian has no
gguf-py), independent of modelgate's. NumPy: np.load's array sizes; an
object array's from numpy.lib.format's header reader, so it is never
unpickled. joblib: joblib.load (the realworld files only, benign by
provenance, in the test's subprocess), then every distinct ndarray
reachable through lists, tuples and dicts. Legacy GGML: a reader written
from whisper.cpp's loaders (Debian has no ggml), F32 and F16 tensors only.
"""
import json
import os
import struct
import sys


def product(dims):
    n = 1
    for d in dims:
        n *= int(d)
    return n


def distinct(root, kind):
    """Every distinct kind instance reachable from root through dicts,
    lists and tuples (a shared one counted once)."""
    seen, found = set(), []

    def walk(o):
        if isinstance(o, kind):
            if id(o) not in seen:
                seen.add(id(o))
                found.append(o)
        elif isinstance(o, dict):
            for v in o.values():
                walk(v)
        elif isinstance(o, (list, tuple)):
            for v in o:
                walk(v)

    walk(root)
    return found


def torch_counts(path):
    import torch

    # The files scanned clean; torch 1.13's weights_only loader lacks
    # protocol 4's FRAME, so they are loaded plainly in this subprocess.
    tensors = distinct(torch.load(path, map_location="cpu"), torch.Tensor)
    return [sum(t.numel() for t in tensors), len(tensors)]


def onnx_counts(path):
    import onnx

    g = onnx.load(path, load_external_data=False).graph
    return [sum(product(i.dims) for i in g.initializer), len(g.initializer)]


def safetensors_counts(path):
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        hdr = json.loads(f.read(n))
    hdr.pop("__metadata__", None)
    return [sum(product(t["shape"]) for t in hdr.values()), len(hdr)]


def gguf_counts(path):
    with open(path, "rb") as f:
        data = f.read()
    pos = 0

    def take(fmt):
        nonlocal pos
        v = struct.unpack_from("<" + fmt, data, pos)
        pos += struct.calcsize("<" + fmt)
        return v[0]

    def string():
        nonlocal pos
        n = take("Q")
        pos += n

    sizes = {0: "B", 1: "b", 2: "H", 3: "h", 4: "I", 5: "i", 6: "f", 7: "?", 10: "Q", 11: "q", 12: "d"}

    def value(t):
        if t == 8:
            string()
        elif t == 9:
            et, n = take("I"), take("Q")
            for _ in range(n):
                value(et)
        else:
            take(sizes[t])

    assert data[:4] == b"GGUF"
    pos = 4
    take("I")
    n_tensors, n_kv = take("Q"), take("Q")
    for _ in range(n_kv):
        string()
        value(take("I"))
    params = 0
    for _ in range(n_tensors):
        string()
        dims = [take("Q") for _ in range(take("I"))]
        take("I")
        take("Q")
        params += product(dims)
    return [params, n_tensors]


def npy_header_count(f):
    import numpy as np

    version = np.lib.format.read_magic(f)
    shape, _, dtype = np.lib.format._read_array_header(f, version)
    return product(shape), dtype.hasobject


def numpy_counts(path):
    import zipfile

    import numpy as np

    if path.endswith(".npz"):
        params, n = 0, 0
        with zipfile.ZipFile(path) as z, np.load(path) as npz:
            for name in npz.files:
                with z.open(name + ".npy") as f:
                    count, obj = npy_header_count(f)
                params += count if obj else npz[name].size
                n += 1
        return [params, n]
    with open(path, "rb") as f:
        count, obj = npy_header_count(f)
    return [count if obj else np.load(path).size, 1]


def joblib_counts(path):
    import joblib
    import numpy as np

    arrays = distinct(joblib.load(path), np.ndarray)
    return [sum(a.size for a in arrays), len(arrays)]


def ggml_counts(path):
    with open(path, "rb") as f:
        data = f.read()
    pos = 0

    def i32(n=1):
        nonlocal pos
        v = struct.unpack_from("<%di" % n, data, pos)
        pos += 4 * n
        return v

    assert data[:4] == b"lmgg"
    pos = 4
    (n,) = struct.unpack_from("<i", data, 4)
    if data[8 : 8 + n].startswith(b"silero"):
        # whisper.cpp whisper_vad_init_with_params: model type, version,
        # window and context sizes, encoder layers (in, out, kernel each),
        # LSTM input and hidden sizes, final conv in and out.
        pos = 8 + n
        layers = i32(6)[5]
        i32(3 * layers + 4)
    else:
        # whisper_model_load: eleven hparams, mel filters, vocabulary.
        i32(11)
        n_mel, n_fft = i32(2)
        pos += 4 * n_mel * n_fft
        (n_vocab,) = i32()
        for _ in range(n_vocab):
            (length,) = i32()
            pos += length
    params, tensors = 0, 0
    while pos < len(data):
        n_dims, name_len, ttype = i32(3)
        dims = i32(n_dims)
        pos += name_len
        assert ttype in (0, 1), ttype
        pos += product(dims) * (4 if ttype == 0 else 2)
        params += product(dims)
        tensors += 1
    return [params, tensors]


def counts(path):
    if path.endswith((".npy", ".npz")):
        return numpy_counts(path)
    if "joblib" in path.split(os.sep)[:-1]:
        return joblib_counts(path)
    if "ggml" in path.split(os.sep)[:-1]:
        return ggml_counts(path)
    if path.endswith(".onnx"):
        return onnx_counts(path)
    if path.endswith(".safetensors"):
        return safetensors_counts(path)
    if path.endswith(".gguf"):
        return gguf_counts(path)
    return torch_counts(path)


print(json.dumps({p: counts(p) for p in sys.argv[1:]}))
