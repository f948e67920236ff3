#!/usr/bin/python3
"""Lists the globals that real, benign pickles written by torch, numpy,
scikit-learn and joblib name, one "module<TAB>name<TAB>source" per line.

Run with Debian's python3 (python3-torch, python3-sklearn, python3-joblib):
    /usr/bin/python3 testdata/real_globals.py > testdata/real_globals.tsv
The Go test asserts that every line is Allowed: a benign model must not fail
the gate. Only pickletools is used to read the files; nothing is unpickled.
"""
import io, os, pickle, pickletools, sys, tempfile, zipfile

import numpy as np

found = {}


def walk(data, source):
    """Record GLOBAL/INST/STACK_GLOBAL operands with a tiny stack model."""
    stack, memo = [], {}
    proto = 0
    f = io.BytesIO(data)
    for op, arg, pos in pickletools.genops(f):
        n = op.name
        if n == "PROTO":
            proto = arg
        if n in ("GLOBAL", "INST"):
            mod, name = arg.split(" ", 1)
            if proto < 3:
                import _compat_pickle as c
                if (mod, name) in c.NAME_MAPPING:
                    mod, name = c.NAME_MAPPING[(mod, name)]
                elif mod in c.IMPORT_MAPPING:
                    mod = c.IMPORT_MAPPING[mod]
            found.setdefault((mod, name), source)
            stack.append(None)
        elif n == "STACK_GLOBAL":
            name, mod = stack.pop(), stack.pop()
            # These writers never emit dotted names; one here means this
            # small stack model lost track (e.g. across BINPERSID), so skip it.
            if isinstance(mod, str) and isinstance(name, str) and "." not in name:
                found.setdefault((mod, name), source)
            stack.append(None)
        elif n in ("SHORT_BINUNICODE", "BINUNICODE", "BINUNICODE8", "UNICODE"):
            stack.append(arg)
        elif n == "MEMOIZE":
            memo[len(memo)] = stack[-1] if stack else None
        elif n in ("PUT", "BINPUT", "LONG_BINPUT"):
            memo[arg] = stack[-1] if stack else None
        elif n in ("GET", "BINGET", "LONG_BINGET"):
            stack.append(memo.get(arg))
        elif n == "STOP":
            return f.tell()
        else:
            stack.append(None)
    return f.tell()


def scan_file(path, source):
    with open(path, "rb") as fh:
        data = fh.read()
    if data[:2] == b"PK":
        z = zipfile.ZipFile(io.BytesIO(data))
        for name in z.namelist():
            if name.endswith(".pkl"):
                walk(z.read(name), source)
        return
    off = 0
    while off < len(data):
        try:
            off += walk(data[off:], source)
        except Exception:
            break


def torch_cases(d):
    import torch
    import torch.nn as nn

    class Net(nn.Module):
        pass

    model = nn.Sequential(
        nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2),
        nn.Dropout(0.1), nn.Flatten(), nn.Linear(4, 4), nn.LayerNorm(4),
        nn.GELU(), nn.Embedding(10, 4), nn.LSTM(4, 4), nn.GRU(4, 4),
        nn.TransformerEncoderLayer(4, 2, 8), nn.Upsample(scale_factor=2),
        nn.SiLU(), nn.Identity(), nn.ConvTranspose2d(4, 4, 2), nn.Softmax(dim=1),
        nn.ModuleList([nn.Tanh()]), nn.ModuleDict({"a": nn.Sigmoid()}),
        nn.utils.weight_norm(nn.Linear(2, 2)), nn.CrossEntropyLoss(),
        nn.BCEWithLogitsLoss(), nn.AdaptiveAvgPool2d(1), nn.GroupNorm(2, 4),
        nn.MultiheadAttention(4, 2), nn.PReLU(), nn.LeakyReLU(),
    )
    model.register_buffer("buf", torch.zeros(2, dtype=torch.int64))
    sd = model.state_dict()
    opt = torch.optim.AdamW(model.parameters())
    sched = torch.optim.lr_scheduler.StepLR(opt, 2)
    extras = {
        "dtypes": [torch.float16, torch.bfloat16, torch.float32, torch.float64, torch.int8,
                   torch.uint8, torch.bool, torch.complex64, torch.int32],
        "device": torch.device("cpu"), "size": torch.Size([2, 3]),
        "layout": torch.strided, "mf": torch.channels_last,
        "half": torch.zeros(2, dtype=torch.float16), "bf": torch.zeros(2, dtype=torch.bfloat16),
        "bool": torch.zeros(2, dtype=torch.bool), "cplx": torch.zeros(2, dtype=torch.complex64),
        "sparse": torch.zeros(2, 2).to_sparse(), "param": nn.Parameter(torch.zeros(2)),
        "q": torch.quantize_per_tensor(torch.zeros(2), 0.1, 0, torch.quint8),
        "meta": torch.empty(2, device="meta"), "np": np.arange(3), "set": {1, 2},
        "od": __import__("collections").OrderedDict(a=1), "rng": torch.get_rng_state(),
    }
    for proto in (2, 4, 5):
        for legacy in (False, True):
            p = os.path.join(d, "t%d%d.pt" % (proto, legacy))
            obj = {"sd": sd, "model": model, "opt": opt.state_dict(), "sched": sched.state_dict()}
            obj.update(extras)
            for k in list(obj):
                try:
                    torch.save(obj[k], io.BytesIO(), pickle_protocol=proto)
                except Exception as e:
                    print("skip", k, e, file=sys.stderr)
                    del obj[k]
            torch.save(obj, p, pickle_protocol=proto, _use_new_zipfile_serialization=not legacy)
            scan_file(p, "torch.save proto %d %s" % (proto, "legacy" if legacy else "zip"))


def sklearn_cases(d):
    import joblib
    from sklearn import (calibration, cluster, compose, decomposition, ensemble, feature_extraction,
                         impute, linear_model, model_selection, naive_bayes, neighbors, neural_network,
                         pipeline, preprocessing, svm, tree, feature_selection, mixture, manifold,
                         discriminant_analysis, dummy, kernel_ridge, isotonic, multiclass, multioutput,
                         random_projection, gaussian_process, covariance, semi_supervised, kernel_approximation,
                         cross_decomposition, metrics)
    rng = np.random.RandomState(0)
    X = rng.rand(40, 4)
    y = (X[:, 0] > 0.5).astype(int)
    yr = X[:, 1]
    text = ["alpha beta gamma", "beta gamma delta", "gamma delta eps", "delta eps zeta"] * 10
    clfs = [
        linear_model.LogisticRegression(), linear_model.SGDClassifier(), linear_model.Ridge(),
        linear_model.Lasso(), linear_model.ElasticNet(), linear_model.LinearRegression(),
        linear_model.SGDRegressor(), linear_model.Perceptron(), linear_model.HuberRegressor(),
        tree.DecisionTreeClassifier(), tree.DecisionTreeRegressor(), tree.ExtraTreeClassifier(),
        ensemble.RandomForestClassifier(n_estimators=2), ensemble.RandomForestRegressor(n_estimators=2),
        ensemble.GradientBoostingClassifier(n_estimators=2), ensemble.GradientBoostingRegressor(n_estimators=2),
        ensemble.HistGradientBoostingClassifier(max_iter=2), ensemble.HistGradientBoostingRegressor(max_iter=2),
        ensemble.AdaBoostClassifier(n_estimators=2), ensemble.ExtraTreesClassifier(n_estimators=2),
        ensemble.IsolationForest(n_estimators=2, random_state=rng), ensemble.BaggingClassifier(n_estimators=2),
        ensemble.VotingClassifier([("a", linear_model.LogisticRegression()), ("b", naive_bayes.GaussianNB())]),
        ensemble.StackingClassifier([("a", linear_model.LogisticRegression())]),
        svm.SVC(probability=True), svm.LinearSVC(), svm.SVR(), svm.OneClassSVM(),
        neighbors.KNeighborsClassifier(algorithm="kd_tree"), neighbors.KNeighborsClassifier(algorithm="ball_tree"),
        neighbors.KNeighborsRegressor(), neighbors.NearestNeighbors(), neighbors.KernelDensity(),
        neighbors.LocalOutlierFactor(novelty=True),
        naive_bayes.GaussianNB(), naive_bayes.MultinomialNB(), naive_bayes.BernoulliNB(),
        neural_network.MLPClassifier(max_iter=5), neural_network.MLPRegressor(max_iter=5),
        discriminant_analysis.LinearDiscriminantAnalysis(), discriminant_analysis.QuadraticDiscriminantAnalysis(),
        dummy.DummyClassifier(), kernel_ridge.KernelRidge(), calibration.CalibratedClassifierCV(cv=2),
        multiclass.OneVsRestClassifier(linear_model.LogisticRegression()),
        multioutput.MultiOutputRegressor(linear_model.Ridge()).fit(X, np.c_[yr, yr]),
        gaussian_process.GaussianProcessClassifier(), gaussian_process.GaussianProcessRegressor(),
        semi_supervised.LabelPropagation(),
        model_selection.GridSearchCV(linear_model.LogisticRegression(), {"C": [1, 2]}, cv=2),
        pipeline.make_pipeline(preprocessing.StandardScaler(), decomposition.PCA(2),
                               feature_selection.SelectKBest(k=2), linear_model.LogisticRegression()),
    ]
    unsup = [cluster.KMeans(2, n_init=2), cluster.DBSCAN(), cluster.AgglomerativeClustering(), cluster.MiniBatchKMeans(2, n_init=2),
             decomposition.PCA(2), decomposition.TruncatedSVD(2), decomposition.NMF(2, max_iter=5),
             decomposition.FastICA(2), mixture.GaussianMixture(2), manifold.Isomap(n_neighbors=3),
             preprocessing.StandardScaler(), preprocessing.MinMaxScaler(), preprocessing.RobustScaler(),
             preprocessing.OneHotEncoder(), preprocessing.PolynomialFeatures(), preprocessing.KBinsDiscretizer(),
             preprocessing.QuantileTransformer(n_quantiles=5), preprocessing.PowerTransformer(), preprocessing.Normalizer(),
             impute.SimpleImputer(), impute.KNNImputer(), random_projection.GaussianRandomProjection(2),
             covariance.EmpiricalCovariance(), kernel_approximation.RBFSampler(),
             cross_decomposition.PLSRegression(1), feature_selection.VarianceThreshold()]
    ct = compose.ColumnTransformer([("num", preprocessing.StandardScaler(), [0, 1]),
                                    ("cat", preprocessing.OneHotEncoder(handle_unknown="ignore"), [2])])
    objs = []
    for c in clfs:
        if hasattr(c, "estimators_"):
            objs.append(c)
            continue
        try:
            c.fit(X, y if not hasattr(c, "_estimator_type") or c._estimator_type != "regressor" else yr)
        except Exception:
            c.fit(X, y)
        objs.append(c)
    for u in unsup:
        try:
            u.fit(X)
        except TypeError:
            u.fit(X, yr)
        objs.append(u)
    objs.append(ct.fit(X))
    objs.append(preprocessing.LabelEncoder().fit(["a", "b"]))
    objs.append(preprocessing.LabelBinarizer().fit([0, 1, 2]))
    objs.append(isotonic.IsotonicRegression().fit(X[:, 0], yr))
    objs.append(feature_extraction.text.TfidfVectorizer().fit(text))
    objs.append(feature_extraction.text.CountVectorizer().fit(text))
    objs.append(feature_extraction.DictVectorizer().fit([{"a": 1}]))
    objs.append(metrics.make_scorer(metrics.f1_score))
    objs.append(model_selection.KFold(3))
    for i, o in enumerate(objs):
        name = type(o).__name__
        for proto in (2, 4, 5):
            p = os.path.join(d, "s%d_%d.pkl" % (i, proto))
            with open(p, "wb") as fh:
                pickle.dump(o, fh, protocol=proto)
            scan_file(p, "pickle sklearn %s proto %d" % (name, proto))
        p = os.path.join(d, "j%d.joblib" % i)
        joblib.dump(o, p)
        scan_file(p, "joblib.dump sklearn %s" % name)
    p = os.path.join(d, "jd.joblib")
    joblib.dump({"a": np.arange(5), "o": np.array([1, "x"], dtype=object), "m": np.matrix([[1]]),
                 "ma": np.ma.masked_array([1, 2], mask=[0, 1]), "s": np.float32(1.5), "dt": np.dtype("int64"),
                 "rs": np.random.RandomState(1), "gen": np.random.default_rng(1)}, p)
    scan_file(p, "joblib.dump numpy values")


def numpy_cases(d):
    vals = [np.arange(4), np.array([1, "a", None], dtype=object), np.float64(1.0), np.int64(3),
            np.bool_(True), np.dtype("float32"), np.dtype([("a", "<i4"), ("b", "<f8")]),
            np.random.RandomState(0), np.random.default_rng(0), np.ma.masked_array([1, 2], mask=[0, 1]),
            np.matrix([[1, 2]]), np.arange(6).reshape(2, 3).T, np.datetime64("2020-01-01"),
            np.float32, np.float64, np.int64, np.str_("x"), np.complex128(1j), np.timedelta64(1, "D"),
            {1, 2}, frozenset([1]), slice(1, 2), complex(1, 2), bytearray(b"x"), range(3), b"bytes",
            __import__("collections").defaultdict(list), __import__("collections").Counter("ab"),
            __import__("collections").deque([1]), __import__("datetime").datetime(2020, 1, 1),
            __import__("datetime").date(2020, 1, 1), __import__("datetime").timedelta(1),
            __import__("decimal").Decimal("1.5"), __import__("fractions").Fraction(1, 3),
            __import__("uuid").UUID(int=1), __import__("argparse").Namespace(a=1), Ellipsis, NotImplemented,
            __import__("pathlib").PurePosixPath("/x"), __import__("pathlib").Path("/x"), object()]
    for proto in range(0, 6):
        for i, v in enumerate(vals):
            try:
                data = pickle.dumps(v, protocol=proto)
            except Exception:
                continue
            p = os.path.join(d, "n%d_%d.pkl" % (i, proto))
            with open(p, "wb") as fh:
                fh.write(data)
            scan_file(p, "pickle %s proto %d" % (type(v).__name__, proto))
    p = os.path.join(d, "o.npy")
    np.save(p, np.array([1, "a"], dtype=object), allow_pickle=True)
    with open(p, "rb") as fh:
        raw = fh.read()
    hl = int.from_bytes(raw[8:10], "little")
    walk(raw[10 + hl:], "np.save object array")


def main():
    with tempfile.TemporaryDirectory() as d:
        numpy_cases(d)
        torch_cases(d)
        sklearn_cases(d)
    print("# module\tname\tfirst source (generated by real_globals.py; do not edit)")
    for (mod, name), src in sorted(found.items()):
        print("%s\t%s\t%s" % (mod, name, src))


if __name__ == "__main__":
    main()
