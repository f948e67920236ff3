#!/usr/bin/python3
"""lshashpy3 hash tables as LSHash.save writes them
(np.savez_compressed(..., data=self.hash_tables): an object array of
InMemoryStorage, pickled inside data.npy), for the lshashpy3 ecosystem
allow.tsv lists from its source (Debian does not package it), and
hostile variants. Here the pickle np.save writes for that array, without
the npy header and zip.

    /usr/bin/python3 formats/pickle/testdata/lshash/make.py

InMemoryStorage is a stand-in registered under lshashpy3's module name
with the attributes the real one keeps (read at the commit allow.tsv
names): name "dict" and storage, a dict of binary hash string to a list
of (point, extra data) tuples. Values are fixed, so a rerun writes the
same bytes.
"""
import os
import pickle
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
from stubs import module  # noqa: E402


class InMemoryStorage:
    pass


class RedisStorage:
    pass


module("lshashpy3.storage", InMemoryStorage=InMemoryStorage, RedisStorage=RedisStorage)


class Call:
    """Pickles as a call of fn with args: what a hostile file writes."""

    def __init__(self, fn, *args):
        self.fn, self.args = fn, args

    def __reduce__(self):
        return self.fn, self.args


def storage(cls=InMemoryStorage, **extra):
    s = cls.__new__(cls)
    s.name = "dict"
    s.storage = {"0110": [((1.0, 2.0, 3.0), "a")], "1011": [((0.5, 0.1, 0.2), None)]}
    s.__dict__.update(extra)
    return s


def tables(*storages):
    a = np.empty(len(storages), dtype=object)
    for i, s in enumerate(storages):
        a[i] = s
    return a


def write(name, value):
    # np.save pickles object arrays with protocol 3.
    with open(os.path.join(HERE, name), "wb") as f:
        pickle.dump(value, f, protocol=3)


def main():
    write("hash_tables.pkl", tables(storage(), storage()))
    write("hostile_storage_system.pkl", tables(storage(extra=Call(os.system, "id"))))
    write("hostile_storage_called.pkl", Call(InMemoryStorage, {"dict": None}))
    write("hostile_redis_storage.pkl", tables(storage(RedisStorage)))


if __name__ == "__main__":
    main()
