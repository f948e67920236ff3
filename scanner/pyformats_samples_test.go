package scanner_test

import "testing"

// TestPyFormatSamples checks the Python-ecosystem packages (dill and
// cloudpickle pickles, skops, MLflow model directories, TorchServe and NeMo
// archives) made by testdata/pyformats/make_*.py.
func TestPyFormatSamples(t *testing.T) { checkSamples(t, "../testdata/pyformats/samples.tsv") }
