#!/usr/bin/python3
"""Real pickles of the libraries the allowlist generator covers since
issue 12 (Debian's python3-pil, -matplotlib, -astropy, -shapely,
-biopython, -statsmodels, -pynndescent and -numba), and hostile variants
of their loading paths.

    /usr/bin/python3 testdata/pickle/make_debian_ecosystems.py

benign/deb_*.pkl are pickle.dumps (protocol 4) of objects as models and
their records hold them; they must scan clean. malicious/deb_*.pkl are
made by the same libraries (a pickler whose dispatch_table swaps one
reduction) or assembled from opcodes; their payloads are inert (echo
pwned) and none of them was loaded here. The numba and pynndescent pickles
carry a fresh uuid per run: a rerun rewrites them with other bytes.
"""
import io
import os
import pickle
import pickletools
import warnings

warnings.filterwarnings("ignore")
HERE = os.path.dirname(os.path.abspath(__file__))


def write(kind, name, data):
    for _ in pickletools.genops(data):  # malformed output fails here, not in the tests
        pass
    with open(os.path.join(HERE, kind, name), "wb") as f:
        f.write(data)


def dumps(obj, table=None):
    buf = io.BytesIO()
    p = pickle.Pickler(buf, protocol=4)
    if table:
        p.dispatch_table = table
    p.dump(obj)
    return buf.getvalue()


def glob(module, name):
    return b"\x8c" + bytes([len(module)]) + module.encode() + b"\x8c" + bytes([len(name)]) + name.encode() + b"\x93"


def s(text):
    return b"\x8c" + bytes([len(text)]) + text.encode()


PROTO = b"\x80\x04"
STOP = b"."


def benign():
    import numpy as np
    import pandas as pd

    from PIL import Image
    write("benign", "deb_pil_images.pkl", dumps([Image.new("RGB", (3, 2), (1, 2, 3)), Image.new("L", (2, 2)),
                                                 Image.new("RGBA", (1, 1))]))

    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.colors as mc
    import matplotlib.pyplot as plt
    write("benign", "deb_matplotlib_colormaps.pkl", dumps({
        "cmap": plt.get_cmap("viridis"), "jet": plt.get_cmap("jet"),
        "custom": mc.LinearSegmentedColormap.from_list("two", ["red", "blue"]),
        "listed": mc.ListedColormap(["r", "g", "b"])}))
    # Norms hold a CallbackRegistry (no callbacks, _exception_printer as its handler).
    write("benign", "deb_matplotlib_norms.pkl", dumps([mc.Normalize(0, 1), mc.LogNorm(1, 10), mc.BoundaryNorm([0, 1, 2], 2),
                                                       mc.TwoSlopeNorm(0.5, 0, 1), mc.SymLogNorm(1.0)]))

    import astropy.units as u
    write("benign", "deb_astropy_quantities.pkl", dumps({
        "length": 3 * u.m, "speed": np.arange(3.0) * u.km / u.s, "flux": u.Unit("erg/s"),
        "mag": u.Magnitude(3.0)}))

    import shapely.geometry as g
    write("benign", "deb_shapely_geometries.pkl", dumps([
        g.Point(1, 2), g.LineString([(0, 0), (1, 1)]), g.Polygon([(0, 0), (2, 0), (2, 2)]),
        g.MultiPoint([(0, 0), (1, 1)]), g.MultiPolygon([g.box(0, 0, 1, 1)]), g.GeometryCollection([g.Point(0, 0)])]))

    from Bio.Seq import Seq
    from Bio.SeqFeature import FeatureLocation, SeqFeature
    from Bio.SeqRecord import SeqRecord
    rec = SeqRecord(Seq("ACGTAC"), id="r1", annotations={"molecule_type": "DNA"})
    rec.features.append(SeqFeature(FeatureLocation(0, 3, strand=1), type="CDS"))
    write("benign", "deb_biopython_records.pkl", dumps([Seq("ACGT"), rec]))

    import geopandas as gpd
    pts = [g.Point(0, 0), g.Point(1, 1)]
    # Without a coordinate reference system (a pickled pyproj CRS is off the allowlist).
    write("benign", "deb_geopandas_frames.pkl", dumps([gpd.GeoDataFrame({"a": [1, 2]}, geometry=pts), gpd.GeoSeries(pts)]))

    import statsmodels.api as sm
    rng = np.random.RandomState(0)
    df = pd.DataFrame({"y": rng.rand(12), "x": rng.rand(12)})
    # Fitted on data frames without a formula: PandasData without restore_design_info.
    write("benign", "deb_statsmodels_pandas_ols.pkl", dumps(sm.OLS(df["y"], sm.add_constant(df[["x"]])).fit()))
    # Fitted with the formula API: PandasData with restore_design_info, whose formula patsy evaluates
    # when loading (names, patsy's C and I) over the pickled data frame.
    import statsmodels.formula.api as smf
    df["g"] = ["a", "b", "c"] * 4
    write("benign", "deb_statsmodels_formula_ols.pkl", dumps(smf.ols("y ~ C(g) + x + I(x ** 2)", df).fit()))


def malicious():
    import numpy as np
    import pandas as pd

    # statsmodels' formula API: ModelData.__setstate__ calls patsy.dmatrices on
    # the pickled formula, which evals each term (a real smf.ols result pickles
    # the same keys). Made by statsmodels' own classes with the formula swapped.
    import statsmodels.base.data as smd
    import copyreg
    state = {"restore_design_info": True, "formula": "y ~ I(__import__('os').system('echo pwned')) + x",
             "frame": pd.DataFrame({"y": [1.0, 2.0], "x": [3.0, 4.0]})}
    obj = smd.PandasData.__new__(smd.PandasData)
    write("malicious", "deb_statsmodels_formula_eval.pkl",
          dumps(obj, {smd.PandasData: lambda o: (copyreg.__newobj__, (smd.PandasData,), state)}))

    # numba: an njit function of __main__ pickles by value, through nested
    # cloudpickle bytes that rebuild its bytecode (_unpickle__CustomPickled).
    import numba

    exec("def payload(x):\n    return x + 1\n", globals())
    write("malicious", "deb_numba_by_value.pkl", dumps(numba.njit(globals()["payload"])))

    # A fitted pynndescent index (what umap.UMAP holds): real, and it carries
    # numba dispatchers the same way; loading it unpickles nested bytes.
    import pynndescent
    X = np.random.RandomState(0).rand(30, 3).astype(np.float32)
    write("malicious", "deb_pynndescent_index.pkl", dumps(pynndescent.NNDescent(X, n_neighbors=4, random_state=0,
                                                                                 n_jobs=1)))

    # astropy's _recreate_irreducible_unit(cls, names, registered) calls cls(names):
    # here a function allowed only to be held (a matplotlib event handler).
    write("malicious", "deb_astropy_recreate_unit_call.pkl", PROTO + glob("astropy.units.core", "_recreate_irreducible_unit")
          + glob("matplotlib.backend_bases", "_key_handler") + s("zz_not_a_unit") + b"\x85\x89\x87R" + STOP)

    # matplotlib's class factory: type() over classes the pickle names.
    write("malicious", "deb_matplotlib_class_factory.pkl", PROTO + glob("matplotlib.cbook", "_picklable_class_constructor")
          + b"(" + glob("astropy.time.formats", "TimeISO") + s("{}Evil") + s("_base")
          + glob("astropy.time.formats", "TimeJD") + b"tR" + STOP)

    # A norm whose CallbackRegistry keeps a callback matplotlib marks picklable:
    # process("changed"), which setting vmin runs, calls it. Here a function
    # allowed only to be held (an event handler of matplotlib itself).
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.colors as mc
    from matplotlib.backend_bases import _key_handler
    norm = mc.Normalize(0, 1)
    norm.callbacks._pickled_cids.add(norm.callbacks.connect("changed", _key_handler))
    write("malicious", "deb_matplotlib_norm_callback.pkl", dumps(norm))

    # shapely's WKBWriter: __del__ frees the _writer handle of its state through its _lgeos.
    write("malicious", "deb_shapely_wkbwriter_del.pkl", PROTO + glob("shapely.geos", "WKBWriter") + b")\x81}("
          + s("_writer") + b"J\x00\x10\x00\x00" + s("_lgeos") + b"Nub" + STOP)

    # xgboost's DMatrix: BUILD's slot state is applied with setattr, which runs
    # the feature_names property setter; it calls num_col(), a ctypes call on
    # the handle of the dict state (0x41414141 here: loading it segfaults).
    write("malicious", "deb_xgboost_dmatrix_setter.pkl", PROTO + glob("xgboost.core", "DMatrix") + b")\x81}("
          + s("handle") + b"JAAAA" + b"u}(" + s("feature_names") + b"]" + s("a") + b"au\x86b" + STOP)

    # geopandas: GeoDataFrame.__setstate__ parses the _crs of its state with
    # pyproj's CRS.from_user_input: a PROJ string naming an init file PROJ opens.
    import geopandas as gpd
    import shapely.geometry as g
    gdf = gpd.GeoDataFrame({"a": [1, 2]}, geometry=[g.Point(0, 0), g.Point(1, 1)])
    state = dict(gdf.__getstate__(), _crs="+init=/etc/hosts:x")
    write("malicious", "deb_geopandas_crs_init_file.pkl",
          dumps(gdf, {gpd.GeoDataFrame: lambda o: (copyreg.__newobj__, (gpd.GeoDataFrame,), state)}))

    # PIL beyond Image.Image is denied: Image.open reads the path it is given.
    write("malicious", "deb_pil_image_open.pkl", PROTO + glob("PIL.Image", "open") + s("/etc/passwd") + b"\x85R" + STOP)


if __name__ == "__main__":
    benign()
    malicious()
