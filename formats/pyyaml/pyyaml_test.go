package pyyaml

import (
	"strings"
	"testing"

	"github.com/modelgate/modelgate/formats"
	"github.com/modelgate/modelgate/formats/formatstest"
)

func TestTags(t *testing.T) {
	tests := []struct {
		name  string
		yaml  string
		worst formats.Severity // Info also when nothing is reported
		rule  string           // reported at worst, or ""
		err   bool
	}{
		{"plain values", "a: 1\nb: !!python/tuple [1, 2]\nc: !!python/str x\n", formats.Info, "", false},
		{"apply os.system", "x: !!python/object/apply:os.system [id]\n", formats.Critical, RuleConstruct, false},
		{"new subprocess", "x: !!python/object/new:subprocess.Popen [[id]]\n", formats.Critical, RuleConstruct, false},
		{"verbatim", "x: !<tag:yaml.org,2002:python/object/apply:os.system> [id]\n", formats.Critical, RuleConstruct, false},
		{"percent escapes", "x: !!python%2Fobject%2Fapply:os.system [id]\n", formats.Critical, RuleConstruct, false},
		{"escaped name", "x: !!python/object/apply:o%73.system [id]\n", formats.Critical, RuleConstruct, false},
		{"bare builtin", "x: !!python/object/apply:eval ['1']\n", formats.Critical, RuleConstruct, false},
		{"name of eval", "x: !!python/name:builtins.eval\n", formats.Critical, RuleReference, false},
		{"name unknown", "x: !!python/name:mylib.thing\n", formats.Medium, RuleReference, false},
		{"module", "x: !!python/module:antigravity\n", formats.High, RuleReference, false},
		{"object unknown", "!!python/object:mylib.Model {a: 1}\n", formats.Medium, RuleConstruct, false},
		{"allowlisted numpy scalar", "x: !!python/object/apply:numpy.core.multiarray.scalar [1]\n", formats.Info, "", false},
		{"in a comment", "# !!python/object/apply:os.system [id]\na: 1\n", formats.Critical, RuleConstruct, false},
		{"tag handle redefined", "%TAG !p! tag:yaml.org,2002:python/\n---\nx: !p!object/apply:os.system [id]\n", formats.Info, "", true},
		{"bad escape", "x: !!python%2object/apply:os.system [id]\n", formats.Info, "", false},
	}
	a, _ := formats.Lookup(formats.PyYAML)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, err := formatstest.Run(t, a, "config.yaml", []byte(tt.yaml))
			if (err != nil) != tt.err {
				t.Fatalf("error %v", err)
			}
			worst, any := rec.Max()
			if !any {
				worst = formats.Info
			}
			if worst != tt.worst {
				t.Fatalf("worst %v, want %v: %v", worst, tt.worst, rec.Findings)
			}
			if tt.rule != "" {
				found := false
				for _, f := range rec.Findings {
					found = found || f.Rule == tt.rule && f.Severity == worst
				}
				if !found {
					t.Errorf("no %s at %v: %v", tt.rule, worst, rec.Findings)
				}
			}
		})
	}
}

// TestSamples reads what yaml.dump writes (testdata/make_samples.py): the
// python tags of plain values and allowlisted objects pass, a payload
// does not.
func TestSamples(t *testing.T) {
	want := map[string]formats.Severity{
		"hparams_tuple.yaml": formats.Info, "hparams_numpy.yaml": formats.Info,
		"namespace.yaml": formats.Info, "payload.yaml": formats.Critical,
	}
	a, _ := formats.Lookup(formats.PyYAML)
	for name, w := range want {
		t.Run(name, func(t *testing.T) {
			b := formatstest.Testdata(t, name)
			rec, err := formatstest.Run(t, a, name, b)
			if err != nil {
				t.Fatal(err)
			}
			worst, any := rec.Max()
			if !any {
				worst = formats.Info
			}
			if worst != w {
				t.Errorf("worst %v, want %v: %v", worst, w, rec.Findings)
			}
		})
	}
}

func FuzzAnalyze(f *testing.F) {
	f.Add([]byte("x: !!python/object/apply:os.system [id]\n"))
	f.Add([]byte("x: !<tag:yaml.org,2002:python/name:a%2E%62>\n"))
	f.Add([]byte("!!python/module:" + strings.Repeat("%", 3)))
	a, _ := formats.Lookup(formats.PyYAML)
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = formatstest.Run(t, a, "f.yaml", b)
	})
}

func TestTagged(t *testing.T) {
	for in, want := range map[string]bool{
		"a: 1\nb: [x, y]\n":                                               false,
		"b: !!binary aGk=\nc: !!str 1\n":                                  false,
		"x: !!python/tuple [1]\n":                                         true,
		"x: !!%70ython/object/apply:os.system [id]\n":                     true,
		"x: !<tag%3Ayaml.org,2002:python/name:os.system>\n":               true,
		"%TAG !y! tag:yaml.org,2002:\n---\nx: !y!python/name:os.system\n": true,
		"wow!! python is fun\n":                                           false,
	} {
		if got := Tagged([]byte(in)); got != want {
			t.Errorf("Tagged(%q) = %v", in, got)
		}
	}
}

func TestOpenTail(t *testing.T) {
	tests := []struct {
		in   string
		want int
	}{
		{"a: 1\n", 0},
		{"x: !!pyth", 6},
		{"x: !<tag:yaml.org,2002:%70", 23},
		{"x: !<tag:a!b", 9}, // a verbatim tag may hold '!': from its first one
		{"x: !!python/object:a ", 0},
		{"x: !<t> y", 0},
		{"!", 1},
	}
	for _, tt := range tests {
		if got := OpenTail([]byte(tt.in)); got != tt.want {
			t.Errorf("OpenTail(%q) = %d, want %d", tt.in, got, tt.want)
		}
	}
}
