#!/usr/bin/python3
"""skorch nets as pickle.dump(net) writes them, for the skorch ecosystem
allow.tsv lists from skorch's source (Debian does not package skorch),
and hostile variants.

    /usr/bin/python3 formats/pickle/testdata/skorch/make.py

The net and callback classes are stand-ins registered under skorch's
module names with the attributes the real objects keep (read at the
commits allow.tsv names). NeuralNet.__getstate__ moves module_,
criterion_ and optimizer_ into the bytes of a nested pickle:
pickle.dump of them under __cuda_dependent_attributes__ (skorch >= 1.1;
0.6-1.0 torch.save them there), and before 0.6 torch.save's legacy
stream under cuda_dependent_attributes_. The torch objects inside are
real (python3-torch), so the nested pickles carry torch's own globals
and storages (torch.storage._load_from_bytes). Seeds are fixed.
"""
import io
import os
import pickle
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
from stubs import module  # noqa: E402


def plain(name):
    return type(name, (object,), {})


class NeuralNet:
    """The state pickle.dump(net) writes: NeuralNet.__getstate__'s."""

    def __getstate__(self):
        return self.state


class History(list):
    pass


class MLPModule(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.sequential = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.ReLU(), torch.nn.Dropout(0.0),
                                              torch.nn.Linear(3, 2), torch.nn.Softmax(dim=-1))

    def forward(self, x):
        return self.sequential(x)


def noop(*args, **kwargs):
    return None


def to_numpy(X):
    return X


def _indexing_other(data, i):
    return data[i]


def train_loss_score(net, X=None, y=None):
    return None


def valid_loss_score(net, X=None, y=None):
    return None


def optimizer_setter(net, param, value, optimizer_attr="optimizer_", optimizer_name="optimizer"):
    return None


NeuralNetClassifier = type("NeuralNetClassifier", (NeuralNet,), {})
module("skorch.net", NeuralNet=NeuralNet)
module("skorch.classifier", NeuralNetClassifier=NeuralNetClassifier)
module("skorch.history", History=History)
module("skorch.toy", MLPModule=MLPModule)
module("skorch.utils", noop=noop, to_numpy=to_numpy, _indexing_other=_indexing_other,
       train_loss_score=train_loss_score, valid_loss_score=valid_loss_score)
module("skorch.setter", optimizer_setter=optimizer_setter)
EpochTimer, PrintLog = plain("EpochTimer"), plain("PrintLog")
module("skorch.callbacks.logging", EpochTimer=EpochTimer, PrintLog=PrintLog)
EpochScoring, BatchScoring, PassthroughScoring = plain("EpochScoring"), plain("BatchScoring"), plain("PassthroughScoring")
module("skorch.callbacks.scoring", EpochScoring=EpochScoring, BatchScoring=BatchScoring,
       PassthroughScoring=PassthroughScoring)
Dataset, ValidSplit, CVSplit = plain("Dataset"), plain("ValidSplit"), plain("CVSplit")
module("skorch.dataset", Dataset=Dataset, ValidSplit=ValidSplit, CVSplit=CVSplit)


def obj(cls, **attrs):
    o = cls.__new__(cls)
    o.__dict__.update(attrs)
    return o


class Call:
    """Pickles as a call of fn with args: what a hostile file writes."""

    def __init__(self, fn, *args):
        self.fn, self.args = fn, args

    def __reduce__(self):
        return self.fn, self.args


def cuda_attrs():
    torch.manual_seed(0)
    net = MLPModule()
    return {"module_": net, "criterion_": torch.nn.NLLLoss(),
            "optimizer_": torch.optim.SGD(net.parameters(), lr=0.1)}


def legacy_bytes(value):
    buf = io.BytesIO()
    torch.save(value, buf, _use_new_zipfile_serialization=False)
    return buf.getvalue()


def net_state(split, **extra):
    callbacks = [
        ("epoch_timer", obj(EpochTimer, epoch_start_time_=1.0)),
        ("train_loss", obj(PassthroughScoring, name="train_loss", lower_is_better=True, on_train=True)),
        ("valid_loss", obj(BatchScoring, scoring=valid_loss_score, lower_is_better=True, on_train=False,
                           name="valid_loss", target_extractor=to_numpy, use_caching=True)),
        ("valid_acc", obj(EpochScoring, scoring="accuracy", lower_is_better=False, on_train=False,
                          name="valid_acc", target_extractor=to_numpy, use_caching=True)),
        ("print_log", obj(PrintLog, keys_ignored=None, sink=print, tablefmt="simple", floatfmt=".4f",
                          stralign="right")),
    ]
    state = {
        "module": MLPModule, "criterion": torch.nn.NLLLoss, "optimizer": torch.optim.SGD, "lr": 0.1,
        "max_epochs": 2, "batch_size": 8, "iterator_train": torch.utils.data.DataLoader,
        "iterator_valid": torch.utils.data.DataLoader, "dataset": Dataset, "train_split": split,
        "callbacks": None, "predict_nonlinearity": "auto", "warm_start": False, "verbose": 1, "device": "cpu",
        "callbacks_": callbacks, "initialized_": True,
        "history_": History([{"epoch": 1, "batches": [{"train_loss": 0.7, "train_batch_size": 8}],
                              "train_loss": 0.7, "valid_loss": 0.69, "valid_acc": 0.5, "dur": 0.01}]),
        "classes": None, "virtual_params_": {}, "optimizer__lr": 0.1,
    }
    state.update(extra)
    return state


def net(cls, split, **extra):
    n = cls.__new__(cls)
    n.state = net_state(split, **extra)
    return n


def current(**over):
    extra = {"torch_load_kwargs": None, "cuda_dependent_attributes_": ["module_", "criterion_", "optimizer_"],
             "__cuda_dependent_attributes__": pickle.dumps(cuda_attrs())}
    extra.update(over)
    return net(NeuralNetClassifier, obj(ValidSplit, cv=5, stratified=True, random_state=None), **extra)


def write(name, value, protocol=4):
    with open(os.path.join(HERE, name), "wb") as f:
        pickle.dump(value, f, protocol=protocol)


def main():
    write("net.pkl", current())
    # skorch < 0.6 (model_0.5.0.pkl of skorch's tests): torch.save's legacy
    # stream under cuda_dependent_attributes_, protocol 3.
    write("net_0.5.pkl", net(NeuralNetClassifier, obj(CVSplit, cv=5, stratified=True, random_state=None),
                              cuda_dependent_attributes_=legacy_bytes(cuda_attrs())), protocol=3)
    system = Call(os.system, "id")
    write("hostile_nested_system.pkl", current(__cuda_dependent_attributes__=pickle.dumps({"module_": system})))
    # Only skorch < 0.6 reads the old key; a newer one reads the benign new key.
    write("hostile_old_key_system.pkl", current(cuda_dependent_attributes_=pickle.dumps({"module_": system})))
    write("hostile_pickle_module.pkl", current(torch_load_kwargs={"weights_only": False, "pickle_module": Dataset}))
    write("hostile_net_called.pkl", Call(NeuralNetClassifier, "/etc/passwd"))
    write("hostile_print_called.pkl", Call(print, "x"))


if __name__ == "__main__":
    main()
