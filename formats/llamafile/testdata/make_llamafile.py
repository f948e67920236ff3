"""Writes crafted llamafiles: the layout of Mozilla-Ocho/llamafile (an
Actually Portable Executable whose first bytes are "MZqFpD='", the DOS
header that is also a shell script, with a zip appended by zipalign that
holds the GGUF weights stored uncompressed and a .args file of default
arguments, one per line; see its README "Creating llamafiles"). The
executable part here is only that header and a PE signature, not code;
the GGUF is the smallest valid one (no tensors, one key). Run with
/usr/bin/python3 from this directory.
"""
import struct
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
