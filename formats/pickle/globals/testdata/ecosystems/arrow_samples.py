#!/usr/bin/python3
"""Hand-assembled pickles of pandas Arrow-backed arrays (pyarrow is not
packaged by Debian, and python3-pandas is 1.5):

    /usr/bin/python3 formats/pickle/globals/testdata/ecosystems/arrow_samples.py

The stand-ins below are registered under the real module names and
reduce the way the real objects do (read at apache/arrow 515410b2a1,
python/pyarrow/array.pxi Array.__reduce__ and _reduce_array_data, io.pxi
Buffer.__reduce_ex__, types.pxi DataType.__reduce__; pandas-dev/pandas
00633a5f2d, pandas/core/arrays/arrow/array.py __getstate__, string_.py
StringDtype.__reduce__, ExtensionDtype.__getstate__), so the streams name
the globals real files name in the same roles:

* pyarrow_pandas3.pkl: protocol 4, as joblib writes pandas 3 objects (the
  shape of jpmml-sklearn's KNNHousing.pkl): pandas.arrays.ArrowStringArray
  of large_string with a validity bitmap, pandas.StringDtype("pyarrow",
  nan), and pandas.arrays.ArrowExtensionArray with pandas.ArrowDtype of
  int64, double and bool, and a 400-value column whose buffers are longer
  than the scanner keeps; mutable buffers as bytearray(bytes).
* pyarrow_pandas2.pkl: protocol 5 in-band buffers (BYTEARRAY8), pandas 2
  module names: ArrowStringArray of string with a non-ASCII value,
  ArrowStringArrayNumpySemantics, and a sliced int64 ArrowExtensionArray
  (offset 2).
* pyarrow_pandas20.pkl: protocol 5, pandas 2.0-2.2: the array data under
  _data and StringDtype built from its {"storage"} state.

The values are small and fixed, so a rerun writes the same bytes.
"""
import os
import pickle
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "testdata"))
from stubs import module  # noqa: E402


def type_for_alias(name):
    return DataType(name)


class DataType:
    def __init__(self, alias):
        self.alias = alias

    def __reduce__(self):
        return type_for_alias, (self.alias,)


def py_buffer(obj):
    return Buffer(obj)


class Buffer:
    def __init__(self, data):
        self.data = bytearray(data)

    def __reduce_ex__(self, protocol):
        if protocol >= 5:
            return py_buffer, (pickle.PickleBuffer(self.data),)
        return py_buffer, (bytearray(self.data),)


def _restore_array(data):
    return Array(*data)


class Array:
    def __init__(self, type, length, null_count, offset, buffers, children=(), dictionary=None):
        self.fields = (type, length, null_count, offset, buffers, list(children), dictionary)

    def __reduce__(self):
        return _restore_array, (self.fields,)


module("pyarrow.lib", type_for_alias=type_for_alias, DataType=DataType, py_buffer=py_buffer, Buffer=Buffer,
       _restore_array=_restore_array, Array=Array)


class NAType:
    def __reduce__(self):
        return "NA"


NA = NAType()
module("pandas._libs.missing", NAType=NAType)
sys.modules["pandas._libs.missing"].NA = NA
NA.__module__ = "pandas._libs.missing"


class StringDtype:
    """pandas >= 2.3: reduced to a call."""

    def __init__(self, storage, na_value):
        self.storage, self.na_value = storage, na_value

    def __reduce__(self):
        return type(self), (self.storage, self.na_value)


class StringDtypeState:
    """pandas < 2.3: ExtensionDtype.__getstate__ of _metadata ("storage",)."""

    def __init__(self, storage):
        self.storage = storage

    def __getstate__(self):
        return {"storage": self.storage}


class ArrowDtype:
    def __init__(self, alias):
        self.storage, self.pyarrow_dtype = "pyarrow", DataType(alias)

    def __getstate__(self):
        return {"storage": self.storage, "pyarrow_dtype": self.pyarrow_dtype}


class ArrowExtensionArray:
    def __init__(self, array, dtype, key="_pa_array"):
        setattr(self, key, array)
        self._dtype = dtype

    def __getstate__(self):
        return dict(self.__dict__)


def strings(values, alias, fmt):
    """A string array's buffers: validity (when a value is None),
    offsets and data, as pyarrow's builder lays them out."""
    offsets, data, bits = [0], b"", 0
    for i, v in enumerate(values):
        if v is not None:
            data += v.encode()
            bits |= 1 << i
        offsets.append(len(data))
    nulls = values.count(None)
    validity = Buffer(bits.to_bytes((len(values) + 7) // 8, "little")) if nulls else None
    offs = Buffer(struct.pack("<%d%s" % (len(offsets), fmt), *offsets))
    return Array(DataType(alias), len(values), nulls, 0, [validity, offs, Buffer(data)])


def numbers(alias, fmt, values, offset=0, length=None):
    length = len(values) - offset if length is None else length
    return Array(DataType(alias), length, 0, offset, [None, Buffer(struct.pack("<%d%s" % (len(values), fmt), *values))])


def pandas3():
    module("pandas", StringDtype=StringDtype, ArrowDtype=ArrowDtype)
    module("pandas.arrays", ArrowStringArray=type("ArrowStringArray", (ArrowExtensionArray,), {}),
           ArrowExtensionArray=type("ArrowExtensionArray", (ArrowExtensionArray,), {}))
    arrays = sys.modules["pandas.arrays"]
    names = ["CRIM", "ZN", "INDUS", "CHAS", "NOX", "RM", "AGE", "DIS", "RAD", "TAX", "PTRATIO", "B", None, "LSTAT"]
    bools = Array(DataType("bool"), 5, 0, 0, [None, Buffer(bytes([0b10110]))])
    return {
        "features": arrays.ArrowStringArray(strings(names, "large_string", "q"), StringDtype("pyarrow", float("nan"))),
        "counts": arrays.ArrowExtensionArray(numbers("int64", "q", [1, 2, 3, 4]), ArrowDtype("int64")),
        "weights": arrays.ArrowExtensionArray(numbers("double", "d", [0.5, 1.5]), ArrowDtype("double")),
        "flags": arrays.ArrowExtensionArray(bools, ArrowDtype("bool")),
        # Buffers longer than the scanner keeps (1 KiB): re-read to check.
        "columns": arrays.ArrowStringArray(strings(["feature_%d" % i for i in range(400)], "large_string", "q"),
                                           StringDtype("pyarrow", float("nan"))),
    }


def pandas2():
    module("pandas.core.arrays.string_", StringDtype=StringDtype)
    module("pandas.core.arrays.string_arrow",
           ArrowStringArray=type("ArrowStringArray", (ArrowExtensionArray,), {}),
           ArrowStringArrayNumpySemantics=type("ArrowStringArrayNumpySemantics", (ArrowExtensionArray,), {}))
    module("pandas.core.arrays.arrow.array", ArrowExtensionArray=type("ArrowExtensionArray", (ArrowExtensionArray,), {}))
    module("pandas.core.dtypes.dtypes", ArrowDtype=ArrowDtype)
    sa = sys.modules["pandas.core.arrays.string_arrow"]
    ea = sys.modules["pandas.core.arrays.arrow.array"]
    words = ["setosa", "versicolor", None, "virginica", "\u00fcn\u00efcode"]
    return {
        "labels": sa.ArrowStringArray(strings(words, "string", "i"), StringDtype("pyarrow", NA)),
        "nan_labels": sa.ArrowStringArrayNumpySemantics(strings(words[:2], "string", "i"),
                                                        StringDtype("pyarrow_numpy", float("nan"))),
        "sliced": ea.ArrowExtensionArray(numbers("int64", "q", [9, 8, 7, 6, 5], offset=2, length=2), ArrowDtype("int64")),
    }


def pandas20():
    """pandas 2.0-2.2: StringDtype pickled by its state, pandas 2.0's
    array data under _data."""
    module("pandas.core.arrays.string_", StringDtype=type("StringDtype", (StringDtypeState,), {}))
    sa = sys.modules["pandas.core.arrays.string_arrow"]
    dtype = sys.modules["pandas.core.arrays.string_"].StringDtype("pyarrow")
    return [sa.ArrowStringArray(strings(["a", "bc", ""], "string", "i"), dtype, key="_data")]


def main():
    out = os.path.join(HERE, "pyarrow_pandas3.pkl")
    with open(out, "wb") as f:
        f.write(pickle.dumps(pandas3(), protocol=4))
    out = os.path.join(HERE, "pyarrow_pandas2.pkl")
    with open(out, "wb") as f:
        f.write(pickle.dumps(pandas2(), protocol=5))
    out = os.path.join(HERE, "pyarrow_pandas20.pkl")
    with open(out, "wb") as f:
        f.write(pickle.dumps(pandas20(), protocol=5))


if __name__ == "__main__":
    main()
