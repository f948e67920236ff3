#!/usr/bin/python3
"""Real pickles for formats/pickle dunders_test.go, written by the real
picklers (run with /usr/bin/python3 from this folder):

* keys_p{2,4}.pkl: objects libraries pickle as dict keys and
  set elements, which loading hashes: NumPy scalars, torch dtypes and
  devices, enum members, pandas Timestamps, Timedeltas, Periods and
  Intervals, tuples of those, in dicts, sets, frozensets, Counters and
  OrderedDicts, beside a pandas Series held as a value. They must scan
  clean.
* str_series.pkl: a pickle whose loading calls builtins.str on a pandas
  Series (an object whose __reduce__ returns (str, (series,))), which runs
  Series.__repr__ and so Series.to_string; format_series.pkl the same
  through builtins.format. They must fail the gate.
* config_keys.pkl: a dict whose keys are tuples holding two omegaconf
  DictConfigs of the same text ({"k": "${spy:x}"}), set by SETITEMS (a
  dict built with equal keys would have only one): loading hashes both
  tuples alike and compares them, which runs DictConfig.__eq__ and so the
  "spy" resolver the loading program registered. It must fail the gate.
* str_list_series.pkl: builtins.str of a list holding a Series (repr of
  a list runs repr on every item); format_exception_series.pkl
  builtins.format of a ValueError holding one (BaseException.__str__ runs
  str on its one argument). They must fail the gate.
* deque_booster.pkl: collections.deque of an xgboost Booster, which
  iterates it (Booster.__getitem__); adam_booster.pkl torch.optim.Adam of
  a param group whose params are a Booster (Optimizer.add_param_group runs
  list(params)). They must fail the gate.
"""
import collections
import pickle

import numpy as np
import pandas as pd
import torch
import xgboost as xgb
from omegaconf import OmegaConf
from optuna.study import StudyDirection
from optuna.trial import TrialState


def keys():
    ts = pd.Timestamp("2024-01-02")
    iv = pd.Interval(0.0, 1.5)
    return {
        "numpy": {np.int64(3): "a", np.float32(1.5): "b", np.bool_(True): "c", np.str_("s"): "d"},
        "torch": {torch.float32: 1, torch.int8: 2, torch.device("cpu"): 3},
        "enum": {TrialState.COMPLETE: 1, StudyDirection.MAXIMIZE: 2},
        "pandas": {ts: 1, pd.Timedelta(days=1): 2, pd.Period("2024-01", freq="M"): 3, iv: 4},
        "tuples": {(np.int64(1), ts): 1, (torch.float16, iv): 2},
        "sets": [{np.int64(1), np.int64(2)}, frozenset({ts, pd.Timestamp("2025-01-01")}), {(np.int64(1), np.float64(2))}],
        "counter": collections.Counter([np.int64(1), np.int64(1), np.int64(2)]),
        "ordered": collections.OrderedDict([(np.int64(1), "x"), (ts, "y")]),
        # A Series held as a value: its __repr__ is not vouched for, so the
        # machine checks every key of this stream.
        "series": pd.Series([1.0, 2.0]),
    }


class Call:
    """Pickles as a call of fn on args."""

    def __init__(self, fn, *args):
        self.fn, self.args = fn, args

    def __reduce__(self):
        return (self.fn, self.args)


class Items:
    """Pickles as an empty dict filled by SETITEMS with pairs."""

    def __init__(self, pairs):
        self.pairs = pairs

    def __reduce__(self):
        return (dict, (), None, None, iter(self.pairs))


def main():
    k = keys()
    for proto in (2, 4):
        with open("keys_p%d.pkl" % proto, "wb") as f:
            pickle.dump(k, f, protocol=proto)
    with open("str_series.pkl", "wb") as f:
        pickle.dump(Call(str, pd.Series([1, 2])), f, protocol=4)
    with open("format_series.pkl", "wb") as f:
        pickle.dump(Call(format, pd.Series([1, 2]), ""), f, protocol=4)
    a, b = OmegaConf.create({"k": "${spy:x}"}), OmegaConf.create({"k": "${spy:x}"})
    with open("config_keys.pkl", "wb") as f:
        pickle.dump(Items([((a, 1), 1), ((b, 1), 2)]), f, protocol=2)
    with open("str_list_series.pkl", "wb") as f:
        pickle.dump(Call(str, [pd.Series([1, 2])]), f, protocol=4)
    with open("format_exception_series.pkl", "wb") as f:
        pickle.dump(Call(format, ValueError(pd.Series([1, 2])), ""), f, protocol=4)
    booster = xgb.train({"nthread": 1}, xgb.DMatrix(np.arange(16.0).reshape(8, 2), label=np.arange(8.0)), 1)
    with open("deque_booster.pkl", "wb") as f:
        pickle.dump(Call(collections.deque, booster), f, protocol=2)
    with open("adam_booster.pkl", "wb") as f:
        pickle.dump(Call(torch.optim.Adam, [{"params": booster}]), f, protocol=2)


if __name__ == "__main__":
    main()
