package signatures

import (
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/sigstore/cosign/v2/pkg/cosign"
	"github.com/sigstore/cosign/v2/pkg/oci"
	ociremote "github.com/sigstore/cosign/v2/pkg/oci/remote"
	"github.com/sigstore/cosign/v2/pkg/oci/static"
	ctypes "github.com/sigstore/cosign/v2/pkg/types"
	rekorclient "github.com/sigstore/rekor/pkg/client"
	"github.com/sigstore/sigstore-go/pkg/bundle"
	"github.com/sigstore/sigstore-go/pkg/root"
	"github.com/sigstore/sigstore-go/pkg/verify"
	"github.com/sigstore/sigstore/pkg/cryptoutils"
	"github.com/sigstore/sigstore/pkg/signature"
)

// Media types and annotations of cosign's two storage schemes.
const (
	// BundleArtifactType marks a Sigstore bundle attached as an OCI 1.1
	// referrer (cosign --new-bundle-format, the cosign v3 default).
	BundleArtifactType = "application/vnd.dev.sigstore.bundle.v0.3+json"
	// SimpleSigningMediaType is a layer of a sha256-<hex>.sig tag.
	SimpleSigningMediaType = "application/vnd.dev.cosign.simplesigning.v1+json"
	// CosignSignatureAnnotation holds a legacy layer's base64 signature.
	CosignSignatureAnnotation = "dev.cosignproject.cosign/signature"
	// CosignBundleAnnotation holds the Rekor SignedEntryTimestamp
	// ("bundle") cosign attaches to a keyless tag-scheme signature layer.
	CosignBundleAnnotation = "dev.sigstore.cosign/bundle"
	cosignCertAnnotation   = "dev.sigstore.cosign/certificate"
)

// DefaultRekorURL is the public-good transparency log, asked only when
// OCIOptions.AllowNetworkTlog is set.
const DefaultRekorURL = "https://rekor.sigstore.dev"

// Caps on what a registry may hand the verifier.
const (
	maxOCISignatures = 64
	maxPayloadBytes  = 1 << 20
)

// OCIOptions say how to reach the registry and the transparency log; the
// trust options are Options' Identity/Issuer/TrustedRoot (keyless) and
// PublicKey (key).
type OCIOptions struct {
	Remote []remote.Option
	// AllowNetworkTlog lets a keyless signature or attestation that
	// carries no Rekor bundle be checked by looking its entry up in the
	// transparency log at RekorURL (default DefaultRekorURL), as `cosign
	// verify` does online. Without it such a signature is not-checked,
	// never verified.
	AllowNetworkTlog bool
	RekorURL         string
}

// VerifyOCI checks cosign signatures on the OCI artifact ref with cosign's
// verifier: Sigstore signature bundles attached as referrers (key or
// keyless; an attestation bundle is not a signature of the artifact), then
// signatures under the legacy sha256-<hex>.sig tag (key, or keyless with
// the Fulcio certificate and the Rekor SET annotation, verified offline
// against the trust root). The first signature that verifies makes the
// artifact verified. A legacy keyless signature without a Rekor bundle
// annotation is looked up in Rekor only when oo.AllowNetworkTlog is set;
// otherwise it is not-checked, unless another signature failed.
func VerifyOCI(ctx context.Context, ref string, opts Options, oo OCIOptions) Result {
	r := verifyOCI(ctx, ref, opts, oo)
	r.Reason = oneLine(r.Reason)
	return r
}

func verifyOCI(ctx context.Context, ref string, opts Options, oo OCIOptions) Result {
	ro := append([]remote.Option{remote.WithContext(ctx)}, oo.Remote...)
	nr, err := name.ParseReference(ref)
	if err != nil {
		return Result{Status: NotChecked, Reason: fmt.Sprintf("OCI reference %q: %v", ref, err)}
	}
	d, err := manifestDigest(nr, ro)
	if err != nil {
		return Result{Status: NotChecked, Reason: fmt.Sprintf("resolve %s: %v", ref, err)}
	}
	dig := nr.Context().Digest(d.String())
	raw, err := hex.DecodeString(d.Hex)
	if err != nil || d.Algorithm != "sha256" {
		return Result{Status: NotChecked, Reason: fmt.Sprintf("manifest digest %s is not sha256", d)}
	}
	res := Result{Status: Unsigned, RootDigest: d.String(), Reason: "no cosign signature (no bundle referrer, no " + legacyTag(d) + " tag)"}
	var reasons []string

	descs, err := bundleReferrers(dig, ro)
	if err != nil {
		return Result{Status: NotChecked, RootDigest: res.RootDigest, Reason: err.Error()}
	}
	for _, desc := range descs {
		r, err := verifyReferrerBundle(ctx, nr.Context(), desc, raw, opts, oo, ro)
		switch {
		case err == nil:
			r.RootDigest = res.RootDigest
			return r
		case !errors.Is(err, errNotBundle):
			reasons = append(reasons, err.Error())
		}
	}

	legacy, err := verifyLegacyTag(ctx, dig, d, opts, oo, ro)
	switch {
	case err == nil:
		legacy.RootDigest = res.RootDigest
		return legacy
	case errors.Is(err, errNotCheckable) && len(reasons) == 0:
		res.Status, res.Reason = NotChecked, err.Error()
		return res
	case !errors.Is(err, errNoLegacy):
		reasons = append(reasons, err.Error())
	}
	if len(reasons) > 0 {
		res.Status, res.Reason = Invalid, strings.Join(reasons, "; ")
	}
	return res
}

// PinOCI resolves ref once to repository@sha256:<hex> (a digest reference
// as given, a tag by hashing the manifest received), so that a caller
// checking both signatures and attestations checks one manifest.
func PinOCI(ctx context.Context, ref string, oo OCIOptions) (string, error) {
	nr, err := name.ParseReference(ref)
	if err != nil {
		return "", fmt.Errorf("OCI reference %q: %w", ref, err)
	}
	d, err := manifestDigest(nr, append([]remote.Option{remote.WithContext(ctx)}, oo.Remote...))
	if err != nil {
		return "", fmt.Errorf("resolve %s: %w", ref, err)
	}
	return nr.Context().Digest(d.String()).String(), nil
}

// manifestDigest is the digest whose signatures are checked: the digest a
// by-digest reference names, as given, or for a tag the SHA-256 of the
// manifest bytes received. A Docker-Content-Digest header is never
// trusted: a registry that answers HEAD with a signed digest and GET with
// another manifest must not get the other manifest verified. (cosign's
// ResolveDigest takes the header; it is only ever handed a digest.)
func manifestDigest(ref name.Reference, ro []remote.Option) (v1.Hash, error) {
	if d, ok := ref.(name.Digest); ok {
		return v1.NewHash(d.DigestStr())
	}
	// remote.Get hashes the body it read (it ignores the header for tags).
	desc, err := remote.Get(ref, ro...)
	if err != nil {
		return v1.Hash{}, err
	}
	sum := sha256.Sum256(desc.Manifest)
	if desc.Digest.String() != "sha256:"+hex.EncodeToString(sum[:]) {
		return v1.Hash{}, fmt.Errorf("manifest of %s does not hash to the digest %s", ref, desc.Digest)
	}
	return desc.Digest, nil
}

var (
	errNoLegacy  = errors.New("no legacy signature tag")
	errNotBundle = errors.New("referrer is not a Sigstore bundle")
	// errNotCheckable marks signatures this run could not check (a
	// keyless signature with no Rekor bundle, and no permission to ask
	// Rekor), as opposed to one that fails a check: alone, it makes the
	// outcome not-checked.
	errNotCheckable = errors.New("signature cannot be checked offline")
)

const emptyConfigType = "application/vnd.oci.empty.v1+json"

func legacyTag(d v1.Hash) string { return d.Algorithm + "-" + d.Hex + ".sig" }

// readBlob fetches a blob of at most max bytes.
func readBlob(repo name.Repository, d v1.Hash, max int64, ro []remote.Option) ([]byte, error) {
	l, err := remote.Layer(repo.Digest(d.String()), ro...)
	if err != nil {
		return nil, fmt.Errorf("fetch blob %s: %w", d, err)
	}
	rc, err := l.Compressed()
	if err != nil {
		return nil, fmt.Errorf("fetch blob %s: %w", d, err)
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, max+1))
	if err != nil {
		return nil, fmt.Errorf("read blob %s: %w", d, err)
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("blob %s is over the cap of %d bytes", d, max)
	}
	if sum := sha256.Sum256(data); hex.EncodeToString(sum[:]) != d.Hex {
		return nil, fmt.Errorf("blob %s does not match its digest", d)
	}
	return data, nil
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

// hasKeylessPolicy says whether opts require a certificate identity and
// issuer, which keyless verification cannot do without: cosign's verifier
// given none accepts any identity.
func hasKeylessPolicy(opts Options) bool {
	return (opts.Identity != "" || opts.IdentityRegexp != "") && (opts.Issuer != "" || opts.IssuerRegexp != "")
}

// keyCheckOpts are cosign's options for `cosign verify --key
// --insecure-ignore-tlog`: modelgate signs and attests with a key and no
// transparency-log entry, so none is required.
func keyCheckOpts(opts Options, claims func(oci.Signature, v1.Hash, map[string]any) error, ro []remote.Option) (*cosign.CheckOpts, error) {
	h, err := curveHash(opts.PublicKey)
	if err != nil {
		return nil, err
	}
	sv, err := signature.LoadVerifier(opts.PublicKey, h)
	if err != nil {
		return nil, fmt.Errorf("load public key: %w", err)
	}
	return &cosign.CheckOpts{
		RegistryClientOpts: []ociremote.Option{ociremote.WithRemoteOptions(ro...)},
		SigVerifier:        sv,
		ClaimVerifier:      claims,
		// cosign's bundle verifier wants trusted material even for a key;
		// an empty collection trusts no CA and no log.
		TrustedMaterial: root.TrustedMaterialCollection{},
		IgnoreTlog:      true,
		IgnoreSCT:       true,
		Offline:         true,
	}, nil
}

// keylessCheckOpts are cosign's options for keyless verification: the
// Fulcio chain, SCT and Rekor log keys from the trusted root, the identity
// and issuer (regular expressions anchored, unlike cosign's), and Rekor
// online only when allowed.
func keylessCheckOpts(opts Options, oo OCIOptions, claims func(oci.Signature, v1.Hash, map[string]any) error, ro []remote.Option) (*cosign.CheckOpts, error) {
	if !hasKeylessPolicy(opts) {
		return nil, errors.New("keyless signature needs a required identity and issuer")
	}
	tm, requireSCT, err := keylessTrust(opts)
	if err != nil {
		return nil, err
	}
	co := &cosign.CheckOpts{
		RegistryClientOpts: []ociremote.Option{ociremote.WithRemoteOptions(ro...)},
		ClaimVerifier:      claims,
		TrustedMaterial:    tm,
		Identities: []cosign.Identity{{
			Issuer: opts.Issuer, IssuerRegExp: anchored(opts.IssuerRegexp),
			Subject: opts.Identity, SubjectRegExp: anchored(opts.IdentityRegexp),
		}},
		IgnoreSCT: !requireSCT,
		Offline:   !oo.AllowNetworkTlog,
	}
	if oo.AllowNetworkTlog {
		url := oo.RekorURL
		if url == "" {
			url = DefaultRekorURL
		}
		if co.RekorClient, err = rekorclient.GetRekorClient(url); err != nil {
			return nil, fmt.Errorf("rekor client: %w", err)
		}
	}
	return co, nil
}

// referrerBundle is a Sigstore bundle attached as a referrer: where it is,
// the SHA-256 of its bytes, and the bundle.
type referrerBundle struct {
	location string
	sha256   string
	bundle   *bundle.Bundle
}

// bundleReferrers lists the referrers of dig that may be Sigstore bundles,
// at most maxOCISignatures of them.
func bundleReferrers(dig name.Digest, ro []remote.Option) ([]v1.Descriptor, error) {
	idx, err := remote.Referrers(dig, ro...)
	if err != nil {
		return nil, fmt.Errorf("list referrers: %w", err)
	}
	im, err := idx.IndexManifest()
	if err != nil {
		return nil, fmt.Errorf("referrers index: %w", err)
	}
	var out []v1.Descriptor
	for _, desc := range im.Manifests {
		// Some registries report the config media type (the OCI empty
		// descriptor) instead of the manifest's artifactType.
		if desc.ArtifactType != BundleArtifactType && desc.ArtifactType != "" && desc.ArtifactType != emptyConfigType {
			continue
		}
		if len(out) == maxOCISignatures {
			break
		}
		out = append(out, desc)
	}
	return out, nil
}

// readReferrerBundle reads one referrer, capped, as a Sigstore bundle
// (cosign's own GetBundles reads bundles uncapped and skips unreadable
// ones silently); errNotBundle when it is another kind of artifact.
func readReferrerBundle(repo name.Repository, d v1.Descriptor, ro []remote.Option) (referrerBundle, error) {
	m, err := remote.Get(repo.Digest(d.Digest.String()), ro...)
	if err != nil {
		return referrerBundle{}, fmt.Errorf("fetch bundle referrer: %w", err)
	}
	var man struct {
		v1.Manifest
		ArtifactType string `json:"artifactType"`
	}
	if err := json.Unmarshal(m.Manifest, &man); err != nil {
		return referrerBundle{}, fmt.Errorf("bundle referrer manifest: %w", err)
	}
	if man.ArtifactType != BundleArtifactType && (len(man.Layers) == 0 || string(man.Layers[0].MediaType) != BundleArtifactType) {
		return referrerBundle{}, errNotBundle
	}
	if len(man.Layers) != 1 {
		return referrerBundle{}, fmt.Errorf("bundle referrer has %d layers, want 1", len(man.Layers))
	}
	data, err := readBlob(repo, man.Layers[0].Digest, maxSignatureBytes, ro)
	if err != nil {
		return referrerBundle{}, err
	}
	var b bundle.Bundle
	if err := b.UnmarshalJSON(data); err != nil {
		return referrerBundle{}, fmt.Errorf("referrer is not a Sigstore bundle: %w", err)
	}
	sum := sha256.Sum256(data)
	return referrerBundle{location: repo.Digest(d.Digest.String()).String(), sha256: hex.EncodeToString(sum[:]), bundle: &b}, nil
}

// isSignatureBundle says whether a bundle signs the image itself: the
// in-toto statement of predicate type https://sigstore.dev/cosign/sign/v1
// that `cosign sign` makes. Any other statement is an attestation, which
// says something about the artifact (a fail verdict, a BOM of whatever
// was scanned) without its signer vouching for it; a message signature is
// `cosign sign-blob`'s, of a file that may merely hold the manifest's
// bytes.
func isSignatureBundle(b *bundle.Bundle) bool {
	env := b.GetDsseEnvelope()
	if env == nil || env.GetPayloadType() != ctypes.IntotoPayloadType {
		return false
	}
	t, err := predicateTypeIn(env.GetPayload())
	return err == nil && t == cosignSignPredicate
}

// checkBundle hands a bundle to cosign's bundle verifier, with the key
// when it names one, else keyless; subject is the manifest digest its
// statement or signature must be about.
func checkBundle(ctx context.Context, b *bundle.Bundle, subject []byte, opts Options, oo OCIOptions, ro []remote.Option) (*verify.VerificationResult, string, error) {
	var co *cosign.CheckOpts
	var err error
	method := "cosign-bundle-keyless"
	if b.GetVerificationMaterial().GetPublicKey() != nil {
		method = "cosign-bundle-key"
		if opts.PublicKey == nil {
			return nil, method, errors.New("bundle signed with a key, and no public key was given")
		}
		co, err = keyCheckOpts(opts, nil, ro)
	} else {
		co, err = keylessCheckOpts(opts, oo, nil, ro)
	}
	if err != nil {
		return nil, method, err
	}
	out, err := cosign.VerifyNewBundle(ctx, co, verify.WithArtifactDigest("sha256", subject), b)
	if err != nil {
		return nil, method, fmt.Errorf("bundle referrer rejected: %v", err)
	}
	return out, method, nil
}

func verifyReferrerBundle(ctx context.Context, repo name.Repository, d v1.Descriptor, subject []byte, opts Options, oo OCIOptions, ro []remote.Option) (Result, error) {
	rb, err := readReferrerBundle(repo, d, ro)
	if err != nil {
		return Result{}, err
	}
	if !isSignatureBundle(rb.bundle) {
		return Result{}, errNotBundle
	}
	out, method, err := checkBundle(ctx, rb.bundle, subject, opts, oo, ro)
	if err != nil {
		return Result{}, err
	}
	res := Result{Status: Verified, Method: method, Signature: rb.location, SignatureSHA256: rb.sha256}
	if c := out.Signature.Certificate; c != nil {
		res.Identity, res.Issuer = c.SubjectAlternativeName, c.Issuer
	}
	for _, ts := range out.VerifiedTimestamps {
		res.SignedAt = ts.Timestamp.UTC().Format(time.RFC3339)
	}
	if entries, err := rb.bundle.TlogEntries(); err == nil && len(entries) > 0 {
		i := entries[0].LogIndex()
		res.LogIndex = &i
	}
	if st := out.Statement; st != nil {
		res.Predicate = st.GetPredicateType()
	}
	return res, nil
}

// verifyLegacyTag checks the sha256-<hex>.sig tag of dig with cosign's
// VerifyImageSignatures: with the key when one is given, then keyless when
// an identity is required. A tag whose every layer is keyless without a
// Rekor bundle, checked with Rekor off limits, is not-checked.
func verifyLegacyTag(ctx context.Context, dig name.Digest, d v1.Hash, opts Options, oo OCIOptions, ro []remote.Option) (Result, error) {
	tag := dig.Context().Tag(legacyTag(d))
	all, err := legacySignatures(tag, ro)
	if err != nil {
		return Result{}, err
	}
	// Layers over the cap are never read; the others are read once each
	// (static.Copy, as cosign's own loop does) and handed to cosign one by
	// one, so that what is checked is the tag read here.
	var sigs []oci.Signature
	var over []string
	for _, s := range all {
		if err := withinCap(s, maxPayloadBytes); err != nil {
			over = append(over, err.Error())
			continue
		}
		c, err := static.Copy(s)
		if err != nil {
			return Result{}, fmt.Errorf("read %s: %w", tag.TagStr(), err)
		}
		sigs = append(sigs, c)
	}
	var reasons []string
	var keyless *cosign.CheckOpts
	try := func(method string, co *cosign.CheckOpts, err error) (Result, bool) {
		if err != nil {
			reasons = append(reasons, err.Error())
			return Result{}, false
		}
		for _, s := range sigs {
			if _, err := cosign.VerifyImageSignature(ctx, s, d, co); err != nil {
				reasons = append(reasons, err.Error())
				continue
			}
			return legacyResult(method, tag, s), true
		}
		return Result{}, false
	}
	if opts.PublicKey != nil {
		co, err := keyCheckOpts(opts, cosign.SimpleClaimVerifier, ro)
		if r, ok := try("cosign-legacy-key", co, err); ok {
			return r, nil
		}
	}
	if opts.PublicKey == nil || hasKeylessPolicy(opts) {
		co, err := keylessCheckOpts(opts, oo, cosign.SimpleClaimVerifier, ro)
		if r, ok := try("cosign-legacy-keyless", co, err); ok {
			return r, nil
		}
		keyless = co
	}
	if len(over) > 0 {
		return Result{}, fmt.Errorf("%w: %s: %s", errNotCheckable, tag.TagStr(), strings.Join(over, "; "))
	}
	// Only a keyless check could have accepted them, and only online.
	if !oo.AllowNetworkTlog && keyless != nil && allKeylessWithoutBundle(sigs) {
		for i, s := range sigs {
			if err := allButLog(ctx, s, d, keyless, false); err != nil {
				return Result{}, fmt.Errorf("%s: signature %d, keyless without a Rekor bundle, fails offline: %v", tag.TagStr(), i+1, err)
			}
		}
		return Result{}, fmt.Errorf("%w: %s holds only keyless signatures without a Rekor bundle; checking them needs an online Rekor lookup, which was not allowed (--allow-network-tlog)", errNotCheckable, tag.TagStr())
	}
	return Result{}, errors.New(strings.Join(reasons, "; "))
}

// legacySignatures reads the layers of a sha256-<hex>.sig tag through
// cosign's reader, to tell an absent tag and unbundled keyless layers
// apart; their checks are cosign's.
func legacySignatures(tag name.Tag, ro []remote.Option) ([]oci.Signature, error) {
	s, err := ociremote.Signatures(tag, ociremote.WithRemoteOptions(ro...))
	var nf *ociremote.EntityNotFoundError
	if errors.As(err, &nf) {
		return nil, errNoLegacy
	}
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", tag.TagStr(), err)
	}
	all, err := s.Get()
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", tag.TagStr(), err)
	}
	// cosign's reader answers an absent tag with an empty set.
	if len(all) == 0 {
		return nil, errNoLegacy
	}
	if len(all) > maxOCISignatures {
		return nil, fmt.Errorf("%s holds %d signatures, more than %d", tag.TagStr(), len(all), maxOCISignatures)
	}
	return all, nil
}

// withinCap refuses a signature or attestation layer whose manifest states
// more than max bytes, before anything reads it (cosign's own cap is 128
// MiB a layer).
func withinCap(s oci.Signature, max int64) error {
	size, err := s.Size()
	if err != nil {
		return fmt.Errorf("layer size: %w", err)
	}
	if size < 0 || size > max {
		d, _ := s.Digest()
		return fmt.Errorf("layer %s states %d bytes, over the cap of %d", d, size, max)
	}
	return nil
}

// allButLog checks a keyless signature or attestation without a Rekor
// bundle as far as it can be checked offline: the certificate chains to
// the trusted root (at its own issue time: without a log entry there is no
// signing time) and names the required identity, and the signature and
// its claims verify under the certificate's key. What passes could be
// genuine and is not-checked; what fails is a forgery whatever Rekor holds.
func allButLog(ctx context.Context, s oci.Signature, d v1.Hash, co *cosign.CheckOpts, attestation bool) error {
	cert, err := s.Cert()
	if err != nil || cert == nil {
		return fmt.Errorf("certificate: %v", err)
	}
	v, err := cosign.ValidateAndUnpackCert(cert, co)
	if err != nil {
		return err
	}
	c := *co
	c.SigVerifier, c.IgnoreTlog, c.Offline, c.RekorClient = v, true, true, nil
	if attestation {
		_, _, err = cosign.VerifyImageAttestation(ctx, oneSignature{s: s}, d, &c)
	} else {
		_, err = cosign.VerifyImageSignature(ctx, s, d, &c)
	}
	return err
}

// allKeylessWithoutBundle says whether every signature carries a
// certificate and no Rekor bundle: what cosign checks only online.
func allKeylessWithoutBundle(sigs []oci.Signature) bool {
	for _, s := range sigs {
		c, err := s.Cert()
		if err != nil || c == nil {
			return false
		}
		if b, err := s.Bundle(); err != nil || b != nil {
			return false
		}
	}
	return len(sigs) > 0
}

// legacyResult describes a signature cosign verified.
func legacyResult(method string, tag name.Tag, s oci.Signature) Result {
	r := Result{Status: Verified, Method: method, Signature: tag.String()}
	if d, err := s.Digest(); err == nil {
		r.SignatureSHA256 = d.Hex
	}
	if c, err := s.Cert(); err == nil && c != nil && method != "cosign-legacy-key" {
		ce := cosign.CertExtensions{Cert: c}
		r.Identity, r.Issuer = certSubject(c), ce.GetIssuer()
	}
	if b, err := s.Bundle(); err == nil && b != nil {
		i := b.Payload.LogIndex
		r.LogIndex = &i
		r.SignedAt = time.Unix(b.Payload.IntegratedTime, 0).UTC().Format(time.RFC3339)
	}
	return r
}

// certSubject is a Fulcio certificate's identity: its first SAN.
func certSubject(c *x509.Certificate) string {
	if sans := cryptoutils.GetSubjectAlternateNames(c); len(sans) > 0 {
		return sans[0]
	}
	return ""
}
