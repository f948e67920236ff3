# Makes column_passthrough.pkl: a fitted scikit-learn ColumnTransformer with
# remainder="passthrough". scikit-learn >= 1.2 keeps, in
# _name_to_fitted_passthrough, a FunctionTransformer whose func and
# inverse_func are None (the identity), so every such pipeline pickles the
# FunctionTransformer class. Run with Debian's /usr/bin/python3.
import pickle

import numpy as np
from sklearn.compose import ColumnTransformer
from sklearn.preprocessing import MinMaxScaler

ct = ColumnTransformer([("scale", MinMaxScaler(), [0])], remainder="passthrough")
ct.fit(np.arange(15, dtype=np.float64).reshape(5, 3))
with open("column_passthrough.pkl", "wb") as f:
    pickle.dump(ct, f, protocol=4)
