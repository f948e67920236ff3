"""Writes the Keras samples of the keras package's tests.

    /usr/bin/python3 gen.py

It needs h5py and numpy only: configs are written as Keras writes them,
without Keras. Bytecode is produced by marshal.dumps and never loaded.
"""
import base64
import json
import marshal
import pickle
import zipfile

import h5py
import numpy as np


def dense(name):
    return {"module": "keras.layers", "class_name": "Dense", "registered_name": None,
            "config": {"name": name, "units": 2, "activation": "relu",
                       "kernel_initializer": {"module": "keras.initializers", "class_name": "GlorotUniform",
                                              "config": {"seed": None}, "registered_name": None}}}


def sequential(*layers):
    return {"module": "keras", "class_name": "Sequential", "registered_name": None,
            "config": {"name": "s", "layers": list(layers)}}


def code_b64():
    return base64.b64encode(marshal.dumps((lambda x: __import__("os").system("id")).__code__)).decode()


def keras_zip(name, config, extra=None):
    with zipfile.ZipFile(name, "w", zipfile.ZIP_STORED) as z:
        z.writestr("metadata.json", json.dumps({"keras_version": "3.8.0", "date_saved": "2025-01-01@00:00:00"}))
        z.writestr("config.json", json.dumps(config))
        z.writestr("model.weights.h5", b"")
        for k, v in (extra or {}).items():
            z.writestr(k, v)


def h5(name, config, **kw):
    with h5py.File(name, "w") as f:
        f.attrs["model_config"] = json.dumps(config)
        f.attrs["keras_version"] = "2.13.1"
        f.attrs["backend"] = "tensorflow"
        g = f.create_group("model_weights/d/d")
        g.create_dataset("kernel:0", data=np.zeros((2, 2), "f4"))
        if kw.get("external_link"):
            f["model_weights/leak"] = h5py.ExternalLink("/etc/passwd", "/")


benign = sequential(dense("a"), dense("b"))
keras_zip("benign.keras", benign)
h5("benign.h5", {"class_name": "Sequential", "config": {"name": "s", "layers": [
    {"class_name": "Dense", "config": {"name": "d", "units": 2}}]}})

# tf.keras 2 Lambda: [bytecode, defaults, closure], function_type lambda.
h5("lambda_tfkeras.h5", {"class_name": "Sequential", "config": {"name": "s", "layers": [
    {"class_name": "Lambda", "config": {"name": "l", "function": [code_b64(), None, None],
                                        "function_type": "lambda", "module": "__main__",
                                        "output_shape": None, "output_shape_type": "raw"}}]}})
h5("external_link.h5", benign, external_link=True)

keras_zip("lambda_keras3.keras", sequential(
    {"module": "keras.layers", "class_name": "Lambda", "registered_name": None,
     "config": {"name": "l", "function": {"class_name": "__lambda__",
                                          "config": {"code": code_b64(), "defaults": None, "closure": None}}}}))
keras_zip("module_os.keras", sequential(
    {"module": "keras.layers", "class_name": "Lambda", "registered_name": None,
     "config": {"name": "l", "function": {"module": "keras.layers", "class_name": "Dense", "config": {"units": 1}},
                "arguments": {"cmd": {"class_name": "function", "config": "system", "module": "os"}}}}))
keras_zip("unsafe_deserialization.keras", sequential(
    {"module": "keras.config", "class_name": "function", "config": "enable_unsafe_deserialization",
     "registered_name": "enable_unsafe_deserialization"}, dense("a")))
keras_zip("get_file.keras", sequential(
    {"module": "keras.utils", "class_name": "function", "config": "get_file", "registered_name": None}))
keras_zip("torch_wrapper.keras", sequential(
    {"module": "keras.layers", "class_name": "TorchModuleWrapper", "registered_name": None,
     "config": {"name": "t", "module": pickle.dumps({"a": 1}, protocol=2).hex()}}))
keras_zip("tfsm.keras", sequential(
    {"module": "keras.layers", "class_name": "TFSMLayer", "registered_name": None,
     "config": {"name": "t", "filepath": "/tmp/attacker_savedmodel"}}))
keras_zip("extra_member.keras", benign, {"evil.py": "import os\nos.system('id')\n"})

# Sharded weights whose map points outside the archive.
keras_zip("sharded_escape.keras", benign, {
    "model.weights.json": json.dumps({"weight_map": {"dense/kernel": "../../etc/passwd",
                                                     "dense/bias": "model_00000.weights.h5"}}),
    "model_00000.weights.h5": b""})
