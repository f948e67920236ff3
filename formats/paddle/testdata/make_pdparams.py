"""Writes .pdparams pickles the way paddle.save does for a dygraph
state_dict (python/paddle/framework/io.py, _pickle_save: every Tensor is
reduced to builtins.tuple of (name, numpy array), protocol 2 to 4) and for
static-graph LoDTensors (reduce_LoDTensor: builtins.eval('data', {'data':
array})), without Paddle, which Debian does not ship. The evil_* files call
eval the same way on what is not a bare name in its one-entry dict.
Run with /usr/bin/python3 from this directory."""
import copyreg
import pickle

import numpy as np


class LoDTensor:
    def __init__(self, array, code="data", env=None):
        self.array, self.code, self.env = array, code, env


def reduce_lod_tensor(t):
    return (eval, (t.code, t.env if t.env is not None else {"data": t.array}))


class Tensor:
    def __init__(self, name, array):
        self.name, self.array = name, array


def reduce_tensor(t):
    return (tuple, ((t.name, t.array),))


state = {
    "linear.weight": Tensor("linear_0.w_0", np.ones((2, 3), np.float32)),
    "linear.bias": Tensor("linear_0.b_0", np.zeros(3, np.float32)),
    "StructuredToParameterName@@": {"linear.weight": "linear_0.w_0", "linear.bias": "linear_0.b_0"},
}
for proto in (2, 4):
    with open(f"dygraph_p{proto}.pdparams", "wb") as f:
        p = pickle.Pickler(f, proto)
        p.dispatch_table = copyreg.dispatch_table.copy()
        p.dispatch_table[Tensor] = reduce_tensor
        p.dump(state)

static = {
    "fc_0.w_0": LoDTensor(np.ones((2, 3), np.float32)),
    "fc_0.b_0": LoDTensor(np.zeros(3, np.float32)),
}
evil = {
    "evil_expr.pdparams": {"w": LoDTensor(None, "__import__('os').system('id')", {})},
    "evil_builtin.pdparams": {"w": LoDTensor(None, "exec", {"data": 1})},
}
for name, obj in [("static_p2.pdparams", static), ("static_p4.pdparams", static)] + list(evil.items()):
    with open(name, "wb") as f:
        p = pickle.Pickler(f, 2 if "p2" in name else 4)
        p.dispatch_table = copyreg.dispatch_table.copy()
        p.dispatch_table[LoDTensor] = reduce_lod_tensor
        p.dump(obj)
