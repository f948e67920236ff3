package signatures

import (
	"os"
	"path/filepath"
	"testing"
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
