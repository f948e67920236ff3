package server

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/sigstore/cosign/v2/pkg/cosign"
	"github.com/sigstore/sigstore/pkg/signature"

	"github.com/modelgate/modelgate/internal/registrytest"
	"github.com/modelgate/modelgate/signatures"
)

// TestServeAttestsWhatItScans: with an attest key, pushes announced by the
// real Distribution registry are scanned and get their BOM and verdict as
// signed attestations, which cosign's verifier accepts; the attestation
// pushes the service makes are not scanned in turn.
func TestServeAttestsWhatItScans(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test")
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	keyFile := filepath.Join(t.TempDir(), "attest.key")
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := testConfig(t)
	cfg.AttestKey = keyFile
	srv := newServer(t, cfg)
	ln := listen(t)
	r := start(t, srv, ln)
	host := registrytest.Start(t, registrytest.Notify{URL: r.url + "/v1/events/distribution", Token: testSecret})

	benign := pushModel(t, host, "models/benign", "v1", "model.pkl", readSample(t, "model.pkl"))
	evil := pushModel(t, host, "models/evil", "v1", "model.pkl", readSample(t, "evil.pkl"))
	sv, err := signature.LoadECDSAVerifier(&key.PublicKey, crypto.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ repo, digest, verdict string }{
		{"models/benign", benign, "pass"}, {"models/evil", evil, "fail"},
	} {
		jobs := waitDone(t, srv.Store(), c.digest, 30*time.Second)
		if len(jobs) != 1 || jobs[0].Result == nil || jobs[0].Result.Verdict != c.verdict {
			t.Fatalf("%s: jobs %+v", c.repo, jobs)
		}
		res := jobs[0].Result
		att := host + "/" + c.repo + ":" + strings.Replace(c.digest, ":", "-", 1) + ".att"
		if res.ReferrerError != "" || len(res.Referrers) != 3 || res.Referrers[2] != att {
			t.Fatalf("%s: referrers %v (%s), want the BOM, the report and %s", c.repo, res.Referrers, res.ReferrerError, att)
		}

		ref, err := name.NewDigest(host + "/" + c.repo + "@" + c.digest)
		if err != nil {
			t.Fatal(err)
		}
		checked, _, err := cosign.VerifyImageAttestations(context.Background(), ref, &cosign.CheckOpts{
			SigVerifier: sv, ClaimVerifier: cosign.IntotoSubjectClaimVerifier, IgnoreTlog: true, IgnoreSCT: true,
		})
		if err != nil || len(checked) != 2 {
			t.Fatalf("%s: cosign verified %d attestations: %v", c.repo, len(checked), err)
		}
		a := signatures.VerifyOCIAttestations(context.Background(), ref.String(), signatures.Options{PublicKey: &key.PublicKey}, signatures.OCIOptions{})
		verdict := ""
		for _, x := range a.Attestations {
			if x.PredicateType == signatures.VerdictPredicateType {
				verdict = x.Verdict
			}
		}
		if a.Status != signatures.Verified || len(a.Attestations) != 2 || verdict != c.verdict {
			t.Fatalf("%s: attestations %s (%s), verdict %q, want %s", c.repo, a.Status, a.Reason, verdict, c.verdict)
		}

		// The .att push was announced too; it is no model, and gets no
		// job (which would attest the attestations).
		tag, err := name.NewTag(att)
		if err != nil {
			t.Fatal(err)
		}
		desc, err := remote.Head(tag)
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(300 * time.Millisecond)
		if jobs, err := srv.Store().ByDigest(context.Background(), desc.Digest.String(), true); err != nil || len(jobs) != 0 {
			t.Fatalf("%s: the attestation manifest got jobs: %+v %v", c.repo, jobs, err)
		}
		// Asked to scan it through the API, the service does, but
		// attests no attestation.
		j := scanVia(t, r, "oci://"+host+"/"+c.repo+"@"+desc.Digest.String())
		if j.Result == nil || len(j.Result.Referrers) > 2 || strings.Contains(strings.Join(j.Result.Referrers, " "), ".att") {
			t.Fatalf("%s: the attestation manifest was attested: %+v", c.repo, j.Result)
		}
	}
}
