"""Writes hand-picked .npy headers for the differential test (issue 13,
class 5): descr and header spellings numpy 1.24 reads (or refuses) that
modelgate once gave up on. The data of each is a pickle that calls
__main__.mark, which testdata/npy_oracle.py defines: np.load(allow_pickle=True)
reaches it exactly when the dtype holds objects. The files named found-*
are disagreements the differential test found, kept as they were.
Run from formats/numpy with /usr/bin/python3."""
import os
import struct

MARK = b"c__main__\nmark\n(tR."

HEADERS = {
    "comma-i4-O": "{'descr': 'i4,O', 'fortran_order': False, 'shape': (1,), }",
    "object-name": "{'descr': 'object', 'fortran_order': False, 'shape': (1,), }",
    "object_-name": "{'descr': 'object_', 'fortran_order': False, 'shape': (1,), }",
    "bare-O-field": "{'descr': [('a', 'O')], 'fortran_order': False, 'shape': (1,), }",
    "subarray-tuple": "{'descr': ('|O', (1,)), 'fortran_order': False, 'shape': (1,), }",
    "field-subarray-1": "{'descr': [('a', '|O', (1,))], 'fortran_order': False, 'shape': (1,), }",
    "raw-prefix": "{'descr': r'|O', 'fortran_order': False, 'shape': (1,), }",
    "unicode-prefix": "{u'descr': U'|O', 'fortran_order': False, 'shape': (1,), }",
    "bytes-descr": "{'descr': b'|O', 'fortran_order': False, 'shape': (1,), }",
    "adjacent-literals": "{'de' \"scr\": '|' 'O', 'fortran_order': False, 'shape': (1,), }",
    "named-escape": "{'descr': '\\N{LATIN CAPITAL LETTER O}', 'fortran_order': False, 'shape': (1,), }",
    "hex-escape": "{'descr': '\\x7cO', 'fortran_order': False, 'shape': (1,), }",
    "plus-and-minus-zero": "{'descr': '|O', 'fortran_order': False, 'shape': (+1, -0), }",
    "long-suffix-v1": "{'descr': '|O', 'fortran_order': False, 'shape': (1L,), }",
    "bool-dimension": "{'descr': '|O', 'fortran_order': False, 'shape': (True,), }",
    "nested-struct": "{'descr': [('a', [('b', '<i2'), ('c', 'O')]), ('d', 'S3')], 'fortran_order': False, 'shape': (1,), }",
    "titled-field": "{'descr': [(('title', 'a'), 'O')], 'fortran_order': False, 'shape': (1,), }",
    "dict-descr": "{'descr': {'names': ['a'], 'formats': ['O']}, 'fortran_order': False, 'shape': (1,), }",
    "padding-field": "{'descr': [('', '|V4'), ('a', 'O')], 'fortran_order': False, 'shape': (1,), }",
    "v8": "{'descr': 'V8', 'fortran_order': False, 'shape': (1,), }",
    "datetime-ns": "{'descr': '<M8[ns]', 'fortran_order': False, 'shape': (2,), }",
    "timedelta": "{'descr': 'm8', 'fortran_order': False, 'shape': (2,), }",
    "S0": "{'descr': 'S0', 'fortran_order': False, 'shape': (3,), }",
    "U-unsized": "{'descr': 'U', 'fortran_order': False, 'shape': (3,), }",
    "native-order": "{'descr': '=f8', 'fortran_order': True, 'shape': (2, 1), }",
    "scalar-shape": "{'descr': '|b1', 'fortran_order': False, 'shape': (), }",
    "int-shape": "{'descr': '<i4', 'fortran_order': False, 'shape': 3, }",
    "comment-and-newlines": "{'descr': # the dtype\n '|O',\n 'fortran_order': False, 'shape': (1,)}\n# end",
    "extra-key": "{'descr': '|O', 'fortran_order': False, 'shape': (1,), 'x': 1}",
    "duplicate-key": "{'descr': '<f8', 'descr': '|O', 'fortran_order': False, 'shape': (1,), }",
    "comma-subarray-O": "{'descr': 'i4, (2)O', 'fortran_order': False, 'shape': (1,), }",
    "repeat-count": "{'descr': '2,3O', 'fortran_order': False, 'shape': (1,), }",
}

# Written as they are, without the usual padding and closing newline:
# DirectML's sample arrays end their header with a newline and then the
# padding spaces, which numpy reads in a 1.0 header (_filter_header's
# tokenize drops a last line of whitespace) and refuses in a 3.0 one.
RAW = {
    "padded-after-newline": "{'descr': '|O', 'fortran_order': False, 'shape': (1,), }\n" + " " * 40,
}


def npy(header, version):
    text = header.encode("utf8" if version == 3 else "latin1")
    pre = 10 if version == 1 else 12
    pad = (-(pre + len(text) + 1)) % 64
    text += b" " * pad + b"\n"
    length = struct.pack("<H", len(text)) if version == 1 else struct.pack("<I", len(text))
    return b"\x93NUMPY" + bytes([version, 0]) + length + text + MARK


def npy_raw(text, version):
    text = text.encode("utf8" if version == 3 else "latin1")
    length = struct.pack("<H", len(text)) if version == 1 else struct.pack("<I", len(text))
    return b"\x93NUMPY" + bytes([version, 0]) + length + text + MARK


def main():
    out = os.path.join(os.path.dirname(__file__) or ".", "cases")
    os.makedirs(out, exist_ok=True)
    for name, header in HEADERS.items():
        for version in (1, 3):
            if version == 3 and name not in ("long-suffix-v1", "named-escape"):
                continue
            with open(os.path.join(out, "%s-v%d.npy" % (name, version)), "wb") as f:
                f.write(npy(header, version))
    for name, text in RAW.items():
        for version in (1, 3):
            with open(os.path.join(out, "%s-v%d.npy" % (name, version)), "wb") as f:
                f.write(npy_raw(text, version))


if __name__ == "__main__":
    main()
