#!/usr/bin/python3
"""A trax training checkpoint as trax.supervised.training.Loop.save_checkpoint
pickles it (model.pkl.gz, here without the gzip layer), for the trax
ecosystem allow.tsv lists from trax's source (Debian does not package
trax), and hostile variants.

    /usr/bin/python3 formats/pickle/testdata/trax/make.py

ShapeDtype and History are stand-ins registered under trax's module
names with the attributes the real objects keep (read at the commit
allow.tsv names): ShapeDtype has __slots__ shape and dtype, History a
dict of mode to defaultdict(list) of (step, value). Weights are numpy
arrays, as trax writes them. Values are fixed, so a rerun writes the same
bytes.
"""
import collections
import os
import pickle
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
from stubs import module  # noqa: E402


class ShapeDtype:
    __slots__ = ["shape", "dtype"]


class History:
    pass


module("trax.shapes", ShapeDtype=ShapeDtype)
module("trax.supervised.history", History=History)


class Call:
    """Pickles as a call of fn with args: what a hostile file writes."""

    def __init__(self, fn, *args):
        self.fn, self.args = fn, args

    def __reduce__(self):
        return self.fn, self.args


def shape_dtype(shape, dtype):
    s = ShapeDtype.__new__(ShapeDtype)
    s.shape, s.dtype = shape, dtype
    return s


def history(extra=None):
    h = History.__new__(History)
    train = collections.defaultdict(list)
    train["metrics/CrossEntropyLoss"].extend([(1, 2.5), (2, 2.1)])
    h._values = {"train": train}
    if extra is not None:
        h.extra = extra
    return h


def checkpoint(hist):
    return {
        "flat_weights": [np.arange(6, dtype=np.float32).reshape(2, 3), np.zeros(3, np.float32)],
        "flat_state": [], "flat_eval_state": [],
        "history": hist,
        "slots_per_task": [[np.ones(3, np.float32)]],
        "input_signature": (shape_dtype((8, 16), np.dtype(np.int32)), shape_dtype((8, 16), np.dtype(np.int32))),
        "version_timestamp": "Jun-29-2020",
    }


def write(name, value):
    with open(os.path.join(HERE, name), "wb") as f:
        pickle.dump(value, f, protocol=pickle.DEFAULT_PROTOCOL)


def main():
    write("checkpoint.pkl", checkpoint(history()))
    write("hostile_history_system.pkl", checkpoint(history(Call(os.system, "id"))))
    write("hostile_shapedtype_called.pkl", Call(ShapeDtype, "/etc/passwd"))


if __name__ == "__main__":
    main()
