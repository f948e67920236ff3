"""Makes msgpack checkpoint samples the way flax.serialization.to_bytes
writes them (msgpack.packb of the state dict; ndarrays as extension 1 of
msgpack.packb((shape, dtype.name, bytes)), NumPy scalars as extension 3,
complex numbers as extension 2 of packb((real, imag))), plus variants Flax
never writes. Flax is not in Debian; python3-msgpack and python3-numpy are.
Run with /usr/bin/python3 from this directory."""
import os

import msgpack
import numpy as np


def nd(arr, dtype_name=None, data=None):
    tpl = (arr.shape, dtype_name or arr.dtype.name, arr.tobytes("C") if data is None else data)
    return msgpack.packb(tpl, use_bin_type=True)


def ext(x):
    if isinstance(x, complex):
        return msgpack.ExtType(2, msgpack.packb((x.real, x.imag)))
    if isinstance(x, np.ndarray):
        return msgpack.ExtType(1, nd(x))
    if isinstance(x, np.generic):
        return msgpack.ExtType(3, nd(np.asarray(x)))
    return x


def to_bytes(state):
    return msgpack.packb(state, default=ext, strict_types=True)


rng = np.random.default_rng(0)
state = {
    "params": {
        "Dense_0": {"kernel": rng.normal(size=(3, 4)).astype(np.float32), "bias": np.zeros(4, np.float32)},
        "Embed_0": {"embedding": np.arange(6, dtype=np.int64).reshape(2, 3)},
    },
    "opt_state": {"count": np.int32(7), "mu": {"scale": complex(1.0, -2.0)}},
    "step": 100,
    "name": "demo",
}
open("benign.msgpack", "wb").write(to_bytes(state))
os.makedirs("orbax", exist_ok=True)
open("orbax/checkpoint", "wb").write(to_bytes({"params": {"w": np.ones((2, 2), np.float16)}, "step": 3}))
os.makedirs("orbax_placeholders", exist_ok=True)
# An Orbax aggregate file whose arrays live elsewhere: only the tree.
open("orbax_placeholders/checkpoint", "wb").write(
    msgpack.packb({"params": {"w": "PLACEHOLDER://params.w"}, "step": 3}))

w = rng.normal(size=(3, 4)).astype(np.float32)
open("object_dtype.msgpack", "wb").write(msgpack.packb(
    {"params": {"w": msgpack.ExtType(1, nd(np.zeros(2, np.int64), "object"))}}))
open("size_mismatch.msgpack", "wb").write(msgpack.packb(
    {"params": {"w": msgpack.ExtType(1, nd(w, data=w.tobytes()[:8]))}}))
open("trailing.msgpack", "wb").write(to_bytes({"params": {"w": w}}) + b"\x80\x04cos\nsystem\n.")
