"""Writes the broken-pickle samples of formats/pickle's sniffing tests.

Run with /usr/bin/python3 from this directory. Each file is real
pickle.dumps output of a global reference (protocols 0 and 1, which have no
PROTO magic) whose tail is broken, so that a loader imports the global and
then fails: an invalid opcode, a REDUCE without arguments.
"""
import collections
import os
import pickle

here = os.path.dirname(os.path.abspath(__file__))


def write(name, data):
    with open(os.path.join(here, name), "wb") as f:
        f.write(data)


system0 = pickle.dumps(os.system, protocol=0)
assert system0.startswith(b"cposix\nsystem\n") and system0.endswith(b".")
write("broken_system_p0.pkl", system0[:-1] + b"\xff")
write("broken_system_text_p0.pkl", system0[:-1] + b"fix me\n")
system1 = pickle.dumps(os.system, protocol=1)
write("broken_system_reduce_p1.pkl", system1[:-1] + b"R")
ordered = pickle.dumps(collections.OrderedDict, protocol=0)
write("broken_allowed_p0.pkl", ordered[:-1] + b"\xfe\xfd")
