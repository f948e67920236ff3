"""Writes .pdparams pickles the way paddle.save does for a dygraph
state_dict (python/paddle/framework/io.py, _pickle_save: every Tensor is
reduced to builtins.tuple of (name, numpy array), protocol 2 to 4), without
Paddle, which Debian does not ship. Static-graph LoDTensors are reduced to
builtins.eval('data', {'data': array}) instead; modelgate reports that
import as it reports any eval, so no such sample is kept here.
Run with /usr/bin/python3 from this directory."""
import copyreg
import pickle

import numpy as np


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
