"""Makes the inventory test checkpoints with torch (run with /usr/bin/python3).

small_zip.pt     a module's state_dict, torch.save's zip format
small_legacy.pt  the same, legacy format (_use_new_zipfile_serialization=False)
shared_view.pt   two views of one storage, and a tensor inside a list
"""
import os

import torch

here = os.path.dirname(os.path.abspath(__file__))
torch.manual_seed(0)
m = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4), torch.nn.Linear(4, 2, bias=False).half())
torch.save(m.state_dict(), os.path.join(here, "small_zip.pt"))
torch.save(m.state_dict(), os.path.join(here, "small_legacy.pt"), _use_new_zipfile_serialization=False)
base = torch.arange(12, dtype=torch.int32)
torch.save({"a": base[:6].view(2, 3), "b": [base[6:]], "step": 3}, os.path.join(here, "shared_view.pt"))
