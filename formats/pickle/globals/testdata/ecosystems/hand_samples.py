#!/usr/bin/python3
"""Hand-assembled pickles of libraries Debian does not package, for the
ecosystems allow.tsv lists from their source (lightning, surprise, timm,
segmentation_models_pytorch, efficientnet_pytorch, mlxtend, pyannote,
chemprop, rdkit, darts).

    /usr/bin/python3 formats/pickle/globals/testdata/ecosystems/hand_samples.py

Each library's classes are stand-ins registered under the real module
names, with the members the real classes have (read at the commits
allow.tsv names), so the streams name the same globals in the same roles
as the library's own files: a Trainer.save_checkpoint checkpoint's
data.pkl (torch.save, zip), surprise.dump.dump's pickle and the data.pkl
of torch.save(model) for the model libraries. The values
are small and fixed, so a rerun writes the same bytes.
"""
import enum
import io
import os
import pickle
import sys
import zipfile
from collections import OrderedDict

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "testdata"))
from stubs import module  # noqa: E402


def lightning():
    import torch
    from omegaconf import OmegaConf

    class AttributeDict(dict):
        def __getattr__(self, key):
            return self[key]

    def _gpus_arg_default(x):
        return str(x) if "," in x else int(x)

    class _FaultTolerantMode(str, enum.Enum):
        DISABLED = "disabled"

    module("pytorch_lightning.utilities.parsing", AttributeDict=AttributeDict)
    module("pytorch_lightning.utilities.argparse", _gpus_arg_default=_gpus_arg_default)
    module("pytorch_lightning.utilities.enums", _FaultTolerantMode=_FaultTolerantMode)
    callbacks = {}
    for mod, cls in (("model_checkpoint", "ModelCheckpoint"), ("early_stopping", "EarlyStopping"), ("timer", "Timer")):
        callbacks[cls] = type(cls, (), {})
        module("pytorch_lightning.callbacks." + mod, **{cls: callbacks[cls]})
    module("lightning.fabric.utilities.data", AttributeDict=type("AttributeDict", (dict,), {}))
    fabric_dict = sys.modules["lightning.fabric.utilities.data"].AttributeDict

    weight = torch.ones(2, 3)
    hparams = OmegaConf.create({"model": {"lr": 0.001, "hidden": [8, 4]}, "trainer": {"max_epochs": 2},
                                "lr": "${model.lr}"})
    ckpt_1x = {
        "epoch": 1, "global_step": 20, "pytorch-lightning_version": "1.4.0",
        "state_dict": OrderedDict([("layer.weight", weight), ("layer.bias", torch.zeros(2))]),
        "callbacks": {
            callbacks["ModelCheckpoint"]: {"monitor": "val_loss", "best_model_score": torch.tensor(0.5),
                                           "best_model_path": "epoch=1.ckpt", "dirpath": "checkpoints/"},
            callbacks["EarlyStopping"]: {"wait_count": 0, "stopped_epoch": 0, "best_score": torch.tensor(0.5),
                                         "patience": 3},
            callbacks["Timer"]: {"time_elapsed": {"train": 1.5, "validate": 0.2}},
        },
        "optimizer_states": [{"state": {0: {"step": 20, "exp_avg": torch.zeros(2, 3)}},
                              "param_groups": [{"lr": 0.001, "betas": (0.9, 0.999), "params": [0, 1]}]}],
        "lr_schedulers": [{"step_size": 10, "gamma": 0.1, "base_lrs": [0.001], "last_epoch": 1}],
        "hparams_name": "kwargs",
        "hyper_parameters": AttributeDict(lr=0.001, gpus=_gpus_arg_default, batch_size=32),
        "_fault_tolerant_mode": _FaultTolerantMode.DISABLED,
    }
    ckpt_2x = {
        "epoch": 1, "global_step": 20, "pytorch-lightning_version": "2.2.0",
        "state_dict": OrderedDict([("layer.weight", weight)]),
        "loops": {"fit_loop": {"state_dict": {}, "epoch_progress": {"total": {"ready": 2, "completed": 1}}}},
        "callbacks": {"ModelCheckpoint{'monitor': 'val_loss', 'mode': 'min'}": {"best_model_score": torch.tensor(0.4)}},
        "hparams_name": "cfg", "hyper_parameters": hparams, "hparams_type": type(hparams),
        "datamodule_hyper_parameters": fabric_dict(batch_size=32),
    }
    out = []
    for ckpt in (ckpt_1x, ckpt_2x):
        buf = io.BytesIO()
        torch.save(ckpt, buf)
        with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as z:
            out.append(z.read(next(n for n in z.namelist() if n.endswith("data.pkl"))))
    return out


def surprise():
    import collections

    import numpy as np

    class Prediction(collections.namedtuple("Prediction", ["uid", "iid", "r_ui", "est", "details"])):
        __slots__ = ()

    classes = {n: type(n, (), {}) for n in ("Trainset", "Reader", "SVD", "KNNBasic")}
    module("surprise.prediction_algorithms.predictions", Prediction=Prediction)
    module("surprise.trainset", Trainset=classes["Trainset"])
    module("surprise.reader", Reader=classes["Reader"])
    module("surprise.prediction_algorithms.matrix_factorization", SVD=classes["SVD"])
    module("surprise.prediction_algorithms.knns", KNNBasic=classes["KNNBasic"])

    rng = np.random.RandomState(0)
    trainset = classes["Trainset"]()
    ur = collections.defaultdict(list, {0: [(0, 4.0), (1, 3.0)], 1: [(0, 5.0)]})
    ir = collections.defaultdict(list, {0: [(0, 4.0), (1, 5.0)], 1: [(0, 3.0)]})
    trainset.__dict__.update(ur=ur, ir=ir, n_users=2, n_items=2, n_ratings=3, rating_scale=(1, 5), offset=0,
                             _raw2inner_id_users={"u1": 0, "u2": 1}, _raw2inner_id_items={"i1": 0, "i2": 1},
                             _global_mean=4.0, _inner2raw_id_users=None, _inner2raw_id_items=None)
    svd = classes["SVD"]()
    svd.__dict__.update(bsl_options={}, sim_options={"user_based": True}, n_factors=2, n_epochs=2, biased=True,
                        init_mean=0, init_std_dev=0.1, lr_bu=0.005, lr_bi=0.005, lr_pu=0.005, lr_qi=0.005,
                        reg_bu=0.02, reg_bi=0.02, reg_pu=0.02, reg_qi=0.02, random_state=rng, verbose=False,
                        trainset=trainset, bu=np.zeros(2), bi=np.zeros(2), pu=rng.normal(size=(2, 2)),
                        qi=rng.normal(size=(2, 2)))
    knn = classes["KNNBasic"]()
    knn.__dict__.update(bsl_options={}, sim_options={"name": "cosine", "user_based": False}, k=40, min_k=1,
                        verbose=False, trainset=trainset, n_x=2, n_y=2, xr=ir, yr=ur, sim=np.eye(2))
    reader = classes["Reader"]()
    reader.__dict__.update(sep=",", skip_lines=0, rating_scale=(1, 5), with_timestamp=False, indexes=[0, 1, 2])
    preds = [Prediction("u1", "i1", 4.0, 3.9, {"was_impossible": False}),
             Prediction("u2", "i3", 3.0, 4.0, {"was_impossible": True, "reason": "User and/or item is unknown."})]
    # surprise.dump.dump pickles with pickle.HIGHEST_PROTOCOL; protocol 4 keeps the bytes the same on
    # every Python this runs on.
    return [pickle.dumps({"predictions": preds, "algo": svd}, protocol=4),
            pickle.dumps({"predictions": None, "algo": knn, "reader": reader}, protocol=2)]


def whole_models():
    """torch.save(model) of a timm, a segmentation_models_pytorch and an
    efficientnet_pytorch model: nn.Module stand-ins under the real class
    names, holding real torch layers."""
    import collections

    import torch
    from torch import nn

    def mod(name, cls, base=nn.Module):
        c = type(cls, (base,), {"forward": lambda self, x: x})
        module(name, **{cls: c})
        return c

    torch.manual_seed(0)
    # timm 0.9+: timm.models.resnet.ResNet of timm.models.resnet.BasicBlock and timm.layers helpers.
    resnet, block = mod("timm.models.resnet", "ResNet"), mod("timm.models.resnet", "BasicBlock")
    pool = mod("timm.layers.adaptive_avgmax_pool", "SelectAdaptivePool2d")
    b = block()
    b.conv1, b.bn1, b.act1 = nn.Conv2d(3, 4, 3, bias=False), nn.BatchNorm2d(4), nn.ReLU(inplace=True)
    m = resnet()
    m.conv1, m.layer1, m.global_pool, m.fc = nn.Conv2d(3, 3, 1), nn.Sequential(b), pool(), nn.Linear(4, 2)
    m.global_pool.pool, m.global_pool.flatten = nn.AdaptiveAvgPool2d(1), nn.Flatten(1)
    m.num_classes, m.pretrained_cfg = 2, {"architecture": "resnet18", "num_classes": 2, "mean": (0.485, 0.456, 0.406)}
    models = {"timm": m}
    # segmentation_models_pytorch 0.3+: decoders/unet/model.Unet with encoders/resnet.ResNetEncoder.
    unet = mod("segmentation_models_pytorch.decoders.unet.model", "Unet")
    enc = mod("segmentation_models_pytorch.encoders.resnet", "ResNetEncoder")
    dec = mod("segmentation_models_pytorch.decoders.unet.decoder", "UnetDecoder")
    head = mod("segmentation_models_pytorch.base.heads", "SegmentationHead", nn.Sequential)
    act = mod("segmentation_models_pytorch.base.modules", "Activation")
    u = unet()
    u.encoder, u.decoder = enc(), dec()
    u.encoder.conv1, u.encoder._out_channels, u.encoder._depth = nn.Conv2d(3, 4, 3), (3, 4), 1
    u.decoder.center = nn.Identity()
    a = act()
    a.activation = nn.Sigmoid()
    u.segmentation_head = head(nn.Conv2d(4, 1, 3, padding=1), nn.Identity(), a)
    u.classification_head, u.name = None, "u-resnet18"
    models["segmentation_models_pytorch"] = u
    # efficientnet_pytorch: model.EfficientNet of model.MBConvBlock and utils layers, with its namedtuples.
    eff, mb = mod("efficientnet_pytorch.model", "EfficientNet"), mod("efficientnet_pytorch.model", "MBConvBlock")
    conv = mod("efficientnet_pytorch.utils", "Conv2dStaticSamePadding", nn.Conv2d)
    swish = mod("efficientnet_pytorch.utils", "MemoryEfficientSwish")
    gp = collections.namedtuple("GlobalParams", ["width_coefficient", "dropout_rate", "image_size"])
    ba = collections.namedtuple("BlockArgs", ["num_repeat", "kernel_size", "stride", "expand_ratio"])
    module("efficientnet_pytorch.utils", GlobalParams=gp, BlockArgs=ba)
    e = eff()
    c = conv(3, 4, 3, bias=False)
    c.static_padding = nn.ZeroPad2d((1, 1, 1, 1))
    blk = mb()
    blk._block_args, blk._depthwise_conv, blk._swish = ba(1, 3, [1], 1), c, swish()
    e._conv_stem, e._blocks, e._swish = conv(3, 3, 1), nn.ModuleList([blk]), swish()
    e._global_params, e._blocks_args = gp(1.0, 0.2, 224), [ba(1, 3, [1], 1)]
    models["efficientnet_pytorch"] = e
    out = {}
    for name, model in models.items():
        buf = io.BytesIO()
        torch.save(model, buf)
        with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as z:
            out[name] = z.read(next(n for n in z.namelist() if n.endswith("data.pkl")))
    return out


def mlxtend():
    """A fitted StackingClassifier over real scikit-learn estimators, and a
    TransactionEncoder, as joblib.dump or pickle.dump write them."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression
    from sklearn.naive_bayes import GaussianNB
    from sklearn.preprocessing import LabelEncoder

    stacking, encoder = type("StackingClassifier", (), {}), type("TransactionEncoder", (), {})
    module("mlxtend.classifier.stacking_classification", StackingClassifier=stacking)
    module("mlxtend.preprocessing.transactionencoder", TransactionEncoder=encoder)
    x, y = np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0]]), np.array([0, 1, 1, 0])
    base = [LogisticRegression().fit(x, y), GaussianNB().fit(x, y)]
    st = stacking()
    st.__dict__.update(classifiers=base, meta_classifier=LogisticRegression(), use_probas=False, average_probas=False,
                       verbose=0, use_features_in_secondary=False, store_train_meta_features=False,
                       use_clones=True, fit_base_estimators=True, clfs_=base,
                       meta_clf_=LogisticRegression().fit(x, y), _label_encoder=LabelEncoder().fit(y))
    te = encoder()
    te.__dict__.update(columns_=["bread", "milk"], columns_mapping_={"bread": 0, "milk": 1})
    return pickle.dumps([st, te], protocol=4)


def pyannote():
    """A pyannote.audio segmentation checkpoint's data.pkl: Lightning's keys
    plus checkpoint["pyannote.audio"] (versions with torch.__version__, the
    architecture strings, the task Specifications)."""
    import dataclasses

    import torch

    class Problem(enum.Enum):
        BINARY_CLASSIFICATION = 0
        MONO_LABEL_CLASSIFICATION = 1

    class Resolution(enum.Enum):
        FRAME = 1
        CHUNK = 2

    @dataclasses.dataclass
    class Specifications:
        problem: Problem
        resolution: Resolution
        duration: float
        warm_up: tuple = (0.0, 0.0)
        classes: list = None
        powerset_max_classes: int = None
        permutation_invariant: bool = False

    module("pyannote.audio.core.task", Problem=Problem, Resolution=Resolution, Specifications=Specifications)
    ckpt = {
        "epoch": 3, "global_step": 100, "pytorch-lightning_version": "1.9.0",
        "state_dict": OrderedDict([("sincnet.conv1d.0.filterbank.low_hz_", torch.zeros(4))]),
        "callbacks": {"ModelCheckpoint{'monitor': 'loss/val', 'mode': 'min'}": {"best_model_score": torch.tensor(0.3)}},
        "hparams_name": "kwargs", "hyper_parameters": {"sincnet": {"stride": 10}, "lstm": {"hidden_size": 128}},
        "pyannote.audio": {
            "versions": {"torch": torch.__version__, "pyannote.audio": "3.1.0"},
            "architecture": {"module": "pyannote.audio.models.segmentation.PyanNet", "class": "PyanNet"},
            "specifications": Specifications(Problem.MONO_LABEL_CLASSIFICATION, Resolution.FRAME, 10.0,
                                             classes=["speaker#1", "speaker#2", "speaker#3"], powerset_max_classes=2,
                                             permutation_invariant=True),
        },
    }
    buf = io.BytesIO()
    torch.save(ckpt, buf)
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as z:
        return z.read(next(n for n in z.namelist() if n.endswith("data.pkl")))


def chemprop():
    """A chemprop v2 checkpoint's data.pkl (Lightning, torch.save zip): the
    hyper_parameters keep the message passing, aggregation and predictor
    classes as references and the transforms and metrics built whole."""
    import torch
    from torch import nn

    AttributeDict = type("AttributeDict", (dict,), {})
    module("lightning.fabric.utilities.data", AttributeDict=AttributeDict)
    scale, unscale, graph = (type(n, (nn.Module,), {}) for n in ("ScaleTransform", "UnscaleTransform", "GraphTransform"))
    module("chemprop.nn.transforms", ScaleTransform=scale, UnscaleTransform=unscale, GraphTransform=graph)
    bmp = type("BondMessagePassing", (nn.Module,), {})
    module("chemprop.nn.message_passing.base", BondMessagePassing=bmp)
    module("chemprop.nn.agg", MeanAggregation=type("MeanAggregation", (nn.Module,), {}))
    module("chemprop.nn.predictors", RegressionFFN=type("RegressionFFN", (nn.Module,), {}))
    module("chemprop.nn.metrics", MSE=type("MSE", (nn.Module,), {}))

    def scaler(cls):
        m = cls()
        m.register_buffer("mean", torch.zeros(1, 2))
        m.register_buffer("scale", torch.ones(1, 2))
        return m

    g = graph()
    g.V_transform, g.E_transform = scaler(scale), nn.Identity()
    agg = sys.modules["chemprop.nn.agg"].MeanAggregation
    ffn = sys.modules["chemprop.nn.predictors"].RegressionFFN
    hp = AttributeDict(
        message_passing=AttributeDict(cls=bmp, d_h=300, depth=3, graph_transform=g),
        agg=AttributeDict(cls=agg, dim=0),
        predictor=AttributeDict(cls=ffn, n_tasks=1, output_transform=scaler(unscale),
                                criterion=sys.modules["chemprop.nn.metrics"].MSE()),
        metrics=[sys.modules["chemprop.nn.metrics"].MSE()], batch_norm=False)
    ckpt = {"epoch": 1, "global_step": 10, "pytorch-lightning_version": "2.4.0",
            "state_dict": OrderedDict([("message_passing.W_i.weight", torch.zeros(2, 2))]),
            "hparams_name": "kwargs", "hyper_parameters": hp}
    buf = io.BytesIO()
    torch.save(ckpt, buf)
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as z:
        return z.read(next(n for n in z.namelist() if n.endswith("data.pkl")))


def rdkit():
    """Two RDKit pickles: an rdkit.ML Composite of decision trees as the
    Python 2 era files hold it (protocol 0: copy_reg._reconstructor for the
    Composite, INST with no arguments for each tree node), written out
    opcode by opcode since Python 3 no longer emits INST; and a Subshape
    shape with Boost.Python geometry and a feature, whose pickle suites call
    the class with their getinitargs (bytes for the grid and the feature)."""
    ml = (b"ccopy_reg\n_reconstructor\np0\n(crdkit.ML.Composite.Composite\nComposite\np1\n"
          b"c__builtin__\nobject\np2\nNtp3\nRp4\n(dp5\nS'modelList'\np6\n(lp7\n"
          b"(irdkit.ML.DecTree.QuantTree\nQuantTreeNode\np8\n(dp9\nS'name'\np10\nS'DESC0'\np11\n"
          b"sS'qBounds'\np12\n(lp13\nF0.5\nasS'children'\np14\n(lp15\n"
          b"(irdkit.ML.DecTree.DecTree\nDecTreeNode\np16\n(dp17\nS'label'\np18\nI1\n"
          b"sS'terminalNode'\np19\nI1\nsbasbasS'quantBounds'\np20\nNsb.")

    class SkeletonPoint:
        pass

    class ShapeWithSkeleton:
        pass

    def boost(name, args):
        return type(name, (), {"__init__": lambda self, *a: None, "__reduce__": lambda self: (type(self), args)})

    point = boost("Point3D", (1.0, 2.0, 3.0))
    grid = boost("UniformGrid3D_", (b"\xff\xff\xff\xff\x02\x00\x00\x00",))
    feature = boost("FreeChemicalFeature", (b"\x10\x00\x00\x00\x0bHBondDonor",))
    module("rdkit.Chem.Subshape.SubshapeObjects", SkeletonPoint=SkeletonPoint, ShapeWithSkeleton=ShapeWithSkeleton)
    module("Geometry.rdGeometry", Point3D=point, UniformGrid3D_=grid)
    module("rdkit.Chem.rdChemicalFeatures", FreeChemicalFeature=feature)
    pt = SkeletonPoint()
    pt.__dict__.update(location=point(), shapeMoments=(0.0, 0.0, 0.0), molFeatures=[feature()])
    shape = ShapeWithSkeleton()
    shape.__dict__.update(grid=grid(), skelPts=[pt])
    return ml, pickle.dumps(shape, protocol=0)


def darts():
    """The data.pkl of torch.save of a fitted darts LinearRegressionModel (the
    SageMaker Clarify example ships one, legacy format): the model, its SequentialEncoder and index
    generators, a scikit-learn LinearRegression, and the training
    TimeSeries holding a real xarray DataArray over a 10-minute index."""
    import numpy as np
    import pandas as pd
    import torch
    import xarray as xr
    from sklearn.linear_model import LinearRegression

    model_cls = type("LinearRegressionModel", (), {})
    module("darts.models.forecasting.linear_regression_model", LinearRegressionModel=model_cls)
    ts_cls = type("TimeSeries", (), {})
    module("darts.timeseries", TimeSeries=ts_cls)
    enc_cls = type("SequentialEncoder", (), {})
    cyc_cls = type("PastCyclicEncoder", (), {})
    module("darts.dataprocessing.encoders.encoders", SequentialEncoder=enc_cls, PastCyclicEncoder=cyc_cls)
    gen_cls = type("PastCovariatesIndexGenerator", (), {})
    module("darts.dataprocessing.encoders.encoder_base", PastCovariatesIndexGenerator=gen_cls)
    idx = pd.date_range("2020-01-01", periods=4, freq="10T", name="Date Time")
    xa = xr.DataArray(np.arange(4.0).reshape(4, 1, 1), dims=("Date Time", "component", "sample"),
                      coords={"Date Time": idx, "component": ["p (mbar)"]})
    series = ts_cls()
    series.__dict__.update(_xa=xa, _time_dim="Date Time", _time_index=idx, _has_datetime_index=True,
                           _freq=idx.freq, _freq_str="10T")
    gen = gen_cls()
    gen.__dict__.update(input_chunk_length=3, output_chunk_length=1, lags_covariates=None)
    cyc = cyc_cls()
    cyc.__dict__.update(index_generator=gen, attribute="month", _fit_called=True)
    enc = enc_cls()
    enc.__dict__.update(params={"cyclic": {"past": ["month"]}}, _past_encoders=[cyc], _future_encoders=[],
                        _past_transformer=None, _fit_called=True)
    model = model_cls()
    model.__dict__.update(model=LinearRegression().fit(np.eye(3), np.arange(3.0)), lags={"target": [-3, -2, -1]},
                          output_chunk_length=1, encoders=enc, training_series=series, _fit_called=True)
    buf = io.BytesIO()
    torch.save(model, buf)
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as z:
        return z.read(next(n for n in z.namelist() if n.endswith("data.pkl")))


def main():
    for i, data in enumerate(lightning()):
        with open(os.path.join(HERE, "lightning_%dx.pkl" % (i + 1)), "wb") as f:
            f.write(data)
    for name, data in whole_models().items():
        with open(os.path.join(HERE, "%s_model.pkl" % name), "wb") as f:
            f.write(data)
    with open(os.path.join(HERE, "pyannote.pkl"), "wb") as f:
        f.write(pyannote())
    with open(os.path.join(HERE, "mlxtend.pkl"), "wb") as f:
        f.write(mlxtend())
    with open(os.path.join(HERE, "chemprop.pkl"), "wb") as f:
        f.write(chemprop())
    for name, data in zip(("rdkit_ml.pkl", "rdkit_chem.pkl"), rdkit()):
        with open(os.path.join(HERE, name), "wb") as f:
            f.write(data)
    with open(os.path.join(HERE, "darts.pkl"), "wb") as f:
        f.write(darts())
    for i, data in enumerate(surprise()):
        with open(os.path.join(HERE, "surprise_%d.pkl" % (i + 1)), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
