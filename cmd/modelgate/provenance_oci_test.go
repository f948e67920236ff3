package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/static"

	"github.com/modelgate/modelgate/internal/registrytest"
	"github.com/modelgate/modelgate/signatures"
)

// TestScanVerifiesThePinnedManifest: `scan --require-signature` checks the
// signature of the manifest it scanned. The tag here moves between the
// scan's request and any later one (the first GET of it answers an
// unsigned manifest, every later one the signed manifest): a second
// resolution would verify bytes that were never scanned.
func TestScanVerifiesThePinnedManifest(t *testing.T) {
	host := registrytest.Start(t)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	der, _ := x509.MarshalPKIXPublicKey(key.Public())
	pub := writeFile(t, t.TempDir(), "cosign.pub", pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))

	repo, err := name.NewRepository(host + "/models/moving")
	if err != nil {
		t.Fatal(err)
	}
	push := func(tag string) string {
		img, err := random.Image(128, 1)
		if err != nil {
			t.Fatal(err)
		}
		if err := remote.Write(repo.Tag(tag), img); err != nil {
			t.Fatal(err)
		}
		d, _ := img.Digest()
		return d.String()
	}
	signed, unsigned := push("v1"), push("unsigned")
	payload := fmt.Appendf(nil, `{"critical":{"identity":{"docker-reference":%q},"image":{"docker-manifest-digest":%q},"type":"cosign container image signature"},"optional":null}`, repo.Name(), signed)
	sum := sha256.Sum256(payload)
	sig, _ := ecdsa.SignASN1(rand.Reader, key, sum[:])
	img, err := mutate.Append(empty.Image, mutate.Addendum{
		Layer:       static.NewLayer(payload, signatures.SimpleSigningMediaType),
		Annotations: map[string]string{signatures.CosignSignatureAnnotation: base64.StdEncoding.EncodeToString(sig)},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(repo.Tag(strings.Replace(signed, ":", "-", 1)+".sig"), img); err != nil {
		t.Fatal(err)
	}

	u, _ := url.Parse("http://" + host)
	proxy := httputil.NewSingleHostReverseProxy(u)
	var gets atomic.Int32
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet && r.URL.Path == "/v2/models/moving/manifests/v1" && gets.Add(1) == 1 {
			r.URL.Path = "/v2/models/moving/manifests/unsigned"
		}
		proxy.ServeHTTP(w, r)
	}))
	defer front.Close()

	target := "oci://" + strings.TrimPrefix(front.URL, "http://") + "/models/moving:v1"
	code, out, stderr := modelgate(t, "scan", "--format", "json", "--require-signature", "--key", pub, target)
	if !strings.Contains(out, unsigned) {
		t.Fatalf("the scan did not pin the unsigned manifest (exit %d): %s %s", code, out, stderr)
	}
	if code != 1 || !strings.Contains(out, `"status": "unsigned"`) || !strings.Contains(out, `"rule": "MG091"`) || strings.Contains(out, `"status": "verified"`) {
		t.Fatalf("exit %d: the signature of another manifest vouched for the scan:\n%s", code, out)
	}
}
