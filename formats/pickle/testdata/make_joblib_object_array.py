"""Writes joblib_object_array_p5.pkl: a dict of fitted scikit-learn
LabelEncoders over object columns, dumped by joblib as wild repositories save
them. joblib writes each object array's data as a pickle of its own, with
protocol 5 since joblib 1.3 (numpy_pickle.py write_array; Debian's 1.2
writes protocol 2, so the nested dump is made here the way 1.3 makes it).
pickle.load, reading on past the array wrapper, numbers that pickle's
MEMOIZE slots after the dump's, so its GETs fetch the dump's strings and
it imports LabelEncoder.dtype. Run with /usr/bin/python3 from this
directory.
"""
import os
import pickle

import joblib
import joblib.numpy_pickle
import numpy as np
from sklearn.preprocessing import LabelEncoder


class Protocol5:
    """pickle as joblib >= 1.3's write_array calls it: protocol 5."""

    def __getattr__(self, name):
        return getattr(pickle, name)

    @staticmethod
    def dump(obj, file, protocol=None):
        pickle.dump(obj, file, protocol=5)


here = os.path.dirname(os.path.abspath(__file__))
joblib.numpy_pickle.pickle = Protocol5()
# Fitted on object columns (a pandas frame's), so classes_ is an object array.
encoders = {"category": LabelEncoder().fit(np.array(["housing", "retail", "office"], dtype=object)),
            "state": LabelEncoder().fit(np.array(["CA", "NY", "TX", "WA"], dtype=object))}
joblib.dump(encoders, os.path.join(here, "joblib_object_array_p5.pkl"), protocol=5)
