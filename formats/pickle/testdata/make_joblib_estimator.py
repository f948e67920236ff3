"""Writes joblib_estimator.pkl, a fitted scikit-learn estimator dumped by
joblib, for the model-card facts of formats/pickle (DescribeJoblib). Run
with /usr/bin/python3 from this directory.
"""
import os

import joblib
import numpy as np
from sklearn.linear_model import LogisticRegression

here = os.path.dirname(os.path.abspath(__file__))
X = np.array([[0.0, 1.0], [1.0, 0.0], [2.0, 1.0], [3.0, 0.0]])
y = np.array([0, 0, 1, 1])
joblib.dump(LogisticRegression().fit(X, y), os.path.join(here, "joblib_estimator.pkl"), protocol=4)
