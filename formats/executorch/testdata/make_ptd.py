"""Writes linear_flat_tensor.ptd with ExecuTorch's own FlatTensor serializer.

ExecuTorch is not packaged in Debian, and its exir package imports torch 2.x
APIs that Debian's torch 1.13 lacks. The serializer itself needs only
exir/_serialize, exir/tensor_layout.py and flatc, so this runs it from a
checkout with the package __init__ files that import the rest emptied:

    git clone https://github.com/pytorch/executorch && git -C executorch checkout cff6f4dd32e630945b7188512c1f2b4f102b05ad
    apt-get install flatbuffers-compiler python3-flatbuffers
    /usr/bin/python3 make_ptd.py executorch

The file holds two named float tensors (a Linear layer's weight and bias),
as FlatTensorSerializer.serialize writes them for a program's external data.
"""
import os
import shutil
import sys
import tempfile
import types

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    src = os.path.abspath(sys.argv[1])
    with tempfile.TemporaryDirectory() as work:
        pkg = os.path.join(work, "executorch")
        for d in ("exir", "extension/flat_tensor"):
            shutil.copytree(os.path.join(src, d), os.path.join(pkg, d))
        for d in ("", "exir", "exir/_serialize", "extension", "extension/flat_tensor"):
            open(os.path.join(pkg, d, "__init__.py"), "w").close()
        sys.path.insert(0, work)
        # sym_util needs torch 2.x's sympy helpers; these layouts are static.
        stub = types.ModuleType("executorch.exir.sym_util")
        stub.eval_shape = None
        sys.modules[stub.__name__] = stub
        import torch

        # dtypes torch 1.13 lacks, which exir/tensor.py maps: stand-ins never met here.
        for name in ("float8_e4m3fn", "float8_e5m2", "uint16", "uint32", "_check"):
            if not hasattr(torch, name):
                setattr(torch, name, type(name, (), {})())
        from executorch.exir._serialize.data_serializer import DataEntry, DataPayload
        from executorch.exir.scalar_type import ScalarType
        from executorch.exir.tensor_layout import TensorLayout
        from executorch.extension.flat_tensor.serialize.serialize import FlatTensorSerializer

        torch.manual_seed(0)
        weight, bias = torch.randn(2, 3), torch.randn(2)
        payload = DataPayload(
            buffers=[weight.numpy().tobytes(), bias.numpy().tobytes()],
            named_data={
                "linear.weight": DataEntry(0, 16, TensorLayout(ScalarType.FLOAT, [2, 3], [0, 1])),
                "linear.bias": DataEntry(1, 16, TensorLayout(ScalarType.FLOAT, [2], [0])),
            },
        )
        with open(os.path.join(HERE, "linear_flat_tensor.ptd"), "wb") as f:
            f.write(bytes(FlatTensorSerializer().serialize(payload)))


if __name__ == "__main__":
    main()
