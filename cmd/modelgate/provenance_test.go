package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestScanRequireSignature signs a model with a generated key and gates a
// scan on it: verified passes, a changed file, a wrong key, an unsigned
// model and a policy requirement with a missing key all fail.
func TestScanRequireSignature(t *testing.T) {
	dir := t.TempDir()
	model := filepath.Join(dir, "model")
	writeFile(t, model, "model.pkl", mustRead(t, "../../testdata/sample/model.pkl"))
	writeFile(t, model, "README.md", []byte("# tiny\n"))
	key, other := filepath.Join(dir, "release"), filepath.Join(dir, "other")
	for _, k := range []string{key, other} {
		if code, _, e := modelgate(t, "sign", "--generate-key", k); code != 0 {
			t.Fatalf("generate-key: %d %s", code, e)
		}
	}
	if code, _, e := modelgate(t, "sign", "--key", key+".key", model); code != 0 {
		t.Fatalf("sign: %d %s", code, e)
	}
	unsigned := filepath.Join(dir, "unsigned")
	writeFile(t, unsigned, "model.pkl", mustRead(t, "../../testdata/sample/model.pkl"))

	scan := func(args ...string) (int, string) {
		code, out, _ := modelgate(t, append([]string{"scan", "--format", "json"}, args...)...)
		validateReport(t, []byte(out))
		return code, out
	}
	if code, out := scan("--require-signature", "--key", key+".pub", model); code != 0 || !strings.Contains(out, `"status": "verified"`) {
		t.Fatalf("signed model: exit %d\n%s", code, out)
	}
	if code, out := scan("--require-signature", "--key", other+".pub", model); code != 1 || !strings.Contains(out, `"rule": "MG091"`) {
		t.Errorf("wrong key: exit %d\n%s", code, out)
	}
	if code, out := scan("--require-signature", "--fail-on", "critical", "--key", key+".pub", unsigned); code != 1 || !strings.Contains(out, `"status": "unsigned"`) {
		t.Errorf("unsigned model with --fail-on critical: exit %d\n%s", code, out)
	}
	pol := writeFile(t, dir, "policy.yaml", []byte("version: 1\nsignatures:\n  require:\n    - keys: [release.pub]\n      paths: ['**/*.pkl']\n"))
	if code, out := scan("--policy", pol, model); code != 0 || !strings.Contains(out, `"required_by": "policy line 4"`) {
		t.Errorf("policy with the right key: exit %d\n%s", code, out)
	}
	writeFile(t, model, "README.md", []byte("# changed\n"))
	if code, out := scan("--require-signature", "--key", key+".pub", model); code != 1 || !strings.Contains(out, "README.md") {
		t.Errorf("changed file: exit %d\n%s", code, out)
	}
	if code, _, stderr := modelgate(t, "scan", "--key", key+".pub", model); code != 3 || !strings.Contains(stderr, "--require-signature") {
		t.Errorf("trust flags without --require-signature: exit %d %q", code, stderr)
	}
}

func mustRead(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
