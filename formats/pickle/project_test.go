package pickle

import (
	"slices"
	"testing"

	"github.com/modelgate/modelgate/formats"
)

// TestProjectUses asserts when a name of a module no known library
// provides is judged low (MG119): the same shapes as a __main__ name
// (TestMainUses), and a module path of plain identifiers whose top-level
// package is neither the standard library, a PyPI distribution the top
// lists ever held, a library on the lists nor a git-only one. Anything
// else stays an unknown import, medium or above.
func TestProjectUses(t *testing.T) {
	ft := func(fn string) string {
		return glob("sklearn.preprocessing._function_transformer", "FunctionTransformer") + emptyTuple + newobj +
			emptyDict + mark + sbs("func") + fn + "u" + build
	}
	newObj := func(module, name string) []byte {
		return cat(proto(2), glob(module, name), emptyTuple, newobj, emptyDict, build, stop)
	}
	tests := []struct {
		name string
		data []byte
		rule string // the finding on the name
		gate bool   // some finding is medium or above
	}{
		{"a project's model class, NEWOBJ then BUILD", newObj("mario_ppo", "PolicyNetwork"), RuleProjectGlobal, false},
		{"a project package's transformer", newObj("titanic_model.preprocessors", "ToInteger"), RuleProjectGlobal, false},
		{"reconstructor with base object", cat(proto(0), glob("copyreg", "_reconstructor"), glob("hw1", "LSTMCritic"),
			glob("builtins", "object"), "N", "\x87", reduce, stop), RuleProjectGlobal, false},
		{"FunctionTransformer of a project function", cat(proto(2), ft(glob("preprocessing", "text_preprocessing_function")), stop),
			RuleProjectGlobal, false},
		{"called with REDUCE", cat(proto(2), glob("mario_ppo", "make_env"), emptyTuple, reduce, stop), RuleUnknownGlobal, true},
		{"INST with an argument", cat(mark, sbu("x"), inst("hw1", "LSTMCritic"), stop), RuleUnknownGlobal, true},
		{"held name spelled like os.system", cat(proto(2), emptyDict, sbu("f"), glob("mario_ppo", "system"), "s", stop),
			RuleUnknownGlobal, true},
		{"FunctionTransformer of a project module's loads", cat(proto(2), ft(glob("preprocessing", "loads")), stop),
			RuleUnknownGlobal, true},
		{"dotted name through the project module, protocol 4", cat(proto(4), sbu("mario_ppo"), sbu("os.system"), stackGlobal,
			sbu("id"), tuple1, reduce, stop), RuleDeniedGlobal, true},
		{"dunder of a project module", cat(proto(2), glob("mario_ppo", "__builtins__"), tuple1, stop), RuleDeniedGlobal, true},
		{"unknown class of a PyPI library", newObj("click.evil", "Cls"), RuleUnknownGlobal, true},
		{"a library fallen out of the top lists", newObj("fbprophet.models", "PyStanBackend"), RuleUnknownGlobal, true},
		{"a git-only library", newObj("detectron2.evil", "Cls"), RuleUnknownGlobal, true},
		{"a known library spelled in capitals", newObj("Click.evil", "Cls"), RuleUnknownGlobal, true},
		{"a standard-library module", newObj("xmlrpc.client", "ServerProxy"), "", true},
		// Importable on hosts other than the generator's: stdlib of
		// older or newer interpreters, CPython's test modules, pywin32.
		{"a module removed from the standard library", newObj("binhex", "BinHex"), RuleUnknownGlobal, true},
		{"Python 2's restricted execution", newObj("rexec", "RExec"), RuleUnknownGlobal, true},
		{"a newer standard library's internal", newObj("_pydatetime", "datetime"), RuleUnknownGlobal, true},
		{"a CPython test extension module", newObj("_testbuffer", "ndarray"), RuleUnknownGlobal, true},
		{"pywin32's COM client", newObj("win32com.client.dynamic", "CDispatch"), RuleUnknownGlobal, true},
		{"conda's environment package", newObj("conda_env.env", "Environment"), RuleUnknownGlobal, true},
		{"Kaggle notebooks' secrets client", newObj("kaggle_secrets", "UserSecretsClient"), RuleUnknownGlobal, true},
		{"remote code transformers cached", newObj("transformers_modules.org.repo.modeling_x", "XModel"), RuleUnknownGlobal, true},
		{"TorchScript's __torch__", newObj("__torch__.nn", "Linear"), "", false},
		{"a module with a non-ASCII name", newObj("modèle", "Net"), RuleUnknownGlobal, true},
		{"a module path with an empty part", newObj("mario_ppo..x", "Net"), RuleUnknownGlobal, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, _, err := scanBytes(t, tt.data, Options{})
			if err != nil {
				t.Fatalf("error %v", err)
			}
			var rules []string
			for _, f := range rec.Findings {
				rules = append(rules, f.Rule)
				if f.Rule == RuleProjectGlobal && f.Severity != formats.Low {
					t.Errorf("MG119 at %s", f.Severity)
				}
			}
			if tt.rule != "" && !slices.Contains(rules, tt.rule) {
				t.Errorf("no %s finding", tt.rule)
			}
			if tt.rule != RuleProjectGlobal && slices.Contains(rules, RuleProjectGlobal) {
				t.Errorf("reported under MG119")
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
