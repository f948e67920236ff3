"""Tests of static.py's build-path check (run by
tools/allowlist/source_test.go, TestCheckers, with Debian's Python).

BUILD applies a pickle's slot state with setattr, which runs the data
descriptors of the instance's type, so a class whose property setter or
descriptor __set__ does I/O must be excluded while plain setters pass."""
import os
import unittest

import static


def reviewed(_owner, _method):
    return None


class IOSetter:
    @property
    def path(self):
        return self._path

    @path.setter
    def path(self, value):
        with open(value) as f:
            self._path = f.read()


class PlainSetter:
    @property
    def size(self):
        return self._size

    @size.setter
    def size(self, value):
        if value < 0:
            raise ValueError("negative")
        self._size = int(value)


class HelperSetter:
    def _reload(self):
        self.data = os.listdir(self._dir)

    def _set_dir(self, value):
        self._dir = value
        self._reload()

    where = property(lambda self: self._dir, _set_dir)


class IODeleter:
    @property
    def cache(self):
        return None

    @cache.deleter
    def cache(self):
        os.remove(self._cache_file)


class Removing:
    """A descriptor whose __set__ deletes the file the value names."""

    def __set__(self, instance, value):
        os.unlink(value)

    def __get__(self, instance, owner=None):
        return self


class WithRemoving:
    target = Removing()


class Shadowed(IOSetter):
    """The subclass's plain attribute hides the base's property from setattr."""
    path = None


class DictState(IOSetter):
    """load_build hands the state to __setstate__, which never calls setattr."""

    def __setstate__(self, state):
        self.__dict__.update(state)


class SetattrState(IOSetter):
    def __setstate__(self, state):
        for k, v in state.items():
            setattr(self, k, v)


class Slotted:
    __slots__ = ("a", "b")


class BuildPathTest(unittest.TestCase):
    def check(self, cls):
        return static.Checker().check(cls, ["class"], reviewed)

    def test_excluded(self):
        for cls, want in [
            (IOSetter, "property test_static.IOSetter.path setter names open (opens files)"),
            (HelperSetter, "property test_static.HelperSetter.where setter calls test_static.HelperSetter._reload "
                           "names os (reaches the os module)"),
            (IODeleter, "property test_static.IODeleter.cache deleter names os (reaches the os module)"),
            (WithRemoving, "descriptor test_static.WithRemoving.target (test_static.Removing) setter names os"),
            (SetattrState, "property test_static.IOSetter.path setter names open (opens files)"),
        ]:
            with self.subTest(cls=cls.__name__):
                got = self.check(cls)
                self.assertIsNotNone(got)
                self.assertTrue(got.startswith(want), got)

    def test_allowed(self):
        # member descriptors (__slots__) are C and store the value only
        for cls in (PlainSetter, Shadowed, DictState, Slotted):
            with self.subTest(cls=cls.__name__):
                self.assertIsNone(self.check(cls))

    def test_function_use_too(self):
        # An instance made by calling the class can be BUILT as well.
        self.assertIsNotNone(static.Checker().check(IOSetter, ["class", "function"], reviewed))


if __name__ == "__main__":
    unittest.main()
