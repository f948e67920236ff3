package policy

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"github.com/modelgate/modelgate/formats"
	"github.com/modelgate/modelgate/formats/pickle/globals"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"gopkg.in/yaml.v3"
)

// toJSON turns a YAML node into the value JSON Schema validates, keeping
// dates as the strings they were written as.
func toJSON(t *testing.T, n *yaml.Node) any {
	t.Helper()
	switch n.Kind {
	case yaml.DocumentNode:
		return toJSON(t, n.Content[0])
	case yaml.MappingNode:
		m := map[string]any{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			m[n.Content[i].Value] = toJSON(t, n.Content[i+1])
		}
		return m
	case yaml.SequenceNode:
		l := []any{}
		for _, c := range n.Content {
			l = append(l, toJSON(t, c))
		}
		return l
	}
	switch n.ShortTag() {
	case "!!int":
		v, err := strconv.Atoi(n.Value)
		if err != nil {
			t.Fatal(err)
		}
		return v
	case "!!bool":
		return isTrue(n.Value)
	case "!!null":
		return nil
	}
	return n.Value
}

// TestSchemaEcosystems keeps the schema's ecosystem names those of the
// embedded allowlist.
func TestSchemaEcosystems(t *testing.T) {
	data, err := os.ReadFile("../../schema/policy.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Defs struct {
			Ecosystems struct {
				Items struct {
					Enum []string `json:"enum"`
				} `json:"items"`
			} `json:"ecosystems"`
		} `json:"$defs"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	if got, want := doc.Defs.Ecosystems.Items.Enum, globals.Ecosystems(); !slices.Equal(got, want) {
		t.Errorf("schema ecosystems %v, allowlist has %v", got, want)
	}
}

// TestSchemaFormats keeps the schema's format names those Sniff reports.
func TestSchemaFormats(t *testing.T) {
	data, err := os.ReadFile("../../schema/policy.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Properties struct {
			Formats struct {
				Properties struct {
					Allow struct {
						Items struct {
							Enum []string `json:"enum"`
						} `json:"items"`
					} `json:"allow"`
				} `json:"properties"`
			} `json:"formats"`
		} `json:"properties"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	if got, want := doc.Properties.Formats.Properties.Allow.Items.Enum, formats.Names(); !slices.Equal(got, want) {
		t.Errorf("schema formats %v, Sniff reports %v", got, want)
	}
}

// TestSchemaAgreesWithParser checks the published JSON Schema accepts the
// policies the parser accepts, and rejects a sample of what it rejects.
func TestSchemaAgreesWithParser(t *testing.T) {
	sch, err := jsonschema.NewCompiler().Compile("../../schema/policy.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	check := func(name string, data []byte, wantValid bool) {
		t.Helper()
		var n yaml.Node
		if err := yaml.Unmarshal(data, &n); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		err := sch.Validate(toJSON(t, &n))
		if (err == nil) != wantValid {
			t.Errorf("%s: schema validation error %v, want valid=%v", name, err, wantValid)
		}
		_, perr := Parse(name, data)
		if (perr == nil) != wantValid {
			t.Errorf("%s: parse error %v, want valid=%v", name, perr, wantValid)
		}
	}
	good, _ := filepath.Glob("testdata/*.yaml")
	good = append(good, "../../examples/policy.yaml")
	for _, g := range good {
		data, err := os.ReadFile(g)
		if err != nil {
			t.Fatal(err)
		}
		check(g, data, true)
	}
	for name, bad := range map[string]string{
		"unknown ecosystem":    "version: 1\npickle:\n  ecosystems:\n    disable: [pandsa]\n",
		"empty ecosystems":     "version: 1\npickle:\n  ecosystems: {}\n",
		"unknown key":          "version: 1\nfail_on: high\n",
		"bad severity":         "version: 1\nrules:\n  MG001: loud\n",
		"missing version":      "fail-on: high\n",
		"waiver date":          "version: 1\nwaivers:\n  - {rule: MG108, path: a, sha256: " + sha + ", reason: r, owner: o, expires: 31/12/2026}\n",
		"issuers alone":        "version: 1\nsignatures:\n  require:\n    - issuers: [x]\n",
		"empty formats":        "version: 1\nformats:\n  allow: []\n",
		"no formats key":       "version: 1\nformats: {}\n",
		"accepted no reason":   "version: 1\nformats:\n  unidentified:\n    - paths: [a.bin]\n",
		"accepted no paths":    "version: 1\nformats:\n  unidentified:\n    - {paths: [], reason: r}\n",
		"accepted empty":       "version: 1\nformats:\n  unidentified: []\n",
		"accepted blank":       "version: 1\nformats:\n  unidentified:\n    - {paths: [a.bin], reason: ' '}\n",
		"absolute glob":        "version: 1\nrules:\n  MG001:\n    severity: low\n    paths: [/a]\n",
		"member glob in rules": "version: 1\nrules:\n  MG001:\n    severity: low\n    paths: ['a.tar!b']\n",
		"empty member part":    "version: 1\nformats:\n  unidentified:\n    - {paths: ['a.tar!'], reason: r}\n",
		"global reason type":   "version: 1\npickle:\n  allow:\n    - {global: a.B, reason: 5}\n",
	} {
		check(name, []byte(bad), false)
	}
}
