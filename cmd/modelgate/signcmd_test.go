package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestScanSignVerify is the README walkthrough: generate a key, sign a
// model, verify it, change a byte and see verification fail.
func TestScanSignVerify(t *testing.T) {
	dir := t.TempDir()
	model := filepath.Join(dir, "model")
	writeFile(t, model, "config.json", []byte(`{"architectures":["TinyNet"]}`))
	writeFile(t, model, "README.md", []byte("# tiny\n"))
	key := filepath.Join(dir, "release")

	if code, out, errOut := modelgate(t, "sign", "--generate-key", key); code != 0 || !strings.Contains(out, "release.pub") {
		t.Fatalf("generate-key: exit %d %q %q", code, out, errOut)
	}
	if code, out, errOut := modelgate(t, "sign", "--key", key+".key", model); code != 0 || !strings.Contains(out, "model.sig") {
		t.Fatalf("sign: exit %d %q %q", code, out, errOut)
	}
	code, out, errOut := modelgate(t, "verify", "--key", key+".pub", model)
	if code != 0 || !strings.HasPrefix(out, "verified: ") {
		t.Fatalf("verify: exit %d %q %q", code, out, errOut)
	}
	code, out, _ = modelgate(t, "verify", "--format", "json", "--key", key+".pub", model)
	var r struct{ Status, Method string }
	if code != 0 || json.Unmarshal([]byte(out), &r) != nil || r.Status != "verified" || r.Method != "key" {
		t.Fatalf("verify --format json: exit %d %q", code, out)
	}
	code, out, _ = modelgate(t, "bom", "--key", key+".pub", model)
	if code != 0 || !strings.Contains(out, `"modelgate:signature:status"`) || !strings.Contains(out, `"value": "verified"`) {
		t.Fatalf("bom: exit %d %.400q", code, out)
	}
	// The scan's own BOM, from its signature check, is the bom command's.
	scanBOM := filepath.Join(dir, "scan.cdx.json")
	if code, _, errOut := modelgate(t, "scan", "-q", "--require-signature", "--key", key+".pub", "--bom", scanBOM, model); code != 0 {
		t.Fatalf("scan --bom: exit %d %q", code, errOut)
	}
	if b, err := os.ReadFile(scanBOM); err != nil || string(b) != out {
		t.Fatalf("scan --bom differs from bom:\n%s\n%s", b, out)
	}

	writeFile(t, model, "config.json", []byte(`{"architectures":["EvilNet"]}`))
	code, out, _ = modelgate(t, "verify", "--key", key+".pub", model)
	if code != 1 || !strings.HasPrefix(out, "invalid: ") || !strings.Contains(out, "config.json") || strings.Count(out, "\n") != 1 {
		t.Fatalf("tampered: exit %d %q, want 1 and one line naming config.json", code, out)
	}
}

func TestVerifyReferenceFixturesCLI(t *testing.T) {
	fx := "../../../shared/oms-fixtures"
	if _, err := os.Stat(fx); err != nil {
		t.Skip("no OMS fixtures")
	}
	tests := []struct {
		dir  string
		args []string
	}{
		{"v1.1.0-sigstore", []string{"--identity", "stefanb@us.ibm.com", "--issuer", "https://sigstore.verify.ibm.com/oauth2"}},
		{"v1.1.0-certificate", []string{"--ca-roots", fx + "/keys/ca-cert.pem"}},
		{"v1.0.1-elliptic-key", []string{"--key", fx + "/keys/signing-key-pub.pem", "--ignore-paths", "ignore-me"}},
	}
	for _, tt := range tests {
		t.Run(tt.dir, func(t *testing.T) {
			args := append(append([]string{"verify"}, tt.args...), filepath.Join(fx, tt.dir))
			if code, out, errOut := modelgate(t, args...); code != 0 {
				t.Fatalf("exit %d %q %q", code, out, errOut)
			}
		})
	}
	code, out, _ := modelgate(t, "verify", "--identity", "someone@example.com", "--issuer", "https://sigstore.verify.ibm.com/oauth2", filepath.Join(fx, "v1.1.0-sigstore"))
	if code != 1 || !strings.HasPrefix(out, "invalid: ") {
		t.Fatalf("wrong identity: exit %d %q", code, out)
	}
}

func TestSignVerifyUsage(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "a.bin", []byte("x"))
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"verify without trust", []string{"verify", dir}, "whom to trust"},
		{"identity without issuer", []string{"verify", "--identity", "a@b", dir}, "--issuer"},
		{"missing key", []string{"verify", "--key", filepath.Join(dir, "none.pub"), dir}, "--key"},
		{"sign without key", []string{"sign", dir}, "--key"},
		{"chain without cert", []string{"sign", "--key", "k", "--chain", "c", dir}, "--chain"},
		{"bad bom format", []string{"bom", "--format", "yaml", dir}, "--format"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, errOut := modelgate(t, tt.args...)
			if code != 3 || !strings.Contains(errOut, tt.want) {
				t.Errorf("exit %d %q, want 3 mentioning %q", code, errOut, tt.want)
			}
		})
	}
}

// --generate-key never replaces an existing key pair without --force, and
// the private key is readable by its owner only.
func TestGenerateKeyRefusesToOverwrite(t *testing.T) {
	dir := t.TempDir()
	prefix := filepath.Join(dir, "release")
	if code, _, errOut := modelgate(t, "sign", "--generate-key", prefix); code != 0 {
		t.Fatalf("first --generate-key: exit %d %s", code, errOut)
	}
	st, err := os.Stat(prefix + ".key")
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("private key mode %v, want 0600", st.Mode().Perm())
	}
	first, _ := os.ReadFile(prefix + ".key")

	code, _, errOut := modelgate(t, "sign", "--generate-key", prefix)
	if code != 3 || !strings.Contains(errOut, "already exists") || !strings.Contains(errOut, "--force") {
		t.Errorf("second --generate-key: exit %d %q, want 3 naming --force", code, errOut)
	}
	if again, _ := os.ReadFile(prefix + ".key"); !bytes.Equal(again, first) {
		t.Error("the existing private key was overwritten")
	}

	// Only the public half left: still refused, nothing written.
	other := filepath.Join(dir, "other")
	writeFile(t, dir, "other.pub", []byte("keep me"))
	if code, _, _ := modelgate(t, "sign", "--generate-key", other); code != 3 {
		t.Errorf("existing .pub: exit %d, want 3", code)
	}
	if _, err := os.Stat(other + ".key"); err == nil {
		t.Error("a private key was written next to an existing .pub")
	}

	// --force replaces both, and a loosened mode does not survive.
	if err := os.Chmod(prefix+".key", 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := modelgate(t, "sign", "--generate-key", prefix, "--force"); code != 0 {
		t.Fatalf("--force: exit %d %s", code, errOut)
	}
	if again, _ := os.ReadFile(prefix + ".key"); bytes.Equal(again, first) {
		t.Error("--force did not replace the key")
	}
	if st, _ := os.Stat(prefix + ".key"); st.Mode().Perm() != 0o600 {
		t.Errorf("replaced private key mode %v, want 0600", st.Mode().Perm())
	}
}
