package fetchtest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

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

// DistributionBinary is where Debian's docker-registry package installs
// the CNCF Distribution registry.
const DistributionBinary = "/usr/bin/docker-registry"

// StartDistribution runs the CNCF Distribution registry on a free
// loopback port with storage in a temporary directory and returns its
// host:port, or "" when the binary is absent (the caller skips what needs
// it).
func StartDistribution(t testing.TB) string {
	t.Helper()
	if _, err := os.Stat(DistributionBinary); err != nil {
		t.Logf("%s not installed (Debian package docker-registry): skipping the Distribution registry", DistributionBinary)
		return ""
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	dir := t.TempDir()
	cfg := fmt.Sprintf(`version: 0.1
log:
  level: error
storage:
  filesystem:
    rootdirectory: %s
  delete:
    enabled: true
http:
  addr: %s
`, filepath.Join(dir, "data"), addr)
	cfgPath := filepath.Join(dir, "config.yml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(DistributionBinary, "serve", cfgPath)
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return addr
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("docker-registry did not start: %s", logs.String())
	return ""
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
