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
"""
import os
import sys
import zipfile
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
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


def main():
    write("joblib092_np16_matrix.pkl", joblib_zfile(JOBLIB))
    if len(sys.argv) > 1:
        with zipfile.ZipFile(sys.argv[1]) as z:
            write("propack_coo_array.pkl", npy_pickle(z.read("A_real.npy")))


if __name__ == "__main__":
    main()
