"""Writes the scipy.stats distribution samples of scipy_test.go.

Run with Debian's interpreter (python3-scipy, python3-joblib):
    /usr/bin/python3 make_scipy.py
A distribution object pickles its _parse_arg_template, which
rv_generic.__setstate__ execs: these files carry the text scipy generates.
"""
import pickle

import joblib
import numpy
import scipy.stats as st

numpy.random.seed(0)  # the objects pickle the global RandomState
samples = {
    "uniform_gen.pkl": st.uniform,               # the distribution object itself
    "uniform_frozen.pkl": st.uniform(0.1, 10),   # frozen, as RandomizedSearchCV params hold it
    "loguniform_frozen.pkl": st.loguniform(1e-4, 1e-1),  # reciprocal_gen, two shapes
    "gamma_gen.pkl": st.gamma,                   # one shape
    # discrete: the state keeps vecentropy, vectorize(getattr(dist, "_entropy"))
    "randint_frozen.pkl": st.randint(2, 5),
}
for name, obj in samples.items():
    with open(name, "wb") as f:
        pickle.dump(obj, f, protocol=4)
joblib.dump(st.uniform(0, 10), "uniform_frozen.joblib")
with open("randint_gen_p2.pkl", "wb") as f:
    pickle.dump(st.randint, f, protocol=2)
