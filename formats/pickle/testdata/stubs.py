"""Stand-in modules for sample scripts that pickle objects of libraries
Debian does not package: a class or function registered here pickles
under the module and name the real library's would."""
import sys
import types


def module(name, **members):
    """Registers a stand-in module; classes and functions get its name."""
    parts = name.split(".")
    for i in range(1, len(parts) + 1):
        sys.modules.setdefault(".".join(parts[:i]), types.ModuleType(".".join(parts[:i])))
    m = sys.modules[name]
    for k, v in members.items():
        v.__module__ = name
        v.__qualname__ = k
        setattr(m, k, v)
    return m
