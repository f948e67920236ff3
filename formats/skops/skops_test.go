package skops

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/modelgate/modelgate/formats"
	"github.com/modelgate/modelgate/formats/formatstest"
)

// node renders one schema node; extra is more JSON members, without braces.
func node(loader, module, class, extra string) string {
	s := `{"__loader__": "` + loader + `", "__module__": "` + module + `", "__class__": "` + class + `"`
	if extra != "" {
		s += ", " + extra
	}
	return s + "}"
}

func schema(root string) formatstest.Tree {
	return formatstest.Tree{"schema.json": []byte(strings.Replace(root, "{", `{"protocol": 2, "_skops_version": "0.11.0", `, 1))}
}

func dict(entries ...string) string {
	return node("DictNode", "builtins", "dict", `"key_types": `+node("ListNode", "builtins", "list", `"content": []`)+`, "content": {`+strings.Join(entries, ", ")+`}`)
}

func TestNodes(t *testing.T) {
	json := func(v string) string {
		return node("JsonNode", "builtins", "str", `"content": "`+v+`", "is_json": true`)
	}
	tests := []struct {
		name  string
		tree  formatstest.Tree
		rules []string // rule IDs reported, in order
		worst formats.Severity
	}{
		{"estimator", schema(node("ObjectNode", "sklearn.linear_model._logistic", "LogisticRegression",
			`"content": `+dict(`"C": `+json("1.0")))), nil, formats.Info},
		{"function eval", schema(node("FunctionNode", "builtins", "eval", "")), []string{RuleDenied}, formats.Critical},
		// A numpy ufunc held (FunctionTransformer(func=np.log1p)).
		{"function ufunc", schema(node("FunctionNode", "numpy", "log1p", "")), nil, formats.Info},
		{"protocol 0 function", formatstest.Tree{"schema.json": []byte(`{"protocol": 0, "__loader__": "FunctionNode", "__module__": "mypkg", "__class__": "fn",
			"content": {"module_path": "posix", "function": "system"}}`)}, []string{RuleUnknown, RuleDenied}, formats.Critical},
		{"reduce call", schema(node("ConstructorFromReduceNode", "subprocess", "Popen", `"content": `+node("TupleNode", "builtins", "tuple", `"content": []`))),
			[]string{RuleDenied}, formats.Critical},
		{"file open", schema(node("TypeNode", "builtins", "open", "")), []string{RuleRisky}, formats.High},
		{"unknown class", schema(node("ObjectNode", "mypkg", "Model", "")), []string{RuleUnknown}, formats.Medium},
		{"class called", schema(node("ConstructorFromReduceNode", "sklearn.linear_model._logistic", "LogisticRegression",
			`"content": `+node("TupleNode", "builtins", "tuple", `"content": []`))), []string{RuleMisused}, formats.Medium},
		{"method", schema(dict(`"m": ` + node("MethodNode", "sklearn.preprocessing._data", "StandardScaler",
			`"content": {"func": "transform", "obj": `+node("ObjectNode", "sklearn.preprocessing._data", "StandardScaler", "")+`}`))),
			[]string{RuleMethod}, formats.High},
		{"method dunder", schema(node("MethodNode", "sklearn.preprocessing._data", "StandardScaler",
			`"content": {"func": "__init__", "obj": `+node("ObjectNode", "sklearn.preprocessing._data", "StandardScaler", "")+`}`)),
			[]string{RuleMethod}, formats.Critical},
		{"operator methodcaller", schema(node("OperatorFuncNode", "operator", "methodcaller", `"attrs": `+node("TupleNode", "builtins", "tuple", `"content": []`))),
			[]string{RuleOperator}, formats.Critical},
		{"operator outside operator", schema(node("OperatorFuncNode", "os", "itemgetter", "")), []string{RuleMalformed, RuleOperator}, formats.Critical},
		{"unknown loader", schema(node("EvalNode", "builtins", "dict", "")), []string{RuleMalformed}, formats.Medium},
		{"numpy scalar", withArrays(schema(node("NdArrayNode", "numpy", "float64", `"type": "numpy", "file": "a.npy"`)), "a.npy"), nil, formats.Info},
		{"array member missing", schema(node("NdArrayNode", "numpy", "ndarray", `"type": "numpy", "file": "gone.npy"`)), []string{RuleMalformed}, formats.Medium},
		{"array class called", withArrays(schema(node("NdArrayNode", "os", "system", `"type": "numpy", "file": "a.npy"`)), "a.npy"), []string{RuleDenied}, formats.Critical},
		{"bit generator", schema(node("RandomGeneratorNode", "numpy.random._generator", "Generator",
			`"content": {"bit_generator": `+dict(`"bit_generator": `+json(`\"posix.system\"`))+`, "seed_seq": {}}`)), []string{RuleDenied}, formats.Critical},
		{"node hidden in an unknown field", schema(node("JsonNode", "builtins", "str", `"extra": `+node("FunctionNode", "os", "system", ""))),
			[]string{RuleDenied}, formats.Critical},
		{"bad protocol", formatstest.Tree{"schema.json": []byte(`{"protocol": 99, "__loader__": "JsonNode", "__module__": "builtins", "__class__": "str", "content": "1"}`)},
			[]string{RuleMalformed}, formats.Medium},
		{"duplicate report once", schema(dict(`"a": `+node("FunctionNode", "builtins", "exec", ""), `"b": `+node("FunctionNode", "builtins", "exec", ""))),
			[]string{RuleDenied}, formats.Critical},
		{"escaped keys", formatstest.Tree{"schema.json": []byte(`{"protocol": 2, "\u005f_loader__": "FunctionNode", "__module__": "builtins", "__class__": "\u0065val"}`)},
			[]string{RuleDenied}, formats.Critical},
		{"NaN constants", formatstest.Tree{"schema.json": []byte(`{"protocol": 2, "x": NaN, "y": [-Infinity, "NaN"], "__loader__": "FunctionNode", "__module__": "os", "__class__": "system"}`)},
			[]string{RuleDenied}, formats.Critical},
		{"utf-16 schema", formatstest.Tree{"schema.json": utf16le(`{"protocol": 2, "__loader__": "FunctionNode", "__module__": "os", "__class__": "system"}`)},
			[]string{RuleDenied}, formats.Critical},
		{"utf-8 bom", formatstest.Tree{"schema.json": []byte("\xef\xbb\xbf" + `{"protocol": 2, "__loader__": "FunctionNode", "__module__": "os", "__class__": "system"}`)},
			[]string{RuleDenied}, formats.Critical},
		{"sklearn loss", schema(node("LossNode", "sklearn._loss._loss", "CyHalfTweedieLoss", `"__reduce__": {"args": `+node("TupleNode", "builtins", "tuple", `"content": []`)+`}`)),
			nil, formats.Info},
		{"loss outside sklearn", schema(node("LossNode", "subprocess", "Popen", "")), []string{RuleDenied}, formats.Critical},
		{"held function", schema(node("FunctionNode", "sklearn.feature_selection._univariate_selection", "f_classif", "")), nil, formats.Info},
		{"not skops", formatstest.Tree{"schema.json": []byte(`{"type": "object", "properties": {}}`)}, nil, formats.Info},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := formatstest.RunTree(t, Layout{}, tt.tree)
			if err != nil {
				t.Fatalf("error %v", err)
			}
			got := r.Rules()
			worst, _ := r.Max()
			if !slices.Equal(got, tt.rules) || worst != tt.worst {
				t.Errorf("rules %v worst %v, want %v %v: %v", got, worst, tt.rules, tt.worst, r.Findings)
			}
			for _, f := range r.Findings {
				if f.Member != "schema.json" {
					t.Errorf("finding on %q, want schema.json", f.Member)
				}
			}
		})
	}
}

func utf16le(s string) []byte {
	var b []byte
	for _, r := range s {
		b = append(b, byte(r), 0)
	}
	return b
}

// withArrays adds a stub .npy file under each name to m.
func withArrays(m formatstest.Tree, names ...string) formatstest.Tree {
	for _, n := range names {
		m[n] = []byte("\x93NUMPY")
	}
	return m
}

func TestBounds(t *testing.T) {
	deep := strings.Repeat(`{"__loader__": "ListNode", "__module__": "builtins", "__class__": "list", "content": [`, maxDepth+2) +
		strings.Repeat("]}", maxDepth+2)
	_, err := formatstest.RunTree(t, Layout{}, formatstest.Tree{"schema.json": []byte(`{"protocol": 2, "x": ` + deep + `, "__loader__": "JsonNode"}`)})
	var le *formats.LimitError
	if !errors.As(err, &le) {
		t.Fatalf("deep schema: error %v, want a limit", err)
	}
	for _, bad := range []string{`{"protocol": 2, "__loader__": "JsonNode", `, `{"protocol": 2, "__loader__": "JsonNode"} {}`} {
		r, err := formatstest.RunTree(t, Layout{}, formatstest.Tree{"schema.json": []byte(bad)})
		if err == nil || !slices.Equal(r.Rules(), []string{RuleMalformed}) {
			t.Errorf("%s: error %v, findings %v; want an error and %s", bad, err, r.Findings, RuleMalformed)
		}
	}
}

func FuzzSchema(f *testing.F) {
	for _, s := range []string{
		`{"protocol": 2, "__loader__": "ObjectNode", "__module__": "a", "__class__": "B", "content": {"__loader__": "DictNode"}}`,
		`{"protocol": 0, "__loader__": "FunctionNode", "__module__": "numpy", "__class__": "add", "content": {"module_path": "os", "function": "system"}}`,
		`{"protocol": 2, "__loader__": "MethodNode", "__module__": "a", "__class__": "B", "content": {"func": "f", "obj": {}}}`,
		`{"protocol": 2, "__loader__": "RandomGeneratorNode", "content": {"bit_generator": {"bit_generator": "PCG64"}}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r, _ := formatstest.RunTree(t, Layout{}, formatstest.Tree{"schema.json": data, "a.npy": nil})
		for _, fd := range r.Findings {
			if _, ok := formats.LookupRule(fd.Rule); !ok {
				t.Fatalf("unregistered rule %s", fd.Rule)
			}
		}
	})
}
