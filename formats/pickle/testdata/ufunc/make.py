#!/usr/bin/python3
"""Writes the FunctionTransformer-of-a-ufunc samples of ufunc_test.go.

    cd formats/pickle/testdata/ufunc && /usr/bin/python3 make.py

numpy >= 1.20 (1.24 here) pickles a ufunc by name: pickle's whichmodule
finds it as numpy.core._multiarray_umath.<name> (numpy 2.x ufuncs carry
__module__ "numpy": numpy.<name>). numpy < 1.20 reduced a ufunc to
numpy.core._ufunc_reconstruct(module, name), which numpy 1.24 still
defines for those pickles: ft_log1p_reconstruct.pkl is written with that
old reducer (numpy 1.19 numpy/core/__init__.py _ufunc_reduce) registered
again, so its opcodes are what numpy < 1.20 wrote. Nothing is loaded.
"""
import copyreg
import pickle

import numpy as np
from sklearn.preprocessing import FunctionTransformer


def transformer():
    return FunctionTransformer(func=np.log1p, inverse_func=np.expm1).fit(np.ones((3, 2)))


def old_ufunc_reduce(func):
    # numpy 1.19: _ufunc_reduce returns (_ufunc_reconstruct, (whichmodule(func, name), name)).
    name = func.__name__
    return np.core._ufunc_reconstruct, (pickle.whichmodule(func, name), name)


def main():
    for proto in (2, 4):
        with open("ft_log1p_p%d.pkl" % proto, "wb") as f:
            pickle.dump(transformer(), f, protocol=proto)
    copyreg.pickle(np.ufunc, old_ufunc_reduce)
    with open("ft_log1p_reconstruct.pkl", "wb") as f:
        pickle.dump(transformer(), f, protocol=2)


if __name__ == "__main__":
    main()
