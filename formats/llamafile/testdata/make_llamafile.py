"""Writes crafted llamafiles: the layout of Mozilla-Ocho/llamafile (an
Actually Portable Executable whose first bytes are "MZqFpD='", the DOS
header that is also a shell script, with a zip appended by zipalign that
holds the GGUF weights stored uncompressed and a .args file of default
arguments, one per line; see its README "Creating llamafiles"). The
executable part here is only that header and a PE signature, not code;
the GGUF is the smallest valid one (no tensors, one key). Run with
/usr/bin/python3 from this directory.

zipaligned.llamafile has its zip written by llamafile's own zipalign, as
llamafile's README makes one (zipalign -j0 out model.gguf .args). zipalign
is built from Mozilla-Ocho/llamafile at
cfa861a69cb9fb3b1101d1c435ec6c2bfa35365c (llamafile/zipalign.c, zip.h,
llamafile.h) with the host's C library: the few Cosmopolitan helpers it
calls (tinyprint, verynice, npassert) and llamafile_has/llamafile_help are
stood in by build_zipalign.sh. Pass the binary: make_llamafile.py ZIPALIGN.
The published llamafiles are all far over a test sample's size: the
runtime alone is tens of MB, and the repository keeps none.
"""
import os
import struct
import subprocess
import sys
import tempfile
import zipfile


def gguf():
    def s(x):
        return struct.pack("<Q", len(x)) + x
    kv = s(b"general.architecture") + struct.pack("<I", 8) + s(b"llama")
    return b"GGUF" + struct.pack("<IQQ", 3, 0, 1) + kv


def ape():
    head = bytearray(b"MZqFpD='\n\n" + bytes(4086))
    struct.pack_into("<I", head, 0x3C, 0x80)
    head[0x80:0x84] = b"PE\x00\x00"
    return bytes(head)


def llamafile(path, args):
    with open(path, "wb") as f:
        f.write(ape())
    with zipfile.ZipFile(path, "a", compression=zipfile.ZIP_STORED) as z:
        z.writestr("model.gguf", gguf())
        if args is not None:
            z.writestr(".args", "\n".join(args) + "\n")


llamafile("benign.llamafile", ["-m", "model.gguf", "--port", "8080", "..."])
llamafile("weights_only.llamafile", None)
llamafile("args_outside.llamafile", ["-m", "model.gguf", "--lora", "/home/victim/.cache/adapter.gguf", "--mmproj", "../mmproj.gguf", "..."])
llamafile("args_url.llamafile", ["-m", "model.gguf", "--model-url", "https://example.invalid/other.gguf", "--host", "0.0.0.0"])
llamafile("args_local.llamafile", ["-m", "model.gguf", "--mmproj", "mmproj.gguf"])


def zipaligned(path, zipalign, args):
    with open(path, "wb") as f:
        f.write(ape())
    with tempfile.TemporaryDirectory() as work:
        files = [os.path.join(work, "model.gguf"), os.path.join(work, ".args")]
        with open(files[0], "wb") as f:
            f.write(gguf())
        with open(files[1], "w") as f:
            f.write("\n".join(args) + "\n")
        subprocess.run([zipalign, "-j0", path] + files, check=True)


if len(sys.argv) > 1:
    zipaligned("zipaligned.llamafile", sys.argv[1], ["-m", "model.gguf", "--host", "127.0.0.1", "..."])
