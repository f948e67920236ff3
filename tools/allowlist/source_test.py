"""Tests of source.py's reading on a small library written here.

    /usr/bin/python3 -m unittest tools/allowlist/source_test.py   (run by go test ./tools/allowlist, TestCheckers)

Each class below is built to pass or to fail one rule of the checker; the
test asserts which and, for a failure, the reason's words.
"""
import os
import sys
import textwrap
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import source  # noqa: E402

LIB = {
    "toylib/__init__": """
        from .plain import Plain
        """,
    "toylib/plain": """
        import os
        import subprocess
        import typing
        from collections import OrderedDict

        class Plain:
            pass

        class WithInit:
            def __init__(self, path):
                self.f = open(path)   # never runs: the class is built, not called

        class SystemSetstate:
            def __setstate__(self, state):
                os.system(state["cmd"])

        class SelfCall:
            def __setstate__(self, state):
                self.__dict__.update(state)
                self._rebuild()

            def _rebuild(self):
                pass

        class DictUpdate:
            def __setstate__(self, state):
                state = dict(state)
                state.setdefault("version", 1)
                self.__dict__.update(state)

        class Lookup:
            def __getattr__(self, name):
                return 1

        class Setter:
            @property
            def path(self):
                return self._path

            @path.setter
            def path(self, value):
                self._path = open(value)

        class SubOfBad(SystemSetstate):
            pass

        class SubOfPlain(Plain):
            pass

        class ExecItems(OrderedDict):
            def __setitem__(self, key, value):
                exec(value)

        def helper(state):
            return eval(state)

        class ViaHelper:
            def __setstate__(self, state):
                self.__dict__.update(helper(state))

        class Computed:
            def __setstate__(self, state):
                for k in state:
                    getattr(self, k)()

        class ReprSelf:
            def __repr__(self):
                return self.describe()

            def describe(self):
                return "ReprSelf"

        class ReprShell:
            def __repr__(self):
                return self.describe()

            def describe(self):
                return subprocess.check_output(["uname"]).decode()

        class Point(typing.NamedTuple):
            x: int
            y: int

        def keep(cls):
            cls.registered = True
            return cls

        def swap(cls):
            return Plain

        def register(name):
            def wrap(cls):
                return cls
            return wrap

        @keep
        class Kept:
            pass

        @swap
        class Swapped:
            pass

        @register("x")
        class Registered:
            pass

        def matching(a, b):
            return a == b

        class CallsHeld:
            def __init__(self, fn):
                self.fn = fn

            def predict(self, x):
                return self.fn(x)

        class TupleHeld:
            def __init__(self, fn, n):
                self.fn, self.n = fn, n

            def predict(self, x):
                return self.fn(x)

        class AnnHeld:
            def __init__(self, fn):
                self.fn: typing.Callable = fn

            def predict(self, x):
                return self.fn(x)

        class OrHeld:
            def __init__(self, fn=None):
                self.fn = fn or len

            def predict(self, x):
                return self.fn(x)

        class HandRefused:
            pass

        class SubOfHandRefused(HandRefused):
            pass

        class PassesHeld:
            def __init__(self, dissim=matching):
                self.dissim = dissim

            def fit(self, x):
                return helper2(x, self.dissim)

        def score(sel, x):
            return sel.scorer(x)

        class HandsItself:
            def __init__(self, scoring):
                self.scoring = scoring
                self.scorer = self.scoring

            def fit(self, x):
                return score(self, x)

        from sklearn.utils.validation import check_memory

        class MakesMemory:
            def __setstate__(self, state):
                self.__dict__.update(state)
                self.memory = check_memory(self.memory)

        class CallsOwn:
            def __init__(self, n):
                self.n = n

            def run(self, x):
                return self.step(x) * self.n

            def step(self, x):
                return x
        """,
    "toylib/starred": """
        __all__ = ["Exported"]

        class Exported:
            pass

        class Hidden:
            def __setstate__(self, state):
                exec(state)
        """,
    "toylib/other": """
        from toylib import Plain
        from elsewhere import Base
        from toylib.starred import *

        class ReExported(Plain):
            pass

        class Unknown(Base):
            pass

        class ViaStar(Exported):
            pass
        """,
    "toylib/evilmod": """
        import os

        def run(s):
            os.system(s)
        """,
    "toylib/star": """
        from toylib.evilmod import *

        class Star:
            def __setstate__(self, s):
                run(s)
        """,
    "toylib/rt": """
        from toylib import evilmod

        class ModCall:
            def __setstate__(self, s):
                evilmod.run(s)

        class Runner:
            def go(self, s):
                exec(s)

        class CallsOther:
            def __setstate__(self, s):
                Runner().go(s)

        def f1(s):
            return f2(s)

        def f2(s):
            return f3(s)

        def f3(s):
            return f4(s)

        def f4(s):
            return f5(s)

        def f5(s):
            return exec(s)

        class Deep:
            def __setstate__(self, s):
                f1(s)

        def _ss(self, s):
            exec(s)

        class Assigned:
            __setstate__ = _ss

        class AssignedEq:
            __eq__ = _ss

        class CondMethod:
            if True:
                def __setstate__(self, s):
                    exec(s)

        class Patched:
            pass

        Patched.__setstate__ = _ss

        _fns = {"x": exec}

        class ViaValue:
            def __setstate__(self, s):
                _fns["x"](s)

        class Meta(type):
            def __getattribute__(cls, name):
                exec("1")
                return type.__getattribute__(cls, name)

        class MetaClassed(metaclass=Meta):
            pass

        class Rebound:
            pass

        class MissMeta(type):
            def __getattr__(cls, name):
                open("/tmp/rt2-marker", "w").write(name)
                raise AttributeError(name)

        class MissClassed(metaclass=MissMeta):
            pass

        class InitArgsMeta(type):
            def __getinitargs__(cls):
                return ()

            def __call__(cls, *args):
                return exec("1")

        class InitArgsClassed(metaclass=InitArgsMeta):
            pass

        if True:
            Rebound = Runner

        class AliasSelf:
            def __setstate__(self, s):
                self.__dict__.update(s)
                f = self.hook
                f()

        class Chain:
            def __setstate__(self, s):
                self.__dict__.update(s)
                self.child.go(s)
        """,
    "toylib/tests/test_plain": """
        from toylib.plain import Plain

        class Fixture:
            pass

        Plain.__repr__ = lambda self: "patched by a test, which loading never imports"
        """,
    "toylib/hooked": """
        class Hooked:
            pass

        import toylib.testing.patches  # noqa: E402
        """,
    "toylib/testing/__init__": """
        """,
    "toylib/testing/patches": """
        import os
        from toylib.hooked import Hooked

        def _ss(self, state):
            os.system(state)

        Hooked.__setstate__ = _ss
        """,
    "toylib/usesrunner": """
        from toylib import runner

        class UsesRunner:
            pass
        """,
    "toylib/shadow": """
        from toylib.plain import Plain

        class Shadowed:
            pass

        from toylib.shadowbad import *  # noqa: E402,F401,F403


        class OnShadowedBase(Plain):
            pass
        """,
    "toylib/shadowbad": """
        import os

        __all__ = ["Shadowed", "Plain"]

        class Shadowed:
            def __setstate__(self, s):
                os.system(s)

        class Plain:
            def __setstate__(self, s):
                os.system(s)
        """,
    "toylib/extcall": """
        import rt2ext

        class ViaPartial:
            def __setstate__(self, s):
                rt2ext.runit(s)

        class ViaInstance:
            def __setstate__(self, s):
                rt2ext.runner(s)

        class ViaInstanceRepr:
            def __repr__(self):
                return rt2ext.runner(self.cmd)
        """,
    "toylib/runner": """
        def main():
            pass

        main()

        class InProgram:
            pass
        """,
}

WANT = {
    "toylib.plain.Plain": None,
    "toylib.plain.WithInit": None,
    "toylib.plain.SystemSetstate": "system",
    "toylib.plain.SelfCall": "self._rebuild()",
    "toylib.plain.DictUpdate": None,
    "toylib.plain.Lookup": "__getattr__",
    "toylib.plain.Setter": "property setter",
    "toylib.plain.SubOfBad": "base toylib.plain.SystemSetstate",
    "toylib.plain.SubOfPlain": None,
    "toylib.plain.ExecItems": "exec",
    "toylib.plain.ViaHelper": "eval",
    "toylib.plain.Computed": "getattr",
    "toylib.plain.ReprSelf": None,
    "toylib.plain.ReprShell": "subprocess",
    "toylib.plain.Point": None,
    "toylib.plain.Kept": None,
    "toylib.plain.Swapped": "decorator",
    "toylib.plain.Registered": None,
    "toylib.plain.CallsHeld": "holder",
    "toylib.plain.PassesHeld": "holder",
    "toylib.plain.HandRefused": "hand refusal",
    "toylib.plain.SubOfHandRefused": "hand refusal",
    "toylib.plain.TupleHeld": "holder",
    "toylib.plain.AnnHeld": "holder",
    "toylib.plain.OrHeld": "holder",
    "toylib.plain.CallsOwn": None,
    "toylib.plain.MakesMemory": "check_memory",
    "toylib.plain.HandsItself": "holder",
    "toylib.other.ReExported": None,
    "toylib.other.Unknown": "not an importable class",
    "toylib.other.ViaStar": None,
    "toylib.starred.Exported": None,
    "toylib.starred.Hidden": "exec",
    "toylib.star.Star": "system",
    "toylib.rt.ModCall": "system",
    "toylib.rt.Runner": None,
    "toylib.rt.Rebound": "rebound",
    "toylib.rt.CallsOther": "exec",
    "toylib.rt.Deep": "too deep",
    "toylib.rt.Assigned": "__setstate__",
    "toylib.rt.AssignedEq": "__eq__",
    "toylib.rt.CondMethod": "exec",
    "toylib.rt.Patched": "assigned after",
    "toylib.rt.ViaValue": "looks up",
    "toylib.rt.Meta": "builtins.type",
    "toylib.rt.MetaClassed": "metaclass",
    "toylib.rt.MissMeta": "builtins.type",
    "toylib.rt.MissClassed": "__getattr__",
    "toylib.rt.InitArgsMeta": "builtins.type",
    "toylib.rt.InitArgsClassed": "__getinitargs__",
    "toylib.rt.AliasSelf": "attribute of self",
    "toylib.rt.Chain": "self.child",
    "toylib.tests.test_plain.Fixture": "test",
    "toylib.runner.InProgram": "main()",
    "toylib.hooked.Hooked": "assigned after",
    "toylib.extcall.ViaPartial": "system",
    "toylib.extcall.ViaInstance": "Runner.__call__",
    "toylib.extcall.ViaInstanceRepr": "Runner.__call__",
    "toylib.shadow.Shadowed": "star import",
    "toylib.shadow.OnShadowedBase": "system",
    "toylib.shadowbad.Shadowed": "system",
    "toylib.shadowbad.Plain": "system",
    "toylib.usesrunner.UsesRunner": "main()",
}


def _external():
    """rt2ext: an external module whose callables are objects, not
    functions: a partial of os.system and an instance whose __call__ runs
    a command."""
    import functools
    import types
    mod = types.ModuleType("rt2ext")
    exec(textwrap.dedent("""
        import os

        class Runner:
            def __call__(self, cmd):
                os.system(cmd)
        """), mod.__dict__)
    mod.runit = functools.partial(os.system)
    mod.runner = mod.Runner()
    sys.modules["rt2ext"] = mod


_external()


class SourceTest(unittest.TestCase):
    def test_classes(self):
        row = dict(eco="toylib", repo="example/toylib", commit="0" * 40, license="MIT", roots=["toylib"],
                   unparsed=[])
        world = source.World()
        world.origin["toylib"] = row
        source.add_files(world, row, [(k + ".py", k, textwrap.dedent(v).encode()) for k, v in LIB.items()])
        source.HAND_REFUSED["toylib.plain.HandRefused"] = "a hand refusal for the test"
        checker = source.Checker(world, (set(), set()), set())
        allowed, excluded = source.judge(world, checker, [], {})
        got = {r[0]: None for r in allowed.get("toylib", [])}
        got.update({r[1]: r[5] for r in excluded})
        self.assertEqual(sorted(got), sorted(WANT))
        for pat, want in WANT.items():
            with self.subTest(pat):
                if want is None:
                    self.assertIsNone(got[pat], "%s excluded: %s" % (pat, got[pat]))
                else:
                    self.assertIsNotNone(got[pat], "%s allowed, want excluded for %s" % (pat, want))
                    self.assertIn(want, got[pat])


if __name__ == "__main__":
    unittest.main()
