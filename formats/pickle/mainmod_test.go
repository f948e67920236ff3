package pickle

import (
	"archive/zip"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/modelgate/modelgate/formats"
	"github.com/modelgate/modelgate/formats/formatstest"
)

// TestMainSamples runs the analyzer over real files that name the saving
// program's own definitions in __main__ (testdata/mainmod, made by
// make_mainmod.py): whole-module torch.save in both formats, a
// TfidfVectorizer with a script's tokenizer, a Pipeline whose
// FunctionTransformer holds a script's function (joblib and pickle),
// protocols 0, 2 and 4 of a plain instance, and dill's by-reference class.
// Each __main__ name is only built as a class or held as a value: it is
// reported low (MG117) and nothing is medium or above.
func TestMainSamples(t *testing.T) {
	a, _ := formats.Lookup(formats.Pickle)
	tests := []struct {
		file string
		main []string // the __main__ names reported under MG117
	}{
		{"torch_module_zip.pt", []string{"Net"}},
		{"torch_module_legacy.pt", []string{"Net"}},
		{"tfidf_main_tokenizer.pkl", []string{"custom_tokenizer"}},
		{"pipeline_function_transformer.joblib", []string{"scaling_function"}},
		{"pipeline_function_transformer.pkl", []string{"scaling_function"}},
		{"point_p0.pkl", []string{"Point"}},
		{"point_p2.pkl", []string{"Point"}},
		{"point_p4.pkl", []string{"Point"}},
		{"dill_class_by_ref.pkl", []string{"Point"}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata/mainmod", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			if strings.HasSuffix(tt.file, "_zip.pt") {
				data = zipMember(t, data, "/data.pkl")
			}
			var rec *formatstest.Recorder
			if strings.HasSuffix(tt.file, "_legacy.pt") {
				// formats/pytorch reads legacy torch.save files with
				// legacy torch.load's persistent_load.
				rec, _, err = scanBytes(t, data, Options{Multiple: true, MaxStreams: 5, Hooks: Hooks{PersistentLoad: legacyModuleClass}})
			} else {
				rec, err = formatstest.Run(t, a, tt.file, data)
			}
			if err != nil {
				t.Fatalf("error %v", err)
			}
			var got []string
			for _, f := range rec.Findings {
				if f.Severity >= formats.Medium {
					t.Errorf("real pickle has a finding at %s: %s", f.Severity, list(rec.Findings))
				}
				if f.Rule == RuleMainGlobal {
					if f.Severity != formats.Low || f.Details["module"] != "__main__" {
						t.Errorf("MG117 finding %+v", f)
					}
					got = append(got, f.Details["name"])
				}
			}
			if strings.Join(got, ",") != strings.Join(tt.main, ",") {
				t.Errorf("MG117 names %v, want %v: %s", got, tt.main, list(rec.Findings))
			}
		})
	}
}

// zipMember returns the member of a torch.save zip whose name ends in
// suffix.
func zipMember(t *testing.T, data []byte, suffix string) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range zr.File {
		if !strings.HasSuffix(f.Name, suffix) {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		defer rc.Close()
		b, err := io.ReadAll(rc)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	t.Fatalf("no member *%s", suffix)
	return nil
}

// TestMainUses asserts when a __main__ name is judged low: only a plain
// identifier not starting with "__", of exactly __main__, that every use
// builds as a class or holds as a value. A call of any kind (REDUCE, OBJ,
// INST, a reconstructor's base, a forwarded or reconstructor-called
// function, BUILD or SETITEM applied to the global) keeps MG101 medium;
// dotted names, dunders, __mp_main__ and names spelled like os.system and
// its kin are never low; a callable holder
// is cleared only when its callables are __main__ names or allowlisted
// functions.
func TestMainUses(t *testing.T) {
	mainA := glob("__main__", "A")
	obj := glob("builtins", "object")
	recon := func(cls, base string) string {
		return glob("copyreg", "_reconstructor") + cls + base + "N" + "\x87" + reduce
	}
	ft := func(items ...string) string {
		return glob("sklearn.preprocessing._function_transformer", "FunctionTransformer") + emptyTuple + newobj +
			emptyDict + mark + string(cat(items...)) + "u" + build
	}
	type want struct {
		name string           // the finding's details.name
		rule string           // its rule
		sev  formats.Severity // its least severity
	}
	var mutations strings.Builder
	for i := range maxMutations {
		mutations.WriteString(glob("evil.mod", "g"+strconv.Itoa(i)) + emptyDict + build + pop)
	}
	low := func(name string) want { return want{name, RuleMainGlobal, formats.Low} }
	unknown := func(name string) want { return want{name, RuleUnknownGlobal, formats.Medium} }
	tests := []struct {
		name string
		data []byte
		want []want
		gate bool // some finding is medium or above
	}{
		// Builds and held values: low, and the gate passes.
		{"NEWOBJ then BUILD", cat(proto(2), mainA, emptyTuple, newobj, emptyDict, build, stop), []want{low("A")}, false},
		{"NEWOBJ with arguments", cat(proto(2), mainA, k1(1), tuple1, newobj, stop), []want{low("A")}, false},
		{"NEWOBJ_EX", cat(proto(4), sbu("__main__"), sbu("A"), stackGlobal, emptyTuple, emptyDict, newobjEx, stop), []want{low("A")}, false},
		{"reconstructor with base object", cat(proto(0), recon(mainA, obj), stop), []want{low("A")}, false},
		{"copyreg.__newobj__", cat(proto(2), glob("copyreg", "__newobj__"), mainA, tuple1, reduce, stop), []want{low("A")}, false},
		{"held in a dict", cat(proto(2), emptyDict, sbu("f"), glob("__main__", "f"), "s", stop), []want{low("f")}, false},
		{"held and built through the memo", cat(proto(2), mainA, binput(0), pop, binget(0), emptyTuple, newobj, binget(0), tuple2, stop), []want{low("A")}, false},
		{"getattr of a held name: the chain stays unknown", cat(proto(2), glob("builtins", "getattr"), mainA, sbu("y"), tuple2, reduce, stop),
			[]want{low("A"), unknown("A.y")}, true},
		{"FunctionTransformer of a __main__ function", cat(proto(2), ft(sbs("func"), glob("__main__", "f")), stop), []want{low("f")}, false},
		{"FunctionTransformer of a __main__ function and an allowlisted one", cat(proto(2), ft(sbs("func"), glob("__main__", "f"),
			sbs("inverse_func"), glob("gensim.models.tfidfmodel", "smartirs_wlocal")), stop), []want{low("f")}, false},
		// Calls: medium or above.
		{"REDUCE of __main__.system with a string", cat(proto(2), glob("__main__", "system"), sbu("id"), tuple1, reduce, stop),
			[]want{unknown("system")}, true},
		{"__main__.main()", cat(proto(2), glob("__main__", "main"), emptyTuple, reduce, stop), []want{unknown("main")}, true},
		{"built then called", cat(proto(2), mainA, binput(0), emptyTuple, newobj, binget(0), emptyTuple, reduce, stop), []want{unknown("A")}, true},
		{"OBJ of a __main__ class", cat(proto(1), mark, mainA, "o", stop), []want{unknown("A")}, true},
		{"INST of a __main__ class", cat(mark, inst("__main__", "A"), stop), []want{unknown("A")}, true},
		{"reconstructor with a __main__ base", cat(proto(0), recon(mainA, glob("__main__", "B")), stop),
			[]want{low("A"), unknown("B")}, true},
		{"forwarded call", cat(proto(2), glob("dill._dill", "_create_array"), glob("__main__", "f"), emptyTuple, "N", "\x87", reduce, stop),
			[]want{unknown("f")}, true},
		{"reconstructor's function argument", cat(proto(2), glob("torch._tensor", "_rebuild_from_type_v2"), mark, glob("__main__", "f"),
			glob("torch", "Tensor"), emptyTuple, "N", "t", reduce, stop), []want{unknown("f")}, true},
		{"BUILD on the global itself", cat(proto(2), mainA, emptyDict, sbu("x"), k1(1), "s", build, stop),
			[]want{unknown("A"), {"", RuleGlobalMutation, formats.High}}, true},
		{"SETITEM on the global itself", cat(proto(2), mainA, sbu("x"), k1(1), "s", stop),
			[]want{unknown("A"), {"", RuleGlobalMutation, formats.High}}, true},
		{"SETITEM on the global after the mutation cap", cat(proto(2), mutations.String(), mainA, sbu("x"), k1(1), "s", stop),
			[]want{unknown("A")}, true},
		// Names that are not a plain attribute of the main module.
		{"dotted __main__ + os.system, protocol 4", cat(proto(4), sbu("__main__"), sbu("os.system"), stackGlobal, sbu("id"), tuple1, reduce, stop),
			[]want{{"os.system", "", formats.Medium}}, true},
		{"dotted name held", cat(proto(4), sbu("__main__"), sbu("Outer.Inner"), stackGlobal, emptyTuple, newobj, stop),
			[]want{unknown("Outer.Inner")}, true},
		{"__main__.__builtins__", cat(proto(2), glob("__main__", "__builtins__"), tuple1, stop), []want{{"__builtins__", "", formats.Medium}}, true},
		{"__main__.__loader__", cat(proto(2), glob("__main__", "__loader__"), tuple1, stop), []want{{"__loader__", "", formats.Medium}}, true},
		{"mangled name", cat(proto(2), glob("__main__", "__A"), emptyTuple, newobj, stop), []want{unknown("__A")}, true},
		{"held name spelled like os.system", cat(proto(2), emptyDict, sbu("f"), glob("__main__", "system"), "s", stop),
			[]want{unknown("system")}, true},
		{"FunctionTransformer of __main__.read_pickle", cat(proto(2), ft(sbs("func"), glob("__main__", "read_pickle")), stop),
			[]want{unknown("read_pickle"), {"FunctionTransformer", RuleDeniedGlobal, formats.High}}, true},
		{"held name spelled like torch.hub.load_state_dict_from_url", cat(proto(2), emptyDict, sbu("f"), glob("__main__", "load_state_dict_from_url"), "s", stop),
			[]want{unknown("load_state_dict_from_url")}, true},
		{"FunctionTransformer of __main__.check_output", cat(proto(2), ft(sbs("func"), glob("__main__", "check_output")), stop),
			[]want{unknown("check_output"), {"FunctionTransformer", RuleDeniedGlobal, formats.High}}, true},
		{"__mp_main__ imports a module of that name", cat(proto(2), glob("__mp_main__", "A"), emptyTuple, newobj, stop),
			[]want{unknown("A")}, true},
		{"FunctionTransformer of a __main__ function and an unknown one", cat(proto(2), ft(sbs("func"), glob("__main__", "f"),
			sbs("inverse_func"), glob("click.evil", "g")), stop), []want{low("f"), unknown("g"), {"FunctionTransformer", RuleDeniedGlobal, formats.High}}, true},
		{"FunctionTransformer of a dotted __main__ name", cat(proto(4), glob("sklearn.preprocessing._function_transformer", "FunctionTransformer"),
			emptyTuple, newobj, emptyDict, mark, sbs("func"), sbu("__main__"), sbu("os.system"), stackGlobal, "u", build, stop),
			[]want{{"FunctionTransformer", RuleDeniedGlobal, formats.High}}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, _, err := scanBytes(t, tt.data, Options{})
			if err != nil {
				t.Fatalf("error %v", err)
			}
			for _, w := range tt.want {
				found := false
				for _, f := range rec.Findings {
					if w.name != "" && f.Details["name"] != w.name || w.rule != "" && f.Rule != w.rule {
						continue
					}
					found = true
					if f.Severity < w.sev || w.rule == RuleMainGlobal && f.Severity != formats.Low {
						t.Errorf("%s %s at %s, want %s", f.Rule, w.name, f.Severity, w.sev)
					}
					if w.rule != RuleMainGlobal && f.Rule == RuleMainGlobal {
						t.Errorf("%s reported under MG117", w.name)
					}
				}
				if !found {
					t.Errorf("no %s finding for %q", w.rule, w.name)
				}
			}
			if worst, _ := rec.Max(); (worst >= formats.Medium) != tt.gate {
				t.Errorf("worst %s, gate fails = %v", worst, tt.gate)
			}
			if t.Failed() {
				t.Log(list(rec.Findings))
			}
		})
	}
}
