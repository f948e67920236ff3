// Package oci fetches model artifacts from OCI registries
// (oci://registry/repo:tag or @sha256:...): it resolves a tag to the
// manifest digest and pins it, understands CNCF ModelPack, KitOps
// ModelKit, Docker model, ORAS and plain image manifests and indexes of
// them (nested ones too; a child of another type becomes a file that
// cannot be read, naming it, never a silent skip), and exposes each
// layer as one file served by ranged blob reads and verified against the
// layer digest. A tar layer is exposed whole, named .tar, .tar.gz or
// .tar.zst, so the scan engine walks it as an archive in a stream; it is
// never unpacked, and nothing is written to disk.
package oci

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"path"
	"slices"
	"strings"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	ggcr "github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"

	"github.com/modelgate/modelgate/formats"
	"github.com/modelgate/modelgate/scanner/fetch"
	"github.com/modelgate/modelgate/scanner/fetch/remote"
)

func init() {
	fetch.RegisterScheme("oci", Open)
}

// Media types and annotations of the model artifact conventions.
const (
	ModelPackArtifact = "application/vnd.cncf.model.manifest.v1+json"
	ModelPackConfig   = "application/vnd.cncf.model.config.v1+json"
	KitOpsArtifact    = "application/vnd.kitops.modelkit.manifest.v1+json"
	KitOpsConfig      = "application/vnd.kitops.modelkit.config.v1+json"
	DockerModelConfig = "application/vnd.docker.ai.model.config.v0.2+json"

	AnnotationFilepath = "org.cncf.model.filepath"
	AnnotationTitle    = "org.opencontainers.image.title"
	AnnotationUnpack   = "io.deis.oras.content.unpack"
)

const (
	// maxManifests caps the manifests of an index that are followed.
	maxManifests = 64
	// maxLayers caps the layers of one manifest.
	maxLayers = 10_000
)

// Source is the pinned manifest (or index) of an OCI artifact.
type Source struct {
	pinned string
	kind   string
	files  []fetch.File
}

// Options for OpenRef; the zero value uses the Docker config keychain and
// the default transport.
type Options struct {
	Keychain  authn.Keychain
	Transport http.RoundTripper
	// Connections bounds the connections a layer is fetched over; 0 or
	// 1 means one.
	Connections int
}

// Open resolves an oci:// target to a pinned Source.
func Open(ctx context.Context, target string, opts fetch.Options) (fetch.Source, error) {
	ref, err := name.ParseReference(strings.TrimPrefix(target, "oci://"))
	if err != nil {
		return nil, fetch.Usagef("%s: want oci://registry/repository:tag or @sha256:<digest>: %v", target, err)
	}
	return OpenRef(ctx, ref, Options{Transport: opts.Transport, Connections: opts.Conns()})
}

// OpenRef resolves ref to its manifest digest and lists its layers.
func OpenRef(ctx context.Context, ref name.Reference, o Options) (*Source, error) {
	if o.Keychain == nil {
		o.Keychain = authn.DefaultKeychain
	}
	if o.Transport == nil {
		o.Transport = http.DefaultTransport
	}
	repo := ref.Context()
	auth, err := o.Keychain.Resolve(repo.Registry)
	if err != nil {
		return nil, fmt.Errorf("oci://%s: credentials: %w", ref, err)
	}
	ropts := []ggcr.Option{ggcr.WithContext(ctx), ggcr.WithAuth(auth), ggcr.WithTransport(o.Transport)}
	desc, err := ggcr.Get(ref, ropts...)
	if err != nil {
		return nil, fmt.Errorf("oci://%s: resolve: %w", ref, err)
	}
	tr, err := transport.NewWithContext(ctx, repo.Registry, auth, o.Transport, []string{repo.Scope(transport.PullScope)})
	if err != nil {
		return nil, fmt.Errorf("oci://%s: authenticate: %w", ref, err)
	}
	s := &Source{pinned: "oci://" + repo.Name() + "@" + desc.Digest.String()}
	blobs := &blobClient{http: remote.NewHTTP(tr), base: fmt.Sprintf("%s://%s/v2/%s/blobs/", repo.Registry.Scheme(), repo.RegistryStr(), repo.RepositoryStr()), display: "oci://" + repo.Name() + "@" + desc.Digest.String(), conns: o.Connections, budget: remote.SourceBudget(o.Connections)}

	if desc.MediaType.IsIndex() {
		s.kind = "index"
		followed := 0
		if err := s.addIndex(desc.Manifest, "", 0, &followed, repo, ropts, blobs); err != nil {
			return nil, err
		}
	} else if err := s.addManifest(desc.Manifest, "", blobs); err != nil {
		return nil, err
	}
	slices.SortFunc(s.files, func(a, b fetch.File) int { return strings.Compare(a.Rel, b.Rel) })
	return s, nil
}

// maxIndexDepth caps the nesting of indexes.
const maxIndexDepth = 4

// addIndex adds the files of every manifest an index lists: an image
// manifest's layers, a nested index's manifests in turn, and for a child
// of any other type a file that cannot be opened, naming it, so the scan
// ends without a verdict instead of passing over it.
func (s *Source) addIndex(raw []byte, prefix string, depth int, followed *int, repo name.Repository, ropts []ggcr.Option, blobs *blobClient) error {
	idx, err := v1.ParseIndexManifest(bytes.NewReader(raw))
	if err != nil {
		return fmt.Errorf("%s: parse index: %w", s.pinned, err)
	}
	for _, m := range idx.Manifests {
		if *followed++; *followed > maxManifests {
			return fmt.Errorf("%s: %w", s.pinned, &formats.LimitError{Limit: "oci-index-manifests", Max: maxManifests})
		}
		if m.Digest.Algorithm != "sha256" || len(m.Digest.Hex) != 64 {
			return fmt.Errorf("%s: index lists manifest digest %s, not a sha256 this scanner can verify", s.pinned, m.Digest)
		}
		sub := prefix + m.Digest.Hex[:12]
		if p := m.Platform; p != nil && p.OS != "" {
			sub = prefix + p.OS + "-" + p.Architecture + p.Variant + "-" + m.Digest.Hex[:12]
		}
		if !m.MediaType.IsImage() && !m.MediaType.IsIndex() || m.MediaType.IsIndex() && depth+1 >= maxIndexDepth {
			d, mt := m.Digest, m.MediaType
			s.files = append(s.files, fetch.File{Path: blobs.display + "/" + sub, Rel: sub, Digest: d.String(),
				Open: func(context.Context) (fetch.ReaderAtCloser, error) {
					return nil, fmt.Errorf("index lists manifest %s of media type %q, which this scanner does not read (nested %d deep at most): not scanned", d, mt, maxIndexDepth)
				}})
			continue
		}
		// By digest, ggcr checks the bytes against it.
		child, err := ggcr.Get(repo.Digest(m.Digest.String()), ropts...)
		if err != nil {
			return fmt.Errorf("%s: manifest %s: %w", s.pinned, m.Digest, err)
		}
		if m.MediaType.IsIndex() || child.MediaType.IsIndex() {
			err = s.addIndex(child.Manifest, sub+"/", depth+1, followed, repo, ropts, blobs)
		} else {
			err = s.addManifest(child.Manifest, sub+"/", blobs)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (s *Source) addManifest(raw []byte, prefix string, blobs *blobClient) error {
	m, err := v1.ParseManifest(bytes.NewReader(raw))
	if err != nil {
		return fmt.Errorf("%s: parse manifest: %w", s.pinned, err)
	}
	if len(m.Layers) > maxLayers {
		return fmt.Errorf("%s: %w", s.pinned, &formats.LimitError{Limit: "oci-layers", Max: maxLayers})
	}
	if s.kind == "" {
		s.kind = Kind(m)
	}
	seen := map[string]bool{}
	for _, f := range s.files {
		seen[f.Rel] = true
	}
	for i, l := range m.Layers {
		rel, ok := LayerName(l, i)
		rel = prefix + rel
		if seen[rel] {
			rel += "@" + l.Digest.Hex[:12]
		}
		seen[rel] = true
		f := fetch.File{Path: blobs.display + "/" + rel, Rel: rel, Size: l.Size, Digest: l.Digest.String()}
		d, size := l.Digest, l.Size
		switch {
		case !ok:
			raw := l.Annotations
			f.Open = func(context.Context) (fetch.ReaderAtCloser, error) {
				return nil, fmt.Errorf("layer %s names an unsafe path (%q); refusing it", d, raw[AnnotationFilepath]+raw[AnnotationTitle])
			}
		case d.Algorithm != "sha256" || len(d.Hex) != 64:
			f.Digest = ""
			f.Open = func(context.Context) (fetch.ReaderAtCloser, error) {
				return nil, fmt.Errorf("layer digest %s is not a sha256 this scanner can verify", d)
			}
		case size < 0 || size > remote.MaxFileSize:
			f.Open = func(context.Context) (fetch.ReaderAtCloser, error) {
				return nil, fmt.Errorf("layer %s states %d bytes: %w", d, size, &formats.LimitError{Limit: "remote-file-bytes", Max: remote.MaxFileSize})
			}
		default:
			f.Open = func(ctx context.Context) (fetch.ReaderAtCloser, error) {
				return remote.NewReaderAt(ctx, size, blobs.http.RangeOpener(blobs.base+d.String())).Parallel(blobs.conns, blobs.budget), nil
			}
		}
		s.files = append(s.files, f)
	}
	return nil
}

type blobClient struct {
	http    *remote.HTTP
	conns   int
	budget  *remote.Budget
	base    string
	display string
}

// Kind names the artifact convention a manifest follows: modelpack,
// kitops, docker-model, oras or image.
func Kind(m *v1.Manifest) string {
	cfg := string(m.Config.MediaType)
	switch {
	case m.ArtifactType == ModelPackArtifact || cfg == ModelPackConfig:
		return "modelpack"
	case m.ArtifactType == KitOpsArtifact || cfg == KitOpsConfig:
		return "kitops"
	case strings.HasPrefix(cfg, "application/vnd.docker.ai.model.config."):
		return "docker-model"
	case cfg == "application/vnd.oci.empty.v1+json" || cfg == "application/vnd.unknown.config.v1+json" || m.ArtifactType != "":
		return "oras"
	}
	return "image"
}

// LayerName is the path a layer is exposed under: its ModelPack or Docker
// file path annotation, else its ORAS title, else layers/<digest>; a
// layer whose media type says tar, tar+gzip or tar+zstd gets the matching
// extension so the engine walks it as an archive. ok is false when the
// annotated path is absolute or leaves the artifact.
func LayerName(l v1.Descriptor, i int) (rel string, ok bool) {
	mt := string(l.MediaType)
	n := l.Annotations[AnnotationFilepath]
	if n == "" {
		n = l.Annotations[AnnotationTitle]
	}
	ext := archiveExt(mt)
	if n != "" && l.Annotations[AnnotationFilepath] == "" && l.Annotations[AnnotationUnpack] != "true" &&
		(mt == "application/vnd.oci.image.layer.v1.tar" || !strings.HasPrefix(mt, "application/vnd.oci.image.layer.")) {
		// oras push labels any file "layer.v1.tar"; the title is the file.
		ext = ""
	}
	if n == "" {
		if d := dockerDefault(mt); d != "" {
			n = d
		} else {
			n = fmt.Sprintf("layers/%03d-%s", i, l.Digest.Hex)
		}
	}
	n = strings.TrimSuffix(n, "/")
	if n == "" || strings.ContainsAny(n, "\\\x00") || path.IsAbs(n) || path.Clean(n) != n || slices.Contains(strings.Split(n, "/"), "..") {
		return fmt.Sprintf("layers/%03d-%s%s", i, l.Digest.Hex, ext), false
	}
	if ext != "" && !strings.HasSuffix(n, ext) {
		n += ext
	}
	return n, true
}

func archiveExt(mt string) string {
	switch {
	case strings.HasSuffix(mt, "tar+gzip"), strings.HasSuffix(mt, ".tar.gzip"), strings.HasSuffix(mt, "tar.gzip"):
		return ".tar.gz"
	case strings.HasSuffix(mt, "tar+zstd"), strings.HasSuffix(mt, ".tar.zstd"):
		return ".tar.zst"
	case strings.HasSuffix(mt, ".tar"), strings.HasSuffix(mt, ".v1.tar"):
		return ".tar"
	}
	return ""
}

// dockerDefault names the Docker model layers that carry no path.
func dockerDefault(mt string) string {
	switch mt {
	case "application/vnd.docker.ai.gguf.v3":
		return "model.gguf"
	case "application/vnd.docker.ai.safetensors":
		return "model.safetensors"
	case "application/vnd.docker.ai.dduf":
		return "model.dduf"
	case "application/vnd.docker.ai.license":
		return "LICENSE"
	case "application/vnd.docker.ai.mmproj":
		return "model.mmproj"
	case "application/vnd.docker.ai.chat.template.jinja":
		return "template.jinja"
	}
	return ""
}

// Pinned implements fetch.Pinner.
func (s *Source) Pinned() string { return s.pinned }

// Kind is the artifact convention of the manifest (see the function Kind),
// or "index".
func (s *Source) Kind() string { return s.kind }

// Walk implements fetch.Source.
func (s *Source) Walk(ctx context.Context, fn func(fetch.File) error) error {
	for _, f := range s.files {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := fn(f); err != nil {
			return err
		}
	}
	return nil
}
