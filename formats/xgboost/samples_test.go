package xgboost

import (
	"slices"
	"testing"

	"github.com/modelgate/modelgate/formats"
	"github.com/modelgate/modelgate/formats/formatstest"
)

// TestSamples runs every sample testdata/make_samples.py made with
// XGBoost: the benign ones end clean, the others with their rule.
func TestSamples(t *testing.T) {
	for _, tc := range []struct {
		name, rule string
	}{
		{"benign.json", ""},
		{"benign.ubj", ""},
		{"benign_binf.model", ""},
		{"benign_dart.deprecated", ""},
		{"benign_dart.json", ""},
		{"booster_config.json", ""},
		{"benign_gblinear.bin", ""},
		{"plugin_objective.json", RuleUnknownComponent},
		{"bad_child.model", RuleStructure},
		{"trailing.model", RuleStructure},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := formatstest.Testdata(t, tc.name)
			if !Probe(formats.Head{Name: tc.name, Size: int64(len(b)), Prefix: b}) {
				t.Fatal("probe does not identify the sample")
			}
			r, err := formatstest.Run(t, formats.AnalyzerFunc(Analyze), tc.name, b)
			if tc.rule == "" {
				if err != nil || len(r.Findings) > 0 {
					t.Fatalf("want clean, got %v, %v", err, r.Findings)
				}
				return
			}
			if !slices.Contains(r.Rules(), tc.rule) {
				t.Fatalf("want %s, got %v (err %v)", tc.rule, r.Findings, err)
			}
		})
	}
}
