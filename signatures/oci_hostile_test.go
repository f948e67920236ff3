package signatures

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// putLayers writes tag as a manifest whose layers are descs, as a hostile
// registry may serve it: the sizes are what the manifest states, whatever
// the blobs hold.
func putLayers(t *testing.T, repo name.Repository, tag string, descs ...v1.Descriptor) {
	t.Helper()
	// An image config naming the layers, as cosign's own tags have.
	var diffs []v1.Hash
	for _, d := range descs {
		diffs = append(diffs, d.Digest)
	}
	cj, err := json.Marshal(v1.ConfigFile{RootFS: v1.RootFS{Type: "layers", DiffIDs: diffs}})
	if err != nil {
		t.Fatal(err)
	}
	cfg := static.NewLayer(cj, types.OCIConfigJSON)
	if err := remote.WriteLayer(repo, cfg); err != nil {
		t.Fatal(err)
	}
	cd, _ := cfg.Digest()
	man, err := json.Marshal(v1.Manifest{
		SchemaVersion: 2, MediaType: types.OCIManifestSchema1,
		Config: v1.Descriptor{MediaType: types.OCIConfigJSON, Digest: cd, Size: int64(len(cj))},
		Layers: descs,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Put(repo.Tag(tag), rawManifest{man}); err != nil {
		t.Fatal(err)
	}
}

func blobDesc(t *testing.T, repo name.Repository, data []byte, mt types.MediaType, ann map[string]string) v1.Descriptor {
	t.Helper()
	l := static.NewLayer(data, mt)
	if err := remote.WriteLayer(repo, l); err != nil {
		t.Fatal(err)
	}
	d, _ := l.Digest()
	return v1.Descriptor{MediaType: mt, Digest: d, Size: int64(len(data)), Annotations: ann}
}

// recordingRegistry starts a registry that notes the paths it was asked to
// GET; fetched tells whether path was.
func recordingRegistry(t *testing.T) (host string, fetched func(path string) bool) {
	t.Helper()
	var mu sync.Mutex
	got := map[string]bool{}
	reg := registry.New(registry.Logger(log.New(io.Discard, "", 0)))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet {
			mu.Lock()
			got[r.URL.Path] = true
			mu.Unlock()
		}
		reg.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://"), func(path string) bool {
		mu.Lock()
		defer mu.Unlock()
		return got[path]
	}
}

// TestVerifyOCIHostileSizes: signature and attestation layers over the
// caps are not read (cosign's own cap is 128 MiB a layer, read by several
// workers at once), and the outcome is not-checked, never verified.
func TestVerifyOCIHostileSizes(t *testing.T) {
	host, fetched := recordingRegistry(t)
	key := newKey(t, elliptic.P256())
	opts := Options{PublicKey: key.Public()}

	t.Run("signature payload over the cap", func(t *testing.T) {
		ref, d := pushImage(t, host, "models/big-sig")
		// A genuine signature of a padded payload: cosign would verify it.
		payload := append(simpleSigningPayload(ref, d), bytes.Repeat([]byte(" "), maxPayloadBytes)...)
		sum := sha256.Sum256(payload)
		sig, err := ecdsa.SignASN1(rand.Reader, key, sum[:])
		if err != nil {
			t.Fatal(err)
		}
		pushLegacyLayers(t, ref, d, legacyLayer{payload, map[string]string{CosignSignatureAnnotation: base64.StdEncoding.EncodeToString(sig)}})
		r := VerifyOCI(context.Background(), ref.String(), opts, OCIOptions{})
		if r.Status != NotChecked || !strings.Contains(r.Reason, "cap") {
			t.Fatalf("status %s (%s), want not-checked at the cap", r.Status, r.Reason)
		}
	})

	t.Run("attestation layer stated over the cap", func(t *testing.T) {
		ref, d := pushImage(t, host, "models/big-att")
		desc := blobDesc(t, ref.Context(), []byte("big"), "application/vnd.dsse.envelope.v1+json", nil)
		desc.Size = maxSignatureBytes + 1
		putLayers(t, ref.Context(), legacyAttTag(d), desc)
		r := VerifyOCIAttestations(context.Background(), ref.String(), opts, OCIOptions{})
		if r.Status != NotChecked || !strings.Contains(r.Reason, "cap") {
			t.Fatalf("status %s (%s), want not-checked at the cap", r.Status, r.Reason)
		}
	})

	t.Run("signature layer stated over the cap beside a good one", func(t *testing.T) {
		ref, d := pushImage(t, host, "models/big-sig-2")
		good := keyLayer(t, ref, d, key)
		gd := blobDesc(t, ref.Context(), good.payload, SimpleSigningMediaType, good.annotations)
		big := blobDesc(t, ref.Context(), []byte("big"), SimpleSigningMediaType, good.annotations)
		big.Size = 100 << 20
		putLayers(t, ref.Context(), legacyTag(d), big, gd)
		r := VerifyOCI(context.Background(), ref.String(), opts, OCIOptions{})
		if r.Status != Verified {
			t.Fatalf("status %s (%s), want the good signature verified", r.Status, r.Reason)
		}
		if p := "/v2/models/big-sig-2/blobs/" + big.Digest.String(); fetched(p) {
			t.Errorf("the layer over the cap was read: %s", p)
		}
	})
}

// TestAttestOCIHostileTag: an uploader who can push can fill the
// sha256-<hex>.att tag of a digest before the service attests it; the
// attester then neither reads a layer over the cap nor more layers than
// the verifier would ever check.
func TestAttestOCIHostileTag(t *testing.T) {
	host, fetched := recordingRegistry(t)
	key := newKey(t, elliptic.P256())
	stmts := []Statement{{PredicateType: VerdictPredicateType, Predicate: []byte(`{"verdict":"pass"}`)}}

	t.Run("layer stated over the cap", func(t *testing.T) {
		ref, d := pushImage(t, host, "models/att-big")
		big := blobDesc(t, ref.Context(), []byte("big"), "application/vnd.dsse.envelope.v1+json", nil)
		big.Size = maxSignatureBytes + 1
		putLayers(t, ref.Context(), legacyAttTag(d), big)
		err := AttestOCI(context.Background(), ref.Context().Digest(d.String()), key, stmts, nil)
		if err == nil || !strings.Contains(err.Error(), "cap") {
			t.Fatalf("err %v, want the cap named", err)
		}
		if p := "/v2/models/att-big/blobs/" + big.Digest.String(); fetched(p) {
			t.Errorf("the layer over the cap was read: %s", p)
		}
	})

	t.Run("more layers than are ever checked", func(t *testing.T) {
		ref, d := pushImage(t, host, "models/att-many")
		var descs []v1.Descriptor
		for i := range maxOCISignatures + 1 {
			descs = append(descs, blobDesc(t, ref.Context(), []byte(strings.Repeat("x", i+1)), "application/vnd.dsse.envelope.v1+json", nil))
		}
		putLayers(t, ref.Context(), legacyAttTag(d), descs...)
		err := AttestOCI(context.Background(), ref.Context().Digest(d.String()), key, stmts, nil)
		if err == nil || !strings.Contains(err.Error(), "more than") {
			t.Fatalf("err %v, want the count cap named", err)
		}
	})
}
