package globals

import (
	"strings"
	"testing"

	"github.com/modelgate/modelgate/formats"
)

// TestUnvouched checks the generated dunders list against the policy:
// every global it names is allowed (a line about a global the machine
// never clears would be dead), and the methods the red team and omegaconf
// showed are listed with the severity of what they reach.
func TestUnvouched(t *testing.T) {
	for k := range unvouched {
		if v := Judge(k[0], k[1]); v.Class != Allowed {
			t.Errorf("dunders.txt lists %s.%s, which is %s", k[0], k[1], v.Class)
		}
	}
	for _, tt := range []struct {
		module, name string
		value        bool
		d            Dunder
		sev          formats.Severity
		reason       string
	}{
		{"omegaconf.dictconfig", "DictConfig", false, DunderEq, formats.Medium, "resolves the interpolations"},
		{"pandas.core.series", "Series", false, DunderRepr, formats.High, "names open"},
		{"torch.storage", "UntypedStorage", false, DunderStr, formats.Critical, "names __import__"},
	} {
		u := UnvouchedOf(tt.module, tt.name)
		if u == nil {
			t.Errorf("%s.%s: not listed", tt.module, tt.name)
			continue
		}
		one, sev, reason, ok := u.Why(tt.value, tt.d)
		if !ok || one != tt.d || sev != tt.sev || !strings.Contains(reason, tt.reason) {
			t.Errorf("%s.%s %s: %v %s %s %q", tt.module, tt.name, tt.d, ok, one, sev, reason)
		}
	}
	// Vouched: object's, builtin, reviewed C or clean Python methods.
	for _, g := range [][2]string{
		{"torch.storage", "UntypedStorage"}, {"pandas.core.series", "Series"},
	} {
		if _, _, _, ok := UnvouchedOf(g[0], g[1]).Why(false, DunderHash); ok {
			t.Errorf("%s.%s: __hash__ not vouched", g[0], g[1])
		}
	}
	for _, g := range [][2]string{
		{"numpy", "dtype"}, {"torch", "float32"}, {"pandas._libs.tslibs.timestamps", "Timestamp"},
		{"optuna.trial._state", "TrialState"}, {"collections", "OrderedDict"}, {"torch.nn.modules.linear", "Linear"},
	} {
		if u := UnvouchedOf(g[0], g[1]); u != nil {
			t.Errorf("%s.%s: listed %v", g[0], g[1], u.rows)
		}
	}
}

func TestParseDunders(t *testing.T) {
	head := "#version\t" + policy.version + "\n"
	for _, src := range []string{
		head + "a.B\tinstance\t__hash__\tmedium\te\tlib\n",
		head + "a.B\tclass\t__hash__\tmedium\te\tlib\twhy\n",
		head + "a.B\tinstance\t__nope__\tmedium\te\tlib\twhy\n",
		head + "a.B\tinstance\t__hash__\tlow\te\tlib\twhy\n",
		head + "B\tinstance\t__hash__\tmedium\te\tlib\twhy\n",
		"#version\tother\na.B\tinstance\t__hash__\tmedium\te\tlib\twhy\n",
	} {
		if _, err := parseDunders(src); err == nil {
			t.Errorf("accepted %q", src)
		}
	}
	m, err := parseDunders(head + "a.B\tinstance\t__str__,__hash__\thigh\te\tlib\twhy\na.B\tvalue\t__eq__\tmedium\te\tlib\tother\n")
	if err != nil {
		t.Fatal(err)
	}
	u := m[[2]string{"a", "B"}]
	if u.Instance != DunderStr|DunderHash || u.Value != DunderEq {
		t.Errorf("sets %b %b", u.Instance, u.Value)
	}
	if one, sev, _, _ := u.Why(false, DunderHash|DunderEq); one != DunderHash || sev != formats.High {
		t.Errorf("Why: %s %s", one, sev)
	}
}
