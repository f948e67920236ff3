package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/modelgate/modelgate/scanner"
	"github.com/modelgate/modelgate/scanner/bom"
	"github.com/modelgate/modelgate/signatures"
)

// Artifact types of the referrers the service attaches.
const (
	BOMArtifactType    = "application/vnd.cyclonedx+json"
	ReportArtifactType = "application/vnd.modelgate.report.v1+json"
	emptyConfigType    = "application/vnd.oci.empty.v1+json"
	// AnnotationVerdict carries the verdict on both referrers, so that a
	// registry policy can read it from the referrers list alone.
	AnnotationVerdict = "dev.modelgate.verdict"
	annotationTitle   = "org.opencontainers.image.title"
	// annotationFilepath is ModelPack's file path of a layer.
	annotationFilepath = "org.cncf.model.filepath"
)

// userAgent marks the service's own pushes in registry logs.
const userAgent = "modelgate-serve"

func (s *Server) remoteOptions(ctx context.Context) []remote.Option {
	return []remote.Option{remote.WithContext(ctx), remote.WithAuthFromKeychain(authn.DefaultKeychain), remote.WithUserAgent(userAgent), remote.WithTransport(s.transport)}
}

type rawManifest struct {
	b  []byte
	mt types.MediaType
}

func (r rawManifest) RawManifest() ([]byte, error)        { return r.b, nil }
func (r rawManifest) MediaType() (types.MediaType, error) { return r.mt, nil }

// attach pushes the BOM and the report as OCI 1.1 referrers of
// the pinned artifact; ggcr updates the sha256-<hex> referrers tag on
// registries without the referrers API. Indexes and artifacts that are
// themselves referrers get none, so that the service never attaches to
// its own output (which the registry announces as pushes too).
func (s *Server) attach(ctx context.Context, pinned string, bomJSON, reportJSON []byte) ([]string, error) {
	ref, err := name.NewDigest(strings.TrimPrefix(pinned, "oci://"))
	if err != nil {
		return nil, fmt.Errorf("referrers: %s is not a digest reference: %w", pinned, err)
	}
	opts := s.remoteOptions(ctx)
	desc, err := remote.Get(ref, opts...)
	if err != nil {
		return nil, fmt.Errorf("referrers: read subject %s: %w", ref, err)
	}
	if !desc.MediaType.IsImage() {
		return nil, nil
	}
	m, err := v1.ParseManifest(bytes.NewReader(desc.Manifest))
	if err != nil {
		return nil, fmt.Errorf("referrers: parse subject %s: %w", ref, err)
	}
	if m.Subject != nil || m.ArtifactType == BOMArtifactType || m.ArtifactType == ReportArtifactType {
		return nil, nil
	}
	verdict := verdictOf(reportJSON)
	subject := v1.Descriptor{MediaType: desc.MediaType, Digest: desc.Digest, Size: desc.Size}
	var out []string
	for _, a := range []struct {
		artifactType, title string
		data                []byte
	}{
		{BOMArtifactType, "modelgate.cdx.json", bomJSON},
		{ReportArtifactType, "modelgate-report.json", reportJSON},
	} {
		d, err := s.pushReferrer(ref.Context(), subject, a.artifactType, a.title, verdict, a.data, opts)
		if err != nil {
			return out, err
		}
		out = append(out, d)
	}
	return out, nil
}

// cosignLayerTypes are the layer media types of cosign's signatures,
// attestations and bundles: manifests made of them describe another
// artifact and get no attestations of their own (attesting them would
// announce another push to attest, without end).
var cosignLayerTypes = map[types.MediaType]bool{
	signatures.SimpleSigningMediaType:          true,
	"application/vnd.dsse.envelope.v1+json":    true,
	signatures.BundleArtifactType:              true,
	"application/vnd.dev.sigstore.bundle+json": true,
}

// isCosignManifest says whether m is cosign's: layers that are all of
// cosign's media types and name no file (a loader that writes layers out as
// files, ORAS or ModelPack, would write a titled one whatever its type).
func isCosignManifest(m *v1.Manifest) bool {
	if len(m.Layers) == 0 {
		return false
	}
	for _, l := range m.Layers {
		if !cosignLayerTypes[l.MediaType] || l.Annotations[annotationTitle] != "" || l.Annotations[annotationFilepath] != "" {
			return false
		}
	}
	return true
}

// passOverCosign drops the events of pushes to cosign-named tags whose
// manifest is cosign's (isCosignManifest): signatures and attestations,
// this service's own among them, are not models. Any other manifest
// under such a tag, or one that cannot be read, is scanned.
func (s *Server) passOverCosign(evs []event, ignored int) ([]event, int) {
	// One budget for the whole payload: past it, the rest are scanned.
	ctx, cancel := context.WithTimeout(context.Background(), cosignCheckTimeout)
	defer cancel()
	out := evs[:0:0]
	for _, ev := range evs {
		if ev.CosignTag && s.cosignManifest(ctx, ev.Target) {
			ignored++
			continue
		}
		out = append(out, ev)
	}
	return out, ignored
}

// cosignManifest reads the manifest target names (by digest) and says
// whether it is cosign's; false when it cannot be read.
func (s *Server) cosignManifest(ctx context.Context, target string) bool {
	ref, err := name.NewDigest(strings.TrimPrefix(target, "oci://"))
	if err != nil || ctx.Err() != nil {
		return false
	}
	desc, err := remote.Get(ref, s.remoteOptions(ctx)...)
	if err != nil || !desc.MediaType.IsImage() {
		return false
	}
	m, err := v1.ParseManifest(bytes.NewReader(desc.Manifest))
	return err == nil && isCosignManifest(m)
}

// cosignCheckTimeout bounds the manifest reads that decide, while the
// registry's webhook call waits, which pushes of a payload are cosign's.
const cosignCheckTimeout = 10 * time.Second

// attest attaches the scan's BOM and verdict to the pinned artifact as
// in-toto attestations signed with the configured key, under cosign's
// sha256-<hex>.att tag, and returns that tag. Artifacts attach skips, and
// cosign's own signatures and attestations, get none ("" and no error).
func (s *Server) attest(ctx context.Context, pinned string, rep *scanner.Report, bomJSON []byte) (string, error) {
	ref, err := name.NewDigest(strings.TrimPrefix(pinned, "oci://"))
	if err != nil {
		return "", fmt.Errorf("attest: %s is not a digest reference: %w", pinned, err)
	}
	opts := s.remoteOptions(ctx)
	desc, err := remote.Get(ref, opts...)
	if err != nil {
		return "", fmt.Errorf("attest: read subject %s: %w", ref, err)
	}
	if !desc.MediaType.IsImage() {
		return "", nil
	}
	m, err := v1.ParseManifest(bytes.NewReader(desc.Manifest))
	if err != nil {
		return "", fmt.Errorf("attest: parse subject %s: %w", ref, err)
	}
	if m.Subject != nil || m.ArtifactType == BOMArtifactType || m.ArtifactType == ReportArtifactType {
		return "", nil
	}
	for _, l := range m.Layers {
		if cosignLayerTypes[l.MediaType] {
			return "", nil
		}
	}
	stmts, err := bom.Statements(bomJSON, rep, ref.DigestStr())
	if err != nil {
		return "", fmt.Errorf("attest: %w", err)
	}
	if err := signatures.AttestOCI(ctx, ref, s.attestKey, stmts, opts); err != nil {
		return "", err
	}
	return ref.Context().Tag(strings.Replace(ref.DigestStr(), ":", "-", 1) + ".att").String(), nil
}

func verdictOf(reportJSON []byte) string {
	var r struct {
		Summary struct {
			Verdict string `json:"verdict"`
		} `json:"summary"`
	}
	_ = json.Unmarshal(reportJSON, &r)
	return r.Summary.Verdict
}

func (s *Server) pushReferrer(repo name.Repository, subject v1.Descriptor, artifactType, title, verdict string, data []byte, opts []remote.Option) (string, error) {
	cfg := []byte("{}")
	cfgLayer := static.NewLayer(cfg, emptyConfigType)
	layer := static.NewLayer(data, types.MediaType(artifactType))
	for _, l := range []v1.Layer{cfgLayer, layer} {
		if err := remote.WriteLayer(repo, l, opts...); err != nil {
			return "", fmt.Errorf("referrers: push %s blob to %s: %w", artifactType, repo, err)
		}
	}
	cd, _ := cfgLayer.Digest()
	ld, _ := layer.Digest()
	m := v1.Manifest{
		SchemaVersion: 2,
		MediaType:     types.OCIManifestSchema1,
		ArtifactType:  artifactType,
		Config:        v1.Descriptor{MediaType: emptyConfigType, Digest: cd, Size: int64(len(cfg)), Data: cfg},
		Layers:        []v1.Descriptor{{MediaType: types.MediaType(artifactType), Digest: ld, Size: int64(len(data)), Annotations: map[string]string{annotationTitle: title}}},
		Subject:       &subject,
		Annotations:   map[string]string{AnnotationVerdict: verdict},
	}
	raw, err := json.Marshal(m)
	if err != nil {
		return "", fmt.Errorf("referrers: encode manifest: %w", err)
	}
	h, _, err := v1.SHA256(bytes.NewReader(raw))
	if err != nil {
		return "", fmt.Errorf("referrers: %w", err)
	}
	if err := remote.Put(repo.Digest(h.String()), rawManifest{raw, types.OCIManifestSchema1}, opts...); err != nil {
		return "", fmt.Errorf("referrers: push %s manifest to %s: %w", artifactType, repo, err)
	}
	return h.String(), nil
}

func (s *Server) signatureConfigured() bool {
	c := s.cfg.Signature
	return c.PublicKey != "" || c.Identity != ""
}

// verifyOCI checks the cosign signature of a pinned OCI artifact against
// the configured key or keyless identity.
func (s *Server) verifyOCI(ctx context.Context, pinned string) (signatures.Result, error) {
	c := s.cfg.Signature
	o := signatures.Options{Identity: c.Identity, Issuer: c.Issuer}
	if c.PublicKey != "" {
		k, err := signatures.LoadPublicKey(c.PublicKey)
		if err != nil {
			return signatures.Result{}, fmt.Errorf("signature public key: %w", err)
		}
		o.PublicKey = k
	}
	return signatures.VerifyOCI(ctx, strings.TrimPrefix(pinned, "oci://"), o, signatures.OCIOptions{Remote: s.remoteOptions(ctx)}), nil
}
