package scanner_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/modelgate/modelgate/formats"
	"github.com/modelgate/modelgate/scanner"
)

// TestDisguiseSeverityByOutcome checks that a pickle under a data-only
// name is high when its content has findings or could not be fully read,
// and low when it was read whole and found clean.
func TestDisguiseSeverityByOutcome(t *testing.T) {
	benign, err := os.ReadFile("../testdata/pickle/benign/plain_p2.pkl")
	if err != nil {
		t.Fatal(err)
	}
	malicious, err := os.ReadFile("../testdata/pickle/malicious/call_reduce_os_system_p2.pkl")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		data []byte
		want formats.Severity
	}{
		{"notes.txt", benign, formats.Low},
		{"table.dat", benign, formats.Low},
		{"model.safetensors", benign, formats.Low},
		{"notes.txt", malicious, formats.High},
		{"model.safetensors", malicious, formats.High},
		// Cut short: the content could not be fully read.
		{"notes.txt", benign[:len(benign)/2], formats.High},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), tt.name)
			if err := os.WriteFile(path, tt.data, 0o644); err != nil {
				t.Fatal(err)
			}
			res := scanOne(t, path)
			var got []formats.Finding
			for _, f := range res.Findings {
				if f.Rule == scanner.RuleDisguised {
					got = append(got, f)
				}
			}
			if len(got) != 1 || got[0].Severity != tt.want {
				t.Fatalf("MG002 findings %v, want one at %s (outcome %s, error %s)", got, tt.want, res.Outcome, res.Error)
			}
		})
	}
}
