package server

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/modelgate/modelgate/server/store"
)

const testSecret = "s3cret-token"

func readSample(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "testdata", "sample", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func testLogger(t testing.TB) *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// testConfig is a configuration with every source enabled and short
// timings.
func testConfig(t testing.TB) Config { return testConfigIn(t.TempDir()) }

// testConfigIn is testConfig with its data in dir.
func testConfigIn(dir string) Config {
	s := Source{Secret: testSecret}
	// The registries of tests listen on loopback, or are names in payloads.
	push := Source{Secret: testSecret, AllowedRegistries: testRegistries}
	return Config{
		AllowAddresses: []string{"127.0.0.0/8"},
		DataDir:        dir,
		Workers:        2,
		Poll:           50 * time.Millisecond,
		RetryBase:      100 * time.Millisecond,
		RetryMax:       time.Second,
		Lease:          30 * time.Second,
		ShutdownGrace:  2 * time.Second,
		Sources:        Sources{Distribution: push, Harbor: push, HuggingFace: s, API: s},
	}
}

// running is a server started by a test.
type running struct {
	srv  *Server
	url  string
	stop func() // cancels Run and waits for it
}

func listen(t testing.TB) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln
}

// start runs srv on ln until the test ends or stop is called.
func start(t testing.TB, srv *Server, ln net.Listener) *running {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx, ln) }()
	stopped := false
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("run: %v", err)
			}
		case <-time.After(20 * time.Second):
			t.Errorf("server did not stop")
		}
	}
	t.Cleanup(stop)
	return &running{srv: srv, url: "http://" + ln.Addr().String(), stop: stop}
}

func newServer(t testing.TB, cfg Config) *Server {
	t.Helper()
	srv, err := New(context.Background(), cfg, testLogger(t), "test")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv
}

// post sends body to url with headers and returns the status and body.
func post(t testing.TB, url, body string, hdr map[string]string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func bearer() map[string]string { return map[string]string{"Authorization": "Bearer " + testSecret} }

// waitDone waits until every job of digest has ended, and returns them.
func waitDone(t testing.TB, st store.Store, digest string, timeout time.Duration) []store.Job {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		jobs, err := st.ByDigest(context.Background(), digest, true)
		if err != nil {
			t.Fatal(err)
		}
		ended := len(jobs) > 0
		for _, j := range jobs {
			if j.State != store.Done && j.State != store.Failed {
				ended = false
			}
		}
		if ended {
			return jobs
		}
		if time.Now().After(deadline) {
			t.Fatalf("jobs of %s did not end within %v: %+v", digest, timeout, jobs)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// pushModel pushes an ORAS-style artifact whose one layer is data, titled
// title, and returns the manifest digest.
func pushModel(t testing.TB, host, repo, tag, title string, data []byte) string {
	t.Helper()
	return pushModelVariant(t, host, repo, tag, title, data, "")
}

// pushModelVariant is pushModel with variant, when not empty, annotated on
// the manifest: each variant is another manifest over the same layers.
func pushModelVariant(t testing.TB, host, repo, tag, title string, data []byte, variant string) string {
	t.Helper()
	m := v1.Manifest{ArtifactType: "application/vnd.unknown.artifact.v1"}
	if variant != "" {
		m.Annotations = map[string]string{"org.example.variant": variant}
	}
	return pushArtifact(t, host, repo, tag, "application/vnd.oci.image.layer.v1.tar", map[string]string{"org.opencontainers.image.title": title}, data, m)
}

// pushArtifact pushes under tag an OCI manifest, m completed with an empty
// config and one layer, data of media type mt annotated with ann, and
// returns the manifest digest.
func pushArtifact(t testing.TB, host, repo, tag string, mt types.MediaType, ann map[string]string, data []byte, m v1.Manifest) string {
	t.Helper()
	r, err := name.NewRepository(host + "/" + repo)
	if err != nil {
		t.Fatal(err)
	}
	cfg := []byte("{}")
	desc := func(mt types.MediaType, b []byte) v1.Descriptor {
		s := sha256.Sum256(b)
		return v1.Descriptor{MediaType: mt, Size: int64(len(b)), Digest: v1.Hash{Algorithm: "sha256", Hex: hex.EncodeToString(s[:])}}
	}
	for _, b := range [][]byte{cfg, data} {
		if err := remote.WriteLayer(r, static.NewLayer(b, "application/octet-stream")); err != nil {
			t.Fatalf("push blob: %v", err)
		}
	}
	l := desc(mt, data)
	l.Annotations = ann
	m.SchemaVersion, m.MediaType = 2, types.OCIManifestSchema1
	m.Config, m.Layers = desc("application/vnd.oci.empty.v1+json", cfg), []v1.Descriptor{l}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Put(r.Tag(tag), rawManifestT{b}); err != nil {
		t.Fatalf("push manifest: %v", err)
	}
	s := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(s[:])
}

type rawManifestT struct{ b []byte }

func (r rawManifestT) RawManifest() ([]byte, error) { return r.b, nil }
func (r rawManifestT) MediaType() (types.MediaType, error) {
	return types.OCIManifestSchema1, nil
}

var testRegistries = []string{"127.0.0.1", "reg.test", "registry.test", "harbor.test", "reg"}
