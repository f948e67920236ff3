"""Writes the ONNX samples of the onnx package's tests with the onnx
helper API.

    /usr/bin/python3 gen.py

Nothing here is ever run by onnxruntime; the malicious samples only carry
the structures the scanner must report.
"""
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

X = helper.make_tensor_value_info("x", TensorProto.FLOAT, [2])
Y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [2])
C = helper.make_tensor_value_info("c", TensorProto.BOOL, [])


def model(nodes, inputs=(X,), inits=(), functions=(), opsets=(("", 17),), name="m.onnx", save=True, **kw):
    g = helper.make_graph(list(nodes), "g", list(inputs), [Y], initializer=list(inits))
    m = helper.make_model(g, opset_imports=[helper.make_opsetid(d, v) for d, v in opsets],
                          functions=list(functions), producer_name="modelgate-tests", **kw)
    if save:
        onnx.save(m, name)
    return m


w = numpy_helper.from_array(np.ones(2, np.float32), "w")

# Benign: an If whose branches hold a Loop-free subgraph, a model-local
# function, and an initializer.
then_g = helper.make_graph([helper.make_node("Add", ["x", "w"], ["y"])], "then", [], [Y])
else_g = helper.make_graph([helper.make_node("Relu", ["x"], ["y"])], "else", [], [Y])
fn = helper.make_function("local.fn", "Twice", ["a"], ["b"], [helper.make_node("Add", ["a", "a"], ["b"])],
                          [helper.make_opsetid("", 17)])
model([helper.make_node("Twice", ["x"], ["t"], domain="local.fn"),
       helper.make_node("If", ["c"], ["y"], then_branch=then_g, else_branch=else_g)],
      inputs=(X, C), inits=(w,), functions=(fn,), opsets=(("", 17), ("local.fn", 1)), name="benign_subgraphs.onnx")

# Benign external data, saved the way onnx does it.
os.makedirs("external_ok", exist_ok=True)
big = numpy_helper.from_array(np.ones(4096, np.float32), "big")
m = model([helper.make_node("Add", ["x", "big"], ["y"])], inits=(big,), save=False)
onnx.save_model(m, "external_ok/model.onnx", save_as_external_data=True, all_tensors_to_one_file=True,
                location="weights.bin", size_threshold=0)


def external(name, location, **extra):
    t = numpy_helper.from_array(np.ones(2, np.float32), "w")
    t.ClearField("raw_data")
    t.data_location = TensorProto.EXTERNAL
    for k, v in [("location", location)] + list(extra.items()):
        e = t.external_data.add()
        e.key, e.value = k, v
    model([helper.make_node("Add", ["x", "w"], ["y"])], inits=(t,), name=name)


external("external_traversal.onnx", "../../../etc/passwd")
external("external_mem_addr.onnx", "*/_ORT_MEM_ADDR_/*", offset="140737488355328", length="8")
os.makedirs("external_missing", exist_ok=True)
external("external_missing/model.onnx", "weights.bin", offset="0", length="8")

# A PyOp hidden in the else branch of an If inside a Loop body.
pyop = helper.make_node("PyOp", ["x"], ["y"], domain="ai.onnx.contrib", module="os", class_name="system",
                        input_types=[1], output_types=[1])
inner_if = helper.make_node("If", ["c"], ["y"], then_branch=then_g,
                            else_branch=helper.make_graph([pyop], "evil", [], [Y]))
body = helper.make_graph([inner_if], "body", [], [Y])
model([helper.make_node("Loop", ["", "c"], ["y"], body=body)], inputs=(X, C), name="pyop_nested.onnx")

model([helper.make_node("MyKernel", ["x"], ["y"], domain="com.example.native")],
      opsets=(("", 17), ("com.example.native", 1)), name="custom_domain.onnx")
model([helper.make_node("ATen", ["x"], ["y"], domain="org.pytorch.aten", operator="from_file")],
      opsets=(("", 17), ("org.pytorch.aten", 1)), name="aten.onnx")
model([helper.make_node("EPContext", ["x"], ["y"], domain="com.microsoft", embed_mode=0,
                        ep_cache_context="../../engines/evil.engine", source="TensorrtExecutionProvider")],
      opsets=(("", 17), ("com.microsoft", 1)), name="epcontext_path.onnx")
