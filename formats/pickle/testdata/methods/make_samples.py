#!/usr/bin/python3
"""Writes real pickles of bound methods of library objects (a method
pickled without its call parentheses): pickle writes each as
getattr(obj, "name") after the object. Run with /usr/bin/python3 (pandas
1.5, scikit-learn 1.2, torch 1.13) from this folder."""
import pickle

import numpy as np
import pandas as pd
import torch
from sklearn.linear_model import LogisticRegression


def main():
    df = pd.DataFrame({"a": [1, 2, 3], "b": [0.5, 1.5, 2.5]})
    x = np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0]])
    y = np.array([0, 1, 1, 0])
    clf = LogisticRegression().fit(x, y)
    samples = {
        "pandas_to_dict.pkl": (df.to_dict, 4),
        "pandas_to_dict_p2.pkl": (df.to_dict, 2),
        "sklearn_predict_proba.pkl": (clf.predict_proba, 4),
        "torch_linear_forward.pkl": ({"fn": torch.nn.Linear(2, 1).forward}, 4),
    }
    for name, (obj, proto) in samples.items():
        with open(name, "wb") as f:
            f.write(pickle.dumps(obj, protocol=proto))


if __name__ == "__main__":
    main()
