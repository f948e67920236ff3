package signatures

import (
	"context"
	"crypto/elliptic"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/sigstore/sigstore-go/pkg/testing/ca"

	"github.com/modelgate/modelgate/internal/registrytest"
)

// TestVerifyOCIDistribution pushes artifacts and cosign signatures of both
// storage schemes, key and keyless, to a real Distribution registry (which
// has no referrers API, so bundles are found through the referrers tag)
// and verifies them.
func TestVerifyOCIDistribution(t *testing.T) {
	host := registrytest.Start(t)
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
		{"legacy tag, keyless, wrong identity", legacyKeylessRef, Options{Identity: "mallory@example.com", Issuer: iss, TrustedRoot: vs}, Invalid, "", "none of the expected identities matched"},
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
