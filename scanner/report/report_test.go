package report

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/modelgate/modelgate/formats"
	"github.com/modelgate/modelgate/scanner"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// sample is a report with every outcome, built by hand so the golden files
// do not depend on analyzers.
func sample() *scanner.Report {
	return &scanner.Report{
		SchemaVersion: scanner.SchemaVersion,
		Tool:          scanner.Tool{Name: "modelgate", Version: "v0.0.0-test"},
		StartedAt:     time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC),
		Duration:      1500 * time.Millisecond,
		Targets:       []string{"models/"},
		FailOn:        formats.Medium,
		Summary: scanner.Summary{
			Files: 6, Clean: 1, WithFindings: 1, Inconclusive: 2, Skipped: 2, Inert: 1, Accepted: 1, Unsupported: 1, Bytes: 4802,
			BySeverity: map[string]int{"critical": 1, "info": 1}, FailOn: "medium", ExitCode: 1, Verdict: "fail",
		},
		Files: []scanner.FileResult{
			{Path: "models/README.md", Size: 10, Outcome: scanner.Skipped, Note: "inert: Markdown text", Findings: []formats.Finding{}},
			{Path: "models/model.safetensors", Size: 1000, SHA256: "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03",
				Formats: []string{"safetensors"}, Outcome: scanner.Clean, Findings: []formats.Finding{}},
			{Path: "models/pytorch_model.bin", Size: 3000, SHA256: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
				Formats: []string{"zip"}, Outcome: scanner.Findings, Members: 3, Findings: []formats.Finding{
					{Rule: "MG102", Severity: formats.Critical, Message: "global posix.system runs a shell command",
						Location: "models/pytorch_model.bin!archive/data.pkl@1832", Offset: 1832,
						Details: map[string]string{"global": "posix.system", "category": "process"}},
					{Rule: "MG001", Severity: formats.Info, Message: "zip content in a file named .bin",
						Location: "models/pytorch_model.bin", Offset: formats.NoOffset},
				}},
			{Path: "models/broken.gguf", Size: 232, Formats: []string{"gguf"}, Outcome: scanner.Inconclusive,
				Reason: "parse-error", Error: "gguf: tensor info 3: truncated", Findings: []formats.Finding{}},
			{Path: "models/frozen_graph.pb", Size: 300, Outcome: scanner.Inconclusive, Reason: "unsupported", Unidentified: true,
				Error:    "unidentified binary data (300 bytes, entropy 7.2 bits/byte, medium: structured binary), not a known model format; it starts 0a 0c",
				Findings: []formats.Finding{}},
			{Path: "models/weights.dat", Size: 260, Outcome: scanner.Skipped, Unidentified: true,
				Note:     "accepted by policy (formats.unidentified, line 4): raw embedding table read by our own loader; content: unidentified binary data",
				Findings: []formats.Finding{}},
		},
	}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	p := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(p, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file:\n%s", name, got)
	}
}

func TestGolden(t *testing.T) {
	tests := []struct {
		name  string
		write func(*bytes.Buffer) error
	}{
		{"report.json", func(b *bytes.Buffer) error { return WriteJSON(b, sample()) }},
		{"report.txt", func(b *bytes.Buffer) error { return WriteText(b, sample(), TextOptions{}) }},
		{"report-quiet.txt", func(b *bytes.Buffer) error { return WriteText(b, sample(), TextOptions{Quiet: true}) }},
		{"report-color.txt", func(b *bytes.Buffer) error { return WriteText(b, sample(), TextOptions{Color: true}) }},
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

// TestHashNotComputed checks that a quick scan's file without a digest
// says so in the text and JSON reports, and claims no hash.
func TestHashNotComputed(t *testing.T) {
	r := &scanner.Report{FailOn: formats.Medium, Files: []scanner.FileResult{
		{Path: "m.safetensors", Size: 1 << 30, Formats: []string{"safetensors"}, Outcome: scanner.Clean,
			SHA256NotComputed: scanner.NotComputedQuick, Findings: []formats.Finding{}},
	}}
	r.Summarize()
	var text, js bytes.Buffer
	if err := WriteText(&text, r, TextOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := WriteJSON(&js, r); err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(text.Bytes(), []byte("m.safetensors (sha256: not computed (quick))")) {
		t.Errorf("text report:\n%s", text.Bytes())
	}
	if !bytes.Contains(js.Bytes(), []byte(`"sha256_not_computed": "quick"`)) || bytes.Contains(js.Bytes(), []byte(`"sha256":`)) {
		t.Errorf("JSON report:\n%s", js.Bytes())
	}
}

// TestAcceptedMembersShown: members of a container a policy accepted
// unread are shown in the text report even when quiet, and in Markdown.
func TestAcceptedMembersShown(t *testing.T) {
	note := "accepted by policy (formats.unidentified): members of unidentified content, not read: models/m.tar!extra/blob.bin (line 4: lookup table)"
	r := &scanner.Report{Targets: []string{"models/"}, FailOn: formats.Medium, Files: []scanner.FileResult{
		{Path: "models/m.tar", Size: 10240, Formats: []string{"tar"}, Outcome: scanner.Clean, Members: 2,
			UnidentifiedMembers: []string{"models/m.tar!extra/blob.bin"}, Note: note, Findings: []formats.Finding{}},
	}}
	r.Summarize()
	var text, md bytes.Buffer
	if err := WriteText(&text, r, TextOptions{Quiet: true}); err != nil {
		t.Fatal(err)
	}
	if err := WriteMarkdown(&md, r); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text.String(), "accepted") || !strings.Contains(text.String(), "extra/blob.bin") {
		t.Errorf("text report hides the accepted members:\n%s", text.String())
	}
	if !strings.Contains(md.String(), "extra/blob.bin") {
		t.Errorf("markdown report hides the accepted members:\n%s", md.String())
	}
}
