package signatures

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// omsFixtures holds signatures written by the reference implementation
// (sigstore/model-transparency scripts/tests, v0.2.0 to v1.1.0).
const omsFixtures = "../../shared/oms-fixtures"

func fixtureOptions(t *testing.T, dir string) Options {
	t.Helper()
	keys := filepath.Join(omsFixtures, "keys")
	opts := Options{IgnorePaths: []string{"ignore-me"}}
	switch {
	case strings.HasSuffix(dir, "-certificate"):
		pool := x509.NewCertPool()
		data, err := os.ReadFile(filepath.Join(keys, "ca-cert.pem"))
		if err != nil {
			t.Fatal(err)
		}
		if !pool.AppendCertsFromPEM(data) {
			t.Fatal("ca-cert.pem holds no certificate")
		}
		opts.CARoots = pool
	case strings.HasSuffix(dir, "-elliptic-key"):
		pub, err := LoadPublicKey(filepath.Join(keys, "signing-key-pub.pem"))
		if err != nil {
			t.Fatal(err)
		}
		opts.PublicKey = pub
	case strings.HasSuffix(dir, "-sigstore"):
		opts.Identity = "stefanb@us.ibm.com"
		opts.Issuer = "https://sigstore.verify.ibm.com/oauth2"
	}
	return opts
}

func fixtureDirs(t *testing.T) []string {
	t.Helper()
	dirs, err := filepath.Glob(filepath.Join(omsFixtures, "v*"))
	if err != nil || len(dirs) == 0 {
		t.Skipf("no OMS fixtures at %s", omsFixtures)
	}
	return dirs
}

// copyTree copies a fixture so a test can change it.
func copyTree(t *testing.T, src string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), filepath.Base(src))
	if err := os.CopyFS(dst, os.DirFS(src)); err != nil {
		t.Fatal(err)
	}
	return dst
}

func TestReferenceFixturesVerify(t *testing.T) {
	for _, dir := range fixtureDirs(t) {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			r := Verify(context.Background(), dir, fixtureOptions(t, dir))
			if r.Status != Verified {
				t.Fatalf("status %s: %s", r.Status, r.Reason)
			}
			if strings.HasSuffix(dir, "-sigstore") && (r.LogIndex == nil || r.Identity != "stefanb@us.ibm.com" || r.SignedAt == "") {
				t.Errorf("keyless result lacks provenance: %+v", r)
			}
		})
	}
}

func TestReferenceFixturesTampered(t *testing.T) {
	tamper := []struct {
		name   string
		change func(t *testing.T, dir string, opts *Options)
		want   string
	}{
		{"one byte changed", func(t *testing.T, dir string, _ *Options) {
			p := filepath.Join(dir, "signme-1")
			data, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			data[0] ^= 1
			if err := os.WriteFile(p, data, 0o644); err != nil {
				t.Fatal(err)
			}
		}, "digest mismatch"},
		{"file added", func(t *testing.T, dir string, _ *Options) {
			if err := os.WriteFile(filepath.Join(dir, "extra.bin"), []byte("x"), 0o644); err != nil {
				t.Fatal(err)
			}
		}, "not covered"},
		{"wrong identity", func(t *testing.T, dir string, opts *Options) {
			switch {
			case opts.Identity != "":
				opts.Identity = "someone@example.com"
			case opts.PublicKey != nil:
				opts.PublicKey = otherKey(t)
			default:
				opts.CARoots = x509.NewCertPool()
				opts.CARoots.AddCert(selfSignedCA(t))
			}
		}, ""},
	}
	for _, dir := range fixtureDirs(t) {
		for _, tc := range tamper {
			t.Run(filepath.Base(dir)+"/"+tc.name, func(t *testing.T) {
				cp := copyTree(t, dir)
				opts := fixtureOptions(t, dir)
				tc.change(t, cp, &opts)
				r := Verify(context.Background(), cp, opts)
				if r.Status != Invalid {
					t.Fatalf("status %s, want invalid", r.Status)
				}
				if strings.Contains(r.Reason, "\n") || !strings.Contains(r.Reason, tc.want) {
					t.Errorf("reason %q, want one line with %q", r.Reason, tc.want)
				}
			})
		}
	}
}

// TestRecordedIgnoreList checks that a v1.1 signature's recorded ignore
// list is applied without being told.
func TestRecordedIgnoreList(t *testing.T) {
	dir := filepath.Join(omsFixtures, "v1.1.0-elliptic-key")
	if _, err := os.Stat(dir); err != nil {
		t.Skip("no fixture")
	}
	opts := fixtureOptions(t, dir)
	opts.IgnorePaths = nil
	if r := Verify(context.Background(), dir, opts); r.Status != Verified {
		t.Fatalf("status %s: %s", r.Status, r.Reason)
	}
	dir = filepath.Join(omsFixtures, "v1.0.1-elliptic-key")
	if r := Verify(context.Background(), dir, opts); r.Status != Invalid || !strings.Contains(r.Reason, "ignore-me") {
		t.Fatalf("v1.0.1 without --ignore-paths: %s %q, want invalid naming ignore-me", r.Status, r.Reason)
	}
}

func TestLoadPublicKeyRejectsGarbage(t *testing.T) {
	p := filepath.Join(t.TempDir(), "k.pem")
	if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: []byte("junk")}), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadPublicKey(p); err == nil {
		t.Fatal("garbage key loaded")
	}
}
