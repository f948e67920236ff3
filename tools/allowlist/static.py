"""Static safety check of what unpickling a global runs.

For a class built by NEWOBJ or a reconstructor, loading runs the class's
__new__, then __setstate__ (or __setattr__/__setitem__ while BUILD restores
state). For a global called by REDUCE, loading runs the function itself, or
for a class its metaclass __call__, __new__ and __init__. Each of those code
objects is disassembled and every name it loads, imports or reads as an
attribute is checked against DANGER. A built instance also runs the data
descriptors of its type: BUILD applies a slot state with setattr, so every
property setter or deleter and Python descriptor __set__/__delete__ on the
class's MRO is checked the same way; callees that resolve to functions or
classes of the same library are followed MAX_DEPTH levels. The check fails
closed: a dangerous name anywhere on the path excludes the global, with the
name and the place as the reason. Nothing here calls the code it inspects.
"""
import dis
import inspect
import types

MAX_DEPTH = 4

# Names whose appearance on a construction path means I/O, import, code
# execution, process spawning or nested unpickling can happen there.
DANGER = {
    # files and the OS
    "open": "opens files", "io": "reaches the io module", "os": "reaches the os module",
    "fdopen": "opens file descriptors", "remove": "deletes files", "unlink": "deletes files",
    "rmtree": "deletes trees", "shutil": "reaches shutil", "makedirs": "creates directories",
    "mkdir": "creates directories", "tempfile": "creates temporary files", "pathlib": "reaches pathlib",
    "Path": "builds filesystem paths", "mmap": "maps files", "memmap": "maps files",
    "fromfile": "reads files", "tofile": "writes files", "HDFStore": "opens HDF5 files",
    "h5py": "opens HDF5 files", "tables": "opens HDF5 files", "smart_open": "opens local and remote files",
    "fsspec": "opens local and remote files",
    # gensim's helper that smart_open-s a path or URL (TextCorpus.__len__ and __iter__ reach it through the
    # utils module, whose attributes the checker does not follow)
    "file_or_filename": "opens local and remote files", "read_csv": "reads files", "read_pickle": "unpickles files",
    "glob": "lists files", "listdir": "lists files", "scandir": "lists files", "walk": "walks directories",
    "isfile": "probes the filesystem", "exists": "probes the filesystem", "stat": "probes the filesystem",
    # network
    "socket": "opens sockets", "urllib": "fetches URLs", "urlopen": "fetches URLs", "requests": "fetches URLs",
    "http": "reaches http", "download": "downloads", "hf_hub_download": "downloads",
    "urlretrieve": "fetches URLs", "sqlalchemy": "connects to databases", "create_engine": "connects to databases",
    "redis": "connects to Redis servers", "grpc": "opens network channels",
    # processes
    "subprocess": "spawns processes", "system": "runs shell commands", "popen": "runs shell commands",
    "Popen": "spawns processes", "spawn": "spawns processes", "fork": "forks", "multiprocessing": "spawns processes",
    "Pool": "spawns worker pools",
    # code and imports
    "eval": "evaluates code", "exec": "executes code", "compile": "compiles code", "__import__": "imports by name",
    "importlib": "imports by name", "import_module": "imports by name", "locate": "imports by name",
    "resolve_name": "imports by name", "ctypes": "loads native code", "CDLL": "loads native code",
    "load_library": "loads native code", "cdll": "loads native code", "sys": "reaches interpreter state",
    "_getframe": "reads interpreter frames", "globals": "reads module namespaces", "builtins": "reaches builtins",
    "__builtins__": "reaches builtins",
    "attrgetter": "reads attributes by computed name", "methodcaller": "calls methods by name",
    "from_pretrained": "loads models from hubs or paths",
    # nested loading
    "pickle": "reaches pickle", "cPickle": "reaches pickle", "loads": "deserialises bytes",
    "load": "loads serialised data", "Unpickler": "unpickles", "unpickle": "unpickles",
    "marshal": "deserialises code", "shelve": "opens pickled databases", "joblib": "reaches joblib",
    "dill": "reaches dill", "cloudpickle": "reaches cloudpickle", "_load_from_bytes": "unpickles bytes",
    "torch_load": "unpickles files",
    # patsy evaluates each term of a formula as Python code (EvalFactor: eval in an
    # EvalEnvironment that captures the caller's frames); statsmodels' ModelData.__setstate__
    # rebuilds its DesignInfo by calling dmatrices on the pickled formula
    "dmatrices": "evaluates formula terms as Python code", "dmatrix": "evaluates formula terms as Python code",
    "build_design_matrices": "evaluates formula terms as Python code",
    "design_matrix_builders": "evaluates formula terms as Python code",
    "EvalEnvironment": "evaluates formula terms as Python code",
    # pyproj parses a CRS string with PROJ, which opens the files a PROJ string or WKT names
    # (+init=path:id, grid files) and may download grids
    "from_user_input": "parses a CRS string with PROJ, which can open files it names",
}

LOAD_OPS = {"LOAD_GLOBAL", "LOAD_NAME", "LOAD_ATTR", "LOAD_METHOD", "IMPORT_NAME", "IMPORT_FROM",
            "LOAD_DEREF", "LOAD_CLASSDEREF", "STORE_GLOBAL"}

# Protocol hooks any consumer of a loaded object triggers without naming
# them: iteration, indexing, calling, context management, finalisation.
# A file-backed corpus opens its path in __iter__; a temporary file deletes
# one in __del__.
HOOKS = ("__iter__", "__getitem__", "__call__", "__len__", "__enter__", "__exit__", "__del__")
# Methods that run while a class instance is rebuilt without its constructor.
BUILD_METHODS = ("__new__", "__setstate__", "__setattr__", "__setitem__") + HOOKS
# Methods that run when the class itself is called.
CALL_METHODS = ("__new__", "__init__", "__setstate__", "__setattr__", "__setitem__") + HOOKS


def top(name):
    return (name or "").split(".")[0]


class Unsafe(Exception):
    pass


def _where(obj):
    code = getattr(obj, "__code__", None)
    mod = getattr(obj, "__module__", "") or ""
    q = getattr(obj, "__qualname__", getattr(obj, "__name__", "?"))
    if code is not None:
        return "%s.%s" % (mod, q)
    return "%s.%s" % (mod, q)


def python_function(f):
    f = inspect.unwrap(f) if callable(f) else f
    if isinstance(f, (staticmethod, classmethod)):
        f = f.__func__
    if isinstance(f, types.MethodType):
        f = f.__func__
    if isinstance(f, types.FunctionType):
        return f
    return None


# Python helpers whose bodies were read and do no I/O even though they name
# something on the DANGER list; the checker does not descend into them.
REVIEWED_PY = {
    "pandas.util._exceptions.find_stack_level":
        "computes a warnings stacklevel by walking frames and comparing file names with the package path; reads no file",
    "pandas.util._exceptions.rewrite_exception": "re-raises an exception with a renamed class",
    "omegaconf._utils.is_list_annotation": "compares sys.version_info, then a type's __origin__ with list",
    "omegaconf._utils.is_dict_annotation": "compares sys.version_info, then a type's __origin__ and __base__ with dict",
    "omegaconf._utils.is_union_annotation": "compares sys.version_info, then isinstance of types.UnionType or __origin__ is Union",
    "omegaconf._utils.type_str": "formats a type's name for error messages; sys.version_info only",
    "omegaconf._utils.is_primitive_type_annotation": "issubclass of a type against Enum, pathlib.Path and builtin value types",
    "matplotlib.cbook._get_running_interactive_framework":
        "names the GUI event loop running: reads sys.modules, the threads' frames and whether a display is set; no I/O",
    "numpy.ma.core.is_string_or_list_of_strings": "isinstance checks; builtins.all is the builtin all",
    "matplotlib.font_manager.FontProperties.set_file": "stores os.fspath of the value; opens no file",
    "matplotlib.path.Path._update_values":
        "reads two rcParams and compares the codes with Path.LINETO (matplotlib's Path class, not pathlib)",
    "omegaconf._utils._raise": "re-raises an error; reads the OC_CAUSE environment variable and sys.gettrace to choose the traceback",
}


class Checker:
    """Checks construction paths; lib is the top-level package whose code is
    followed (plus the stdlib module of the global itself). danger maps
    names to why they are excluded; a name in global_only counts only read
    as a global its function's module does not define (the builtin)."""

    def __init__(self, danger=None, global_only=()):
        self.done = {}
        self.danger = DANGER if danger is None else danger
        self.global_only = set(global_only)

    def check_code(self, fn, lib, cls, depth, seen):
        code = fn.__code__
        key = (code, cls)
        if key in seen:
            return
        seen.add(key)
        g = getattr(fn, "__globals__", {})
        for code_obj in _codes(code):
            prev = None
            for ins in dis.get_instructions(code_obj):
                on_self, prev = _on_self(prev, code_obj), ins
                if ins.opname not in LOAD_OPS:
                    continue
                name = ins.argval
                if not isinstance(name, str):
                    continue
                if on_self and ins.opname in ("LOAD_ATTR", "LOAD_METHOD") and cls is not None:
                    # self.remove() is the class's own method, not os.remove:
                    # follow it instead of judging the name.
                    own = python_function(_lookup(cls, name))
                    if own is not None and top(own.__module__) == lib and depth < MAX_DEPTH:
                        if "%s.%s" % (own.__module__, own.__qualname__) not in REVIEWED_PY:
                            self.check_code(own, lib, cls, depth + 1, seen)
                        continue
                parts = name.split(".")
                for p in parts:
                    if p in self.danger and (p not in self.global_only or
                                             ins.opname in ("LOAD_GLOBAL", "LOAD_NAME") and p not in g):
                        raise Unsafe("%s names %s (%s)" % (_where(fn), name, self.danger[p]))
                if depth >= MAX_DEPTH:
                    continue
                target = None
                if ins.opname in ("LOAD_GLOBAL", "LOAD_NAME"):
                    target = g.get(name)
                elif ins.opname in ("LOAD_ATTR", "LOAD_METHOD") and cls is not None:
                    target = _lookup(cls, name)
                if target is not None:
                    self.follow(target, lib, cls, depth + 1, seen)

    def follow(self, target, lib, cls, depth, seen):
        f = python_function(target)
        if f is not None:
            if "%s.%s" % (f.__module__, f.__qualname__) in REVIEWED_PY:
                return
            if top(getattr(f, "__module__", "")) == lib:
                self.check_code(f, lib, cls, depth, seen)
            return
        if isinstance(target, type) and top(target.__module__) == lib:
            for m in CALL_METHODS:
                mf = python_function(_lookup(target, m))
                if mf is not None and top(mf.__module__) == lib:
                    self.check_code(mf, lib, target, depth, seen)

    def check(self, obj, uses, reviewed):
        """Returns None when loading obj for these uses runs only inspected,
        clean code or reviewed C code; else the reason it is excluded.
        reviewed(owner, method) returns a reason string or None."""
        try:
            self._check(obj, uses, reviewed)
        except Unsafe as e:
            return str(e)
        except RecursionError:
            return "construction path too deep to inspect"
        return None

    def _check(self, obj, uses, reviewed):
        seen = set()
        cls = obj if isinstance(obj, type) else None
        if cls is not None and "class" in uses and "function" not in uses and \
                _lookup(cls, "__getinitargs__") is not None:
            # INST and OBJ without arguments then call the class (its
            # __init__) where formats/pickle counts a build; a class also
            # allowed to be called has had that call checked.
            raise Unsafe("%s defines __getinitargs__, so INST and OBJ call it" % _where(cls))
        for owner, m, meth in run_methods(obj, uses):
            f = python_function(meth)
            if f is None:
                if reviewed(owner if owner is not None else obj, m) is None:
                    what = _where(owner if owner is not None else obj) + ("." + m if m else "")
                    raise Unsafe("C implementation %s has no bytecode to inspect and is not on the reviewed list" % what)
                continue
            self.check_code(f, top(f.__module__), cls, 0, seen)
        if cls is not None and self.slot_state_applied(cls):
            for owner, name, where, kind, f, self_cls in data_descriptors(cls):
                if f is None:
                    # A C setter (Cython, Boost.Python) is vouched for with
                    # the rest of its class's C code.
                    if reviewed(owner, name) is None:
                        raise Unsafe("%s %s is a C implementation with no bytecode to inspect and is not on "
                                     "the reviewed list" % (where, kind))
                    continue
                try:
                    self.check_code(f, top(f.__module__), self_cls, 0, seen)
                except Unsafe as e:
                    msg = str(e)
                    own = msg.startswith(_where(f) + " names ")
                    raise Unsafe("%s %s %s" % (where, kind, msg[len(_where(f)) + 1:] if own
                                               else "calls " + msg)) from None


    def slot_state_applied(self, cls):
        """Whether BUILD can run setattr on an instance of cls. load_build
        hands the whole state to a __setstate__ when the instance has one
        and applies a slot state itself only when it has none; a Python
        __setstate__ that reaches setattr or __setattr__ (its own code or a
        same-library callee) runs the descriptors as well. A C __setstate__
        was reviewed as rebuilding the value from the state."""
        f = _lookup(cls, "__setstate__")
        if f is None:
            return True
        f = python_function(f)
        if f is None:
            return False
        reach = Checker(danger={"setattr": "sets attributes by name", "__setattr__": "sets attributes by name"},
                        global_only=("setattr",))
        try:
            reach.check_code(f, top(f.__module__), cls, 0, set())
        except Unsafe:
            return True
        return False


def data_descriptors(cls):
    """The Python code setattr and delattr can run on an instance of cls:
    load_build applies a BUILD slot state with setattr(inst, key, value)
    for any key, which runs the data descriptor the type has under that
    key, so a property setter or a descriptor's __set__ sees a
    pickle-controlled value. Yields (owner, name, where, kind, function,
    self class); function is None for a property whose setter has no
    bytecode. Descriptor types implemented in C (getset and member
    descriptors, Cython properties) yield nothing."""
    seen = set()
    for k in cls.__mro__:
        if k is object:
            continue
        for name, v in list(k.__dict__.items()):
            if name in seen:
                continue
            seen.add(name)
            where = "%s.%s" % (_where(k), name)
            if isinstance(v, property):
                for kind, acc in (("setter", v.fset), ("deleter", v.fdel)):
                    if acc is not None:
                        yield k, name, "property " + where, kind, python_function(acc), cls
            t = type(v)
            for m, kind in (("__set__", "setter"), ("__delete__", "deleter")):
                f = python_function(_lookup(t, m))
                if f is not None:
                    yield k, name, "descriptor %s (%s.%s)" % (where, t.__module__, t.__qualname__), kind, f, t


def _on_self(prev, code):
    """Whether the instruction after prev reads an attribute of the
    method's first argument (self)."""
    return (prev is not None and prev.opname == "LOAD_FAST" and code.co_argcount > 0
            and prev.argval == code.co_varnames[0])


def _lookup(cls, name):
    for k in getattr(cls, "__mro__", ()):
        if k is object or k is type:
            continue
        if name in k.__dict__:
            return k.__dict__[name]
    return None


def _codes(code):
    yield code
    for c in code.co_consts:
        if isinstance(c, types.CodeType):
            yield from _codes(c)


def run_methods(obj, uses):
    """The (owner, name, method) triples loading runs for these uses."""
    if not isinstance(obj, type):
        return [(None, None, obj)]
    names = CALL_METHODS if "function" in uses else BUILD_METHODS
    out = []
    for m in names:
        for k in obj.__mro__:
            if k is object and m in ("__new__", "__init__", "__setattr__"):
                break
            if m in k.__dict__:
                out.append((k, m, k.__dict__[m]))
                break
    if "function" in uses:
        meta = type(obj)
        for k in meta.__mro__:
            if k is type:
                break
            if "__call__" in k.__dict__:
                out.append((k, "__call__", k.__dict__["__call__"]))
                break
    return out
