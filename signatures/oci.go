package signatures

import (
	"context"
	"crypto/ecdsa"
	"crypto/sha256"
	"encoding/base64"
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
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
	protobundle "github.com/sigstore/protobuf-specs/gen/pb-go/bundle/v1"
	"github.com/sigstore/sigstore-go/pkg/bundle"
	"github.com/sigstore/sigstore-go/pkg/root"
	"github.com/sigstore/sigstore-go/pkg/verify"
	"github.com/sigstore/sigstore/pkg/signature"
	"google.golang.org/protobuf/encoding/protojson"
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
	cosignCertAnnotation      = "dev.sigstore.cosign/certificate"
)

// Caps on what a registry may hand the verifier.
const (
	maxOCISignatures = 64
	maxPayloadBytes  = 1 << 20
)

// OCIOptions say how to reach the registry; the trust options are
// Options' Identity/Issuer/TrustedRoot (keyless) and PublicKey (key).
type OCIOptions struct {
	Remote []remote.Option
}

// VerifyOCI checks cosign signatures on the OCI artifact ref: Sigstore
// bundles attached as referrers (key or keyless), then signatures under the
// legacy sha256-<hex>.sig tag (key, or keyless with the Fulcio certificate
// and Rekor SET annotations, verified offline against the trust root).
// The first signature that verifies makes the artifact verified; a legacy
// keyless signature without a Rekor bundle annotation, or with a Rekor entry
// kind other than hashedrekord, is not-checked unless another one failed.
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

	idx, err := remote.Referrers(dig, ro...)
	if err != nil {
		return Result{Status: NotChecked, RootDigest: res.RootDigest, Reason: fmt.Sprintf("list referrers: %v", err)}
	}
	im, err := idx.IndexManifest()
	if err != nil {
		return Result{Status: NotChecked, RootDigest: res.RootDigest, Reason: fmt.Sprintf("referrers index: %v", err)}
	}
	seen := 0
	for _, d := range im.Manifests {
		// Some registries report the config media type (the OCI empty
		// descriptor) instead of the manifest's artifactType.
		if d.ArtifactType != BundleArtifactType && d.ArtifactType != "" && d.ArtifactType != emptyConfigType {
			continue
		}
		if seen++; seen > maxOCISignatures {
			break
		}
		r, err := verifyReferrerBundle(nr.Context(), d, raw, opts, ro)
		switch {
		case err == nil:
			r.RootDigest = res.RootDigest
			return r
		case !errors.Is(err, errNotBundle):
			reasons = append(reasons, err.Error())
		}
	}

	legacy, err := verifyLegacyTag(nr.Context(), d, opts, ro)
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

// manifestDigest is the digest whose signatures are checked: the digest a
// by-digest reference names, as given, or for a tag the SHA-256 of the
// manifest bytes received. A Docker-Content-Digest header is never
// trusted: a registry that answers HEAD with a signed digest and GET with
// another manifest must not get the other manifest verified.
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

func verifyReferrerBundle(repo name.Repository, d v1.Descriptor, subject []byte, opts Options, ro []remote.Option) (Result, error) {
	m, err := remote.Get(repo.Digest(d.Digest.String()), ro...)
	if err != nil {
		return Result{}, fmt.Errorf("fetch bundle referrer: %w", err)
	}
	var man struct {
		v1.Manifest
		ArtifactType string `json:"artifactType"`
	}
	if err := json.Unmarshal(m.Manifest, &man); err != nil {
		return Result{}, fmt.Errorf("bundle referrer manifest: %w", err)
	}
	if man.ArtifactType != BundleArtifactType && (len(man.Layers) == 0 || string(man.Layers[0].MediaType) != BundleArtifactType) {
		return Result{}, errNotBundle
	}
	if len(man.Layers) != 1 {
		return Result{}, fmt.Errorf("bundle referrer has %d layers, want 1", len(man.Layers))
	}
	data, err := readBlob(repo, man.Layers[0].Digest, maxSignatureBytes, ro)
	if err != nil {
		return Result{}, err
	}
	var pb protobundle.Bundle
	if err := protojson.Unmarshal(data, &pb); err != nil {
		return Result{}, fmt.Errorf("referrer is not a Sigstore bundle: %w", err)
	}
	b, err := bundle.NewBundle(&pb)
	if err != nil {
		return Result{}, fmt.Errorf("invalid Sigstore bundle: %w", err)
	}
	sum := sha256.Sum256(data)
	res := Result{Status: Verified, Signature: repo.Digest(d.Digest.String()).String(), SignatureSHA256: hex.EncodeToString(sum[:])}
	policy := []verify.PolicyOption{}
	var verifier *verify.Verifier
	if pb.GetVerificationMaterial().GetPublicKey() != nil {
		res.Method = "cosign-bundle-key"
		if opts.PublicKey == nil {
			return Result{}, errors.New("bundle signed with a key, and no public key was given")
		}
		h, err := curveHash(opts.PublicKey)
		if err != nil {
			return Result{}, err
		}
		sv, err := signature.LoadVerifier(opts.PublicKey, h)
		if err != nil {
			return Result{}, fmt.Errorf("load public key: %w", err)
		}
		tm := root.NewTrustedPublicKeyMaterial(func(string) (root.TimeConstrainedVerifier, error) {
			return root.NewExpiringKey(sv, time.Time{}, time.Time{}), nil
		})
		if verifier, err = verify.NewVerifier(tm, verify.WithNoObserverTimestamps()); err != nil {
			return Result{}, err
		}
		policy = append(policy, verify.WithKey())
	} else {
		res.Method = "cosign-bundle-keyless"
		if !hasKeylessPolicy(opts) {
			return Result{}, errors.New("keyless bundle needs a required identity and issuer")
		}
		tm, requireSCT, err := keylessTrust(opts)
		if err != nil {
			return Result{}, err
		}
		vo := []verify.VerifierOption{verify.WithTransparencyLog(1), verify.WithObserverTimestamps(1)}
		if requireSCT {
			vo = append(vo, verify.WithSignedCertificateTimestamps(1))
		}
		if verifier, err = verify.NewVerifier(tm, vo...); err != nil {
			return Result{}, err
		}
		id, err := certificateIdentity(opts)
		if err != nil {
			return Result{}, fmt.Errorf("identity policy: %w", err)
		}
		policy = append(policy, verify.WithCertificateIdentity(id))
	}
	out, err := verifier.Verify(b, verify.NewPolicy(verify.WithArtifactDigest("sha256", subject), policy...))
	if err != nil {
		return Result{}, fmt.Errorf("bundle referrer rejected: %v", err)
	}
	if c := out.Signature.Certificate; c != nil {
		res.Identity, res.Issuer = c.SubjectAlternativeName, c.Issuer
	}
	for _, ts := range out.VerifiedTimestamps {
		res.SignedAt = ts.Timestamp.UTC().Format(time.RFC3339)
	}
	if entries, err := b.TlogEntries(); err == nil && len(entries) > 0 {
		i := entries[0].LogIndex()
		res.LogIndex = &i
	}
	if st := out.Statement; st != nil {
		res.Predicate = st.GetPredicateType()
	}
	return res, nil
}

// simpleSigning is the part of a cosign Simple Signing payload that binds
// it to a manifest.
type simpleSigning struct {
	Critical struct {
		Image struct {
			Digest string `json:"docker-manifest-digest"`
		} `json:"image"`
		Type string `json:"type"`
	} `json:"critical"`
}

func verifyLegacyTag(repo name.Repository, d v1.Hash, opts Options, ro []remote.Option) (Result, error) {
	tag := repo.Tag(legacyTag(d))
	img, err := remote.Image(tag, ro...)
	var terr *transport.Error
	if errors.As(err, &terr) && terr.StatusCode == 404 {
		return Result{}, errNoLegacy
	}
	if err != nil {
		return Result{}, fmt.Errorf("fetch %s: %w", tag.TagStr(), err)
	}
	man, err := img.Manifest()
	if err != nil {
		return Result{}, fmt.Errorf("signature manifest: %w", err)
	}
	var reasons []string
	// checkable says whether some layer failed a check, rather than every
	// layer being one this build cannot check offline.
	checkable := false
	for i, l := range man.Layers {
		if i >= maxOCISignatures {
			break
		}
		if string(l.MediaType) != SimpleSigningMediaType {
			continue
		}
		// A layer with a certificate is keyless unless only a key was
		// given, in which case the key is checked against the signature as
		// cosign verify --key does.
		if _, keyless := l.Annotations[cosignCertAnnotation]; keyless && (opts.PublicKey == nil || hasKeylessPolicy(opts)) {
			r, err := verifyLegacyKeyless(repo, l, d, opts, ro)
			if err != nil {
				checkable = checkable || !errors.Is(err, errNotCheckable)
				reasons = append(reasons, err.Error())
				continue
			}
			r.Signature = tag.String()
			return r, nil
		}
		checkable = true
		if opts.PublicKey == nil {
			reasons = append(reasons, "legacy signature needs a public key")
			continue
		}
		if err := checkSimpleSigning(repo, l, d, opts.PublicKey, ro); err != nil {
			reasons = append(reasons, err.Error())
			continue
		}
		return Result{Status: Verified, Method: "cosign-legacy-key", Signature: tag.String(), SignatureSHA256: l.Digest.Hex}, nil
	}
	if len(reasons) == 0 {
		return Result{}, fmt.Errorf("%s holds no signature layer", tag.TagStr())
	}
	if !checkable {
		return Result{}, notCheckable("%s", strings.Join(reasons, "; "))
	}
	return Result{}, errors.New(strings.Join(reasons, "; "))
}

func checkSimpleSigning(repo name.Repository, l v1.Descriptor, d v1.Hash, pub any, ro []remote.Option) error {
	sig, err := base64.StdEncoding.DecodeString(l.Annotations[CosignSignatureAnnotation])
	if err != nil || len(sig) == 0 {
		return errors.New("legacy signature layer has no base64 signature annotation")
	}
	payload, err := readBlob(repo, l.Digest, maxPayloadBytes, ro)
	if err != nil {
		return err
	}
	ec, ok := pub.(*ecdsa.PublicKey)
	if !ok {
		return fmt.Errorf("%T keys are not supported for cosign signatures", pub)
	}
	h, err := curveHash(ec)
	if err != nil {
		return err
	}
	if !ecdsa.VerifyASN1(ec, digestWith(h, payload), sig) {
		return errors.New("legacy signature does not verify with the given public key")
	}
	return checkPayloadDigest(payload, d)
}
