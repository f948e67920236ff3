#!/usr/bin/python3
"""Derives allowlist entries for libraries Debian does not package, from their source.

    make allowlist-source      (= /usr/bin/python3 tools/allowlist/source.py)

Each library in sources.tsv is read at its pinned commit from a bare git
snapshot (MIRRORS/owner+name/repo, as `git clone --bare` or the `fetch` tool
leaves it). Every module below the library's package roots is parsed with
ast; nothing here imports, runs or unpickles the code it reads. Together the
libraries form one world: a base class, a decorator or a callee is resolved
through the modules' imports to a class or function of the world, or to an
external global, which is imported from Debian's libraries (torch,
scikit-learn ...) only to disassemble what loading runs of it.

A class is allowed to be built (uses "class": NEWOBJ or a reconstructor,
then BUILD; never called with arguments) when what the unpickler runs on it
is code the checker read and found inert, failing closed at every step:

  - its module and the packages above it are not a program, a test or an
    example, and run no program, process or download at import;
  - every decorator returns the class it is given;
  - every base resolves, to a class of the world that passes the same
    check, or to an external class the lists already allow as a class
    (object, builtin containers and exceptions included);
  - the methods BUILD runs on it (__new__, __setstate__, __setattr__,
    __delattr__, __setitem__, __del__, the extend/append/add/keys/items/
    update the unpickler and dict() look up, property setters: a slot state
    sets any attribute) name no file, network, process, import, eval or
    nested unpickling, call no method through self (a state entry can
    replace it, pickle.py's and the C unpickler's lookups find the instance
    attribute first), read no attribute by computed name and import nothing;
    __getattr__ and __getattribute__ are refused outright;
  - the methods an external base runs while it is built or handed to a
    dunder, when the class overrides them, pass the same check;
  - the dunders loading triggers on an instance (dunders.py: __hash__,
    __eq__, __repr__, __iter__ ...) reach no process, code, import, file,
    network or nested unpickling, following calls through self into the
    class's own methods, and no external base has one the lists do not vouch
    for.

Allowed classes go to formats/pickle/globals/ecosystems/<ecosystem>.tsv
(observed "parsed", library "owner/name@commit"); the rest, with the reason,
to formats/pickle/globals/ecosystems/excluded-source.txt. Globals the
denylist matches or allow.tsv lists are not emitted. The output is sorted and
carries no timestamps, so a rerun on the same snapshots reproduces it byte
for byte.
"""
import argparse
import ast
import builtins
import dis
import functools
import importlib
import os
import subprocess
import sys
import types

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import dunders  # noqa: E402
import static  # noqa: E402
from generate import (GLOBALS, VERSION, classify, deny_match, load_deny, load_hand, reviewed,  # noqa: E402
                      write_excluded)

SOURCES = os.path.join(HERE, "sources.tsv")
MAX_DEPTH = 4

# Path components that mark code no pickle of a model names: tests, examples,
# documentation, command-line programs.
SKIP_PARTS = {"test", "tests", "testing", "_testing", "examples", "example", "docs", "doc",
              "benchmarks", "benchmark", "scripts", "script", "conftest", "setup", "__main__",
              "tutorials", "notebooks", "integration_tests", "fixtures", "test_utils", "cli"}

# Calls that make a module a program, or do I/O with consequences, when its
# top level (or a package above it) runs them at import.
PROGRAM = {"main", "cli", "app", "exit", "system", "popen", "Popen", "call", "check_call", "check_output",
           "run_module", "run_path", "exec", "eval", "input", "urlopen", "urlretrieve", "download",
           "hf_hub_download", "snapshot_download", "from_pretrained", "load", "loads", "parse_args",
           "serve", "start", "spawn", "fork", "remove", "unlink", "rmtree", "makedirs", "mkdir"}

# The PROGRAM calls that make a module imported by another a program even
# when only named by attribute: platform.system(), list.remove(),
# json.load() are too common in a library's imports to tell apart from a
# program's by name.
PROGRAM_IMPORTED = {"main", "cli", "app", "exit", "parse_args", "run_module", "run_path", "serve", "spawn",
                    "fork", "Popen", "exec", "eval", "check_call", "check_output", "urlopen", "urlretrieve",
                    "download", "hf_hub_download", "snapshot_download"}

# What BUILD runs on an instance: the unpickler's and dict()'s lookups.
BUILD = ("__new__", "__setstate__", "__setattr__", "__delattr__", "__setitem__", "__del__",
         "extend", "append", "add", "keys", "items", "update")
# __getinitargs__ makes INST and OBJ without arguments call the class
# (running __init__) instead of building it with __new__.
REFUSED = ("__getattr__", "__getattribute__", "__getinitargs__")
TRIGGERS = ("__hash__", "__eq__", "__ne__", "__repr__", "__str__", "__format__", "__len__", "__bool__",
            "__iter__", "__next__", "__reversed__", "__lt__", "__gt__", "__le__", "__ge__", "__add__",
            "__radd__", "__index__", "__int__", "__float__", "__complex__", "__abs__", "__round__",
            "__trunc__", "__divmod__", "__rdivmod__", "__pow__", "__rpow__", "__bytes__", "__getitem__",
            "__call__", "__len__", "__enter__", "__exit__", "__contains__")

# Decorators read to return the class unchanged (or a class with only the
# generated __init__, __repr__, __eq__, ordering and hash methods).
BENIGN_DECORATORS = {"dataclasses.dataclass", "functools.total_ordering", "typing.final",
                     "typing.runtime_checkable", "abc.abstractmethod"}

# External bases a class may derive from without being on the lists: they
# run no Python code while built (C types whose construction the
# generator's reviewed list covers).
BUILTIN_BASES = {"builtins.object", "builtins.dict", "builtins.list", "builtins.tuple", "builtins.set",
                 "builtins.frozenset", "builtins.int", "builtins.float", "builtins.str", "builtins.bytes",
                 "builtins.complex", "builtins.bool", "collections.OrderedDict", "abc.ABC", "typing.Generic",
                 "typing.Protocol", "typing.NamedTuple", "builtins.BaseException"}


# Classes a reading by hand refused for what their methods do once loaded,
# beyond what the checker follows (allow.tsv's reviews).
HAND_REFUSED = {
    "surprise.dataset.DatasetUserFolds": "opens the folds_files paths it holds when its folds are iterated "
                                         "(allow.tsv's surprise review)",
}
# Methods of the builtin types (dict, list, str ...): a call x.get(...) in
# code BUILD runs is taken to be the builtin's, not a world method so named.
BUILTIN_METHODS = {n for t in (dict, list, set, frozenset, str, bytes, tuple, int, float, object)
                   for n in dir(t) if not n.startswith("_")}


class Unsafe(Exception):
    pass


def git(gitdir, *args, data=None):
    return subprocess.run(["git", "--git-dir=" + gitdir] + list(args), input=data,
                          stdout=subprocess.PIPE, check=True).stdout


class Module:
    def __init__(self, name, path, tree, is_pkg, src):
        self.name, self.path, self.tree, self.is_pkg, self.src = name, path, tree, is_pkg, src
        self.names = {}   # local name -> ("class"|"func", node) or ("import", dotted)
        self.stars = []   # modules "from M import *" names, in order
        self.star = False
        self.stars = []   # modules imported with *
        self.bound = {}   # local name -> how many statements of the top level bind it
        self.pos = 0      # statements bound so far, in order
        self.bind_pos = {}   # local name -> position of the last statement binding it
        self.star_pos = []   # positions of the star imports, as stars
        for st in tree.body:
            self._bind(st)

    def exports(self, name):
        """Whether `from <this module> import *` binds name: True, False, or
        None when __all__ is computed or changed after it is assigned
        (__all__ += [...], __all__.append(...))."""
        uses = [n for n in ast.walk(self.tree) if isinstance(n, ast.Name) and n.id == "__all__"]
        if not uses:
            return not name.startswith("_")
        public = self.names.get("__all__")
        if len(uses) == 1 and public is not None and public[0] == "value" and \
                isinstance(public[1], (ast.List, ast.Tuple)) and \
                all(isinstance(e, ast.Constant) and isinstance(e.value, str) for e in public[1].elts):
            return any(e.value == name for e in public[1].elts)
        return None

    def later_stars(self, name):
        """The modules star-imported after the last statement binding name:
        at import the last binding wins, so one of them may rebind it."""
        p = self.bind_pos.get(name, 0)
        return [m for m, q in zip(self.stars, self.star_pos) if q > p]

    def _bind(self, st):
        self.pos += 1
        for t in binds(st):
            self.bound[t] = self.bound.get(t, 0) + 1
            self.bind_pos[t] = self.pos
        if isinstance(st, ast.ClassDef):
            self.names[st.name] = ("class", st)
        elif isinstance(st, (ast.FunctionDef, ast.AsyncFunctionDef)):
            self.names[st.name] = ("func", st)
        elif isinstance(st, ast.Import):
            for a in st.names:
                if a.asname:
                    self.names[a.asname] = ("import", a.name)
                else:
                    top = a.name.split(".")[0]
                    self.names[top] = ("import", top)
        elif isinstance(st, ast.ImportFrom):
            base = self.absolute(st.module, st.level)
            if base is None:
                return
            for a in st.names:
                if a.name == "*":
                    self.star = True
                    self.stars.append(base)
                    self.star_pos.append(self.pos)
                    continue
                self.names[a.asname or a.name] = ("import", base + "." + a.name)
        elif isinstance(st, ast.Assign) and len(st.targets) == 1 and isinstance(st.targets[0], ast.Name):
            d = dotted(st.value)
            if d is not None:
                self.names[st.targets[0].id] = ("alias", d)
            else:
                self.names[st.targets[0].id] = ("value", st.value)
        elif isinstance(st, (ast.If, ast.Try)):
            # Conditional imports (try: import x except ImportError: x = None):
            # the first binding read wins; a name bound differently in the
            # branches resolves to what the first one says.
            for body in [st.body] + ([st.orelse] if isinstance(st, ast.If) else
                                     [h.body for h in st.handlers] + [st.orelse, st.finalbody]):
                for s in body:
                    saved = dict(self.names)
                    self._bind(s)
                    for k, v in saved.items():
                        self.names[k] = v

    def absolute(self, module, level):
        if not level:
            return module
        parts = self.name.split(".")
        if not self.is_pkg:
            parts = parts[:-1]
        if level - 1 > len(parts):
            return None
        parts = parts[:len(parts) - (level - 1)]
        if module:
            parts.append(module)
        return ".".join(parts)


def binds(st):
    """The names a top-level statement binds (not those of nested branches,
    which _bind visits statement by statement)."""
    if isinstance(st, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
        return [st.name]
    if isinstance(st, (ast.Import, ast.ImportFrom)):
        return [(a.asname or a.name).split(".")[0] for a in st.names if a.name != "*"]
    if isinstance(st, (ast.Assign, ast.AnnAssign, ast.AugAssign, ast.For, ast.AsyncFor, ast.With,
                       ast.AsyncWith)):
        targets = st.targets if isinstance(st, ast.Assign) else [st.target] if hasattr(st, "target") else [
            i.optional_vars for i in st.items if i.optional_vars is not None]
        return [n for t in targets for n in target_names(t)]
    return []


def target_names(t):
    """The names an assignment target binds (C.x = ... binds none)."""
    if isinstance(t, ast.Name):
        return [t.id]
    if isinstance(t, (ast.Tuple, ast.List)):
        return [n for e in t.elts for n in target_names(e)]
    if isinstance(t, ast.Starred):
        return target_names(t.value)
    return []


def flat(body):
    """The statements of a class body, those under if, try and with
    included: a method defined in a branch is one the class may have."""
    for st in body:
        yield st
        if isinstance(st, (ast.If, ast.Try, ast.With, ast.AsyncWith)):
            subs = [st.body, getattr(st, "orelse", []), getattr(st, "finalbody", [])] + [
                h.body for h in getattr(st, "handlers", [])]
            for b in subs:
                yield from flat(b)


def dotted(node):
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


class World:
    def __init__(self):
        self.modules = {}
        self.origin = {}   # top-level package -> source row
        self._methods = None
        self._patched = None
        self._loaded = None

    def add(self, mod):
        self.modules.setdefault(mod.name, mod)

    def imports(self, mod, top_level):
        """The world modules mod imports (the packages above them
        included): those its top level runs (function bodies excluded), or
        every import statement it holds."""
        out = set()
        for node in (top_level_nodes(mod.tree) if top_level else ast.walk(mod.tree)):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = mod.absolute(node.module, node.level)
                if base is not None:
                    names = [base] + [base + "." + a.name for a in node.names if a.name != "*"]
            for n in names:
                parts = n.split(".")
                for i in range(1, len(parts) + 1):
                    if ".".join(parts[:i]) in self.modules:
                        out.add(".".join(parts[:i]))
        out.discard(mod.name)
        return out

    def loaded_skipped(self):
        """The test, example and program modules (skipped_module) that a
        module the library loads imports, directly or through others: what
        they patch is patched at load."""
        if self._loaded is None:
            todo = [m for m in self.modules.values() if not skipped_module(m.name)]
            seen = {m.name for m in todo}
            while todo:
                for n in self.imports(todo.pop(), False):
                    if n not in seen:
                        seen.add(n)
                        todo.append(self.modules[n])
            self._loaded = {n for n in seen if skipped_module(n)}
        return self._loaded

    def resolve(self, mod, name, hops=0):
        """What name, read in mod, is: ("class", Module, ClassDef),
        ("func", Module, FunctionDef), ("module", Module), ("external",
        dotted) or None when it cannot be told."""
        if hops > 12:
            return None
        first, _, rest = name.partition(".")
        b = mod.names.get(first)
        if b is not None and mod.later_stars(first):
            bound, r = self.star_binding(mod, name, hops, mod.later_stars(first))
            if bound:
                return r
        if b is None:
            if mod.stars:
                return self.resolve_star(mod, name, hops)
            if mod.star:
                # from x import *: the name is x's when a world module x
                # binds it; a star of a module the world does not hold
                # leaves it unknown.
                for src in mod.stars:
                    sm = self.modules.get(src)
                    if sm is None:
                        return None
                    if first in sm.names or sm.star:
                        return self.resolve(sm, name, hops + 1)
            if hasattr(builtins, first):
                return ("external", "builtins." + name)
            return None
        kind, v = b
        if kind in ("class", "func"):
            return (kind, mod, v) if not rest else None
        if kind == "value":
            return None
        full = v + ("." + rest if rest else "")
        if kind == "alias":
            return self.resolve(mod, full, hops + 1) if full.split(".")[0] != first else None
        return self.resolve_full(full, hops + 1)

    def star_binding(self, mod, name, hops, stars):
        """(True, what name is) when one of stars (the last first) may bind
        it, what None when that cannot be told; (False, None) when none
        does."""
        first = name.split(".")[0]
        for star in reversed(stars):
            m = self.modules.get(star)
            if m is None:
                return True, None
            exported = m.exports(first)
            if exported is None:
                return True, None
            if exported and (first in m.names or m.stars):
                r = self.resolve(m, name, hops + 1)
                if r is not None or first in m.names:
                    return True, r
                return True, None
        return False, None

    def resolve_star(self, mod, name, hops):
        """name through mod's star imports: the last one binding it wins,
        as at import; a star import of a module outside the snapshot, or of
        one whose __all__ cannot be read, may bind anything, so the name is
        then unknown."""
        return self.star_binding(mod, name, hops, mod.stars)[1]

    def methods_named(self, name):
        """Every (module, ClassDef, FunctionDef) of the world defining name."""
        if self._methods is None:
            self._methods = {}
            for m in self.modules.values():
                for c in ast.walk(m.tree):
                    if isinstance(c, ast.ClassDef):
                        for st in flat(c.body):
                            if isinstance(st, (ast.FunctionDef, ast.AsyncFunctionDef)):
                                self._methods.setdefault(st.name, []).append((m, c, st))
        return self._methods.get(name, [])

    def patched(self, mod, cdef):
        """Where an attribute of the class is assigned (C.x = ..., setattr(C,
        ...)) outside its body, anywhere in the world; "" when nowhere."""
        if self._patched is None:
            self._patched = {}
            for m in self.modules.values():
                # Tests, examples and programs the library does not import
                # are not loaded with it: what they patch is not patched.
                if skipped_module(m.name) and m.name not in self.loaded_skipped():
                    continue
                for node in ast.walk(m.tree):
                    targets = []
                    if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
                        targets = [t for t in (node.targets if isinstance(node, ast.Assign) else [node.target])
                                   if isinstance(t, ast.Attribute)]
                        targets = [(t.value, t.attr) for t in targets]
                    elif isinstance(node, ast.Call) and dotted(node.func) == "setattr" and node.args:
                        targets = [(node.args[0], "(setattr)")]
                    for obj, attr in targets:
                        name = dotted(obj)
                        if not name or name.split(".")[0] in ("self", "cls"):
                            continue
                        r = self.resolve(m, name)
                        # A method or dunder replaced (C.__setstate__ = f) runs
                        # code this reading never saw; a flag (C._tracing =
                        # True) is data a state entry could set as well.
                        if r and r[0] == "class" and (attr == "(setattr)" or dunder(attr) or
                                                      method(r[2], attr) is not None):
                            self._patched.setdefault((r[1].name, r[2].name), "%s.%s assigned in %s:%d" % (
                                r[2].name, attr, m.path, node.lineno))
        return self._patched.get((mod.name, cdef.name), "")

    def resolve_full(self, full, hops=0):
        parts = full.split(".")
        for i in range(len(parts), 0, -1):
            m = self.modules.get(".".join(parts[:i]))
            if m is None:
                continue
            if i == len(parts):
                return ("module", m)
            return self.resolve(m, ".".join(parts[i:]), hops + 1)
        if parts[0] in self.origin:
            return None   # a module of the world the snapshot does not hold (generated, compiled)
        return ("external", full)


def snapshot(mirrors, repo):
    d = os.path.join(mirrors, repo.replace("/", "+"), "repo")
    return os.path.join(d, ".git") if os.path.isdir(os.path.join(d, ".git")) else d


def load_world(rows, mirrors):
    world = World()
    for row in rows:
        gitdir = snapshot(mirrors, row["repo"])
        listing = git(gitdir, "ls-tree", "-r", "--name-only", row["commit"]).decode().split("\n")
        roots = []
        for r in row["roots"]:
            path, _, name = r.partition("=")
            roots.append((path, name or path.rsplit("/", 1)[-1]))
            world.origin[(name or path.rsplit("/", 1)[-1]).split(".")[0]] = row
        want = []
        for p in listing:
            if not p.endswith(".py"):
                continue
            # A subpackage installed under its own name as well
            # (lightning.pytorch as pytorch_lightning) is read under both.
            for path, name in roots:
                if p.startswith(path + "/"):
                    want.append((p, name.replace(".", "/") + p[len(path):-3]))
        if not want:
            continue
        blobs = git(gitdir, "cat-file", "--batch", data="".join(
            "%s:%s\n" % (row["commit"], p) for p, _ in want).encode())
        pos, files = 0, []
        for p, rel in want:
            header_end = blobs.index(b"\n", pos)
            size = int(blobs[pos:header_end].split()[2])
            files.append((p, rel, blobs[header_end + 1:header_end + 1 + size]))
            pos = header_end + 1 + size + 1
        add_files(world, row, files)
    return world


def add_files(world, row, files):
    """Parses files, (path, module path without .py, bytes), into world."""
    for p, rel, body in files:
        parts = rel.split("/")
        is_pkg = parts[-1] == "__init__"
        if is_pkg:
            parts = parts[:-1]
        if not all(x.isidentifier() for x in parts):
            continue
        try:
            tree = ast.parse(body, filename=p)
        except (SyntaxError, ValueError):
            row["unparsed"].append(".".join(parts))
            continue
        world.add(Module(".".join(parts), p, tree, is_pkg, row))


# ---------------------------------------------------------------- modules


def skipped_module(name):
    """Whether a module is a test, example, documentation or program module
    by its path."""
    return any(p in SKIP_PARTS or p.startswith("test_") or p.endswith("_test") for p in name.split("."))


def top_level_nodes(tree):
    """The nodes a module's top level runs at import: function bodies and
    `if __name__ == "__main__"` blocks left out."""
    todo = [tree]
    while todo:
        node = todo.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            continue
        if isinstance(node, ast.If) and "__main__" in ast.dump(node.test):
            continue
        yield node
        todo.extend(ast.iter_child_nodes(node))


def program_call(tree, names=PROGRAM):
    """The first call at a module's top level (class bodies, decorators and
    defaults included, function bodies and `if __name__ == "__main__"` not)
    that makes importing it run a program or I/O."""
    def walk(node):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for d in node.decorator_list + node.args.defaults + node.args.kw_defaults:
                if d is not None:
                    yield from walk(d)
            return
        if isinstance(node, ast.Lambda):
            return
        if isinstance(node, ast.If) and "__main__" in ast.dump(node.test):
            return
        if isinstance(node, ast.Call):
            f = node.func
            n = f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else None
            if n in names:
                yield n
        for c in ast.iter_child_nodes(node):
            yield from walk(c)
    for n in walk(tree):
        return n
    return None


class Checker:
    def __init__(self, world, allowed, unvouched):
        self.world = world
        self.allowed_classes, self.allowed_prefixes = allowed
        self.unvouched = unvouched
        self.static = static.Checker()
        self.vouch = dunders.Vouch(reviewed)
        self.external_why = {}
        self.module_why = {}
        self.class_why = {}
        self.external_names = {}
        self.runs = None

    def module_excluded(self, mod):
        if mod.name in self.module_why:
            return self.module_why[mod.name]
        why = None
        parts = mod.name.split(".")
        if skipped_module(mod.name):
            why = "module %s is a test, example, documentation or program module" % mod.name
        else:
            n = program_call(mod.tree)
            if n is not None:
                why = "importing %s calls %s() at its top level" % (mod.name, n)
            elif len(parts) > 1:
                parent = self.world.modules.get(".".join(parts[:-1]))
                if parent is not None:
                    why = self.module_excluded(parent)
        if why is None:
            why = self.imports_program(mod)
        self.module_why[mod.name] = why
        return why

    def imports_program(self, mod):
        """Why importing mod runs a program through the world modules its
        top level imports, directly or through others (a test module's
        import counts too), or None."""
        if self.runs is None:
            # Backwards from every module whose top level calls a program,
            # over the top-level import edges: linear in the world.
            self.runs, back, todo = {}, {}, []
            for m in self.world.modules.values():
                for n in self.world.imports(m, True):
                    back.setdefault(n, []).append(m.name)
                c = program_call(m.tree, PROGRAM_IMPORTED)
                if c is not None:
                    self.runs[m.name] = "%s, which calls %s() at its top level" % (m.name, c)
                    todo.append(m.name)
            while todo:
                n = todo.pop()
                for b in back.get(n, ()):
                    if b not in self.runs:
                        self.runs[b] = self.runs[n]
                        todo.append(b)
        why = self.runs.get(mod.name)
        return None if why is None or why.startswith(mod.name + ",") else "importing %s imports %s" % (mod.name, why)

    # ------------------------------------------------------------ classes

    def class_excluded(self, mod, cdef, stack=()):
        key = (mod.name, cdef.name)
        if key in self.class_why:
            return self.class_why[key]
        if key in stack:
            return "its bases form a cycle"
        try:
            self._check_class(mod, cdef, stack + (key,))
            why = None
        except Unsafe as e:
            why = str(e)
        except RecursionError:
            why = "construction path too deep to read"
        self.class_why[key] = why
        return why

    def mro(self, mod, cdef, stack):
        """The world classes of cdef's ancestry (cdef first) and its
        external bases, each checked as a class first."""
        world, external = [(mod, cdef)], []
        bases = list(cdef.bases)
        while bases:
            b = bases.pop(0)
            if isinstance(b, ast.Subscript):
                b = b.value
            if isinstance(b, ast.Call) and (dotted(b.func) or "").rsplit(".", 1)[-1] == "with_metaclass" and \
                    len(b.args) >= 2:
                # six's with_metaclass(Meta, *bases): the metaclass is
                # checked as one given by keyword.
                self.metaclass(mod, b.args[0])
                bases.extend(b.args[1:])
                continue
            if isinstance(b, ast.Call):
                raise Unsafe("a base is computed by a call (%s)" % ast.unparse(b)[:60])
            name = dotted(b)
            r = self.world.resolve(mod, name) if name else None
            if r is None:
                raise Unsafe("base %s cannot be resolved" % (ast.unparse(b)[:60]))
            if r[0] == "class":
                why = self.class_excluded(r[1], r[2], stack)
                if why is not None:
                    raise Unsafe("base %s.%s: %s" % (r[1].name, r[2].name, why))
                w, e = self.mro(r[1], r[2], stack)
                world += [x for x in w if x not in world]
                external += [x for x in e if x not in external]
            elif r[0] == "external":
                external.append(r[1])
            else:
                raise Unsafe("base %s is not a class" % name)
        return world, external

    def metaclass(self, mod, node):
        """A metaclass runs when the class is defined (its __new__ may
        return another class) and its __getattribute__ runs on the
        unpickler's cls.__new__ lookup: only abc's, or one of the world
        defining neither, is accepted."""
        name = dotted(node)
        r = self.world.resolve(mod, name) if name else None
        if r and r[0] == "external" and r[1] in ("abc.ABCMeta", "builtins.type"):
            return
        # Its __getattr__ runs on a missing class attribute: INST and OBJ
        # without arguments look up __getinitargs__ on the class, and
        # finding one there (the metaclass's own, or what __getattr__
        # returns) makes them call the class, the metaclass's __call__
        # and the class's __init__ included.
        if r and r[0] == "class":
            world, external = self.mro(r[1], r[2], ())
            for e in external:
                if e not in ("abc.ABCMeta", "builtins.type"):
                    raise Unsafe("metaclass %s derives from %s, whose lookups are not read" % (r[2].name, e))
            for _m, c in world:
                for n in REFUSED:
                    if method(c, n) is not None or n in class_attrs(c):
                        raise Unsafe("metaclass %s defines %s, which INST and OBJ look up on the class" % (c.name, n))
            if not any(method(c, n) for _m, c in world for n in ("__getattribute__", "__setattr__", "__prepare__")):
                # Its __new__ and __init__ (theano's MetaObject, which adds
                # __eq__ and __hash__ read from __props__) are read as code
                # the dunders loading triggers, the methods they define
                # included; __new__
                # must return what type.__new__ made.
                for m, c in world:
                    for n in ("__new__", "__init__"):
                        fn = method(c, n)
                        if fn is None:
                            continue
                        if n == "__new__" and not returns_new(fn):
                            raise Unsafe("metaclass %s.__new__ may return another class" % c.name)
                        self.code(m, fn, False, None, 1, set(), (), "metaclass %s.%s" % (c.name, n))
                return
        raise Unsafe("metaclass %s is not read to leave the class as defined" % ast.unparse(node)[:60])

    def _check_class(self, mod, cdef, stack):
        # A hand refusal is of the methods the class has: its subclasses
        # inherit them (mro checks each world base as a class).
        why = HAND_REFUSED.get("%s.%s" % (mod.name, cdef.name)) or self.module_excluded(mod)
        if why:
            raise Unsafe(why)
        if mod.bound.get(cdef.name, 0) > 1:
            raise Unsafe("the name %s is rebound in %s" % (cdef.name, mod.name))
        if mod.later_stars(cdef.name) and self.world.star_binding(mod, cdef.name, 0, mod.later_stars(cdef.name))[0]:
            raise Unsafe("the name %s may be rebound by a later star import (from %s import *)" % (
                cdef.name, mod.later_stars(cdef.name)[-1]))
        where = self.world.patched(mod, cdef)
        if where:
            raise Unsafe("an attribute of the class is assigned after it is defined (%s)" % where)
        for k in cdef.keywords:
            if k.arg == "metaclass":
                self.metaclass(mod, k.value)
        for d in cdef.decorator_list:
            self.decorator(mod, d)
        world, external = self.mro(mod, cdef, stack)
        ext = [self.external_class(e) for e in external]
        held = holder(self.world, world, external)
        if held:
            raise Unsafe("holds a callable it is given and calls it (self.%s): a holder, which formats/pickle "
                         "checks only for the classes it lists" % held)
        for (m, c) in world:
            if c is not cdef:
                for k in c.keywords:
                    if k.arg == "metaclass":
                        self.metaclass(m, k.value)
            body = {}
            for st in flat(c.body):
                if isinstance(st, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    body.setdefault(st.name, st)
                    for d in st.decorator_list:
                        if isinstance(d, ast.Attribute) and d.attr in ("setter", "deleter"):
                            self.strict(m, st, world, "%s.%s property setter" % (c.name, st.name))
                elif isinstance(st, ast.Assign):
                    for t in st.targets:
                        if isinstance(t, ast.Name) and t.id in BUILD + TRIGGERS + REFUSED and not (
                                isinstance(st.value, ast.Constant) and st.value.value is None):
                            # __setstate__ = _load, __eq__ = other.__eq__: the
                            # bound function is not a def this body holds.
                            raise Unsafe("%s binds %s by assignment (%s)" % (
                                c.name, t.id, ast.unparse(st.value)[:60]))
                        if isinstance(t, ast.Name) and isinstance(st.value, ast.Call):
                            f = dotted(st.value.func)
                            if f in ("property", "builtins.property") and len(st.value.args) > 1:
                                raise Unsafe("%s.%s is a property with a setter given by value" % (c.name, t.id))
                            r = self.world.resolve(m, f) if f else None
                            if r and r[0] == "class" and any(isinstance(s, ast.FunctionDef) and s.name in (
                                    "__set__", "__delete__") for s in r[2].body):
                                raise Unsafe("%s.%s is a data descriptor (%s)" % (c.name, t.id, f))
            for name in REFUSED:
                if name in body:
                    raise Unsafe("%s defines %s, which the unpickler's attribute lookups run" % (c.name, name))
            for name in BUILD:
                if name in body:
                    self.strict(m, body[name], world, "%s.%s" % (c.name, name))
            for name in TRIGGERS:
                if name in body:
                    self.loose(m, body[name], world, "%s.%s" % (c.name, name))
            for strict_names, loose_names, ename in ext:
                for name in strict_names & body.keys():
                    self.strict(m, body[name], world, "%s.%s (called by %s while it is built)" % (c.name, name, ename))
                for name in loose_names & body.keys():
                    self.loose(m, body[name], world, "%s.%s (called by %s's dunders)" % (c.name, name, ename))
                shadow = (strict_names | loose_names) & class_attrs(c)
                if shadow:
                    raise Unsafe("%s sets %s, which %s calls, as a class attribute" % (
                        c.name, sorted(shadow)[0], ename))

    def decorator(self, mod, d):
        call = isinstance(d, ast.Call)
        name = dotted(d.func if call else d)
        r = self.world.resolve(mod, name) if name else None
        if r is None:
            raise Unsafe("decorator %s cannot be resolved" % ast.unparse(d)[:60])
        if r[0] == "external":
            if r[1] in BENIGN_DECORATORS:
                return
            raise Unsafe("decorator %s may replace the class" % r[1])
        if r[0] == "class" and call:
            # An instance used as a decorator (keras_hub_export("...")):
            # its __call__ must return the class it is given.
            fn = method(r[2], "__call__")
            args = (fn.args.posonlyargs + fn.args.args)[1:2] if fn is not None else []
            if not args or not returns_only(fn, args[0].arg):
                raise Unsafe("decorator %s is not read to return the class it is given" % name)
            self.code(r[1], fn, True, None, 1, set(), (), name)
            return
        if r[0] != "func":
            raise Unsafe("decorator %s is not a function of the library" % name)
        fn = r[2]
        if call:
            # A decorator factory: it must return its one inner function.
            inner = [s for s in fn.body if isinstance(s, ast.FunctionDef)]
            if len(inner) != 1 or not returns_only(fn, inner[0].name):
                raise Unsafe("decorator %s is not read to return the class it is given" % name)
            self.code(r[1], fn, True, None, 1, set(), (), name, skip=inner[0])
            fn = inner[0]
        if not fn.args.args or not returns_only(fn, fn.args.args[0].arg):
            raise Unsafe("decorator %s is not read to return the class it is given" % name)
        self.code(r[1], fn, True, None, 1, set(), (), name)

    def external_class(self, full):
        if full in self.external_names:
            v = self.external_names[full]
            if isinstance(v, str):
                raise Unsafe(v)
            return v
        try:
            v = self._external_class(full)
        except Unsafe as e:
            self.external_names[full] = str(e)
            raise
        self.external_names[full] = v
        return v

    def _external_class(self, full):
        if full in ("typing.NamedTuple", "typing.Generic", "typing.Protocol"):
            # Factories and markers, not classes in the MRO: a NamedTuple
            # is a tuple subclass whose generated __new__ fills fields.
            return (set(), set(), full)
        obj = import_dotted(full)
        if not isinstance(obj, type):
            raise Unsafe("base %s is not an importable class" % full)
        pat = "%s.%s" % (obj.__module__, obj.__qualname__)
        if getattr(obj, "__getinitargs__", None) is not None:
            # INST and OBJ without arguments call a subclass (its __init__)
            # when the class lookup finds one (the base's, or its
            # metaclass's __getattr__).
            raise Unsafe("base %s has __getinitargs__, so INST and OBJ call the class" % pat)
        if pat in self.unvouched:
            raise Unsafe("base %s has dunders the lists do not vouch for" % pat)
        if pat not in BUILTIN_BASES and not self.listed(obj.__module__, pat) and not (
                obj.__module__ == "builtins" and issubclass(obj, BaseException)):
            # Not on the lists (a base class no pickle names): inspected as
            # the generator inspects a library class it enumerates.
            uses, why = classify(self.static, obj, ["class"], obj.__module__, obj.__qualname__)
            if uses is None:
                raise Unsafe("base %s: %s" % (pat, why))
            rows = self.vouch.rows(obj.__module__, obj.__qualname__, obj)
            if rows:
                raise Unsafe("base %s: %s %s" % (pat, rows[0][1], rows[0][3]))
        return (self_calls(obj, BUILD), self_calls(obj, TRIGGERS), pat)

    def listed(self, module, pat):
        if pat in self.allowed_classes:
            return True
        parts = module.split(".")
        return any(".".join(parts[:i]) in self.allowed_prefixes for i in range(1, len(parts) + 1))

    # ------------------------------------------------------------ code

    def strict(self, mod, fn, world, what):
        self.code(mod, fn, True, first_arg(fn), 0, set(), world, what)

    def loose(self, mod, fn, world, what):
        self.code(mod, fn, False, first_arg(fn), 0, set(), world, what)

    def code(self, mod, fn, strict, self_name, depth, seen, world, what, skip=None):
        """Reads fn for what loading runs. strict: a method BUILD runs, so
        no call through self and no attribute read by computed name; world
        is the (module, ClassDef) ancestry self's methods resolve in."""
        key = (mod.name, id(fn), strict)
        if key in seen:
            return
        seen.add(key)
        danger = static.DANGER if strict else {k: v[1] for k, v in dunders.REACH.items()}
        # As in dunders.py, a dunder's "compile" is the builtin only (not
        # re.compile, not a module named compile).
        attr_danger = danger if strict else {k: v for k, v in danger.items() if k != "compile"}
        local = local_names(fn)
        # Imports in the body bind names too (from .x import f; f(...)).
        imported = {}
        for n in ast.walk(fn):
            if isinstance(n, ast.Import):
                for a in n.names:
                    imported[a.asname or a.name.split(".")[0]] = a.name if a.asname else a.name.split(".")[0]
            elif isinstance(n, ast.ImportFrom):
                base = mod.absolute(n.module, n.level)
                for a in n.names:
                    if base is not None and a.name != "*":
                        imported[a.asname or a.name] = base + "." + a.name
        calls = {id(n.func) for n in ast.walk(fn) if isinstance(n, ast.Call)}
        # Locals bound to an attribute of self (f = self.hook): calling one
        # calls what a state entry put there.
        held = {t for n in ast.walk(fn) if isinstance(n, ast.Assign) and isinstance(n.value, ast.Attribute)
                and isinstance(n.value.value, ast.Name) and n.value.value.id == self_name and
                not dunder(n.value.attr) for tt in n.targets for t in target_names(tt)}
        for node in walk_code(fn, skip):
            if isinstance(node, ast.Call) and strict:
                f = node.func
                if isinstance(f, ast.Name) and f.id in held:
                    raise Unsafe("%s calls %s, an attribute of self a state entry can replace" % (what, f.id))
                if isinstance(f, (ast.Subscript, ast.Call)):
                    raise Unsafe("%s calls a value it looks up (%s)" % (what, ast.unparse(f)[:60]))
                if isinstance(f, ast.Attribute) and not dunder(f.attr):
                    root = f.value
                    while isinstance(root, (ast.Attribute, ast.Subscript)):
                        root = root.value
                    if isinstance(f.value, ast.Attribute) and isinstance(root, ast.Name) and \
                            root.id == self_name and not dunder(f.value.attr):
                        # self.child.go(): child is whatever the state put
                        # there, an instance of any class the lists allow.
                        raise Unsafe("%s calls %s, a method of an object a state entry puts on self" % (
                            what, ast.unparse(f)[:60]))
                    r = self.world.resolve(mod, dotted(f)) if dotted(f) and not (
                        isinstance(root, ast.Name) and (root.id in local or root.id == self_name)) else None
                    if r is None and not (isinstance(root, ast.Name) and root.id == self_name) and \
                            f.attr not in BUILTIN_METHODS:
                        # Runner().go(s), x.go(): any method of the world so
                        # named may be the one called.
                        for m2, c2, fn2 in self.world.methods_named(f.attr):
                            if depth >= MAX_DEPTH:
                                raise Unsafe("%s calls .%s() too deep to read" % (what, f.attr))
                            self.code(m2, fn2, strict, first_arg(fn2), depth + 1, seen, [(m2, c2)], what)
            if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load) and dotted(node):
                root = dotted(node).split(".")[0]
                r = self.world.resolve(mod, dotted(node)) if root not in local and root != self_name else None
                if r is not None and r[0] in ("func", "class"):
                    if depth >= MAX_DEPTH:
                        raise Unsafe("%s reaches %s too deep to read" % (what, dotted(node)))
                    self.reach(r, strict, depth, seen, what)
                elif r is not None and r[0] == "external" and id(node) in calls:
                    self.external_code(r[1], strict, what)
                elif r is None and root not in local and root != self_name and id(node) in calls:
                    rr = self.world.resolve(mod, root)
                    if rr is not None and rr[0] == "module":
                        raise Unsafe("%s calls %s, which cannot be resolved" % (what, dotted(node)))
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                if strict:
                    raise Unsafe("%s imports at load (%s)" % (what, ast.unparse(node)[:60]))
                # A dunder's import is judged by the names it imports, as
                # dunders.py judges IMPORT_NAME.
                names = [a.name for a in node.names] + ([node.module] if getattr(node, "module", None) else [])
                for n in names:
                    for p in n.split("."):
                        if p in attr_danger:
                            raise Unsafe("%s imports %s (%s)" % (what, n, danger[p]))
            if isinstance(node, (ast.Global, ast.Nonlocal)):
                raise Unsafe("%s rebinds module state" % what)
            if isinstance(node, ast.Call) and strict and isinstance(node.func, ast.Call) and \
                    dotted(node.func.func) == "getattr":
                raise Unsafe("%s calls what getattr returns" % what)
            if isinstance(node, ast.Call) and strict and dotted(node.func) == "getattr" and (
                    len(node.args) < 2 or not isinstance(node.args[1], ast.Constant)):
                raise Unsafe("%s reads an attribute by computed name" % what)
            if isinstance(node, ast.Attribute):
                if node.attr in attr_danger:
                    raise Unsafe("%s names %s (%s)" % (what, node.attr, danger[node.attr]))
                on_self = isinstance(node.value, ast.Name) and node.value.id == self_name
                if on_self and id(node) in calls and (not dunder(node.attr) or node.attr == "__init__"):
                    if strict and node.attr != "__init__":
                        raise Unsafe("%s calls self.%s(), which a state entry can replace" % (what, node.attr))
                    self.follow_self(node.attr, strict, world, depth, seen, what)
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id not in local:
                # A name the module binds (theano's "from theano import
                # compile") is not the builtin of that name.
                bound = node.id in mod.names
                if node.id in (attr_danger if bound else danger):
                    raise Unsafe("%s names %s (%s)" % (what, node.id, danger[node.id]))
                if strict and node.id in ("globals", "locals", "eval", "exec", "__import__"):
                    raise Unsafe("%s reads %s" % (what, node.id))
                r = self.world.resolve_full(imported[node.id]) if node.id in imported else \
                    self.world.resolve(mod, node.id)
                if r is None:
                    if id(node) in calls:
                        raise Unsafe("%s calls %s, which cannot be resolved" % (what, node.id))
                    continue
                if r[0] in ("func", "class"):
                    if depth >= MAX_DEPTH:
                        raise Unsafe("%s reaches %s too deep to read" % (what, node.id))
                    self.reach(r, strict, depth, seen, what)
                elif r[0] == "external":
                    # A builtin is judged by its own name ("builtins" is
                    # the module every unqualified name falls back to).
                    builtin = r[1].startswith("builtins.")
                    for p in r[1].split(".")[1 if builtin else 0:]:
                        if p in (danger if builtin else attr_danger):
                            raise Unsafe("%s reaches %s (%s)" % (what, r[1], danger[p]))
                    if not builtin:
                        self.external_code(r[1], strict, what)

    def external_code(self, full, strict, what):
        """Reads an external global a method names, as generate.py reads a
        library's: a Python function's body and callees, a class's Python
        construction methods (scikit-learn's check_memory makes a
        joblib.Memory directory). C code is judged by its name only, as
        static.py's callees are; on the build path (strict) a global that
        cannot be imported is refused."""
        key = (full, strict)
        if key not in self.external_why:
            self.external_why[key] = self._external_code(full, strict)
        if self.external_why[key]:
            raise Unsafe("%s calls %s: %s" % (what, full, self.external_why[key]))

    def _external_code(self, full, strict):
        obj = import_dotted(full)
        if obj is None:
            return "it cannot be imported to read" if strict else None
        checker = self.static if strict else self.vouch.checker
        targets = []
        seen = set()
        while isinstance(obj, functools.partial) and id(obj) not in seen:
            # A partial calls what it wraps: judged as that callee.
            seen.add(id(obj))
            obj = obj.func
            name = "%s.%s" % (getattr(obj, "__module__", None) or "", getattr(obj, "__qualname__", None) or "")
            for p in name.split("."):
                if p in checker.danger:
                    return "it wraps %s (%s)" % (name, checker.danger[p])
        f = static.python_function(obj) if callable(obj) and not isinstance(obj, type) else None
        if f is not None:
            targets.append((f, None))
        elif callable(obj) and not isinstance(obj, (type, types.BuiltinFunctionType, types.BuiltinMethodType,
                                                     types.MethodWrapperType, types.WrapperDescriptorType,
                                                     types.MethodDescriptorType)) and \
                not type(obj).__name__ == "ufunc":
            # An instance called as a function runs its class's __call__.
            mf = static.python_function(static._lookup(type(obj), "__call__"))
            if mf is None:
                return "it is a %s instance whose C __call__ is not read" % type(obj).__name__
            targets.append((mf, type(obj)))
        elif isinstance(obj, type):
            for m in ("__new__", "__init__", "__setattr__", "__setitem__"):
                mf = static.python_function(static._lookup(obj, m))
                if mf is not None:
                    targets.append((mf, obj))
        for fn, cls in targets:
            if "%s.%s" % (fn.__module__, fn.__qualname__) in static.REVIEWED_PY:
                continue
            try:
                checker.check_code(fn, static.top(fn.__module__), cls, 0, set())
            except static.Unsafe as e:
                return str(e)
            except RecursionError:
                return "too deep to read"
        return None

    def reach(self, r, strict, depth, seen, what):
        if r[0] == "func":
            self.code(r[1], r[2], strict, None, depth + 1, seen, (), what)
            return
        # Called or not, a class read here may be built: its construction
        # code runs on values of the state.
        for name in ("__new__", "__init__", "__setattr__", "__setitem__"):
            mm = method(r[2], name)
            if mm is not None:
                self.code(r[1], mm, strict, first_arg(mm), depth + 1, seen, [(r[1], r[2])], what)

    def follow_self(self, name, strict, world, depth, seen, what):
        """Reads the method self.name resolves to in world (the first
        world class defining it); an external base's is inspected where
        the base is accepted."""
        if depth >= MAX_DEPTH:
            raise Unsafe("%s calls through self too deep to read" % what)
        for m, c in world:
            mm = method(c, name)
            if mm is not None:
                self.code(m, mm, strict, first_arg(mm), depth + 1, seen, world, what)
                return
            if name in class_attrs(c):
                raise Unsafe("%s calls self.%s, a class attribute" % (what, name))


def holder(w, world, external):
    """The first attribute the world classes store from a method's argument
    (directly or through another such attribute) and then call, or pass to
    a call where the argument's default is a function (KModes' cat_dissim,
    darts' callable encoders, mlxtend's scorer), that no class of the
    ancestry defines; "" when there is none. Loading does not call it, but
    the class calls what the pickle put there on the data it is used on."""
    methods, stored, defaults_fn = set(), set(), set()
    fns = []
    for m, c in world:
        for st in c.body:
            if isinstance(st, (ast.FunctionDef, ast.AsyncFunctionDef)):
                methods.add(st.name)
                fns.append((m, st))
            elif isinstance(st, ast.Assign):
                methods |= {t.id for t in st.targets if isinstance(t, ast.Name)}
    bases = [import_dotted(e) for e in external]
    methods |= {n for b in bases if isinstance(b, type) for n in dir(b)}
    for _ in range(2):
        for _m, fn in fns:
            me = first_arg(fn)
            params = {a.arg for a in fn.args.posonlyargs + fn.args.args + fn.args.kwonlyargs}
            pos = fn.args.posonlyargs + fn.args.args
            for a, d in zip(pos[len(pos) - len(fn.args.defaults):], fn.args.defaults):
                # A default that is a function (not a constant such as
                # DEFAULT_SIZE) marks a parameter that takes callables.
                r = w.resolve(_m, dotted(d)) if isinstance(d, (ast.Name, ast.Attribute)) and dotted(d) else None
                if r is not None and (r[0] == "func" or r[0] == "external" and not r[1].startswith("builtins.")
                                      and not r[1].rsplit(".", 1)[-1].isupper()):
                    defaults_fn.add(a.arg)
            for node in ast.walk(fn):
                if isinstance(node, ast.Assign):
                    pairs = [p for t in node.targets for p in assigned(t, node.value)]
                elif isinstance(node, ast.AnnAssign) and node.value is not None:
                    pairs = assigned(node.target, node.value)
                else:
                    continue
                for t, v in pairs:
                    src = held_source(v, params, me, stored)
                    if src is None:
                        continue
                    if isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name) and t.value.id == me:
                        stored.add(t.attr)
                        if src in defaults_fn:
                            defaults_fn.add(t.attr)
    for m, fn in fns:
        me = first_arg(fn)
        for node in ast.walk(fn):
            if not isinstance(node, ast.Call):
                continue
            f = node.func
            # self handed to a function of the library that calls the held
            # attribute on it (mlxtend's _calc_score(selector, ...) calls
            # selector.scorer).
            callee = w.resolve(m, dotted(f)) if dotted(f) and not isinstance(f, ast.Attribute) else None
            if callee is not None and callee[0] == "func":
                cargs = callee[2].args.posonlyargs + callee[2].args.args
                for i, a in enumerate(node.args):
                    if isinstance(a, ast.Name) and a.id == me and i < len(cargs):
                        x = calls_on(callee[2], cargs[i].arg, stored - methods)
                        if x:
                            return x
            if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) and f.value.id == me and \
                    f.attr in stored and f.attr not in methods:
                return f.attr
            for a in list(node.args) + [k.value for k in node.keywords]:
                if isinstance(a, ast.Attribute) and isinstance(a.value, ast.Name) and a.value.id == me and \
                        a.attr in defaults_fn and a.attr not in methods:
                    return a.attr
    return ""


def assigned(target, value):
    """(target, value) pairs of an assignment, a tuple unpacked element by
    element (self.fn, self.n = fn, n)."""
    if isinstance(target, (ast.Tuple, ast.List)):
        if isinstance(value, (ast.Tuple, ast.List)) and len(value.elts) == len(target.elts):
            return [p for t, v in zip(target.elts, value.elts) for p in assigned(t, v)]
        return [p for t in target.elts for p in assigned(t, value)]
    return [(target, value)]


def held_source(v, params, me, stored):
    """The parameter or held attribute an assigned value may be (fn,
    self.fn, fn or default, fn if fn else default), or None."""
    if isinstance(v, ast.Name) and v.id in params:
        return v.id
    if isinstance(v, ast.Attribute) and isinstance(v.value, ast.Name) and v.value.id == me and v.attr in stored:
        return v.attr
    if isinstance(v, ast.BoolOp):
        for e in v.values:
            src = held_source(e, params, me, stored)
            if src is not None:
                return src
    if isinstance(v, ast.IfExp):
        return held_source(v.body, params, me, stored) or held_source(v.orelse, params, me, stored)
    return None


def calls_on(fn, name, attrs):
    """The first of attrs fn calls as name.attr(...); "" when none."""
    for node in ast.walk(fn):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and \
                isinstance(node.func.value, ast.Name) and node.func.value.id == name and node.func.attr in attrs:
            return node.func.attr
    return ""


def walk_code(fn, skip):
    """ast.walk over fn, leaving out the subtree skip."""
    todo = [fn]
    while todo:
        node = todo.pop()
        if node is skip:
            continue
        yield node
        todo.extend(ast.iter_child_nodes(node))


def own_returns(fn):
    """The return statements of fn's own body, not of functions nested in
    it."""
    rets, todo = [], list(fn.body)
    while todo:
        node = todo.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            continue
        if isinstance(node, ast.Return):
            rets.append(node)
        todo.extend(ast.iter_child_nodes(node))
    return rets


def returns_new(fn):
    """Whether fn returns, and every return is a call of some __new__
    (super().__new__(...), type.__new__(...))."""
    rets = own_returns(fn)
    return bool(rets) and all(isinstance(r.value, ast.Call) and isinstance(r.value.func, ast.Attribute) and
                              r.value.func.attr == "__new__" for r in rets)


def returns_only(fn, name):
    """Whether fn returns, and every return returns the name name."""
    rets = own_returns(fn)
    return bool(rets) and all(isinstance(r.value, ast.Name) and r.value.id == name for r in rets)


def method(cdef, name):
    for st in flat(cdef.body):
        if isinstance(st, (ast.FunctionDef, ast.AsyncFunctionDef)) and st.name == name:
            return st
    return None


def class_attrs(cdef):
    out = set()
    for st in flat(cdef.body):
        if isinstance(st, ast.Assign):
            out |= {t.id for t in st.targets if isinstance(t, ast.Name)}
        elif isinstance(st, ast.AnnAssign) and st.value is not None and isinstance(st.target, ast.Name):
            out.add(st.target.id)
    return out


def first_arg(fn):
    a = fn.args.posonlyargs + fn.args.args
    if not a or any(isinstance(d, ast.Name) and d.id == "staticmethod" for d in fn.decorator_list):
        return None
    return a[0].arg


def dunder(name):
    return len(name) > 4 and name.startswith("__") and name.endswith("__")




def local_names(fn):
    out = {a.arg for a in fn.args.posonlyargs + fn.args.args + fn.args.kwonlyargs}
    for a in (fn.args.vararg, fn.args.kwarg):
        if a is not None:
            out.add(a.arg)
    for node in ast.walk(fn):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            out.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node is not fn:
            out.add(node.name)
        elif isinstance(node, ast.arg):
            out.add(node.arg)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            out.add(node.name)
    return out


def import_dotted(full):
    parts = full.split(".")
    for i in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:i]))
        except Exception:
            continue
        try:
            for p in parts[i:]:
                obj = getattr(obj, p)
        except Exception:   # a module __getattr__ may raise anything (sklearn's experimental imputers)
            return None
        return obj
    return None


def self_calls(cls, names):
    """The attribute names the methods names of the class cls (from its
    MRO, object's left out) read through self, following self's methods;
    an override of one runs where cls's code calls it."""
    out = set()
    seen = set()

    def code_of(f):
        f = static.python_function(f)
        return f.__code__ if f is not None else None

    def walk(code, depth):
        if code is None or code in seen or depth > MAX_DEPTH:
            return
        seen.add(code)
        for co in static._codes(code):
            prev = None
            for ins in dis.get_instructions(co):
                on_self, prev = static._on_self(prev, co), ins
                if on_self and ins.opname in ("LOAD_ATTR", "LOAD_METHOD") and isinstance(ins.argval, str):
                    out.add(ins.argval)
                    walk(code_of(static._lookup(cls, ins.argval)), depth + 1)
    for n in names:
        walk(code_of(static._lookup(cls, n)), 0)
    return {n for n in out if not dunder(n)}


# ---------------------------------------------------------------- lists


def allowed_classes():
    """Patterns the lists allow as a class, and wildcard modules: allow.tsv
    and every generated ecosystem list (source-derived ones left out, so
    the output does not depend on itself)."""
    out, prefixes = set(), set()
    eco = os.path.join(GLOBALS, "ecosystems")
    files = [os.path.join(GLOBALS, "allow.tsv")] + [
        os.path.join(eco, f) for f in sorted(os.listdir(eco)) if f.endswith(".tsv")]
    for path in files:
        with open(path, encoding="utf-8") as f:
            for line in f:
                if line.startswith("#") or not line.strip():
                    continue
                fs = line.rstrip("\n").split("\t")
                if len(fs) == 6 and fs[4] != "parsed" and "class" in fs[1].split(","):
                    if fs[0].endswith(".*"):
                        prefixes.add(fs[0][:-2])
                    else:
                        out.add(fs[0].replace(":", "."))
    return out, prefixes


def unvouched():
    out = set()
    with open(os.path.join(GLOBALS, "ecosystems", "dunders.txt"), encoding="utf-8") as f:
        for line in f:
            if not line.startswith("#"):
                out.add(line.split("\t", 1)[0].replace(":", "."))
    return out


def read_sources(path):
    rows = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            eco, repo, commit, lic, roots = line.rstrip("\n").split("\t")
            rows.append(dict(eco=eco, repo=repo, commit=commit, license=lic, roots=roots.split(","),
                             unparsed=[]))
    return rows


def judge(world, checker, deny, hand):
    """The world's top-level classes: allowed, {ecosystem: [row]}, and
    excluded, [row], rows as the lists' fields."""
    allowed, excluded = {}, []
    for name in sorted(world.modules):
        mod = world.modules[name]
        row = mod.src
        lib = "%s@%s" % (row["repo"], row["commit"][:12])
        for st in mod.tree.body:
            # The binding import leaves is the one a pickle's name finds:
            # a class redefined or rebound later is not this definition.
            if not isinstance(st, ast.ClassDef) or mod.names.get(st.name) != ("class", st):
                continue
            key = (mod.name, st.name)
            pat = "%s.%s" % key
            if key in hand or deny_match(deny, mod.name, st.name):
                continue
            why = checker.class_excluded(mod, st)
            if why is not None:
                excluded.append((row["eco"], pat, "class", lib, "parsed", why))
                continue
            own = [m for m in BUILD + TRIGGERS if method(st, m) is not None]
            reason = "%s:%d: %s" % (mod.path, st.lineno, "runs only read code (%s)" % ",".join(
                sorted(set(own))) if own else "no construction code of its own")
            allowed.setdefault(row["eco"], []).append((pat, "class", row["eco"], lib, "parsed", reason))
    return allowed, excluded


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--mirrors", default=os.environ.get("MIRRORS", "/work/.mirror"))
    ap.add_argument("--out", default=os.path.join(GLOBALS, "ecosystems"))
    args = ap.parse_args()
    rows = read_sources(SOURCES)
    world = load_world(rows, args.mirrors)
    allowed, excluded = judge(world, Checker(world, allowed_classes(), unvouched()), load_deny(), load_hand())
    for row in rows:
        path = os.path.join(args.out, row["eco"] + ".tsv")
        entries = sorted(allowed.get(row["eco"], []))
        if not entries:
            # An ecosystem whose every class is excluded embeds nothing.
            if os.path.exists(path) and not any(allowed.get(r["eco"]) for r in rows if r["eco"] == row["eco"]):
                os.remove(path)
            continue
        libs = sorted({e[3] for e in entries})
        with open(path, "w", encoding="utf-8") as f:
            f.write("#version\t%s\n" % VERSION)
            f.write("# Generated by tools/allowlist/source.py (make allowlist-source); do not edit by hand.\n")
            f.write("# ecosystem %s; parsed from: %s\n" % (row["eco"], " ".join(libs)))
            f.write("# Each class is allowed to be built (never called): what BUILD and the dunders loading triggers run\n")
            f.write("# of it was read and names no file, network, process, import, eval or nested unpickling, and\n")
            f.write("# calls no method through self on its build path. The reason gives where the class is defined.\n")
            f.write("# pattern\tuses\tecosystem\tlibrary\tobserved\treason\n")
            for e in entries:
                f.write("\t".join(e) + "\n")
    unparsed = [(row["eco"], m + ".*", "class", "%s@%s" % (row["repo"], row["commit"][:12]), "parsed",
                 "module does not parse as Python 3") for row in rows for m in sorted(row["unparsed"])]
    write_excluded(os.path.join(args.out, "excluded-source.txt"),
                   "Classes tools/allowlist/source.py parsed and left off the allowlist",
                   "tools/allowlist/source.py (make allowlist-source)", sorted(excluded) + unparsed)
    n_ok = sum(len(v) for v in allowed.values())
    print("source.py: %d classes allowed, %d excluded, %d modules" % (n_ok, len(excluded), len(world.modules)),
          file=sys.stderr)


if __name__ == "__main__":
    main()
