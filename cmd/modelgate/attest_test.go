package main

import (
	"context"
	"crypto"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/sigstore/cosign/v2/pkg/cosign"
	"github.com/sigstore/sigstore/pkg/signature"

	"github.com/modelgate/modelgate/internal/registrytest"
	"github.com/modelgate/modelgate/signatures"
)

// Pickles small enough to write out: an empty dict, and a call of
// os.system.
var (
	benignPickle = []byte("\x80\x02}q\x00.")
	evilPickle   = []byte("cos\nsystem\n(S'echo pwned'\ntR.")
)

// TestAttestVerifiedByCosign: `modelgate attest` attaches the BOM and the
// verdict so that cosign's own verifier (what `cosign verify-attestation
// --key --insecure-ignore-tlog` runs) accepts them, `modelgate verify`
// reports them, and neither accepts a moved tag or a rewritten verdict.
func TestAttestVerifiedByCosign(t *testing.T) {
	host := registrytest.Start(t)
	dir := t.TempDir()
	prefix := filepath.Join(dir, "cosign")
	if code, _, stderr := modelgate(t, "sign", "--generate-key", prefix); code != 0 {
		t.Fatalf("generate key: exit %d: %s", code, stderr)
	}
	priv, pubFile := prefix+".key", prefix+".pub"

	benign := pushArtifact(t, host, "models/m", "v1", "model.pkl", benignPickle)
	evil := pushArtifact(t, host, "models/evil", "v1", "model.pkl", evilPickle)

	code, out, stderr := modelgate(t, "attest", "--key", priv, "oci://"+host+"/models/m@"+benign)
	if code != 0 || !strings.Contains(out, "verdict pass") {
		t.Fatalf("attest: exit %d: %s %s", code, out, stderr)
	}
	// A failing artifact is attested too (fail), with exit 1.
	if code, out, stderr := modelgate(t, "attest", "--key", priv, "oci://"+host+"/models/evil@"+evil); code != 1 || !strings.Contains(out, "verdict fail") {
		t.Fatalf("attest evil: exit %d: %s %s", code, out, stderr)
	}
	// Attesting again replaces, not piles up.
	if code, _, stderr := modelgate(t, "attest", "--key", priv, "oci://"+host+"/models/m@"+benign); code != 0 {
		t.Fatalf("attest again: exit %d: %s", code, stderr)
	}

	if n := attLayers(t, host+"/models/m@"+benign); n != 2 {
		t.Fatalf("after attesting twice the .att tag holds %d attestations, want 2 (replaced)", n)
	}

	pub, err := signatures.LoadPublicKey(pubFile)
	if err != nil {
		t.Fatal(err)
	}
	preds := cosignVerify(t, host+"/models/m@"+benign, pub)
	if len(preds) != 2 || preds[signatures.CycloneDXPredicateType] == nil || preds[signatures.VerdictPredicateType] == nil {
		t.Fatalf("cosign verified %d attestations: %v", len(preds), preds)
	}
	var v signatures.Verdict
	if err := json.Unmarshal(preds[signatures.VerdictPredicateType], &v); err != nil {
		t.Fatal(err)
	}
	if v.Verdict != "pass" || v.Subject != benign || v.Findings["critical"] != 0 || v.RulesVersion == "" {
		t.Fatalf("verdict predicate: %+v", v)
	}
	var bom struct {
		BOMFormat   string `json:"bomFormat"`
		SpecVersion string `json:"specVersion"`
	}
	if err := json.Unmarshal(preds[signatures.CycloneDXPredicateType], &bom); err != nil || bom.BOMFormat != "CycloneDX" {
		t.Fatalf("BOM predicate: %+v %v", bom, err)
	}

	code, out, _ = modelgate(t, "verify", "--key", pubFile, "oci://"+host+"/models/m:v1")
	if code != 0 || !strings.Contains(out, "attestations verified") || !strings.Contains(out, signatures.CycloneDXPredicateType) ||
		!strings.Contains(out, signatures.VerdictPredicateType+": verdict pass") {
		t.Fatalf("verify: exit %d:\n%s", code, out)
	}

	code, out, _ = modelgate(t, "verify", "--format", "json", "--key", pubFile, "oci://"+host+"/models/evil@"+evil)
	var vj struct {
		Status       string
		Attestations struct {
			Status       string
			Attestations []struct {
				PredicateType string         `json:"predicate_type"`
				Verdict       string         `json:"verdict"`
				Findings      map[string]int `json:"findings"`
			}
		}
	}
	if err := json.Unmarshal([]byte(out), &vj); err != nil || code != 0 || vj.Status != "unsigned" || vj.Attestations.Status != "verified" || len(vj.Attestations.Attestations) != 2 {
		t.Fatalf("verify --format json: exit %d, %v:\n%s", code, err, out)
	}
	for _, a := range vj.Attestations.Attestations {
		if a.PredicateType == signatures.VerdictPredicateType && (a.Verdict != "fail" || a.Findings["critical"]+a.Findings["high"] == 0) {
			t.Fatalf("evil verdict: %+v", a)
		}
	}

	tests := []struct {
		name   string
		tamper func(t *testing.T) string // returns the reference to verify
		want   string
	}{
		{"tag moved to another manifest", func(t *testing.T) string {
			pushArtifact(t, host, "models/m", "v1", "model.pkl", evilPickle)
			return host + "/models/m:v1"
		}, "attestations unsigned"},
		{"verdict rewritten to pass", func(t *testing.T) string {
			rewriteVerdict(t, host+"/models/evil@"+evil)
			return host + "/models/evil@" + evil
		}, "attestations invalid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ref := tt.tamper(t)
			code, out, _ := modelgate(t, "verify", "--key", pubFile, "oci://"+ref)
			if code != 1 || !strings.Contains(out, tt.want) || strings.Contains(out, "verdict pass") {
				t.Fatalf("verify: exit %d, want 1 and %q:\n%s", code, tt.want, out)
			}
			if _, _, err := cosign.VerifyImageAttestations(context.Background(), mustRef(t, ref), checkOpts(t, pub)); err == nil {
				// cosign skips a bad layer if another verifies; the forged
				// verdict must at least not be among those it accepts.
				if p := cosignVerify(t, ref, pub)[signatures.VerdictPredicateType]; p != nil && strings.Contains(string(p), `"verdict":"pass"`) {
					t.Fatalf("cosign accepted a forged verdict: %s", p)
				}
			}
		})
	}

	// The wrong key verifies nothing.
	other := filepath.Join(dir, "other")
	modelgate(t, "sign", "--generate-key", other)
	if code, out, _ := modelgate(t, "verify", "--key", other+".pub", "oci://"+host+"/models/m@"+benign); code != 1 || !strings.Contains(out, "attestations invalid") {
		t.Fatalf("wrong key: exit %d:\n%s", code, out)
	}
}

// TestVerifyReportsSLSAProvenance: a SLSA provenance attestation's builder
// and source are reported.
func TestVerifyReportsSLSAProvenance(t *testing.T) {
	host := registrytest.Start(t)
	dir := t.TempDir()
	prefix := filepath.Join(dir, "k")
	modelgate(t, "sign", "--generate-key", prefix)
	key, err := signatures.LoadPrivateKey(prefix + ".key")
	if err != nil {
		t.Fatal(err)
	}
	d := pushArtifact(t, host, "models/p", "v1", "model.pkl", benignPickle)
	slsa := `{"buildDefinition":{"buildType":"https://actions.github.io/buildtypes/workflow/v1",` +
		`"resolvedDependencies":[{"uri":"git+https://github.com/org/model@refs/heads/main","digest":{"gitCommit":"0123abcd"}}]},` +
		`"runDetails":{"builder":{"id":"https://github.com/actions/runner/github-hosted"}}}`
	ref, _ := name.NewDigest(host + "/models/p@" + d)
	if err := signatures.AttestOCI(context.Background(), ref, key,
		[]signatures.Statement{{PredicateType: "https://slsa.dev/provenance/v1", Predicate: []byte(slsa)}}, nil); err != nil {
		t.Fatal(err)
	}
	code, out, _ := modelgate(t, "verify", "--key", prefix+".pub", "oci://"+host+"/models/p@"+d)
	want := "https://slsa.dev/provenance/v1: builder https://github.com/actions/runner/github-hosted, source git+https://github.com/org/model@refs/heads/main@gitCommit:0123abcd"
	if code != 0 || !strings.Contains(out, want) {
		t.Fatalf("exit %d, want %q:\n%s", code, want, out)
	}
}

func TestAttestUsage(t *testing.T) {
	dir := t.TempDir()
	prefix := filepath.Join(dir, "k")
	modelgate(t, "sign", "--generate-key", prefix)
	for _, tt := range []struct{ name, want string }{
		{"./model.pkl", "oci://"},
		{"oci://127.0.0.1:1/models/m:v1", "by digest"},
	} {
		code, _, stderr := modelgate(t, "attest", "--key", prefix+".key", tt.name)
		if code != 3 || !strings.Contains(stderr, tt.want) {
			t.Errorf("%s: exit %d, stderr %q", tt.name, code, stderr)
		}
	}
	if code, _, stderr := modelgate(t, "attest", "oci://127.0.0.1:1/models/m@sha256:"+strings.Repeat("0", 64)); code != 3 || !strings.Contains(stderr, "--key") {
		t.Errorf("no key: exit %d, stderr %q", code, stderr)
	}
}

func checkOpts(t *testing.T, pub crypto.PublicKey) *cosign.CheckOpts {
	t.Helper()
	v, err := signature.LoadVerifier(pub, crypto.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	// What `cosign verify-attestation --key PUB --insecure-ignore-tlog` sets.
	return &cosign.CheckOpts{SigVerifier: v, ClaimVerifier: cosign.IntotoSubjectClaimVerifier, IgnoreTlog: true, IgnoreSCT: true}
}

func mustRef(t *testing.T, ref string) name.Reference {
	t.Helper()
	r, err := name.ParseReference(ref)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// cosignVerify runs cosign's attestation verifier and returns the verified
// predicates by type.
func cosignVerify(t *testing.T, ref string, pub crypto.PublicKey) map[string]json.RawMessage {
	t.Helper()
	atts, _, err := cosign.VerifyImageAttestations(context.Background(), mustRef(t, ref), checkOpts(t, pub))
	if err != nil {
		t.Fatalf("cosign verify-attestation %s: %v", ref, err)
	}
	out := map[string]json.RawMessage{}
	for _, a := range atts {
		p, err := a.Payload()
		if err != nil {
			t.Fatal(err)
		}
		var env struct{ Payload string }
		if err := json.Unmarshal(p, &env); err != nil {
			t.Fatal(err)
		}
		body, _ := base64.StdEncoding.DecodeString(env.Payload)
		var st struct {
			PredicateType string          `json:"predicateType"`
			Predicate     json.RawMessage `json:"predicate"`
		}
		if err := json.Unmarshal(body, &st); err != nil {
			t.Fatal(err)
		}
		out[st.PredicateType] = st.Predicate
	}
	return out
}

// rewriteVerdict replaces the verdict attestation of ref with one whose
// statement says pass, keeping the original signature: what someone with
// push rights but not the key could do.
func rewriteVerdict(t *testing.T, ref string) {
	t.Helper()
	d := mustRef(t, ref).(name.Digest)
	h, _ := v1.NewHash(d.DigestStr())
	tag := d.Context().Tag(h.Algorithm + "-" + h.Hex + ".att")
	img, err := remote.Image(tag)
	if err != nil {
		t.Fatal(err)
	}
	m, err := img.Manifest()
	if err != nil {
		t.Fatal(err)
	}
	layers, err := img.Layers()
	if err != nil {
		t.Fatal(err)
	}
	out := empty.Image
	forged := false
	for i, l := range layers {
		rc, err := l.Uncompressed()
		if err != nil {
			t.Fatal(err)
		}
		var env map[string]any
		if err := json.NewDecoder(rc).Decode(&env); err != nil {
			t.Fatal(err)
		}
		rc.Close()
		body, _ := base64.StdEncoding.DecodeString(env["payload"].(string))
		if s := string(body); strings.Contains(s, signatures.VerdictPredicateType) {
			env["payload"] = base64.StdEncoding.EncodeToString([]byte(strings.Replace(s, `"verdict":"fail"`, `"verdict":"pass"`, 1)))
			forged = true
		}
		b, _ := json.Marshal(env)
		out, err = mutate.Append(out, mutate.Addendum{
			Layer:       static.NewLayer(b, types.MediaType("application/vnd.dsse.envelope.v1+json")),
			Annotations: m.Layers[i].Annotations,
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if !forged {
		t.Fatal("no verdict attestation to forge")
	}
	if err := remote.Write(tag, out); err != nil {
		t.Fatal(err)
	}
}

// attLayers counts the attestations under ref's sha256-<hex>.att tag.
func attLayers(t *testing.T, ref string) int {
	t.Helper()
	d := mustRef(t, ref).(name.Digest)
	h, _ := v1.NewHash(d.DigestStr())
	img, err := remote.Image(d.Context().Tag(h.Algorithm + "-" + h.Hex + ".att"))
	if err != nil {
		t.Fatal(err)
	}
	ls, err := img.Layers()
	if err != nil {
		t.Fatal(err)
	}
	return len(ls)
}

// pushArtifact pushes a one-file OCI artifact under tag and returns its
// manifest digest.
func pushArtifact(t *testing.T, host, repo, tag, title string, data []byte) string {
	t.Helper()
	r, err := name.NewRepository(host + "/" + repo)
	if err != nil {
		t.Fatal(err)
	}
	img, err := mutate.Append(empty.Image, mutate.Addendum{
		Layer:       static.NewLayer(data, types.MediaType("application/octet-stream")),
		Annotations: map[string]string{"org.opencontainers.image.title": title},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(r.Tag(tag), img); err != nil {
		t.Fatal(err)
	}
	raw, err := img.RawManifest()
	if err != nil {
		t.Fatal(err)
	}
	s := sha256.Sum256(raw)
	return "sha256:" + hex.EncodeToString(s[:])
}

// TestSignOCIVerifiedByCosign: `modelgate sign oci://` makes a signature
// cosign's verifier (`cosign verify --key --insecure-ignore-tlog`) and
// `modelgate verify` accept, and neither accepts it for a moved tag.
func TestSignOCIVerifiedByCosign(t *testing.T) {
	host := registrytest.Start(t)
	prefix := filepath.Join(t.TempDir(), "k")
	modelgate(t, "sign", "--generate-key", prefix)
	d := pushArtifact(t, host, "models/s", "v1", "model.pkl", benignPickle)
	target := "oci://" + host + "/models/s@" + d
	for range 2 { // signing twice attaches one signature
		if code, out, stderr := modelgate(t, "sign", "--key", prefix+".key", target); code != 0 {
			t.Fatalf("sign: exit %d: %s %s", code, out, stderr)
		}
	}
	pub, err := signatures.LoadPublicKey(prefix + ".pub")
	if err != nil {
		t.Fatal(err)
	}
	co := checkOpts(t, pub)
	co.ClaimVerifier = cosign.SimpleClaimVerifier
	sigs, _, err := cosign.VerifyImageSignatures(context.Background(), mustRef(t, host+"/models/s:v1"), co)
	if err != nil || len(sigs) != 1 {
		t.Fatalf("cosign verify: %d signatures, %v", len(sigs), err)
	}
	if code, out, _ := modelgate(t, "verify", "--key", prefix+".pub", "oci://"+host+"/models/s:v1"); code != 0 || !strings.Contains(out, "verified: ") {
		t.Fatalf("verify: exit %d:\n%s", code, out)
	}

	pushArtifact(t, host, "models/s", "v1", "model.pkl", evilPickle)
	if _, _, err := cosign.VerifyImageSignatures(context.Background(), mustRef(t, host+"/models/s:v1"), co); err == nil {
		t.Fatal("cosign verified the signature for a moved tag")
	}
	if code, out, _ := modelgate(t, "verify", "--key", prefix+".pub", "oci://"+host+"/models/s:v1"); code != 1 || !strings.Contains(out, "unsigned") {
		t.Fatalf("verify of a moved tag: exit %d:\n%s", code, out)
	}
	if code, _, stderr := modelgate(t, "sign", "--key", prefix+".key", "oci://"+host+"/models/s:v1"); code != 3 || !strings.Contains(stderr, "by digest") {
		t.Fatalf("sign by tag: exit %d: %s", code, stderr)
	}
}

// TestAttestWithCosignKey: a key pair `cosign generate-key-pair` made
// signs, with $COSIGN_PASSWORD, and its public key verifies.
func TestAttestWithCosignKey(t *testing.T) {
	host := registrytest.Start(t)
	kp, err := cosign.GenerateKeyPair(func(bool) ([]byte, error) { return []byte("s3cret"), nil })
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	priv := writeFile(t, dir, "cosign.key", kp.PrivateBytes)
	pubFile := writeFile(t, dir, "cosign.pub", kp.PublicBytes)
	d := pushArtifact(t, host, "models/c", "v1", "model.pkl", benignPickle)
	target := "oci://" + host + "/models/c@" + d

	t.Setenv("COSIGN_PASSWORD", "wrong")
	if code, _, stderr := modelgate(t, "attest", "--key", priv, target); code != 3 || !strings.Contains(stderr, "COSIGN_PASSWORD") {
		t.Fatalf("wrong password: exit %d: %s", code, stderr)
	}
	t.Setenv("COSIGN_PASSWORD", "s3cret")
	if code, out, stderr := modelgate(t, "attest", "--key", priv, target); code != 0 {
		t.Fatalf("attest: exit %d: %s %s", code, out, stderr)
	}
	pub, err := signatures.LoadPublicKey(pubFile)
	if err != nil {
		t.Fatal(err)
	}
	if preds := cosignVerify(t, host+"/models/c:v1", pub); preds[signatures.VerdictPredicateType] == nil {
		t.Fatalf("no verdict: %v", preds)
	}
}

// TestBOMRecordsAttestedProvenance: `modelgate bom oci://` with a key puts
// a verified SLSA provenance into the model's pedigree, compares an
// attested CycloneDX BOM with its own, and reports an attested BOM of
// other bytes (exit 1).
func TestBOMRecordsAttestedProvenance(t *testing.T) {
	host := registrytest.Start(t)
	prefix := filepath.Join(t.TempDir(), "k")
	modelgate(t, "sign", "--generate-key", prefix)
	key, err := signatures.LoadPrivateKey(prefix + ".key")
	if err != nil {
		t.Fatal(err)
	}
	d := pushArtifact(t, host, "models/prov", "v1", "model.pkl", benignPickle)
	target := "oci://" + host + "/models/prov@" + d
	if code, _, stderr := modelgate(t, "attest", "--key", prefix+".key", target); code != 0 {
		t.Fatalf("attest: exit %d: %s", code, stderr)
	}
	slsa := `{"buildDefinition":{"buildType":"https://actions.github.io/buildtypes/workflow/v1",` +
		`"resolvedDependencies":[{"uri":"git+https://github.com/org/model@refs/heads/main","digest":{"gitCommit":"0123abcd"}}]},` +
		`"runDetails":{"builder":{"id":"https://github.com/actions/runner/github-hosted"}}}`
	ref, _ := name.NewDigest(host + "/models/prov@" + d)
	if err := signatures.AttestOCI(context.Background(), ref, key,
		[]signatures.Statement{{PredicateType: "https://slsa.dev/provenance/v1", Predicate: []byte(slsa)}}, nil); err != nil {
		t.Fatal(err)
	}

	type bomDoc struct {
		Metadata struct {
			Component struct {
				Pedigree struct {
					Commits []struct{ UID, URL string }
					Notes   string
				}
				Properties []struct{ Name, Value string }
			}
		}
	}
	props := func(b bomDoc) map[string][]string {
		m := map[string][]string{}
		for _, p := range b.Metadata.Component.Properties {
			m[p.Name] = append(m[p.Name], p.Value)
		}
		return m
	}

	code, out, stderr := modelgate(t, "bom", "--key", prefix+".pub", target)
	var b bomDoc
	if err := json.Unmarshal([]byte(out), &b); err != nil || code != 0 {
		t.Fatalf("bom: exit %d, %v: %s\n%s", code, err, stderr, out)
	}
	p := props(b)
	if c := b.Metadata.Component.Pedigree.Commits; len(c) != 1 || c[0].UID != "0123abcd" || c[0].URL != "git+https://github.com/org/model@refs/heads/main" {
		t.Errorf("pedigree commits %+v", c)
	}
	for k, v := range map[string]string{
		"modelgate:attestations:status": "verified", "modelgate:signature:status": "unsigned",
		"modelgate:provenance:builder": "https://github.com/actions/runner/github-hosted",
		"modelgate:attested-bom":       "match",
	} {
		if len(p[k]) != 1 || p[k][0] != v {
			t.Errorf("%s = %v, want %s", k, p[k], v)
		}
	}

	// A BOM attested for other bytes: the same BOM with the file's hash
	// changed, signed by the same key.
	own := strings.Replace(out, sha256Hex(benignPickle), strings.Repeat("ab", 32), 1)
	if err := signatures.AttestOCI(context.Background(), ref, key,
		[]signatures.Statement{{PredicateType: signatures.CycloneDXPredicateType, Predicate: []byte(own)}}, nil); err != nil {
		t.Fatal(err)
	}
	code, out, stderr = modelgate(t, "bom", "--key", prefix+".pub", target)
	if err := json.Unmarshal([]byte(out), &b); err != nil || code != 1 {
		t.Fatalf("bom of a mismatching attested BOM: exit %d, want 1, %v: %s", code, err, stderr)
	}
	want := "model.pkl: attested sha256:" + strings.Repeat("ab", 32) + ", scanned sha256:" + sha256Hex(benignPickle)
	if p := props(b); len(p["modelgate:attested-bom"]) != 1 || p["modelgate:attested-bom"][0] != "mismatch" || !strings.Contains(stderr, want) {
		t.Errorf("mismatch not reported: %v\nstderr: %s", p["modelgate:attested-bom:mismatch"], stderr)
	}
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}
