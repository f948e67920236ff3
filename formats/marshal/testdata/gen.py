"""Writes marshalled code objects for the marshal reader's tests.

Run with each Python available; the file name records the version:
    python3 gen.py
It only calls marshal.dumps on code objects defined here; nothing loads
them back.
"""
import marshal
import sys

def payload(x):
    import os
    return os.system("id") + len(x)

def nested():
    def inner():
        return eval("1+1")
    return inner

ver = "%d%d" % sys.version_info[:2]
with open("lambda_py%s.marshal" % ver, "wb") as f:
    f.write(marshal.dumps((lambda x: __import__("os").system("id")).__code__))
with open("func_py%s.marshal" % ver, "wb") as f:
    f.write(marshal.dumps(payload.__code__))
with open("nested_py%s.marshal" % ver, "wb") as f:
    f.write(marshal.dumps(nested.__code__))
