package pickle

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/modelgate/modelgate/formats"
)

// TestNumpyUfuncs asserts how a pickle may name a numpy ufunc: by name
// (numpy >= 1.20: numpy.core._multiarray_umath.log1p, numpy 2.x:
// numpy.log1p), held as a value only; or as numpy < 1.20's
// numpy.core._ufunc_reconstruct(module, name), a lookup only with
// constant arguments naming a numpy ufunc module and a ufunc
// (ecosystems/ufuncs.txt), whose result is then that global, held only.
// A FunctionTransformer and a Word2Vec hold one. Calling one, or any
// other use of _ufunc_reconstruct, keeps a finding. The files are
// testdata/ufunc/make.py's real FunctionTransformer(func=np.log1p,
// inverse_func=np.expm1) pickles.
//
// Failing before: the ufunc names were not on the allowlist (MG101), nor
// _ufunc_reconstruct, and FunctionTransformer accepted only callables
// allowed as functions.
func TestNumpyUfuncs(t *testing.T) {
	const umath = "numpy.core._multiarray_umath"
	recon := glob("numpy.core", "_ufunc_reconstruct")
	reconOf := func(module, name string) string { return recon + sbu(module) + sbu(name) + tuple2 + reduce }
	ft := func(key, value string) []byte {
		return cat(proto(2), glob("sklearn.preprocessing._function_transformer", "FunctionTransformer"), emptyTuple, newobj,
			emptyDict, sbu(key), value, "s", build, stop)
	}
	w2v := func(value string) []byte {
		return cat(proto(2), glob("gensim.models.word2vec", "Word2Vec"), emptyTuple, newobj, emptyDict, sbu("hashfxn"), value, "s", build, stop)
	}
	tests := []struct {
		name string
		data []byte
		rule string // reported at medium or above, or "" for clean
	}{
		{"FunctionTransformer of numpy.log1p", ft("func", glob("numpy", "log1p")), ""},
		{"FunctionTransformer of umath log1p", ft("func", glob(umath, "log1p")), ""},
		{"FunctionTransformer of numpy 2's umath log1p", ft("func", glob("numpy._core._multiarray_umath", "log1p")), ""},
		{"FunctionTransformer of numpy 2's umath, reconstructed", ft("func", recon+sbu("numpy._core.umath")+sbu("expm1")+tuple2+reduce), ""},
		{"FunctionTransformer of umath.log1p, reconstructed", ft("func", reconOf(umath, "log1p")), ""},
		{"FunctionTransformer of numpy.abs, reconstructed", ft("func", reconOf("numpy", "abs")), ""},
		{"Word2Vec hashfxn a ufunc", w2v(glob("numpy", "log1p")), ""},
		{"Word2Vec hashfxn a reconstructed ufunc", w2v(reconOf("numpy.core.umath", "absolute")), ""},
		{"list of ufuncs", cat(proto(2), glob("numpy", "add"), glob(umath, "multiply"), tuple2, stop), ""},
		// Hostile: calls, other modules and names, computed arguments.
		{"ufunc called", cat(proto(2), glob("numpy", "log1p"), k1(1), tuple1, reduce, stop), RuleMisusedGlobal},
		{"reconstructed ufunc called", cat(proto(2), reconOf(umath, "log1p"), k1(1), tuple1, reduce, stop), RuleMisusedGlobal},
		{"reconstruct os.system", ft("func", reconOf("os", "system")), RuleDeniedGlobal},
		{"reconstruct numpy.load", ft("func", reconOf("numpy", "load")), RuleDeniedGlobal},
		{"reconstruct a ufunc name from os", ft("func", reconOf("os", "add")), RuleDeniedGlobal},
		{"reconstruct a dotted name", ft("func", reconOf("numpy", "add.reduce")), RuleDeniedGlobal},
		{"reconstruct with a computed module", ft("func", recon+glob("builtins", "str")+sbu(umath)+tuple1+reduce+sbu("log1p")+tuple2+reduce), RuleDeniedGlobal},
		{"reconstruct with three arguments", ft("func", recon+sbu(umath)+sbu("log1p")+"N"+"\x87"+reduce), RuleDeniedGlobal},
		{"reconstruct with keywords", cat(proto(4), recon, sbu(umath), sbu("log1p"), tuple2, emptyDict, "\x92", stop), RuleDeniedGlobal},
		{"reconstruct held", ft("func", recon), RuleDeniedGlobal},
		{"reconstruct called then its result held and called", cat(proto(2), reconOf("numpy", "log1p"), binput(1), pop, binget(1), k1(1), tuple1, reduce, stop), RuleMisusedGlobal},
		{"ufunc built", cat(proto(2), glob("numpy", "log1p"), emptyTuple, newobj, stop), RuleMisusedGlobal},
		{"ufunc BUILD target", cat(proto(2), glob("numpy", "log1p"), emptyDict, build, stop), RuleGlobalMutation},
		{"a numpy function that is no ufunc", ft("func", glob("numpy", "vectorize")), RuleDeniedGlobal},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, _, err := scanBytes(t, tt.data, Options{})
			if err != nil {
				t.Fatalf("error %v", err)
			}
			worst, any := rec.Max()
			if tt.rule == "" {
				if any && worst >= formats.Medium {
					t.Errorf("benign form has findings: %s", list(rec.Findings))
				}
				return
			}
			if !slices.Contains(rec.Rules(), tt.rule) || worst < formats.Medium {
				t.Errorf("rule %s not reported at medium or above; got %s", tt.rule, list(rec.Findings))
			}
		})
	}
	for _, f := range []string{"ft_log1p_p2.pkl", "ft_log1p_p4.pkl", "ft_log1p_reconstruct.pkl"} {
		t.Run(f, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", "ufunc", f))
			if err != nil {
				t.Fatal(err)
			}
			rec, _, err := scanBytes(t, data, Options{})
			if err != nil {
				t.Fatalf("error %v", err)
			}
			if worst, any := rec.Max(); any && worst >= formats.Medium {
				t.Errorf("real FunctionTransformer of a ufunc has findings: %s", list(rec.Findings))
			}
		})
	}
}
