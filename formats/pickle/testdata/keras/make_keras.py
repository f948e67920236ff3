"""Writes pickles of Keras models the way Keras's own __reduce__ does.

Debian has no Keras, so stand-ins with Keras's module and qualified names
replay its reducers on .keras archives from formats/keras/testdata:
- Keras 2.11-2.15 (keras/engine/training.py Model.__reduce__):
  (keras.saving.pickle_utils.deserialize_model_from_bytecode, (bytes,))
- Keras 3.3+ (keras/src/saving/keras_saveable.py KerasSaveable.__reduce__):
  (cls._unpickle_model, (io.BytesIO,)), the buffer left at its end.
Run from this directory with /usr/bin/python3.
"""
import io
import pickle
import sys
import types
import zipfile

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
write("keras3_lambda.pkl", Functional(lam), 4)
# Not what Keras writes: the loader given a string, or a non-Keras zip.
write("keras2_str.pkl", Keras2Model(benign.decode("latin-1")), 4)
plain = io.BytesIO()
with zipfile.ZipFile(plain, "w") as zf:
    zf.writestr("config.json", '{"module": "os", "class_name": "function", "config": "system"}')
    zf.writestr("model.weights.h5", b"")
write("keras2_notkeras.pkl", Keras2Model(plain.getvalue()), 4)
