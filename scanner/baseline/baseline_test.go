package baseline

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/modelgate/modelgate/formats"
	"github.com/modelgate/modelgate/scanner"
)

func file(path, sha string, findings ...formats.Finding) scanner.FileResult {
	out := scanner.Clean
	if len(findings) > 0 {
		out = scanner.Findings
	}
	return scanner.FileResult{Path: path, SHA256: sha, Outcome: out, Findings: append([]formats.Finding{}, findings...)}
}

func f(rule string, sev formats.Severity, loc string) formats.Finding {
	return formats.Finding{Rule: rule, Severity: sev, Location: loc, Message: rule}
}

func rep(files ...scanner.FileResult) *scanner.Report {
	r := &scanner.Report{SchemaVersion: scanner.SchemaVersion, FailOn: formats.Medium, Files: files}
	r.Summarize()
	return r
}

var (
	shaA = strings.Repeat("a", 64)
	shaB = strings.Repeat("b", 64)
)

func TestCompare(t *testing.T) {
	base := rep(
		file("m/a.pkl", shaA, f("MG101", formats.Medium, "m/a.pkl@1"), f("MG108", formats.Medium, "m/a.pkl@9")),
		file("m/gone.bin", shaA),
	)
	tests := []struct {
		name           string
		cur            *scanner.Report
		newN, knownN   int
		drift, removed string
		verdict        string
		keptRules      string
	}{
		{"same findings pass", rep(file("m/a.pkl", shaA, f("MG101", formats.Medium, "m/a.pkl@1"), f("MG108", formats.Medium, "m/a.pkl@9"))),
			0, 2, "", "m/gone.bin", "pass", ""},
		{"new finding fails", rep(file("m/a.pkl", shaA, f("MG101", formats.Medium, "m/a.pkl@1"), f("MG102", formats.Critical, "m/a.pkl@5"))),
			1, 1, "", "m/gone.bin", "fail", "MG102"},
		{"worse finding fails", rep(file("m/a.pkl", shaA, f("MG101", formats.High, "m/a.pkl@1"))),
			1, 0, "", "m/gone.bin", "fail", "MG101"},
		{"milder finding is known", rep(file("m/a.pkl", shaA, f("MG101", formats.Low, "m/a.pkl@1"))),
			0, 1, "", "m/gone.bin", "pass", ""},
		{"drift fails", rep(file("m/a.pkl", shaB, f("MG101", formats.Medium, "m/a.pkl@1")), file("m/gone.bin", shaA)),
			1, 1, "m/a.pkl", "", "fail", "MG092"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			Drift(tt.cur, base)
			Compare(tt.cur, base, "base.json")
			b := tt.cur.Baseline
			if b.New != tt.newN || b.Known != tt.knownN || strings.Join(b.Drift, ",") != tt.drift || strings.Join(b.Removed, ",") != tt.removed {
				t.Errorf("baseline %+v", b)
			}
			if tt.cur.Summary.Verdict != tt.verdict {
				t.Errorf("verdict %s, want %s", tt.cur.Summary.Verdict, tt.verdict)
			}
			var kept []string
			for _, fr := range tt.cur.Files {
				for _, x := range fr.Findings {
					kept = append(kept, x.Rule)
				}
			}
			if strings.Join(kept, ",") != tt.keptRules {
				t.Errorf("kept %v, want %s", kept, tt.keptRules)
			}
		})
	}
}

func TestDriftIsNeverKnown(t *testing.T) {
	base := rep(file("m/a.pkl", shaA))
	cur := rep(file("m/a.pkl", shaB))
	Drift(cur, base)
	Compare(cur, base, "b")
	again := rep(file("m/a.pkl", shaB))
	Drift(again, cur) // cur, with its drift finding, is the new baseline: same bytes, no drift
	Compare(again, cur, "b")
	if again.Summary.Verdict != "pass" {
		t.Errorf("verdict %s: %+v", again.Summary.Verdict, again.Files)
	}
}

func TestParse(t *testing.T) {
	var good bytes.Buffer
	if err := json.NewEncoder(&good).Encode(rep(file("m/a.pkl", shaA, f("MG101", formats.Medium, "m/a.pkl@1")))); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, data, want string
	}{
		{"good", good.String(), ""},
		{"not json", "# report", "not a JSON report"},
		{"wrong type", `{"schema_version": 1}`, "not a modelgate JSON report"},
		{"other version", `{"schema_version": "2"}`, `schema_version "2"`},
		{"empty object", `{}`, `schema_version ""`},
	}
	for _, tt := range tests {
		_, err := Parse("b.json", []byte(tt.data))
		if (tt.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tt.want)) {
			t.Errorf("%s: err %v, want %q", tt.name, err, tt.want)
		}
	}
	p := filepath.Join(t.TempDir(), "b.json")
	if err := os.WriteFile(p, good.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if r, err := Load(p); err != nil || len(r.Files) != 1 {
		t.Errorf("Load: %v", err)
	}
	if _, err := Load(p + ".missing"); err == nil {
		t.Error("Load of a missing file succeeded")
	}
}
