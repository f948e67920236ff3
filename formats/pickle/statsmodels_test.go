package pickle

import (
	"strings"
	"testing"

	"github.com/modelgate/modelgate/formats"
)

// TestStatsmodelsModelData: statsmodels' ModelData, PandasData and
// PatsyData are off the allowlist (ModelData.__setstate__ calls
// patsy.dmatrices, which evals the terms of the state's formula, when the
// state has restore_design_info) and cleared only when built by NEWOBJ
// and one BUILD whose dict has constant keys and no restore_design_info
// (what a model fitted without a formula pickles), or restore_design_info
// with a formula of names, numbers, patsy's operators and builtins and
// numpy's ufuncs over a pandas data frame (a formula model's).
func TestStatsmodelsModelData(t *testing.T) {
	data := func(name string, items ...string) []byte {
		return cat(proto(2), glob("statsmodels.base.data", name), emptyTuple, newobj, emptyDict, mark,
			string(cat(items...)), "u", build, stop)
	}
	item := func(k, v string) string { return sbu(k) + v }
	formula := item("formula", sbu("y ~ I(__import__('os').system('echo pwned')) + x"))
	tests := []stateCase{
		{"PandasData of a model fitted on data frames", data("PandasData", item("k_constant", "K\x01"), item("xnames", "N")), true},
		{"ModelData of a model fitted on arrays", data("ModelData", item("k_constant", "K\x00")), true},
		{"PatsyData without a formula", data("PatsyData", item("k_constant", "K\x00")), true},
		{"restore_design_info and a formula", data("PandasData", item("restore_design_info", "\x88"), formula), false},
		{"restore_design_info false (still a key: __setstate__ tests 'in')", data("PandasData", item("restore_design_info", "\x89"), formula), false},
		{"restore_design_info on ModelData", data("ModelData", item("restore_design_info", "\x88"), formula), false},
		{"a computed key", data("PandasData", glob("builtins", "str")+sbu("restore_design_info")+tuple1+reduce+"\x88", formula), false},
		{"built by REDUCE", cat(proto(2), glob("statsmodels.base.data", "PandasData"), emptyTuple, reduce, emptyDict, build, stop), false},
		{"a second BUILD", cat(proto(2), glob("statsmodels.base.data", "PandasData"),
			emptyTuple, newobj, emptyDict, build, emptyDict, item("restore_design_info", "\x88"), "s", build, stop), false},
	}
	// A formula model's state: its formula and the data frame patsy
	// looks the formula's names up in.
	frame := item("frame", glob("pandas.core.frame", "DataFrame")+emptyTuple+newobj+emptyDict+build)
	withFormula := func(f string, more ...string) []byte {
		return data("PandasData", append([]string{item("restore_design_info", "\x88"), item("formula", sbu(f))}, more...)...)
	}
	for _, f := range []struct {
		formula string
		plain   bool
	}{
		{"docvis ~ C(edlevel) + C(outwork) + hhninc + educ + C(self)", true},
		{"mpg ~ C(cylinders) + displacement + I(weight ** 2) + acceleration - 1", true},
		{"y ~ x1 * x2 + x1:x2 + center(x4) + standardize(x5) + scale(x6)", true},
		{"np.log(y) ~ x", false}, // np may be a column of the frame, whose index label log is any object
		{"y ~ C(g) + 0.5 * x + (a + b) ** 2", true},
		{"y ~ C(g, Treatment)", false}, // a callable contrast is called
		{"y ~ C(g, exit)", false},
		{"y ~ C(g, main)", false},
		{"y ~ I(__import__('os').system('echo pwned')) + x", false},
		{"y ~ __import__", false},
		{"y ~ open(x)", false},
		{"y ~ eval(x)", false},
		{"y ~ np.load(x)", false},
		{"y ~ os.system(x)", false},
		{"y ~ x.__class__", false},
		{"y ~ C(x)(z)", false},
		{"y ~ (x)(z)", false},
		{"y ~ x[0]", false},
		{"y ~ lambda: x", false},
		{"y ~ C(x, levels=z)", false},
		{"y ~ x if z else w", false},
		{"y ~ C + x1", true}, // looked up, never called
		{"y ~ C(x", false},
		{"y ~ 'x'", false},
		{"y ~ x; z", false},
		{"y + x", false},
		{"y ~ x\nimport os", false},
	} {
		tests = append(tests, stateCase{"formula " + f.formula, withFormula(f.formula, frame), f.plain})
	}
	tests = append(tests,
		stateCase{"plain formula without a frame", withFormula("y ~ x"), false},
		stateCase{"plain formula over a dict, not a data frame", withFormula("y ~ C(x)", item("frame", emptyDict)), false},
		stateCase{"plain formula over an unknown class", withFormula("y ~ x",
			item("frame", glob("mario_ppo", "Frame")+emptyTuple+newobj+emptyDict+build)), false},
		stateCase{"a computed formula", data("PandasData", item("restore_design_info", "\x88"),
			item("formula", glob("builtins", "str")+sbu("y ~ x")+tuple1+reduce), frame), false},
	)
	checkCleared(t, tests, formats.Critical)
}

// FuzzPlainFormula: a formula plainFormula accepts holds nothing patsy
// would evaluate as more than a lookup, a number, an operator or a call of
// patsy's builtins: only names, numbers and the formula operators; no
// quote, subscript, attribute, keyword or underscore-led name.
func FuzzPlainFormula(f *testing.F) {
	for _, s := range []string{"y ~ x", "y ~ C(a) + np.log(b) ** 2", "y ~ I(__import__('os'))", "y ~ x.y", "y~(a:b)-1"} {
		f.Add(s)
	}
	word := func(r rune) bool {
		return r == '_' || r == '.' || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9'
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !plainFormula(s) {
			return
		}
		if strings.IndexFunc(s, func(r rune) bool { return !word(r) && !strings.ContainsRune(" \t~+-*/:()", r) }) >= 0 {
			t.Fatalf("accepted %q: a character outside names, numbers and operators", s)
		}
		for _, w := range strings.FieldsFunc(s, func(r rune) bool { return !word(r) }) {
			mod, fn, dotted := strings.Cut(w, ".")
			switch {
			case strings.Trim(w, "0123456789.") == "":
			case strings.HasPrefix(w, "_") || pythonKeywords[w]:
				t.Fatalf("accepted %q: name %q", s, w)
			case dotted:
				t.Fatalf("accepted %q: attribute %q (%s.%s)", s, w, mod, fn)
			}
		}
	})
}
