#!/usr/bin/python3
"""Writes the real pickles TestPrecisionSamples asserts clean: pickles
libraries wrote that named a global in a way the allowlist once misjudged.

    /usr/bin/python3 make_precision.py [propack_test_data.npz]

  joblib092_np16_matrix.pkl  the pickle inside joblib 0.9.2's compressed
                             test file (Python 2.7, NumPy 1.6): an np.matrix
                             built by numpy.core.multiarray._reconstruct
                             under numpy.matrixlib.defmatrix.matrix
  propack_coo_array.pkl      the object array of A_real.npy in SciPy's
                             propack_test_data.npz as SciPy >= 1.11 writes it
                             (scipy.sparse._coo.coo_array); pass that file,
                             from SciPy's repository, as the argument (the
                             Debian copy is older and names coo_matrix)
  gensim_tfidf_smartirs.pkl  gensim TfidfModel(smartirs="ntc") and one whose
                             normalize is partial(smartirs_normalize, ...) as
                             gensim 3 stored it: functools.partial of the
                             tfidfmodel weighting functions, BUILD state set
  pandas_mi_py27.pkl         pandas' own test pickle of a MultiIndex frame
                             written by Python 2.7 pandas, which names
                             pandas.core.indexes.frozen.FrozenNDArray (gone
                             since pandas 1.0, kept in pandas.compat.
                             pickle_compat._class_locations_map)
"""
import os
import sys
import zipfile
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
PANDAS = "/usr/lib/python3/dist-packages/pandas/tests/io/data/pickle/test_mi_py27.pkl"
JOBLIB = "/usr/lib/python3/dist-packages/joblib/test/data/joblib_0.9.2_compressed_pickle_py27_np16.gz"


def joblib_zfile(path):
    """The pickle of a joblib < 0.10 z-file: 'ZF', a hex length, zlib data."""
    data = open(path, "rb").read()
    return zlib.decompressobj().decompress(data[data.index(b"x^"):])


def npy_pickle(data):
    """The pickle after a version 1 .npy header of an object array."""
    n = int.from_bytes(data[8:10], "little")
    return data[10 + n:]


def write(name, data):
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(data)


def gensim_tfidf():
    import functools
    import pickle

    from gensim.corpora import Dictionary
    from gensim.models import TfidfModel
    from gensim.models.tfidfmodel import smartirs_normalize
    texts = [["human", "computer", "interface"], ["user", "computer", "system"], ["graph", "trees", "user"]]
    d = Dictionary(texts)
    corpus = [d.doc2bow(t) for t in texts]
    models = [TfidfModel(corpus, smartirs="ntc"),
              TfidfModel(corpus, normalize=functools.partial(smartirs_normalize, norm_scheme="c"))]
    for m in models:
        # gensim stamps lifecycle events with the time; fixed so reruns match.
        for ev in getattr(m, "lifecycle_events", None) or []:
            ev["datetime"] = "2000-01-01T00:00:00"
    return pickle.dumps(models, protocol=2)


def main():
    write("joblib092_np16_matrix.pkl", joblib_zfile(JOBLIB))
    write("gensim_tfidf_smartirs.pkl", gensim_tfidf())
    write("pandas_mi_py27.pkl", open(PANDAS, "rb").read())
    if len(sys.argv) > 1:
        with zipfile.ZipFile(sys.argv[1]) as z:
            write("propack_coo_array.pkl", npy_pickle(z.read("A_real.npy")))


if __name__ == "__main__":
    main()
