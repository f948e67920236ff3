"""Writes YAML that PyYAML's yaml.dump produces for Python objects, the
way training scripts dump hyperparameters. Run with /usr/bin/python3 from
this directory; the payload sample is written by hand, as yaml.dump would
not produce a call of os.system."""
import argparse

import numpy as np
import yaml

with open("hparams_tuple.yaml", "w") as f:
    yaml.dump({"lr": 0.001, "betas": (0.9, 0.999), "sizes": [64, 32]}, f)
with open("hparams_numpy.yaml", "w") as f:
    yaml.dump({"best": np.float64(0.93), "epochs": 10}, f)
with open("namespace.yaml", "w") as f:
    yaml.dump(argparse.Namespace(lr=0.1, act="relu"), f)
with open("payload.yaml", "w") as f:
    f.write('model: resnet\nhook: !!python/object/apply:os.system ["id"]\n')
