#!/usr/bin/python3
"""Writes the compressed samples the compress tests read, with Python's own
compressors (what joblib uses), and joblib's pre-0.10 z-file with joblib's
own write_zfile. Run with Debian's /usr/bin/python3 from this
directory. The payload is a small protocol-2 pickle that calls os.system
when loaded; nothing here ever loads it."""
import bz2, gzip, lzma, zlib
import io
import lz4.frame
from joblib.numpy_pickle_compat import write_zfile


def zfile(data):
    buf = io.BytesIO()
    write_zfile(buf, data)
    return buf.getvalue()


PAYLOAD = b"\x80\x02cos\nsystem\nq\x00X\x02\x00\x00\x00idq\x01\x85q\x02Rq\x03."

samples = {
    "model.pkl.gz": gzip.compress(PAYLOAD, mtime=0),
    "multi.pkl.gz": gzip.compress(PAYLOAD[:10], mtime=0) + gzip.compress(PAYLOAD[10:], mtime=0),
    "model.pkl.bz2": bz2.compress(PAYLOAD),
    "model.pkl.xz": lzma.compress(PAYLOAD, format=lzma.FORMAT_XZ),
    "model.pkl.lzma": lzma.compress(PAYLOAD, format=lzma.FORMAT_ALONE),
    "model.pkl.z": zlib.compress(PAYLOAD),
    "model.pkl.lz4": lz4.frame.compress(PAYLOAD),
    "model.pkl.zfile": zfile(PAYLOAD),
}
for name, data in samples.items():
    with open(name, "wb") as f:
        f.write(data)

# Two xz blocks, a second stream and stream padding, made by xz(1) itself
# (Python's lzma writes one block): a file cut right after a block, before
# the index and footer, is what the xz package takes for a whole stream.
import subprocess
blocks = subprocess.run(["xz", "--block-size=20", "-c"], input=PAYLOAD, capture_output=True, check=True).stdout
with open("blocks.pkl.xz", "wb") as f:
    f.write(blocks + b"\0" * 4 + lzma.compress(b"", format=lzma.FORMAT_XZ))
