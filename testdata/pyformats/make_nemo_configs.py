"""Writes .nemo samples around model configs from NeMo's own repository.

NeMo is not packaged in Debian and no .nemo file is kept in NVIDIA/NeMo (its
tests download theirs), so the archives are made from a checkout's example
configs: the config's model section as model_config.yaml, torch.save weights
as model_weights.ckpt, tarred the way SaveRestoreConnector's
_make_nemo_file_from_folder does (tarfile "w:", tar.add(folder, arcname=".")):

    git clone https://github.com/NVIDIA/NeMo && git -C NeMo checkout 8cfedd7203462cb251a914e700e5605444277561
    /usr/bin/python3 make_nemo_configs.py NeMo

The configs keep their Hydra interpolations (${...}), which NeMo resolves
before it saves; the targets are what counts here.
"""
import io
import os
import subprocess
import sys
import tarfile
import tempfile

import torch
import yaml

HERE = os.path.dirname(os.path.abspath(__file__))

CONFIGS = {
    "nemo_conformer_ctc_bpe.nemo": "examples/asr/conf/conformer/conformer_ctc_bpe.yaml",
    "nemo_magpietts_multilingual.nemo": "examples/tts/conf/magpietts/magpietts_multilingual_v1.yaml",
}


def main():
    repo = sys.argv[1]
    torch.manual_seed(0)
    weights = io.BytesIO()
    torch.save(torch.nn.Linear(2, 2).state_dict(), weights)
    for name, conf in CONFIGS.items():
        with open(os.path.join(repo, conf)) as f:
            model = yaml.safe_load(f)["model"]
        with tempfile.TemporaryDirectory() as folder:
            with open(os.path.join(folder, "model_config.yaml"), "w") as f:
                yaml.safe_dump(model, f)
            with open(os.path.join(folder, "model_weights.ckpt"), "wb") as f:
                f.write(weights.getvalue())
            with tarfile.open(os.path.join(HERE, "benign", name), "w:") as tar:
                tar.add(folder, arcname=".")


if __name__ == "__main__":
    main()
