"""Reads a pickle's opcodes (never unpickles) and records, for every global
it names, how the stream uses it:

  class      built without its constructor running on free arguments:
             the class of NEWOBJ/NEWOBJ_EX, or the class argument of a
             reconstructor (copyreg._reconstructor, numpy _reconstruct ...)
  function   called with the stream's arguments: REDUCE, OBJ, INST
  reference  stored as a value (an argument, dict value, BUILD state)

The reconstructor table must match formats/pickle/machine.go.
"""
import _compat_pickle
import pickletools

# callable -> {argument index: use of a global passed there}
RECONSTRUCTORS = {
    ("copyreg", "_reconstructor"): {0: "class", 1: "function"},
    ("copyreg", "__newobj__"): {0: "class"},
    ("copyreg", "__newobj_ex__"): {0: "class"},
    ("numpy.core.multiarray", "_reconstruct"): {0: "class"},
    ("numpy._core.multiarray", "_reconstruct"): {0: "class"},
    ("numpy.core._internal", "_reconstruct"): {0: "class"},
    ("torch._tensor", "_rebuild_from_type"): {0: "function", 1: "class"},
    ("torch._tensor", "_rebuild_from_type_v2"): {0: "function", 1: "class"},
    # fastai's copies: _rebuild_from_type(func, type, args, dict) and
    # _fa_rebuild_tensor(cls, *args), which calls cls on the rebuilt tensor.
    ("fastai.torch_core", "_rebuild_from_type"): {0: "function", 1: "class"},
    ("fastai.torch_core", "_fa_rebuild_tensor"): {0: "function"},
    ("fastai.torch_core", "_fa_rebuild_qtensor"): {0: "function"},
    ("numpy.random._pickle", "__bit_generator_ctor"): {0: "function"},
    ("numpy.random._pickle", "__generator_ctor"): {0: "function", 1: "function"},
    ("numpy.random._pickle", "__randomstate_ctor"): {0: "function", 1: "function"},
    # scikit-learn's Cython rebuild newObj(cls) is cls.__new__(cls).
    ("sklearn.neighbors._ball_tree", "newObj"): {0: "class"},
    ("sklearn.neighbors._binary_tree", "newObj"): {0: "class"},
    ("sklearn.neighbors._kd_tree", "newObj"): {0: "class"},
    ("sklearn.neighbors.ball_tree", "newObj"): {0: "class"},
    ("sklearn.neighbors.kd_tree", "newObj"): {0: "class"},
    ("sklearn.neighbors._dist_metrics", "newObj"): {0: "class"},
    ("sklearn.neighbors.dist_metrics", "newObj"): {0: "class"},
    ("sklearn.metrics._dist_metrics", "newObj"): {0: "class"},
    # astropy's _recreate_irreducible_unit(cls, names, registered) calls cls(names).
    ("astropy.units.core", "_recreate_irreducible_unit"): {0: "function"},
    # matplotlib's _create_empty_object_of_class(cls) is cls.__new__(cls).
    ("matplotlib.colors", "_create_empty_object_of_class"): {0: "class"},
    ("builtins", "map"): {0: "function"},
    ("builtins", "filter"): {0: "function"},
    ("builtins", "iter"): {0: "function"},
    # defaultdict(factory) calls factory() for each missing key read at load.
    ("collections", "defaultdict"): {0: "function"},
}


# functools.partial(func) is built by REDUCE and its state (func, args,
# kwds, dict) restored by BUILD; the loading program calls func. Both
# positions record func as a function (the machine checks both).
PARTIAL = ("functools", "partial")
GETATTR = ("builtins", "getattr")


class Partial:
    """The result of calling functools.partial on the symbolic stack."""


class G:
    """A global on the symbolic stack."""

    __slots__ = ("module", "name")

    def __init__(self, module, name):
        self.module, self.name = module, name

    def key(self):
        return (self.module, self.name)


class _Mark:
    pass


MARK = _Mark()


def compat(module, name, proto):
    """CPython's find_class renames for protocol < 3."""
    if proto < 3:
        if (module, name) in _compat_pickle.NAME_MAPPING:
            module, name = _compat_pickle.NAME_MAPPING[(module, name)]
        elif module in _compat_pickle.IMPORT_MAPPING:
            module = _compat_pickle.IMPORT_MAPPING[module]
    return module, name


def _refs(v, note, depth=0):
    if depth > 50:
        return
    if isinstance(v, G):
        note(v.key(), "reference")
    elif isinstance(v, tuple):
        for x in v:
            _refs(x, note, depth + 1)


def walk(data, note):
    """Calls note((module, name), use) for every use of a global in data.
    Raises on a malformed pickle (the generator writes only real ones)."""
    stack, memo, proto = [], {}, 0

    def pop():
        return stack.pop()

    def pop_mark():
        items = []
        while True:
            v = stack.pop()
            if v is MARK:
                items.reverse()
                return items
            items.append(v)

    def call(fn, args):
        if isinstance(fn, G):
            note(fn.key(), "function")
            roles = RECONSTRUCTORS.get(fn.key(), {})
            if fn.key() == PARTIAL:
                roles = {0: "function"}
        else:
            roles = {}
        if isinstance(args, tuple):
            for i, a in enumerate(args):
                if isinstance(a, G) and i in roles:
                    note(a.key(), roles[i])
                else:
                    _refs(a, note)
        else:
            _refs(args, note)

    for op, arg, _ in pickletools.genops(data):
        n = op.name
        if n == "PROTO":
            proto = arg
            continue
        if n == "GLOBAL":
            m, nm = arg.split(" ", 1)
            stack.append(G(*compat(m, nm, proto)))
            continue
        if n == "STACK_GLOBAL":
            nm, m = pop(), pop()
            stack.append(G(m, nm))
            continue
        if n == "INST":
            m, nm = arg.split(" ", 1)
            g = G(*compat(m, nm, proto))
            call(g, tuple(pop_mark()))
            stack.append(None)
            continue
        if n == "OBJ":
            items = pop_mark()
            call(items[0], tuple(items[1:]))
            stack.append(None)
            continue
        if n == "REDUCE":
            args, fn = pop(), pop()
            if isinstance(fn, G) and fn.key() == GETATTR and isinstance(args, tuple) and len(args) == 2 \
                    and isinstance(args[0], G) and isinstance(args[1], str) and args[1].isidentifier() \
                    and not args[1].startswith("__"):
                # getattr(Class, "NAME"), how Python >= 3.11 pickles an enum
                # member: the machine judges it as the global
                # module:Class.NAME, used the way the result is used.
                stack.append(G(args[0].module, args[0].name + "." + args[1]))
                continue
            call(fn, args)
            stack.append(Partial() if isinstance(fn, G) and fn.key() == PARTIAL else None)
            continue
        if n == "BUILD":
            state = pop()
            if isinstance(stack[-1], Partial) and isinstance(state, tuple) and len(state) == 4 \
                    and isinstance(state[0], G):
                note(state[0].key(), "function")
                state = state[1:]
            _refs(state, note)
            continue
        if n in ("NEWOBJ", "NEWOBJ_EX"):
            if n == "NEWOBJ_EX":
                _refs(pop(), note)
            args, cls = pop(), pop()
            if isinstance(cls, G):
                note(cls.key(), "class")
            _refs(args, note)
            stack.append(None)
            continue
        if n == "MARK":
            stack.append(MARK)
            continue
        if n in ("PUT", "BINPUT", "LONG_BINPUT"):
            memo[arg] = stack[-1]
            continue
        if n == "MEMOIZE":
            memo[len(memo)] = stack[-1]
            continue
        if n in ("GET", "BINGET", "LONG_BINGET"):
            stack.append(memo[arg])
            continue
        if n == "EMPTY_TUPLE":
            stack.append(())
            continue
        if n in ("TUPLE1", "TUPLE2", "TUPLE3"):
            k = int(n[-1])
            items = stack[-k:]
            del stack[-k:]
            stack.append(tuple(items))
            continue
        if n == "TUPLE":
            stack.append(tuple(pop_mark()))
            continue
        if n == "STOP":
            _refs(pop(), note)
            break
        if n in ("SHORT_BINUNICODE", "BINUNICODE", "BINUNICODE8", "UNICODE", "STRING",
                 "BINSTRING", "SHORT_BINSTRING"):
            stack.append(arg)
            continue
        # Every other opcode: consume what it declares, push opaque values.
        for item in reversed(op.stack_before):
            if item is pickletools.markobject:
                for v in pop_mark():
                    _refs(v, note)
            elif item is pickletools.stackslice:
                continue
            else:
                _refs(pop(), note)
        for _ in op.stack_after:
            stack.append(None)
