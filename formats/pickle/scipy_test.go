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
		name string
		data []byte
		want formats.Severity // the worst finding at least; Low: the gate passes
	}{
		{"scipy's template", scipyDist(tmpl(scipyTemplate("a, "))), formats.Low},
		{"no shapes", scipyDist(tmpl(scipyTemplate(""))), formats.Low},
		{"discrete template", scipyDist(tmpl("\ndef _parse_args(self, low, high,  loc=0):\n    return (low, high, ), loc, 1\n\n" +
			"def _parse_args_rvs(self, low, high,  loc=0, size=None):\n    return self._argcheck_rvs(low, high,  loc, 1, size=size)\n\n" +
			"def _parse_args_stats(self, low, high,  loc=0, moments='mv'):\n    return (low, high, ), loc, 1, moments\n")), formats.Low},
		{"no template: __setstate__ fails before exec", scipyDist(), formats.Low},
		{"NEWOBJ without BUILD", cat(proto(2), glob("scipy.stats._continuous_distns", "gamma_gen"), emptyTuple, newobj, stop), formats.Low},
		{"statements before the defs", scipyDist(tmpl(evil)), formats.Critical},
		{"a default that calls", scipyDist(tmpl(strings.Replace(scipyTemplate("a, "), "loc=0,", "loc=__import__('os').system('id'),", 1))), formats.Critical},
		{"a body that calls", scipyDist(tmpl(strings.Replace(scipyTemplate("a, "), "return (a, ), loc, scale", "return __import__('os').system('id')", 1))), formats.Critical},
		{"a shape that is not an identifier", scipyDist(tmpl(scipyTemplate("a=print('x'), "))), formats.Critical},
		{"template as bytes", scipyDist(sbu("_parse_arg_template") + "C\x05print"), formats.Critical},
		{"state as a list of pairs", cat(proto(2), glob("scipy.stats._continuous_distns", "gamma_gen"), emptyTuple, newobj,
			mark, sbu("_parse_arg_template"), bu(evil), tuple2, "l", build, stop), formats.Critical},
		{"a second BUILD with another template", cat(string(twice[:len(twice)-1]), emptyDict, sbu("_parse_arg_template"), bu(evil), "s", build, stop), formats.Critical},
		{"a global in the state", scipyDist(tmpl(scipyTemplate("a, ")), sbu("_pdf"), glob("evil.mod", "pdf")), formats.Critical},
		// __dict__.update(state) stores a computed key equal to the name,
		// so self._parse_arg_template is its value; a check reading only
		// constant keys sees none.
		{"key computed by str()", scipyDist(glob("builtins", "str"), sbu("_parse_arg_template"), tuple1, reduce, bu(evil)), formats.Critical},
		{"key computed by ''.join", scipyDist(glob("builtins", "getattr"), sbu(""), sbu("join"), tuple2, reduce,
			"]", mark, sbu("_parse_arg"), sbu("_template"), "e", tuple1, reduce, bu(evil)), formats.Critical},
		{"key computed by str.lower", scipyDist(glob("builtins", "getattr"), sbu("_PARSE_ARG_TEMPLATE"), sbu("lower"), tuple2, reduce,
			emptyTuple, reduce, bu(evil)), formats.Critical},
		// rv_generic.__setstate__ calls self._attach_methods(): with the
		// real loader, sum([], logging.getLogger) there was called.
		{"_attach_methods shadowed", scipyDist(tmpl(scipyTemplate("a, ")), sbu("_attach_methods"),
			glob("builtins", "sum"), emptyList, glob("logging", "getLogger"), tuple2, reduce), formats.Critical},
		{"__init__ shadowed", scipyDist(tmpl(scipyTemplate("a, ")), sbu("__init__"), glob("builtins", "sum"), emptyList,
			glob("logging", "getLogger"), tuple2, reduce), formats.Critical},
		{"built by REDUCE", cat(proto(2), glob("scipy.stats._continuous_distns", "gamma_gen"), emptyTuple, reduce, stop), formats.Critical},
		// Discrete distributions keep vecentropy: vectorize(getattr(dist, "_entropy")).
		{"vecentropy as scipy pickles it", discrete(vec(method("_entropy"))), formats.Low},
		{"vectorize of another method", discrete(vec(method("_pdf"))), formats.Critical},
		{"vectorize of a dunder", discrete(vec(method("__class__"))), formats.Critical},
		{"vectorize of os.system", discrete(vec(glob("os", "system"))), formats.Critical},
		{"the bound method of another object", cat(proto(2), glob("torch.nn.modules.linear", "Linear"), emptyTuple, newobj, binput(0),
			vec(method("_entropy")), stop), formats.Critical},
		{"vectorize called with the method", discrete(glob("numpy", "vectorize") + method("_entropy") + tuple1 + reduce), formats.High},
		{"vectorize with a global attribute", discrete(vec(method("_entropy"), sbu("otypes"), glob("evil.mod", "t"))), formats.High},
		// With otypes set, calling a vectorize calls its cached _ufunc[nargs]
		// in pyfunc's place (numpy/lib/function_base.py, 1.24): the real
		// loader called builtins.print held there.
		{"vectorize with a _ufunc cache", discrete(vec("N", sbu("otypes"), sbu("O"), sbu("_ufunc"), emptyDict, k1(1),
			glob("sentencepiece", "SentencePieceProcessor"), "s")), formats.High},
		{"vectorize with a _ufunc cache of the method", discrete(vec(method("_entropy"), sbu("otypes"), sbu("O"), sbu("_ufunc"), emptyDict,
			k1(1), method("_entropy"), "s")), formats.High},
		// An instance attribute shadows the class's method: once BUILD has
		// run, getattr(dist, "_entropy") is what the state put there, here
		// a vectorize whose _ufunc cache holds a class-only global, which a
		// FunctionTransformer then calls as its func.
		{"_entropy shadowed by the state", cat(proto(2), glob("scipy.stats._discrete_distns", "randint_gen"), emptyTuple, newobj, binput(0),
			emptyDict, mark, sbu("name"), sbu("randint"), sbu("_entropy"), vec("N"), "u", build,
			glob("sklearn.preprocessing._function_transformer", "FunctionTransformer"), emptyTuple, newobj, emptyDict, mark,
			sbu("func"), method("_entropy"), "u", build, stop), formats.Critical},
		// BUILD on a bound method fills its function's __dict__: here
		// randint_gen._entropy.__wrapped__, for every distribution.
		{"BUILD on the bound method", discrete(method("_entropy") + emptyDict + sbu("__wrapped__") + k1(1) + "s" + build + "0" +
			vec(method("_entropy"))), formats.Medium},
		{"_entropy shadowed by a constant", discrete(vec(method("_entropy")) + sbu("_entropy") + k1(1)), formats.Critical},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, _, err := scanBytes(t, tt.data, Options{})
			if err != nil {
				t.Fatalf("error %v", err)
			}
			worst, any := rec.Max()
			if tt.want == formats.Low && any && worst >= formats.Medium {
				t.Errorf("findings:\n%s", list(rec.Findings))
			}
			if tt.want > formats.Low && (!any || worst < tt.want) {
				t.Errorf("want %s, findings:\n%s", tt.want, list(rec.Findings))
			}
		})
	}
}

// discrete assembles a discrete distribution whose state holds vecentropy
// v; the distribution is memo 0.
func discrete(v string) []byte {
	return cat(proto(2), glob("scipy.stats._discrete_distns", "randint_gen"), emptyTuple, newobj, binput(0), emptyDict, mark,
		sbu("name"), sbu("randint"), sbu("vecentropy"), v, "u", build, stop)
}

// vec is a numpy.vectorize of pyfunc p, built as pickle builds it, with
// more state items.
func vec(p string, items ...string) string {
	return glob("numpy", "vectorize") + emptyTuple + newobj + emptyDict + mark + sbu("pyfunc") + p + sbu("cache") + "\x89" +
		string(cat(items...)) + "u" + build
}

// method is getattr(memo 0, name).
func method(name string) string {
	return glob("builtins", "getattr") + binget(0) + sbu(name) + tuple2 + reduce
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
