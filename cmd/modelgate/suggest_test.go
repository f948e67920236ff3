package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/modelgate/modelgate/scanner/policy"
)

func TestPolicySuggest(t *testing.T) {
	dir := t.TempDir()
	report := `{"files": [
	  {"path": "a/model.pkl", "findings": [
	    {"rule": "MG101", "details": {"global": "skorch.net.NeuralNet"}},
	    {"rule": "MG102", "details": {"global": "functools.partial"}},
	    {"rule": "MG101", "details": {"global": "evil\nname: x"}},
	    {"rule": "MG116", "details": {"global": "builtins.hash"}}]},
	  {"path": "b/model.pkl", "findings": [
	    {"rule": "MG101", "details": {"global": "skorch.net.NeuralNet"}}]}]}`
	rp := writeFile(t, dir, "report.json", []byte(report))
	code, out, stderr := modelgate(t, "policy", "suggest", rp)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{
		"- global: \"builtins.hash\"\n      reason: \"REVIEW: named by a/model.pkl (MG116)\"",
		"- global: \"skorch.net.NeuralNet\"\n      reason: \"REVIEW: named by a/model.pkl (MG101) and 1 other file(s)\"",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("draft lacks %q:\n%s", want, out)
		}
	}
	for _, bad := range []string{"functools.partial", "evil"} {
		if strings.Contains(out, bad) {
			t.Errorf("draft suggests %q:\n%s", bad, out)
		}
	}
	pp := filepath.Join(dir, "policy.yaml")
	if err := os.WriteFile(pp, []byte(out), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := policy.Load(pp)
	if err != nil {
		t.Fatalf("draft is not a valid policy: %v\n%s", err, out)
	}
	if len(p.Globals) != 2 {
		t.Errorf("draft allows %d globals, want 2", len(p.Globals))
	}
}

func TestPolicySuggestRefusesNonReport(t *testing.T) {
	rp := writeFile(t, t.TempDir(), "report.json", []byte("not json"))
	if code, _, _ := modelgate(t, "policy", "suggest", rp); code != 3 {
		t.Errorf("exit %d, want 3", code)
	}
	if code, _, _ := modelgate(t, "policy", "suggest", "/nonexistent/report.json"); code != 3 {
		t.Errorf("exit %d for a missing report, want 3", code)
	}
}
