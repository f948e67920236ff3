"""Makes the TorchScript samples of formats/pytorch's code/ checks.

Run with Debian's interpreter (/usr/bin/python3, python3-torch 1.13) from
this directory. Benign archives are written by torch.jit.save and
_save_for_lite_interpreter unchanged. Malicious ones are made two ways: a
module whose source calls torch.save, scripted by torch itself; and an
attacker's edit of a benign archive's code/__torch__.py, re-zipped member by
member. Every malicious archive is then loaded with torch.jit.load and run
in a subprocess with the file name pointing into a temporary directory; the
script refuses to write an edited sample that torch does not load, and
records in ran.txt which ones wrote their marker when run.
"""
import os
import subprocess
import sys
import tempfile
import zipfile
from typing import Dict, List

import torch

# A relative name: each run happens in a fresh temporary directory.
MARK = "modelgate-marker"


class Inner(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = torch.nn.Linear(4, 4)

    def forward(self, x):
        return torch.relu(self.lin(x))


class Flow(torch.nn.Module):
    """Control flow, strings, lists, dicts and a submodule."""

    def __init__(self):
        super().__init__()
        self.inner = Inner()
        self.names: List[str] = ["a", "b"]

    def forward(self, x: torch.Tensor, tag: str = "save") -> torch.Tensor:
        d: Dict[str, int] = {"load": 1, "open": 2}
        for n in self.names:
            d[n + "_" + tag.upper()] = len(n)
        i = 0
        while i < 3 and x.sum() > -1e9:
            x = self.inner(x) if i % 2 == 0 else x * 0.5
            i += 1
        if "save" in tag.split(","):
            x = x + float(d["load"])
        s = f"{tag}:{len(d)}"  # noqa: F841  (string formatting)
        return x.view(-1)[: len(s)]


class lowercase_net(torch.nn.Module):  # noqa: N801 - a lowercase class name, as student code has
    """data.pkl then names __torch__.lowercase_net, a class TorchScript compiled."""

    def __init__(self):
        super().__init__()
        self.inner = Inner()

    def forward(self, x):
        return self.inner(x)


class Saver(torch.nn.Module):
    """What an attacker scripts: a forward that writes a file."""

    def forward(self, x):
        torch.save(x, "modelgate-marker")
        return x


def save_benign():
    torch.manual_seed(0)
    torch.jit.save(torch.jit.script(Flow()), "benign_script.pt")
    torch.jit.save(torch.jit.trace(Inner(), torch.ones(1, 4)), "benign_trace.pt")
    m = torch.jit.script(Flow())
    m._save_for_lite_interpreter("benign_lite.ptl")
    torch.jit.save(torch.jit.script(Inner()), "benign_extra.pt", _extra_files={"meta.json": b'{"v": 1}'})
    torch.jit.save(torch.jit.script(lowercase_net()), "benign_lowercase.pt")



RUN = """
import sys, torch
from torch.jit.mobile import _load_for_lite_interpreter
path = sys.argv[1]
m = _load_for_lite_interpreter(path) if path.endswith(".ptl") else torch.jit.load(path)
m(torch.ones(1, 4))
"""


def loads_and_runs(path):
    """Loads and runs path in a subprocess inside a fresh temporary
    directory; reports whether the module wrote MARK there."""
    with tempfile.TemporaryDirectory() as d:
        r = subprocess.run([sys.executable, "-c", RUN, os.path.abspath(path)], cwd=d, capture_output=True, text=True)
        wrote = os.path.exists(os.path.join(d, MARK))
    return r.returncode, wrote, r.stderr.strip().splitlines()[-1:]


# Edits of benign_base.pt's forward, as an attacker would write them. Each
# is a spelling the C++ importer of torch.jit.load accepts.
EDITS = {
    "spaces": "    torch . save(input, %s)\n" % repr(MARK),
    "continuation": "    torch.\\\n      save(input, %s)\n" % repr(MARK),
    "paren": "    (torch).save(input, %s)\n" % repr(MARK),
    "alias": "    _0 = torch.save\n    _0(input, %s)\n" % repr(MARK),
    "alias_module": "    t = torch\n    t.save(input, %s)\n" % repr(MARK),
    "autograd": "    torch.autograd.save(input, %s)\n" % repr(MARK),
    "ops_aten": "    ops.aten.save(input, %s)\n" % repr(MARK),
    "ops_alias": "    _1 = ops.aten\n    _1.save(input, %s)\n" % repr(MARK),
    "getattr": "    getattr(torch, \"sa\" 've')(input, %s)\n" % repr(MARK),
    "getattr_escape": "    getattr(getattr(ops, \"aten\"), \"\\163ave\")(input, %s)\n" % repr(MARK),
    "comment_string": "    _2 = \"# not a comment\"  # torch.relu\n    torch.save(input, %s)\n" % repr(MARK),
    "from_file": "    _3 = torch.from_file(%s, False, 4)\n" % repr("/etc/hostname"),
}


def main():
    os.chdir(os.path.dirname(os.path.abspath(__file__)))
    save_benign()
    torch.jit.save(torch.jit.script(Saver()), "malicious_scripted_save.pt")
    torch.jit.script(Saver())._save_for_lite_interpreter("malicious_lite_save.ptl")
    torch.jit.save(torch.jit.script(Inner()), "benign_base.pt")
    # The edit goes into the Linear's forward, which torch prints as
    # torch.linear(input, weight, bias).
    lines = []
    for name, payload in EDITS.items():
        out = f"malicious_{name}.pt"
        member = None
        with zipfile.ZipFile("benign_base.pt") as z:
            for n in z.namelist():
                if n.endswith(".py") and "torch.linear(" in z.read(n).decode():
                    member = n
        old = "    return torch.linear("
        edit_member("benign_base.pt", out, member, old, payload + old)
        rc, wrote, err = loads_and_runs(out)
        if rc != 0 and not wrote and name != "from_file":
            raise SystemExit(f"{out}: torch did not load and run it: {err}")
        lines.append(f"{out} exit={rc} marker_written={wrote}")
    for out in ("malicious_scripted_save.pt", "malicious_lite_save.ptl"):
        rc, wrote, err = loads_and_runs(out)
        lines.append(f"{out} exit={rc} marker_written={wrote}")
    with open("ran.txt", "w") as f:
        f.write("\n".join(lines) + "\n")
    os.remove("benign_base.pt")


def edit_member(src_path, out_path, member, old, new):
    with zipfile.ZipFile(src_path) as zi, zipfile.ZipFile(out_path, "w") as zo:
        for it in zi.infolist():
            data = zi.read(it.filename)
            if it.filename == member:
                text = data.decode()
                if old not in text:
                    raise SystemExit(f"{out_path}: {old!r} not in {member}")
                data = text.replace(old, new, 1).encode()
            zo.writestr(it, data)


if __name__ == "__main__":
    main()
