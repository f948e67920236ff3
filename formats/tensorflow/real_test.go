package tensorflow

import (
	"os"
	"slices"
	"testing"

	"github.com/modelgate/modelgate/formats"
	"github.com/modelgate/modelgate/formats/formatstest"
)

// TestRealSavedModels reads SavedModels written by TensorFlow itself
// (testdata/README.md): each is sniffed as a SavedModel and read to a
// verdict without findings.
func TestRealSavedModels(t *testing.T) {
	for _, p := range []string{"testdata/hub_module_v1_mini/saved_model.pb"} {
		t.Run(p, func(t *testing.T) {
			data, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			h := formats.Head{Name: p, Size: int64(len(data)), Prefix: data, Suffix: data}
			if got := formats.Sniff(h); !slices.Contains(got, formats.SavedModel) {
				t.Fatalf("Sniff = %q, want a SavedModel", got)
			}
			r, err := formatstest.Run(t, formats.AnalyzerFunc(Analyze), p, data)
			if err != nil {
				t.Fatal(err)
			}
			if len(r.Findings) > 0 {
				t.Fatalf("findings %v", r.Findings)
			}
		})
	}
}
