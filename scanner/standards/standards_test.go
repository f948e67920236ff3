package standards

import (
	"slices"
	"strings"
	"testing"

	"github.com/modelgate/modelgate/formats"
	_ "github.com/modelgate/modelgate/formats/all"
	_ "github.com/modelgate/modelgate/formats/pickle"
	_ "github.com/modelgate/modelgate/scanner"
	_ "github.com/modelgate/modelgate/scanner/baseline"
	_ "github.com/modelgate/modelgate/scanner/policy"
)

func TestEveryRegisteredRuleIsMapped(t *testing.T) {
	rules := formats.Rules()
	if len(rules) == 0 {
		t.Fatal("no rules registered")
	}
	for _, r := range rules {
		m, ok := Lookup(r.ID)
		if !ok {
			t.Errorf("%s: no mapping", r.ID)
			continue
		}
		for _, fw := range Frameworks {
			if len(m.In(fw)) == 0 {
				t.Errorf("%s: nothing in %s", r.ID, fw)
			}
		}
	}
}

func TestLookup(t *testing.T) {
	tests := []struct {
		id       string
		ok       bool
		wantCWE  string
		wantATLS string
		wantLLM  string
	}{
		{"MG102", true, "CWE-502", "AML.T0018.002", "LLM03:2025"}, // exact entry
		{"MG199", true, "CWE-502", "AML.T0011.000", "LLM03:2025"}, // MG1xx range
		{"MG429", true, "CWE-20", "AML.T0010.003", "LLM03:2025"},  // MG42x range
		{"MG523", true, "CWE-400", "AML.T0029", "LLM10:2025"},
		{"MG529", true, "CWE-1336", "AML.T0018.003", "LLM01:2025"},
		{"MG999", true, "CWE-20", "AML.T0010.003", "LLM03:2025"}, // catch-all
		{"MG12", false, "", "", ""},
		{"mg102", false, "", "", ""},
		{"MGabc", false, "", "", ""},
		{"", false, "", "", ""},
	}
	for _, tt := range tests {
		m, ok := Lookup(tt.id)
		if ok != tt.ok {
			t.Errorf("Lookup(%q) ok = %v", tt.id, ok)
			continue
		}
		if !ok {
			continue
		}
		if !slices.Contains(m.CWE, tt.wantCWE) || !slices.Contains(m.ATLAS, tt.wantATLS) || !slices.Contains(m.OWASPLLM, tt.wantLLM) {
			t.Errorf("Lookup(%q) = %+v", tt.id, m)
		}
	}
}

func TestTaxaNamedAndLinked(t *testing.T) {
	for key, m := range mappings {
		for _, fw := range Frameworks {
			for _, tx := range m.In(fw) {
				if n, ok := Name(tx); !ok || n == "" {
					t.Errorf("%s: %s has no name", key, tx)
				}
				if URL(tx) == "" {
					t.Errorf("%s: %s has no URL", key, tx)
				}
			}
		}
	}
}

func TestTags(t *testing.T) {
	m, _ := Lookup("MG102")
	got := strings.Join(m.Tags(), " ")
	for _, want := range []string{"external/cwe/cwe-502", "atlas/AML.T0018.002", "owasp-llm/LLM03:2025", "nist-ai-rmf/MANAGE 3.1"} {
		if !strings.Contains(got, want) {
			t.Errorf("tags %q lack %q", got, want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	names := map[string]string{"CWE-20": "x", "AML.T0010": "x", "LLM03:2025": "x", "MANAGE 3.1": "x"}
	tests := []struct{ name, data, want string }{
		{"columns", "MG001\tCWE-20\n", "columns"},
		{"bad key", "MGx01\tCWE-20\tAML.T0010\tLLM03:2025\tMANAGE 3.1\n", "key"},
		{"unnamed taxon", "MG001\tCWE-99\tAML.T0010\tLLM03:2025\tMANAGE 3.1\n", "CWE-99"},
		{"duplicate", "MG001\tCWE-20\tAML.T0010\tLLM03:2025\tMANAGE 3.1\nMG001\tCWE-20\tAML.T0010\tLLM03:2025\tMANAGE 3.1\n", "twice"},
	}
	for _, tt := range tests {
		_, err := parseMappings(tt.data, names)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err %v, want %q", tt.name, err, tt.want)
		}
	}
}
