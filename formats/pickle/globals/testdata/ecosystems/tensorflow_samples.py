#!/usr/bin/python3
"""Hand-assembled pickles of TensorFlow value objects (Debian does not
package TensorFlow), naming the globals plain pickle writes for them:

  tensorflow_callbacks.pkl  a Keras callback state dict holding an EagerTensor
                            metric, protocol 3 (as Determined's
                            determined-callbacks.v1.pkl):
                            convert_to_tensor(numpy float32 scalar)
  tensorflow_rng_state.pkl  a tf.random.Generator state, protocol 4 (as
                            Determined's rng_state.pkl):
                            partial(ResourceVariable, initial_value=<int64
                            array>, trainable=False, name="Variable",
                            dtype=as_dtype("int64"), constraint=None,
                            distribute_strategy=None)()

    /usr/bin/python3 formats/pickle/globals/testdata/ecosystems/tensorflow_samples.py

The stand-ins reduce the way TensorFlow's own __reduce__ methods do (read
at the commits allow.tsv names): EagerTensor to (convert_to_tensor,
(self._numpy(),)), DType to (as_dtype, (self.name,)) and
BaseResourceVariable to (functools.partial(ResourceVariable, ...), ()).
The values are small and fixed, so a rerun writes the same bytes.
"""
import functools
import os
import pickle
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "testdata"))
from stubs import module  # noqa: E402


def convert_to_tensor(value, dtype=None, name=None):
    raise AssertionError("never called: the sample is only written")


def as_dtype(type_value):
    raise AssertionError("never called: the sample is only written")


class ResourceVariable:
    pass


module("tensorflow.python.framework.ops", convert_to_tensor=convert_to_tensor)
module("tensorflow.python.framework.dtypes", as_dtype=as_dtype)
module("tensorflow.python.ops.resource_variable_ops", ResourceVariable=ResourceVariable)


class EagerTensor:
    def __init__(self, value):
        self.value = value

    def __reduce__(self):
        return convert_to_tensor, (self.value,)


class DType:
    def __init__(self, name):
        self.name = name

    def __reduce__(self):
        return as_dtype, (self.name,)


class Variable:
    def __init__(self, value, dtype):
        self.value, self.dtype = value, dtype

    def __reduce__(self):
        return functools.partial(ResourceVariable, initial_value=self.value, trainable=False, name="Variable",
                                 dtype=self.dtype, constraint=None, distribute_strategy=None), ()


def main():
    callbacks = {
        "self": {"epoch": 0, "want_epoch_begin": False, "epoch_batches": 1,
                 "latest_training_metrics": {"loss": EagerTensor(np.float32(1.6666666))}, "total_batches": 1},
        "callbacks": [{"trained_total": 1, "validation_len": 4}, {"val_loss": [28.310314178466797]}],
    }
    with open(os.path.join(HERE, "tensorflow_callbacks.pkl"), "wb") as f:
        pickle.dump(callbacks, f, protocol=3)
    state = {
        "np_rng_state": ("MT19937", np.arange(8, dtype=np.uint32), 8, 0, 0.0),
        "random_rng_state": (3, tuple(range(8)), None),
        "tf2_rng_global_algorithm": 1,
        "tf2_rng_global_state": Variable(np.array([7, 11, 0], dtype=np.int64), DType("int64")),
    }
    with open(os.path.join(HERE, "tensorflow_rng_state.pkl"), "wb") as f:
        pickle.dump(state, f, protocol=4)


if __name__ == "__main__":
    main()
