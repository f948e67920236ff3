package pickle

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/modelgate/modelgate/formats"
	"github.com/modelgate/modelgate/formats/formatstest"
	"github.com/modelgate/modelgate/internal/pythontest"
)

// scipyTemplate is what scipy 1.10 writes as _parse_arg_template for a
// continuous distribution with shapes.
func scipyTemplate(shapes string) string {
	return "\ndef _parse_args(self, " + shapes + " loc=0, scale=1):\n    return (" + shapes + "), loc, scale\n\n" +
		"def _parse_args_rvs(self, " + shapes + " loc=0, scale=1, size=None):\n    return self._argcheck_rvs(" + shapes + " loc, scale, size=size)\n\n" +
		"def _parse_args_stats(self, " + shapes + " loc=0, scale=1, moments='mv'):\n    return (" + shapes + "), loc, scale, moments\n"
}

// scipyDist assembles a distribution object as pickle writes one: NEWOBJ,
// then BUILD with its __dict__.
func scipyDist(items ...string) []byte {
	return cat(proto(2), glob("scipy.stats._continuous_distns", "gamma_gen"), emptyTuple, newobj, emptyDict, mark,
		sbu("name"), sbu("gamma"), string(cat(items...)), "u", build, stop)
}

// tmpl is a state item setting _parse_arg_template to the str s.
func tmpl(s string) string { return sbu("_parse_arg_template") + bu(s) }

// TestScipyDistributions: unpickling a scipy.stats distribution execs the
// _parse_arg_template text of its state (rv_generic.__setstate__), so the
// distribution classes are denied as code execution and cleared only when
// that text is the argument parser scipy generates. Real pickles of
// scipy's own objects are clean.
func TestScipyDistributions(t *testing.T) {
	a, _ := formats.Lookup(formats.Pickle)
	files, _ := filepath.Glob(filepath.Join("testdata", "scipy", "*.*"))
	for _, path := range files {
		if strings.HasSuffix(path, ".py") {
			continue
		}
		t.Run(filepath.Base(path), func(t *testing.T) {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			rec, err := formatstest.Run(t, a, filepath.Base(path), data)
			if err != nil {
				t.Fatal(err)
			}
			if worst, any := rec.Max(); any && worst >= formats.Medium {
				t.Errorf("scipy's own distribution has findings:\n%s", list(rec.Findings))
			}
		})
	}
	evil := "\nimport os\nos.system('id')\n" + scipyTemplate("a, ")
	twice := scipyDist(tmpl(scipyTemplate("a, ")))
	tests := []struct {
		name  string
		data  []byte
		clean bool
	}{
		{"scipy's template", scipyDist(tmpl(scipyTemplate("a, "))), true},
		{"no shapes", scipyDist(tmpl(scipyTemplate(""))), true},
		{"discrete template", scipyDist(tmpl("\ndef _parse_args(self, low, high,  loc=0):\n    return (low, high, ), loc, 1\n\n" +
			"def _parse_args_rvs(self, low, high,  loc=0, size=None):\n    return self._argcheck_rvs(low, high,  loc, 1, size=size)\n\n" +
			"def _parse_args_stats(self, low, high,  loc=0, moments='mv'):\n    return (low, high, ), loc, 1, moments\n")), true},
		{"no template: __setstate__ fails before exec", scipyDist(), true},
		{"NEWOBJ without BUILD", cat(proto(2), glob("scipy.stats._continuous_distns", "gamma_gen"), emptyTuple, newobj, stop), true},
		{"statements before the defs", scipyDist(tmpl(evil)), false},
		{"a default that calls", scipyDist(tmpl(strings.Replace(scipyTemplate("a, "), "loc=0,", "loc=__import__('os').system('id'),", 1))), false},
		{"a body that calls", scipyDist(tmpl(strings.Replace(scipyTemplate("a, "), "return (a, ), loc, scale", "return __import__('os').system('id')", 1))), false},
		{"a shape that is not an identifier", scipyDist(tmpl(scipyTemplate("a=print('x'), "))), false},
		{"template as bytes", scipyDist(sbu("_parse_arg_template") + "C\x05print"), false},
		{"state as a list of pairs", cat(proto(2), glob("scipy.stats._continuous_distns", "gamma_gen"), emptyTuple, newobj,
			mark, sbu("_parse_arg_template"), bu(evil), tuple2, "l", build, stop), false},
		{"a second BUILD with another template", cat(string(twice[:len(twice)-1]), emptyDict, sbu("_parse_arg_template"), bu(evil), "s", build, stop), false},
		{"a global in the state", scipyDist(tmpl(scipyTemplate("a, ")), sbu("_pdf"), glob("evil.mod", "pdf")), false},
		// __dict__.update(state) stores a computed key equal to the name,
		// so self._parse_arg_template is its value; a check reading only
		// constant keys sees none.
		{"key computed by str()", scipyDist(glob("builtins", "str"), sbu("_parse_arg_template"), tuple1, reduce, bu(evil)), false},
		{"key computed by ''.join", scipyDist(glob("builtins", "getattr"), sbu(""), sbu("join"), tuple2, reduce,
			"]", mark, sbu("_parse_arg"), sbu("_template"), "e", tuple1, reduce, bu(evil)), false},
		{"key computed by str.lower", scipyDist(glob("builtins", "getattr"), sbu("_PARSE_ARG_TEMPLATE"), sbu("lower"), tuple2, reduce,
			emptyTuple, reduce, bu(evil)), false},
		// rv_generic.__setstate__ calls self._attach_methods(): with the
		// real loader, sum([], logging.getLogger) there was called.
		{"_attach_methods shadowed", scipyDist(tmpl(scipyTemplate("a, ")), sbu("_attach_methods"),
			glob("builtins", "sum"), emptyList, glob("logging", "getLogger"), tuple2, reduce), false},
		{"__init__ shadowed", scipyDist(tmpl(scipyTemplate("a, ")), sbu("__init__"), glob("builtins", "sum"), emptyList,
			glob("logging", "getLogger"), tuple2, reduce), false},
		{"built by REDUCE", cat(proto(2), glob("scipy.stats._continuous_distns", "gamma_gen"), emptyTuple, reduce, stop), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, _, err := scanBytes(t, tt.data, Options{})
			if err != nil {
				t.Fatalf("error %v", err)
			}
			worst, any := rec.Max()
			if tt.clean && any && worst >= formats.Medium {
				t.Errorf("findings:\n%s", list(rec.Findings))
			}
			if !tt.clean && (!any || worst < formats.Critical) {
				t.Errorf("want critical, findings:\n%s", list(rec.Findings))
			}
		})
	}
}

// TestScipyTemplateExecs proves with the real loader that the template is
// executed on unpickling: a statement prepended to it runs.
func TestScipyTemplateExecs(t *testing.T) {
	py := pythontest.Require(t, "scipy")
	code := "\nprint('mgmarker-scipy')\n" + scipyTemplate("a, ")
	for name, data := range map[string][]byte{
		"constant key":          scipyDist(tmpl(code)),
		"key computed by str()": scipyDist(glob("builtins", "str"), sbu("_parse_arg_template"), tuple1, reduce, bu(code)),
	} {
		cmd := exec.Command(py, "-c", "import pickle, sys; pickle.loads(sys.stdin.buffer.read())")
		cmd.Stdin = strings.NewReader(string(data))
		cmd.Env = pythontest.Env(t.TempDir())
		out, _ := cmd.CombinedOutput()
		if !strings.Contains(string(out), "mgmarker-scipy") {
			t.Errorf("%s: the loader did not run the template: %s", name, out)
		}
	}
}
