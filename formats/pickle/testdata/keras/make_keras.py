"""Writes pickles of Keras models the way Keras's own __reduce__ does.

Debian has no Keras, so stand-ins with Keras's module and qualified names
replay its reducers on .keras archives from formats/keras/testdata:
- Keras 2.11-2.15 (keras/engine/training.py Model.__reduce__):
  (keras.saving.pickle_utils.deserialize_model_from_bytecode, (bytes,))
- Keras 2.7-2.10 (v2.10.0 keras/saving/pickle_utils.py): the same function
  given numpy.asarray(memoryview(tar)) of the SavedModel directory, its
  directories named by their ram:// path, its files relative.
- Keras 3.3+ (keras/src/saving/keras_saveable.py KerasSaveable.__reduce__):
  (cls._unpickle_model, (io.BytesIO,)), the buffer left at its end.
Run from this directory with /usr/bin/python3.
"""
import io
import json
import pickle
import sys
import types
import tarfile
import zipfile

import joblib
import numpy

KERAS = "../../../keras/testdata/"


def module(name):
    parts = name.split(".")
    for i in range(1, len(parts) + 1):
        n = ".".join(parts[:i])
        if n not in sys.modules:
            sys.modules[n] = types.ModuleType(n)
    return sys.modules[name]


def deserialize_model_from_bytecode(serialized_model):
    raise RuntimeError("stand-in")


deserialize_model_from_bytecode.__module__ = "keras.saving.pickle_utils"
module("keras.saving.pickle_utils").deserialize_model_from_bytecode = deserialize_model_from_bytecode


class Keras2Model:
    def __init__(self, data):
        self.data = data

    def __reduce__(self):
        return (deserialize_model_from_bytecode, (self.data,))


class Functional:
    def __init__(self, data):
        self.data = data

    @classmethod
    def _unpickle_model(cls, bytesio):
        raise RuntimeError("stand-in")

    def __reduce__(self):
        buf = io.BytesIO()
        buf.write(self.data)
        return (self._unpickle_model, (buf,))


Functional.__module__ = "keras.src.models.functional"
module("keras.src.models.functional").Functional = Functional


def read(name):
    with open(KERAS + name, "rb") as f:
        return f.read()


def write(name, obj, protocol):
    with open(name, "wb") as f:
        pickle.dump(obj, f, protocol=protocol)


benign, lam = read("benign.keras"), read("lambda_keras3.keras")
write("keras2_bytes.pkl", Keras2Model(benign), 4)
write("keras2_bytes_p2.pkl", Keras2Model(benign), 2)
write("keras2_lambda.pkl", Keras2Model(lam), 4)
write("keras3_bytesio.pkl", {"model": Functional(benign)}, 4)
write("keras3_bytesio_p2.pkl", Functional(benign), 2)
write("keras3_lambda.pkl", Functional(lam), 4)
# Not what Keras writes: the loader given a string, or a non-Keras zip.
write("keras2_str.pkl", Keras2Model(benign.decode("latin-1")), 4)
plain = io.BytesIO()
with zipfile.ZipFile(plain, "w") as zf:
    # Fixed dates keep the output the same on every run.
    zf.writestr(zipfile.ZipInfo("config.json", (2025, 1, 1, 0, 0, 0)),
                '{"module": "os", "class_name": "function", "config": "system"}')
    zf.writestr(zipfile.ZipInfo("model.weights.h5", (2025, 1, 1, 0, 0, 0)), b"")
write("keras2_notkeras.pkl", Keras2Model(plain.getvalue()), 4)


def metadata(objs):
    """A keras_metadata.pb (SavedMetadata): one SavedObject per JSON text,
    its metadata field 5."""

    def varint(n):
        out = b""
        while True:
            b = n & 0x7F
            n >>= 7
            if n:
                out += bytes([b | 0x80])
            else:
                return out + bytes([b])

    def field(num, data):
        return varint(num << 3 | 2) + varint(len(data)) + data

    return b"".join(field(1, field(5, o.encode())) for o in objs)


def savedmodel_tar(meta):
    b = io.BytesIO()
    root = "ram://92460b2e-0000-4000-8000-000000000000"
    with tarfile.open(fileobj=b, mode="w") as archive:
        for d in ("assets", "variables"):
            t = tarfile.TarInfo(root + "/" + d)
            t.type = tarfile.DIRTYPE
            archive.addfile(t)
        for name, data in (("keras_metadata.pb", meta), ("saved_model.pb", graph)):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return numpy.asarray(memoryview(b.getvalue()))


# A real SavedModel graph from formats/tensorflow's testdata.
with open("../../../tensorflow/testdata/benign/saved_model.pb", "rb") as f:
    graph = f.read()
code = json.loads(zipfile.ZipFile(KERAS + "lambda_keras3.keras").read("config.json"))
code = code["config"]["layers"][0]["config"]["function"]["config"]["code"]
sequential = '{"class_name": "Sequential", "name": "s", "trainable": true, "expects_training_arg": true}'
dense = '{"class_name": "Dense", "name": "d", "trainable": true, "config": {"name": "d", "units": 2}}'
lambda_ = json.dumps({"class_name": "Lambda", "name": "l", "config": {"name": "l", "function": [code, None, None], "function_type": "lambda"}})
write("keras2_savedmodel.pkl", Keras2Model(savedmodel_tar(metadata([sequential, dense]))), 4)
joblib.dump(Keras2Model(savedmodel_tar(metadata([sequential, dense]))), "keras2_savedmodel.joblib")
write("keras2_savedmodel_lambda.pkl", Keras2Model(savedmodel_tar(metadata([sequential, lambda_]))), 4)
joblib.dump(Keras2Model(savedmodel_tar(metadata([sequential, lambda_]))), "keras2_savedmodel_lambda.joblib")
# Not what Keras writes: a 4-byte-element array, a SavedModel without Keras
# metadata.
tar = savedmodel_tar(metadata([sequential, dense]))
write("keras2_savedmodel_u4.pkl", Keras2Model(tar.view("<u4")), 4)
b = io.BytesIO()
with tarfile.open(fileobj=b, mode="w") as archive:
    info = tarfile.TarInfo("saved_model.pb")
    info.size = len(graph)
    archive.addfile(info, io.BytesIO(graph))
write("keras2_savedmodel_nometa.pkl", Keras2Model(numpy.asarray(memoryview(b.getvalue()))), 4)
