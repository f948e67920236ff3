package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestMainModuleGate scans the real pickles that name the saving program's
// own definitions (formats/pickle/testdata/mainmod): the default gate
// (fail-on medium) passes them with MG117 at low, a policy can raise the
// rule to fail them, and a pickle that calls a __main__ name still fails.
func TestMainModuleGate(t *testing.T) {
	src := "../../formats/pickle/testdata/mainmod"
	var files []string
	for _, ext := range []string{"pkl", "pt", "joblib"} {
		m, _ := filepath.Glob(filepath.Join(src, "*."+ext))
		files = append(files, m...)
	}
	if len(files) < 9 {
		t.Fatalf("samples: %v", files)
	}
	dir := t.TempDir()
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, dir, filepath.Base(f), data)
	}
	calls := t.TempDir()
	// __main__.system("id"): runs whatever the loading program has under
	// that name with the file's argument.
	writeFile(t, calls, "calls.pkl", []byte("\x80\x02c__main__\nsystem\n\x8c\x02id\x85R."))
	tests := []struct {
		name, policy, dir string
		code              int
		want              string
	}{
		{"default gate", "", dir, 0, `"severity": "low"`},
		{"raised to medium", "version: 1\nrules:\n  MG117: medium\n", dir, 1, `"rule": "MG117"`},
		{"raised to high", "version: 1\nrules:\n  MG117: high\n", dir, 1, `"severity": "high"`},
		{"a call stays MG101", "", calls, 1, `"rule": "MG101"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := []string{"scan", "--format", "json", "--no-cache"}
			if tt.policy != "" {
				args = append(args, "--policy", writeFile(t, t.TempDir(), "p.yaml", []byte(tt.policy)))
			}
			code, out, stderr := modelgate(t, append(args, tt.dir)...)
			if code != tt.code {
				t.Errorf("exit %d, want %d (stderr %q)\n%s", code, tt.code, stderr, out)
			}
			if !strings.Contains(out, tt.want) {
				t.Errorf("report lacks %q:\n%s", tt.want, out)
			}
			if tt.code == 0 && strings.Count(out, `"rule": "MG117"`) != len(files) {
				t.Errorf("want one MG117 per file (%d):\n%s", len(files), out)
			}
		})
	}
}
