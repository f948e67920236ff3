package server

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/static"

	"github.com/modelgate/modelgate/internal/registrytest"
	"github.com/modelgate/modelgate/server/store"
	"github.com/modelgate/modelgate/signatures"
)

// cosignSign attaches a cosign key signature of digest to repo under the
// legacy sha256-<hex>.sig tag, the way cosign sign --key did.
func cosignSign(t *testing.T, host, repo, digest string, key *ecdsa.PrivateKey) {
	t.Helper()
	payload := fmt.Appendf(nil, `{"critical":{"identity":{"docker-reference":%q},"image":{"docker-manifest-digest":%q},"type":"cosign container image signature"},"optional":null}`, host+"/"+repo, digest)
	sum := sha256.Sum256(payload)
	sig, err := ecdsa.SignASN1(rand.Reader, key, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	img, err := mutate.Append(empty.Image, mutate.Addendum{
		Layer:       static.NewLayer(payload, signatures.SimpleSigningMediaType),
		Annotations: map[string]string{signatures.CosignSignatureAnnotation: base64.StdEncoding.EncodeToString(sig)},
	})
	if err != nil {
		t.Fatal(err)
	}
	tag, err := name.NewTag(host + "/" + repo + ":" + strings.Replace(digest, ":", "-", 1) + ".sig")
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(tag, img); err != nil {
		t.Fatal(err)
	}
}

// TestRequiredSignatureFailsTheVerdict: with a signing key configured, an
// unsigned artifact (or one signed by another key) fails, in the stored
// verdict, the report and the referrers' verdict annotation; a signed one
// passes.
func TestRequiredSignatureFailsTheVerdict(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test")
	}
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	der, err := x509.MarshalPKIXPublicKey(key.Public())
	if err != nil {
		t.Fatal(err)
	}
	pub := filepath.Join(t.TempDir(), "cosign.pub")
	if err := os.WriteFile(pub, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := testConfig(t)
	cfg.Sources.Distribution = Source{}
	cfg.Signature.PublicKey = pub
	ln := listen(t)
	host := registrytest.Start(t, registrytest.Notify{URL: "http://" + ln.Addr().String() + "/v1/events/distribution", Token: testSecret})
	r := start(t, newServer(t, cfg), ln)

	sample := readSample(t, "model.pkl")
	signed := pushModel(t, host, "models/signed", "v1", "model.pkl", sample)
	cosignSign(t, host, "models/signed", signed, key)
	unsigned := pushModel(t, host, "models/unsigned", "v1", "model.pkl", sample)
	wrongKey := pushModel(t, host, "models/wrong-key", "v1", "model.pkl", sample)
	cosignSign(t, host, "models/wrong-key", wrongKey, other)

	for _, c := range []struct{ repo, digest, verdict, status string }{
		{"models/signed", signed, "pass", "verified"},
		{"models/unsigned", unsigned, "fail", "unsigned"},
		{"models/wrong-key", wrongKey, "fail", "invalid"},
	} {
		j := scanVia(t, r, "oci://"+host+"/"+c.repo+":v1")
		if j.State != store.Done || j.Result.Verdict != c.verdict {
			t.Errorf("%s: %s %s, want verdict %s", c.repo, j.State, jobVerdict(*j), c.verdict)
			continue
		}
		rep := string(j.Result.Report)
		if !strings.Contains(rep, `"status":"`+c.status+`"`) || (c.verdict == "fail") != strings.Contains(rep, `"MG091"`) {
			t.Errorf("%s: report %s", c.repo, rep)
		}
		if got := verdictOf(j.Result.Report); got != c.verdict {
			t.Errorf("%s: the referrers say %q", c.repo, got)
		}
		if len(j.Result.Referrers) != 2 {
			t.Errorf("%s: referrers %v (%s)", c.repo, j.Result.Referrers, j.Result.ReferrerError)
		}
	}
}
