#!/usr/bin/python3
"""Pickles of sklearn2pmml, scikit-lego, madmom and sinabs objects, for the
ecosystems allow.tsv lists from their source (Debian packages none of them).

    /usr/bin/python3 formats/pickle/testdata/pmml/make.py

The libraries' classes are stand-ins registered under the real module
names, with the attributes the real objects have (read at the commits
allow.tsv names), pickled the way the libraries save them: joblib.dump's
pickle stream for a PMMLPipeline (sklearn2pmml's _joblib_dump, whose zlib
wrapper the joblib analyzer removes), pickle protocol 2 for madmom
(Processor.dump: pickle.dump(self, f, protocol=2), so map is written as
itertools.imap) and torch.save's data.pkl for a sinabs model. Values are
small and fixed, so a rerun writes the same bytes.
"""
import io
import os
import pickle
import sys
import types
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
from stubs import module  # noqa: E402


def obj(cls, **attrs):
    o = cls.__new__(cls)
    o.__dict__.update(attrs)
    return o


def classes(modname, *names, base=object):
    made = {n: type(n, (base,), {}) for n in names}
    module(modname, **made)
    return made


def sklearn2pmml():
    """A fitted PMMLPipeline: domains, transformers, a selector proxy, a
    GBDT+LM regressor, a verification record and a customization."""
    import numpy as np
    from sklearn.ensemble import GradientBoostingRegressor
    from sklearn.feature_selection import SelectKBest
    from sklearn.linear_model import LinearRegression
    from sklearn.preprocessing import OneHotEncoder

    p = classes("sklearn2pmml.pipeline", "PMMLPipeline", "_Verification")
    d = classes("sklearn2pmml.decoration", "ContinuousDomain", "CategoricalDomain", "MultiDomain", "Alias")
    t = classes("sklearn2pmml.preprocessing", "CastTransformer", "MultiLookupTransformer", "DaysSinceYearTransformer",
                "ConcatTransformer", "SubstringTransformer", "ReplaceTransformer", "MatchesTransformer")
    top = classes("sklearn2pmml", "SelectorProxy")
    fs = classes("sklearn2pmml.feature_selection", "SelectUnique")
    en = classes("sklearn2pmml.ensemble", "GBDTLMRegressor")
    cu = classes("sklearn2pmml.customization", "Customization")
    x, y = np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0]]), np.array([0.0, 1.0, 1.0, 0.0])
    treatments = dict(missing_values=None, missing_value_treatment="as_is", missing_value_replacement=None,
                      invalid_value_treatment="return_invalid", invalid_value_replacement=None, with_data=True,
                      with_statistics=False, dtype=None, display_name=None)
    steps = [
        ("cont", obj(d["MultiDomain"], domains=[obj(d["ContinuousDomain"], outlier_treatment="as_is", low_value=None,
                                                     high_value=None, data_min_=np.float64(0), data_max_=np.float64(1),
                                                     **treatments),
                                                 obj(d["CategoricalDomain"], data_values_=np.array(["a", "b"], dtype=object),
                                                     **treatments)])),
        ("alias", obj(d["Alias"], transformer=obj(t["ConcatTransformer"], separator="/"), name="joined", prefit=False)),
        ("cast", obj(t["CastTransformer"], dtype="category", dtype_=str)),
        ("lookup", obj(t["MultiLookupTransformer"], mapping={("a", "b"): 1.0}, default_value=0.0, dtype=None)),
        ("days", obj(t["DaysSinceYearTransformer"], year=1900)),
        ("sub", obj(t["SubstringTransformer"], begin=0, end=2)),
        ("replace", obj(t["ReplaceTransformer"], pattern="[0-9]", replacement="#", re_flavour="re")),
        ("matches", obj(t["MatchesTransformer"], pattern="^A", re_flavour="re")),
        ("unique", obj(fs["SelectUnique"], support_mask_=np.array([True, True]))),
        ("select", obj(top["SelectorProxy"], selector=SelectKBest(k=1).fit(x, y), support_mask_=np.array([True, False]))),
        ("gbdtlm", obj(en["GBDTLMRegressor"], gbdt=GradientBoostingRegressor(n_estimators=2), lm=LinearRegression(),
                       gbdt_=GradientBoostingRegressor(n_estimators=2).fit(x, y), ohe_=OneHotEncoder(),
                       lm_=LinearRegression().fit(x, y))),
    ]
    pipe = obj(p["PMMLPipeline"], steps=steps, memory=None, verbose=False, header=None, predict_transformer=None,
               predict_proba_transformer=None, apply_transformer=None, active_fields=np.array(["x1", "x2"]),
               target_fields=np.array(["y"]),
               verification=obj(p["_Verification"], active_values=x, target_values=y, precision=1e-13,
                                zeroThreshold=1e-13),
               pmml_customizations_=np.array([obj(cu["Customization"], command="insert", xpath_expr="//x",
                                                  pmml_element="<Extension/>")], dtype=object))
    return pickle.dumps(pipe, protocol=4)


def sklego():
    """An EstimatorTransformer over a real estimator and an IdentityTransformer."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    it = classes("sklego.preprocessing.identitytransformer", "IdentityTransformer")["IdentityTransformer"]
    et = classes("sklego.meta.estimator_transformer", "EstimatorTransformer")["EstimatorTransformer"]
    oc = classes("sklego.meta.ordinal_classification", "OrdinalClassifier")["OrdinalClassifier"]
    x, y = np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0]]), np.array([0, 1, 1, 0])
    lr = LogisticRegression().fit(x, y)
    return pickle.dumps([obj(it, check_X=False, n_samples_=4, n_features_in_=2),
                         obj(et, estimator=LogisticRegression(), predict_func="predict_proba", check_input=False,
                             multi_output_=False, estimator_=lr, n_features_in_=2),
                         obj(oc, estimator=LogisticRegression(), n_jobs=None, use_calibration=False,
                             calibration_kwargs=None, classes_=np.array([0, 1]), estimators_={0: lr})], protocol=4)


def madmom():
    """Processor.dump of a SequentialProcessor as madmom_models' notes_cnn
    holds it: a ParallelProcessor with map, a NeuralNetwork of recurrent,
    LSTM and feed-forward layers with their activation functions, and
    numpy.dstack as a function step."""
    import numpy as np

    acts = {}
    for n in ("sigmoid", "tanh", "linear", "elu", "relu", "softmax"):
        f = types.FunctionType((lambda x, out=None: x).__code__, {}, n)
        acts[n] = f
    module("madmom.ml.nn.activations", **acts)
    lay = classes("madmom.ml.nn.layers", "FeedForwardLayer", "RecurrentLayer", "BidirectionalLayer", "Gate", "Cell",
                  "LSTMLayer", "ConvolutionalLayer", "BatchNormLayer", "ReshapeLayer", "TransposeLayer")
    nn = classes("madmom.ml.nn", "NeuralNetwork")["NeuralNetwork"]
    proc = classes("madmom.processors", "SequentialProcessor", "ParallelProcessor")
    w, b = np.ones((2, 2), dtype=np.float32), np.zeros(2, dtype=np.float32)

    def gate(act):
        return obj(lay["Gate"], weights=w, bias=b, recurrent_weights=w, peephole_weights=b, activation_fn=act, init=b)

    lstm = obj(lay["LSTMLayer"], input_gate=gate(acts["sigmoid"]), forget_gate=gate(acts["sigmoid"]),
               cell=obj(lay["Cell"], weights=w, bias=b, recurrent_weights=w, activation_fn=acts["tanh"], init=b),
               output_gate=gate(acts["sigmoid"]), activation_fn=acts["tanh"], init=b, cell_init=b)
    rnn = obj(lay["RecurrentLayer"], weights=w, bias=b, recurrent_weights=w, activation_fn=acts["tanh"], init=b)
    net = obj(nn, layers=[
        obj(lay["BidirectionalLayer"], fwd_layer=lstm, bwd_layer=rnn),
        obj(lay["ConvolutionalLayer"], weights=w, bias=b, stride=1, pad="valid", activation_fn=acts["elu"]),
        obj(lay["BatchNormLayer"], beta=b, gamma=b, mean=b, inv_std=b, activation_fn=acts["relu"]),
        obj(lay["ReshapeLayer"], newshape=(-1, 2), order="C"),
        obj(lay["TransposeLayer"], axes=(1, 0)),
        obj(lay["FeedForwardLayer"], weights=w, bias=b, activation_fn=acts["softmax"]),
        obj(lay["FeedForwardLayer"], weights=w, bias=b, activation_fn=acts["linear"]),
    ])
    par = obj(proc["ParallelProcessor"], processors=[net, net], map=map)
    seq = obj(proc["SequentialProcessor"], processors=[par, np.dstack])
    return pickle.dumps(seq, protocol=2)


def sinabs():
    """torch.save of an nn.Sequential of a Conv2d and an IAFSqueeze layer
    whose spike_fn is the MultiSpike class, with a MembraneSubtract reset
    and a PeriodicExponential surrogate gradient: the data.pkl."""
    import torch

    iaf = classes("sinabs.layers.iaf", "IAFSqueeze", base=torch.nn.Module)["IAFSqueeze"]
    ms = classes("sinabs.activation.spike_generation", "MultiSpike", base=torch.autograd.Function)["MultiSpike"]
    rs = classes("sinabs.activation.reset_mechanism", "MembraneSubtract")["MembraneSubtract"]
    sg = classes("sinabs.activation.surrogate_gradient_fn", "PeriodicExponential")["PeriodicExponential"]
    layer = iaf()
    layer.__dict__.update(spike_threshold=torch.tensor(1.0), spike_fn=ms, reset_fn=obj(rs, subtract_value=None),
                          surrogate_grad_fn=obj(sg, grad_width=0.5, grad_scale=1.0), min_v_mem=None,
                          record_states=False, batch_size=None, num_timesteps=None)
    layer.register_buffer("v_mem", torch.zeros(0))
    model = torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3, bias=False), layer)
    for p in model.parameters():
        torch.nn.init.constant_(p, 0.5)
    buf = io.BytesIO()
    torch.save(model, buf)
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as z:
        return z.read(next(n for n in z.namelist() if n.endswith("data.pkl")))


def main():
    for name, make in (("sklearn2pmml", sklearn2pmml), ("sklego", sklego), ("madmom", madmom), ("sinabs", sinabs)):
        with open(os.path.join(HERE, name + ".pkl"), "wb") as f:
            f.write(make())


if __name__ == "__main__":
    main()
