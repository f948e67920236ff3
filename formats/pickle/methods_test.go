package pickle

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/modelgate/modelgate/formats"
)

// TestBoundMethods runs real pickles of bound methods (testdata/methods,
// made by make_samples.py: df.to_dict, an estimator's predict_proba, a
// torch module's forward, pickled without the call) and hostile variants:
// a bound method methods.txt lists for a built, allowlisted instance is
// held, so the file is clean; calling it, a BUILD state that may set the
// name on the instance, a property, an unlisted or an I/O name keep a
// finding.
func TestBoundMethods(t *testing.T) {
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join("testdata", "methods", name))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	// The protocol 2 sample without its STOP: the bound method is on top.
	toDict := strings.TrimSuffix(read("pandas_to_dict_p2.pkl"), stop)
	getattr := glob("builtins", "getattr")
	frame := glob("pandas.core.frame", "DataFrame") + emptyTuple + newobj
	bound := func(state, name string) []byte {
		return cat(proto(2), getattr, frame, state, sbu(name), tuple2, reduce, stop)
	}
	categorical := func(name string) []byte {
		return cat(proto(2), getattr, glob("torch.distributions.categorical", "Categorical"), emptyTuple, newobj,
			sbu(name), tuple2, reduce, stop)
	}
	tests := []struct {
		name   string
		data   []byte
		rule   string // "" for a file with no finding of medium or above
		global string
		min    formats.Severity
	}{
		{"pandas_to_dict.pkl", []byte(read("pandas_to_dict.pkl")), "", "", 0},
		{"pandas_to_dict_p2.pkl", []byte(read("pandas_to_dict_p2.pkl")), "", "", 0},
		{"sklearn_predict_proba.pkl", []byte(read("sklearn_predict_proba.pkl")), "", "", 0},
		{"torch_linear_forward.pkl", []byte(read("torch_linear_forward.pkl")), "", "", 0},
		{"a listed method of an object built without state", bound("", "to_dict"), "", "", 0},
		{"a state that does not set the name", bound(emptyDict+sbu("x")+k1(1)+"s"+build, "to_dict"), "", "", 0},
		{"a torch distribution's method", categorical("log_prob"), "", "", 0},
		// logits is a lazy_property: its __get__ computes and sets it.
		{"a torch distribution's lazy property", categorical("logits"),
			RuleDeniedGlobal, "builtins.getattr", formats.Critical},
		{"the bound method called", cat(toDict, emptyTuple, reduce, stop),
			RuleMisusedGlobal, "pandas.core.frame.DataFrame.to_dict", formats.Medium},
		{"the bound method mapped", cat(proto(2), glob("builtins", "map"), strings.TrimPrefix(toDict, proto(2)),
			emptyList, tuple2, reduce, stop), RuleMisusedGlobal, "pandas.core.frame.DataFrame.to_dict", formats.Medium},
		{"a state that sets the name", bound(emptyDict+sbu("to_dict")+glob("builtins", "len")+"s"+build, "to_dict"),
			RuleDeniedGlobal, "builtins.getattr", formats.Critical},
		{"a state of unknown keys", bound(glob("builtins", "dict")+emptyTuple+reduce+build, "to_dict"),
			RuleDeniedGlobal, "builtins.getattr", formats.Critical},
		{"a property", bound("", "shape"), RuleDeniedGlobal, "builtins.getattr", formats.Critical},
		{"an unlisted name", bound("", "frobnicate"), RuleDeniedGlobal, "builtins.getattr", formats.Critical},
		{"an I/O method", bound("", "to_pickle"), RuleDeniedGlobal, "builtins.getattr", formats.Critical},
		{"an I/O method by name", bound("", "to_csv"), RuleDeniedGlobal, "builtins.getattr", formats.Critical},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, _, err := scanBytes(t, tt.data, Options{})
			if err != nil {
				t.Fatalf("error %v", err)
			}
			if tt.rule == "" {
				for _, f := range rec.Findings {
					if f.Severity >= formats.Low {
						t.Errorf("finding on a held bound method:\n%s", list(rec.Findings))
					}
				}
				return
			}
			for _, f := range rec.Findings {
				if f.Rule == tt.rule && f.Details["global"] == tt.global && f.Severity >= tt.min {
					return
				}
			}
			t.Errorf("no %s %s on %s:\n%s", tt.min, tt.rule, tt.global, list(rec.Findings))
		})
	}
}
