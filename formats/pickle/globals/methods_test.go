package globals

import (
	"strings"
	"testing"
)

// TestMethods checks how Judge reads methods.txt: a listed method of a
// listed class is allowed as a reference only, in its class's ecosystem;
// a property, an I/O method, an unlisted name or class stays unknown, and
// disabling the ecosystem drops the method with its class.
func TestMethods(t *testing.T) {
	noPandas, err := NewSelection(nil, []string{"pandas"})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		module, name string
		sel          Selection
		want         Class
	}{
		{"pandas.core.frame", "DataFrame.to_dict", Selection{}, Allowed},
		{"pandas.core.frame", "DataFrame.to_numpy", Selection{}, Allowed},
		{"pandas.core.frame", "DataFrame.to_dict", noPandas, Unknown},
		{"pandas.core.frame", "DataFrame.shape", Selection{}, Unknown},
		{"pandas.core.frame", "DataFrame.to_pickle", Selection{}, Unknown},
		{"pandas.core.frame", "DataFrame._repr_html_", Selection{}, Unknown},
		{"pandas.core.frame", "NotAClass.to_dict", Selection{}, Unknown},
		{"sklearn.linear_model._logistic", "LogisticRegression.predict_proba", Selection{}, Allowed},
		{"sklearn.linear_model._logistic", "LogisticRegression.fit", Selection{}, Allowed},
		{"torch.nn.modules.linear", "Linear.forward", Selection{}, Allowed},
		{"torch.nn.modules.linear", "Linear.load_state_dict", Selection{}, Unknown},
		{"torch.nn.modules.linear", "Linear.register_forward_hook", Selection{}, Unknown},
	}
	for _, tt := range tests {
		v := JudgeIn(tt.module, tt.name, tt.sel)
		if v.Class != tt.want {
			t.Errorf("%s:%s = %s (%s), want %s", tt.module, tt.name, v.Class, v.Reason, tt.want)
		}
		if v.Class == Allowed && v.Uses != UseReference {
			t.Errorf("%s:%s uses %s, want reference only", tt.module, tt.name, v.Uses)
		}
	}
}

func TestParseMethodsErrors(t *testing.T) {
	head := "#version\t" + policy.version + "\n"
	tests := map[string]string{
		"undefined group": "C\tm\te\tl\t=1\n",
		"unsorted":        "C\tm\te\tl\tb,a\n",
		"private name":    "C\tm\te\tl\t_a\n",
		"dunder in group": "=1\to.C\t__call__\nC\tm\te\tl\t=1\n",
		"bad module":      "C\tm..x\te\tl\ta\n",
		"twice":           "C\tm,m\te\tl\ta\n",
		"fields":          "C\tm\te\ta\n",
	}
	for name, src := range tests {
		if _, err := parseMethods(head + src); err == nil {
			t.Errorf("%s: parsed", name)
		}
	}
	if _, err := parseMethods("#version\tother\n"); err == nil || !strings.Contains(err.Error(), "version") {
		t.Errorf("version mismatch: %v", err)
	}
	m, err := parseMethods(head + "=1\to.B\ta,b,c\nC\tm\te\tl\t=1,-b,d\n")
	if err != nil {
		t.Fatal(err)
	}
	c := m[allowKey("m", "C")]
	for n, want := range map[string]bool{"a": true, "b": false, "c": true, "d": true, "e": false} {
		if c.has(n) != want {
			t.Errorf("has(%q) = %v", n, !want)
		}
	}
}

// TestMethodsOfAllowedClasses checks that methods.txt lists methods only
// for classes the lists allow to be built, in the same ecosystem.
func TestMethodsOfAllowedClasses(t *testing.T) {
	for k, c := range methods {
		v := Judge(k[0], k[1])
		if v.Class != Allowed || !v.Uses.Has(UseClass) || v.Ecosystem != c.ecosystem {
			t.Errorf("%s.%s has methods (%s) but is judged %s, uses %s, ecosystem %q", k[0], k[1], c.ecosystem,
				v.Class, v.Uses, v.Ecosystem)
		}
	}
}
