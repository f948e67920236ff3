"""Writes the Keras samples for path and URL arguments, Lambda source text
and extension-library layers (formats/keras/pathargs.tsv, extensions.tsv).

    /usr/bin/python3 gen_paths.py

Configs are written the way Keras 3 (.keras: config.json with module and
registered_name keys, as in /work/shared/realworld/keras/*.keras) and
tf.keras 2 (.h5: model_config attribute, class_name and config only)
write them, with h5py and zipfile; Keras itself is not needed. Zip entry
times are fixed so the output is reproducible.
"""
import base64
import json
import zipfile

import h5py
import numpy as np


def layer(module, cls, config, registered=None):
    return {"module": module, "class_name": cls, "config": config, "registered_name": registered}


def sequential(*layers):
    return layer("keras", "Sequential", {"name": "s", "trainable": True, "layers": list(layers)})


def keras_zip(name, config):
    with zipfile.ZipFile(name, "w", zipfile.ZIP_STORED) as z:
        for member, data in (("metadata.json", json.dumps({"keras_version": "3.8.0", "date_saved": "2025-02-02@03:32:53"})),
                             ("config.json", json.dumps(config)),
                             ("model.weights.h5", b"")):
            z.writestr(zipfile.ZipInfo(member, date_time=(2025, 2, 2, 3, 32, 52)), data)


def h5(name, layers):
    with h5py.File(name, "w") as f:
        f.attrs["model_config"] = json.dumps({"class_name": "Sequential", "config": {"name": "s", "layers": layers}})
        f.attrs["keras_version"] = "2.13.1"
        f.attrs["backend"] = "tensorflow"
        f.create_group("model_weights/d/d").create_dataset("kernel:0", data=np.zeros((2, 2), "f4"))


inp = layer("keras.layers", "InputLayer", {"batch_shape": [None, 1], "dtype": "string", "name": "in"})

keras_zip("vocab_path.keras", sequential(inp, layer("keras.layers", "StringLookup", {
    "name": "lookup", "trainable": True, "invert": False, "max_tokens": None, "num_oov_indices": 1,
    "oov_token": "[UNK]", "mask_token": None, "output_mode": "int", "sparse": False,
    "pad_to_max_tokens": False, "vocabulary_dtype": "string", "idf_weights": None,
    "vocabulary": "/home/user/.ssh/id_rsa", "vocabulary_size": None, "encoding": "utf-8"})))

keras_zip("bpe_url.keras", sequential(inp, layer("keras_hub.src.tokenizers.byte_pair_tokenizer", "BytePairTokenizer", {
    "name": "tok", "trainable": True, "dtype": "int32", "sequence_length": None, "add_prefix_space": False,
    "unsplittable_tokens": None, "vocabulary": "https://attacker.example/vocab.json", "merges": "/etc/passwd"},
    "keras_hub>BytePairTokenizer")))

# A SentencePiece proto embedded as base64 (what keras_hub serializes) is
# bytes, not a path.
proto = base64.b64encode(bytes(range(256)) * 12).decode()
keras_zip("sp_proto_embedded.keras", sequential(inp, layer("keras_hub.src.tokenizers.sentence_piece_tokenizer", "SentencePieceTokenizer", {
    "name": "sp", "trainable": True, "dtype": "int32", "sequence_length": None, "proto": proto},
    "keras_hub>SentencePieceTokenizer")))

keras_zip("qkeras_layers.keras", sequential(
    layer("keras.layers", "InputLayer", {"batch_shape": [None, 4], "dtype": "float32", "name": "in"}),
    layer("qkeras.qlayers", "QDense", {"name": "qd", "units": 2,
                                       "kernel_quantizer": layer("qkeras.quantizers", "quantized_bits", {"bits": 4, "integer": 0}, "quantized_bits")},
          "QDense")))

h5("textvec_path.h5", [{"class_name": "TextVectorization", "config": {
    "name": "tv", "trainable": True, "dtype": "string", "max_tokens": None, "standardize": "lower_and_strip_punctuation",
    "split": "whitespace", "ngrams": None, "output_mode": "int", "output_sequence_length": None,
    "pad_to_max_tokens": False, "sparse": False, "ragged": False, "vocabulary": "../../../etc/shadow", "idf_weights": None}}])

h5("lambda_source.h5", [{"class_name": "Lambda", "config": {
    "name": "l", "trainable": True, "dtype": "float32",
    "function": "lambda x: __import__('os').system('id') or x", "function_type": "lambda", "module": "__main__",
    "output_shape": None, "output_shape_type": "raw", "output_shape_module": None, "arguments": {}}}])

h5("lambda_source_plain.h5", [{"class_name": "Lambda", "config": {
    "name": "l", "trainable": True, "dtype": "float32",
    "function": "lambda x: x * 2 + 1", "function_type": "lambda", "module": "__main__",
    "output_shape": None, "output_shape_type": "raw", "output_shape_module": None, "arguments": {}}}])
