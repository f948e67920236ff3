package jinja

import (
	"bytes"
	"context"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"os"

	"github.com/modelgate/modelgate/formats"
	"github.com/modelgate/modelgate/internal/pythontest"
)

// TestMaliciousCorpus checks every payload in testdata/malicious: each one
// must be reported at high or above, and Jinja2 itself, rendering it
// unsandboxed as vulnerable servers did, must reach the os module (the
// payloads print os.name).
func TestMaliciousCorpus(t *testing.T) {
	files, err := filepath.Glob("testdata/malicious/*.jinja")
	if err != nil || len(files) < 20 {
		t.Fatalf("malicious corpus: %d files, %v", len(files), err)
	}
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		sev, ok := maxSeverity(Check(string(src)))
		if !ok || sev < formats.High {
			t.Errorf("%s: max severity %v (found %v), want high or critical", filepath.Base(f), sev, ok)
		}
	}
	py := pythontest.Require(t, "jinja2")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	names := make([]string, len(files))
	for i, f := range files {
		names[i] = filepath.Base(f)
	}
	cmd := exec.CommandContext(ctx, py, append([]string{"prove_jinja2.py"}, names...)...)
	cmd.Dir = "testdata/malicious"
	cmd.Env = pythontest.Env(t.TempDir())
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("jinja2: %v: %s", err, stderr.String())
	}
	var rendered map[string]string
	if err := json.Unmarshal(out, &rendered); err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		if !strings.HasSuffix(rendered[n], "posix") {
			t.Errorf("%s: Jinja2 rendered %q, want the payload to reach os.name", n, rendered[n])
		}
	}
}
