"""Prints {path: [parameters, tensors]} for model files, as the formats'
own libraries count them, for the BOM's model-card test (run with
/usr/bin/python3; needs torch and onnx).

PyTorch: torch.load, then every distinct tensor reachable through dicts,
lists and tuples. ONNX: onnx.load, the main graph's initializers.
safetensors: the JSON header (the format is that header). GGUF: a small
reader of the header written from the GGUF specification (Debian has no
gguf-py), independent of modelgate's.
"""
import json
import struct
import sys


def product(dims):
    n = 1
    for d in dims:
        n *= int(d)
    return n


def torch_counts(path):
    import torch

    seen, tensors = set(), []

    def walk(o):
        if isinstance(o, torch.Tensor):
            if id(o) not in seen:
                seen.add(id(o))
                tensors.append(o)
        elif isinstance(o, dict):
            for v in o.values():
                walk(v)
        elif isinstance(o, (list, tuple)):
            for v in o:
                walk(v)

    # The files scanned clean; torch 1.13's weights_only loader lacks
    # protocol 4's FRAME, so they are loaded plainly in this subprocess.
    walk(torch.load(path, map_location="cpu"))
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


def counts(path):
    if path.endswith(".onnx"):
        return onnx_counts(path)
    if path.endswith(".safetensors"):
        return safetensors_counts(path)
    if path.endswith(".gguf"):
        return gguf_counts(path)
    return torch_counts(path)


print(json.dumps({p: counts(p) for p in sys.argv[1:]}))
