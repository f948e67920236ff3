"""Writes pre-1.0 PyTorch tar checkpoints for formats/pytorch's tests.

Run with /usr/bin/python3 (Debian's torch 1.13) from this directory.

torch 0.1.x-0.3 saved with a tar layout (torch/serialization.py _save of
those versions): a PAX tar with members sys_info, pickle, tensors and
storages. `storages` is a pickle of the storage count, then per storage a
pickle (key, location, storage type) followed by the raw storage as
_write_file writes it (int64 element count, then the bytes), then a pickle
of the storage views; `tensors` is a pickle of the tensor count, then per
tensor a pickle (key, storage key, tensor type) followed by its metadata
(int32 ndim, 4 bytes, ndim int64 sizes, ndim int64 strides, int64 storage
offset). torch.load (1.13: _legacy_load's legacy_load) still reads this
layout first. The storages are real torch 1.13 storages written by their
own _write_file; each benign file is checked to load back with torch.load.

legacy_tar_swallow.tar is crafted: a storage's element count and bytes are
shaped so that a reader taking the member as a chain of pickles sees two
BINBYTES that swallow the next record pickle, which calls mgmarker.hit (a
harmless marker; tools/differential checks torch.load reaches it).
"""
import collections
import io
import os
import pickle
import struct
import sys
import tarfile
import time

import torch

here = os.path.dirname(os.path.abspath(__file__))
PROTO = 2


def add(tar, name, data):
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = 1500000000
    tar.addfile(info, io.BytesIO(data))


def write_tar(name, members):
    b = io.BytesIO()
    with tarfile.open(fileobj=b, mode="w:", format=tarfile.PAX_FORMAT) as tar:
        for member, data in members:
            add(tar, member, data)
    with open(os.path.join(here, name), "wb") as f:
        f.write(b.getvalue())
    return os.path.join(here, name)


def save_legacy(obj):
    """torch 0.x's _save, with today's storages and tensor metadata."""
    tensors, storages, keys = {}, {}, {}

    def key(o):
        # torch 0.x used _cdata addresses; small stable numbers keep the
        # output reproducible.
        return keys.setdefault(id(o), 1000 + len(keys))

    def persistent_id(o):
        if torch.is_tensor(o):
            tensors[key(o)] = o
            return str(key(o))
        return None

    p = io.BytesIO()
    pickler = pickle.Pickler(p, protocol=PROTO)
    pickler.persistent_id = persistent_id
    pickler.dump(obj)

    t = io.BytesIO()
    pickle.dump(len(tensors), t, protocol=PROTO)
    for k, tensor in tensors.items():
        storage = tensor.storage()
        storages[key(storage._storage)] = storage
        pickle.dump((k, key(storage._storage), getattr(torch, tensor.type().split(".")[-1])), t, protocol=PROTO)
        t.write(struct.pack("<i", tensor.dim()) + b"\x00" * 4)
        t.write(struct.pack(f"<{tensor.dim()}q", *tensor.size()))
        t.write(struct.pack(f"<{tensor.dim()}q", *tensor.stride()))
        t.write(struct.pack("<q", tensor.storage_offset()))

    s = io.BytesIO()
    pickle.dump(len(storages), s, protocol=PROTO)
    for k, storage in storages.items():
        stype = getattr(torch, storage.pickle_storage_type())
        pickle.dump((k, "cpu", stype), s, protocol=PROTO)
        storage._storage._write_file(s, False, True, storage.element_size())
    pickle.dump([], s, protocol=PROTO)

    sys_info = pickle.dumps(dict(protocol_version=1000, little_endian=sys.byteorder == "little",
                                 type_sizes=dict(short=2, int=4, long=4)), protocol=PROTO)
    return [("sys_info", sys_info), ("pickle", p.getvalue()), ("tensors", t.getvalue()),
            ("storages", s.getvalue())]


def check(path, want):
    got = torch.load(path)
    flat = lambda o: list(o.values()) if isinstance(o, dict) else list(o)
    for a, b in zip(flat(got), flat(want)):
        assert torch.equal(a, b), path


torch.manual_seed(0)
lin = torch.nn.Linear(4, 3)
state = collections.OrderedDict((k, v.detach().clone()) for k, v in lin.state_dict().items())
check(write_tar("legacy_tar_state_dict.tar", save_legacy(state)), state)

base = torch.arange(12, dtype=torch.float64)
mixed = [base.view(3, 4), base[4:8], torch.arange(5, dtype=torch.int64), torch.ones(2, 2, dtype=torch.uint8),
         torch.zeros(3, dtype=torch.float16), torch.tensor([True, False]), torch.ones(0, 3)]
check(write_tar("legacy_tar_mixed.tar", save_legacy(mixed)), mixed)


# The crafted file: storage 1 is a ByteStorage whose element count's low
# byte is 'B' (BINBYTES) and whose next four bytes are a BINBYTES length L.
def crafted():
    payload = b"\x80\x02cmgmarker\nhit\n)R" + b"X\x03\x00\x00\x00cpuctorch\nByteStorage\n\x87."
    L = 8
    size1 = 0x42 | (L << 8)
    data2 = b"\x00" * 15 + b"."
    data1 = bytearray(b"\x00" * size1)
    data1[L - 3] = ord(".")
    rest = (size1 - (L + 3)) + len(payload) + 8 + (len(data2) - 1)
    data1[L - 2:L + 3] = b"B" + struct.pack("<I", rest)
    s = (pickle.dumps(2, protocol=PROTO) + pickle.dumps((1, "cpu", torch.ByteStorage), protocol=PROTO) +
         struct.pack("<q", size1) + bytes(data1) + payload + struct.pack("<q", len(data2)) + data2 +
         pickle.dumps([], protocol=PROTO))
    t = pickle.dumps(1, protocol=PROTO) + pickle.dumps((7, 1, torch.ByteTensor), protocol=PROTO)
    t += struct.pack("<i", 1) + b"\x00" * 4 + struct.pack("<qqq", 4, 1, 0)
    p = b"\x80\x02X\x01\x00\x00\x007q\x00Q."
    return [("sys_info", pickle.dumps({}, protocol=PROTO)), ("pickle", p), ("tensors", t), ("storages", s)]


write_tar("legacy_tar_swallow.tar", crafted())


# A legacy (non-tar) torch.save stream whose data pickle names storage key
# '0' twice, first as a FloatStorage of 3 elements, then as a ByteStorage
# of 3: persistent_load keeps the first, so torch.load reads 8 + 12 bytes.
def legacy_dup_key():
    import pickletools  # noqa: F401 (documentation: the opcodes below)
    magic = pickle.dumps(0x1950a86a20f9469cfc6c, protocol=PROTO)
    version = pickle.dumps(1001, protocol=PROTO)
    sys_info = pickle.dumps(dict(protocol_version=1001, little_endian=True,
                                 type_sizes=dict(short=2, int=4, long=4)), protocol=PROTO)

    def pid(stype):
        return (b"(X\x07\x00\x00\x00storagectorch\n" + stype + b"\nX\x01\x00\x00\x000X\x03\x00\x00\x00cpuK\x03Ntq\x00Q")

    def tensor(stype):
        return (b"ctorch._utils\n_rebuild_tensor_v2\n(" + pid(stype) +
                b"K\x00K\x03\x85K\x01\x85\x89ccollections\nOrderedDict\n)RtR")

    data = b"\x80\x02(" + tensor(b"FloatStorage") + tensor(b"ByteStorage") + b"l."
    keys = pickle.dumps(["0"], protocol=PROTO)
    raw = struct.pack("<q", 3) + struct.pack("<3f", 1.0, 2.0, 3.0)
    return magic + version + sys_info + data + keys + raw


path = os.path.join(here, "legacy_dup_key.pt")
with open(path, "wb") as f:
    f.write(legacy_dup_key())
got = torch.load(path)
assert got[0].tolist() == [1.0, 2.0, 3.0], got
