# Makes storage_lookalike.pt: torch.save of a float32 tensor whose raw storage
# bytes begin 7d 82 01 3e (EMPTY_DICT, EXT1 1, ...), as real weights do (a
# value near 0.1265): read on its own, the data/0 record sniffs as a pickle.
# torch.load reads it only as the storage's numbers. Run with Debian's
# /usr/bin/python3.
import struct

import torch

first = struct.unpack("<f", b"\x7d\x82\x01\x3e")[0]
torch.save({"w": torch.tensor([first, 0.5, -0.25, 1.0], dtype=torch.float32)}, "storage_lookalike.pt")
