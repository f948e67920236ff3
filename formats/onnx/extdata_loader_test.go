package onnx

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/modelgate/modelgate/formats"
	"github.com/modelgate/modelgate/formats/formatstest"
)

// TestExternalDataLoadersDisagree: external data entries that onnx's own
// loaders read differently (testdata/external_loaders.py made them with
// onnx 1.12 and checked what it loads).
func TestExternalDataLoadersDisagree(t *testing.T) {
	for _, tc := range []struct {
		dir        string
		fileRule   string // from the model's own analysis
		layoutRule string // from the directory's
	}{
		// onnx 1.12 reads tensor "a" (length "0") to the end of the file,
		// over tensor "b".
		{"external_len0", RuleExternalKeys, RuleExternalFile},
		// onnx 1.12 opens weights.bin for ".weights.bin".
		{"external_dotfile", RuleExternalKeys, ""},
	} {
		t.Run(tc.dir, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", tc.dir, "model.onnx"))
			if err != nil {
				t.Fatal(err)
			}
			r, err := formatstest.Run(t, formats.AnalyzerFunc(Analyze), "model.onnx", data)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Contains(r.Rules(), tc.fileRule) {
				t.Errorf("model: want %s, got %v", tc.fileRule, r.Findings)
			}
			lr, err := formatstest.RunTree(t, layout{}, dirTree(filepath.Join("testdata", tc.dir)))
			if err != nil {
				t.Fatal(err)
			}
			if tc.layoutRule != "" && !slices.Contains(lr.Rules(), tc.layoutRule) {
				t.Errorf("layout: want %s, got %v", tc.layoutRule, lr.Findings)
			}
		})
	}
}
