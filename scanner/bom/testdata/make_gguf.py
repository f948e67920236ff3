"""Writes tiny_llama.gguf: a GGUF v3 file laid out per the GGUF
specification (Debian has no gguf-py) with llama metadata and two tensors,
a Q4_K [256, 4] and an F32 [4], whose data is zeros. Run with
/usr/bin/python3."""
import os
import struct

here = os.path.dirname(os.path.abspath(__file__))


def s(x):
    b = x.encode()
    return struct.pack("<Q", len(b)) + b


kv = [
    ("general.architecture", 8, s("llama")),
    ("general.name", 8, s("tiny")),
    ("general.file_type", 4, struct.pack("<I", 15)),
    ("llama.context_length", 4, struct.pack("<I", 2048)),
    ("general.alignment", 4, struct.pack("<I", 32)),
]
# Q4_K (type 12): 256-element blocks of 144 bytes; F32 (type 0).
tensors = [("blk.0.w", [256, 4], 12, 4 * 144), ("blk.0.norm", [4], 0, 16)]
out = b"GGUF" + struct.pack("<IQQ", 3, len(tensors), len(kv))
for k, t, v in kv:
    out += s(k) + struct.pack("<I", t) + v
off = 0
for name, dims, typ, nbytes in tensors:
    out += s(name) + struct.pack("<I", len(dims)) + b"".join(struct.pack("<Q", d) for d in dims)
    out += struct.pack("<IQ", typ, off)
    off += (nbytes + 31) // 32 * 32
out += b"\0" * (-len(out) % 32)
out += b"\0" * off
with open(os.path.join(here, "tiny_llama.gguf"), "wb") as f:
    f.write(out)
