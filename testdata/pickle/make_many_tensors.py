#!/usr/bin/python3
"""Writes benign/torch_many_tensors.pkl: 400 torch tensors pickled with plain
pickle.dumps, as pickle.dump(model) stores a network's parameters. Each
tensor's storage is torch.storage._load_from_bytes of a legacy torch.save
stream (five pickles), 2,000 nested pickles in all, more than a mid-size
model such as ResNet-50 (320 storages) and more than modelgate's earlier
limit of 1,000 pickles per file.

Needs Debian's python3-torch: /usr/bin/python3 make_many_tensors.py
"""
import os
import pickle

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
torch.manual_seed(0)
with open(os.path.join(HERE, "benign", "torch_many_tensors.pkl"), "wb") as f:
    pickle.dump([torch.randn(2) for _ in range(400)], f, protocol=2)
