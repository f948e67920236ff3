package pickle

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/modelgate/modelgate/formats"
	"github.com/modelgate/modelgate/formats/formatstest"
)

// TestPrecisionSamples runs the analyzer over real pickles libraries wrote
// that name globals in ways the allowlist once misjudged
// (testdata/precision, made by make_precision.py): old spellings of a
// class built through a reconstructor, functools.partial of a library's
// pure function, names kept by a library's compat map. None may have a
// finding at medium or above.
func TestPrecisionSamples(t *testing.T) {
	files, err := filepath.Glob("testdata/precision/*.pkl")
	if err != nil || len(files) < 2 {
		t.Fatalf("precision samples: %v %v", files, err)
	}
	a, _ := formats.Lookup(formats.Pickle)
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			rec, err := formatstest.Run(t, a, filepath.Base(f), data)
			if err != nil {
				t.Errorf("error %v", err)
			}
			if worst, any := rec.Max(); any && worst >= formats.Medium {
				t.Errorf("real pickle has findings:\n%s", list(rec.Findings))
			}
		})
	}
}
