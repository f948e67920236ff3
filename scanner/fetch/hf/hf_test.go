package hf

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/modelgate/modelgate/scanner/fetch"
	"github.com/modelgate/modelgate/scanner/fetch/internal/fetchtest"
)

const commit = "0123456789abcdef0123456789abcdef01234567"

func TestParseRef(t *testing.T) {
	t.Setenv("HF_ENDPOINT", "")
	tests := []struct {
		in                  string
		endpoint, repo, rev string
		path                string
		usage               bool
	}{
		{in: "hf://org/model", endpoint: DefaultEndpoint, repo: "org/model", rev: "main"},
		{in: "hf://org/model@v1.0", endpoint: DefaultEndpoint, repo: "org/model", rev: "v1.0"},
		{in: "hf://org/model@" + commit + "/sub/model.safetensors", endpoint: DefaultEndpoint, repo: "org/model", rev: commit, path: "sub/model.safetensors"},
		{in: "https://huggingface.co/org/model", endpoint: "https://huggingface.co", repo: "org/model", rev: "main"},
		{in: "https://huggingface.co/org/model/tree/dev/onnx", endpoint: "https://huggingface.co", repo: "org/model", rev: "dev", path: "onnx"},
		{in: "https://huggingface.co/org/model/resolve/main/pytorch_model.bin", endpoint: "https://huggingface.co", repo: "org/model", rev: "main", path: "pytorch_model.bin"},
		{in: "https://huggingface.co/org/model/blob/main/a/b.pt", endpoint: "https://huggingface.co", repo: "org/model", rev: "main", path: "a/b.pt"},
		{in: "hf://org", usage: true},
		{in: "hf://org/model@", usage: true},
		{in: "hf://org/model/../../etc/passwd", usage: true},
		{in: "https://huggingface.co/org/model/discussions", usage: true},
	}
	for _, tt := range tests {
		r, err := ParseRef(tt.in, "")
		if tt.usage {
			if _, ok := err.(*fetch.ErrUsage); !ok {
				t.Errorf("ParseRef(%q) = %+v, %v; want a usage error", tt.in, r, err)
			}
			continue
		}
		if err != nil || r.Endpoint != tt.endpoint || r.Repo != tt.repo || r.Revision != tt.rev || r.Path != tt.path {
			t.Errorf("ParseRef(%q) = %+v, %v", tt.in, r, err)
		}
	}
}

func TestTokenPrecedence(t *testing.T) {
	home := t.TempDir()
	os.WriteFile(filepath.Join(home, "token"), []byte("from-file\n"), 0o600)
	t.Setenv("HF_HOME", home)
	t.Setenv("HF_TOKEN_PATH", "")
	for _, tt := range []struct{ hf, legacy, want string }{
		{"a", "b", "a"}, {"", "b", "b"}, {"", "", "from-file"},
	} {
		t.Setenv("HF_TOKEN", tt.hf)
		t.Setenv("HUGGING_FACE_HUB_TOKEN", tt.legacy)
		if got := Token(); got != tt.want {
			t.Errorf("Token() with HF_TOKEN=%q legacy=%q = %q, want %q", tt.hf, tt.legacy, got, tt.want)
		}
	}
}

func isolate(t *testing.T, token string) {
	t.Setenv("HF_TOKEN", token)
	t.Setenv("HUGGING_FACE_HUB_TOKEN", "")
	t.Setenv("HF_HOME", t.TempDir())
	t.Setenv("HF_HUB_CACHE", "")
	t.Setenv("HF_ENDPOINT", "")
}

func readAll(t *testing.T, f fetch.File) []byte {
	t.Helper()
	rc, err := f.Open(context.Background())
	if err != nil {
		t.Fatalf("open %s: %v", f.Rel, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(io.NewSectionReader(rc, 0, f.Size))
	if err != nil {
		t.Fatalf("read %s: %v", f.Rel, err)
	}
	return b
}

func walk(t *testing.T, src fetch.Source) map[string]fetch.File {
	t.Helper()
	files := map[string]fetch.File{}
	if err := src.Walk(context.Background(), func(f fetch.File) error { files[f.Rel] = f; return nil }); err != nil {
		t.Fatal(err)
	}
	return files
}

func TestOpenPinsListsAndServes(t *testing.T) {
	isolate(t, "hf_secret")
	weights := []byte(strings.Repeat("weights!", 50_000))
	hub := fetchtest.NewHub("org/model", commit,
		fetchtest.HubFile{Name: "config.json", Body: []byte(`{"model_type":"bert"}`)},
		fetchtest.HubFile{Name: "sub/model.safetensors", Body: weights, LFS: true},
	)
	defer hub.Close()
	hub.Token = "hf_secret"

	src, err := fetch.Open(context.Background(), "hf://org/model", fetch.Options{HFEndpoint: hub.API.URL})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := fetch.PinnedRef(src), "hf://org/model@"+commit; got != want {
		t.Errorf("pinned %q, want %q", got, want)
	}
	files := walk(t, src)
	if len(files) != 2 {
		t.Fatalf("files %v", files)
	}
	sum := sha256.Sum256(weights)
	w := files["sub/model.safetensors"]
	if w.Digest != "sha256:"+hex.EncodeToString(sum[:]) || w.Size != int64(len(weights)) {
		t.Errorf("weights listed as %+v", w)
	}
	if files["config.json"].Digest != "" {
		t.Errorf("a git file has no sha256 to state, got %q", files["config.json"].Digest)
	}
	if got := readAll(t, w); string(got) != string(weights) {
		t.Error("weights differ")
	}
	if got := readAll(t, files["config.json"]); string(got) != `{"model_type":"bert"}` {
		t.Errorf("config = %q", got)
	}
	if hub.Leaked.Load() != 0 {
		t.Errorf("the token reached the CDN host %d times", hub.Leaked.Load())
	}
	if hub.CDNReqs.Load() == 0 {
		t.Error("weights were not fetched from the CDN")
	}
}

func TestOpenSubpathAndURL(t *testing.T) {
	isolate(t, "")
	hub := fetchtest.NewHub("org/model", commit,
		fetchtest.HubFile{Name: "a/x.bin", Body: []byte("x")},
		fetchtest.HubFile{Name: "ab.bin", Body: []byte("y")},
	)
	defer hub.Close()
	src, err := fetch.Open(context.Background(), hub.API.URL+"/org/model/tree/"+commit+"/a", fetch.Options{})
	if err == nil {
		t.Fatalf("a loopback URL is not huggingface.co and should not parse as a repo tree: %v", src)
	}
	ref, err := ParseRef("hf://org/model@"+commit+"/a", hub.API.URL)
	if err != nil {
		t.Fatal(err)
	}
	s, err := OpenRef(context.Background(), ref, nil)
	if err != nil {
		t.Fatal(err)
	}
	files := walk(t, s)
	if len(files) != 1 || files["a/x.bin"].Size != 1 {
		t.Errorf("subpath a gave %v", files)
	}
}

func TestRefusals(t *testing.T) {
	isolate(t, "")
	hub := fetchtest.NewHub("org/model", commit, fetchtest.HubFile{Name: "m.bin", Body: []byte("m")})
	defer hub.Close()
	tests := []struct {
		name, target, want string
		setup              func()
	}{
		{"gated", "hf://org/model", "gated", func() { hub.Token = "needed" }},
		{"missing repo", "hf://org/other", "not found", func() { hub.Token = "" }},
		{"missing revision", "hf://org/model@nope", "not found", func() {}},
		{"missing file", "hf://org/model/nope.bin", "no file", func() {}},
		{"unavailable", "hf://org/model", "503", func() { hub.Unavailable.Store(100) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.setup()
			_, err := fetch.Open(context.Background(), tt.target, fetch.Options{HFEndpoint: hub.API.URL})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want it to mention %q", err, tt.want)
			}
		})
	}
}

func TestRateLimitIsRetried(t *testing.T) {
	isolate(t, "")
	hub := fetchtest.NewHub("org/model", commit, fetchtest.HubFile{Name: "m.bin", Body: []byte("m")})
	defer hub.Close()
	hub.TooMany.Store(1)
	start := time.Now()
	if _, err := fetch.Open(context.Background(), "hf://org/model", fetch.Options{HFEndpoint: hub.API.URL}); err != nil {
		t.Fatal(err)
	}
	if time.Since(start) < 900*time.Millisecond {
		t.Error("Retry-After: 1 was not honoured")
	}
}

func TestLyingHub(t *testing.T) {
	isolate(t, "")
	hub := fetchtest.NewHub("org/model", commit,
		fetchtest.HubFile{Name: "../escape.bin", Body: []byte("x")},
		fetchtest.HubFile{Name: "/abs.bin", Body: []byte("x")},
		fetchtest.HubFile{Name: "short.bin", Body: []byte(strings.Repeat("s", 100_000)), LFS: true, Short: 10},
	)
	defer hub.Close()
	src, err := fetch.Open(context.Background(), "hf://org/model", fetch.Options{HFEndpoint: hub.API.URL})
	if err != nil {
		t.Fatal(err)
	}
	files := walk(t, src)
	for _, n := range []string{"../escape.bin", "/abs.bin"} {
		if _, err := files[n].Open(context.Background()); err == nil || !strings.Contains(err.Error(), "unsafe") {
			t.Errorf("%s: open err = %v, want a refusal", n, err)
		}
	}
	rc, err := files["short.bin"].Open(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	if _, err := io.ReadAll(io.NewSectionReader(rc, 0, files["short.bin"].Size)); err == nil {
		t.Error("a short body read without error")
	}

	hub.LoopResolve = true
	rc, err = files["short.bin"].Open(context.Background())
	if err == nil {
		rc.Close()
		t.Fatal("a resolve redirect loop opened")
	}
	if !strings.Contains(err.Error(), "redirect") {
		t.Errorf("loop err = %v", err)
	}
}

func TestCacheIsUsed(t *testing.T) {
	isolate(t, "")
	body := []byte(strings.Repeat("c", 70_000))
	hub := fetchtest.NewHub("org/model", commit, fetchtest.HubFile{Name: "model.safetensors", Body: body, LFS: true})
	defer hub.Close()
	cache := t.TempDir()
	t.Setenv("HF_HUB_CACHE", cache)
	sum := sha256.Sum256(body)
	blobs := filepath.Join(cache, "models--org--model", "blobs")
	os.MkdirAll(blobs, 0o755)
	os.WriteFile(filepath.Join(blobs, hex.EncodeToString(sum[:])), body, 0o644)

	src, err := fetch.Open(context.Background(), "hf://org/model", fetch.Options{HFEndpoint: hub.API.URL})
	if err != nil {
		t.Fatal(err)
	}
	if got := readAll(t, walk(t, src)["model.safetensors"]); string(got) != string(body) {
		t.Error("cached blob differs")
	}
	if n := hub.CDNReqs.Load(); n != 0 {
		t.Errorf("the CDN was asked %d times for a cached blob", n)
	}
}

func FuzzParseRef(f *testing.F) {
	for _, s := range []string{"hf://org/model", "hf://org/model@rev/a/b", "https://huggingface.co/o/m/tree/main/x", "hf://o/m/../x", "hf://@/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRef(s, "http://hub")
		if err != nil {
			return
		}
		if r.Path != "" && !safeName(r.Path) {
			t.Errorf("%q gave unsafe path %q", s, r.Path)
		}
		if strings.Contains(r.Repo, "..") {
			t.Errorf("%q gave repo %q", s, r.Repo)
		}
	})
}

// TestEndpointUnderAPathPrefix reads a repository through a Hub API served
// under a path, as JFrog Artifactory serves a Hugging Face repository
// (HF_ENDPOINT=https://HOST/artifactory/api/huggingfaceml/REPO), with the
// Artifactory token as HF_TOKEN; the token stays off the download host.
func TestEndpointUnderAPathPrefix(t *testing.T) {
	isolate(t, "jfrog-identity-token")
	weights := []byte(strings.Repeat("weights!", 1000))
	hub := fetchtest.NewHub("org/model", commit,
		fetchtest.HubFile{Name: "config.json", Body: []byte(`{}`)},
		fetchtest.HubFile{Name: "model.safetensors", Body: weights, LFS: true},
	)
	defer hub.Close()
	hub.Token = "jfrog-identity-token"
	const prefix = "/artifactory/api/huggingfaceml/hf-remote"
	var outside atomic.Int32
	art := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, prefix+"/") {
			outside.Add(1)
			http.NotFound(w, r)
			return
		}
		http.StripPrefix(prefix, hub.API.Config.Handler).ServeHTTP(w, r)
	}))
	defer art.Close()

	for _, endpoint := range []string{art.URL + prefix, art.URL + prefix + "/"} {
		src, err := fetch.Open(context.Background(), "hf://org/model", fetch.Options{HFEndpoint: endpoint})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := fetch.PinnedRef(src), "hf://org/model@"+commit; got != want {
			t.Errorf("pinned %q, want %q", got, want)
		}
		files := walk(t, src)
		if got := readAll(t, files["model.safetensors"]); string(got) != string(weights) {
			t.Error("weights differ")
		}
		if got := readAll(t, files["config.json"]); string(got) != `{}` {
			t.Errorf("config = %q", got)
		}
	}
	if n := outside.Load(); n != 0 {
		t.Errorf("%d requests left the repository's path prefix", n)
	}
	if hub.Leaked.Load() != 0 {
		t.Errorf("the token reached the download host %d times", hub.Leaked.Load())
	}

	t.Setenv("HF_TOKEN", "")
	if _, err := fetch.Open(context.Background(), "hf://org/model", fetch.Options{HFEndpoint: art.URL + prefix}); err == nil || !strings.Contains(err.Error(), "set HF_TOKEN") {
		t.Errorf("without the token: %v, want a hint to set HF_TOKEN", err)
	}
}
