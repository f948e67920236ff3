package signatures

import (
	"context"
	"crypto/elliptic"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/sigstore/sigstore-go/pkg/testing/ca"
	"github.com/sigstore/sigstore-go/pkg/tlog"
)

// rekorStandIn answers Rekor's search (POST /api/v1/log/entries/retrieve)
// as the public log does, from the entries it was given: each entry whose
// hashedrekord digest the query names, with an inclusion proof in a
// one-leaf tree the virtual Sigstore signs.
type rekorStandIn struct {
	t       *testing.T
	vs      *ca.VirtualSigstore
	entries map[string]rekorEntry // by payload sha256 hex
	queries int
}

type rekorEntry struct {
	payload tlog.RekorPayload
	set     []byte
}

func (r *rekorStandIn) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	if req.Method != http.MethodPost || req.URL.Path != "/api/v1/log/entries/retrieve" {
		http.NotFound(w, req)
		return
	}
	r.queries++
	var q struct {
		Entries []struct {
			Kind string `json:"kind"`
			Spec struct {
				Data struct {
					Hash struct{ Value string } `json:"hash"`
				} `json:"data"`
			} `json:"spec"`
		} `json:"entries"`
	}
	if err := json.NewDecoder(req.Body).Decode(&q); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	out := []map[string]any{}
	for _, pe := range q.Entries {
		e, ok := r.entries[pe.Spec.Data.Hash.Value]
		if !ok || pe.Kind != rekorKindHashedRekord {
			continue
		}
		body, err := base64.StdEncoding.DecodeString(e.payload.Body.(string))
		if err != nil {
			r.t.Error(err)
			return
		}
		proof, err := r.vs.GetInclusionProof(body)
		if err != nil {
			r.t.Error(err)
			return
		}
		leaf := sha256.Sum256(append([]byte{0}, body...))
		out = append(out, map[string]any{hex.EncodeToString(leaf[:]): map[string]any{
			"body": e.payload.Body, "integratedTime": e.payload.IntegratedTime,
			"logID": e.payload.LogID, "logIndex": e.payload.LogIndex,
			"verification": map[string]any{"inclusionProof": proof, "signedEntryTimestamp": e.set},
		}})
	}
	w.Header().Set("Content-Type", "application/json")
	if err := json.NewEncoder(w).Encode(out); err != nil {
		r.t.Error(err)
	}
}

const rekorKindHashedRekord = "hashedrekord"

// unbundled takes the Rekor bundle annotation out of a keyless layer, as
// cosign signatures made before the bundle existed (or with an upload that
// did not return one) look, and returns the entry it described.
func unbundled(t *testing.T, l legacyLayer) (legacyLayer, rekorEntry) {
	t.Helper()
	var b struct {
		SignedEntryTimestamp []byte
		Payload              tlog.RekorPayload
	}
	if err := json.Unmarshal([]byte(l.annotations[CosignBundleAnnotation]), &b); err != nil {
		t.Fatal(err)
	}
	delete(l.annotations, CosignBundleAnnotation)
	return l, rekorEntry{b.Payload, b.SignedEntryTimestamp}
}

// TestVerifyOCILegacyKeylessOnline checks keyless tag-scheme signatures
// without a Rekor bundle: not-checked offline, and with
// --allow-network-tlog looked up in a Rekor stand-in whose answers are
// verified against the trusted root (inclusion proof, SET, entry matching
// the signature).
func TestVerifyOCILegacyKeylessOnline(t *testing.T) {
	host, vs, otherVS := keylessSetup(t)
	const id, iss = "ci@example.com", "https://token.example.com"
	good := Options{Identity: id, Issuer: iss, TrustedRoot: vs}

	tests := []struct {
		name    string
		logged  bool                // the stand-in holds the entry
		rekor   *ca.VirtualSigstore // signs the SET and proof; nil means vs
		fulcio  *ca.VirtualSigstore // issues the certificate; nil means vs
		allow   bool
		opts    Options
		status  Status
		want    string
		queries int
	}{
		{name: "offline", logged: true, opts: good, status: NotChecked, want: "--allow-network-tlog"},
		// A key cannot vouch for a keyless signature, online or not.
		// Only the log lookup is missing offline: a certificate from
		// another CA is a forgery, not a question for Rekor.
		{name: "offline, untrusted Fulcio", logged: true, fulcio: otherVS, opts: good, status: Invalid, want: "fails offline"},
		{name: "offline, a key only", logged: true, opts: Options{PublicKey: newKey(t, elliptic.P256()).Public()}, status: Invalid},
		{name: "online, logged", logged: true, allow: true, opts: good, status: Verified, queries: 1},
		{name: "online, not in the log", allow: true, opts: good, status: Invalid, want: "not found in transparency log", queries: 1},
		{name: "online, entry signed by an untrusted log", logged: true, rekor: otherVS, allow: true, opts: good, status: Invalid, want: "no valid tlog entries", queries: 1},
		{name: "online, wrong identity", logged: true, allow: true, opts: Options{Identity: "mallory@example.com", Issuer: iss, TrustedRoot: vs}, status: Invalid, want: "none of the expected identities matched", queries: 1},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ref, d := pushImage(t, host, fmt.Sprintf("models/online-%d", i))
			rekor := tt.rekor
			if rekor == nil {
				rekor = vs
			}
			fulcio := tt.fulcio
			if fulcio == nil {
				fulcio = vs
			}
			l, e := unbundled(t, keylessLayer(t, ref, id, iss, keylessSpec{fulcio: fulcio, rekor: tt.rekor, claim: d}))
			pushLegacyLayers(t, ref, d, l)
			si := &rekorStandIn{t: t, vs: rekor, entries: map[string]rekorEntry{}}
			if tt.logged {
				sum := sha256.Sum256(l.payload)
				si.entries[hex.EncodeToString(sum[:])] = e
			}
			rs := httptest.NewServer(si)
			defer rs.Close()

			r := VerifyOCI(context.Background(), ref.String(), tt.opts, OCIOptions{AllowNetworkTlog: tt.allow, RekorURL: rs.URL})
			if r.Status != tt.status {
				t.Fatalf("status %s (%s), want %s", r.Status, r.Reason, tt.status)
			}
			if !strings.Contains(r.Reason, tt.want) {
				t.Errorf("reason %q, want %q", r.Reason, tt.want)
			}
			if si.queries != tt.queries {
				t.Errorf("%d Rekor queries, want %d", si.queries, tt.queries)
			}
			if r.Status == Verified && (r.Method != "cosign-legacy-keyless" || r.Identity != id || r.Issuer != iss) {
				t.Errorf("verified result lacks the signer: %+v", r)
			}
		})
	}
}

// keylessAttestationLayer is a DSSE attestation signed with a Fulcio
// certificate of vs, laid out as `cosign attest` (keyless) wrote it under
// the sha256-<hex>.att tag: the envelope as the layer, the certificate, and
// the Rekor dsse entry's SET unless noBundle.
func keylessAttestationLayer(t *testing.T, vs *ca.VirtualSigstore, id, iss string, stmt []byte, noBundle bool) legacyLayer {
	t.Helper()
	e, err := vs.Attest(id, iss, stmt)
	if err != nil {
		t.Fatal(err)
	}
	sc, err := e.SignatureContent()
	if err != nil {
		t.Fatal(err)
	}
	env, err := json.Marshal(sc.EnvelopeContent().RawEnvelope())
	if err != nil {
		t.Fatal(err)
	}
	vc, err := e.VerificationContent()
	if err != nil {
		t.Fatal(err)
	}
	ann := map[string]string{
		CosignSignatureAnnotation: "",
		cosignCertAnnotation:      certPEM(vc.Certificate().Raw),
		"predicateType":           VerdictPredicateType,
	}
	if !noBundle {
		ann[CosignBundleAnnotation] = rekorBundle(t, vs, rekorPayload(t, e), false)
	}
	return legacyLayer{env, ann}
}

// pushAttestationLayers writes the sha256-<hex>.att tag of target with layers.
func pushAttestationLayers(t *testing.T, ref name.Reference, target v1.Hash, layers ...legacyLayer) {
	t.Helper()
	pushTagLayers(t, ref.Context().Tag(legacyAttTag(target)), "application/vnd.dsse.envelope.v1+json", layers)
}

func verdictStatement(d v1.Hash, verdict string) []byte {
	return fmt.Appendf(nil, `{"_type":"https://in-toto.io/Statement/v0.1","subject":[{"name":"m","digest":{"sha256":%q}}],"predicateType":%q,"predicate":{"verdict":%q,"rulesVersion":"test"}}`, d.Hex, VerdictPredicateType, verdict)
}

// TestVerifyOCIAttestationsKeyless checks keyless attestations offline
// with their Rekor bundle against a locally made trusted root, and that
// one without a bundle is not-checked, never verified.
func TestVerifyOCIAttestationsKeyless(t *testing.T) {
	host, vs, otherVS := keylessSetup(t)
	const id, iss = "ci@example.com", "https://token.example.com"
	good := Options{Identity: id, Issuer: iss, TrustedRoot: vs}
	_, elsewhere := pushImage(t, host, "models/att-elsewhere")

	tests := []struct {
		name   string
		layers func(d v1.Hash) []legacyLayer
		opts   Options
		status Status
		want   string
		// bundle, when set, makes a Sigstore bundle attached as a
		// referrer, as cosign v3 attests.
		bundle func(d v1.Hash) []byte
	}{
		{"bundled", func(d v1.Hash) []legacyLayer {
			return []legacyLayer{keylessAttestationLayer(t, vs, id, iss, verdictStatement(d, "pass"), false)}
		}, good, Verified, "", nil},
		{"wrong identity", func(d v1.Hash) []legacyLayer {
			return []legacyLayer{keylessAttestationLayer(t, vs, id, iss, verdictStatement(d, "pass"), false)}
		}, Options{Identity: "mallory@example.com", Issuer: iss, TrustedRoot: vs}, Invalid, "none of the expected identities matched", nil},
		{"untrusted Fulcio", func(d v1.Hash) []legacyLayer {
			return []legacyLayer{keylessAttestationLayer(t, otherVS, id, iss, verdictStatement(d, "pass"), false)}
		}, good, Invalid, "did not verify", nil},
		{"subject is another manifest", func(d v1.Hash) []legacyLayer {
			return []legacyLayer{keylessAttestationLayer(t, vs, id, iss, verdictStatement(elsewhere, "pass"), false)}
		}, good, Invalid, "did not verify", nil},
		{"no bundle", func(d v1.Hash) []legacyLayer {
			return []legacyLayer{keylessAttestationLayer(t, vs, id, iss, verdictStatement(d, "pass"), true)}
		}, good, NotChecked, "--allow-network-tlog", nil},
		{"no bundle, a key only", func(d v1.Hash) []legacyLayer {
			return []legacyLayer{keylessAttestationLayer(t, vs, id, iss, verdictStatement(d, "pass"), true)}
		}, Options{PublicKey: newKey(t, elliptic.P256()).Public()}, Invalid, "did not verify", nil},
		// Without a bundle only the log lookup is missing; a layer that
		// fails what can be checked offline (its certificate, identity,
		// signature, subject) is a forgery, not a question for Rekor.
		{"no bundle, untrusted Fulcio, beside a verified one", func(d v1.Hash) []legacyLayer {
			return []legacyLayer{
				keylessAttestationLayer(t, vs, id, iss, verdictStatement(d, "fail"), false),
				keylessAttestationLayer(t, otherVS, id, iss, verdictStatement(d, "pass"), true),
			}
		}, good, Invalid, "1 of 2 attestations", nil},
		{"no bundle, wrong identity", func(d v1.Hash) []legacyLayer {
			return []legacyLayer{keylessAttestationLayer(t, vs, "mallory@example.com", iss, verdictStatement(d, "pass"), true)}
		}, good, Invalid, "did not verify", nil},
		{"no bundle, another subject", func(d v1.Hash) []legacyLayer {
			return []legacyLayer{keylessAttestationLayer(t, vs, id, iss, verdictStatement(elsewhere, "pass"), true)}
		}, good, Invalid, "did not verify", nil},
		{"no bundle beside a verified one", func(d v1.Hash) []legacyLayer {
			return []legacyLayer{
				keylessAttestationLayer(t, vs, id, iss, verdictStatement(d, "pass"), false),
				keylessAttestationLayer(t, vs, id, iss, verdictStatement(d, "pass"), true),
			}
		}, good, NotChecked, "1 of 2 attestations", nil},
		{"bundle referrer", nil, good, Verified, "", func(d v1.Hash) []byte {
			return virtualBundle(t, vs, id, iss, verdictStatement(d, "pass"))
		}},
		{"bundle referrer, wrong issuer", nil, Options{Identity: id, Issuer: "https://evil.example.com", TrustedRoot: vs}, Invalid, "bundle referrer rejected", func(d v1.Hash) []byte {
			return virtualBundle(t, vs, id, iss, verdictStatement(d, "pass"))
		}},
		{"bundle referrer about another manifest", nil, good, Invalid, "bundle referrer rejected", func(d v1.Hash) []byte {
			return virtualBundle(t, vs, id, iss, verdictStatement(elsewhere, "pass"))
		}},
		{"a signature bundle is no attestation", nil, good, Unsigned, "no attestations", func(d v1.Hash) []byte {
			return virtualBundle(t, vs, id, iss, statementFor(d))
		}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ref, d := pushImage(t, host, fmt.Sprintf("models/att-keyless-%d", i))
			if tt.layers != nil {
				pushAttestationLayers(t, ref, d, tt.layers(d)...)
			}
			if tt.bundle != nil {
				pushReferrer(t, ref, d, tt.bundle(d))
			}
			r := VerifyOCIAttestations(context.Background(), ref.String(), tt.opts, OCIOptions{})
			if r.Status != tt.status {
				t.Fatalf("status %s (%s), want %s", r.Status, r.Reason, tt.status)
			}
			if !strings.Contains(r.Reason, tt.want) {
				t.Errorf("reason %q, want %q", r.Reason, tt.want)
			}
			if r.Status == Verified && (len(r.Attestations) != 1 || r.Attestations[0].Verdict != "pass") {
				t.Errorf("attestations %+v, want the pass verdict", r.Attestations)
			}
		})
	}
}
