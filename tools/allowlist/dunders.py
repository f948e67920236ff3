"""Which methods an allowlisted object runs when loading hands it to a dunder.

Unpickling runs more of an object than its construction path: an instance
set as a dict key or set element is hashed (__hash__) and, when two keys
collide, compared (__eq__); an allowlisted builtin called with it runs its
__str__, __len__, __iter__, __lt__, __add__, __index__ ... (see
formats/pickle machine.go dunderCalls for which builtin runs which). For
every global the generator allows, this module looks up each such trigger
dunder on the object's class (the class itself for a class built or called,
the object's type for a constant) and on a class's metaclass (a class used
as a key, or as isinstance's second argument), and vouches for it when it
is inherited from object or a builtin, implemented in C code on the
reviewed list (NumPy, torch C types, pandas _libs ...), or Python code that
passes the static check with REACH: names that reach a process, code
execution or compilation, import by name, a file, the network or nested
unpickling, not merely a module such as sys or os. What it cannot vouch for
is listed, one line per global and reason; most globals have none.
"""
import inspect

import static

# Sinks whose name on a dunder's path is real reach, with the severity the
# denylist gives their category. compile counts only as the builtin
# (re.compile builds a regular expression).
_CRIT, _HIGH = "critical", "high"
REACH = {
    # processes
    "subprocess": (_CRIT, "spawns processes"), "system": (_CRIT, "runs shell commands"),
    "popen": (_CRIT, "runs shell commands"), "Popen": (_CRIT, "spawns processes"),
    "spawn": (_CRIT, "spawns processes"), "fork": (_CRIT, "forks"), "multiprocessing": (_CRIT, "spawns processes"),
    "Pool": (_CRIT, "spawns worker pools"),
    # code and imports
    "eval": (_CRIT, "evaluates code"), "exec": (_CRIT, "executes code"), "compile": (_CRIT, "compiles code"),
    "__import__": (_CRIT, "imports by name"), "importlib": (_CRIT, "imports by name"),
    "import_module": (_CRIT, "imports by name"), "locate": (_CRIT, "imports by name"),
    "resolve_name": (_CRIT, "imports by name"), "ctypes": (_CRIT, "loads native code"),
    "CDLL": (_CRIT, "loads native code"), "cdll": (_CRIT, "loads native code"),
    "load_library": (_CRIT, "loads native code"), "from_pretrained": (_CRIT, "loads models from hubs or paths"),
    # nested loading
    "pickle": (_CRIT, "reaches pickle"), "cPickle": (_CRIT, "reaches pickle"), "loads": (_CRIT, "deserialises bytes"),
    "load": (_CRIT, "loads serialised data"), "Unpickler": (_CRIT, "unpickles"), "unpickle": (_CRIT, "unpickles"),
    "marshal": (_CRIT, "deserialises code"), "shelve": (_CRIT, "opens pickled databases"),
    "joblib": (_CRIT, "reaches joblib"), "dill": (_CRIT, "reaches dill"), "cloudpickle": (_CRIT, "reaches cloudpickle"),
    "_load_from_bytes": (_CRIT, "unpickles bytes"), "torch_load": (_CRIT, "unpickles files"),
    "read_pickle": (_CRIT, "unpickles files"),
    # files
    "open": (_HIGH, "opens files"), "fdopen": (_HIGH, "opens file descriptors"), "unlink": (_HIGH, "deletes files"),
    "rmtree": (_HIGH, "deletes trees"), "shutil": (_HIGH, "reaches shutil"), "makedirs": (_HIGH, "creates directories"),
    "mkdir": (_HIGH, "creates directories"), "tempfile": (_HIGH, "creates temporary files"),
    "mmap": (_HIGH, "maps files"), "memmap": (_HIGH, "maps files"), "fromfile": (_HIGH, "reads files"),
    "tofile": (_HIGH, "writes files"), "HDFStore": (_HIGH, "opens HDF5 files"), "h5py": (_HIGH, "opens HDF5 files"),
    "smart_open": (_HIGH, "opens local and remote files"), "fsspec": (_HIGH, "opens local and remote files"),
    "file_or_filename": (_HIGH, "opens local and remote files"), "read_csv": (_HIGH, "reads files"),
    # network
    "socket": (_HIGH, "opens sockets"), "urllib": (_HIGH, "fetches URLs"), "urlopen": (_HIGH, "fetches URLs"),
    "requests": (_HIGH, "fetches URLs"), "http": (_HIGH, "reaches http"), "download": (_HIGH, "downloads"),
    "hf_hub_download": (_HIGH, "downloads"), "urlretrieve": (_HIGH, "fetches URLs"),
    "sqlalchemy": (_HIGH, "connects to databases"), "create_engine": (_HIGH, "connects to databases"),
    "redis": (_HIGH, "connects to Redis servers"), "grpc": (_HIGH, "opens network channels"),
}

_SEVERITY = {why: sev for sev, why in REACH.values()}

# The dunders loading can trigger on an instance: as a dict key or set
# element (__hash__, __eq__), through an allowlisted builtin called with
# it, or as a mapping that BUILD or a __setstate__ reads (dict(state),
# dict.update(state) and pickle.py's state.items() call keys and
# __getitem__, or items, both ordinary methods: see machine.go stateReads). A dunder the class leaves to object falls back the way the
# interpreter does: str() to __repr__, format() to str(), bool() to
# __len__, iter() to __getitem__, int() to __index__ and __trunc__.
INSTANCE = ("__hash__", "__eq__", "__repr__", "__str__", "__format__", "__len__", "__bool__", "__iter__",
            "__next__", "__reversed__", "__lt__", "__gt__", "__le__", "__ge__", "__add__", "__radd__", "__index__",
            "__int__", "__float__", "__complex__", "__abs__", "__round__", "__trunc__", "__divmod__", "__rdivmod__",
            "__pow__", "__rpow__", "__bytes__", "__getitem__", "keys", "items")
FALLBACK = {"__str__": ("__repr__",), "__format__": ("__str__",), "__bool__": ("__len__",),
            "__iter__": ("__getitem__",), "__int__": ("__index__", "__trunc__"), "__float__": ("__index__",),
            "__complex__": ("__float__", "__index__"), "__reversed__": ("__len__",)}
# The metaclass dunders a class global runs as a key (__hash__, __eq__),
# as isinstance's or issubclass's second argument, or through str().
META = ("__hash__", "__eq__", "__repr__", "__str__", "__instancecheck__", "__subclasscheck__")

# Hand-kept: dunders whose danger no name on their path shows. Each is
# (module, class) -> {dunder: (severity, reason)}.
KNOWN = {
    ("omegaconf.dictconfig", "DictConfig"): {
        "__eq__": ("medium", "resolves the interpolations of both operands (BaseContainer._item_eq through"
                             " _get_value) with the resolvers the loading program registered (an eval resolver is"
                             " common); two configs of the same text have the same hash (hash(str(self))), so both"
                             " are compared as keys"),
    },
    ("omegaconf.listconfig", "ListConfig"): {
        "__eq__": ("medium", "resolves the interpolations of both operands (BaseContainer._item_eq through"
                             " _get_value) with the resolvers the loading program registered (an eval resolver is"
                             " common); two configs of the same text have the same hash (hash(str(self))), so both"
                             " are compared as keys"),
    },
}


# C dunders read beyond REVIEWED_C (construction), by the type that
# defines them or, for "class:" keys, the class whose instances run them.
REVIEWED_C = {
    "torch.tensortype": "torch's legacy tensor type metaclass (torch/csrc/tensor/python_tensor.cpp): __instancecheck__"
                        " compares the instance's tensor type id",
    "class:_io.BytesIO": "in-memory buffer: iterating reads lines of its own bytes",
    "class:_io.StringIO": "in-memory buffer: iterating reads lines of its own text",
}


def _qual(t):
    return "%s.%s" % (t.__module__, t.__qualname__)


def _lookup(cls, name, stop):
    """(owner, method) of name in cls's MRO before the stop types."""
    for k in getattr(cls, "__mro__", ()):
        if k in stop:
            return None, None
        if name in k.__dict__:
            return k, k.__dict__[name]
    return None, None


class Vouch:
    """Vouches for the trigger dunders of objects, remembering each
    (class, dunder) it checked."""

    def __init__(self, reviewed):
        self.reviewed = reviewed
        self.checker = static.Checker(danger={k: why for k, (_s, why) in REACH.items()}, global_only=("compile",))
        self.memo = {}

    def method(self, cls, name, stop, depth=0):
        """None when what cls's name runs is vouched for, else
        (severity, reason), the reason a clause that follows "which"."""
        key = (cls, name, stop)
        if key in self.memo:
            return self.memo[key]
        owner, meth = _lookup(cls, name, stop)
        if meth is None:
            out = None
            for alt in FALLBACK.get(name, ()) if depth < 3 else ():
                out = out or self.method(cls, alt, stop, depth + 1)
        elif not callable(meth) and not isinstance(meth, (staticmethod, classmethod)):
            # __hash__ = None: hashing raises TypeError, nothing runs.
            out = None
        else:
            out = self._code(cls, owner, name, meth)
        self.memo[key] = out
        return out

    def _code(self, cls, owner, name, meth):
        if owner.__module__ == "builtins":
            return None
        f = static.python_function(meth)
        if f is None:
            # A slot wrapper copied into a subclass (IntEnum.__str__ is
            # int.__repr__) or a Python wrapper of a C method belongs to
            # the type that defines it.
            inner = inspect.unwrap(meth) if callable(meth) else meth
            owner = getattr(inner, "__objclass__", owner)
            if owner.__module__ == "builtins" or self.reviewed(owner, name) is not None or \
                    _qual(owner) in REVIEWED_C or "class:" + _qual(cls) in REVIEWED_C:
                return None
            return "medium", "is C code (%s.%s.%s) with no bytecode to inspect, not on the reviewed list" % (
                owner.__module__, owner.__qualname__, name)
        # A closure's names include those of its free variables.
        try:
            self.checker.check_code(f, static.top(f.__module__), cls, 0, set())
        except static.Unsafe as e:
            text = str(e)
            where, _, what = text.partition(" names ")
            return _SEVERITY.get(text[text.rfind("(") + 1:-1], "medium"), "reaches %s, which names %s" % (where, what)
        except RecursionError:
            return "medium", "calls code too deep to inspect (%s.%s)" % (owner.__qualname__, name)
        return None

    def rows(self, module, name, obj):
        """(of, dunder, severity, reason) for each trigger dunder of obj
        not vouched for: of is "instance" for a class's instances,
        "value" for the global's own object."""
        out = []
        known = KNOWN.get((module, name), {})
        if isinstance(obj, type):
            for d in INSTANCE:
                why = known.get(d) or self.method(obj, d, (object,))
                if why:
                    out.append(("instance", d) + why)
            meta = type(obj)
            for d in META:
                why = self.method(meta, d, (type, object))
                if why:
                    out.append(("value", d) + why)
        elif not callable(obj):
            for d in INSTANCE:
                why = self.method(type(obj), d, (object,))
                if why:
                    out.append(("value", d) + why)
        return out


def grouped(rows):
    """rows grouped by (of, severity, reason), dunders joined in order."""
    out = {}
    for of, d, sev, why in rows:
        out.setdefault((of, sev, why), []).append(d)
    return [(of, ",".join(ds), sev, why) for (of, sev, why), ds in out.items()]
