#!/usr/bin/python3
"""Training checkpoints that embed their config objects and loggers, and
pickled Prophet forecasters, for the yacs, easydict, addict, munch,
ml_collections, mmengine, mmcv, prophet and cmdstanpy ecosystems (allow.tsv
and the generated lists), and hostile variants.

    /usr/bin/python3 formats/pickle/testdata/cfgs/make.py

EasyDict and Munch are Debian's (python3-easydict, python3-munch): those
samples are the libraries' own pickles. yacs, fvcore, detectron2, addict,
ml_collections, mmengine, mmcv, prophet, cmdstanpy and stanio are not
packaged: their classes are
stand-ins registered under the real module names whose pickling methods
give the same stream shape as the real ones (read at the commits allow.tsv
names): a yacs CfgNode is a dict subclass pickled as NEWOBJ, SETITEMS and
BUILD of its flag __dict__; addict's Dict pickles its items as
__getnewargs__ and itself as the state; mmengine's ConfigDict.__reduce_ex__
calls the class with its items; Config's __getstate__ is a tuple;
HistoryBuffer's adds the class-wide statistics_methods. The checkpoints are
torch.save's data.pkl (protocol 2, the default), so HistoryBuffer.min is
named as getattr(HistoryBuffer, "min"). Values are small and fixed, so a
rerun writes the same bytes.
"""
import collections
import io
import os
import pickle
import sys
import zipfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
from stubs import module  # noqa: E402


class Call:
    """Pickles as a call of fn with args: what a hostile file writes."""

    def __init__(self, fn, *args):
        self.fn, self.args = fn, args

    def __reduce__(self):
        return self.fn, self.args


def torch_data_pkl(obj):
    import torch

    buf = io.BytesIO()
    torch.save(obj, buf)
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as z:
        return z.read(next(n for n in z.namelist() if n.endswith("data.pkl")))


def write(name, data):
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(data)


# --- yacs, fvcore, detectron2 ------------------------------------------------------------------


class CfgNode(dict):
    """yacs.config.CfgNode's pickling shape: a dict subclass with four flags
    in __dict__ and items as attributes."""

    def __init__(self, init=None, new_allowed=False):
        super().__init__()
        for k, v in (init or {}).items():
            dict.__setitem__(self, k, type(self)(v) if isinstance(v, dict) else v)
        self.__dict__["__immutable__"] = False
        self.__dict__["__deprecated_keys__"] = set()
        self.__dict__["__renamed_keys__"] = {}
        self.__dict__["__new_allowed__"] = new_allowed

    def __getattr__(self, name):
        if name in self:
            return self[name]
        raise AttributeError(name)


def yacs_samples():
    import torch

    module("yacs.config", CfgNode=CfgNode)
    fv = type("CfgNode", (CfgNode,), {})
    module("fvcore.common.config", CfgNode=fv)
    d2 = type("CfgNode", (fv,), {})
    module("detectron2.config.config", CfgNode=d2)
    torch.manual_seed(0)
    tree = {"MODEL": {"META_ARCHITECTURE": "GeneralizedRCNN", "WEIGHTS": "", "PIXEL_MEAN": [103.53, 116.28, 123.675],
                      "RESNETS": {"DEPTH": 50, "OUT_FEATURES": ["res4"]}},
            "SOLVER": {"BASE_LR": 0.02, "STEPS": (60000, 80000), "IMS_PER_BATCH": 16},
            "INPUT": {"MIN_SIZE_TRAIN": (800,), "FORMAT": "BGR"}, "VERSION": 2}
    weights = collections.OrderedDict([("backbone.stem.conv1.weight", torch.ones(2, 3)),
                                       ("roi_heads.box_predictor.bbox_pred.bias", torch.zeros(2))])
    # detectron2's DetectionCheckpointer and maskrcnn-benchmark's Checkpointer save dicts like these; some
    # training scripts add the config.
    d2_ckpt = {"model": weights, "iteration": 89999, "cfg": d2(tree)}
    mrcnn_ckpt = {"model": weights, "optimizer": {"state": {}, "param_groups": [{"lr": 0.02, "params": [0, 1]}]},
                  "iteration": 90000, "cfg": CfgNode(tree)}
    # The detectron2 model zoo's Detectron .pkl files are plain pickles of numpy blobs; a converted one keeps
    # its fvcore config.
    zoo = {"model": {"conv1_w": np.ones((2, 3), np.float32)}, "__author__": "Detectron", "matching_heuristics": True,
           "cfg": fv(tree)}
    write("yacs_detectron2.pkl", torch_data_pkl(d2_ckpt))
    write("yacs_maskrcnn.pkl", torch_data_pkl(mrcnn_ckpt))
    write("yacs_zoo.pkl", pickle.dumps(zoo, protocol=2))
    write("hostile_cfgnode_called.pkl", pickle.dumps({"cfg": Call(CfgNode, {"a": 1})}, protocol=2))


# --- EasyDict, Munch (Debian's) ----------------------------------------------------------------


def easydict_munch_samples():
    import easydict
    import munch

    cfg = easydict.EasyDict({"model": {"name": "resnet18", "layers": [2, 2, 2, 2]},
                             "train": {"lr": 0.1, "milestones": (30, 60), "schedules": [{"warmup": 5}]},
                             "seed": 0})
    ckpt = {"epoch": 90, "arch": "resnet18", "state_dict": {"fc.weight": np.ones((2, 3), np.float32)},
            "config": cfg}
    write("easydict.pkl", pickle.dumps(ckpt, protocol=2))
    write("easydict_p4.pkl", pickle.dumps(ckpt, protocol=4))
    m = munch.Munch(model=munch.Munch(depth=18, widths=[64, 128]), lr=0.01)
    auto = munch.AutoMunch(data={"root": "data/", "batch": 32})
    dflt = munch.DefaultMunch(None, {"dropout": 0.1})
    ckpt = {"epoch": 3, "args": m, "data": auto, "extra": dflt, "weights": np.zeros(3, np.float32)}
    write("munch.pkl", pickle.dumps(ckpt, protocol=2))
    write("munch_p4.pkl", pickle.dumps(ckpt, protocol=4))
    write("hostile_easydict_append.pkl", hostile_append(easydict.EasyDict))
    write("hostile_defaultmunch_append.pkl", hostile_append(lambda: munch.DefaultMunch(None)))


def hostile_append(make):
    """APPENDS on an instance of a config class: its __getattr__ (or
    item-attribute __setitem__) answers extend with what the pickle chose."""
    buf = io.BytesIO()
    p = pickle.Pickler(buf, protocol=2)
    p.dump(make())
    data = buf.getvalue()
    assert data.endswith(b".")
    # MARK, a string, APPENDS, STOP: the C unpickler looks extend up on the object.
    return data[:-1] + b"(X\x0b\x00\x00\x00/etc/passwde."


# --- addict, mmcv 1.x --------------------------------------------------------------------------


class Dict(dict):
    """addict.Dict's pickling shape: items as NEWOBJ arguments, then
    SETITEMS, then BUILD of itself, which __setstate__ merges."""

    def __getnewargs__(self):
        return tuple(self.items())

    def __getstate__(self):
        return self

    def __setstate__(self, state):
        dict.update(self, state)


def addict_samples():
    import torch

    module("addict.addict", Dict=Dict)
    cfgdict = type("ConfigDict", (Dict,), {})
    module("mmcv.utils.config", ConfigDict=cfgdict)

    class Config:
        def __init__(self, cfg, text):
            object.__setattr__(self, "_cfg_dict", cfg)
            object.__setattr__(self, "_filename", "configs/retinanet_r50_fpn_1x_coco.py")
            object.__setattr__(self, "_text", text)

        def __getstate__(self):
            return (self._cfg_dict, self._filename, self._text)

        def __setstate__(self, state):
            for k, v in zip(("_cfg_dict", "_filename", "_text"), state):
                object.__setattr__(self, k, v)

    module("mmcv.utils.config", Config=Config)
    opts = Dict({"lr": 0.001, "betas": [0.9, 0.999]})
    ckpt = {"state_dict": {"w": np.ones(2, np.float32)}, "opts": opts}
    write("addict.pkl", pickle.dumps(ckpt, protocol=2))

    def cd(d):
        return cfgdict({k: cd(v) if isinstance(v, dict) else v for k, v in d.items()})

    model = cd({"type": "RetinaNet", "backbone": {"type": "ResNet", "depth": 50, "out_indices": (0, 1, 2, 3)}})
    cfg = cd({"model": model, "optimizer": {"type": "SGD", "lr": 0.01},
              "custom_imports": {"imports": ["projects.example"], "allow_failed_imports": False}})
    weights = collections.OrderedDict([("backbone.conv1.weight", torch.ones(2, 3))])
    # mmcv 1.x runner: meta holds the config text, CLASSES and hook messages; some projects keep the Config.
    ckpt = {"meta": {"mmcv_version": "1.7.2", "time": "Mon Dec  7 16:00:00 2026", "epoch": 12, "iter": 87960,
                     "CLASSES": ("person", "car"), "config": "model = dict(type='RetinaNet')\n",
                     "hook_msgs": {"last_ckpt": "work_dirs/epoch_12.pth"}},
            "state_dict": weights, "cfg": Config(cfg, "model = dict(type='RetinaNet')\n"), "model_cfg": model}
    write("mmcv.pkl", torch_data_pkl(ckpt))
    write("hostile_mmcv_config_called.pkl", pickle.dumps(Call(Config, None, None, "/etc/passwd"), protocol=2))
    write("hostile_addict_append.pkl", hostile_append(Dict))


# --- ml_collections ----------------------------------------------------------------------------


def ml_collections_samples():
    mod = "ml_collections.config_dict.config_dict"

    class FieldReference:
        pass

    class ConfigDict:
        def __setstate__(self, state):
            self.__dict__.update(state)

    class FrozenConfigDict(ConfigDict):
        pass

    class _Op(collections.namedtuple("_Op", ["fn", "args"])):
        pass

    module(mod, FieldReference=FieldReference, ConfigDict=ConfigDict, FrozenConfigDict=FrozenConfigDict, _Op=_Op)

    def ref(value, ops=()):
        r = FieldReference()
        r.__dict__.update(_field_type=type(value), _value=value, _ops=list(ops), _required=False)
        return r

    def config(fields, cls=ConfigDict, **extra):
        c = cls()
        c.__dict__.update(_fields=fields, _locked=False, _type_safe=True, _convert_dict=True,
                          _allow_dotted_keys=False, _sort_keys=True, **extra)
        return c

    steps = ref(1000)
    model = config({"num_layers": 4, "hidden": 256, "dropout": 0.1})
    cfg = config({"model": model, "num_train_steps": steps, "warmup_steps": steps, "learning_rate": 0.001,
                  "schedule": "cosine", "seeds": (0, 1)})
    frozen = config({"model": model, "seed": 42}, FrozenConfigDict, _configdict=config({"model": model, "seed": 42}))
    write("ml_collections.pkl", pickle.dumps({"step": 1000, "config": cfg, "frozen": frozen,
                                              "params": {"dense": np.ones(3, np.float32)}}, protocol=4))
    # A FieldReference whose get() runs fn(value, *args) on access, which ConfigDict.__setstate__ does.
    held = ref(3, [_Op(abs, [])])
    write("hostile_fieldreference_op.pkl", pickle.dumps(config({"n": held}), protocol=4))


# --- mmengine ----------------------------------------------------------------------------------


def mmengine_samples():
    import torch

    mod = "mmengine.config.config"

    class ConfigDict(Dict):
        def __reduce_ex__(self, proto):
            return (self.__class__, ({k: v for k, v in dict.items(self)},), None, None, None, None)

    class Config:
        def __getstate__(self):
            return tuple(self.__dict__[k] for k in ("_cfg_dict", "_filename", "_text", "_env_variables",
                                                    "_format_python_code", "_imported_names"))

        def __setstate__(self, state):
            self.__dict__.update(zip(("_cfg_dict", "_filename", "_text", "_env_variables",
                                      "_format_python_code", "_imported_names"), state))

    module(mod, ConfigDict=ConfigDict, Config=Config)

    class HistoryBuffer:
        _statistics_methods = {}

        def min(self, window_size=None):
            return self._log_history[-window_size:].min()

        def max(self, window_size=None):
            return self._log_history[-window_size:].max()

        def mean(self, window_size=None):
            return self._log_history[-window_size:].mean()

        def current(self):
            return self._log_history[-1]

        def __getstate__(self):
            self.__dict__.update(statistics_methods=self._statistics_methods)
            return self.__dict__

        def __setstate__(self, state):
            self.__dict__.update(state)

    module("mmengine.logging.history_buffer", HistoryBuffer=HistoryBuffer)
    for name in ("min", "max", "current", "mean"):
        f = getattr(HistoryBuffer, name)
        f.__module__, f.__qualname__ = HistoryBuffer.__module__, "HistoryBuffer." + name
        HistoryBuffer._statistics_methods[name] = f

    class MessageHub:
        pass

    module("mmengine.logging.message_hub", MessageHub=MessageHub)

    def buf(values):
        b = HistoryBuffer()
        b.__dict__.update(max_length=1000000, _log_history=np.array(values), _count_history=np.ones(len(values)))
        return b

    scalars = collections.OrderedDict([("train/lr", buf([0.01, 0.01])), ("train/loss", buf([1.5, 1.2])),
                                       ("val/accuracy/top1", buf([71.5]))])
    runtime = collections.OrderedDict([("epoch", 12), ("iter", 87960), ("max_epochs", 12), ("dataset_meta",
                                       {"classes": ("person", "car")})])
    resumed = collections.OrderedDict([("train/lr", True), ("train/loss", True), ("epoch", True), ("iter", True)])
    weights = collections.OrderedDict([("backbone.conv1.weight", torch.ones(2, 3))])
    text = "model = dict(type='RetinaNet')\n"
    ckpt = {"meta": {"epoch": 12, "iter": 87960, "cfg": text, "seed": 0, "experiment_name": "retinanet_20261207",
                     "time": "20261207_160000", "mmengine_version": "0.10.7",
                     "dataset_meta": {"classes": ("person", "car")}},
            "state_dict": weights,
            "message_hub": {"log_scalars": scalars, "runtime_info": runtime, "resumed_keys": resumed},
            "optimizer": {"state": {}, "param_groups": [{"lr": 0.01, "momentum": 0.9, "params": [0]}]},
            "param_schedulers": [{"base_lrs": [0.01], "last_step": 12, "milestones": collections.Counter({8: 1, 11: 1})}]}
    write("mmengine.pkl", torch_data_pkl(ckpt))

    # mmengine 0.1-0.x scripts that torch.save the whole MessageHub or the Config.
    hub = MessageHub()
    hub.__dict__.update(instance_name="retinanet", _log_scalars=scalars, _runtime_info=runtime,
                        _resumed_keys=resumed)
    model = ConfigDict({"type": "RetinaNet", "backbone": ConfigDict({"type": "ResNet", "depth": 50})})
    cfg = Config()
    cfg.__dict__.update(_cfg_dict=ConfigDict({"model": model, "default_scope": "mmdet",
                                              "custom_imports": ConfigDict({"imports": ["projects.example"]})}),
                        _filename="configs/retinanet.py", _text=text, _env_variables={}, _format_python_code=True,
                        _imported_names=set())
    write("mmengine_hub_p4.pkl", pickle.dumps({"message_hub": hub, "cfg": cfg, "model_cfg": model}, protocol=4))

    write("hostile_mmengine_config_called.pkl", pickle.dumps(Call(Config, None, None, "/etc/passwd"), protocol=2))
    write("hostile_mmengine_configdict_append.pkl",
          pickle.dumps(ConfigDict({"extend": HistoryBuffer}), protocol=2)[:-1] + b"(X\x01\x00\x00\x00xe.")
    # __getstate__ writes the class-wide methods: a hostile file registers a class as one.
    saved, HistoryBuffer._statistics_methods = HistoryBuffer._statistics_methods, {"mean": Config}
    write("hostile_historybuffer_method.pkl", pickle.dumps(buf([1.0]), protocol=2))
    HistoryBuffer._statistics_methods = saved


# --- Prophet and cmdstanpy --------------------------------------------------------------------


def prophet_samples():
    import enum

    import pandas as pd

    def plain(modname, name):
        cls = type(name, (), {})
        module(modname, **{name: cls})
        return cls

    def obj(cls, **attrs):
        o = cls.__new__(cls)
        o.__dict__.update(attrs)
        return o

    class Method(enum.Enum):
        SAMPLE = 1
        OPTIMIZE = 2

    class VariableType(enum.Enum):
        SCALAR = 1
        COMPLEX = 2
        TUPLE = 3

    module("cmdstanpy.cmdstan_args", Method=Method)
    module("stanio.reshape", VariableType=VariableType)
    prophet = plain("prophet.forecaster", "Prophet")
    backend = plain("prophet.models", "CmdStanPyBackend")
    model_cls = plain("cmdstanpy.model", "CmdStanModel")
    mle = plain("cmdstanpy.stanfit.mle", "CmdStanMLE")
    mcmc = plain("cmdstanpy.stanfit.mcmc", "CmdStanMCMC")
    runset = plain("cmdstanpy.stanfit.runset", "RunSet")
    meta = plain("cmdstanpy.stanfit.metadata", "InferenceMetadata")
    args_cls = plain("cmdstanpy.cmdstan_args", "CmdStanArgs")
    opt = plain("cmdstanpy.cmdstan_args", "OptimizeArgs")
    copts = plain("cmdstanpy.compilation", "CompilerOptions")
    var = plain("stanio.reshape", "Variable")

    exe = "/usr/lib/python3/site-packages/prophet/stan_model/prophet_model.bin"
    model = obj(model_cls, _name="prophet_model", _stan_file=None, _exe_file=exe,
                _compiler_options=obj(copts, _stanc_options={}, _cpp_options={}, _user_header=""),
                _fixed_param=False)
    oargs = obj(opt, algorithm="LBFGS", init_alpha=None, iter=10000, save_iterations=False, jacobian=False)
    cargs = obj(args_cls, model_name="prophet_model", model_exe=exe, chain_ids=None, data="/tmp/tmpab/data.json",
                seed=1234, inits="/tmp/tmpab/inits.json", output_dir="/tmp/tmpab", sig_figs=None,
                method_args=oargs, method=Method.OPTIMIZE, refresh=None)
    rs = obj(runset, _args=cargs, _chains=1, _one_process_per_chain=True, _num_procs=1, _retcodes=[0],
             _timeout_flags=[False], _chain_ids=[1], _csv_files=["/tmp/tmpab/prophet_model-20210101.csv"],
             _stdout_files=["/tmp/tmpab/prophet_model-20210101-stdout.txt"], _diagnostic_files=[],
             _profile_files=[], _base_outfile="prophet_model-20210101")
    variables = {"k": obj(var, name="k", start_idx=1, end_idx=2, dimensions=(), type=VariableType.SCALAR,
                          contents=[])}
    fit = obj(mle, runset=rs, converged=True, _save_iterations=False,
              _metadata=obj(meta, _cmdstan_config={"model": "prophet_model", "method": "optimize"},
                            _method_vars={}, _stan_vars=variables),
              _column_names=("lp__", "k", "m"), _mle=np.array([100.0, 0.1, 0.5]))
    be = obj(backend, model=model, stan_fit=fit, newton_fallback=True)
    history = pd.DataFrame({"ds": pd.date_range("2021-01-01", periods=3), "y": [1.0, 2.0, 3.0]})
    m = obj(prophet, growth="linear", changepoints=None, n_changepoints=25, changepoint_range=0.8,
            yearly_seasonality="auto", weekly_seasonality="auto", daily_seasonality="auto", holidays=None,
            seasonality_mode="additive", seasonality_prior_scale=10.0, changepoint_prior_scale=0.05,
            holidays_prior_scale=10.0, mcmc_samples=0, interval_width=0.8, uncertainty_samples=1000,
            stan_backend=be, params={"k": np.array([[0.1]]), "m": np.array([[0.5]])}, history=history,
            stan_fit=fit, y_scale=3.0, logistic_floor=False, fit_kwargs={})
    write("prophet.pkl", pickle.dumps(m, protocol=4))
    write("hostile_cmdstanmodel_called.pkl", pickle.dumps(Call(model_cls, "/tmp/x.stan"), protocol=4))
    chain = obj(mcmc, runset=rs)
    write("hostile_cmdstanmcmc_append.pkl", pickle.dumps(chain, protocol=4)[:-1] + b"(X\x01\x00\x00\x00xe.")


def main():
    yacs_samples()
    easydict_munch_samples()
    addict_samples()
    ml_collections_samples()
    mmengine_samples()
    prophet_samples()


if __name__ == "__main__":
    main()
