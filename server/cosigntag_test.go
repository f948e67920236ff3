package server

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/modelgate/modelgate/internal/registrytest"
)

// pushLayerAs pushes a one-layer artifact under tag whose layer has media
// type mt and the given annotations, and returns the manifest digest.
func pushLayerAs(t *testing.T, host, repo, tag string, mt types.MediaType, ann map[string]string, data []byte) string {
	t.Helper()
	return pushArtifact(t, host, repo, tag, mt, ann, data, v1.Manifest{})
}

// TestServeScansModelsUnderCosignTags: a tag name is the uploader's to
// choose. A model pushed under a cosign-looking sha256-<hex>.sig/.att tag,
// or under the referrers fallback tag sha256-<hex> (which holds an index),
// or one whose layer claims a cosign media type but names a file, is
// scanned like any other push; only cosign's own signature manifests are
// passed over.
func TestServeScansModelsUnderCosignTags(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test")
	}
	srv := newServer(t, testConfig(t))
	ln := listen(t)
	r := start(t, srv, ln)
	host := registrytest.Start(t, registrytest.Notify{URL: r.url + "/v1/events/distribution", Token: testSecret})
	evil := readSample(t, "evil.pkl")
	fake := "sha256-" + strings.Repeat("ab", 32)

	for _, c := range []struct {
		name, tag string
		mt        types.MediaType
		ann       map[string]string
	}{
		{"model under a .sig tag", fake + ".sig", "application/vnd.oci.image.layer.v1.tar", map[string]string{"org.opencontainers.image.title": "model.pkl"}},
		{"model under the referrers fallback tag", fake, "application/vnd.oci.image.layer.v1.tar", map[string]string{"org.opencontainers.image.title": "fallback.pkl"}},
		{"model under an .att tag", fake + ".att", "application/vnd.oci.image.layer.v1.tar", map[string]string{"org.opencontainers.image.title": "att.pkl"}},
		{"model dressed as a DSSE envelope", fake + ".att", "application/vnd.dsse.envelope.v1+json", map[string]string{"org.opencontainers.image.title": "model.pkl"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			d := pushLayerAs(t, host, "models/dressed", c.tag, c.mt, c.ann, evil)
			jobs := waitDone(t, srv.Store(), d, 30*time.Second)
			if len(jobs) != 1 || jobs[0].Result == nil || jobs[0].Result.Verdict != "fail" {
				t.Fatalf("jobs %+v, want one failing scan", jobs)
			}
		})
	}

	// cosign's own signature manifest is still passed over.
	benign := pushModel(t, host, "models/signed", "v1", "model.pkl", readSample(t, "model.pkl"))
	waitDone(t, srv.Store(), benign, 30*time.Second)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	cosignSign(t, host, "models/signed", benign, key)
	desc, err := remote.Head(mustTag(t, host+"/models/signed:"+strings.Replace(benign, ":", "-", 1)+".sig"))
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(500 * time.Millisecond)
	if jobs, err := srv.Store().ByDigest(context.Background(), desc.Digest.String(), true); err != nil || len(jobs) != 0 {
		t.Fatalf("cosign's signature manifest got jobs: %+v %v", jobs, err)
	}
}

func mustTag(t *testing.T, s string) name.Tag {
	t.Helper()
	tag, err := name.NewTag(s)
	if err != nil {
		t.Fatal(err)
	}
	return tag
}
