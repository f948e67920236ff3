package main

import (
	"context"
	"encoding/json"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"

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
	key, pub := cosignKey(t)
	repo, err := name.NewRepository(host + "/models/flip")
	if err != nil {
		t.Fatal(err)
	}
	signed, other := pushRandom(t, repo, "v1"), pushRandom(t, repo, "other")
	if err := signatures.SignOCI(context.Background(), signed, key, nil); err != nil {
		t.Fatal(err)
	}
	// The other manifest carries a verified attestation of its own.
	if err := signatures.AttestOCI(context.Background(), other, key,
		[]signatures.Statement{{PredicateType: signatures.VerdictPredicateType, Predicate: []byte(`{"verdict":"fail"}`)}}, nil); err != nil {
		t.Fatal(err)
	}

	var gets atomic.Int32
	front := proxyRegistry(t, host, func(r *http.Request) {
		if (r.Method == http.MethodGet || r.Method == http.MethodHead) && r.URL.Path == "/v2/models/flip/manifests/v1" && gets.Add(1) > 1 {
			r.URL.Path = "/v2/models/flip/manifests/other"
		}
	})

	target := "oci://" + front + "/models/flip:v1"
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
