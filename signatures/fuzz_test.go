package signatures

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/sigstore/sigstore-go/pkg/testing/ca"
)

// FuzzParseSignature feeds arbitrary model.sig bytes through the bundle
// and statement parsers, seeded with the reference implementation's
// signatures. Neither may panic.
func FuzzParseSignature(f *testing.F) {
	sigs, _ := filepath.Glob(filepath.Join(omsFixtures, "*", "model.sig"))
	for _, p := range sigs {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte(`{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		b, _, err := parseBundle(data)
		if err != nil {
			return
		}
		m, err := parseStatement(b.GetDsseEnvelope().GetPayload())
		if err == nil && len(m.RootDigest) != 32 {
			t.Fatalf("root digest of %d bytes", len(m.RootDigest))
		}
	})
}

// FuzzParseStatement checks the statement parser alone.
func FuzzParseStatement(f *testing.F) {
	f.Add([]byte(`{"_type":"https://in-toto.io/Statement/v1","predicateType":"https://model_signing/signature/v1.0","subject":[{"name":"m","digest":{"sha256":"00"}}],"predicate":{"serialization":{"method":"shards","hash_type":"sha256","shard_size":8},"resources":[{"name":"a:0:8","algorithm":"sha256-sharded-8","digest":"00"}]}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := parseStatement(data)
		if err != nil {
			return
		}
		for n := range m.Resources {
			if checkResourceName(n) != nil {
				t.Fatalf("accepted resource name %q", n)
			}
		}
	})
}

// FuzzLegacyRekorBundle feeds arbitrary dev.sigstore.cosign/bundle
// annotations to their parser, seeded with one a virtual Sigstore made.
func FuzzLegacyRekorBundle(f *testing.F) {
	vs, err := ca.NewVirtualSigstore()
	if err != nil {
		f.Fatal(err)
	}
	ref, err := name.ParseReference("registry.example/models/m:v1")
	if err != nil {
		f.Fatal(err)
	}
	d := v1.Hash{Algorithm: "sha256", Hex: "0000000000000000000000000000000000000000000000000000000000000000"}
	l := keylessLayer(f, ref, "ci@example.com", "https://token.example.com", keylessSpec{fulcio: vs, claim: d})
	f.Add(l.annotations[CosignBundleAnnotation])
	f.Add(`{"SignedEntryTimestamp":"AA==","Payload":{"body":"e30=","integratedTime":1,"logIndex":1,"logID":"00"}}`)
	f.Fuzz(func(t *testing.T, raw string) {
		e, err := parseLegacyRekorBundle(raw)
		if err != nil {
			return
		}
		if !e.HasInclusionPromise() || e.LogIndex() < 0 || e.IntegratedTime().IsZero() {
			t.Fatalf("accepted an entry without a SET, log index or time: %q", raw)
		}
	})
}
