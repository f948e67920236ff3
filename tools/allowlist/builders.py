"""Real objects of each ecosystem, built and fitted small, and the classes
the generator enumerates without instantiating. Every builder is
deterministic (fixed seeds, one worker) so the pickles, and therefore the
globals they name, are the same on every run."""
import collections
import dataclasses
import datetime
import decimal
import enum
import fractions
import functools
import io
import os
import pathlib
import re
import shutil
import typing
import uuid
import warnings

warnings.filterwarnings("ignore")


def _safe(items, f, *a, **k):
    """Appends f(*a, **k); a builder that breaks on this library version is
    left out, so the output records what this version really pickles."""
    try:
        items.append(f(*a, **k))
    except Exception:  # noqa: BLE001 - version drift in a library
        pass


def stdlib():
    import argparse
    import array
    import types

    Point = collections.namedtuple("Point", "x y")  # noqa: F841 - pickles by its own module name
    return [
        collections.OrderedDict(a=1), collections.defaultdict(list, a=[1]), collections.Counter("aab"),
        collections.deque([1, 2], maxlen=5),
        datetime.datetime(2020, 1, 2, 3, 4, 5, 6), datetime.date(2020, 1, 2), datetime.time(1, 2),
        datetime.timedelta(days=1), datetime.timezone(datetime.timedelta(hours=1)),
        datetime.datetime(2020, 1, 2, tzinfo=datetime.timezone.utc),
        decimal.Decimal("1.5"), fractions.Fraction(1, 3), uuid.UUID(int=7), re.compile(r"a+b", re.I),
        complex(1, 2), set([1]), frozenset([2]), bytearray(b"x"), range(3), slice(1, 2), Ellipsis,
        NotImplemented, array.array("d", [1.0]), types.SimpleNamespace(a=1), argparse.Namespace(lr=0.1),
        ValueError("x"), KeyError("k"), {"hashfxn": hash, "len": len},
    ]


def numpy_objects():
    import numpy as np

    r = np.random.RandomState(0)
    items = [
        np.arange(6, dtype=np.float32).reshape(2, 3), np.array([1, 2], dtype=np.int64), np.float64(1.5),
        np.int32(3), np.bool_(True), np.str_("s"), np.datetime64("2020-01-01"), np.timedelta64(1, "D"),
        np.dtype("f4"), np.dtype([("a", "<i4"), ("b", "<f8")]),
        np.rec.array([(1, 2.0)], dtype=[("a", "<i4"), ("b", "<f8")]),
        np.zeros(2, dtype=[("a", "<i4"), ("b", "<f8")])[0], np.matrix([[1, 2]]), np.ma.masked_array([1, 2], mask=[0, 1]),
        np.array(["a", None], dtype=object), np.complex128(1j), np.float16(1), np.longdouble(1),
        r, np.random.default_rng(0), np.random.SeedSequence(1),
    ]
    for bg in ("MT19937", "PCG64", "PCG64DXSM", "Philox", "SFC64"):
        _safe(items, getattr(np.random, bg), 0)
    _safe(items, lambda: np.random.Generator(np.random.Philox(1)))
    return items


def scipy_objects():
    import numpy as np
    import scipy.interpolate as si
    import scipy.sparse as sp
    import scipy.spatial as ss
    import scipy.stats as st

    m = sp.random(4, 4, density=0.5, random_state=0)
    items = [m.tocsr(), m.tocsc(), m.tocoo(), m.tolil(), m.todok(), m.tobsr(), m.todia()]
    for name in ("csr_array", "csc_array", "coo_array", "lil_array", "dok_array", "bsr_array", "dia_array"):
        _safe(items, getattr(sp, name), m)
    x = np.linspace(0, 1, 6)
    items += [st.norm(0, 1), st.gamma(2.0), st.poisson(3), st.gaussian_kde(np.arange(5.0)),
              si.interp1d(x, x ** 2), si.CubicSpline(x, x ** 2), si.UnivariateSpline(x, x ** 2),
              si.PchipInterpolator(x, x), si.RegularGridInterpolator((x,), x), si.BSpline(np.arange(8.0), np.ones(4), 3),
              ss.KDTree(np.eye(3)), ss.cKDTree(np.eye(3))]
    return items


def pandas_objects():
    import numpy as np
    import pandas as pd

    df = pd.DataFrame({"a": [1, 2], "b": [1.5, 2.5], "c": ["x", "y"],
                       "d": pd.Categorical(["u", "v"]), "t": pd.to_datetime(["2020-01-01", "2020-01-02"])})
    items = [df, df["a"], df._mgr, pd.Series([1, None], dtype="Int64"), pd.Series([True, None], dtype="boolean"),
             pd.Series(["a", None], dtype="string"), pd.Series([1.0, None], dtype="Float64"),
             pd.Timestamp("2020-01-01"), pd.Timestamp("2020-01-01", tz="UTC"), pd.Timedelta("1D"),
             pd.Period("2020-01", freq="M"), pd.Interval(0, 1), pd.NaT, pd.NA,
             pd.Categorical(["a", "b", "a"]), pd.arrays.SparseArray([0, 0, 1]),
             pd.Series(pd.arrays.SparseArray([0.0, 1.0])),
             pd.Index([1, 2]), pd.Index([1.0, 2.5]), pd.Index(["a", "b"]), pd.RangeIndex(3),
             pd.CategoricalIndex(["a", "b"]), pd.DatetimeIndex(["2020-01-01"]),
             pd.date_range("2020-01-01", periods=2, tz="Europe/Paris"),
             pd.TimedeltaIndex(["1D"]), pd.PeriodIndex(["2020-01"], freq="M"),
             pd.IntervalIndex.from_breaks([0, 1, 2]), pd.MultiIndex.from_tuples([(1, "a"), (2, "b")]),
             pd.Index([True, False]), pd.Index([1, 2], dtype="UInt8"),
             pd.DataFrame(np.eye(2), index=pd.MultiIndex.from_tuples([(1, "a"), (2, "b")])),
             pd.offsets.Day(2), pd.offsets.MonthEnd(), pd.offsets.Week(weekday=1), pd.offsets.BusinessDay(),
             # every SingleConstructorOffset pickles as a call of its class with its attributes
             # (offsets.pyx __reduce__), so a DatetimeIndex of any frequency names its offset as a call
             pd.offsets.Hour(), pd.offsets.Minute(), pd.offsets.Second(), pd.offsets.Milli(), pd.offsets.Micro(),
             pd.offsets.Nano(), pd.offsets.MonthBegin(), pd.offsets.BusinessMonthEnd(), pd.offsets.BusinessMonthBegin(),
             pd.offsets.QuarterEnd(startingMonth=3), pd.offsets.QuarterBegin(startingMonth=1), pd.offsets.BQuarterEnd(),
             pd.offsets.BQuarterBegin(), pd.offsets.YearEnd(), pd.offsets.YearBegin(), pd.offsets.BYearEnd(),
             pd.offsets.BYearBegin(), pd.offsets.SemiMonthEnd(), pd.offsets.SemiMonthBegin(),
             pd.offsets.WeekOfMonth(week=1, weekday=2), pd.offsets.LastWeekOfMonth(weekday=4), pd.offsets.Easter(),
             pd.date_range("2020-01-01", periods=3, freq="H"), pd.date_range("2020-01-01", periods=3, freq="MS"),
             pd.DateOffset(months=1), pd.CategoricalDtype(["a", "b"]), pd.DatetimeTZDtype(tz="UTC"),
             pd.PeriodDtype("D"), pd.IntervalDtype("int64"), pd.SparseDtype("float64")]
    _safe(items, lambda: df.groupby("c").sum())
    _safe(items, lambda: pd.Series([1, 2], index=pd.MultiIndex.from_product([["a"], [1, 2]])))
    return items


def sklearn_objects():
    import numpy as np
    from sklearn.utils import all_estimators

    rng = np.random.RandomState(0)
    X = rng.rand(30, 4)
    y = (X[:, 0] > 0.5).astype(int)
    yr = X[:, 1]
    items = []
    for name, Est in all_estimators():
        try:
            est = Est()
        except Exception:
            continue
        for target in (y, yr, None):
            try:
                if target is None:
                    est.fit(X)
                else:
                    est.fit(X, target)
                break
            except Exception:
                continue
        items.append(est)
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.linear_model import LogisticRegression
    from sklearn.feature_selection import SelectKBest, f_classif
    items.append(make_pipeline(StandardScaler(), LogisticRegression()).fit(X, y))
    items.append(SelectKBest(f_classif, k=2).fit(X, y))
    # every built-in scorer: a search estimator keeps one (scorer_) holding its metric function
    from sklearn.metrics import get_scorer, get_scorer_names
    items.extend(get_scorer(n) for n in get_scorer_names())
    return items


def sklearn_enumerated():
    from sklearn.utils import all_estimators
    return [(cls.__module__, cls.__qualname__, cls) for _, cls in all_estimators()]


def statsmodels_objects():
    import numpy as np
    import statsmodels.api as sm
    from statsmodels.tsa.arima.model import ARIMA
    from statsmodels.tsa.holtwinters import ExponentialSmoothing

    rng = np.random.RandomState(0)
    X = sm.add_constant(rng.rand(40, 2))
    y = X @ np.array([1.0, 2.0, -1.0]) + rng.rand(40) * 0.1
    yb = (rng.rand(40) > 0.5).astype(float)
    items = [sm.OLS(y, X).fit(), sm.WLS(y, X).fit(), sm.GLS(y, X).fit(),
             sm.GLM(yb, X, family=sm.families.Binomial()).fit(), sm.GLM(y, X).fit()]
    _safe(items, lambda: sm.Logit(yb, X).fit(disp=0))
    _safe(items, lambda: sm.RLM(y, X).fit())
    _safe(items, lambda: sm.QuantReg(y, X).fit())
    ts = np.cumsum(rng.rand(60))
    _safe(items, lambda: ARIMA(ts, order=(1, 0, 0)).fit())
    _safe(items, lambda: ExponentialSmoothing(ts).fit())
    _safe(items, lambda: sm.tsa.AutoReg(ts, lags=1).fit())
    # Penalized fits: elastic net (RegularizedResults and its wrapper) and
    # L1 (the results keep fit_l1_slsqp in mle_settings).
    _safe(items, lambda: sm.OLS(y, X).fit_regularized(method="elastic_net", alpha=0.1, L1_wt=0.5))
    _safe(items, lambda: sm.GLM(y, X).fit_regularized(method="elastic_net", alpha=0.1))
    _safe(items, lambda: sm.Logit(yb, X).fit_regularized(method="l1", alpha=0.1, disp=0))
    _safe(items, lambda: sm.Poisson(np.round(y * 2), X).fit_regularized(method="l1", alpha=0.1, disp=0))
    return items + statsmodels_formula_objects()


def gensim_objects():
    from gensim.corpora import Dictionary
    from gensim.models import Doc2Vec, FastText, LdaModel, Phrases, TfidfModel, Word2Vec, LsiModel
    from gensim.models.doc2vec import TaggedDocument
    from gensim.models.phrases import FrozenPhrases

    texts = [["human", "computer", "interface", "system"], ["user", "computer", "system", "response"],
             ["graph", "trees", "minors", "survey"], ["graph", "minors", "trees", "user"]] * 3
    d = Dictionary(texts)
    corpus = [d.doc2bow(t) for t in texts]
    w2v = Word2Vec(texts, vector_size=4, min_count=1, workers=1, seed=1, epochs=1)
    items = [d, w2v, w2v.wv,
             Doc2Vec([TaggedDocument(t, [i]) for i, t in enumerate(texts)], vector_size=4, min_count=1,
                     workers=1, seed=1, epochs=1),
             FastText(texts, vector_size=4, min_count=1, workers=1, seed=1, epochs=1, bucket=50),
             LdaModel(corpus, num_topics=2, id2word=d, random_state=1, passes=1),
             TfidfModel(corpus), LsiModel(corpus, num_topics=2, id2word=d)]
    # SMART schemes store functools.partial of the tfidfmodel weighting
    # functions; each letter picks one branch of them.
    for scheme in ("ntc", "lfn", "axu", "bpb", "Ltx", "dnc"):
        _safe(items, TfidfModel, corpus, smartirs=scheme, pivot=1.0 if scheme[2] in "ub" else None, slope=0.5)
    # gensim 3 stored normalize as partial(smartirs_normalize, norm_scheme=n)
    # (tfidfmodel.py, 3.8); gensim 4 takes the same callable as normalize=.
    from gensim.models.tfidfmodel import smartirs_normalize
    _safe(items, TfidfModel, corpus, normalize=functools.partial(smartirs_normalize, norm_scheme="c"))
    # A model that transformed a document holds the normaliser it picked.
    for norm in (True, False):
        m = TfidfModel(corpus, normalize=norm)
        m[corpus[0]]
        items.append(m)
    ph = Phrases(texts, min_count=1, threshold=0.1)
    items += [ph, FrozenPhrases(ph)]
    npmi = Phrases(texts, min_count=1, threshold=-0.5, scoring="npmi")
    items += [npmi, FrozenPhrases(npmi)]
    return items


def gensim_enumerated():
    import importlib
    import pkgutil

    import gensim.corpora
    import gensim.models
    for pkg in (gensim.models, gensim.corpora):
        for m in pkgutil.iter_modules(pkg.__path__):
            try:
                importlib.import_module(pkg.__name__ + "." + m.name)
            except Exception:  # noqa: BLE001 - optional dependencies
                pass
    return _classes_of(None, "gensim.models") + _classes_of(None, "gensim.corpora")


def xgboost_objects():
    import numpy as np
    import xgboost as xgb

    rng = np.random.RandomState(0)
    X = rng.rand(20, 3)
    y = (X[:, 0] > 0.5).astype(int)
    items = []
    for cls in (xgb.XGBClassifier, xgb.XGBRegressor, xgb.XGBRFClassifier, xgb.XGBRFRegressor):
        items.append(cls(n_estimators=2, max_depth=2, n_jobs=1, random_state=0).fit(X, y))
    items.append(xgb.XGBRanker(n_estimators=2, n_jobs=1).fit(X, y, group=[10, 10]))
    items.append(xgb.train({"max_depth": 2, "nthread": 1}, xgb.DMatrix(X, y), 2))
    return items


def torch_objects():
    import io
    import torch

    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3), torch.nn.BatchNorm2d(2), torch.nn.ReLU(),
                              torch.nn.Flatten(), torch.nn.Linear(2, 2), torch.nn.Dropout(0.1))
    rnn = torch.nn.LSTM(2, 2)
    opt = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
    items = [net, rnn, torch.nn.Embedding(3, 2), torch.nn.TransformerEncoderLayer(4, 2, 8),
             torch.nn.GRU(2, 2), torch.nn.LayerNorm(2), torch.nn.MultiheadAttention(4, 2),
             torch.zeros(2, 2), torch.tensor([1, 2], dtype=torch.int64), torch.nn.Parameter(torch.ones(2)),
             torch.zeros(2, dtype=torch.float16), torch.Size([2, 3]), torch.device("cpu"), torch.float32,
             torch.zeros(3).to_sparse(), torch.eye(2).to_sparse_csr(),
             torch.quantize_per_tensor(torch.ones(2), 0.1, 0, torch.quint8),
             net.state_dict(), opt.state_dict(),
             # torch.__version__ (TorchVersion, a str subclass): Lightning and pyannote checkpoints record it.
             {"torch": torch.__version__}]
    for name in ("Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax", "ASGD", "NAdam", "RAdam", "Rprop", "SGD"):
        o = getattr(torch.optim, name)(net.parameters(), lr=0.01)
        items.append(o)
        items.append(o.state_dict())
    for make in (lambda o: torch.optim.lr_scheduler.StepLR(o, 1), lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, 3),
                 lambda o: torch.optim.lr_scheduler.OneCycleLR(o, 1.0, total_steps=5),
                 lambda o: torch.optim.lr_scheduler.ReduceLROnPlateau(o),
                 lambda o: torch.optim.lr_scheduler.ExponentialLR(o, 0.9),
                 lambda o: torch.optim.lr_scheduler.MultiStepLR(o, [1, 2])):
        s = make(torch.optim.SGD(net.parameters(), lr=0.1))
        items.append(s.state_dict())
    return items + torch_distribution_objects()


def torch_distribution_objects():
    """torch.distributions objects as checkpoints hold them (a loss's
    output distribution, a prior), with their lazy properties computed
    and validate_args on, and the constraints and transforms they name."""
    import torch
    from torch import distributions as D
    from torch.distributions import constraints as C
    from torch.distributions import transforms as T

    torch.manual_seed(0)
    one, two = torch.tensor([1.0]), torch.tensor([2.0])
    p, v = torch.tensor([0.3, 0.7]), torch.tensor([0.5])
    cov = torch.eye(2)
    dists = [D.StudentT(3.0, 0.0, 1.0, validate_args=True), D.Normal(one, two), D.Categorical(probs=p),
             D.Categorical(logits=p), D.Bernoulli(probs=v), D.Beta(one, two), D.Gamma(one, two), D.Poisson(one),
             D.NegativeBinomial(one, probs=v), D.MultivariateNormal(torch.zeros(2), cov),
             D.LowRankMultivariateNormal(torch.zeros(2), torch.ones(2, 1), torch.ones(2)),
             D.Independent(D.Normal(torch.zeros(2), torch.ones(2)), 1),
             D.MixtureSameFamily(D.Categorical(probs=p), D.Normal(torch.zeros(2), torch.ones(2))),
             D.LogNormal(one, two), D.Laplace(one, two), D.Cauchy(one, two), D.Dirichlet(p),
             D.Exponential(one), D.Uniform(0.0, 1.0), D.Binomial(3, v), D.Multinomial(3, p),
             D.OneHotCategorical(p), D.RelaxedBernoulli(v, probs=v), D.RelaxedOneHotCategorical(v, probs=p),
             D.Chi2(one), D.FisherSnedecor(one, two), D.Gumbel(one, two), D.HalfNormal(one), D.HalfCauchy(one),
             D.Weibull(one, two), D.VonMises(one, two), D.Kumaraswamy(one, two), D.LKJCholesky(2, 1.0),
             D.Wishart(torch.tensor(3.0), cov), D.Geometric(v), D.ContinuousBernoulli(v), D.Pareto(one, two),
             D.LogisticNormal(torch.zeros(1), torch.ones(1)), D.LowRankMultivariateNormal(torch.zeros(2),
                                                                                         torch.ones(2, 1), torch.ones(2)),
             D.TransformedDistribution(D.Normal(one, two), [T.AffineTransform(0.0, 2.0), T.ExpTransform(),
                                                           T.SigmoidTransform(), T.TanhTransform(),
                                                           T.PowerTransform(two), T.SoftmaxTransform(),
                                                           T.AbsTransform()])]
    for d in dists:
        for attr in ("mean", "variance", "stddev", "logits", "probs", "scale_tril", "covariance_matrix",
                     "precision_matrix", "_unbroadcasted_scale_tril"):
            try:
                getattr(d, attr)
            except Exception:  # noqa: BLE001 - not every distribution has each
                pass
    extra = [C.positive, C.real, C.interval(0.0, 1.0), C.simplex, C.lower_cholesky, C.positive_definite,
             C.integer_interval(0, 3), C.greater_than(0.0), C.independent(C.real, 1), C.boolean,
             C.nonnegative_integer, C.unit_interval, C.real_vector, C.stack([C.real], 0), C.cat([C.real], 0),
             T.ComposeTransform([T.ExpTransform(), T.AffineTransform(0.0, 1.0)]), T.StickBreakingTransform(),
             T.LowerCholeskyTransform(), T.CorrCholeskyTransform(), T.ReshapeTransform((2,), (2, 1)),
             T.IndependentTransform(T.ExpTransform(), 1), T.identity_transform, T.CatTransform([T.ExpTransform()]),
             T.StackTransform([T.ExpTransform()]), T.ExpTransform().inv]
    return dists + extra


def torch_enumerated():
    import torch.distributions
    import torch.nn
    import torch.optim
    return _classes_of(None, "torch.nn.modules") + _classes_of(None, "torch.optim") + \
        _classes_of(None, "torch.distributions")


def torchvision_objects():
    import torch
    import torchvision

    torch.manual_seed(0)
    t = torchvision.transforms
    return [torchvision.models.resnet18(num_classes=2).layer1, torchvision.models.squeezenet1_0(num_classes=2).features[0],
            t.Compose([t.Resize(4), t.CenterCrop(4), t.ToTensor(), t.Normalize([0.5], [0.5])]),
            torchvision.ops.FrozenBatchNorm2d(2), torchvision.models.mobilenet_v2(num_classes=2).features[1]]


def torchvision_enumerated():
    import torchvision.models
    import torchvision.ops
    import torchvision.transforms
    out = _classes_of(torchvision.models, "torchvision.models")
    out += _classes_of(torchvision.ops, "torchvision.ops")
    out += _classes_of(torchvision.transforms, "torchvision.transforms")
    return out


def torchaudio_objects():
    import torch
    import torchaudio

    torch.manual_seed(0)
    T = torchaudio.transforms
    return [T.MelSpectrogram(n_fft=64, n_mels=8), T.MFCC(n_mfcc=4, melkwargs={"n_fft": 64, "n_mels": 8}),
            T.Resample(16000, 8000), T.AmplitudeToDB(), T.Spectrogram(n_fft=32)]


def torchaudio_enumerated():
    import torchaudio.transforms
    return _classes_of(torchaudio.transforms, "torchaudio.transforms")


def nltk_objects():
    from nltk.probability import ConditionalFreqDist, FreqDist
    from nltk.stem import PorterStemmer, SnowballStemmer, WordNetLemmatizer
    from nltk.tag.perceptron import AveragedPerceptron
    from nltk.tokenize import RegexpTokenizer, TreebankWordTokenizer, WordPunctTokenizer
    from nltk.tokenize.punkt import PunktParameters, PunktSentenceTokenizer, PunktTrainer
    from nltk.tree import Tree

    tr = PunktTrainer()
    tr.train("Mr. Smith went home. He saw Dr. Brown. It rained.", finalize=True)
    ap = AveragedPerceptron()
    ap.weights = {"f": {"NN": 1.0}}
    return [FreqDist("abca"), ConditionalFreqDist([("a", "b")]), PorterStemmer(), SnowballStemmer("english"),
            WordNetLemmatizer(), RegexpTokenizer(r"\w+"), TreebankWordTokenizer(), WordPunctTokenizer(),
            PunktParameters(), PunktSentenceTokenizer(tr.get_params()), ap, Tree("S", ["a"])]


def pandas_enumerated():
    import pandas  # noqa: F401 - imports pandas.core
    return _classes_of(None, "pandas.core") + _classes_of(None, "pandas._libs")


def scipy_enumerated():
    import scipy.interpolate  # noqa: F401
    import scipy.sparse  # noqa: F401
    import scipy.spatial  # noqa: F401
    import scipy.stats  # noqa: F401
    out = []
    for p in ("scipy.sparse", "scipy.interpolate", "scipy.spatial", "scipy.stats"):
        out += _classes_of(None, p)
    return out


def statsmodels_enumerated():
    import statsmodels.api  # noqa: F401
    out = []
    for p in ("statsmodels.regression", "statsmodels.genmod", "statsmodels.discrete", "statsmodels.robust",
              "statsmodels.tsa", "statsmodels.base"):
        out += _classes_of(None, p)
    return out


def nltk_enumerated():
    import nltk.probability  # noqa: F401
    import nltk.stem  # noqa: F401
    import nltk.tag  # noqa: F401
    import nltk.tokenize  # noqa: F401
    import nltk.tree  # noqa: F401
    out = []
    for p in ("nltk.probability", "nltk.stem", "nltk.tag", "nltk.tokenize", "nltk.tree"):
        out += _classes_of(None, p)
    return out


def xgboost_enumerated():
    import xgboost  # noqa: F401
    return _classes_of(None, "xgboost")


def _xy():
    import numpy as np
    rng = np.random.RandomState(0)
    X = rng.rand(40, 4)
    return X, (X[:, 0] > 0.5).astype(int)


def imblearn_objects():
    from imblearn.utils.testing import all_estimators
    from imblearn.pipeline import make_pipeline
    from imblearn.over_sampling import SMOTE
    from sklearn.linear_model import LogisticRegression

    X, y = _xy()
    items = []
    for _name, Est in all_estimators():
        try:
            est = Est()
        except Exception:  # noqa: BLE001 - estimators with required arguments
            continue
        try:
            if hasattr(est, "fit_resample"):
                est.fit_resample(X, y)
            else:
                est.fit(X, y)
        except Exception:  # noqa: BLE001 - kept unfitted
            pass
        items.append(est)
    _safe(items, lambda: make_pipeline(SMOTE(random_state=0), LogisticRegression()).fit(X, y))
    return items


def imblearn_enumerated():
    from imblearn.utils.testing import all_estimators
    return [(cls.__module__, cls.__qualname__, cls) for _, cls in all_estimators()]


def networkx_objects():
    import networkx as nx

    items = []
    for cls in (nx.Graph, nx.DiGraph, nx.MultiGraph, nx.MultiDiGraph):
        g = cls(name="g")
        g.add_edge(1, 2, weight=0.5)
        g.add_node("a", label="x")
        items.append(g)
    items += [nx.karate_club_graph(), nx.path_graph(4).to_directed(), nx.minimum_spanning_tree(nx.cycle_graph(4))]
    return items


def networkx_enumerated():
    import networkx.classes  # noqa: F401
    return _classes_of(None, "networkx.classes")


def keras_preprocessing_objects():
    import numpy as np
    from keras_preprocessing.image import ImageDataGenerator
    from keras_preprocessing.sequence import TimeseriesGenerator
    from keras_preprocessing.text import Tokenizer

    texts = ["the cat sat", "the dog ran", "a cat and a dog"]
    items = []
    for kw in ({}, {"num_words": 5, "oov_token": "<unk>"}, {"char_level": True, "lower": False}):
        t = Tokenizer(**kw)
        t.fit_on_texts(texts)
        t.texts_to_sequences(texts)
        items.append(t)
    t = Tokenizer()
    t.fit_on_sequences([[1, 2], [2, 3]])
    items.append(t)
    items.append(ImageDataGenerator(rescale=1.0 / 255, rotation_range=10, horizontal_flip=True))
    _safe(items, TimeseriesGenerator, np.arange(10.0), np.arange(10.0), length=2)
    return items


def keras_preprocessing_enumerated():
    import keras_preprocessing.image  # noqa: F401
    import keras_preprocessing.sequence  # noqa: F401
    import keras_preprocessing.text  # noqa: F401
    return _classes_of(None, "keras_preprocessing")


def sklearn_pandas_objects():
    import pandas as pd
    from sklearn.preprocessing import LabelBinarizer, StandardScaler
    from sklearn_pandas import DataFrameMapper, gen_features

    df = pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": ["x", "y", "x"], "c": [3.0, 2.0, 1.0]})
    items = []
    for kw in ({}, {"df_out": True}, {"default": None, "sparse": True}):
        m = DataFrameMapper([(["a"], StandardScaler()), ("b", LabelBinarizer()),
                             (["c"], [StandardScaler()], {"alias": "cc"})], **kw)
        _safe(items, m.fit, df)
    _safe(items, lambda: DataFrameMapper(gen_features(columns=[["a"], ["c"]], classes=[StandardScaler])).fit(df))
    return items


def sklearn_pandas_enumerated():
    import sklearn_pandas  # noqa: F401
    return _classes_of(None, "sklearn_pandas")


def skimage_objects():
    import numpy as np
    from skimage import transform as tf

    src = np.array([[0, 0], [0, 1], [1, 1], [1, 0], [0.5, 0.2]], dtype=float)
    dst = src * 2 + 1
    items = []
    for cls in (tf.SimilarityTransform, tf.AffineTransform, tf.EuclideanTransform, tf.ProjectiveTransform,
                tf.PolynomialTransform, tf.PiecewiseAffineTransform, tf.EssentialMatrixTransform,
                tf.FundamentalMatrixTransform):
        t = cls()
        _safe(items, lambda t=t: (t.estimate(src, dst), t)[1])
    return items


def skimage_enumerated():
    import skimage.transform  # noqa: F401
    return _classes_of(None, "skimage.transform")


def sentencepiece_objects():
    import io
    import sentencepiece as spm

    model = io.BytesIO()
    text = ["the cat sat on the mat", "a dog ran to the cat", "cats and dogs and mats"] * 20
    spm.SentencePieceTrainer.train(sentence_iterator=iter(text), model_writer=model, vocab_size=30,
                                   model_type="bpe", minloglevel=2, num_threads=1, seed_sentencepiece_size=100,
                                   normalization_rule_name="identity")
    return [spm.SentencePieceProcessor(model_proto=model.getvalue())]


def optuna_objects():
    import optuna

    optuna.logging.set_verbosity(optuna.logging.ERROR)

    def objective(t):
        return t.suggest_float("x", 0, 1) ** 2 + t.suggest_int("n", 1, 3) + len(t.suggest_categorical("c", ["a", "bb"]))

    items = []
    for sampler in (optuna.samplers.TPESampler(seed=0), optuna.samplers.RandomSampler(seed=0),
                    optuna.samplers.CmaEsSampler(seed=0), optuna.samplers.QMCSampler(seed=0),
                    optuna.samplers.NSGAIISampler(seed=0)):
        try:
            st = optuna.create_study(sampler=sampler, pruner=optuna.pruners.MedianPruner())
            st.optimize(objective, n_trials=3)
        except Exception:  # noqa: BLE001 - optional dependencies of a sampler
            continue
        items += [st, st.best_trial, st.trials, st.best_params]
    return items


def optuna_enumerated():
    import optuna.distributions  # noqa: F401
    import optuna.pruners  # noqa: F401
    import optuna.samplers  # noqa: F401
    import optuna.trial  # noqa: F401
    out = []
    for p in ("optuna.distributions", "optuna.pruners", "optuna.samplers", "optuna.trial"):
        out += _classes_of(None, p)
    return out


class OcMode(enum.Enum):
    """A user enum of a structured config (pickled as builders.OcMode, a
    global of no ecosystem: what counts is what omegaconf stores beside it)."""
    TRAIN = 1
    EVAL = 2


@dataclasses.dataclass
class OcOptim:
    """A user structured config: every node type omegaconf types fields with."""
    lr: float = 0.1
    name: str = "adam"
    steps: int = 3
    nesterov: bool = False
    blob: bytes = b"x"
    out: pathlib.Path = pathlib.Path("runs")
    mode: OcMode = OcMode.TRAIN
    betas: typing.List[float] = dataclasses.field(default_factory=lambda: [0.9, 0.99])
    extra: typing.Dict[str, int] = dataclasses.field(default_factory=dict)
    warmup: typing.Optional[int] = None
    required: str = "???"


def omegaconf_objects():
    from omegaconf import OmegaConf

    plain = OmegaConf.create({
        "model": {"lr": 0.001, "layers": [64, 32, {"act": "relu"}], "name": "net"},
        "trainer": {"max_epochs": 3, "lr": "${model.lr}", "home": "${oc.env:HOME,/tmp}",
                    "run": "${now:%Y}-${model.name}"},
        "none": None, "missing": "???", "ratio": 0.5, "flag": True,
    })
    items = [plain, plain.model, OmegaConf.create([1, "${0}", {"k": [1, 2]}, None]),
             OmegaConf.create({"a": 1}, flags={"readonly": True})]
    for f in (lambda: OmegaConf.structured(OcOptim), lambda: OmegaConf.merge(OmegaConf.structured(OcOptim), {"lr": 0.2}),
              lambda: OmegaConf.structured(OcOptim(lr=3.0))):
        _safe(items, f)
    return items


def omegaconf_enumerated():
    """The config and node classes under the modules that define them; the
    names these modules import (the grammar parser and visitor, errors,
    _utils.ValueKind) are not what a config pickles."""
    import omegaconf  # noqa: F401
    own = ("omegaconf.base", "omegaconf.basecontainer", "omegaconf.dictconfig", "omegaconf.listconfig", "omegaconf.nodes")
    return [(m, n, c) for m, n, c in _classes_of(None, "omegaconf") if m in own and c.__module__ == m]


def xarray_objects():
    """DataArrays and Datasets over every index kind a forecasting library or
    a user keeps: default (no coordinate), integer, string, datetime with a
    frequency, timezone-aware, multi-index, plus attrs and a non-index
    coordinate. Built in memory: no backend (file) object is involved."""
    import numpy as np
    import pandas as pd
    import xarray as xr

    t = pd.date_range("2020-01-01", periods=3, freq="10T")
    da = xr.DataArray(np.arange(6.0).reshape(3, 2), dims=("time", "component"),
                      coords={"time": t, "component": ["a", "b"]}, name="x", attrs={"units": "m"})
    items = [da, da.variable, da.to_dataset(), xr.DataArray(np.arange(3)),
             xr.DataArray(np.arange(3), dims="i", coords={"i": [10, 20, 30], "lbl": ("i", ["p", "q", "r"])}),
             xr.DataArray(np.ones(2), dims="t", coords={"t": pd.date_range("2020", periods=2, tz="UTC")}),
             xr.Dataset({"v": ("s", [1.0, 2.0])}, coords={"s": [0.5, 1.5]}).stack(z=["s"])]
    _safe(items, lambda: xr.DataArray(np.arange(4), dims="m", coords={"m": pd.MultiIndex.from_product(
        [["a", "b"], [1, 2]], names=["p", "q"])}))
    return items


def xarray_enumerated():
    """The core data model classes, under the modules that define them (not
    the backends, coding or plotting modules, which pickles of in-memory
    objects never name)."""
    import xarray  # noqa: F401
    own = ("xarray.core.dataarray", "xarray.core.dataset", "xarray.core.variable", "xarray.core.indexing",
           "xarray.core.indexes", "xarray.core.coordinates")
    return [(m, n, c) for m, n, c in _classes_of(None, "xarray") if m in own and c.__module__ == m]


def rdkit_objects():
    """The RDKit objects its own test data pickles: an rdkit.ML Composite of
    quantized decision trees, a Subshape shape with a UniformGrid3D and
    skeleton points, and free chemical features and points (Boost.Python
    classes whose pickle suites call the class with getinitargs)."""
    from rdkit import Geometry
    from rdkit.Chem import rdChemicalFeatures
    from rdkit.Chem.Subshape import SubshapeObjects
    from rdkit.ML.Composite import Composite
    from rdkit.ML.DecTree import DecTree, QuantTree

    root = QuantTree.QuantTreeNode(None, "DESC0", label=0)
    root.SetQuantBounds([0.5])
    root.AddChildNode(DecTree.DecTreeNode(root, "leaf", label=1, isTerminal=1))
    comp = Composite.Composite()
    comp.AddModel(root, 0.1)
    pt = Geometry.Point3D(1.0, 2.0, 3.0)
    skel = SubshapeObjects.SkeletonPoint(location=pt)
    skel.molFeatures = [rdChemicalFeatures.FreeChemicalFeature("HBondDonor", "HBondDonor1", pt)]
    shape = SubshapeObjects.ShapeWithSkeleton()
    shape.grid = Geometry.UniformGrid3D(2.0, 2.0, 2.0, 0.5)
    shape.skelPts = [skel]
    sub = SubshapeObjects.SubshapeShape()
    sub.shapes = [shape]
    return [comp, root, shape, sub, Geometry.Point2D(1.0, 2.0)]


def rdkit_enumerated():
    """The classes of the modules those objects come from (the ML trees and
    Composite, the Subshape objects): not the rest of RDKit."""
    import rdkit.Chem.Subshape.SubshapeObjects  # noqa: F401
    import rdkit.ML.Composite.Composite  # noqa: F401
    import rdkit.ML.DecTree.QuantTree  # noqa: F401
    own = ("rdkit.ML.Composite.Composite", "rdkit.ML.DecTree.Tree", "rdkit.ML.DecTree.DecTree",
           "rdkit.ML.DecTree.QuantTree", "rdkit.Chem.Subshape.SubshapeObjects")
    return [(m, n, c) for m, n, c in _classes_of(None, "rdkit") if m in own and c.__module__ == m]


def statsmodels_formula_objects():
    """Results of statsmodels' formula API (the models users fit on data
    frames): their data object (PandasData) drops patsy's DesignInfo when
    pickled and rebuilds it at load from the pickled formula."""
    import numpy as np
    import pandas as pd
    import statsmodels.formula.api as smf

    rng = np.random.RandomState(0)
    df = pd.DataFrame({"y": rng.rand(30), "x": rng.rand(30) + 1, "g": list("abc") * 10,
                       "b": (rng.rand(30) > 0.5).astype(float)})
    items = []
    _safe(items, lambda: smf.ols("y ~ x + C(g) + np.log(x)", data=df).fit())
    _safe(items, lambda: smf.logit("b ~ x", data=df).fit(disp=0))
    _safe(items, lambda: smf.glm("y ~ x", data=df).fit())
    return items


def pil_objects():
    """PIL images as datasets and transforms keep them: every mode a model
    input or a palette image has."""
    from PIL import Image

    items = []
    for mode in ("RGB", "RGBA", "L", "P", "1", "I", "F", "I;16", "LA", "CMYK", "YCbCr"):
        _safe(items, Image.new, mode, (3, 2))
    p = Image.new("P", (2, 2))
    p.putpalette([0, 0, 0, 255, 0, 0])
    items.append(p)
    return items


def matplotlib_objects():
    """What models and experiment records hold of matplotlib: colormaps
    (built-in, from a list, listed), norms, and a small figure."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.colors as mc
    import matplotlib.pyplot as plt

    items = [plt.get_cmap("viridis"), plt.get_cmap("jet"), plt.get_cmap("tab10"), plt.get_cmap("coolwarm"),
             mc.LinearSegmentedColormap.from_list("two", ["red", "blue"]), mc.ListedColormap(["r", "g"]),
             mc.Normalize(0, 1), mc.LogNorm(1, 10), mc.BoundaryNorm([0, 1, 2], 2), mc.TwoSlopeNorm(0.5, 0, 1),
             mc.CenteredNorm(), mc.PowerNorm(0.5), mc.SymLogNorm(1.0)]
    fig, ax = plt.subplots()
    ax.plot([1, 2], [3, 4], label="a")
    ax.scatter([1], [2])
    ax.set_title("t")
    ax.legend()
    items.append(fig)
    return items


def matplotlib_enumerated():
    """The colormap and norm classes (not the backends, widgets or
    file-writing animation classes)."""
    import matplotlib.colors  # noqa: F401
    return [(m, n, c) for m, n, c in _classes_of(None, "matplotlib.colors") if c.__module__ == m]


def astropy_objects():
    """Astropy values models and catalogues keep: quantities and units,
    tables with units, times, sky coordinates."""
    import numpy as np
    import astropy.units as u
    from astropy.coordinates import SkyCoord
    from astropy.table import QTable, Table
    from astropy.time import Time, TimeDelta

    items = [3 * u.m, np.arange(3.0) * u.km / u.s, u.Unit("erg/s"), u.dimensionless_unscaled, u.mag, u.deg,
             Table({"a": [1, 2], "b": [1.0, 2.0]}), QTable({"q": [1.0, 2.0] * u.m}),
             Time("2020-01-01"), Time([58000.0, 58001.0], format="mjd"), TimeDelta(1.0, format="jd")]
    _safe(items, lambda: SkyCoord(10 * u.deg, 20 * u.deg))
    _safe(items, lambda: u.Magnitude(3.0))
    _safe(items, lambda: u.Dex(1.0))
    return items


def astropy_enumerated():
    import astropy.units  # noqa: F401
    import astropy.table  # noqa: F401
    import astropy.time  # noqa: F401
    own = ("astropy.units.core", "astropy.units.quantity", "astropy.table.table", "astropy.table.column",
           "astropy.time.core", "astropy.time.formats")
    return [(m, n, c) for m, n, c in _classes_of(None, "astropy") if m in own and c.__module__ == m]


def shapely_objects():
    """Shapely geometries (features of geospatial models, geopandas
    columns): every geometry type, pickled as WKB."""
    import shapely.geometry as g

    return [g.Point(1, 2), g.Point(1, 2, 3), g.LineString([(0, 0), (1, 1)]), g.LinearRing([(0, 0), (1, 0), (1, 1)]),
            g.Polygon([(0, 0), (2, 0), (2, 2)], [[(0.5, 0.2), (1, 0.2), (1, 0.6)]]), g.box(0, 0, 1, 1),
            g.MultiPoint([(0, 0), (1, 1)]), g.MultiLineString([[(0, 0), (1, 1)]]),
            g.MultiPolygon([g.box(0, 0, 1, 1)]), g.GeometryCollection([g.Point(0, 0)])]


def shapely_enumerated():
    import shapely.geometry  # noqa: F401
    return [(m, n, c) for m, n, c in _classes_of(None, "shapely.geometry") if c.__module__ == m]


def biopython_objects():
    """Biopython sequences, records, features and alignments as sequence
    models and their feature pipelines keep them."""
    from Bio.Align import MultipleSeqAlignment
    from Bio.Seq import MutableSeq, Seq
    from Bio.SeqFeature import FeatureLocation, SeqFeature
    from Bio.SeqRecord import SeqRecord

    rec = SeqRecord(Seq("ACGTAC"), id="r1", description="d", annotations={"molecule_type": "DNA"},
                    letter_annotations={"q": [30] * 6})
    rec.features.append(SeqFeature(FeatureLocation(0, 3, strand=1), type="CDS", qualifiers={"gene": ["g"]}))
    return [Seq("ACGT"), MutableSeq("ACGT"), rec,
            MultipleSeqAlignment([SeqRecord(Seq("AC-T"), id="a"), SeqRecord(Seq("ACGT"), id="b")])]


def biopython_enumerated():
    import Bio.Align  # noqa: F401
    import Bio.Seq  # noqa: F401
    import Bio.SeqFeature  # noqa: F401
    import Bio.SeqRecord  # noqa: F401
    own = ("Bio.Seq", "Bio.SeqRecord", "Bio.SeqFeature", "Bio.Align")
    return [(m, n, c) for m, n, c in _classes_of(None, "Bio") if m in own and c.__module__ == m]


def geopandas_objects():
    """GeoDataFrames and GeoSeries as geospatial models and their feature
    tables keep them, with and without a coordinate reference system."""
    import geopandas as gpd
    import shapely.geometry as g

    pts = [g.Point(0, 0), g.Point(1, 1)]
    items = [gpd.GeoDataFrame({"a": [1, 2]}, geometry=pts), gpd.GeoSeries(pts),
             gpd.GeoDataFrame({"a": [1, 2]}, geometry=[g.box(0, 0, 1, 1), g.LineString([(0, 0), (1, 1)])])]
    _safe(items, lambda: gpd.GeoDataFrame({"a": [1, 2]}, geometry=pts, crs="EPSG:4326"))
    _safe(items, lambda: gpd.GeoSeries(pts, crs="EPSG:3857"))
    return items


def geopandas_enumerated():
    import geopandas  # noqa: F401
    own = ("geopandas.geodataframe", "geopandas.geoseries", "geopandas.array", "geopandas.base")
    return [(m, n, c) for m, n, c in _classes_of(None, "geopandas") if m in own and c.__module__ == m]


def pyproj_objects():
    """The coordinate reference systems geopandas objects carry."""
    from pyproj import CRS

    return [CRS("EPSG:4326"), CRS.from_epsg(3857)]


def pynndescent_objects():
    """A fitted nearest-neighbour index (what umap.UMAP holds): its pickle
    carries numba-compiled distance functions through numba's serializer."""
    import numpy as np
    import pynndescent

    X = np.random.RandomState(0).rand(40, 3).astype(np.float32)
    idx = pynndescent.NNDescent(X, n_neighbors=4, random_state=0, n_jobs=1)
    return [idx]


def numba_objects():
    """numba dispatchers (an njit function of a library module) as
    pynndescent and umap hold them."""
    import pynndescent.distances as d

    return [d.euclidean, d.cosine]


def docutils_objects():
    """Docutils document trees as a plain docutils parse makes them,
    with the unpicklable parse-time references dropped the way Sphinx
    drops them before writing a doctree (reporter, transformer, the
    settings' warning stream)."""
    from docutils.core import publish_doctree

    doc = publish_doctree("Title\n=====\n\nText with **strong**, *emphasis* and ``literal``.\n\n"
                          "* one\n* two\n\n.. note:: A note.\n\n.. [#f] A footnote [#f]_.\n\n"
                          "Bad\n==\n", settings_overrides={"report_level": 5, "halt_level": 5})
    _picklable_doctree(doc)
    return [doc]


def _picklable_doctree(doc):
    """What sphinx.builders.Builder.write_doctree clears before it
    pickles a doctree (Sphinx 5.3)."""
    doc.reporter = None
    doc.transformer = None
    doc.settings.warning_stream = None
    doc.settings.env = None
    doc.settings.record_dependencies = None


def _docutils_nodes(prefix):
    import docutils.nodes as n
    return [(m, name, c) for m, name, c in _classes_of(None, prefix)
            if c.__module__ == m and issubclass(c, n.Node)]


def docutils_enumerated():
    """Every node class (not the visitors and transforms), and the
    settings object a document keeps."""
    import docutils.frontend
    import docutils.nodes  # noqa: F401
    return _docutils_nodes("docutils.nodes") + [("docutils.frontend", "Values", docutils.frontend.Values)]


def sphinx_objects():
    """The doctrees a Sphinx build pickles (*.doctree under .doctrees/): a
    two-page project with a toctree, cross-references, footnotes, code,
    admonitions, a todo, math, tables, an image and Python domain objects, built
    with Sphinx's own builder; each doctree is the object Builder.
    write_doctree has just pickled, and the build environment Builder.build
    pickles (environment.pickle: BuildEnvironment.__getstate__ drops the
    application, the domains and the event manager), with the C, C++,
    JavaScript, reST and standard domains' objects and data of the
    extensions most projects enable."""
    import tempfile
    from sphinx.application import Sphinx
    from sphinx.builders import Builder

    src = tempfile.mkdtemp(prefix="mg-sphinx-")
    pages = {
        "conf.py": "project = 'p'\nextensions = ['sphinx.ext.autodoc', 'sphinx.ext.mathjax', 'sphinx.ext.todo',"
                   " 'sphinx.ext.napoleon', 'sphinx.ext.viewcode', 'sphinx.ext.intersphinx', 'sphinx.ext.autosummary',"
                   " 'sphinx.ext.githubpages', 'sphinx.ext.coverage', 'sphinx.ext.doctest', 'sphinx.ext.extlinks',"
                   " 'sphinx.ext.duration']\n",
        "index.rst": "Title\n=====\n\n.. toctree::\n   :maxdepth: 2\n   :caption: Contents:\n\n   page\n\n"
                     "Text with **strong**, *emphasis*, ``literal``, a link_, a footnote [#f]_ and :ref:`sec`.\n\n"
                     ".. _link: https://example.org\n\n.. [#f] A footnote.\n\n.. _sec:\n\nSection\n-------\n\n"
                     "* item\n* item\n\n1. one\n2. two\n\n.. code-block:: python\n\n   x = 1\n\n"
                     ".. note:: A note.\n\n.. math:: a^2\n\n:math:`b`\n\nTerm\n   Definition.\n\n"
                     "+---+---+\n| a | b |\n+---+---+\n\n.. image:: img.png\n\n.. todo:: Later.\n\n"
                     "Short\n===\n\n",
        "page.rst": "Page\n====\n\n.. py:function:: f(x)\n\n   Calls :py:func:`f`.\n\n   :param x: a value\n"
                    "   :returns: x\n\n.. py:class:: C\n\n   .. py:method:: m()\n\n.. index:: single: f\n\n"
                    ".. versionadded:: 1.0\n\n.. seealso:: :doc:`index`\n\n.. cpp:class:: Foo\n\n"
                    "   .. cpp:function:: void f(int x) const\n\n.. c:function:: int g(int x)\n\n"
                    ".. c:struct:: S\n\n.. js:function:: h(a)\n\n.. rst:directive:: foo\n\n"
                    ".. option:: -x\n\n.. envvar:: FOO\n\n.. glossary::\n\n   term\n      A term.\n\n"
                    ".. math:: a\n   :label: eq1\n\n:download:`page.rst`\n\n.. py:module:: mm\n\n"
                    ".. py:data:: d\n",
    }
    for name, text in pages.items():
        with open(os.path.join(src, name), "w", encoding="utf-8") as f:
            f.write(text)
    doctrees = []
    write = Builder.write_doctree

    def keep(self, docname, doctree, *a, **k):
        write(self, docname, doctree, *a, **k)
        doctrees.append(doctree)
    Builder.write_doctree = keep
    try:
        app = Sphinx(src, src, os.path.join(src, "_build"), os.path.join(src, "_doctrees"), "html",
                     status=None, warning=io.StringIO(), freshenv=True)
        app.build()
    finally:
        Builder.write_doctree = write
        shutil.rmtree(src, ignore_errors=True)
    return sorted(doctrees, key=lambda d: d["source"]) + [app.env]


def sphinx_enumerated():
    """Sphinx's own node classes (sphinx.addnodes) and those of the
    bundled extensions whose nodes doctrees keep: todo, and ifconfig,
    graphviz and inheritance_diagram, which generate.py's review leaves
    off; and every class of the domains, whose declarations (the C and
    C++ domains' AST and symbol trees, the Python domain's entries) a
    build environment keeps, whichever directives a project uses."""
    import sphinx.addnodes  # noqa: F401
    import sphinx.domains.c  # noqa: F401
    import sphinx.domains.cpp  # noqa: F401
    import sphinx.domains.javascript  # noqa: F401
    import sphinx.domains.python  # noqa: F401
    import sphinx.domains.std  # noqa: F401
    import sphinx.ext.graphviz  # noqa: F401
    import sphinx.ext.ifconfig  # noqa: F401
    import sphinx.ext.inheritance_diagram  # noqa: F401
    import sphinx.ext.todo  # noqa: F401
    import sphinx.util.cfamily  # noqa: F401
    nodes = [n for prefix in ("sphinx.addnodes", "sphinx.ext.todo", "sphinx.ext.ifconfig", "sphinx.ext.graphviz",
                              "sphinx.ext.inheritance_diagram") for n in _docutils_nodes(prefix)]
    domains = [(m, name, c) for prefix in ("sphinx.domains", "sphinx.util.cfamily")
               for m, name, c in _classes_of(None, prefix)
               if c.__module__ == m and (m == prefix or m.startswith(prefix + ".")) and "." not in name]
    return nodes + domains
def munch_objects():
    """Munch, AutoMunch and DefaultMunch configs the way training scripts
    keep them: nested Munches with lists, munchify's output, a default.
    DefaultFactoryMunch and RecursiveMunch are left out: their pickles drop
    the default_factory their __missing__ calls, so they do not load."""
    import munch

    return [munch.Munch(model=munch.Munch(depth=18, widths=[64, 128]), lr=0.01),
            munch.AutoMunch(data={"root": "data/", "batch": 32}), munch.DefaultMunch(None, {"dropout": 0.1}),
            munch.munchify({"a": {"b": [1, {"c": 2}]}})]


def easydict_objects():
    """A nested EasyDict training config (dicts, lists of dicts, tuples)."""
    import easydict

    return [easydict.EasyDict({"model": {"name": "resnet18", "layers": [2, 2, 2, 2]},
                               "train": {"lr": 0.1, "milestones": (30, 60), "schedules": [{"warmup": 5}]},
                               "seed": 0})]


def _classes_of(pkg, prefix):
    """Classes reachable as attributes of the already-imported modules
    under prefix, as (module, name, class) under every name they have
    there: their own, and the aliases libraries keep so that pickles made
    by older versions still load (gensim's keyedvectors.Vocab,
    pandas.core.internals.BlockManager, numpy.core.records.recarray)."""
    import sys
    top = prefix.split(".")[0]
    out, seen = [], set()
    for modname, mod in sorted(sys.modules.items()):
        if mod is None or not (modname == prefix or modname.startswith(prefix + ".")):
            continue
        for attr, v in sorted(vars(mod).items()):
            if not isinstance(v, type) or (v.__module__ or "").split(".")[0] != top:
                continue
            for key in ((v.__module__, v.__qualname__), (modname, attr)):
                if key not in seen:
                    seen.add(key)
                    out.append((key[0], key[1], v))
    return out


def numpy_enumerated():
    import numpy.core.records  # noqa: F401
    return _classes_of(None, "numpy.core.records") + _classes_of(None, "numpy.random")


# Names that older versions pickled and the installed library keeps so
# that such pickles still load, with the use those pickles make of them.
COMPAT = [
    ("numpy.core._internal", "_reconstruct", "function"),  # Python 2 era object arrays
    # rdkit.ML's Python 2 era models (its test data): protocol 0 INST with no
    # arguments, which the pickle machine counts as a call
    ("rdkit.ML.DecTree.Tree", "TreeNode", "function"),
    ("rdkit.ML.DecTree.DecTree", "DecTreeNode", "function"),
    ("rdkit.ML.DecTree.QuantTree", "QuantTreeNode", "function"),
    ("rdkit.ML.Composite.Composite", "Composite", "function"),  # __init__ takes no arguments
]

# Globals judged as if called with free arguments although no object here
# names them: loaders that read files or unpickle, and gadgets that call
# or resolve what their arguments name. They must come out excluded.
PROBES = [
    ("pandas", "read_pickle"), ("pandas.io.pytables", "HDFStore"), ("pandas", "eval"), ("numpy", "load"),
    ("numpy", "frompyfunc"), ("numpy.lib.npyio", "load"), ("gensim.utils", "unpickle"),
    ("gensim.models.word2vec", "LineSentence"), ("gensim.models.word2vec", "PathLineSentences"),
    ("gensim.corpora.textcorpus", "TextCorpus"), ("gensim.corpora.mmcorpus", "MmCorpus"),
    ("gensim.utils", "SaveLoad"), ("joblib", "load"), ("torch", "load"), ("torch.hub", "load"),
    ("logging", "FileHandler"), ("logging.handlers", "RotatingFileHandler"), ("logging.handlers", "SocketHandler"),
    ("functools", "partial"), ("operator", "attrgetter"), ("operator", "methodcaller"),
    ("collections", "namedtuple"), ("enum", "Enum"), ("typing", "NamedTuple"), ("typing", "get_type_hints"),
    ("scipy.optimize", "minimize"), ("scipy.integrate", "quad"), ("statsmodels.iolib.smpickle", "load_pickle"),
    ("nltk.data", "load"), ("xgboost.core", "Booster.load_model"),
    ("sklearn.utils", "all_estimators"), ("builtins", "map"), ("builtins", "filter"), ("builtins", "iter"),
    ("builtins", "type"), ("builtins", "vars"), ("builtins", "super"),
    ("networkx.readwrite.gpickle", "read_gpickle"),
    ("keras_preprocessing.image.utils", "load_img"), ("keras_preprocessing.text", "tokenizer_from_json"),
    ("optuna.storages", "RDBStorage"), ("optuna.storages", "JournalFileStorage"),
    ("skimage.io", "imread"), ("skimage.io", "imread_collection"), ("imblearn.datasets", "fetch_datasets"),
    ("omegaconf", "OmegaConf"), ("omegaconf._utils", "_get_class"), ("omegaconf.resolvers.oc", "env"),
    ("omegaconf.resolvers.oc", "decode"), ("omegaconf._impl", "_resolve"),
]

# Functions libraries store in their objects as callbacks that their own
# code calls (the pickle holds them as values): judged as called, so that
# the pickle machine's holder checks, which accept only globals allowed as
# functions, clear them. matplotlib's CallbackRegistry keeps
# _exception_printer as exception_handler and calls it with an exception.
HELD_CALLABLES = [("matplotlib.cbook", "_exception_printer")]

# The modules under which a pickle names a numpy ufunc: numpy >= 1.20
# reduces one to its __name__, which pickle's whichmodule finds in
# numpy.core._multiarray_umath (1.24 here) or, for ufuncs whose __module__
# is numpy (2.x), in numpy; numpy.core.umath re-exports them all.
UFUNC_MODULES = ("numpy", "numpy.core._multiarray_umath", "numpy.core.umath")


def numpy_ufunc_names():
    """The names under which numpy and its umath modules hold a ufunc,
    sorted: what numpy.core._ufunc_reconstruct(module, name) may name."""
    import importlib

    import numpy as np
    names = set()
    for mod in UFUNC_MODULES:
        m = importlib.import_module(mod)
        names.update(n for n in dir(m) if not n.startswith("_") and isinstance(getattr(m, n), np.ufunc))
    return sorted(names)


def numpy_ufuncs():
    """(module, name) of every numpy ufunc under each UFUNC_MODULES
    spelling that holds it."""
    import importlib

    import numpy as np
    out = []
    for mod in UFUNC_MODULES:
        m = importlib.import_module(mod)
        out.extend((mod, n) for n in numpy_ufunc_names() if isinstance(getattr(m, n, None), np.ufunc))
    return out

# ecosystem name -> (top-level modules, builder of objects, enumerator of classes)
ECOSYSTEMS = {
    "stdlib": (None, stdlib, None),
    "numpy": (("numpy",), numpy_objects, numpy_enumerated),
    "scipy": (("scipy",), scipy_objects, scipy_enumerated),
    "pandas": (("pandas", "pytz", "dateutil"), pandas_objects, pandas_enumerated),
    "sklearn": (("sklearn",), sklearn_objects, sklearn_enumerated),
    "statsmodels": (("statsmodels",), statsmodels_objects, statsmodels_enumerated),
    "gensim": (("gensim",), gensim_objects, gensim_enumerated),
    "xgboost": (("xgboost",), xgboost_objects, xgboost_enumerated),
    "torch": (("torch",), torch_objects, torch_enumerated),
    "torchvision": (("torchvision",), torchvision_objects, torchvision_enumerated),
    "torchaudio": (("torchaudio",), torchaudio_objects, torchaudio_enumerated),
    "nltk": (("nltk",), nltk_objects, nltk_enumerated),
    "joblib": (("joblib",), list, None),
    "imblearn": (("imblearn",), imblearn_objects, imblearn_enumerated),
    "networkx": (("networkx",), networkx_objects, networkx_enumerated),
    "keras_preprocessing": (("keras_preprocessing",), keras_preprocessing_objects, keras_preprocessing_enumerated),
    "sklearn_pandas": (("sklearn_pandas",), sklearn_pandas_objects, sklearn_pandas_enumerated),
    "skimage": (("skimage",), skimage_objects, skimage_enumerated),
    "sentencepiece": (("sentencepiece",), sentencepiece_objects, None),
    "optuna": (("optuna",), optuna_objects, optuna_enumerated),
    "omegaconf": (("omegaconf",), omegaconf_objects, omegaconf_enumerated),
    "xarray": (("xarray",), xarray_objects, xarray_enumerated),
    "rdkit": (("rdkit",), rdkit_objects, rdkit_enumerated),
    "pil": (("PIL",), pil_objects, None),
    "matplotlib": (("matplotlib",), matplotlib_objects, matplotlib_enumerated),
    "astropy": (("astropy",), astropy_objects, astropy_enumerated),
    "shapely": (("shapely",), shapely_objects, shapely_enumerated),
    "biopython": (("Bio",), biopython_objects, biopython_enumerated),
    "geopandas": (("geopandas",), geopandas_objects, geopandas_enumerated),
    "pyproj": (("pyproj",), pyproj_objects, None),
    "pynndescent": (("pynndescent",), pynndescent_objects, None),
    "numba": (("numba",), numba_objects, None),
    "munch": (("munch",), munch_objects, None),
    "easydict": (("easydict",), easydict_objects, None),
    "docutils": (("docutils",), docutils_objects, docutils_enumerated),
    # Last: a Sphinx build registers directives, roles and nodes in docutils.
    "sphinx": (("sphinx",), sphinx_objects, sphinx_enumerated),
}
