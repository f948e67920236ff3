#!/usr/bin/python3
"""Real pickles for formats/pickle configs_test.go, written by the real
picklers (run with /usr/bin/python3 from this folder). Each holds omegaconf
configs whose values interpolate ("${spy:x}") a resolver the loading
program might register:

* checkpoint_p{2,4}.pkl: a Lightning-style checkpoint dict: the model's
  state_dict, hyper_parameters as a DictConfig, a list and an OrderedDict
  of configs, and an argparse.Namespace holding one. Loading stores them.
  They must scan clean.
* module_p{2,4}.pkl: a whole torch.nn.Sequential whose modules hold
  configs as attributes (torch.nn.Module.__setstate__ updates __dict__),
  beside an omegaconf container of nested configs. It must scan clean.
* sorted_pairs.pkl: a pickle whose loading calls sorted on a list of
  (config, int) tuples; comparing the tuples compares the configs with
  DictConfig.__eq__, which resolves them. It must fail the gate.
* series_flags.pkl: a pandas Series whose BUILD state's _flags is a
  DictConfig: NDFrame.__setstate__ unpacks it as keyword arguments, which
  resolves its values. It must fail the gate.

Loaded back by /usr/bin/python3 with omegaconf 2.2.2 and a "spy" resolver
registered, the checkpoints and modules called it 0 times, sorted_pairs.pkl
4 times and series_flags.pkl once.
"""
import argparse
import collections
import copyreg
import pickle

import pandas as pd
import torch
from omegaconf import OmegaConf


def cfg():
    return OmegaConf.create({"lr": "${spy:x}", "layers": [1, 2, "${spy:y}"], "opt": {"name": "adam"}})


def checkpoint():
    model = torch.nn.Linear(2, 2)
    return {
        "state_dict": model.state_dict(),
        "hyper_parameters": cfg(),
        "hparams_list": [cfg(), OmegaConf.create(["${spy:z}"])],
        "hparams_ordered": collections.OrderedDict([("a", cfg())]),
        "namespace": argparse.Namespace(cfg=cfg()),
    }


def module():
    seq = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.ReLU())
    seq.cfg = cfg()
    seq[0].hparams = {"nested": [cfg()]}
    return seq


class Call:
    """Pickles as a call of fn on args."""

    def __init__(self, fn, *args):
        self.fn, self.args = fn, args

    def __reduce__(self):
        return (self.fn, self.args)


class Flagged:
    """Pickles as a pandas Series whose state's _flags is a config."""

    def __reduce__(self):
        s = pd.Series([1.0])
        state = s.__getstate__()
        state["_flags"] = OmegaConf.create({"allows_duplicate_labels": "${spy:x}"})
        return (copyreg._reconstructor, (pd.Series, object, None), state)


def main():
    torch.manual_seed(0)
    for proto in (2, 4):
        with open("checkpoint_p%d.pkl" % proto, "wb") as f:
            pickle.dump(checkpoint(), f, protocol=proto)
        with open("module_p%d.pkl" % proto, "wb") as f:
            pickle.dump(module(), f, protocol=proto)
    with open("sorted_pairs.pkl", "wb") as f:
        pickle.dump(Call(sorted, [(cfg(), 1), (cfg(), 0)]), f, protocol=2)
    with open("series_flags.pkl", "wb") as f:
        pickle.dump(Flagged(), f, protocol=2)


if __name__ == "__main__":
    main()
