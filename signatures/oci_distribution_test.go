package signatures

import (
	"bytes"
	"context"
	"crypto/elliptic"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/sigstore/sigstore-go/pkg/testing/ca"
)

// distributionBinary is where Debian's docker-registry package installs
// the CNCF Distribution registry.
const distributionBinary = "/usr/bin/docker-registry"

// startDistribution runs the CNCF Distribution registry on a free loopback
// port with storage in a temporary directory and no auth, and returns its
// host:port. It skips the test when the binary is absent. (The same helper
// lives in scanner/fetch/internal/fetchtest, which this package cannot
// import.)
func startDistribution(t *testing.T) string {
	t.Helper()
	if _, err := os.Stat(distributionBinary); err != nil {
		t.Skipf("%s not installed (Debian package docker-registry; .ci/run installs it): skipping the real-registry test", distributionBinary)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	dir := t.TempDir()
	cfg := fmt.Sprintf("version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: %s\nhttp:\n  addr: %s\n", filepath.Join(dir, "data"), addr)
	cfgPath := filepath.Join(dir, "config.yml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(distributionBinary, "serve", cfgPath)
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return addr
		}
	}
	t.Fatalf("docker-registry did not start: %s", logs.String())
	return ""
}

// TestVerifyOCIDistribution pushes artifacts and cosign signatures of both
// storage schemes, key and keyless, to a real Distribution registry (which
// has no referrers API, so bundles are found through the referrers tag)
// and verifies them.
func TestVerifyOCIDistribution(t *testing.T) {
	host := startDistribution(t)
	key := newKey(t, elliptic.P256())
	vs, err := ca.NewVirtualSigstore()
	if err != nil {
		t.Fatal(err)
	}
	const id, iss = "ci@example.com", "https://token.example.com"
	keyless := Options{Identity: id, Issuer: iss, TrustedRoot: vs}

	legacyKeyRef, d := pushImage(t, host, "models/legacy-key")
	pushLegacyLayers(t, legacyKeyRef, d, keyLayer(t, legacyKeyRef, d, key))

	legacyKeylessRef, d := pushImage(t, host, "models/legacy-keyless")
	pushLegacyLayers(t, legacyKeylessRef, d, keylessLayer(t, legacyKeylessRef, id, iss, keylessSpec{fulcio: vs, claim: d}))

	bundleKeyRef, d := pushImage(t, host, "models/bundle-key")
	pushReferrer(t, bundleKeyRef, d, keyBundle(t, key, statementFor(d)))

	bundleKeylessRef, d := pushImage(t, host, "models/bundle-keyless")
	pushReferrer(t, bundleKeylessRef, d, virtualBundle(t, vs, id, iss, statementFor(d)))

	unsignedRef, _ := pushImage(t, host, "models/unsigned")

	tests := []struct {
		name   string
		ref    name.Reference
		opts   Options
		status Status
		method string
		want   string
	}{
		{"legacy tag, key", legacyKeyRef, Options{PublicKey: key.Public()}, Verified, "cosign-legacy-key", ""},
		{"legacy tag, keyless", legacyKeylessRef, keyless, Verified, "cosign-legacy-keyless", ""},
		{"legacy tag, keyless, wrong identity", legacyKeylessRef, Options{Identity: "mallory@example.com", Issuer: iss, TrustedRoot: vs}, Invalid, "", "expected SAN value"},
		{"referrer bundle, key", bundleKeyRef, Options{PublicKey: key.Public()}, Verified, "cosign-bundle-key", ""},
		{"referrer bundle, keyless", bundleKeylessRef, keyless, Verified, "cosign-bundle-keyless", ""},
		{"referrer bundle, keyless, wrong issuer", bundleKeylessRef, Options{Identity: id, Issuer: "https://evil.example.com", TrustedRoot: vs}, Invalid, "", "bundle referrer rejected"},
		{"unsigned", unsignedRef, keyless, Unsigned, "", "no cosign signature"},
		{"legacy tag, identity regexp", legacyKeylessRef, Options{IdentityRegexp: `ci@example\.com`, IssuerRegexp: `https://token\.example\.com`, TrustedRoot: vs}, Verified, "cosign-legacy-keyless", ""},
		{"legacy tag, identity regexp matching a prefix", legacyKeylessRef, Options{IdentityRegexp: `ci@example`, Issuer: iss, TrustedRoot: vs}, Invalid, "", ""},
		{"referrer bundle, issuer regexp matching a prefix", bundleKeylessRef, Options{Identity: id, IssuerRegexp: `https://token`, TrustedRoot: vs}, Invalid, "", ""},
		{"referrer bundle, identity regexp", bundleKeylessRef, Options{IdentityRegexp: `ci@.*\.com`, Issuer: iss, TrustedRoot: vs}, Verified, "cosign-bundle-keyless", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			r := VerifyOCI(ctx, tt.ref.String(), tt.opts, OCIOptions{})
			if r.Status != tt.status {
				t.Fatalf("status %s (%s), want %s", r.Status, r.Reason, tt.status)
			}
			if r.Method != tt.method && tt.method != "" {
				t.Errorf("method %q, want %q", r.Method, tt.method)
			}
			if !strings.Contains(r.Reason, tt.want) {
				t.Errorf("reason %q, want %q", r.Reason, tt.want)
			}
			if r.Status == Verified && !strings.HasPrefix(r.RootDigest, "sha256:") {
				t.Errorf("verified without the manifest digest: %+v", r)
			}
		})
	}
}
