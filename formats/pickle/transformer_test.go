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
// constant keyword arguments. Any other shape keeps MG102 (high). Keras's
// text Tokenizer, whose only callable is analyzer, is judged the same way;
// other Keras globals stay denied. Holder classes that are on no list
// (keras_preprocessing's Tokenizer, imbalanced-learn's FunctionSampler) are
// cleared on the same terms and otherwise stay unknown imports (MG101).
func TestCallableHolders(t *testing.T) {
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
	tok := glob("keras.src.legacy.preprocessing.text", "Tokenizer")
	tokenizer := func(analyzer string) string {
		return tok + emptyTuple + newobj + emptyDict + mark + sbs("word_counts") + glob("collections", "OrderedDict") + emptyTuple + reduce +
			sbs("filters") + sbs("!?") + sbs("num_words") + "N" + sbs("analyzer") + analyzer + "u" + build
	}
	kpTokenizer := func(analyzer string) string {
		return glob("keras_preprocessing.text", "Tokenizer") + emptyTuple + newobj + emptyDict + mark +
			sbs("num_words") + "N" + sbs("analyzer") + analyzer + "u" + build
	}
	sampler := func(fn string) string {
		return glob("imblearn.base", "FunctionSampler") + emptyTuple + newobj + emptyDict + mark +
			sbs("func") + fn + sbs("kw_args") + "N" + sbs("validate") + "\x88" + "u" + build
	}
	tests := []struct {
		name    string
		global  string
		data    []byte
		cleared bool
	}{
		{"scikit-learn passthrough", "FunctionTransformer", real, true},
		{"identity", "FunctionTransformer", cat(proto(2), inst(item("func", "N"), item("inverse_func", "N"), item("feature_names_out", sbs("one-to-one"))), stop), true},
		{"allowlisted function with constant kw_args", "FunctionTransformer", cat(proto(2),
			inst(item("func", wlocal), item("kw_args", emptyDict+sbs("k")+sbs("v")+"s")), stop), true},
		{"class-only global as func", "FunctionTransformer", cat(proto(2), inst(item("func", linear)), stop), false},
		{"unknown global as func", "FunctionTransformer", cat(proto(2), inst(item("func", glob("evil.mod", "run"))), stop), false},
		{"denied global as inverse_func", "FunctionTransformer", cat(proto(2), inst(item("inverse_func", glob("os", "system"))), stop), false},
		{"callable feature_names_out not allowlisted", "FunctionTransformer", cat(proto(2), inst(item("feature_names_out", glob("click.evil", "names"))), stop), false},
		{"computed kw_args", "FunctionTransformer", cat(proto(2), inst(item("func", wlocal), item("kw_args", emptyDict+sbs("k")+computed+"s")), stop), false},
		{"second BUILD leaves an earlier func in place", "FunctionTransformer", cat(proto(2), inst(item("func", linear)),
			emptyDict+build, stop), false},
		{"built by REDUCE", "FunctionTransformer", cat(proto(2), ft, emptyTuple, reduce, emptyDict, build, stop), false},
		{"NEWOBJ with arguments", "FunctionTransformer", cat(proto(2), ft, wlocal, tuple1, newobj, stop), false},
		{"no BUILD state", "FunctionTransformer", cat(proto(2), ft, emptyTuple, newobj, stop), false},
		{"class held as a value", "FunctionTransformer", cat(proto(2), mark, inst(), ft, "l", stop), false},
		{"duplicate func key, the later one wins", "FunctionTransformer", cat(proto(2), inst(item("func", "N"), item("func", linear)), stop), false},
		{"state dict changed through the memo after BUILD", "FunctionTransformer", cat(proto(2), ft, emptyTuple, newobj,
			emptyDict, binput(0), mark, sbs("func"), "N", "u", build, binget(0), sbs("func"), linear, "s", pop, stop), false},
		{"state dict emptied of func through the memo after BUILD", "FunctionTransformer", cat(proto(2), ft, emptyTuple, newobj,
			emptyDict, binput(0), mark, sbs("func"), linear, "u", build, binget(0), sbs("func"), "N", "s", pop, stop), false},
		{"an attribute shadowing a method", "FunctionTransformer", cat(proto(2), inst(item("transform", linear)), stop), false},
		{"an attribute shadowing append, which APPEND calls", "FunctionTransformer", cat(proto(2), inst(item("append", linear)), "N", "a", stop), false},
		// A builtin returns the global it is given, as a value.
		{"a method shadowed by sum([], f)", "FunctionTransformer", cat(proto(2), inst(item("transform",
			glob("builtins", "sum")+emptyList+glob("logging", "getLogger")+tuple2+reduce)), stop), false},
		{"a method shadowed by getattr(module, name)", "FunctionTransformer", cat(proto(2), inst(item("_transform",
			glob("builtins", "getattr")+glob("logging", "getLogger")+sbu("__call__")+tuple2+reduce)), stop), false},
		{"state as (dict, slotstate)", "FunctionTransformer", cat(proto(2), ft, emptyTuple, newobj, "N", emptyDict, sbs("func"), linear, "s", tuple2, build, stop), false},
		{"Keras Tokenizer", "Tokenizer", cat(proto(2), tokenizer("N"), stop), true},
		{"Keras Tokenizer with an unknown analyzer", "Tokenizer", cat(proto(2), tokenizer(glob("click.evil", "split")), stop), false},
		{"Keras Tokenizer with a class-only analyzer", "Tokenizer", cat(proto(2), tokenizer(linear), stop), false},
		{"keras_preprocessing Tokenizer (not on the allowlist)", "Tokenizer", cat(proto(2), kpTokenizer("N"), stop), true},
		{"keras_preprocessing Tokenizer with an unknown analyzer", "Tokenizer", cat(proto(2), kpTokenizer(glob("click.evil", "split")), stop), false},
		{"imblearn FunctionSampler, func None", "FunctionSampler", cat(proto(2), sampler("N"), stop), true},
		{"imblearn FunctionSampler calling os.system", "FunctionSampler", cat(proto(2), sampler(glob("os", "system")), stop), false},
		{"Keras model", "Functional", cat(proto(2), glob("keras.src.models.functional", "Functional"), emptyTuple, newobj, emptyDict, build, stop), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, _, err := scanBytes(t, tt.data, Options{})
			if err != nil {
				t.Fatalf("error %v", err)
			}
			var flagged bool
			for _, f := range rec.Findings {
				if f.Details["name"] == tt.global && f.Severity >= formats.Medium {
					flagged = true
				}
			}
			if flagged == tt.cleared {
				t.Errorf("%s flagged=%v, want %v: %s", tt.global, flagged, !tt.cleared, list(rec.Findings))
			}
			if worst, any := rec.Max(); tt.cleared && any && worst >= formats.Medium {
				t.Errorf("benign %s has findings: %s", tt.global, list(rec.Findings))
			}
		})
	}
}
