package signatures

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	protocommon "github.com/sigstore/protobuf-specs/gen/pb-go/common/v1"
	protorekor "github.com/sigstore/protobuf-specs/gen/pb-go/rekor/v1"
	"github.com/sigstore/sigstore-go/pkg/bundle"
	"github.com/sigstore/sigstore-go/pkg/root"
	"github.com/sigstore/sigstore-go/pkg/tlog"
	"github.com/sigstore/sigstore-go/pkg/verify"
)

// CosignBundleAnnotation holds the Rekor SignedEntryTimestamp ("bundle")
// cosign attaches to a keyless tag-scheme signature layer.
const CosignBundleAnnotation = "dev.sigstore.cosign/bundle"

// Caps on a legacy layer's annotations, far above what cosign writes.
const (
	maxCertAnnotation   = 64 << 10
	maxBundleAnnotation = 256 << 10
)

// rekorKindHashedRekord is the only Rekor entry kind cosign's tag scheme
// has written for image signatures since v1.x; the older "rekord" kind
// carries the whole payload and is not supported by sigstore-go.
const rekorKindHashedRekord = "hashedrekord"

// errNotCheckable marks a signature this build cannot check offline (no
// Rekor bundle to verify, an entry kind it does not read), as opposed to
// one that fails a check: alone, it makes the outcome not-checked.
var errNotCheckable = errors.New("signature cannot be checked offline")

type notCheckableError struct{ msg string }

func (e *notCheckableError) Error() string        { return e.msg }
func (e *notCheckableError) Is(target error) bool { return target == errNotCheckable }

func notCheckable(format string, args ...any) error {
	return &notCheckableError{fmt.Sprintf(format, args...)}
}

// legacyRekorBundle is cosign's dev.sigstore.cosign/bundle annotation: the
// Rekor entry as the log returned it, and the log's signature over the
// canonical JSON of Payload.
type legacyRekorBundle struct {
	SignedEntryTimestamp []byte `json:"SignedEntryTimestamp"`
	Payload              struct {
		Body           string `json:"body"`
		IntegratedTime int64  `json:"integratedTime"`
		LogIndex       int64  `json:"logIndex"`
		LogID          string `json:"logID"`
	} `json:"Payload"`
}

// legacyEntity presents a tag-scheme keyless signature to sigstore-go as a
// v0.1-style signed entity (leaf certificate, message signature, one Rekor
// entry with an inclusion promise), so the Fulcio chain, identity, SET,
// entry-to-signature binding and certificate validity at the integrated
// time are all checked by the same verifier as Sigstore bundles.
type legacyEntity struct {
	cert  *x509.Certificate
	sig   *bundle.MessageSignature
	entry *tlog.Entry
}

func (e *legacyEntity) HasInclusionPromise() bool { return e.entry.HasInclusionPromise() }
func (e *legacyEntity) HasInclusionProof() bool   { return false }
func (e *legacyEntity) SignatureContent() (verify.SignatureContent, error) {
	return e.sig, nil
}
func (e *legacyEntity) Timestamps() ([][]byte, error)       { return nil, nil }
func (e *legacyEntity) TlogEntries() ([]*tlog.Entry, error) { return []*tlog.Entry{e.entry}, nil }
func (e *legacyEntity) VerificationContent() (verify.VerificationContent, error) {
	return bundle.NewCertificate(e.cert), nil
}

// Version "v0.1" is the bundle version whose rules (inclusion promise, no
// proof needed; SHA-256 compatibility for P-384/P-521 certificates) match
// what cosign's tag scheme produced.
func (e *legacyEntity) Version() (string, error) { return "v0.1", nil }

// hasKeylessPolicy says whether opts require a certificate identity and
// issuer, which keyless verification cannot do without.
func hasKeylessPolicy(opts Options) bool {
	return (opts.Identity != "" || opts.IdentityRegexp != "") && (opts.Issuer != "" || opts.IssuerRegexp != "")
}

// keylessTrust is the trust root and SCT requirement for keyless
// verification: the configured root, or the embedded public-good one, whose
// Fulcio certificates always carry SCTs.
func keylessTrust(opts Options) (root.TrustedMaterial, bool, error) {
	if opts.TrustedRoot != nil {
		return opts.TrustedRoot, opts.RequireSCT, nil
	}
	pg, err := PublicGoodRoot()
	if err != nil {
		return nil, false, err
	}
	return pg, true, nil
}

// verifyLegacyKeyless checks one keyless layer of a sha256-<hex>.sig tag
// offline: the Fulcio certificate in the layer's annotation, the signature
// over the Simple Signing payload, and the Rekor SET in the bundle
// annotation, then binds the payload to the manifest digest d.
func verifyLegacyKeyless(repo name.Repository, l v1.Descriptor, d v1.Hash, opts Options, ro []remote.Option) (Result, error) {
	if !hasKeylessPolicy(opts) {
		return Result{}, errors.New("legacy keyless signature needs a required identity and issuer")
	}
	cert, err := parseLayerCert(l.Annotations[cosignCertAnnotation])
	if err != nil {
		return Result{}, err
	}
	sig, err := base64.StdEncoding.DecodeString(l.Annotations[CosignSignatureAnnotation])
	if err != nil || len(sig) == 0 {
		return Result{}, errors.New("legacy signature layer has no base64 signature annotation")
	}
	raw, ok := l.Annotations[CosignBundleAnnotation]
	if !ok {
		return Result{}, notCheckable("legacy keyless signature has no Rekor bundle annotation, and this build does no online Rekor lookup")
	}
	entry, err := parseLegacyRekorBundle(raw)
	if err != nil {
		return Result{}, err
	}
	payload, err := readBlob(repo, l.Digest, maxPayloadBytes, ro)
	if err != nil {
		return Result{}, err
	}
	// The message digest is only a hint to sigstore-go: it recomputes it
	// from the payload and compares it with the digest Rekor logged.
	digest, alg, ok := entry.GetHashedRekordDigest()
	if !ok {
		return Result{}, errors.New("the Rekor entry has no hashedrekord digest")
	}
	h, err := rekorHash(alg)
	if err != nil {
		return Result{}, err
	}
	if len(digest) != h.Size() {
		return Result{}, fmt.Errorf("the Rekor entry digest is %d bytes, want %d for %s", len(digest), h.Size(), alg)
	}
	ent := &legacyEntity{
		cert:  cert,
		sig:   bundle.NewMessageSignature(digestWith(h, payload), hashAlgName(h), sig),
		entry: entry,
	}

	tm, requireSCT, err := keylessTrust(opts)
	if err != nil {
		return Result{}, err
	}
	vo := []verify.VerifierOption{verify.WithTransparencyLog(1), verify.WithIntegratedTimestamps(1)}
	if requireSCT {
		vo = append(vo, verify.WithSignedCertificateTimestamps(1))
	}
	verifier, err := verify.NewVerifier(tm, vo...)
	if err != nil {
		return Result{}, fmt.Errorf("keyless verifier: %w", err)
	}
	id, err := certificateIdentity(opts)
	if err != nil {
		return Result{}, fmt.Errorf("identity policy: %w", err)
	}
	out, err := verifier.Verify(ent, verify.NewPolicy(verify.WithArtifact(bytes.NewReader(payload)), verify.WithCertificateIdentity(id)))
	if err != nil {
		return Result{}, fmt.Errorf("legacy keyless signature rejected: %v", err)
	}
	if err := checkPayloadDigest(payload, d); err != nil {
		return Result{}, err
	}

	res := Result{Status: Verified, Method: "cosign-legacy-keyless", SignatureSHA256: l.Digest.Hex}
	if c := out.Signature.Certificate; c != nil {
		res.Identity, res.Issuer = c.SubjectAlternativeName, c.Issuer
	}
	for _, ts := range out.VerifiedTimestamps {
		res.SignedAt = ts.Timestamp.UTC().Format(time.RFC3339)
	}
	i := entry.LogIndex()
	res.LogIndex = &i
	return res, nil
}

func parseLayerCert(p string) (*x509.Certificate, error) {
	if len(p) > maxCertAnnotation {
		return nil, fmt.Errorf("certificate annotation is over the cap of %d bytes", maxCertAnnotation)
	}
	blk, _ := pem.Decode([]byte(p))
	if blk == nil || blk.Type != "CERTIFICATE" {
		return nil, errors.New("certificate annotation is not a PEM certificate")
	}
	c, err := x509.ParseCertificate(blk.Bytes)
	if err != nil {
		return nil, fmt.Errorf("certificate annotation: %w", err)
	}
	return c, nil
}

// parseLegacyRekorBundle turns the bundle annotation into a Rekor entry
// carrying its SET as an inclusion promise; the SET itself is verified
// later, against the trusted root's log keys.
func parseLegacyRekorBundle(raw string) (*tlog.Entry, error) {
	if len(raw) > maxBundleAnnotation {
		return nil, fmt.Errorf("the Rekor bundle annotation is over the cap of %d bytes", maxBundleAnnotation)
	}
	var rb legacyRekorBundle
	if err := json.Unmarshal([]byte(raw), &rb); err != nil {
		return nil, fmt.Errorf("cosign bundle annotation: %w", err)
	}
	if len(rb.SignedEntryTimestamp) == 0 {
		return nil, errors.New("the Rekor bundle annotation has no SignedEntryTimestamp")
	}
	body, err := base64.StdEncoding.DecodeString(rb.Payload.Body)
	if err != nil || len(body) == 0 {
		return nil, errors.New("the Rekor bundle annotation has no base64 entry body")
	}
	logID, err := hex.DecodeString(rb.Payload.LogID)
	if err != nil || len(logID) == 0 {
		return nil, fmt.Errorf("the Rekor bundle annotation log ID %q is not hex", rb.Payload.LogID)
	}
	if rb.Payload.IntegratedTime <= 0 || rb.Payload.LogIndex < 0 {
		return nil, errors.New("the Rekor bundle annotation has no integrated time or log index")
	}
	var kv struct {
		Kind       string `json:"kind"`
		APIVersion string `json:"apiVersion"`
	}
	if err := json.Unmarshal(body, &kv); err != nil {
		return nil, fmt.Errorf("rekor entry body: %w", err)
	}
	if kv.Kind != rekorKindHashedRekord {
		return nil, notCheckable("the Rekor entry kind %q is not supported (want %s)", kv.Kind, rekorKindHashedRekord)
	}
	entry, err := tlog.ParseTransparencyLogEntry(&protorekor.TransparencyLogEntry{
		LogIndex:          rb.Payload.LogIndex,
		LogId:             &protocommon.LogId{KeyId: logID},
		KindVersion:       &protorekor.KindVersion{Kind: kv.Kind, Version: kv.APIVersion},
		IntegratedTime:    rb.Payload.IntegratedTime,
		InclusionPromise:  &protorekor.InclusionPromise{SignedEntryTimestamp: rb.SignedEntryTimestamp},
		CanonicalizedBody: body,
	})
	if err != nil {
		return nil, fmt.Errorf("rekor entry: %w", err)
	}
	return entry, nil
}

func rekorHash(alg string) (crypto.Hash, error) {
	switch alg {
	case "sha256":
		return crypto.SHA256, nil
	case "sha384":
		return crypto.SHA384, nil
	case "sha512":
		return crypto.SHA512, nil
	}
	return 0, notCheckable("the Rekor entry digest algorithm %q is not supported", alg)
}

func hashAlgName(h crypto.Hash) string {
	switch h {
	case crypto.SHA384:
		return protocommon.HashAlgorithm_SHA2_384.String()
	case crypto.SHA512:
		return protocommon.HashAlgorithm_SHA2_512.String()
	}
	return protocommon.HashAlgorithm_SHA2_256.String()
}

// checkPayloadDigest binds a verified Simple Signing payload to the
// manifest it must be about.
func checkPayloadDigest(payload []byte, d v1.Hash) error {
	var ss simpleSigning
	if err := json.NewDecoder(bytes.NewReader(payload)).Decode(&ss); err != nil {
		return fmt.Errorf("simple signing payload: %w", err)
	}
	if ss.Critical.Image.Digest != d.String() {
		return fmt.Errorf("legacy signature is for %s, not %s", ss.Critical.Image.Digest, d)
	}
	return nil
}
