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
	key, pub := cosignKey(t)
	repo, err := name.NewRepository(host + "/models/moving")
	if err != nil {
		t.Fatal(err)
	}
	signed, unsigned := pushRandom(t, repo, "v1").DigestStr(), pushRandom(t, repo, "unsigned").DigestStr()
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

	var gets atomic.Int32
	front := proxyRegistry(t, host, func(r *http.Request) {
		if r.Method == http.MethodGet && r.URL.Path == "/v2/models/moving/manifests/v1" && gets.Add(1) == 1 {
			r.URL.Path = "/v2/models/moving/manifests/unsigned"
		}
	})

	target := "oci://" + front + "/models/moving:v1"
	code, out, stderr := modelgate(t, "scan", "--format", "json", "--require-signature", "--key", pub, target)
	if !strings.Contains(out, unsigned) {
		t.Fatalf("the scan did not pin the unsigned manifest (exit %d): %s %s", code, out, stderr)
	}
	if code != 1 || !strings.Contains(out, `"status": "unsigned"`) || !strings.Contains(out, `"rule": "MG091"`) || strings.Contains(out, `"status": "verified"`) {
		t.Fatalf("exit %d: the signature of another manifest vouched for the scan:\n%s", code, out)
	}
}

// cosignKey makes a signing key and writes its public half as a cosign.pub
// file, returning the key and the file's path.
func cosignKey(t *testing.T) (*ecdsa.PrivateKey, string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKIXPublicKey(key.Public())
	if err != nil {
		t.Fatal(err)
	}
	return key, writeFile(t, t.TempDir(), "cosign.pub", pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}

// pushRandom pushes a random image as repo:tag and returns its digest.
func pushRandom(t *testing.T, repo name.Repository, tag string) name.Digest {
	t.Helper()
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

// proxyRegistry serves the registry at host through a proxy that lets
// rewrite change each request first (to move a tag between look-ups), and
// returns the proxy's host:port.
func proxyRegistry(t *testing.T, host string, rewrite func(*http.Request)) string {
	t.Helper()
	u, err := url.Parse("http://" + host)
	if err != nil {
		t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(u)
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rewrite(r)
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(front.Close)
	return strings.TrimPrefix(front.URL, "http://")
}
