"""External data that loaders read differently, made with onnx (Debian's
python3-onnx 1.12) and checked against its own loader. Run from
formats/onnx/testdata with /usr/bin/python3.

external_len0/: two tensors saved to one file by onnx; the second's
length is then set to "0". onnx before 2026 (`if info.length:`) reads
from its offset to the end of the file, newer onnx reads nothing and
onnxruntime reads the tensor's size.

external_dotfile/: the location ".weights.bin". onnx before 1.16
(_sanitize_path: lstrip('/.')) opens "weights.bin" instead; newer
loaders open ".weights.bin".
"""
import os
import shutil

import numpy as np
import onnx
from onnx import helper, numpy_helper, TensorProto
from onnx.external_data_helper import load_external_data_for_model


def model(inits):
    X = helper.make_tensor_value_info("x", TensorProto.FLOAT, [4])
    Y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [4])
    nodes = [helper.make_node("Add", ["x", inits[0].name], ["t"]),
             helper.make_node("Add", ["t", inits[-1].name], ["y"])]
    g = helper.make_graph(nodes, "g", [X], [Y], initializer=inits)
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])


def set_entry(t, key, value):
    for e in t.external_data:
        if e.key == key:
            e.value = value


shutil.rmtree("external_len0", ignore_errors=True)
os.makedirs("external_len0")
a = numpy_helper.from_array(np.ones(4, np.float32), "a")
b = numpy_helper.from_array(np.full(4, 2, np.float32), "b")
m = model([a, b])
onnx.save_model(m, "external_len0/model.onnx", save_as_external_data=True,
                all_tensors_to_one_file=True, location="weights.bin", size_threshold=0)
m = onnx.load("external_len0/model.onnx", load_external_data=False)
a_ext = {e.key: e.value for e in m.graph.initializer[0].external_data}
set_entry(m.graph.initializer[0], "length", "0")
onnx.save_model(m, "external_len0/model.onnx")
check = onnx.load("external_len0/model.onnx", load_external_data=False)
load_external_data_for_model(check, "external_len0")
size = os.path.getsize("external_len0/weights.bin")
got = len(check.graph.initializer[0].raw_data)
assert got == size - int(a_ext["offset"]) > 16, (got, size)

shutil.rmtree("external_dotfile", ignore_errors=True)
os.makedirs("external_dotfile")
w = numpy_helper.from_array(np.ones(4, np.float32), "w")
m = model([w])
onnx.save_model(m, "external_dotfile/model.onnx", save_as_external_data=True,
                all_tensors_to_one_file=True, location=".weights.bin", size_threshold=0)
with open("external_dotfile/weights.bin", "wb") as f:
    f.write(np.full(4, 7, np.float32).tobytes())
check = onnx.load("external_dotfile/model.onnx")
assert numpy_helper.to_array(check.graph.initializer[0])[0] == 7
