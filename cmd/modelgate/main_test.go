package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/modelgate/modelgate/formats"
)

// modelgate runs the CLI in-process and returns its exit code and output.
func modelgate(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func writeFile(t *testing.T, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestUsageErrors(t *testing.T) {
	dir := t.TempDir()
	f := writeFile(t, dir, "README.md", []byte("# hello\n"))
	tests := []struct {
		name string
		args []string
		want string // in the one-line message
	}{
		{"no paths", []string{"scan"}, "at least one PATH"},
		{"bad fail-on", []string{"scan", "--fail-on", "severe", f}, "--fail-on"},
		{"bad format", []string{"scan", "--format", "xml", f}, "--format"},
		{"negative jobs", []string{"scan", "--jobs", "-1", f}, "--jobs"},
		{"unknown flag", []string{"scan", "--bogus", f}, "bogus"},
		{"unknown command", []string{"scna", f}, "unknown command"},
		{"unsupported scheme", []string{"scan", "ftp://host/model"}, "ftp://"},
		{"unknown rule", []string{"rules", "MG999"}, "unknown rule"},
		{"output in missing dir", []string{"scan", "-o", filepath.Join(dir, "no/such/dir/r.json"), f}, "-o"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := modelgate(t, tt.args...)
			if code != 3 {
				t.Errorf("exit %d, want 3 (stderr %q)", code, stderr)
			}
			lines := strings.Split(strings.TrimSpace(stderr), "\n")
			if len(lines) != 1 || !strings.Contains(stderr, tt.want) {
				t.Errorf("stderr %q: want one line mentioning %q", stderr, tt.want)
			}
		})
	}
}

func TestMissingPathIsNoVerdict(t *testing.T) {
	code, _, stderr := modelgate(t, "scan", filepath.Join(t.TempDir(), "nope.pkl"))
	if code != 2 || !strings.Contains(stderr, "no such file") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
}

func TestOnlySkippedFilesIsNoVerdict(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "README.md", []byte("# A model card\n"))
	writeFile(t, dir, "LICENSE", []byte("Apache License\n"))
	code, out, _ := modelgate(t, "scan", dir)
	if code != 2 || !strings.Contains(out, "NO-VERDICT") {
		t.Errorf("exit %d, out %q", code, out)
	}
}

func TestUnrecognisedContentUnderModelNameIsInconclusive(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "model.safetensors", []byte("this is not a model"))
	code, out, _ := modelgate(t, "scan", dir)
	if code != 2 || !strings.Contains(out, "inconclusive") {
		t.Errorf("exit %d, out %q", code, out)
	}
}

// validateReport checks a JSON report against the published schema.
func validateReport(t *testing.T, doc []byte) map[string]any {
	t.Helper()
	c := jsonschema.NewCompiler()
	sch, err := c.Compile("../../schema/report.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		t.Fatalf("report is not JSON: %v", err)
	}
	if err := sch.Validate(v); err != nil {
		t.Fatalf("report does not match schema/report.schema.json: %v", err)
	}
	var m map[string]any
	json.Unmarshal(doc, &m)
	return m
}

func TestJSONReportMatchesSchemaAndOutputFile(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "README.md", []byte("# card\n"))
	writeFile(t, dir, "weights.safetensors", []byte("garbage"))
	out := filepath.Join(t.TempDir(), "report.json")
	code, stdout, _ := modelgate(t, "scan", "--format", "json", "-o", out, dir)
	if code != 2 || stdout != "" {
		t.Fatalf("exit %d, stdout %q", code, stdout)
	}
	doc, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	m := validateReport(t, doc)
	if s := m["summary"].(map[string]any); s["exit_code"].(float64) != 2 || s["verdict"] != "no-verdict" {
		t.Errorf("summary %v", s)
	}
}

func TestRulesDocumentsEveryRule(t *testing.T) {
	code, out, _ := modelgate(t, "rules")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, r := range formats.Rules() {
		if !strings.Contains(out, r.ID+"  ") {
			t.Errorf("rules output lacks %s", r.ID)
		}
		if len(r.Doc) < 80 || r.Title == "" {
			t.Errorf("%s: a rule needs a title and a paragraph of explanation", r.ID)
		}
	}
	code, out, _ = modelgate(t, "rules", "--format", "json", "mg002")
	var rules []formats.Rule
	if code != 0 || json.Unmarshal([]byte(out), &rules) != nil || len(rules) != 1 || rules[0].ID != "MG002" {
		t.Errorf("rules --format json mg002: exit %d, %q", code, out)
	}
}

func TestVersion(t *testing.T) {
	code, out, _ := modelgate(t, "version")
	if code != 0 || !strings.HasPrefix(out, "modelgate ") {
		t.Errorf("exit %d, %q", code, out)
	}
}
