package signatures

import (
	"bytes"
	"context"
	"crypto"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/sigstore/cosign/v2/pkg/cosign"
	"github.com/sigstore/cosign/v2/pkg/cosign/attestation"
	cremote "github.com/sigstore/cosign/v2/pkg/cosign/remote"
	"github.com/sigstore/cosign/v2/pkg/oci"
	"github.com/sigstore/cosign/v2/pkg/oci/mutate"
	ociremote "github.com/sigstore/cosign/v2/pkg/oci/remote"
	"github.com/sigstore/cosign/v2/pkg/oci/static"
	ctypes "github.com/sigstore/cosign/v2/pkg/types"
	"github.com/sigstore/sigstore/pkg/signature"
	"github.com/sigstore/sigstore/pkg/signature/dsse"
	sigopts "github.com/sigstore/sigstore/pkg/signature/options"
	"github.com/sigstore/sigstore/pkg/signature/payload"
)

// Predicate types of the attestations modelgate attaches.
const (
	// CycloneDXPredicateType is the predicate type `cosign attest --type
	// cyclonedx` gives a CycloneDX BOM.
	CycloneDXPredicateType = "https://cyclonedx.org/bom"
	// VerdictPredicateType is modelgate's scan verdict (see Verdict).
	VerdictPredicateType = "https://modelgate.dev/verdict/v1"
)

// Verdict is the predicate of a https://modelgate.dev/verdict/v1
// statement: what modelgate concluded about the subject it scanned.
type Verdict struct {
	// Verdict is pass, fail or no-verdict.
	Verdict string `json:"verdict"`
	// Scanner names the tool and build that scanned.
	Scanner struct {
		Name    string `json:"name"`
		Version string `json:"version"`
	} `json:"scanner"`
	// RulesVersion is the version of the rule set (the rules ship in the
	// binary, so it is the build's version).
	RulesVersion string `json:"rulesVersion"`
	// PolicyDigest is the sha256 of the policy file that shaped the
	// verdict; empty when the built-in defaults did.
	PolicyDigest string `json:"policyDigest,omitempty"`
	// FailOn is the lowest severity that fails the gate.
	FailOn string `json:"failOn"`
	// Findings counts findings by severity.
	Findings map[string]int `json:"findings"`
	// Files counts the files scanned by outcome.
	Files map[string]int `json:"files"`
	// Subject is the manifest digest that was scanned (sha256:<hex>); the
	// statement's subject names it too.
	Subject   string `json:"subject"`
	ScannedAt string `json:"scannedAt"`
}

// Statement is a predicate to attach: its type URI and its JSON.
type Statement struct {
	PredicateType string
	Predicate     []byte
}

// AttestOCI signs each statement as an in-toto statement about the
// manifest ref names, in a DSSE envelope, and attaches it the way `cosign
// attest --key` (cosign v2) does: a layer of the sha256-<hex>.att tag with
// media type application/vnd.dsse.envelope.v1+json and a predicateType
// annotation, no transparency-log entry. An earlier attestation of the same
// predicate type is replaced. ref must be by digest: an attestation must
// name the bytes that were scanned, not whatever a tag points to later.
func AttestOCI(ctx context.Context, ref name.Digest, key crypto.Signer, stmts []Statement, ro []remote.Option) error {
	h, err := v1.NewHash(ref.DigestStr())
	if err != nil || h.Algorithm != "sha256" {
		return fmt.Errorf("attest: %s is not a sha256 manifest digest", ref.DigestStr())
	}
	hash, err := curveHash(key.Public())
	if err != nil {
		return fmt.Errorf("attest: %w", err)
	}
	sv, err := signature.LoadSignerVerifier(key, hash)
	if err != nil {
		return fmt.Errorf("attest: %w", err)
	}
	wrapped := dsse.WrapSigner(sv, ctypes.IntotoPayloadType)
	oo := []ociremote.Option{ociremote.WithRemoteOptions(append([]remote.Option{remote.WithContext(ctx)}, ro...)...)}
	if err := checkAttTag(ref.Context().Tag(legacyAttTag(h)), oo); err != nil {
		return fmt.Errorf("attest: %w", err)
	}
	se := ociremote.SignedUnknown(ref, oo...)
	for _, s := range stmts {
		typ := s.PredicateType
		if typ == CycloneDXPredicateType {
			// cosign's own name for it: the statement is then what
			// `cosign attest --type cyclonedx` makes.
			typ = "cyclonedx"
		}
		st, err := attestation.GenerateStatement(attestation.GenerateOpts{
			Predicate: bytes.NewReader(s.Predicate), Type: typ,
			Digest: h.Hex, Repo: ref.Repository.String(),
		})
		if err != nil {
			return fmt.Errorf("attest %s: %w", s.PredicateType, err)
		}
		payload, err := json.Marshal(st)
		if err != nil {
			return fmt.Errorf("attest %s: %w", s.PredicateType, err)
		}
		env, err := wrapped.SignMessage(bytes.NewReader(payload), sigopts.WithContext(ctx))
		if err != nil {
			return fmt.Errorf("attest %s: sign: %w", s.PredicateType, err)
		}
		att, err := static.NewAttestation(env,
			static.WithLayerMediaType(ctypes.DssePayloadType),
			static.WithAnnotations(map[string]string{"predicateType": s.PredicateType}))
		if err != nil {
			return fmt.Errorf("attest %s: %w", s.PredicateType, err)
		}
		se, err = mutate.AttachAttestationToEntity(se, att,
			mutate.WithDupeDetector(cremote.NewDupeDetector(sv)),
			mutate.WithReplaceOp(replacePredicate(s.PredicateType)))
		if err != nil {
			return fmt.Errorf("attest %s: %w", s.PredicateType, err)
		}
	}
	if err := ociremote.WriteAttestations(ref.Repository, se, oo...); err != nil {
		return fmt.Errorf("attest: push %s: %w", legacyAttTag(h), err)
	}
	return nil
}

// checkAttTag refuses an attestation tag that anyone able to push may have
// filled before the attester came: more layers than a verifier checks, or
// a layer over the cap. Replacing and de-duplicating read every layer
// there (cosign allows 1,000 of up to 128 MiB each).
func checkAttTag(tag name.Tag, oo []ociremote.Option) error {
	atts, err := ociremote.Signatures(tag, oo...)
	var nf *ociremote.EntityNotFoundError
	if errors.As(err, &nf) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read %s: %w", tag.TagStr(), err)
	}
	all, err := atts.Get()
	if err != nil {
		return fmt.Errorf("read %s: %w", tag.TagStr(), err)
	}
	if len(all) > maxOCISignatures {
		return fmt.Errorf("%s holds %d attestations, more than %d", tag.TagStr(), len(all), maxOCISignatures)
	}
	for _, s := range all {
		if err := withinCap(s, maxSignatureBytes); err != nil {
			return fmt.Errorf("%s: %w", tag.TagStr(), err)
		}
	}
	return nil
}

// replacePredicate drops the attestations of one predicate type before a
// new one is added, as cosign's replace operation does, without writing to
// standard error. Layers whose statement cannot be read are kept: they
// are not modelgate's to delete.
type replacePredicate string

func (r replacePredicate) Replace(base oci.Signatures, add oci.Signature) (oci.Signatures, error) {
	old, err := base.Get()
	if err != nil {
		return nil, fmt.Errorf("read attestations: %w", err)
	}
	keep := []oci.Signature{add}
	for _, s := range old {
		if t, err := predicateTypeOf(s); err == nil && t == string(r) {
			continue
		}
		keep = append(keep, s)
	}
	return replaced{Signatures: base, sigs: keep}, nil
}

// replaced is the attestation set a replacement leaves; mutate rebuilds
// the image from Get.
type replaced struct {
	oci.Signatures
	sigs []oci.Signature
}

func (r replaced) Get() ([]oci.Signature, error) { return r.sigs, nil }

// predicateTypeOf is the predicate type of a DSSE-wrapped in-toto statement.
func predicateTypeOf(s payloader) (string, error) {
	body, err := envelopeBody(s)
	if err != nil {
		return "", err
	}
	return predicateTypeIn(body)
}

// envelopeBody is the decoded payload of a DSSE envelope layer.
func envelopeBody(s payloader) ([]byte, error) {
	raw, err := s.Payload()
	if err != nil {
		return nil, fmt.Errorf("attestation payload: %w", err)
	}
	var env struct {
		Payload string `json:"payload"`
	}
	if err := json.Unmarshal(raw, &env); err != nil {
		return nil, fmt.Errorf("attestation envelope: %w", err)
	}
	body, err := base64.StdEncoding.DecodeString(env.Payload)
	if err != nil {
		return nil, fmt.Errorf("attestation envelope payload: %w", err)
	}
	return body, nil
}

// Attestation is one verified in-toto attestation of an OCI artifact.
type Attestation struct {
	PredicateType string `json:"predicate_type"`
	// Verdict and FailOn are set for a modelgate verdict predicate.
	Verdict      string         `json:"verdict,omitempty"`
	RulesVersion string         `json:"rules_version,omitempty"`
	PolicyDigest string         `json:"policy_digest,omitempty"`
	Findings     map[string]int `json:"findings,omitempty"`
	// Provenance is set for a SLSA provenance predicate.
	Provenance *Provenance `json:"provenance,omitempty"`
	// Predicate is the predicate as signed.
	Predicate json.RawMessage `json:"-"`
}

// AttestationsResult is the outcome of checking an artifact's attestations.
type AttestationsResult struct {
	// Status is verified (at least one attestation verified and none
	// failed), invalid (one failed), unsigned (there are none) or
	// not-checked (the registry could not be read).
	Status       Status        `json:"status"`
	Reason       string        `json:"reason,omitempty"`
	RootDigest   string        `json:"root_digest,omitempty"`
	Attestations []Attestation `json:"attestations,omitempty"`
}

// VerifyOCIAttestations checks the attestations under the sha256-<hex>.att
// tag of ref with cosign's verifier, as `cosign verify-attestation` does:
// each DSSE envelope's signature (by opts.PublicKey as with --key
// --insecure-ignore-tlog, or keyless: a Fulcio certificate for the
// required identity and issuer under the trusted root, with its Rekor
// bundle offline or, when oo.AllowNetworkTlog is set, a Rekor lookup), and
// the in-toto subject naming the manifest digest. A tag is resolved once,
// by hashing the manifest received. Every attestation present must verify:
// one that fails makes the result invalid even when others verify, so a
// forged verdict beside a genuine BOM is never passed over; one that could
// not be checked (keyless, no Rekor bundle, Rekor not allowed) makes it
// not-checked.
func VerifyOCIAttestations(ctx context.Context, ref string, opts Options, oo OCIOptions) AttestationsResult {
	r := verifyOCIAttestations(ctx, ref, opts, oo)
	r.Reason = oneLine(r.Reason)
	return r
}

func verifyOCIAttestations(ctx context.Context, ref string, opts Options, oo OCIOptions) AttestationsResult {
	ro := append([]remote.Option{remote.WithContext(ctx)}, oo.Remote...)
	nr, err := name.ParseReference(ref)
	if err != nil {
		return AttestationsResult{Status: NotChecked, Reason: fmt.Sprintf("OCI reference %q: %v", ref, err)}
	}
	d, err := manifestDigest(nr, ro)
	if err != nil {
		return AttestationsResult{Status: NotChecked, Reason: fmt.Sprintf("resolve %s: %v", ref, err)}
	}
	res := AttestationsResult{RootDigest: d.String()}
	if d.Algorithm != "sha256" {
		res.Status, res.Reason = NotChecked, fmt.Sprintf("manifest digest %s is not sha256", d)
		return res
	}
	var cos []*cosign.CheckOpts
	var keyless *cosign.CheckOpts
	if opts.PublicKey != nil {
		co, err := keyCheckOpts(opts, cosign.IntotoSubjectClaimVerifier, ro)
		if err != nil {
			res.Status, res.Reason = NotChecked, err.Error()
			return res
		}
		cos = append(cos, co)
	}
	if hasKeylessPolicy(opts) {
		co, err := keylessCheckOpts(opts, oo, cosign.IntotoSubjectClaimVerifier, ro)
		if err != nil {
			res.Status, res.Reason = NotChecked, err.Error()
			return res
		}
		cos, keyless = append(cos, co), co
	}
	if len(cos) == 0 {
		res.Status, res.Reason = NotChecked, "no trust source for attestations (a public key, or a keyless identity and issuer)"
		return res
	}
	tag := nr.Context().Tag(legacyAttTag(d))
	var all []oci.Signature
	atts, err := ociremote.Signatures(tag, ociremote.WithRemoteOptions(ro...))
	var nf *ociremote.EntityNotFoundError
	switch {
	case errors.As(err, &nf):
	case err != nil:
		res.Status, res.Reason = NotChecked, fmt.Sprintf("read %s: %v", tag.TagStr(), err)
		return res
	default:
		if all, err = atts.Get(); err != nil {
			res.Status, res.Reason = NotChecked, fmt.Sprintf("read %s: %v", tag.TagStr(), err)
			return res
		}
	}
	if len(all) > maxOCISignatures {
		res.Status, res.Reason = NotChecked, fmt.Sprintf("%s holds %d attestations, more than %d", tag.TagStr(), len(all), maxOCISignatures)
		return res
	}
	bundles, err := attestationBundles(nr.Context().Digest(d.String()), ro)
	if err != nil {
		res.Status, res.Reason = NotChecked, err.Error()
		return res
	}
	if len(all)+len(bundles) == 0 {
		res.Status, res.Reason = Unsigned, "no attestations (no "+tag.TagStr()+" tag, no attestation bundle referrer)"
		return res
	}
	var failed, unchecked []string
	for i, s := range all {
		if err := withinCap(s, maxSignatureBytes); err != nil {
			unchecked = append(unchecked, fmt.Sprintf("attestation %d: %v", i+1, err))
			continue
		}
		var errs []string
		ok := false
		for _, co := range cos {
			_, _, err := cosign.VerifyImageAttestation(ctx, oneSignature{atts, s}, d, co)
			if err == nil {
				ok = true
				break
			}
			errs = append(errs, err.Error())
		}
		switch {
		case ok:
			a, err := readAttestation(s)
			if err != nil {
				res.Status, res.Reason = Invalid, err.Error()
				return res
			}
			res.Attestations = append(res.Attestations, a)
		case !oo.AllowNetworkTlog && keyless != nil && allKeylessWithoutBundle([]oci.Signature{s}):
			if err := allButLog(ctx, s, d, keyless, true); err != nil {
				failed = append(failed, fmt.Sprintf("attestation %d, keyless without a Rekor bundle, fails offline: %v", i+1, err))
				continue
			}
			unchecked = append(unchecked, fmt.Sprintf("attestation %d is keyless without a Rekor bundle; checking it needs an online Rekor lookup, which was not allowed (--allow-network-tlog)", i+1))
		default:
			failed = append(failed, fmt.Sprintf("attestation %d: %s", i+1, strings.Join(errs, "; ")))
		}
	}
	subject, _ := hex.DecodeString(d.Hex)
	for _, rb := range bundles {
		if _, _, err := checkBundle(ctx, rb.bundle, subject, opts, oo, ro); err != nil {
			failed = append(failed, fmt.Sprintf("attestation bundle %s: %v", rb.location, err))
			continue
		}
		a, err := readStatement(rb.bundle.GetDsseEnvelope().GetPayload())
		if err != nil {
			res.Status, res.Reason = Invalid, err.Error()
			return res
		}
		res.Attestations = append(res.Attestations, a)
	}
	total := len(all) + len(bundles)
	switch {
	case len(failed) > 0:
		res.Status = Invalid
		res.Reason = fmt.Sprintf("%d of %d attestations of %s did not verify: %s", len(failed), total, d, strings.Join(failed, "; "))
	case len(unchecked) > 0:
		res.Status = NotChecked
		res.Reason = fmt.Sprintf("%d of %d attestations of %s not checked: %s", len(unchecked), total, d, strings.Join(unchecked, "; "))
	default:
		res.Status = Verified
	}
	return res
}

// oneSignature hands cosign's VerifyImageAttestation one attestation of a
// tag, so each is judged on its own.
type oneSignature struct {
	oci.Signatures
	s oci.Signature
}

func (o oneSignature) Get() ([]oci.Signature, error) { return []oci.Signature{o.s}, nil }

// payloader is what readAttestation needs of a verified cosign layer.
type payloader interface{ Payload() ([]byte, error) }

// readAttestation decodes a verified DSSE envelope's in-toto statement.
func readAttestation(s payloader) (Attestation, error) {
	body, err := envelopeBody(s)
	if err != nil {
		return Attestation{}, err
	}
	return readStatement(body)
}

// cosignSignPredicate is the predicate type of the statement cosign v3
// signs as an image signature: a signature, not an attestation.
const cosignSignPredicate = "https://sigstore.dev/cosign/sign/v1"

// attestationBundles are the Sigstore bundle referrers of dig that hold an
// in-toto statement other than a cosign signature's: what `cosign attest`
// attaches with the new bundle format (the cosign v3 default). A referrer
// that cannot be read is left out here; VerifyOCI reports it.
func attestationBundles(dig name.Digest, ro []remote.Option) ([]referrerBundle, error) {
	descs, err := bundleReferrers(dig, ro)
	if err != nil {
		return nil, err
	}
	var out []referrerBundle
	for _, desc := range descs {
		rb, err := readReferrerBundle(dig.Context(), desc, ro)
		if err != nil {
			continue
		}
		env := rb.bundle.GetDsseEnvelope()
		if env == nil || env.GetPayloadType() != ctypes.IntotoPayloadType {
			continue
		}
		if t, err := predicateTypeIn(env.GetPayload()); err != nil || t == cosignSignPredicate {
			continue
		}
		out = append(out, rb)
	}
	return out, nil
}

// predicateTypeIn is the predicate type of an in-toto statement.
func predicateTypeIn(body []byte) (string, error) {
	var st struct {
		PredicateType string `json:"predicateType"`
	}
	if err := json.Unmarshal(body, &st); err != nil {
		return "", fmt.Errorf("in-toto statement: %w", err)
	}
	return st.PredicateType, nil
}

// readStatement decodes a verified in-toto statement.
func readStatement(body []byte) (Attestation, error) {
	var st struct {
		PredicateType string          `json:"predicateType"`
		Predicate     json.RawMessage `json:"predicate"`
	}
	if err := json.Unmarshal(body, &st); err != nil {
		return Attestation{}, fmt.Errorf("in-toto statement: %w", err)
	}
	a := Attestation{PredicateType: st.PredicateType, Predicate: st.Predicate}
	switch {
	case st.PredicateType == VerdictPredicateType:
		var v Verdict
		if err := json.Unmarshal(st.Predicate, &v); err != nil {
			return a, fmt.Errorf("verdict predicate: %w", err)
		}
		a.Verdict, a.RulesVersion, a.PolicyDigest, a.Findings = v.Verdict, v.RulesVersion, v.PolicyDigest, v.Findings
	case strings.HasPrefix(st.PredicateType, "https://slsa.dev/provenance/"):
		p, err := parseProvenance(st.PredicateType, st.Predicate)
		if err != nil {
			return a, err
		}
		a.Provenance = &p
	}
	return a, nil
}

// Provenance is what modelgate reports of a SLSA provenance predicate.
type Provenance struct {
	BuilderID        string `json:"builder_id,omitempty"`
	BuildType        string `json:"build_type,omitempty"`
	SourceRepository string `json:"source_repository,omitempty"`
	SourceDigest     string `json:"source_digest,omitempty"`
}

// parseProvenance reads the builder and the source of SLSA provenance
// v0.2 (builder.id, invocation.configSource) or v1 (runDetails.builder.id,
// the first resolvedDependency with a digest).
func parseProvenance(typ string, pred []byte) (Provenance, error) {
	var p Provenance
	if typ == "https://slsa.dev/provenance/v0.2" {
		var v struct {
			Builder    struct{ ID string } `json:"builder"`
			BuildType  string              `json:"buildType"`
			Invocation struct {
				ConfigSource struct {
					URI    string            `json:"uri"`
					Digest map[string]string `json:"digest"`
				} `json:"configSource"`
			} `json:"invocation"`
		}
		if err := json.Unmarshal(pred, &v); err != nil {
			return p, fmt.Errorf("SLSA provenance v0.2: %w", err)
		}
		p.BuilderID, p.BuildType, p.SourceRepository = v.Builder.ID, v.BuildType, v.Invocation.ConfigSource.URI
		p.SourceDigest = pickDigest(v.Invocation.ConfigSource.Digest)
		return p, nil
	}
	var v struct {
		BuildDefinition struct {
			BuildType            string `json:"buildType"`
			ResolvedDependencies []struct {
				URI    string            `json:"uri"`
				Digest map[string]string `json:"digest"`
			} `json:"resolvedDependencies"`
		} `json:"buildDefinition"`
		RunDetails struct {
			Builder struct{ ID string } `json:"builder"`
		} `json:"runDetails"`
	}
	if err := json.Unmarshal(pred, &v); err != nil {
		return p, fmt.Errorf("SLSA provenance: %w", err)
	}
	p.BuilderID, p.BuildType = v.RunDetails.Builder.ID, v.BuildDefinition.BuildType
	for _, d := range v.BuildDefinition.ResolvedDependencies {
		if d.URI != "" && len(d.Digest) > 0 {
			p.SourceRepository, p.SourceDigest = d.URI, pickDigest(d.Digest)
			break
		}
	}
	return p, nil
}

// pickDigest names a digest set's strongest common entry as alg:hex.
func pickDigest(d map[string]string) string {
	for _, alg := range []string{"sha256", "sha512", "gitCommit", "sha1"} {
		if v := d[alg]; v != "" {
			return alg + ":" + v
		}
	}
	return ""
}

// legacyAttTag is cosign's attestation tag for a manifest digest.
func legacyAttTag(d v1.Hash) string {
	return d.Algorithm + "-" + d.Hex + ".att"
}

// SignOCI signs the manifest ref names the way `cosign sign --key
// --tlog-upload=false` (cosign v2) does: a simple-signing payload naming
// the repository and digest, signed with key, attached as a layer of the
// sha256-<hex>.sig tag. A signature by the same key already there is kept,
// not duplicated.
func SignOCI(ctx context.Context, ref name.Digest, key crypto.Signer, ro []remote.Option) error {
	if h, err := v1.NewHash(ref.DigestStr()); err != nil || h.Algorithm != "sha256" {
		return fmt.Errorf("sign: %s is not a sha256 manifest digest", ref.DigestStr())
	}
	hash, err := curveHash(key.Public())
	if err != nil {
		return fmt.Errorf("sign: %w", err)
	}
	sv, err := signature.LoadSignerVerifier(key, hash)
	if err != nil {
		return fmt.Errorf("sign: %w", err)
	}
	pl, err := payload.Cosign{Image: ref}.MarshalJSON()
	if err != nil {
		return fmt.Errorf("sign: payload: %w", err)
	}
	sig, err := sv.SignMessage(bytes.NewReader(pl), sigopts.WithContext(ctx))
	if err != nil {
		return fmt.Errorf("sign: %w", err)
	}
	s, err := static.NewSignature(pl, base64.StdEncoding.EncodeToString(sig))
	if err != nil {
		return fmt.Errorf("sign: %w", err)
	}
	oo := []ociremote.Option{ociremote.WithRemoteOptions(append([]remote.Option{remote.WithContext(ctx)}, ro...)...)}
	se, err := mutate.AttachSignatureToEntity(ociremote.SignedUnknown(ref, oo...), s, mutate.WithDupeDetector(cremote.NewDupeDetector(sv)))
	if err != nil {
		return fmt.Errorf("sign: %w", err)
	}
	if err := ociremote.WriteSignatures(ref.Repository, se, oo...); err != nil {
		return fmt.Errorf("sign: push signature: %w", err)
	}
	return nil
}
