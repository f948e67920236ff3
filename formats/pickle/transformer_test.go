package pickle

import (
	"os"
	"testing"

	"github.com/modelgate/modelgate/formats"
)

// TestFunctionTransformer asserts when scikit-learn's FunctionTransformer
// is cleared: only when every instance is built by NEWOBJ with no
// arguments and one BUILD whose func, inverse_func and feature_names_out
// are None, a string (feature_names_out) or allowlisted functions, with
// constant keyword arguments. Any other shape keeps MG102 (high).
func TestFunctionTransformer(t *testing.T) {
	real, err := os.ReadFile("testdata/column_passthrough.pkl")
	if err != nil {
		t.Fatal(err)
	}
	ft := glob("sklearn.preprocessing._function_transformer", "FunctionTransformer")
	wlocal := glob("gensim.models.tfidfmodel", "smartirs_wlocal")
	linear := glob("torch.nn.modules.linear", "Linear")
	computed := glob("builtins", "hash") + sbu("x") + tuple1 + reduce
	item := func(k, v string) string { return sbs(k) + v }
	inst := func(items ...string) string {
		return ft + emptyTuple + newobj + emptyDict + mark + string(cat(items...)) + "u" + build
	}
	tests := []struct {
		name    string
		data    []byte
		cleared bool
	}{
		{"scikit-learn passthrough", real, true},
		{"identity", cat(proto(2), inst(item("func", "N"), item("inverse_func", "N"), item("feature_names_out", sbs("one-to-one"))), stop), true},
		{"allowlisted function with constant kw_args", cat(proto(2),
			inst(item("func", wlocal), item("kw_args", emptyDict+sbs("k")+sbs("v")+"s")), stop), true},
		{"class-only global as func", cat(proto(2), inst(item("func", linear)), stop), false},
		{"unknown global as func", cat(proto(2), inst(item("func", glob("evil.mod", "run"))), stop), false},
		{"denied global as inverse_func", cat(proto(2), inst(item("inverse_func", glob("os", "system"))), stop), false},
		{"callable feature_names_out not allowlisted", cat(proto(2), inst(item("feature_names_out", glob("evil.mod", "names"))), stop), false},
		{"computed kw_args", cat(proto(2), inst(item("func", wlocal), item("kw_args", emptyDict+sbs("k")+computed+"s")), stop), false},
		{"second BUILD leaves an earlier func in place", cat(proto(2), inst(item("func", linear)),
			emptyDict+build, stop), false},
		{"built by REDUCE", cat(proto(2), ft, emptyTuple, reduce, emptyDict, build, stop), false},
		{"NEWOBJ with arguments", cat(proto(2), ft, wlocal, tuple1, newobj, stop), false},
		{"no BUILD state", cat(proto(2), ft, emptyTuple, newobj, stop), false},
		{"class held as a value", cat(proto(2), mark, inst(), ft, "l", stop), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, _, err := scanBytes(t, tt.data, Options{})
			if err != nil {
				t.Fatalf("error %v", err)
			}
			var flagged bool
			for _, f := range rec.Findings {
				if f.Details["name"] == "FunctionTransformer" && f.Severity >= formats.High {
					flagged = true
				}
			}
			if flagged == tt.cleared {
				t.Errorf("FunctionTransformer flagged=%v, want %v: %s", flagged, !tt.cleared, list(rec.Findings))
			}
			if worst, any := rec.Max(); tt.cleared && any && worst >= formats.Medium {
				t.Errorf("benign FunctionTransformer has findings: %s", list(rec.Findings))
			}
		})
	}
}
