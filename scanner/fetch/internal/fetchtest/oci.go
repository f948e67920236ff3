package fetchtest

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Layer is one layer of a pushed artifact.
type Layer struct {
	MediaType   string
	Data        []byte
	Annotations map[string]string
	// Size overrides the size the manifest states (a lying manifest).
	Size int64
}

// Artifact is a manifest to push.
type Artifact struct {
	ArtifactType    string
	ConfigMediaType string
	Config          []byte
	Layers          []Layer
}

type rawManifest struct {
	b  []byte
	mt types.MediaType
}

func (r rawManifest) RawManifest() ([]byte, error)        { return r.b, nil }
func (r rawManifest) MediaType() (types.MediaType, error) { return r.mt, nil }

// Push uploads a's blobs and manifest to host/repo:tag and returns the
// manifest digest.
func Push(t testing.TB, host, repo, tag string, a Artifact) string {
	t.Helper()
	r, err := name.NewRepository(host + "/" + repo)
	if err != nil {
		t.Fatal(err)
	}
	desc := func(mt string, b []byte) v1.Descriptor {
		s := sha256.Sum256(b)
		return v1.Descriptor{MediaType: types.MediaType(mt), Size: int64(len(b)), Digest: v1.Hash{Algorithm: "sha256", Hex: hex.EncodeToString(s[:])}}
	}
	if a.Config == nil {
		a.Config = []byte("{}")
	}
	m := v1.Manifest{SchemaVersion: 2, MediaType: types.OCIManifestSchema1, ArtifactType: a.ArtifactType, Config: desc(a.ConfigMediaType, a.Config)}
	for _, b := range append([][]byte{a.Config}, layerData(a.Layers)...) {
		if err := remote.WriteLayer(r, static.NewLayer(b, types.MediaType("application/octet-stream"))); err != nil {
			t.Fatalf("push blob: %v", err)
		}
	}
	for _, l := range a.Layers {
		d := desc(l.MediaType, l.Data)
		if l.Size != 0 {
			d.Size = l.Size
		}
		d.Annotations = l.Annotations
		m.Layers = append(m.Layers, d)
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Put(r.Tag(tag), rawManifest{b, types.OCIManifestSchema1}); err != nil {
		t.Fatalf("push manifest: %v", err)
	}
	s := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(s[:])
}

func layerData(ls []Layer) [][]byte {
	var out [][]byte
	for _, l := range ls {
		out = append(out, l.Data)
	}
	return out
}

// Manifest describes a pushed manifest as an index lists it; mediaType
// may say anything, so that an index can misdescribe a child.
func Manifest(digest string, size int64, mediaType string) v1.Descriptor {
	h, _ := v1.NewHash(digest)
	return v1.Descriptor{MediaType: types.MediaType(mediaType), Digest: h, Size: size}
}

// PushIndex uploads an OCI index of children to host/repo:tag and returns
// its digest.
func PushIndex(t testing.TB, host, repo, tag string, children ...v1.Descriptor) (string, int64) {
	t.Helper()
	r, err := name.NewRepository(host + "/" + repo)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(v1.IndexManifest{SchemaVersion: 2, MediaType: types.OCIImageIndex, Manifests: children})
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Put(r.Tag(tag), rawManifest{b, types.OCIImageIndex}); err != nil {
		t.Fatalf("push index: %v", err)
	}
	s := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(s[:]), int64(len(b))
}
