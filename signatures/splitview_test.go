package signatures

import (
	"context"
	"crypto/elliptic"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/modelgate/modelgate/internal/registrytest"
)

// splitView fronts the registry at host and answers HEAD of the tag with
// what the registry says for it, but GET of the tag with the manifest of
// the tag other: a registry (or a tag moving between two requests) showing
// a signed digest to a HEAD and other bytes to a GET.
func splitView(t *testing.T, host, repo, tag, other string) string {
	t.Helper()
	u, err := url.Parse("http://" + host)
	if err != nil {
		t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(u)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet && r.URL.Path == "/v2/"+repo+"/manifests/"+tag {
			r.URL.Path = "/v2/" + repo + "/manifests/" + other
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://")
}

// TestVerifyOCISplitView: the signature is checked on the manifest bytes
// received and hashed, never on the digest a HEAD announces.
func TestVerifyOCISplitView(t *testing.T) {
	host := registrytest.Start(t)
	key := newKey(t, elliptic.P256())
	signedRef, signed := pushImage(t, host, "models/split")
	pushLegacyLayers(t, signedRef, signed, keyLayer(t, signedRef, signed, key))
	img, err := random.Image(256, 1)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(signedRef.Context().Tag("unsigned"), img); err != nil {
		t.Fatal(err)
	}
	unsigned, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	front := splitView(t, host, "models/split", "v1", "unsigned")
	opts := Options{PublicKey: key.Public()}

	tests := []struct {
		ref    string
		status Status
		root   string
	}{
		{front + "/models/split:v1", Unsigned, unsigned.String()},
		{front + "/models/split@" + unsigned.String(), Unsigned, unsigned.String()},
		{front + "/models/split@" + signed.String(), Verified, signed.String()},
	}
	for _, tt := range tests {
		t.Run(tt.ref[len(front):], func(t *testing.T) {
			if _, err := name.ParseReference(tt.ref); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			r := VerifyOCI(ctx, tt.ref, opts, OCIOptions{})
			if r.Status != tt.status || r.RootDigest != tt.root {
				t.Errorf("got %s on %s (%s), want %s on %s", r.Status, r.RootDigest, r.Reason, tt.status, tt.root)
			}
		})
	}
}
