#!/usr/bin/python3
"""Hand-assembled pickles of libraries Debian does not package, for the
ecosystems allow.tsv lists from their source (lightning, surprise).

    /usr/bin/python3 formats/pickle/globals/testdata/ecosystems/hand_samples.py

Each library's classes are stand-ins registered under the real module
names, with the members the real classes have (read at the commits
allow.tsv names), so the streams name the same globals in the same roles
as the library's own files: a Trainer.save_checkpoint checkpoint's
data.pkl (torch.save, zip) and surprise.dump.dump's pickle. The values
are small and fixed, so a rerun writes the same bytes.
"""
import enum
import io
import os
import sys
import types
import zipfile
from collections import OrderedDict

HERE = os.path.dirname(os.path.abspath(__file__))


def module(name, **members):
    """Registers a stand-in module; classes and functions get its name."""
    parts = name.split(".")
    for i in range(1, len(parts) + 1):
        sys.modules.setdefault(".".join(parts[:i]), types.ModuleType(".".join(parts[:i])))
    m = sys.modules[name]
    for k, v in members.items():
        v.__module__ = name
        v.__qualname__ = k
        setattr(m, k, v)
    return m


def lightning():
    import torch
    from omegaconf import OmegaConf

    class AttributeDict(dict):
        def __getattr__(self, key):
            return self[key]

    def _gpus_arg_default(x):
        return str(x) if "," in x else int(x)

    class _FaultTolerantMode(str, enum.Enum):
        DISABLED = "disabled"

    module("pytorch_lightning.utilities.parsing", AttributeDict=AttributeDict)
    module("pytorch_lightning.utilities.argparse", _gpus_arg_default=_gpus_arg_default)
    module("pytorch_lightning.utilities.enums", _FaultTolerantMode=_FaultTolerantMode)
    callbacks = {}
    for mod, cls in (("model_checkpoint", "ModelCheckpoint"), ("early_stopping", "EarlyStopping"), ("timer", "Timer")):
        callbacks[cls] = type(cls, (), {})
        module("pytorch_lightning.callbacks." + mod, **{cls: callbacks[cls]})
    module("lightning.fabric.utilities.data", AttributeDict=type("AttributeDict", (dict,), {}))
    fabric_dict = sys.modules["lightning.fabric.utilities.data"].AttributeDict

    weight = torch.ones(2, 3)
    hparams = OmegaConf.create({"model": {"lr": 0.001, "hidden": [8, 4]}, "trainer": {"max_epochs": 2},
                                "lr": "${model.lr}"})
    ckpt_1x = {
        "epoch": 1, "global_step": 20, "pytorch-lightning_version": "1.4.0",
        "state_dict": OrderedDict([("layer.weight", weight), ("layer.bias", torch.zeros(2))]),
        "callbacks": {
            callbacks["ModelCheckpoint"]: {"monitor": "val_loss", "best_model_score": torch.tensor(0.5),
                                           "best_model_path": "epoch=1.ckpt", "dirpath": "checkpoints/"},
            callbacks["EarlyStopping"]: {"wait_count": 0, "stopped_epoch": 0, "best_score": torch.tensor(0.5),
                                         "patience": 3},
            callbacks["Timer"]: {"time_elapsed": {"train": 1.5, "validate": 0.2}},
        },
        "optimizer_states": [{"state": {0: {"step": 20, "exp_avg": torch.zeros(2, 3)}},
                              "param_groups": [{"lr": 0.001, "betas": (0.9, 0.999), "params": [0, 1]}]}],
        "lr_schedulers": [{"step_size": 10, "gamma": 0.1, "base_lrs": [0.001], "last_epoch": 1}],
        "hparams_name": "kwargs",
        "hyper_parameters": AttributeDict(lr=0.001, gpus=_gpus_arg_default, batch_size=32),
        "_fault_tolerant_mode": _FaultTolerantMode.DISABLED,
    }
    ckpt_2x = {
        "epoch": 1, "global_step": 20, "pytorch-lightning_version": "2.2.0",
        "state_dict": OrderedDict([("layer.weight", weight)]),
        "loops": {"fit_loop": {"state_dict": {}, "epoch_progress": {"total": {"ready": 2, "completed": 1}}}},
        "callbacks": {"ModelCheckpoint{'monitor': 'val_loss', 'mode': 'min'}": {"best_model_score": torch.tensor(0.4)}},
        "hparams_name": "cfg", "hyper_parameters": hparams, "hparams_type": type(hparams),
        "datamodule_hyper_parameters": fabric_dict(batch_size=32),
    }
    out = []
    for ckpt in (ckpt_1x, ckpt_2x):
        buf = io.BytesIO()
        torch.save(ckpt, buf)
        with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as z:
            out.append(z.read(next(n for n in z.namelist() if n.endswith("data.pkl"))))
    return out


def main():
    for i, data in enumerate(lightning()):
        with open(os.path.join(HERE, "lightning_%dx.pkl" % (i + 1)), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
