"""Which methods of an allowlisted class a pickle may hold as bound methods.

Python pickles a bound method obj.meth as getattr(obj, "meth") (REDUCE of
builtins.getattr): a user who pickles df.to_dict (the parentheses
forgotten) or an estimator's predict_proba holds one. Loading then makes
the bound method and calls nothing, provided getattr runs no code: the
instance's type keeps object's attribute lookup (no __getattribute__ of
its own anywhere in the MRO) and what the class attribute is binds in C.
For every class the generated ecosystems allow to be built (and allow.tsv's
classes of those ecosystems that are installed here, less those the
denylist matches), this module lists the
non-underscore names inspect.getattr_static finds on the class as a plain
Python function, a builtin function or method descriptor, a staticmethod or
a classmethod of a plain function: never a property, cached_property or any
other descriptor with a __get__ of Python code, never a name left to
__getattr__. The same names are what getattr(Class, "meth") reaches on the
class itself, so the metaclass must keep type's lookup too and define none
of them. The pickle machine judges such a name, when BUILD state did not
set it on the instance, as the reference-only global Class.meth: held,
never called; a call of it stays reported (MG116).

Classes that are handles on files, sockets or databases (IO_MODULES:
pathlib, logging, xgboost's tracker sockets, optuna's database storages
...) get no line. Names that read or write files, reach the network, spawn processes,
pickle or evaluate code are left out so that getattr of them keeps its
critical finding, even as a held reference: a program that later calls a
held df.to_pickle writes wherever the pickle says. They are found two
ways: by name (IO_NAMES, read from the method lists of pandas, torch,
sklearn, statsmodels, gensim, xgboost ...: to_pickle, to_csv, save*,
dump*, load*, read*, write*, open*, export*, exec*, run*, ...), and by the
method's own bytecode naming a sink of dunders.REACH or of the
construction check's static.DANGER (open, os, io, sys, pickle, subprocess,
eval, urlopen, ...), not followed into callees.

Output (formats/pickle/globals/ecosystems/methods.txt), sorted and
stamp-free: "=N<TAB>owner<TAB>names" lines name the methods one class (the
owner, module.qualname) defines, for groups several classes share, and
"name<TAB>modules<TAB>ecosystem<TAB>library<TAB>items" lines give a class
(every allowlisted spelling module.name of it, the modules comma-separated)
its method names: a group reference "=N", a name, or "-name" (a name of an
included group the class does not resolve to a method, e.g. overridden by
a property).
"""
import inspect
import re
import types

import dunders
import static

# Names of methods that do file, network, process, pickle or code I/O,
# read from the method names the generated classes list (see module doc).
IO_NAMES = re.compile(
    r"^(to_pickle|to_csv|to_sql|to_hdf|to_parquet|to_feather|to_excel|to_json|to_clipboard|to_stata|to_orc"
    r"|to_latex|to_html|to_markdown|to_string|to_xml|to_gbq|to_netcdf|to_zarr|to_file|to_files|to_filename"
    r"|to_wav|to_disk|to_onnx|to_torchscript|to_drive"
    r"|.*file.*|.*_path|.*path_.*|save.*|.*_save|.*_save_.*|dump.*|.*_dump.*|load.*|.*_load.*|read.*|.*_read.*"
    r"|write.*|.*_write.*|open.*|.*_open.*|export.*|.*_export.*|import.*|system|exec.*|eval|eval_.*|.*_eval"
    r"|compile.*|run.*|.*_run|call.*|.*callback.*|spawn.*|fork.*|download.*|upload.*|fetch.*|url.*|.*_url.*"
    r"|connect.*|serialize.*|deserialize.*|persist.*|store.*|checkpoint.*|register.*|hook.*|.*_hook.*"
    r"|apply.*|pipe|agg|aggregate|transform_fn|map|applymap|query|eval_.*|script.*|jit.*|compile"
    r"|plot.*|.*_plot|hist|boxplot|show.*|print.*|display.*|report.*|tofile|fromfile"
    r"|log|log_metric.*|log_hyperparam.*|log_artifact.*|log_model|log_graph|log_image.*|log_text|log_figure|log_table"
    r"|logger.*"
    r"|memmap|mmap|cuda|share_memory.*|pin_memory|set_.*|create.*|make_.*|build.*|from_pretrained|recv.*|send.*)$")

# Modules whose classes are handles on files, sockets, processes or
# databases: every method of theirs is I/O, so none is listed.
IO_MODULES = ("pathlib", "_io", "io", "socket", "logging", "tempfile", "zipfile", "tarfile", "gzip", "bz2", "lzma",
              "sqlite3", "shelve", "dbm", "subprocess", "multiprocessing", "xgboost.tracker", "xgboost.rabit",
              "xgboost.collective", "optuna.storages._rdb", "optuna.storages._journal", "optuna.storages._redis",
              "torch.distributed", "torch.multiprocessing", "torch.utils.data.datapipes")

# The kinds of class attribute getattr binds without running Python code:
# a function's and a C method descriptor's __get__ are C; a builtin
# function, like a staticmethod, is returned as it is.
_PLAIN = (types.FunctionType, types.BuiltinFunctionType, types.MethodDescriptorType,
          types.ClassMethodDescriptorType, types.WrapperDescriptorType)


def _plain(attr):
    if isinstance(attr, staticmethod):
        return True
    if isinstance(attr, classmethod):
        # classmethod.__get__ chains to its function's __get__ (3.9-3.12).
        return type(attr.__func__) in (types.FunctionType, types.BuiltinFunctionType)
    return type(attr) in _PLAIN


def _reaches(attr):
    """True when the method's own code names a REACH sink."""
    f = attr.__func__ if isinstance(attr, (staticmethod, classmethod)) else attr
    todo = []
    for g in (f, inspect.unwrap(f) if callable(f) else f):
        code = getattr(g, "__code__", None)
        if isinstance(code, types.CodeType):
            todo.append(code)
    while todo:
        c = todo.pop()
        if any(n in dunders.REACH or n in static.DANGER for n in c.co_names):
            return True
        todo.extend(k for k in c.co_consts if isinstance(k, types.CodeType))
    return False


def _lookup_plain(cls):
    """True when getattr on cls's instances and on cls keeps the default
    lookup: no __getattribute__ of its own in the MRO or the metaclass's."""
    if any("__getattribute__" in k.__dict__ for k in cls.__mro__ if k is not object):
        return False
    return not any("__getattribute__" in k.__dict__ for k in type(cls).__mro__ if k not in (type, object))


def _owned(cls):
    """{name: owner} of the listable method names cls's instances reach."""
    meta = [k for k in type(cls).__mro__ if k not in (type, object)]
    out = {}
    for k in reversed(cls.__mro__):
        for name in k.__dict__:
            out[name] = None
    for name in list(out):
        out.pop(name)
        if name.startswith("_") or IO_NAMES.match(name) or any(name in m.__dict__ for m in meta):
            continue
        try:
            attr = inspect.getattr_static(cls, name)
        except AttributeError:
            continue
        if not _plain(attr) or _reaches(attr):
            continue
        owner = next(k for k in cls.__mro__ if name in k.__dict__)
        out[name] = owner
    return out


def _qual(k):
    return "%s.%s" % (k.__module__, k.__qualname__)


class _Groups:
    """The method names each owner class defines (its group), by id."""

    def __init__(self):
        self.names = {}   # group id -> frozenset of names
        self.ids = {}     # owner class -> group id

    def of(self, k):
        if k not in self.ids:
            own = _owned(k) if _lookup_plain(k) else {}
            g = frozenset(n for n, o in own.items() if o is k)
            gid = _qual(k)
            while gid in self.names and self.names[gid] != g:
                gid += "'"
            self.names[gid] = g
            self.ids[k] = gid
        return self.ids[k], self.names[self.ids[k]]


def rows(classes):
    """classes: [(pattern, ecosystem, library, class object)]. Returns the
    sorted output lines (without newline)."""
    by_obj = {}
    for pat, eco, lib, cls in classes:
        if isinstance(cls, type):
            by_obj.setdefault((id(cls), eco), (cls, eco, lib, set()))[3].add(pat)
    groups = _Groups()
    found = []
    for cls, eco, lib, pats in by_obj.values():
        if not _lookup_plain(cls) or any(cls.__module__ == m or cls.__module__.startswith(m + ".") for m in IO_MODULES):
            continue
        names = _owned(cls)
        if not names:
            continue
        have_all = set(names)
        owners = set(names.values())
        refs, covered = [], set()
        for k in cls.__mro__:
            if k is object or (k not in owners and k not in groups.ids):
                continue
            gid, g = groups.of(k)
            have = g & have_all
            if not g or len(have) * 2 <= len(g) or have <= covered:
                continue
            refs.append(gid)
            covered |= have
        found.append((cls, pats, eco, lib, have_all, refs))
    # A group shared by several classes is written once under a short
    # number; one only a single class uses is written inline.
    count = {}
    for *_x, refs in found:
        for gid in refs:
            count[gid] = count.get(gid, 0) + 1
    # Classes whose own methods are the same set (torch's legacy tensor
    # types copy theirs) share it as one group, under the first owner.
    inline = {}
    for cls, _p, _e, _l, have_all, refs in found:
        key = frozenset(have_all - set().union(*(groups.names[g] for g in refs if count[g] > 1)))
        inline.setdefault(key, []).append((_qual(cls), refs))
    for key, users in inline.items():
        if len(users) > 1 and len(key) > 1:
            gid = "%s and %d more classes" % (min(users)[0], len(users) - 1)
            groups.names[gid] = key
            count[gid] = len(users)
            for _q, refs in users:
                refs.append(gid)
    shared = sorted(gid for gid, n in count.items() if n > 1)
    num = {gid: str(i + 1) for i, gid in enumerate(shared)}
    out = []
    for _c, pats, eco, lib, have_all, refs in found:
        items, covered = [], set()
        for gid in refs:
            if gid not in num or groups.names[gid] & have_all <= covered:
                continue
            g = groups.names[gid]
            items.append("=" + num[gid])
            items.extend("-" + n for n in sorted(g - have_all))
            covered |= g & have_all
        items.extend(sorted(have_all - covered))
        by_name = {}
        for pat in pats:
            module, name = pat.split(":", 1) if ":" in pat else pat.rsplit(".", 1)
            by_name.setdefault(name, []).append(module)
        for name, modules in by_name.items():
            out.append("\t".join((name, ",".join(sorted(modules)), eco, lib, ",".join(items))))
    lines = ["=%s\t%s\t%s" % (num[gid], gid, ",".join(sorted(groups.names[gid]))) for gid in shared]
    return lines + sorted(out)

def main():
    import os
    import sys
    import warnings
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import generate
    folder = os.path.join(generate.GLOBALS, "ecosystems")
    ecos = set(generate.builders.ECOSYSTEMS)
    todo = []   # (pattern, ecosystem, library, spelling to resolve)
    for fn in sorted(os.listdir(folder)):
        if not fn.endswith(".tsv") or fn[:-4] not in ecos:
            continue
        with open(os.path.join(folder, fn), encoding="utf-8") as f:
            for line in f:
                if line.startswith("#") or not line.strip():
                    continue
                pat, u, eco, lib, _how, reason = line.rstrip("\n").split("\t")
                if "class" not in u.split(","):
                    continue
                spelled = pat
                if reason.startswith("compat alias of "):
                    spelled = reason[len("compat alias of "):].split(" ", 1)[0]
                todo.append((pat, eco, lib, spelled))
    uses = {}
    with open(os.path.join(generate.GLOBALS, "allow.tsv"), encoding="utf-8") as f:
        for line in f:
            if not line.startswith("#") and line.strip():
                pat, u = line.split("\t", 2)[:2]
                uses[pat] = u.split(",")
    for pat, eco in generate.hand_rows():
        if eco in ecos and (pat not in uses or "class" in uses[pat]):
            todo.append((pat, eco, generate.lib_version(eco), pat))
    deny = generate.load_deny()
    classes = []
    for pat, eco, lib, spelled in todo:
        module, name = spelled.split(":", 1) if ":" in spelled else spelled.rsplit(".", 1)
        if generate.deny_match(deny, *(pat.split(":", 1) if ":" in pat else pat.rsplit(".", 1))):
            continue  # a wildcard's class the denylist keeps (FunctionTransformer)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                obj = generate.resolve(module, name)
        except Exception:  # noqa: BLE001 - a hand name of another version
            continue
        # A pickle names a class where it is defined (__module__,
        # __qualname__), or by an old name its library's loader maps.
        if spelled == pat and (getattr(obj, "__module__", None), getattr(obj, "__qualname__", None)) != (module, name):
            continue
        classes.append((pat, eco, lib, obj))
    with open(os.path.join(folder, "methods.txt"), "w", encoding="utf-8") as f:
        f.write("#version\t%s\n" % generate.VERSION)
        f.write("# Generated by tools/allowlist/methods.py (make allowlist); do not edit by hand.\n")
        f.write("# Bound methods a pickle may hold of an allowlisted class's instance (getattr(obj, name)),\n")
        f.write("# reference only: see tools/allowlist/methods.py for which names and why.\n")
        f.write("# =N\towner\tnames | name\tmodules\tecosystem\tlibrary\titems (=N, name, -name)\n")
        for line in rows(classes):
            f.write(line + "\n")


if __name__ == "__main__":
    main()
