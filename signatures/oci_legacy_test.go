package signatures

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"log"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/sigstore/sigstore-go/pkg/testing/ca"
	"github.com/sigstore/sigstore-go/pkg/tlog"
)

// legacyLayer is one signature layer of a sha256-<hex>.sig tag.
type legacyLayer struct {
	payload     []byte
	annotations map[string]string
}

func simpleSigningPayload(ref name.Reference, claim v1.Hash) []byte {
	return fmt.Appendf(nil, `{"critical":{"identity":{"docker-reference":%q},"image":{"docker-manifest-digest":%q},"type":"cosign container image signature"},"optional":null}`, ref.Context().Name(), claim.String())
}

func keyLayer(t *testing.T, ref name.Reference, claim v1.Hash, key *ecdsa.PrivateKey) legacyLayer {
	t.Helper()
	payload := simpleSigningPayload(ref, claim)
	sum := sha256.Sum256(payload)
	sig, err := ecdsa.SignASN1(rand.Reader, key, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	return legacyLayer{payload, map[string]string{CosignSignatureAnnotation: base64.StdEncoding.EncodeToString(sig)}}
}

// keylessSpec describes a legacy keyless signature to make, and what to
// break in it.
type keylessSpec struct {
	fulcio *ca.VirtualSigstore // issues the certificate and logs the entry
	rekor  *ca.VirtualSigstore // signs the SET; nil means fulcio
	claim  v1.Hash             // the docker-manifest-digest the payload claims
	// integrated overrides the integrated time the SET states.
	integrated    time.Time
	tamperPayload bool // push a payload other than the signed one
	tamperSET     bool // flip a bit of the SET
	tamperSig     bool // flip a bit of the signature annotation
	noBundle      bool // leave out the Rekor bundle annotation
}

// keylessLayer signs a Simple Signing payload the way cosign sign did
// before bundles: a Fulcio certificate, a hashedrekord Rekor entry, and the
// entry's SET in the dev.sigstore.cosign/bundle annotation.
func keylessLayer(t testing.TB, ref name.Reference, id, iss string, s keylessSpec) legacyLayer {
	t.Helper()
	payload := simpleSigningPayload(ref, s.claim)
	e, err := s.fulcio.Sign(id, iss, payload)
	if err != nil {
		t.Fatal(err)
	}
	vc, err := e.VerificationContent()
	if err != nil {
		t.Fatal(err)
	}
	sc, err := e.SignatureContent()
	if err != nil {
		t.Fatal(err)
	}
	rp := rekorPayload(t, e)
	if !s.integrated.IsZero() {
		rp.IntegratedTime = s.integrated.Unix()
	}
	rekor := s.rekor
	if rekor == nil {
		rekor = s.fulcio
	} else if rp.LogID, err = rekor.RekorLogID(); err != nil {
		t.Fatal(err)
	}
	bundleJSON := rekorBundle(t, rekor, rp, s.tamperSET)
	sig := sc.Signature()
	if s.tamperSig {
		sig = append([]byte(nil), sig...)
		sig[len(sig)/2] ^= 1
	}
	ann := map[string]string{
		CosignSignatureAnnotation: base64.StdEncoding.EncodeToString(sig),
		cosignCertAnnotation:      certPEM(vc.Certificate().Raw),
	}
	if !s.noBundle {
		ann[CosignBundleAnnotation] = bundleJSON
	}
	if s.tamperPayload {
		payload = append(payload, ' ')
	}
	return legacyLayer{payload, ann}
}

// rekorPayload is the hashedrekord entry the virtual Sigstore logged for e,
// as a Rekor bundle annotation states it.
func rekorPayload(t testing.TB, e *ca.TestEntity) tlog.RekorPayload {
	t.Helper()
	entries, err := e.TlogEntries()
	if err != nil {
		t.Fatal(err)
	}
	tle := entries[0].TransparencyLogEntry()
	return tlog.RekorPayload{
		Body:           base64.StdEncoding.EncodeToString(tle.CanonicalizedBody),
		IntegratedTime: tle.IntegratedTime,
		LogIndex:       tle.LogIndex,
		LogID:          hex.EncodeToString(tle.LogId.KeyId),
	}
}

// rekorBundle is the dev.sigstore.cosign/bundle annotation for rp, its SET
// signed by rekor (with a bit flipped when tamperSET).
func rekorBundle(t testing.TB, rekor *ca.VirtualSigstore, rp tlog.RekorPayload, tamperSET bool) string {
	t.Helper()
	set, err := rekor.RekorSignPayload(rp)
	if err != nil {
		t.Fatal(err)
	}
	if tamperSET {
		set[len(set)/2] ^= 1
	}
	bj, err := json.Marshal(map[string]any{"SignedEntryTimestamp": set, "Payload": rp})
	if err != nil {
		t.Fatal(err)
	}
	return string(bj)
}

func certPEM(der []byte) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}

// pushLegacyLayers writes the sha256-<hex>.sig tag of target with layers.
func pushLegacyLayers(t *testing.T, ref name.Reference, target v1.Hash, layers ...legacyLayer) {
	t.Helper()
	pushTagLayers(t, ref.Context().Tag(legacyTag(target)), SimpleSigningMediaType, layers)
}

// pushTagLayers writes tag as an image of layers, each of media type mt.
func pushTagLayers(t *testing.T, tag name.Tag, mt types.MediaType, layers []legacyLayer) {
	t.Helper()
	img := empty.Image
	for _, l := range layers {
		var err error
		img, err = mutate.Append(img, mutate.Addendum{
			Layer:       static.NewLayer(l.payload, mt),
			Annotations: l.annotations,
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := remote.Write(tag, img); err != nil {
		t.Fatal(err)
	}
}

// keylessSetup starts a registry and two virtual Sigstores: the trusted
// one, and another whose certificates and log entries are not trusted.
func keylessSetup(t *testing.T) (host string, vs, otherVS *ca.VirtualSigstore) {
	t.Helper()
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	t.Cleanup(srv.Close)
	vs, err := ca.NewVirtualSigstore()
	if err != nil {
		t.Fatal(err)
	}
	otherVS, err = ca.NewVirtualSigstore()
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimPrefix(srv.URL, "http://"), vs, otherVS
}

func TestVerifyOCILegacyKeyless(t *testing.T) {
	host, vs, otherVS := keylessSetup(t)
	const id, iss = "ci@example.com", "https://token.example.com"
	good := Options{Identity: id, Issuer: iss, TrustedRoot: vs}
	_, elsewhere := pushImage(t, host, "models/elsewhere")

	tests := []struct {
		name string
		// spec is completed with fulcio (default vs) and claim (default
		// the artifact's digest) before signing.
		spec   keylessSpec
		extra  bool // a key layer for another image comes first
		opts   Options
		status Status
		want   string
	}{
		{name: "good", opts: good, status: Verified},
		{name: "identity and issuer regexp", opts: Options{IdentityRegexp: `^ci@example\.com$`, IssuerRegexp: `^https://token\.example\.com$`, TrustedRoot: vs}, status: Verified},
		{name: "verified after a bad layer", extra: true, opts: good, status: Verified},
		{name: "wrong identity", opts: Options{Identity: "mallory@example.com", Issuer: iss, TrustedRoot: vs}, status: Invalid, want: "none of the expected identities matched"},
		{name: "wrong issuer", opts: Options{Identity: id, Issuer: "https://evil.example.com", TrustedRoot: vs}, status: Invalid, want: "none of the expected identities matched"},
		{name: "no identity policy", opts: Options{TrustedRoot: vs}, status: Invalid, want: "needs a required identity and issuer"},
		{name: "tampered payload", spec: keylessSpec{tamperPayload: true}, opts: good, status: Invalid, want: "matching bundle to payload"},
		{name: "tampered signature", spec: keylessSpec{tamperSig: true}, opts: good, status: Invalid, want: "signature in bundle does not match"},
		{name: "signature for another manifest", spec: keylessSpec{claim: elsewhere}, opts: good, status: Invalid, want: "invalid or missing digest in claim: " + elsewhere.String()},
		{name: "bad SET", spec: keylessSpec{tamperSET: true}, opts: good, status: Invalid, want: "unable to verify SET"},
		{name: "SET from an untrusted log", spec: keylessSpec{rekor: otherVS}, opts: good, status: Invalid, want: "rekor log public key not found"},
		{name: "SET integrated time outside the certificate", spec: keylessSpec{integrated: time.Now().Add(30 * time.Minute)}, opts: good, status: Invalid, want: "certificate expired before signatures were entered in log"},
		{name: "certificate from an untrusted Fulcio", spec: keylessSpec{fulcio: otherVS, rekor: vs}, opts: good, status: Invalid, want: "leaf certificate verification failed"},
		{name: "no Rekor bundle", spec: keylessSpec{noBundle: true}, opts: good, status: NotChecked, want: "without a Rekor bundle"},
		{name: "no Rekor bundle after a bad layer", spec: keylessSpec{noBundle: true}, extra: true, opts: good, status: Invalid, want: "offline verification failed"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ref, d := pushImage(t, host, fmt.Sprintf("models/legacy-keyless-%d", i))
			s := tt.spec
			if s.fulcio == nil {
				s.fulcio = vs
			}
			if s.claim == (v1.Hash{}) {
				s.claim = d
			}
			var layers []legacyLayer
			if tt.extra {
				layers = append(layers, keyLayer(t, ref, elsewhere, newKey(t, elliptic.P256())))
			}
			layers = append(layers, keylessLayer(t, ref, id, iss, s))
			pushLegacyLayers(t, ref, d, layers...)

			r := VerifyOCI(context.Background(), ref.String(), tt.opts, OCIOptions{})
			if r.Status != tt.status {
				t.Fatalf("status %s (%s), want %s", r.Status, r.Reason, tt.status)
			}
			if !strings.Contains(r.Reason, tt.want) || strings.Contains(r.Reason, "\n") {
				t.Errorf("reason %q, want one line with %q", r.Reason, tt.want)
			}
			if r.Status != Verified {
				return
			}
			if r.Method != "cosign-legacy-keyless" || r.Identity != id || r.Issuer != iss || r.LogIndex == nil || r.SignedAt == "" || r.RootDigest != d.String() {
				t.Errorf("verified result lacks provenance: %+v", r)
			}
			if !strings.HasSuffix(r.Signature, ":"+legacyTag(d)) {
				t.Errorf("signature location %q, want the %s tag", r.Signature, legacyTag(d))
			}
		})
	}
}
