"""Writes joblib wrapper variants for formats/pickle's loader-exact tests.

Run with /usr/bin/python3 (Debian's joblib 1.2, numpy 1.24) from this
directory. Each file starts from real joblib.dump output (protocol 2, one
float64 array, so no frames) and changes, with plain pickle opcodes, how the
NumpyArrayWrapper is built or what its state holds (or uses a pre-0.10
NDArrayWrapper). The bytes joblib reads after the wrapper's BUILD are shaped
so that a reader that consumes a different number of them than joblib
finds a BINBYTES that swallows the payload. The payload calls mgmarker.hit,
a harmless marker: tools/differential loads every file with the real
joblib.load and checks the marker is reached and reported.

joblib_wrapper_ok_*.pkl are the benign forms joblib itself writes.
"""
import io
import os
import struct

import joblib
import numpy as np

here = os.path.dirname(os.path.abspath(__file__))
PAYLOAD = b"cmgmarker\nhit\n)R0"
ARRAY = np.arange(3.0)
NBYTES = ARRAY.nbytes


def real():
    b = io.BytesIO()
    joblib.dump(ARRAY, b, protocol=2)
    d = b.getvalue()
    for pad in range(256):
        at = len(d) - 1 - NBYTES - pad - 1
        if d[at] == pad and d[at - 1:at] == b"b":
            return d[:at - 1], d[at - 1:at], d[at:-1], d[-1:]
    raise SystemExit("no wrapper BUILD found")


HEAD, BUILD, RAW, STOP = real()
CLASS = b"cjoblib.numpy_pickle\nNumpyArrayWrapper\nq\x00"
assert HEAD.startswith(b"\x80\x02" + CLASS + b")\x81q\x01")


def swallow(joblib_len, mg_pos, pad=None, tail=b""):
    """The bytes joblib reads after the BUILD (joblib_len of them, the first
    being the padding length pad when given), then the payload. A reader
    that resumes opcodes mg_pos bytes in meets a BINBYTES over the rest."""
    region = bytearray(b"\xab" * joblib_len)
    if pad is not None:
        region[0] = pad
    rest = joblib_len - mg_pos - 5 + len(PAYLOAD) + len(tail)
    region[mg_pos:mg_pos + 5] = b"B" + struct.pack("<I", rest)
    assert mg_pos + 5 <= joblib_len and (pad is None or mg_pos > 0 or pad == ord("B"))
    return bytes(region) + PAYLOAD + tail


def build(construct, state=None, region=None):
    head = HEAD.replace(b"\x80\x02" + CLASS + b")\x81q\x01", b"\x80\x02" + construct + b"q\x01", 1)
    if state is not None:
        head = state(head)
    return head + BUILD + region + STOP


def write(name, data):
    with open(os.path.join(here, name), "wb") as f:
        f.write(data)


# The benign forms: joblib.dump's own output, and the same array pickled
# with protocol 0 (copyreg._reconstructor builds the wrapper).
write("joblib_wrapper_ok_newobj.pkl", HEAD + BUILD + RAW + STOP)
b = io.BytesIO()
joblib.dump(ARRAY, b, protocol=0)
write("joblib_wrapper_ok_proto0.pkl", b.getvalue())

# Class 1: the wrapper built another way than NEWOBJ. joblib reads the pad
# byte ('B' = 66), 66 bytes and the array; a reader that does not know the
# object is a wrapper reads the region as opcodes from its first byte.
region = swallow(1 + 66 + NBYTES, 0, pad=ord("B"))
for name, construct in {
    "newobj_reduce": b"ccopyreg\n__newobj__\n" + CLASS + b"\x85R",
    "newobj_ex_reduce": b"ccopyreg\n__newobj_ex__\n" + CLASS + b")}\x87R",
    "reconstructor": b"ccopy_reg\n_reconstructor\n" + CLASS + b"c__builtin__\nobject\nN\x87R",
    "obj": b"(" + CLASS + b"o",
    "inst": b"(ijoblib.numpy_pickle\nNumpyArrayWrapper\n",
}.items():
    write("joblib_wrapper_" + name + ".pkl", build(construct, region=region))

# Class 1 with __init__: the class called with its arguments (REDUCE) sets
# shape, dtype and the default alignment 16; the BUILD state adds nothing.
init_args = (b"(cnumpy\nndarray\nK\x03\x85X\x01\x00\x00\x00C"
             b"cnumpy\ndtype\nX\x02\x00\x00\x00f8\x89\x88\x87Rtq\x63")
write("joblib_wrapper_init_reduce.pkl",
      b"\x80\x02" + CLASS + init_args + b"R" + b"}" + BUILD + region + STOP)


# Class 2: state values joblib never writes. joblib reads the padding byte
# whenever numpy_array_alignment_bytes is not None.
def alignment(value):
    return lambda h: h.replace(b"numpy_array_alignment_bytesq\x11K\x10", b"numpy_array_alignment_bytesq\x11" + value)


for name, value in {"str": b"X\x01\x00\x00\x00x", "false": b"\x89", "float": b"G" + struct.pack(">d", 16.0)}.items():
    write("joblib_wrapper_align_" + name + ".pkl",
          build(CLASS + b")\x81", alignment(value), swallow(1 + 40 + NBYTES, NBYTES, pad=40)))

# numpy ignores a stated elsize for float64 (not flexible): the item size
# stays 8, a reader that takes 16 skips NBYTES more than joblib does, into
# the payload; the tail gives it opcodes to land on.
elsize = lambda h: h.replace(b"NNNJ\xff\xff\xff\xff", b"NNNK\x10", 1)
land = 1 + 40 + 2 * NBYTES - (1 + 40 + NBYTES) - len(PAYLOAD)
tail = b"N" * (land % 2) + b"N0" * ((land + 8) // 2)
region = bytes([40]) + b"\xab" * (40 + NBYTES) + PAYLOAD + tail + b"0"
write("joblib_wrapper_dtype_elsize.pkl", build(CLASS + b")\x81", elsize, region))

# numpy takes hasobject from the stated flags (version 3+ states): an 'O'
# dtype with flags 0 reads raw bytes, an 'f8' with flags 1 a nested pickle.
objflags = lambda h: h.replace(b"NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00", b"NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK\x01", 1)
write("joblib_wrapper_dtype_flags.pkl", build(CLASS + b")\x81", objflags, b"\x80\x02" + PAYLOAD + b"N." + b"N"))
noflags = lambda h: h.replace(b"X\x02\x00\x00\x00f8", b"X\x02\x00\x00\x00O8", 1).replace(b"K\x03\x85", b"K\x00\x85", 1)
write("joblib_wrapper_dtype_noflags.pkl", build(CLASS + b")\x81", noflags, swallow(1 + 66, 0, pad=ord("B"))))


# Class 3: pre-0.10 NDArrayWrapper naming a file outside the dump's folder:
# joblib.load runs numpy.load(os.path.join(folder, filename),
# allow_pickle=True) on it.
def ndwrapper(construct, filename):
    fn = filename.encode()
    state = (b"}(X\x08\x00\x00\x00filename" + b"X" + struct.pack("<I", len(fn)) + fn +
             b"X\x08\x00\x00\x00subclasscnumpy\nndarray\nX\x0a\x00\x00\x00allow_mmap\x89u")
    return b"\x80\x02" + construct + state + b"b."


ND = b"cjoblib.numpy_pickle\nNDArrayWrapper\n"
write("joblib_ndwrapper_absolute.pkl", ndwrapper(ND + b")\x81", "/tmp/mgmarker_payload.npy"))
write("joblib_ndwrapper_dotdot.pkl", ndwrapper(ND + b")\x81", "../mgmarker_payload.npy"))
write("joblib_ndwrapper_subfolder.pkl", ndwrapper(ND + b")\x81", ".git/mgmarker_payload.npy"))
write("joblib_ndwrapper_reconstructor.pkl",
      ndwrapper(b"ccopy_reg\n_reconstructor\n" + ND + b"c__builtin__\nobject\nN\x87R", "/tmp/mgmarker_payload.npy"))
write("joblib_ndwrapper_init.pkl",
      b"\x80\x02" + ND + b"(X\x19\x00\x00\x00/tmp/mgmarker_payload.npycnumpy\nndarray\ntR}b.")
write("joblib_ndwrapper_ok_sibling.pkl", ndwrapper(ND + b")\x81", "model.pkl_01.npy"))

# A file for pickle.load rather than joblib.load: without the alignment
# attribute (as joblib < 0.12 wrote), joblib reads the 24 bytes after the
# BUILD as the array; pickle.load reads them as opcodes, which call the
# marker.
noalign = lambda h: h.replace(b"X\x1b\x00\x00\x00numpy_array_alignment_bytesq\x11K\x10", b"", 1)
as_ops = PAYLOAD + b"N0N0N0N"
assert len(as_ops) == NBYTES
write("joblib_wrapper_plainload.pkl", build(CLASS + b")\x81", noalign, as_ops))

# A wrapper BUILD that does not end its FRAME: joblib's unpickler has
# buffered the whole frame, reads the array from the file after it, then
# runs the rest of the frame — the payload — as opcodes.
b = io.BytesIO()
joblib.dump(ARRAY, b, protocol=4)
d = b.getvalue()
flen = struct.unpack("<Q", d[3:11])[0]
frame, raw = d[11:11 + flen], d[11 + flen:-1]
assert frame.endswith(b"ub") and d.endswith(b".")
write("joblib_wrapper_in_frame.pkl",
      d[:3] + struct.pack("<Q", flen + len(PAYLOAD)) + frame + PAYLOAD + raw + b".")
