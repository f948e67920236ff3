"""Writes the HDF5 samples of the hdf5 package's tests with h5py.

    /usr/bin/python3 gen.py

Each file is small; none holds real data.
"""
import json

import h5py
import numpy as np

CONFIG = json.dumps({"class_name": "Sequential", "config": {"name": "s", "layers": [
    {"class_name": "Dense", "config": {"name": "d", "units": 2}}]}})


def weights(f):
    g = f.create_group("model_weights/dense/dense")
    g.create_dataset("kernel:0", data=np.zeros((2, 2), "f4"))
    g.create_dataset("bias:0", data=np.zeros((2,), "f4"))


# Old-style file: superblock 0, symbol-table groups, fixed-length string
# attribute (bytes) and variable-length string attribute (str).
with h5py.File("plain_v0.h5", "w") as f:
    f.attrs["model_config"] = CONFIG.encode()
    f.attrs["keras_version"] = "2.4.0"
    f.attrs["backend"] = "tensorflow"
    weights(f)

# New-style file: superblock 3, version 2 object headers, a config large
# enough to need dense attribute storage, and a group with enough links
# to need dense link storage.
big = json.dumps({"class_name": "Sequential", "config": {"name": "big", "layers": [
    {"class_name": "Dense", "config": {"name": "d%d" % i, "units": 2, "pad": "x" * 64}} for i in range(760)]}})
with h5py.File("dense_v3.h5", "w", libver="latest") as f:
    f.attrs["model_config"] = big
    f.attrs["keras_version"] = "2.4.0"
    for i in range(20):
        f.attrs["extra%d" % i] = "v%d" % i
    weights(f)
    g = f.create_group("many")
    for i in range(40):
        g.create_dataset("d%d" % i, data=np.zeros((1,), "f4"))

# A user block in front of the superblock.
with h5py.File("userblock.h5", "w", userblock_size=512) as f:
    f.attrs["model_config"] = CONFIG
    weights(f)

with h5py.File("external_link.h5", "w") as f:
    f.attrs["model_config"] = CONFIG
    weights(f)
    f["model_weights/stolen"] = h5py.ExternalLink("/etc/passwd.h5", "/data")

with h5py.File("external_link_dense.h5", "w", libver="latest") as f:
    g = f.create_group("g")
    for i in range(20):
        g.create_group("m%d" % i)
    g["stolen"] = h5py.ExternalLink("../secret.h5", "/x")

with h5py.File("soft_link.h5", "w") as f:
    weights(f)
    f["alias"] = h5py.SoftLink("/model_weights/dense")

# Soft links in a data file with no Keras layout (as NWB and netCDF files
# keep them), in a Keras 3 weights layout (vars groups) and in a legacy
# save_weights file (root layer_names, no model_weights group).
with h5py.File("soft_link_data.h5", "w") as f:
    f.create_dataset("acquisition/raw", data=np.zeros((4,), "f4"))
    f["processing/raw"] = h5py.SoftLink("/acquisition/raw")

with h5py.File("soft_link_vars.h5", "w") as f:
    f.create_dataset("layers/dense/vars/0", data=np.zeros((2, 2), "f4"))
    f["layers/dense_1/vars"] = h5py.SoftLink("/layers/dense/vars")

with h5py.File("soft_link_layer_names.h5", "w") as f:
    f.attrs["layer_names"] = [b"dense"]
    f.create_dataset("dense/dense/kernel:0", data=np.zeros((2, 2), "f4"))
    f["dense/alias"] = h5py.SoftLink("/dense/dense")

with h5py.File("external_storage.h5", "w") as f:
    f.create_dataset("kernel", shape=(10,), dtype="u1", external=[("/etc/passwd", 0, 10)])

layout = h5py.VirtualLayout(shape=(4,), dtype="f4")
layout[:] = h5py.VirtualSource("/tmp/elsewhere.h5", "data", shape=(4,))
with h5py.File("virtual.h5", "w", libver="latest") as f:
    f.create_virtual_dataset("v", layout, fillvalue=0)

# A dataset declaring 40 GB that stores nothing (a shape bomb).
with h5py.File("shape_bomb.h5", "w") as f:
    f.create_dataset("bomb", shape=(10 ** 10,), dtype="f4")
    f.create_dataset("chunked_bomb", shape=(10 ** 10,), dtype="f4", chunks=(1024,))

# A legacy save_weights layout reached only through a soft link: the root
# has no Keras attribute, and model_weights, which the legacy loaders
# enter when the root has no layer_names, is a soft link to the group
# that has them.
with h5py.File("soft_link_model_weights.h5", "w") as f:
    g = f.create_group("w")
    g.attrs["layer_names"] = [b"dense"]
    g.create_group("dense").attrs["weight_names"] = [b"dense/kernel:0"]
    g.create_dataset("dense/dense/kernel:0", data=np.zeros((2, 2), "f4"))
    f["model_weights"] = h5py.SoftLink("/w")

# Keras 1's legacy weights layout (root nb_layers, layer_<k> groups of
# param_<p> datasets), a weight of it a soft link.
with h5py.File("soft_link_nb_layers.h5", "w") as f:
    f.attrs["nb_layers"] = 1
    f.create_dataset("data/w", data=np.zeros((2, 2), "f4"))
    g = f.create_group("layer_0")
    g.attrs["nb_params"] = 1
    g["param_0"] = h5py.SoftLink("/data/w")

# A legacy weights group whose model_weights name is a second hard link:
# the walk reaches the group first as /a.
with h5py.File("soft_link_hard_model_weights.h5", "w") as f:
    g = f.create_group("a")
    g.attrs["layer_names"] = [b"dense"]
    g.create_group("dense").attrs["weight_names"] = [b"dense/kernel:0"]
    f.create_dataset("data/w", data=np.zeros((2, 2), "f4"))
    g["dense/dense/kernel:0"] = h5py.SoftLink("/data/w")
    f["model_weights"] = g
