package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/modelgate/modelgate/internal/registrytest"
	"github.com/modelgate/modelgate/signatures"
)

// TestVerifyResolvesTheTagOnce: `modelgate verify oci://REPO:TAG` checks
// the signature and the attestations of one manifest. A tag moved between
// the two look-ups (here by a registry that answers the first with the
// signed manifest and later ones with another) must not pair the
// signature of one manifest with the attestations of another.
func TestVerifyResolvesTheTagOnce(t *testing.T) {
	host := registrytest.Start(t)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	der, _ := x509.MarshalPKIXPublicKey(key.Public())
	pub := writeFile(t, t.TempDir(), "cosign.pub", pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))

	repo, err := name.NewRepository(host + "/models/flip")
	if err != nil {
		t.Fatal(err)
	}
	push := func(tag string) name.Digest {
		img, err := random.Image(128, 1)
		if err != nil {
			t.Fatal(err)
		}
		if err := remote.Write(repo.Tag(tag), img); err != nil {
			t.Fatal(err)
		}
		d, _ := img.Digest()
		return repo.Digest(d.String())
	}
	signed, other := push("v1"), push("other")
	if err := signatures.SignOCI(context.Background(), signed, key, nil); err != nil {
		t.Fatal(err)
	}
	// The other manifest carries a verified attestation of its own.
	if err := signatures.AttestOCI(context.Background(), other, key,
		[]signatures.Statement{{PredicateType: signatures.VerdictPredicateType, Predicate: []byte(`{"verdict":"fail"}`)}}, nil); err != nil {
		t.Fatal(err)
	}

	u, _ := url.Parse("http://" + host)
	proxy := httputil.NewSingleHostReverseProxy(u)
	var gets atomic.Int32
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if (r.Method == http.MethodGet || r.Method == http.MethodHead) && r.URL.Path == "/v2/models/flip/manifests/v1" && gets.Add(1) > 1 {
			r.URL.Path = "/v2/models/flip/manifests/other"
		}
		proxy.ServeHTTP(w, r)
	}))
	defer front.Close()

	target := "oci://" + strings.TrimPrefix(front.URL, "http://") + "/models/flip:v1"
	code, out, stderr := modelgate(t, "verify", "--format", "json", "--key", pub, target)
	var got struct {
		Status       string `json:"status"`
		RootDigest   string `json:"root_digest"`
		Attestations struct {
			Status     string `json:"status"`
			RootDigest string `json:"root_digest"`
		} `json:"attestations"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("exit %d: %v: %s %s", code, err, out, stderr)
	}
	if got.RootDigest != signed.DigestStr() || got.Attestations.RootDigest != signed.DigestStr() || got.Attestations.Status != "unsigned" {
		t.Fatalf("exit %d: signature of %s, attestations (%s) of %s; want both of %s:\n%s", code, got.RootDigest, got.Attestations.Status, got.Attestations.RootDigest, signed.DigestStr(), out)
	}
}
