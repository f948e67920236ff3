#!/usr/bin/python3
"""Generates modelgate's ecosystem allowlist from the libraries themselves.

    make allowlist        (= /usr/bin/python3 tools/allowlist/generate.py)

For each ecosystem it builds and fits real objects (builders.py), pickles
them with protocols 0-5 (and torch.save, zip and legacy), and reads the
opcodes (observe.py) to learn every global they name and how each is used:
as a class to build, a function to call, or a value. Library classes the
objects did not name are enumerated too (as classes only). Each global is
then classified by static inspection of what loading it runs (static.py):
safe entries go to formats/pickle/globals/ecosystems/<ecosystem>.tsv,
everything else to formats/pickle/globals/ecosystems/excluded.txt with the
reason. The methods loading triggers on allowed objects (a dict key's
__hash__, str's __str__ ...) that dunders.py cannot vouch for go to
formats/pickle/globals/ecosystems/dunders.txt. Globals the denylist matches, or that the hand-kept allow.tsv
already lists, are not emitted (the hand entries stay authoritative).

It imports Debian's python3-numpy, -scipy, -pandas, -sklearn, -statsmodels,
-gensim, -xgboost, -torch, -torchvision, -torchaudio, -nltk, -imblearn,
-networkx, -keras-preprocessing, -sklearn-pandas, -skimage, -sentencepiece,
-optuna, -omegaconf, -xarray, -rdkit, -pil, -matplotlib, -astropy, -shapely, -biopython,
-pynndescent, -numba, -patsy, -geopandas, -pyproj, -munch, -easydict, -docutils and -sphinx (apt-get install them first); a missing one stops the run rather
than dropping its ecosystem.

Output is sorted and carries no timestamps; library versions are recorded
per entry, so a rerun with the same Debian packages reproduces it byte for
byte. Nothing here reads the pickles back; nothing is downloaded.
"""
import argparse
import importlib
import io
import os
import pickle
import subprocess
import sys
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import builders  # noqa: E402
import dunders  # noqa: E402
import observe  # noqa: E402
import static  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(HERE))
GLOBALS = os.path.join(ROOT, "formats", "pickle", "globals")
VERSION = "2026.12.10"

# C and Cython code has no bytecode to inspect. These owners were reviewed
# by reading their source: their __new__/__setstate__/__reduce__ rebuild a
# value from the arguments and touch nothing outside the object. Matched on
# "module.qualname" of the class (or function) that defines the method.
REVIEWED_C = [
    ("builtins.object", "object construction"),
    ("builtins.dict", "builtin container"), ("builtins.list", "builtin container"),
    ("builtins.set", "builtin container"), ("builtins.frozenset", "builtin container"),
    ("builtins.tuple", "builtin container"), ("builtins.bytearray", "builtin value type"),
    ("builtins.bytes", "builtin value type"), ("builtins.str", "builtin value type"),
    ("builtins.int", "builtin value type"), ("builtins.float", "builtin value type"),
    ("builtins.complex", "builtin value type"), ("builtins.bool", "builtin value type"),
    ("builtins.range", "builtin value type"), ("builtins.slice", "builtin value type"),
    ("builtins.BaseException", "exception value"),
    ("builtins.type", "class creation by the metaclass of a library class (its own __call__ runs __init__, inspected)"),
    ("collections.OrderedDict", "C ordered dict"), ("collections.defaultdict", "C dict whose factory is stored, not called, at load"),
    ("collections.deque", "C deque"), ("itertools.count", "C counter from a start and a step"), ("datetime.", "C datetime values"), ("decimal.Decimal", "C decimal value"),
    ("array.array", "C array from a typecode and bytes"), ("array._array_reconstructor", "C array from a typecode and bytes"),
    ("re.Pattern", "compiled regular expression (no code runs)"), ("_codecs.encode", "encodes a string to bytes"),
    ("types.SimpleNamespace", "attribute bag"),
    ("typing.Dict", "typing alias of dict: held as an annotation; calling it calls dict() and sets __orig_class__"),
    ("typing.List", "typing alias of list: held as an annotation; calling it calls list() and sets __orig_class__"),
    ("numpy.", "NumPy C types and reconstructors rebuild arrays, dtypes and scalars from shape, dtype and bytes"),
    ("pandas._libs.", "pandas Cython value types (timestamps, periods, intervals, offsets, block placements) rebuild from fields"),
    ("sklearn.", "scikit-learn Cython fitted state (trees, loss objects, neighbour trees) rebuilt from arrays"),
    ("scipy.", "SciPy C/Cython fitted state rebuilt from arrays"),
    ("torch._C.", "torch C types (Size, device, dtype, layouts, tensors) rebuilt from values"),
    ("torch.Size", "shape tuple"), ("torch.device", "device descriptor"), ("torch.dtype", "dtype descriptor"),
    ("torch.layout", "layout descriptor"), ("torch.memory_format", "memory format descriptor"),
    ("torch.qscheme", "quantisation scheme descriptor"),
    ("gensim.", "gensim Cython helpers rebuilt from arrays"),
    ("statsmodels.", "statsmodels Cython state rebuilt from arrays"),
    ("astropy.table._column_mixins.", "astropy Cython column __getitem__ shims: index the column's own ndarray"),
    # Boost.Python classes whose pickle suites (rdkit_pickle_suite: getinitargs
    # only) make pickle call the class; the constructors read in rdkit's Code/.
    # Boost.Python's instance.__new__ only allocates an empty holder: the
    # class's own __init__ (listed per class below) is what runs on arguments.
    ("Boost.Python.instance", "Boost.Python instance allocation (an empty holder; the class's __init__ is reviewed per class)"),
    ("rdkit.Geometry.rdGeometry.Point3D", "RDKit Point3D: __init__ stores three doubles or copies a point"),
    ("rdkit.Geometry.rdGeometry.Point2D", "RDKit Point2D: __init__ stores two doubles or copies a point"),
    ("rdkit.Geometry.rdGeometry.UniformGrid3D_",
     "RDKit UniformGrid3D_: the bytes constructor parses the grid in memory (UniformGrid3D::initFromText over a"
     " stringstream, then a DiscreteValueVect of the pickled length)"),
    ("rdkit.Chem.rdChemicalFeatures.FreeChemicalFeature",
     "RDKit FreeChemicalFeature: the bytes constructor parses id, family, type and position in memory"
     " (initFromString over a stringstream); the others store family, type, a Point3D and an id"),
]

# Builtins whose call is pure: no I/O, no import, no attribute access by
# name, no call of an argument. builtins is otherwise denied.
PURE_BUILTINS = {
    "abs", "all", "any", "ascii", "bin", "bool", "bytearray", "bytes", "chr", "complex", "dict", "divmod",
    "enumerate", "float", "format", "frozenset", "hash", "hex", "int", "isinstance", "issubclass", "len",
    "list", "max", "min", "next", "oct", "ord", "pow", "range", "repr", "reversed", "round", "set", "slice",
    "sorted", "str", "sum", "tuple", "zip", "object", "Ellipsis", "NotImplemented", "callable", "id",
}


# Classes that hold a callable the user's program later calls on its data
# (a tokenizer's analyzer, a sampler's func): building one runs no code,
# but an allowed class would let any global allowed to be held, a
# class-only one included, sit where it will be called. They are left to
# the pickle machine's holder check (formats/pickle machine.go holders),
# which clears such a class only when each held callable is None or a
# global allowed as a function.
HOLDERS = {
    ("keras_preprocessing.text", "Tokenizer"): "analyzer",
    ("imblearn.base", "FunctionSampler"): "func",
    ("imblearn", "FunctionSampler"): "func",
}

# Globals the static check passes that a reading of their source excludes:
# what they do with their arguments or state is not visible as a name.
REVIEWED_UNSAFE = {
    ("matplotlib.cbook", "_picklable_class_constructor"):
        "creates a class with type() from the mixin and base classes its arguments name (their metaclass and"
        " __init_subclass__ run), sets the attribute its argument names on it and builds it (cbook.py, 3.6)",
    ("matplotlib.cbook", "CallbackRegistry"):
        "holds callbacks (a dict of signal to callables) and exception_handler from its state, which process()"
        " calls whenever the owning norm or figure changes: left to the pickle machine's holder check",
    ("matplotlib.figure", "Figure"):
        "with _restore_to_pylab in its state, __setstate__ imports pyplot, makes a figure manager with the"
        " configured backend (a GUI window) and registers it as pyplot's active figure (figure.py, 3.6)",
    ("shapely.geos", "WKBWriter"): "__del__ frees, through the _lgeos object of its state, the _writer handle of its"
                                   " state: a pointer (and a callable holder) the file chooses",
    ("shapely.geos", "WKTWriter"): "__del__ frees, through the _lgeos object of its state, the _writer handle of its"
                                   " state: a pointer (and a callable holder) the file chooses",
    ("shapely.geometry.proxy", "CachingGeometryProxy"):
        "its geometry is made by calling the factory attribute of its state on its context (a callable holder)",
    ("shapely.geometry.proxy", "PolygonProxy"):
        "its geometry is made by calling the factory attribute of its state on its context (a callable holder)",
    ("pynndescent.pynndescent_", "NNDescent"):
        "__setstate__ JIT-compiles search functions with numba around the distance function and trees of its state"
        " (_init_search_function); its real pickles always carry numba dispatchers, which are denied",
    ("pyproj.crs.crs", "CRS"):
        "keeps the srs string of its state, which PROJ parses when the program first reads the CRS: a PROJ"
        " string or WKT can name files PROJ opens (+init=path:id, grid files of +nadgrids/+geoidgrids,"
        " WKT PARAMETERFILE) and, with PROJ networking on, grids it downloads",
    ("geopandas.array", "GeometryArray"):
        "keeps the _crs of its state, which geopandas hands to PROJ (CRS.from_user_input) when the program reads"
        " or transforms the geometry: left to the pickle machine's holder check (no CRS)",
    ("docutils.nodes", "pending"):
        "holds a transform class and its details, which docutils instantiates and applies to the document when a"
        " program hands the node to a Transformer (add_pending): a held callable; the doctrees Sphinx writes keep"
        " none, since applying a transform removes its pending node",
    ("sphinx.ext.ifconfig", "ifconfig"):
        "its expr is evaluated with eval() against the project's configuration when Sphinx resolves the doctree"
        " (process_ifconfig_nodes on doctree-resolved), which an incremental build does for a cached doctree",
    ("sphinx.ext.graphviz", "graphviz"):
        "its code is handed to the dot program (the project's graphviz_dot) when Sphinx writes the document;"
        " dot reads the files a graph names (image, shapefile attributes)",
    ("sphinx.ext.inheritance_diagram", "inheritance_diagram"):
        "holds an InheritanceGraph object (its graph attribute) whose generate_dot Sphinx calls when it writes the"
        " document, then runs the dot program on the result",
    ("sphinx.locale", "_TranslationProxy"):
        "calls the function its state holds with the held arguments whenever it is turned into a string, hashed or"
        " compared (Sphinx up to 6): left to the pickle machine's holder check (Sphinx's own translation function"
        " and constant strings)",
    ("numba.core.serialize", "custom_rebuild"):
        "calls _rebuild on the ctor its argument holds (numba's Dispatcher._rebuild compiles the pickled py_func)",
}

# What loading an ecosystem's objects leaves for later, beyond what the
# static check sees: appended to the reason of each of its entries.
NOTES = {
    "omegaconf": "; interpolations (${a.b}, ${resolver:args}) stay strings in the nodes at load (__setstate__ only"
                 " updates __dict__ and normalises type metadata); reading the value later resolves them through the"
                 " resolvers the loading program registered (omegaconf's own oc.env reads an environment variable,"
                 " oc.decode/oc.create parse a string), never at load; OmegaConf.to_object, when the program calls it,"
                 " instantiates the structured config's object_type (a class the pickle names, judged as its own"
                 " global) with the config's values",
}


def _qual(t):
    return "%s.%s" % (getattr(t, "__module__", ""), getattr(t, "__qualname__", ""))


def reviewed(owner, method):
    mod = getattr(owner, "__module__", None) or ""
    q = getattr(owner, "__qualname__", getattr(owner, "__name__", ""))
    full = mod + "." + q
    if mod == "builtins" and isinstance(owner, type) and issubclass(owner, BaseException):
        return "builtin exception value"
    if mod == "builtins" and not isinstance(owner, type):
        return "pure builtin" if q in PURE_BUILTINS else None
    if _qual(type(owner)) == "numpy.ufunc":
        # A ufunc object has no __module__: its type is numpy's C ufunc.
        return "numpy ufunc: C loops that compute on the arrays it is given"
    for prefix, why in REVIEWED_C:
        if full == prefix or (prefix.endswith(".") and full.startswith(prefix)) or full.startswith(prefix + "."):
            return why
    return None


# ---------------------------------------------------------------- denylist


def load_deny():
    out = []
    with open(os.path.join(GLOBALS, "deny.tsv"), encoding="utf-8") as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            pat, _sev, cat, reason = line.rstrip("\n").split("\t")
            out.append((pat, cat, reason))
    return out


def deny_match(deny, module, name):
    """The first deny entry matching module.name, a Python restatement of
    globals.denyMatches without module aliases (the Go test checks the
    output with the real matcher)."""
    path = module.split(".") + name.split(".")
    name_start = module.count(".") + 1
    starts = [0] + list(range(name_start, len(path) - 1))
    for pat, cat, reason in deny:
        if pat.startswith("*."):
            if pat[2:] in path[1:]:
                return pat, reason
            continue
        if ":" in pat:
            pat = pat.replace(":", ".")
        glob = pat.endswith("*") and not pat.endswith(".*")
        base = pat[:-2] if pat.endswith(".*") else pat
        for s in starts:
            p = path[s:]
            if glob:
                parent, pre = base.rsplit(".", 1)
                pre = pre[:-1]
                pp = parent.split(".")
                if len(p) > len(pp) and p[:len(pp)] == pp and p[len(pp)].startswith(pre):
                    return pat, reason
            else:
                bp = base.split(".")
                if len(p) >= len(bp) and p[:len(bp)] == bp:
                    return pat, reason
    for c in path[name_start:]:
        if len(c) > 4 and c.startswith("__") and c.endswith("__"):
            return "*.__dunder__", "reaches a dunder attribute"
    return None


def load_hand():
    """The exact entries of allow.tsv: (module, name) -> set of uses."""
    keys = {}
    with open(os.path.join(GLOBALS, "allow.tsv"), encoding="utf-8") as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            pat, u = line.split("\t", 2)[:2]
            if pat.endswith(".*"):
                continue
            if ":" in pat:
                m, n = pat.split(":", 1)
            else:
                m, n = pat.rsplit(".", 1)
            keys[(m, n)] = set(u.split(","))
    return keys


# ---------------------------------------------------------------- pickling


def pickles_of(obj, eco):
    """Every pickle stream the ecosystem's own savers write for obj."""
    out = []
    for proto in range(0, 6):
        try:
            out.append(pickle.dumps(obj, protocol=proto))
        except Exception:  # noqa: BLE001 - some objects refuse old protocols
            pass
    if eco.startswith("torch"):
        import torch
        for zipped in (True, False):
            buf = io.BytesIO()
            try:
                torch.save(obj, buf, _use_new_zipfile_serialization=zipped)
            except Exception:  # noqa: BLE001
                continue
            data = buf.getvalue()
            if zipped:
                with zipfile.ZipFile(io.BytesIO(data)) as z:
                    for n in z.namelist():
                        if n.endswith(".pkl"):
                            out.append(z.read(n))
            else:
                out.extend(_legacy_streams(data))
    return out


def _legacy_streams(data):
    """The pickles at the head of a legacy torch.save stream: magic,
    protocol, sys info, the object, the storage keys."""
    import pickletools
    f = io.BytesIO(data)
    out = []
    for _ in range(5):
        start = f.tell()
        try:
            for _op in pickletools.genops(f):
                pass
        except Exception:  # noqa: BLE001 - raw storage bytes follow
            break
        out.append(data[start:f.tell()])
    return out


# ---------------------------------------------------------------- resolving


def resolve(module, name):
    mod = importlib.import_module(module)
    obj = mod
    for part in name.split("."):
        obj = getattr(obj, part)
    return obj


def stdlib_module(module):
    return module.split(".")[0] in sys.stdlib_module_names


def ecosystem_of(module):
    top = module.split(".")[0]
    if top in ("typing", "logging"):
        return "stdlib"
    for eco, (tops, _b, _e) in builders.ECOSYSTEMS.items():
        if tops and top in tops:
            return eco
    if stdlib_module(module):
        return "stdlib"
    return None


def pattern(module, name):
    return module + (":" if "." in name else ".") + name


def lib_version(eco):
    if eco == "stdlib":
        return "python==%d.%d" % sys.version_info[:2]
    top = builders.ECOSYSTEMS[eco][0][0]
    m = importlib.import_module(top)
    ver = getattr(m, "__version__", "unknown")
    if ver in ("999", "unknown"):
        # Debian builds some packages (python3-xarray) without setuptools_scm
        # metadata, so they report 999, and some (python3-easydict) keep no
        # __version__: record the package's upstream version.
        out = subprocess.run(["dpkg-query", "-W", "-f=${Version}", "python3-" + top],
                             capture_output=True, text=True, check=True).stdout
        ver = out.split(":")[-1].rsplit("-", 1)[0]
    return "%s==%s" % (top, ver)


# ---------------------------------------------------------------- main


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default=os.path.join(GLOBALS, "ecosystems"))
    ap.add_argument("--no-hand", action="store_true",
                    help="emit globals allow.tsv lists too (to find hand entries the generator now covers)")
    ap.add_argument("--samples", help="also write one small real pickle per ecosystem to this folder")
    args = ap.parse_args()

    deny = load_deny()
    hand = {} if args.no_hand else load_hand()
    built = {}       # ecosystem -> its objects
    uses = {}        # (module, name) -> set of uses
    observed = {}    # (module, name) -> "pickled" | "enumerated"
    origin = {}      # (module, name) -> set of ecosystems whose objects named it
    for eco, (_tops, build, enumerate_) in builders.ECOSYSTEMS.items():
        objs = build()
        built[eco] = objs
        for obj in objs:
            for data in pickles_of(obj, eco):
                def note(key, use, eco=eco):
                    uses.setdefault(key, set()).add(use)
                    observed[key] = "pickled"
                    origin.setdefault(key, set()).add(eco)
                observe.walk(data, note)
        if enumerate_:
            for module, name, _cls in enumerate_():
                key = (module, name)
                if key not in observed:
                    uses.setdefault(key, set()).add("class")
                    observed[key] = "enumerated"
                    origin.setdefault(key, set()).add(eco)

    for module, name, use in builders.COMPAT:
        key = (module, name)
        uses.setdefault(key, set()).add(use)
        if key not in observed:
            observed[key] = "enumerated"
            origin.setdefault(key, set()).add(ecosystem_of(module))

    # An enum member named by getattr(Enum, "NAME") stands for its class's
    # other members too: each is a constant of the same class, and another
    # object (another study state, another interpolation mode) names them.
    import enum
    for key in sorted(k for k in uses if "." in k[1] and uses[k] == {"reference"}):
        try:
            member = resolve(*key)
        except Exception:  # noqa: BLE001 - judged (and excluded) below
            continue
        if not isinstance(member, enum.Enum):
            continue
        cls_name = key[1].rsplit(".", 1)[0]
        for name in type(member).__members__:
            other = (key[0], cls_name + "." + name)
            if other not in uses:
                uses[other] = {"reference"}
                observed[other] = "enumerated"
                origin.setdefault(other, set()).update(origin.get(key, ()))

    # numpy ufuncs a holder keeps (FunctionTransformer(func=np.log1p)) or
    # an object stores: numpy >= 1.20 pickles one by name. Held only: a
    # ufunc computes on arrays, and a pickle that calls one is MG116.
    for key in builders.numpy_ufuncs():
        if key not in uses:
            uses[key] = {"reference"}
            observed[key] = "enumerated"
            origin.setdefault(key, set()).add("numpy")

    # Aliases (a re-export, the defining module's spelling, a name kept for
    # old pickles) are one object: every name of it may be used the ways
    # any name of it was seen used, in the generated pickles or in a hand
    # entry. Widened uses are checked like observed ones (classify); when
    # they fail, a name keeps the uses seen under it.
    by_obj = {}
    for key, u in list(uses.items()) + list(hand.items()):
        if observed.get(key) == "enumerated" and key not in hand:
            continue
        try:
            by_obj.setdefault(id(resolve(*key)), set()).update(u)
        except Exception:  # noqa: BLE001 - judged (and excluded) below
            pass
    widened, moved = {}, {}
    for key in set(uses) | set(hand):
        try:
            more = by_obj.get(id(resolve(*key)), set())
        except Exception:  # noqa: BLE001
            if key not in hand or "function" not in hand[key]:
                continue
            # A hand entry for another version of the library, whose module
            # moved (scipy.sparse._coo.coo_array is scipy.sparse._arrays.
            # coo_array here): the installed package's name for it tells
            # whether it is a class, which being called already covers
            # being built.
            found = resolve_moved(*key)
            if found is None:
                continue
            moved[key] = found
            more = {"class"} if isinstance(found[1], type) else set()
        own = hand.get(key, set()) if key in hand else uses[key]
        if more - own:
            widened[key] = own | more

    for key in builders.PROBES:
        uses.setdefault(key, set()).add("function")
        observed.setdefault(key, "probed")
    for key in builders.HELD_CALLABLES:
        uses.setdefault(key, set()).add("function")

    checker = static.Checker()
    allowed = {}   # eco -> lines
    excluded = []
    for key in sorted(set(uses) | set(widened)):
        module, name = key
        eco = ecosystem_of(module)
        if eco is None:
            continue  # a global of a library this generator does not cover
        if key in hand:
            # allow.tsv stays authoritative; a generated line only adds the
            # uses the same object's other names permit, checked here.
            if key in widened and not deny_match(deny, module, name):
                row = widen_hand(checker, key, sorted(widened[key]), observed.get(key, "enumerated"), moved)
                if row:
                    allowed.setdefault(eco, []).append(row)
            d = deny_match(deny, module, name)
            if d and key in uses and not uses[key] <= hand[key]:
                # A hand entry that lets a library hold a denylisted
                # global (madmom keeps builtins.map) leaves the uses it
                # does not permit excluded as before.
                excluded.append((eco, pattern(module, name), ",".join(sorted(uses[key])), lib_version(eco),
                                 observed[key], "denylisted (%s): %s" % d))
            continue
        u = sorted(uses[key])
        pat = pattern(module, name)
        how = observed[key]
        ver = lib_version(eco)
        d = deny_match(deny, module, name)
        if d:
            excluded.append((eco, pat, ",".join(u), ver, how, "denylisted (%s): %s" % d))
            continue
        if key in HOLDERS:
            excluded.append((eco, pat, ",".join(u), ver, how,
                             "holds %s, a callable its methods call on the data: left to the pickle machine's holder check"
                             % HOLDERS[key]))
            continue
        if key in REVIEWED_UNSAFE:
            excluded.append((eco, pat, ",".join(u), ver, how, "reviewed: " + REVIEWED_UNSAFE[key]))
            continue
        if "<locals>" in name:
            excluded.append((eco, pat, ",".join(u), ver, how, "local class: unresolvable by an unpickler"))
            continue
        try:
            obj = resolve(module, name)
        except Exception as e:  # noqa: BLE001
            excluded.append((eco, pat, ",".join(u), ver, how, "does not resolve: %s" % type(e).__name__))
            continue
        why = (None, "")
        if key in widened:
            why = classify(checker, obj, sorted(widened[key]), module, name)
        if why[0] is None:
            why = classify(checker, obj, u, module, name)
        if why[0] is None:
            excluded.append((eco, pat, ",".join(u), ver, how, why[1]))
            continue
        allowed.setdefault(eco, []).append((pat, uses_text(why[0]), ver, how, why[1] + NOTES.get(eco, "")))

    compat_aliases(deny, hand, uses, allowed)
    numpy2_ufuncs(deny, allowed)

    if args.samples:
        ok = {k for k in uses if pattern(*k) in {a[0] for rows in allowed.values() for a in rows}} | set(hand)
        # Plain pickles of tensors carry each storage as a nested legacy
        # torch.save stream that modelgate scans in full.
        ok.add(("torch.storage", "_load_from_bytes"))
        for eco, objs in built.items():
            write_sample(args.samples, eco, [o for o in objs if _names_only(o, ok)])

    os.makedirs(args.out, exist_ok=True)
    versions = sorted({lib_version(e) for e in builders.ECOSYSTEMS})
    for eco in sorted(builders.ECOSYSTEMS):
        path = os.path.join(args.out, eco + ".tsv")
        if not allowed.get(eco):
            # Every global this ecosystem's objects name is covered by
            # allow.tsv or excluded; an empty list would embed nothing.
            if os.path.exists(path):
                os.remove(path)
            continue
        with open(os.path.join(args.out, eco + ".tsv"), "w", encoding="utf-8") as f:
            f.write("#version\t%s\n" % VERSION)
            f.write("# Generated by tools/allowlist/generate.py (make allowlist); do not edit by hand.\n")
            f.write("# ecosystem %s; libraries: %s\n" % (eco, " ".join(versions)))
            f.write("# pattern\tuses\tecosystem\tlibrary\tobserved\treason\n")
            for pat, u, ver, how, reason in sorted(allowed.get(eco, [])):
                f.write("\t".join((pat, u, eco, ver, how, reason)) + "\n")
    write_dunders(os.path.join(args.out, "dunders.txt"), allowed, versions)
    with open(os.path.join(args.out, "ufuncs.txt"), "w", encoding="utf-8") as f:
        f.write("#version\t%s\n" % VERSION)
        f.write("# Generated by tools/allowlist/generate.py (make allowlist); do not edit by hand.\n")
        f.write("# The names of numpy's ufuncs (%s): the names numpy.core._ufunc_reconstruct(module, name),\n"
                % lib_version("numpy"))
        f.write("# which numpy < 1.20 pickled ufuncs with, may look up (formats/pickle lookups.go).\n")
        for name in builders.numpy_ufunc_names():
            f.write(name + "\n")
    write_excluded(os.path.join(args.out, "excluded.txt"), "Globals the generator met and left off the allowlist",
                   "tools/allowlist/generate.py (make allowlist)", sorted(excluded))


def write_excluded(path, what, by, rows):
    """Writes an excluded list: rows of (ecosystem, pattern, uses, library,
    observed, reason) under a header naming what they are and the command
    that makes them."""
    with open(path, "w", encoding="utf-8") as f:
        f.write("# %s, with the reason.\n" % what)
        f.write("# Generated by %s; do not edit by hand.\n" % by)
        f.write("# ecosystem\tpattern\tuses\tlibrary\tobserved\treason\n")
        for row in rows:
            f.write("\t".join(row) + "\n")


# ---------------------------------------------------------------- dunders


def hand_rows():
    """(pattern, ecosystem) of allow.tsv's entries whose library is
    installed here: exact ones, and for a wildcard every class name under
    it (module.Class in the module and its submodules, as the wildcard
    matches them)."""
    import pkgutil
    import re
    out = []
    with open(os.path.join(GLOBALS, "allow.tsv"), encoding="utf-8") as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            pat, _u, eco = line.split("\t", 3)[:3]
            if not pat.endswith(".*"):
                out.append((pat, eco))
                continue
            root = pat[:-2]
            try:
                mod = importlib.import_module(root)
            except Exception:  # noqa: BLE001 - a library not installed here
                continue
            mods = [mod]
            for info in pkgutil.walk_packages(getattr(mod, "__path__", []), root + "."):
                if ".tests" in info.name:
                    continue
                try:
                    mods.append(importlib.import_module(info.name))
                except Exception:  # noqa: BLE001
                    continue
            for m in mods:
                for k, v in sorted(vars(m).items()):
                    if re.match(r"^_?[A-Z]", k) and isinstance(v, type):
                        out.append(("%s.%s" % (m.__name__, k), eco))
    return out


def write_dunders(path, allowed, versions):
    """Writes the trigger dunders of the allowed globals that dunders.Vouch
    does not vouch for (see dunders.py), one line per global, what runs
    them (its instances or its own object), severity and reason: the
    generated entries, and allow.tsv's whose library is installed here,
    checked against the installed version."""
    import warnings
    vouch = dunders.Vouch(reviewed)
    lines, seen = [], set()
    todo = [(pat, eco, reason) for eco, rows in allowed.items() for pat, _u, _v, _h, reason in rows]
    todo += [(pat, eco, "") for pat, eco in hand_rows()]
    for pat, eco, reason in todo:
        if pat in seen:
            continue
        seen.add(pat)
        spelled = pat
        if reason.startswith("compat alias of "):
            # Read by the library's loader as the current name's object.
            spelled = reason[len("compat alias of "):].split(" ", 1)[0]
        module, name = spelled.split(":", 1) if ":" in spelled else spelled.rsplit(".", 1)
        lib = ecosystem_of(module)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                obj = resolve(module, name)
        except Exception:  # noqa: BLE001 - excluded, or a hand name of another version
            continue
        if lib is None:
            continue
        for of, ds, sev, why in dunders.grouped(vouch.rows(module, name, obj)):
            lines.append((pat, of, ds, sev, eco, lib_version(lib), why))
    with open(path, "w", encoding="utf-8") as f:
        f.write("#version\t%s\n" % VERSION)
        f.write("# Generated by tools/allowlist/generate.py (make allowlist); do not edit by hand.\n")
        f.write("# The dunders loading runs on an allowlisted global's instances (as a dict key or set element,\n")
        f.write("# or an argument of an allowed builtin) or on its own object, that the generator does not vouch for.\n")
        f.write("# libraries: %s\n" % " ".join(versions))
        f.write("# pattern\tof\tdunders\tseverity\tecosystem\tlibrary\treason\n")
        for row in sorted(lines):
            f.write("\t".join(row) + "\n")


# ---------------------------------------------------------------- compat maps


def pandas_class_locations():
    """pandas.read_pickle's renames of classes of older pandas versions."""
    from pandas.compat import pickle_compat
    return "pandas.compat.pickle_compat._class_locations_map", dict(pickle_compat._class_locations_map), {}


def torch_module_mapping():
    """torch.load's module renames (zip format), a local of
    torch.serialization._load read from its source."""
    import ast
    import inspect

    import torch.serialization
    tree = ast.parse(inspect.getsource(torch.serialization._load).lstrip())
    for node in ast.walk(tree):
        if isinstance(node, ast.AnnAssign) and getattr(node.target, "id", "") == "load_module_mapping":
            return "torch.serialization._load load_module_mapping", {}, ast.literal_eval(node.value)
    raise LookupError("torch.serialization._load has no load_module_mapping")


def pandas_public_names():
    """pandas 3.0 sets the __module__ of its public classes to the package
    ("pandas.Series", "pandas.arrays.IntegerArray"), so its pickles name
    them there; find_class resolves such a name to the very class this
    version defines elsewhere (pandas.Series is pandas.core.series.Series)."""
    import pandas
    import pandas.arrays
    names = {}
    for mod in (pandas, pandas.arrays):
        for name in dir(mod):
            obj = getattr(mod, name)
            if not name.startswith("_") and isinstance(obj, type) and obj.__module__ != mod.__name__:
                names[(mod.__name__, name)] = (obj.__module__, obj.__qualname__)
    return "the pandas public namespace, where pandas 3 pickles its classes", names, {}


# Libraries' own tables of names older versions pickled, which their
# loaders map to current names, and names newer versions pickle that are
# the same objects: (source, {old: new}, {old module: new module}).
COMPAT_MAPS = [pandas_class_locations, torch_module_mapping, pandas_public_names]


def compat_aliases(deny, hand, uses, allowed):
    """Adds to allowed every old name of a library compat map whose current
    name is allowed, with the current name's uses. The library's loader
    reads the old name as the current one; a plain unpickler of this
    version cannot import it, and one of an older version imports the
    class the map says it became."""
    have = {}
    for rows in allowed.values():
        for pat, u, _v, _h, _r in rows:
            have.setdefault(pat, set()).update(u.split(","))
    for key, u in hand.items():
        have.setdefault(pattern(*key), set()).update(u)
    taken = set(uses) | set(hand)
    for source in COMPAT_MAPS:
        where, names, modules = source()
        pairs = list(names.items())
        for old_mod, new_mod in modules.items():
            for pat in have:
                if pat.startswith(new_mod + ".") and ":" not in pat and pat.count(".") == new_mod.count(".") + 1:
                    name = pat[len(new_mod) + 1:]
                    pairs.append(((old_mod, name), (new_mod, name)))
        for old, new in sorted(pairs):
            target = pattern(*new)
            eco = ecosystem_of(old[0])
            if old in taken or target not in have or eco is None or deny_match(deny, *old):
                continue
            if new in observe.RECONSTRUCTORS:
                # The machine checks a reconstructor's arguments under its
                # own name only; an alias would escape that check.
                continue
            taken.add(old)
            allowed.setdefault(eco, []).append((
                pattern(*old), uses_text(have[target]), lib_version(eco), "enumerated",
                "compat alias of %s (%s): the library's loader reads it as that global" % (target, where)))


def numpy2_ufuncs(deny, allowed):
    """numpy 2.0 renamed numpy.core to numpy._core (numpy.core stays as a
    shim): a ufunc a numpy 2 pickle finds under the new name is the one the
    installed numpy's numpy.core name holds, listed with its uses."""
    rows = allowed.get("numpy", [])
    have = {r[0]: r for r in rows}
    for mod in ("numpy.core._multiarray_umath", "numpy.core.umath"):
        new_mod = mod.replace("numpy.core.", "numpy._core.", 1)
        for name in builders.numpy_ufunc_names():
            row = have.get(pattern(mod, name))
            if row is None or pattern(new_mod, name) in have or deny_match(deny, new_mod, name):
                continue
            rows.append((pattern(new_mod, name), row[1], row[2], "enumerated",
                         "numpy 2 name of %s (numpy.core became numpy._core in 2.0): %s" % (pattern(mod, name), row[4])))


def resolve_moved(module, name):
    """(spelling, object) for a name whose module does not exist in the
    installed version: the same name in the nearest enclosing package."""
    parts = module.split(".")
    for i in range(len(parts) - 1, 0, -1):
        try:
            return pattern(".".join(parts[:i]), name), resolve(".".join(parts[:i]), name)
        except Exception:  # noqa: BLE001
            continue
    return None


def widen_hand(checker, key, u, how, moved):
    """The generated line that widens a hand entry, or None when the
    widened uses do not pass the check."""
    module, name = key
    note = "adds to the allow.tsv entry the uses of the same object's other names: "
    if key in moved:
        spelling, obj = moved[key]
        note = "a class (%s in the installed version): being called, as allow.tsv permits, covers being built: " \
            % spelling
    else:
        try:
            obj = resolve(module, name)
        except Exception:  # noqa: BLE001 - a name of a version not installed here
            return None
    why = classify(checker, obj, u, module, name)
    if why[0] is None:
        return None
    return (pattern(module, name), uses_text(why[0]), lib_version(ecosystem_of(module)), how, note + why[1])


def uses_text(u):
    """The uses in the lists' canonical order."""
    return ",".join(x for x in ("class", "function", "reference") if x in u)


def classify(checker, obj, u, module, name):
    """(uses, reason) when safe, (None, reason) when excluded. A class that
    passes is also allowed to be built: building runs the methods a value
    or a call of it was already checked for (__new__, __setstate__, ...)."""
    import enum
    if isinstance(obj, type):
        u = sorted(set(u) | {"class"})
    if module == "builtins":
        if name in PURE_BUILTINS or (isinstance(obj, type) and issubclass(obj, BaseException)):
            return u, "pure builtin: computes a value from its arguments, no I/O, import or call of an argument"
        return None, "builtin outside the pure set"
    if isinstance(obj, type) and issubclass(obj, enum.Enum):
        if len(obj.__members__) == 0:
            if "function" in u:
                return None, "enum base without members: calling it is the functional API, which creates classes"
            return u, "enum base without members, built as a class only (calling it, the functional API, is reported)"
        # Python < 3.11 pickles a member as a call of its class with the
        # value, whatever this version's pickles show: a class with
        # members may always be called, unless a _missing_ hook of its
        # own (run on an unknown value) fails the check.
        missing = [k.__dict__["_missing_"] for k in obj.__mro__
                   if "_missing_" in k.__dict__ and not k.__module__.startswith("enum")]
        if missing:
            bad = checker.check(missing[0].__func__ if hasattr(missing[0], "__func__") else missing[0],
                                ["function"], reviewed)
            if bad is not None:
                return None, "enum whose _missing_ hook runs on a called value: " + bad
        return sorted(set(u) | {"function"}), \
            "enum with members: REDUCE looks a member up by value; EnumMeta refuses to extend an enum that has members"
    if not callable(obj):
        return ["reference"], "constant value (%s); nothing is called" % type(obj).__name__
    if not isinstance(obj, type) and "function" not in u and "class" not in u:
        # A function stored as a value runs only when the loading program calls it.
        pass
    reason = checker.check(obj, u, reviewed)
    if reason is not None:
        return None, reason
    if isinstance(obj, type):
        what = "construction path (%s) inspected" % ", ".join(m for _o, m, _f in static.run_methods(obj, u)) \
            if static.run_methods(obj, u) else "no construction code of its own"
    else:
        what = "function body and same-library callees inspected" if static.python_function(obj) else \
            "C implementation reviewed: %s" % (reviewed(obj, None) or "")
    return u, what + ": no file, network, process, import, eval or nested unpickling"


def _names_only(obj, ok):
    """Whether obj's protocol-4 pickle names only globals in ok (or
    classes under a hand wildcard, which the samples do not need)."""
    try:
        data = pickle.dumps(obj, protocol=4)
    except Exception:  # noqa: BLE001
        return False
    seen = set()
    observe.walk(data, lambda key, _use: seen.add(key))
    return seen <= ok


def write_sample(folder, eco, objs):
    """One pickle (protocol 4) of as many of the objects as fit in about
    150 KB, for the engine test that asserts real pickles are clean."""
    os.makedirs(folder, exist_ok=True)
    keep, total = [], 0
    for o in objs:
        try:
            n = len(pickle.dumps(o, protocol=4))
        except Exception:  # noqa: BLE001
            continue
        if total + n <= 150000:
            keep.append(o)
            total += n
    if not keep:
        return
    with open(os.path.join(folder, eco + ".pkl"), "wb") as f:
        pickle.dump(keep, f, protocol=4)
    if eco == "torch":
        # torch.save of sparse COO and CSR tensors: its data.pkl names
        # torch._utils._rebuild_sparse_tensor and layout globals.
        import torch
        buf = io.BytesIO()
        torch.save({"coo": torch.eye(3).to_sparse(), "csr": torch.eye(3).to_sparse_csr()}, buf)
        with open(os.path.join(folder, "torch_sparse.pt"), "wb") as f:
            f.write(buf.getvalue())
        with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as z:
            name = next(n for n in z.namelist() if n.endswith("data.pkl"))
            with open(os.path.join(folder, "torch_sparse_data.pkl"), "wb") as f:
                f.write(z.read(name))


if __name__ == "__main__":
    main()
