package report

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/modelgate/modelgate/formats"
	_ "github.com/modelgate/modelgate/formats/pickle" // registers MG1xx, which the samples use
	"github.com/modelgate/modelgate/scanner"
)

// gated is sample() after a policy and a baseline: a waived finding, an
// allowed global, an expired-waiver note and a drifted file.
func gated() *scanner.Report {
	r := sample()
	f := &r.Files[2]
	f.Suppressed = []scanner.Suppression{
		{Finding: formats.Finding{Rule: "MG101", Severity: formats.Medium, Message: "imports mypkg.Net, which is not on the allowlist",
			Location: "models/pytorch_model.bin!archive/data.pkl@90", Offset: 90, Details: map[string]string{"global": "mypkg.Net"}},
			Kind: "allowed-by-policy", Reason: "our own class"},
		{Finding: formats.Finding{Rule: "MG108", Severity: formats.Medium, Message: "data after the end of the pickle | <b>x</b>",
			Location: "models/pytorch_model.bin!archive/data.pkl@2000", Offset: 2000},
			Kind: "waived", Reason: "padding from our exporter", Owner: "ml-platform", Expires: "2026-12-31"},
	}
	r.Policy = &scanner.PolicyInfo{Source: ".modelgate.yaml", SHA256: strings.Repeat("c", 64),
		Notes: []string{"waiver at line 12 (MG003 on *.pt, owner bob) expired on 2026-01-31 and no longer applies"}}
	r.Baseline = &scanner.BaselineInfo{Source: "baseline.json", New: 2, Known: 0, Drift: []string{"models/pytorch_model.bin"}}
	return r
}

func TestGateGolden(t *testing.T) {
	tests := []struct {
		name  string
		write func(*bytes.Buffer) error
	}{
		{"report.sarif", func(b *bytes.Buffer) error { return WriteSARIF(b, sample()) }},
		{"report-gated.sarif", func(b *bytes.Buffer) error { return WriteSARIF(b, gated()) }},
		{"report.md", func(b *bytes.Buffer) error { return WriteMarkdown(b, sample()) }},
		{"report-gated.md", func(b *bytes.Buffer) error { return WriteMarkdown(b, gated()) }},
		{"report-gated.json", func(b *bytes.Buffer) error { return WriteJSON(b, gated()) }},
		{"report-gated.txt", func(b *bytes.Buffer) error { return WriteText(b, gated(), TextOptions{}) }},
		{"summary.txt", func(b *bytes.Buffer) error { return WriteSummary(b, gated()) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := tt.write(&b); err != nil {
				t.Fatal(err)
			}
			golden(t, tt.name, b.Bytes())
		})
	}
}

func compile(t *testing.T, path string) *jsonschema.Schema {
	t.Helper()
	sch, err := jsonschema.NewCompiler().Compile(path)
	if err != nil {
		t.Fatal(err)
	}
	return sch
}

func validate(t *testing.T, sch *jsonschema.Schema, doc []byte) {
	t.Helper()
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	if err := sch.Validate(v); err != nil {
		t.Fatalf("does not match the schema: %v", err)
	}
}

// TestSARIFValidates checks the output against the official OASIS SARIF
// 2.1.0 schema (testdata/sarif-schema-2.1.0.json, errata 01).
func TestSARIFValidates(t *testing.T) {
	sch := compile(t, "testdata/sarif-schema-2.1.0.json")
	empty := &scanner.Report{Tool: scanner.Tool{Name: "modelgate", Version: "dev"}, Files: []scanner.FileResult{}}
	empty.Summarize()
	for _, r := range []*scanner.Report{sample(), gated(), empty} {
		var b bytes.Buffer
		if err := WriteSARIF(&b, r); err != nil {
			t.Fatal(err)
		}
		validate(t, sch, b.Bytes())
	}
}

// TestSARIFForCodeScanning checks what GitHub code scanning reads: rule
// metadata, security-severity, locations with a start line, fingerprints,
// suppressions and the exit code.
func TestSARIFForCodeScanning(t *testing.T) {
	var b bytes.Buffer
	if err := WriteSARIF(&b, gated()); err != nil {
		t.Fatal(err)
	}
	var log struct {
		Runs []struct {
			Tool struct {
				Driver struct {
					Rules []struct {
						ID         string
						Help       struct{ Text, Markdown string }
						Properties map[string]any
					}
				}
			}
			Taxonomies []struct{ Name string }
			Results    []struct {
				RuleID              string
				RuleIndex           int
				Level               string
				PartialFingerprints map[string]string
				Locations           []struct {
					PhysicalLocation struct {
						ArtifactLocation struct{ URI string }
						Region           struct{ StartLine int }
					}
					LogicalLocations []struct{ FullyQualifiedName string }
				}
				Suppressions []struct{ Kind, Status, Justification string }
			}
			Invocations []struct {
				ExitCode            int
				ExecutionSuccessful bool
			}
		}
	}
	if err := json.Unmarshal(b.Bytes(), &log); err != nil {
		t.Fatal(err)
	}
	run := log.Runs[0]
	rules := map[string]int{}
	for i, r := range run.Tool.Driver.Rules {
		rules[r.ID] = i
	}
	mg102 := run.Tool.Driver.Rules[rules["MG102"]]
	if mg102.Properties["security-severity"] != "9.5" || !strings.Contains(mg102.Help.Markdown, "CWE-502") {
		t.Errorf("MG102 rule %+v", mg102)
	}
	tags, _ := mg102.Properties["tags"].([]any)
	var tagText []string
	for _, x := range tags {
		tagText = append(tagText, x.(string))
	}
	for _, want := range []string{"security", "external/cwe/cwe-502", "owasp-llm/LLM03:2025", "atlas/AML.T0011.000"} {
		if !strings.Contains(strings.Join(tagText, " "), want) {
			t.Errorf("MG102 tags %v lack %s", tagText, want)
		}
	}
	if _, ok := run.Tool.Driver.Rules[rules["MG001"]].Properties["security-severity"]; ok {
		t.Error("an info rule has a security-severity")
	}
	if len(run.Taxonomies) != 4 {
		t.Errorf("taxonomies %+v", run.Taxonomies)
	}
	suppressed := 0
	for _, res := range run.Results {
		if run.Tool.Driver.Rules[res.RuleIndex].ID != res.RuleID {
			t.Errorf("result %s has rule index %d", res.RuleID, res.RuleIndex)
		}
		loc := res.Locations[0]
		if loc.PhysicalLocation.ArtifactLocation.URI != "models/pytorch_model.bin" || loc.PhysicalLocation.Region.StartLine != 1 {
			t.Errorf("result %s location %+v", res.RuleID, loc)
		}
		if len(res.PartialFingerprints["primaryLocationLineHash"]) != 32 {
			t.Errorf("result %s fingerprints %v", res.RuleID, res.PartialFingerprints)
		}
		if len(res.Suppressions) > 0 {
			suppressed++
		}
	}
	if suppressed != 2 {
		t.Errorf("%d suppressed results, want 2", suppressed)
	}
	if inv := run.Invocations[0]; inv.ExitCode != 1 || !inv.ExecutionSuccessful {
		t.Errorf("invocation %+v", inv)
	}
}

func TestFingerprintStable(t *testing.T) {
	x := formats.Finding{Rule: "MG102", Location: "a.bin!data.pkl@10", Message: "one"}
	y := x
	y.Message = "two"
	if Fingerprint(x) != Fingerprint(y) {
		t.Error("fingerprint depends on the message")
	}
	y.Location = "a.bin!data.pkl@11"
	if Fingerprint(x) == Fingerprint(y) {
		t.Error("fingerprint ignores the location")
	}
}

func TestJSONMatchesReportSchema(t *testing.T) {
	sch := compile(t, "../../schema/report.schema.json")
	for _, r := range []*scanner.Report{sample(), gated()} {
		var b bytes.Buffer
		if err := WriteJSON(&b, r); err != nil {
			t.Fatal(err)
		}
		validate(t, sch, b.Bytes())
	}
}

func TestMarkdownEscapesHostileText(t *testing.T) {
	r := sample()
	r.Files[2].Findings[0].Message = "imports <img src=x onerror=alert(1)> | [link](http://evil) `code`\nnext"
	var b bytes.Buffer
	if err := WriteMarkdown(&b, r); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, bad := range []string{"<img", "[link](", "`code`", "\nnext"} {
		if strings.Contains(out, bad) {
			t.Errorf("markdown contains %q unescaped:\n%s", bad, out)
		}
	}
}

func BenchmarkWriteSARIF(b *testing.B) {
	r := sample()
	for i := 0; i < 200; i++ {
		r.Files = append(r.Files, r.Files[2])
	}
	var buf bytes.Buffer
	if err := WriteSARIF(&buf, r); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(buf.Len()))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		buf.Reset()
		if err := WriteSARIF(&buf, r); err != nil {
			b.Fatal(err)
		}
	}
}

// SARIF carries no placeholders: no empty arrays but runs and results, no
// -1 index or offset, and a finding at a byte of the file itself gives
// that byte as the region's byteOffset.
func TestSARIFHasNoPlaceholders(t *testing.T) {
	r := gated()
	f := &r.Files[2]
	f.Findings = append(f.Findings, formats.Finding{Rule: "MG108", Severity: formats.Medium, Message: "data after the end of the pickle",
		Location: f.Path + "@77", Offset: 77})
	var b bytes.Buffer
	if err := WriteSARIF(&b, r); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, bad := range []string{": -1", "[]", ": {}"} {
		if strings.Contains(out, bad) {
			t.Errorf("SARIF holds %q", bad)
		}
	}
	if !strings.Contains(out, `"byteOffset": 77`) {
		t.Error("the finding at byte 77 of the file has no byteOffset")
	}
	if strings.Count(out, `"byteOffset"`) != 1 {
		t.Error("a finding inside a member got the member's offset as the file's")
	}
}
