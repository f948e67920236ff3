package signatures

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/sigstore/sigstore-go/pkg/sign"
	"github.com/sigstore/sigstore-go/pkg/testing/ca"
	"google.golang.org/protobuf/encoding/protojson"
)

// pushImage pushes a random image and returns its reference and digest.
func pushImage(t *testing.T, host, repo string) (name.Reference, v1.Hash) {
	t.Helper()
	img, err := random.Image(256, 1)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := name.ParseReference(host + "/" + repo + ":v1")
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(ref, img); err != nil {
		t.Fatal(err)
	}
	d, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return ref, d
}

type rawManifest struct{ data []byte }

func (m rawManifest) RawManifest() ([]byte, error) { return m.data, nil }
func (m rawManifest) MediaType() (types.MediaType, error) {
	return types.OCIManifestSchema1, nil
}

// pushReferrer attaches a Sigstore bundle to the manifest d as an OCI 1.1
// referrer, the way cosign --new-bundle-format does.
func pushReferrer(t *testing.T, ref name.Reference, d v1.Hash, bundleJSON []byte) {
	t.Helper()
	repo := ref.Context()
	layer := static.NewLayer(bundleJSON, BundleArtifactType)
	cfg := static.NewLayer([]byte("{}"), "application/vnd.oci.empty.v1+json")
	for _, l := range []v1.Layer{layer, cfg} {
		if err := remote.WriteLayer(repo, l); err != nil {
			t.Fatal(err)
		}
	}
	desc := func(l v1.Layer) map[string]any {
		dg, _ := l.Digest()
		sz, _ := l.Size()
		mt, _ := l.MediaType()
		return map[string]any{"mediaType": mt, "digest": dg.String(), "size": sz}
	}
	subj, err := remote.Head(ref)
	if err != nil {
		t.Fatal(err)
	}
	man, err := json.Marshal(map[string]any{
		"schemaVersion": 2, "mediaType": types.OCIManifestSchema1, "artifactType": BundleArtifactType,
		"config": desc(cfg), "layers": []any{desc(layer)},
		"subject": map[string]any{"mediaType": subj.MediaType, "digest": d.String(), "size": subj.Size},
	})
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(man)
	if err := remote.Put(repo.Digest(fmt.Sprintf("sha256:%x", sum)), rawManifest{man}); err != nil {
		t.Fatal(err)
	}
}

// statementFor is a cosign signature statement over manifest d.
func statementFor(d v1.Hash) []byte {
	return fmt.Appendf(nil, `{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"image","digest":{"sha256":%q}}],"predicateType":"https://sigstore.dev/cosign/sign/v1","predicate":{}}`, d.Hex)
}

func keyBundle(t *testing.T, key *ecdsa.PrivateKey, stmt []byte) []byte {
	t.Helper()
	kp, err := newKeypair(key)
	if err != nil {
		t.Fatal(err)
	}
	pb, err := sign.Bundle(&sign.DSSEData{Data: stmt, PayloadType: inTotoPayloadType}, kp, sign.BundleOptions{})
	if err != nil {
		t.Fatal(err)
	}
	out, err := protojson.Marshal(pb)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestVerifyOCI(t *testing.T) {
	srv := httptest.NewServer(registry.New(registry.WithReferrersSupport(true), registry.Logger(log.New(io.Discard, "", 0))))
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	key := newKey(t, elliptic.P256())
	wrongKey := newKey(t, elliptic.P256())
	vs, err := ca.NewVirtualSigstore()
	if err != nil {
		t.Fatal(err)
	}
	const id, iss = "ci@example.com", "https://token.example.com"

	legacyRef, legacyDigest := pushImage(t, host, "models/legacy")
	pushLegacyLayers(t, legacyRef, legacyDigest, keyLayer(t, legacyRef, legacyDigest, key))

	otherRef, otherDigest := pushImage(t, host, "models/replayed")
	_, aDigest := pushImage(t, host, "models/replayed-source")
	pushLegacyLayers(t, otherRef, otherDigest, keyLayer(t, otherRef, aDigest, key))

	bundleRef, bundleDigest := pushImage(t, host, "models/bundle-key")
	pushReferrer(t, bundleRef, bundleDigest, keyBundle(t, key, statementFor(bundleDigest)))

	keylessRef, keylessDigest := pushImage(t, host, "models/bundle-keyless")
	pushReferrer(t, keylessRef, keylessDigest, virtualBundle(t, vs, id, iss, statementFor(keylessDigest)))

	unsignedRef, _ := pushImage(t, host, "models/unsigned")

	// An attestation is a statement about the artifact, not a signature of
	// it: a signer who attests a fail verdict (or a BOM of whatever it
	// scanned) has not vouched for the artifact.
	attestedRef, attestedDigest := pushImage(t, host, "models/attested-only")
	pushReferrer(t, attestedRef, attestedDigest, keyBundle(t, key, verdictStatement(attestedDigest, "fail")))
	// A blob signature (cosign sign-blob --bundle) of a file that holds
	// the manifest's bytes signs a file, not an image.
	blobRef, blobDigest := pushImage(t, host, "models/blob-signed")
	mdesc, err := remote.Get(blobRef)
	if err != nil {
		t.Fatal(err)
	}
	kp, err := newKeypair(key)
	if err != nil {
		t.Fatal(err)
	}
	pb, err := sign.Bundle(&sign.PlainData{Data: mdesc.Manifest}, kp, sign.BundleOptions{})
	if err != nil {
		t.Fatal(err)
	}
	blobBundle, err := protojson.Marshal(pb)
	if err != nil {
		t.Fatal(err)
	}
	pushReferrer(t, blobRef, blobDigest, blobBundle)
	keylessAttestedRef, keylessAttestedDigest := pushImage(t, host, "models/keyless-attested-only")
	pushReferrer(t, keylessAttestedRef, keylessAttestedDigest, virtualBundle(t, vs, id, iss, verdictStatement(keylessAttestedDigest, "fail")))

	tests := []struct {
		name   string
		ref    name.Reference
		opts   Options
		status Status
		want   string
	}{
		{"legacy tag, key", legacyRef, Options{PublicKey: key.Public()}, Verified, ""},
		{"legacy tag, wrong key", legacyRef, Options{PublicKey: wrongKey.Public()}, Invalid, "invalid signature"},
		{"legacy tag for another image", otherRef, Options{PublicKey: key.Public()}, Invalid, "invalid or missing digest in claim"},
		{"referrer bundle, key", bundleRef, Options{PublicKey: key.Public()}, Verified, ""},
		{"referrer bundle, wrong key", bundleRef, Options{PublicKey: wrongKey.Public()}, Invalid, "bundle referrer rejected"},
		{"referrer bundle, keyless", keylessRef, Options{Identity: id, Issuer: iss, TrustedRoot: vs}, Verified, ""},
		{"referrer bundle, wrong identity", keylessRef, Options{Identity: "mallory@example.com", Issuer: iss, TrustedRoot: vs}, Invalid, "bundle referrer rejected"},
		{"referrer bundle, wrong issuer", keylessRef, Options{Identity: id, Issuer: "https://evil.example.com", TrustedRoot: vs}, Invalid, "bundle referrer rejected"},
		{"unsigned", unsignedRef, Options{PublicKey: key.Public()}, Unsigned, "no cosign signature"},
		{"blob signature bundle is no image signature", blobRef, Options{PublicKey: key.Public()}, Unsigned, "no cosign signature"},
		{"attestation bundle is no signature, key", attestedRef, Options{PublicKey: key.Public()}, Unsigned, "no cosign signature"},
		{"attestation bundle is no signature, keyless", keylessAttestedRef, Options{Identity: id, Issuer: iss, TrustedRoot: vs}, Unsigned, "no cosign signature"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := VerifyOCI(context.Background(), tt.ref.String(), tt.opts, OCIOptions{})
			if r.Status != tt.status {
				t.Fatalf("status %s (%s), want %s", r.Status, r.Reason, tt.status)
			}
			if !strings.Contains(r.Reason, tt.want) || strings.Contains(r.Reason, "\n") {
				t.Errorf("reason %q, want one line with %q", r.Reason, tt.want)
			}
			if r.Status == Verified && !strings.HasPrefix(r.RootDigest, "sha256:") {
				t.Errorf("verified without the manifest digest: %+v", r)
			}
		})
	}
}
