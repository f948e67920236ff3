#!/usr/bin/python3
"""Hand-assembled fastai exports and flair checkpoints (neither library is
packaged by Debian), for the fastai and flair ecosystems allow.tsv lists
from their source.

    /usr/bin/python3 formats/pickle/globals/testdata/ecosystems/fastai_flair_samples.py

Stand-in classes are registered under the real module names with the
attributes the real objects carry (fastai 2.0-2.7 Learner.export, read at
the commits allow.tsv names; flair Model.save before and after 0.12), and
pickled by torch.save the way the libraries call it, so the streams name
the same globals in the same roles: NEWOBJ and BUILD for objects,
getattr(cls, "create") and getattr(obj, "dataloaders") for bound methods,
_rebuild_from_type for fastai tensors, partial for opt_func and augment
matrices. Written: fastai_vision.pkl, fastai_tabular.pkl (the data.pkl of
torch.save(learner, pickle_protocol=2)) and flair_tagger_legacy.pkl,
flair_tagger_state.pkl (the data.pkl of torch.save(state,
pickle_protocol=4)). Values are small and fixed, so a rerun writes the
same bytes.
"""
import functools
import inspect
import io
import os
import pathlib
import random
import sys
import types
import zipfile
from collections import OrderedDict

import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "testdata"))
from stubs import module  # noqa: E402


def cls(name, bases=(object,), **body):
    return type(name, bases, dict(body))


def obj(c, **state):
    o = c.__new__(c)
    o.__dict__.update(state)
    return o


def data_pkl(o, protocol):
    buf = io.BytesIO()
    torch.save(o, buf, pickle_protocol=protocol)
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as z:
        return z.read(next(n for n in z.namelist() if n.endswith("data.pkl")))


def fastcore():
    """fastcore's L, Pipeline, Transform and TypeDispatch, and fastai's
    TensorBase with the __reduce_ex__ of fastai >= 2.3."""
    L = cls("L")
    Pipeline = cls("Pipeline")
    Transform = cls("Transform")
    module("fastcore.foundation", L=L)
    module("fastcore.transform", Pipeline=Pipeline, Transform=Transform)
    TypeDispatch, TypeDict = cls("TypeDispatch"), cls("_TypeDict")
    module("fastcore.dispatch", TypeDispatch=TypeDispatch, _TypeDict=TypeDict)

    def noop(x=None, *args, **kwargs):
        return x

    module("fastai.imports", noop=noop)

    def _rebuild_from_type(func, type, args, dict):
        ret = func(*args).as_subclass(type)
        ret.__dict__ = dict
        return ret

    class TensorBase(torch.Tensor):
        def __reduce_ex__(self, proto):
            args = (self.storage(), self.storage_offset(), tuple(self.size()), self.stride(),
                    self.requires_grad, OrderedDict())
            return (_rebuild_from_type, (torch._utils._rebuild_tensor_v2, type(self), args, self.__dict__))

    module("fastai.torch_core", _rebuild_from_type=_rebuild_from_type, TensorBase=TensorBase)

    def lst(*items):
        return obj(L, items=list(items))

    def pipe(*fs):
        return obj(Pipeline, split_idx=None, default=None, fs=lst(*fs))

    def dispatch(f):
        return obj(TypeDispatch, funcs=obj(TypeDict, d={object: f}, cache={}), bases=(object,), inst=None,
                   owner=None)

    return types.SimpleNamespace(L=lst, pipe=pipe, Transform=Transform, dispatch=dispatch, noop=noop,
                                 tensor=lambda v: torch.tensor(v).as_subclass(TensorBase))


def learner_parts(fc):
    """The callbacks, recorder and optimizer a Learner holds."""
    names = ["TrainEvalCallback", "Recorder", "AvgLoss", "AvgSmoothLoss", "AvgMetric", "CastToTensor"]
    c = {n: cls(n) for n in names}
    module("fastai.callback.core", TrainEvalCallback=c["TrainEvalCallback"])
    module("fastai.learner", **{n: c[n] for n in names[1:]})
    c["ProgressCallback"] = cls("ProgressCallback")
    module("fastai.callback.progress", ProgressCallback=c["ProgressCallback"])

    def Adam(params, lr, mom=0.9, sqr_mom=0.99, eps=1e-5, wd=0.01, decouple_wd=True):
        return params

    def trainable_params(m):
        return [p for p in m.parameters() if p.requires_grad]

    module("fastai.optimizer", Adam=Adam)
    module("fastai.torch_core", trainable_params=trainable_params)
    recorder = obj(c["Recorder"], add_time=True, train_metrics=False, valid_metrics=True,
                   loss=obj(c["AvgLoss"], total=fc.tensor(0.5), count=4),
                   smooth_loss=obj(c["AvgSmoothLoss"], beta=0.98, val=fc.tensor(0.4), count=4),
                   lrs=[0.001], iters=[0], losses=[fc.tensor(0.4)], values=[[0.5, 0.1]], metric_names=fc.L("epoch"))
    cbs = fc.L(obj(c["TrainEvalCallback"]), recorder, obj(c["CastToTensor"]),
               obj(c["ProgressCallback"], old_logger=fc.noop))
    return c, cbs, recorder, Adam, trainable_params


def loss(name, modname, func, **kw):
    """BaseLoss: functools.update_wrapper copies the torch loss's __dict__."""
    base = cls("BaseLoss")
    sub = cls(name, (base,))
    module(modname, BaseLoss=base, **{name: sub})
    o = sub.__new__(sub)
    o.__dict__.update(axis=-1, flatten=True, floatify=False, is_2d=True, func=func, **kw)
    functools.update_wrapper(o, func)
    return o


def fastai_vision():
    """Learner.export of an ImageDataLoaders.from_name_func vision_learner:
    PILImage.create and a label function as item transforms, Resize and
    ToTensor after each item, IntToFloatTensor, a flip AffineCoordTfm with
    partial(flip_mat), brightness and Normalize on each batch, a resnet head
    of fastai layers, CrossEntropyLossFlat, partial(Adam), error_rate."""
    fc = fastcore()
    c, cbs, recorder, Adam, _ = learner_parts(fc)

    class PILImage:
        @classmethod
        def create(cls, fn):
            return fn

    module("fastai.vision.core", PILImage=PILImage)

    def parent_label(o):
        return pathlib.Path(o).parent.name

    module("fastai.data.transforms", parent_label=parent_label)
    tn = ["Categorize", "CategoryMap", "ToTensor", "IntToFloatTensor", "Normalize"]
    t = {n: cls(n) for n in tn}
    module("fastai.data.transforms", **t)
    an = ["Resize", "AffineCoordTfm", "LightingTfm", "_BrightnessLogit"]
    a = {n: cls(n) for n in an}

    def flip_mat(x, p=0.5, draw=None, batch=False):
        return x

    module("fastai.vision.augment", flip_mat=flip_mat, **a)
    dn = ["DataLoaders", "TfmdDL", "Datasets", "TfmdLists"]
    d = {n: cls(n) for n in dn}
    module("fastai.data.core", **d)
    FakeLoader = cls("_FakeLoader")

    def _wif(worker_id):
        return worker_id

    module("fastai.data.load", _FakeLoader=FakeLoader, _wif=_wif)

    def error_rate(inp, targ, axis=-1):
        return inp

    module("fastai.metrics", error_rate=error_rate)

    def _resnet_split(m):
        return m

    module("fastai.vision.learner", _resnet_split=_resnet_split)
    ln = ["AdaptiveConcatPool2d", "Flatten"]
    lay = {n: cls(n, (nn.Module,), forward=lambda self, x: x) for n in ln}
    module("fastai.layers", **lay)
    Learner = cls("Learner")
    module("fastai.learner", Learner=Learner)

    vocab = obj(t["CategoryMap"], items=["cat", "dog"], o2i={"cat": 0, "dog": 1})
    img = obj(fc.Transform, split_idx=None, order=0, init_enc=True, encodes=fc.dispatch(PILImage.create),
              _name="create")
    lbl = obj(fc.Transform, split_idx=None, order=0, init_enc=True, encodes=fc.dispatch(parent_label),
              _name="parent_label")
    tls = [obj(d["TfmdLists"], items=fc.L(), tfms=fc.pipe(img), split_idx=None),
           obj(d["TfmdLists"], items=fc.L(), tfms=fc.pipe(lbl, obj(t["Categorize"], vocab=vocab, add_na=False,
                                                                      split_idx=None, order=1)), split_idx=None)]
    flip = obj(a["AffineCoordTfm"], aff_fs=fc.L(functools.partial(flip_mat, p=0.5, draw=None, batch=False)),
               coord_fs=fc.L(), size=None, mode="bilinear", pad_mode="reflection", mode_mask="nearest",
               align_corners=True, p=1.0, split_idx=0, order=30)
    light = obj(a["LightingTfm"], fs=fc.L(obj(a["_BrightnessLogit"], max_lighting=0.2, p=0.75, draw=None,
                                               batch=False)), split_idx=0, order=40)
    norm = obj(t["Normalize"], mean=fc.tensor([[0.485]]), std=fc.tensor([[0.229]]), axes=(0, 2, 3),
               split_idx=None, order=99)
    loaders = []
    for shuffle in (True, False):
        dl = obj(d["TfmdDL"], dataset=obj(d["Datasets"], tls=tls, n_inp=1), bs=64, shuffle=shuffle,
                 drop_last=shuffle, indexed=True, n=0, pin_memory=False, timeout=0, device=None,
                 rng=random.Random(1), num_workers=0, offs=0,
                 after_item=fc.pipe(obj(a["Resize"], size=(224, 224), method="crop", pad_mode="reflection",
                                        split_idx=None, order=1), obj(t["ToTensor"], split_idx=None, order=5)),
                 before_batch=fc.pipe(),
                 after_batch=fc.pipe(obj(t["IntToFloatTensor"], div=255.0, div_mask=1, split_idx=None, order=10),
                                     flip, light, norm))
        dl.fake_l = obj(FakeLoader, d=dl, pin_memory=False, num_workers=0, timeout=0, worker_init_fn=_wif)
        loaders.append(dl)
    model = nn.Sequential(nn.Conv2d(3, 2, 1), nn.Sequential(lay["AdaptiveConcatPool2d"](), lay["Flatten"](),
                                                            nn.BatchNorm1d(4), nn.Dropout(0.25), nn.Linear(4, 2)))
    learn = obj(Learner, dls=obj(d["DataLoaders"], loaders=loaders, path=pathlib.PurePosixPath("."), device=None),
                model=model, opt_func=functools.partial(Adam, mom=0.9), lr=0.001, splitter=_resnet_split,
                model_dir="models", wd=None, wd_bn_bias=False, train_bn=True, moms=(0.95, 0.85, 0.95),
                metrics=fc.L(obj(c["AvgMetric"], func=error_rate)), path=pathlib.PurePosixPath("."),
                loss_func=loss("CrossEntropyLossFlat", "fastai.losses", nn.CrossEntropyLoss()),
                training=False, create_mbar=True, logger=print, opt=None, cbs=cbs, train_eval=cbs.items[0],
                recorder=recorder, n_epoch=1, epoch=0)
    return data_pkl(learn, 2)


def fastai_tabular():
    """Learner.export of a tabular_learner: TabularPandas keeps its bound
    dataloaders method (getattr(obj, "dataloaders")), FillMissing the
    staticmethod FillStrategy.median and an inspect.Signature, the model
    fastai Embedding and LinBnDrop layers."""
    fc = fastcore()
    c, cbs, recorder, Adam, trainable_params = learner_parts(fc)
    tn = ["TabularPandas", "ReadTabBatch", "TabDataLoader", "Categorify", "FillMissing", "FillStrategy"]
    t = {n: cls(n) for n in tn}

    def dataloaders(self, bs=64):
        return bs

    t["TabularPandas"].dataloaders = dataloaders

    def median(c, fill):
        return c.median()

    t["FillStrategy"].median = staticmethod(median)
    median.__qualname__ = "FillStrategy.median"
    module("fastai.tabular.core", **t)
    median.__module__ = "fastai.tabular.core"
    TDL = cls("TabularDataLoaders")
    module("fastai.tabular.data", TabularDataLoaders=TDL)
    TL = cls("TabularLearner")
    module("fastai.tabular.learner", TabularLearner=TL)
    TM = cls("TabularModel", (nn.Module,), forward=lambda self, x: x)
    module("fastai.tabular.model", TabularModel=TM)
    Emb = cls("Embedding", (nn.Embedding,))
    LBD = cls("LinBnDrop", (nn.Sequential,))
    module("fastai.layers", Embedding=Emb, LinBnDrop=LBD)
    Normalize, Categorize, CategoryMap = cls("Normalize"), cls("Categorize"), cls("CategoryMap")
    module("fastai.data.transforms", Normalize=Normalize, Categorize=Categorize, CategoryMap=CategoryMap)
    AccumMetric = cls("AccumMetric")

    def accuracy(inp, targ, axis=-1):
        return inp

    module("fastai.metrics", AccumMetric=AccumMetric, accuracy=accuracy)

    def fill(x, **kwargs):
        return x

    fm = obj(t["FillMissing"], fill_strategy=t["FillStrategy"].median, add_col=True, fill_vals={"age": 0},
             na_dict={"age": 38.0}, split_idx=None, order=1, __signature__=inspect.signature(fill))
    procs = fc.pipe(obj(t["Categorify"], classes={"job": obj(CategoryMap, items=["#na#", "a"], o2i={})},
                        split_idx=None, order=1), fm,
                    obj(Normalize, means={"age": 38.0}, stds={"age": 12.0}, split_idx=None, order=2))
    to = obj(t["TabularPandas"], items=None, y_names=fc.L("salary"), cat_names=fc.L("job"),
             cont_names=fc.L("age"), procs=procs, split=1, inplace=False, reduce_memory=True)
    to.dataloaders = to.dataloaders
    dls = []
    for shuffle in (True, False):
        dl = obj(t["TabDataLoader"], dataset=to, bs=64, shuffle=shuffle, drop_last=shuffle, indexed=True, n=0,
                 pin_memory=False, timeout=0, device=None, rng=random.Random(2), num_workers=0, offs=0,
                 after_batch=fc.pipe(obj(t["ReadTabBatch"], to=to, split_idx=None, order=0)))
        dls.append(dl)
    model = TM()
    model.embeds = nn.ModuleList([Emb(3, 2)])
    model.layers = nn.Sequential(LBD(nn.Linear(3, 2), nn.ReLU()))
    learn = obj(TL, dls=obj(TDL, loaders=dls, path=pathlib.PurePosixPath("."), device=None), model=model,
                opt_func=Adam, lr=0.001, splitter=trainable_params, model_dir="models", wd=None,
                metrics=fc.L(obj(AccumMetric, func=accuracy, dim_argmax=None, activation="no", thresh=None,
                                 to_np=False, invert_arg=False, flatten=True, kwargs={})),
                loss_func=loss("CrossEntropyLossFlat", "fastai.losses", nn.CrossEntropyLoss()),
                logger=print, opt=None, cbs=cbs, recorder=recorder, path=pathlib.PurePosixPath("."))
    return data_pkl(learn, 2)


def flair_classes():
    Dictionary = cls("Dictionary")
    module("flair.data", Dictionary=Dictionary)
    names = ["StackedEmbeddings", "WordEmbeddings", "FlairEmbeddings"]
    emb = {n: cls(n, (nn.Module,), forward=lambda self, x: x) for n in names}
    module("flair.embeddings.token", **emb)

    class LanguageModel(nn.Module):
        def __getstate__(self):
            return {"state_dict": self.state_dict(), "dictionary": self.dictionary, "is_forward_lm": True,
                    "hidden_size": 4, "nlayers": 1, "embedding_size": 2, "nout": None,
                    "document_delimiter": "\n", "dropout": 0.1, "recurrent_type": "lstm", "has_decoder": True}

    module("flair.models.language_model", LanguageModel=LanguageModel)
    tagger = cls("SequenceTagger", (nn.Module,), forward=lambda self, x: x)
    module("flair.models.sequence_tagger_model", SequenceTagger=tagger)
    ld = cls("LockedDropout", (nn.Module,), forward=lambda self, x: x)
    wd = cls("WordDropout", (nn.Module,), forward=lambda self, x: x)
    module("flair.nn.dropout", LockedDropout=ld, WordDropout=wd)
    anneal = cls("AnnealOnPlateau")
    module("flair.training_utils", AnnealOnPlateau=anneal)

    def dictionary(*items):
        return obj(Dictionary, item2idx={s.encode(): i for i, s in enumerate(items)},
                   idx2item=[s.encode() for s in items], add_unk=True, multi_label=False, span_labels=False)

    return types.SimpleNamespace(emb=emb, LanguageModel=LanguageModel, dictionary=dictionary, anneal=anneal,
                                 LockedDropout=ld, WordDropout=wd)


def flair_legacy():
    """Model.save before flair 0.12: the SequenceTagger state with the
    embeddings objects (WordEmbeddings holding gensim KeyedVectors,
    FlairEmbeddings holding a LanguageModel), the tag Dictionary and a
    model card keeping the optimizer and scheduler classes."""
    import numpy as np
    from gensim.models import KeyedVectors

    f = flair_classes()
    kv = KeyedVectors(2)
    kv.add_vectors(["the", "cat"], np.ones((2, 2), dtype=np.float32))
    word = f.emb["WordEmbeddings"]()
    word.__dict__.update(name="glove", static_embeddings=True, precomputed_word_embeddings=kv, field=None,
                         fine_tune=False, force_cpu=True, _WordEmbeddings__embedding_length=2)
    lm = f.LanguageModel()
    lm.dictionary = f.dictionary("a", "b", "\n")
    lm.encoder = nn.Embedding(3, 2)
    lm.rnn = nn.LSTM(2, 4)
    lm.decoder = nn.Linear(4, 3)
    flair = f.emb["FlairEmbeddings"]()
    flair.__dict__.update(name="news-forward", lm=lm, is_forward_lm=True, chars_per_chunk=512,
                          static_embeddings=True, fine_tune=False, is_lower=False)
    stacked = f.emb["StackedEmbeddings"]()
    stacked.embeddings = [word, flair]
    stacked.add_module("list_embedding_0", word)
    stacked.add_module("list_embedding_1", flair)
    state = {
        "state_dict": OrderedDict([("linear.weight", torch.zeros(3, 4)), ("linear.bias", torch.zeros(3))]),
        "embeddings": stacked, "hidden_size": 4, "tag_dictionary": f.dictionary("O", "B-PER", "<START>", "<STOP>"),
        "tag_format": "BIOES", "tag_type": "ner", "use_crf": True, "use_rnn": True, "rnn_layers": 1,
        "use_dropout": 0.0, "use_word_dropout": 0.05, "use_locked_dropout": 0.5, "rnn_type": "LSTM",
        "beta": 1.0, "weight_dict": None, "reproject_embeddings": True,
        "model_card": {"flair_version": "0.11.3", "pytorch_version": "1.13.0",
                       "training_parameters": {"base_path": pathlib.PurePosixPath("resources/taggers/ner"),
                                               "learning_rate": 0.1, "mini_batch_size": 32,
                                               "optimizer": torch.optim.SGD, "scheduler": f.anneal,
                                               "max_epochs": 10, "embeddings_storage_mode": "cpu"}},
    }
    return data_pkl(state, 4)


def flair_state():
    """Model.save from flair 0.12: embeddings and model named by strings,
    their parameters as plain values, the Dictionary the one object."""
    f = flair_classes()
    state = {
        "state_dict": OrderedDict([("embeddings.list_embedding_0.embedding.weight", torch.zeros(3, 2)),
                                   ("linear.weight", torch.zeros(3, 4))]),
        "__cls__": "SequenceTagger",
        "embeddings": {"__cls__": "StackedEmbeddings", "embeddings": [
            {"__cls__": "WordEmbeddings", "vocab": {"the": 0, "cat": 1}, "stable": False, "fine_tune": False,
             "force_cpu": True, "field": None, "name": "glove", "embedding_length": 2}]},
        "hidden_size": 4, "tag_dictionary": f.dictionary("O", "S-PER"), "tag_format": "BIOES", "tag_type": "ner",
        "use_crf": True, "use_rnn": True, "rnn_layers": 1, "use_dropout": 0.0, "use_word_dropout": 0.05,
        "use_locked_dropout": 0.5, "rnn_type": "LSTM", "reproject_embeddings": True, "weight_dict": None,
        "train_initial_hidden_state": False,
        "model_card": {"flair_version": "0.13.1", "pytorch_version": "2.1.0", "training_parameters": {
            "base_path": "resources/taggers/ner", "optimizer": "torch.optim.sgd.SGD", "plugins": [],
            "learning_rate": 0.1}},
    }
    return data_pkl(state, 4)


def main():
    for name, make in (("fastai_vision.pkl", fastai_vision), ("fastai_tabular.pkl", fastai_tabular),
                       ("flair_tagger_legacy.pkl", flair_legacy), ("flair_tagger_state.pkl", flair_state)):
        with open(os.path.join(HERE, name), "wb") as f:
            f.write(make())


if __name__ == "__main__":
    main()
