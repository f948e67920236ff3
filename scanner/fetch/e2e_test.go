package fetch_test

import (
	"bytes"
	"context"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	_ "github.com/modelgate/modelgate/formats/all"
	"github.com/modelgate/modelgate/internal/registrytest"
	"github.com/modelgate/modelgate/scanner"
	"github.com/modelgate/modelgate/scanner/fetch"
	_ "github.com/modelgate/modelgate/scanner/fetch/all"
	"github.com/modelgate/modelgate/scanner/fetch/internal/fetchtest"
)

const commit = "89abcdef0123456789abcdef0123456789abcdef"

// TestScanEveryTargetKind runs the engine over a target of each kind, in
// default and quick mode, and checks that a lying origin never yields a
// clean file.
func TestScanEveryTargetKind(t *testing.T) {
	t.Setenv("HF_TOKEN", "")
	t.Setenv("HF_HOME", t.TempDir())
	t.Setenv("HF_HUB_CACHE", "")
	readme := []byte(strings.Repeat("a plain text file\n", 5000))

	hub := fetchtest.NewHub("org/model", commit,
		fetchtest.HubFile{Name: "README.md", Body: readme, LFS: true},
		fetchtest.HubFile{Name: "lies.txt", Body: readme, LFS: true, SHA256: strings.Repeat("0", 64)},
		fetchtest.HubFile{Name: "short.txt", Body: readme, LFS: true, Short: 100},
	)
	defer hub.Close()

	reg := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	defer reg.Close()
	host := strings.TrimPrefix(reg.URL, "http://")
	fetchtest.Push(t, host, "org/model", "latest", fetchtest.Artifact{
		ConfigMediaType: "application/vnd.cncf.model.config.v1+json",
		Layers: []fetchtest.Layer{{MediaType: "application/vnd.cncf.model.doc.v1.raw", Data: readme,
			Annotations: map[string]string{"org.cncf.model.filepath": "README.md"}}},
	})

	s3 := fetchtest.StartS3(t, "models", map[string][]byte{"m/README.md": readme})

	web := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.ServeContent(w, r, "README.md", time.Time{}, bytes.NewReader(readme))
	}))
	defer web.Close()

	opts := fetch.Options{HFEndpoint: hub.API.URL, Endpoint: s3}
	targets := []string{"hf://org/model", "oci://" + host + "/org/model:latest", "s3://models/m", web.URL + "/files/README.md"}
	for _, quick := range []bool{false, true} {
		var ts []scanner.Target
		for _, target := range targets {
			o := opts
			o.Quick = quick
			src, err := fetch.Open(context.Background(), target, o)
			if err != nil {
				t.Fatalf("open %s: %v", target, err)
			}
			ts = append(ts, scanner.Target{Name: target, Source: src})
		}
		rep, err := scanner.Scan(context.Background(), ts, scanner.Options{Quick: quick})
		if err != nil {
			t.Fatal(err)
		}
		if len(rep.Files) != 6 {
			t.Fatalf("quick=%v: %d files scanned, want 6: %v", quick, len(rep.Files), rep.Errors)
		}
		for _, f := range rep.Files {
			rules := []string{}
			for _, fd := range f.Findings {
				rules = append(rules, fd.Rule)
			}
			switch {
			case strings.HasSuffix(f.Path, "lies.txt"):
				if quick && f.Outcome == scanner.Clean {
					// Quick mode trusts the origin's digest by contract;
					// the report says so.
					if !f.SHA256FromOrigin {
						t.Errorf("quick: %s: digest not marked as the origin's", f.Path)
					}
				} else if !quick && (f.Outcome != scanner.Findings || !strings.Contains(strings.Join(rules, ","), "MG005")) {
					t.Errorf("%s: %s %v, want an MG005 finding", f.Path, f.Outcome, rules)
				}
			case strings.HasSuffix(f.Path, "short.txt"):
				if !quick && f.Outcome != scanner.Inconclusive {
					t.Errorf("%s: %s, want inconclusive for a short body", f.Path, f.Outcome)
				}
			default:
				if f.Outcome != scanner.Skipped || f.Error != "" {
					t.Errorf("quick=%v: %s: %s %v %s", quick, f.Path, f.Outcome, rules, f.Error)
				}
			}
		}
	}
}

func TestKeep(t *testing.T) {
	t.Setenv("HF_TOKEN", "")
	t.Setenv("HF_HOME", t.TempDir())
	t.Setenv("HF_HUB_CACHE", "")
	body := []byte(strings.Repeat("k", 300_000))
	hub := fetchtest.NewHub("org/model", commit,
		fetchtest.HubFile{Name: "a/b.bin", Body: body, LFS: true},
		fetchtest.HubFile{Name: "lies.bin", Body: body, LFS: true, SHA256: strings.Repeat("1", 64)},
		fetchtest.HubFile{Name: "../up.bin", Body: body, LFS: true},
	)
	defer hub.Close()
	dir := filepath.Join(t.TempDir(), "keep")
	src, err := fetch.Open(context.Background(), "hf://org/model", fetch.Options{HFEndpoint: hub.API.URL, Keep: dir})
	if err != nil {
		t.Fatal(err)
	}
	if fetch.PinnedRef(src) == "" {
		t.Error("Keep hid the pinned reference")
	}
	src.Walk(context.Background(), func(f fetch.File) error {
		rc, err := f.Open(context.Background())
		if err != nil {
			return nil
		}
		buf := make([]byte, 100)
		rc.ReadAt(buf, 0) // a quick scan reads a header only
		rc.Close()
		return nil
	})
	if got, err := os.ReadFile(filepath.Join(dir, "a", "b.bin")); err != nil || !bytes.Equal(got, body) {
		t.Errorf("a/b.bin not kept whole: %d bytes, %v", len(got), err)
	}
	var names []string
	filepath.WalkDir(filepath.Dir(dir), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			names = append(names, p)
		}
		return nil
	})
	if len(names) != 1 {
		t.Errorf("kept %v; want only a/b.bin (no file with a wrong digest, nothing outside the directory)", names)
	}
}

// TestIndexChildren: an index's nested index is scanned, and a child of a
// type the scanner does not read ends the scan without a verdict, naming
// it, instead of being passed over (real Distribution registry).
func TestIndexChildren(t *testing.T) {
	host := registrytest.Start(t)
	evil, err := os.ReadFile("../../testdata/sample/evil.pkl")
	if err != nil {
		t.Fatal(err)
	}
	push := func(tag string, data []byte) v1.Descriptor {
		fetchtest.Push(t, host, "models/idx", tag, fetchtest.Artifact{
			ArtifactType: "application/vnd.unknown.artifact.v1", ConfigMediaType: "application/vnd.oci.empty.v1+json",
			Layers: []fetchtest.Layer{{MediaType: "application/vnd.oci.image.layer.v1.tar", Data: data, Annotations: map[string]string{"org.opencontainers.image.title": "model.pkl"}}},
		})
		ref, err := name.ParseReference(host + "/models/idx:" + tag)
		if err != nil {
			t.Fatal(err)
		}
		d, err := remote.Head(ref)
		if err != nil {
			t.Fatal(err)
		}
		return fetchtest.Manifest(d.Digest.String(), d.Size, string(d.MediaType))
	}
	benign := push("benign", []byte("\x80\x04K\x01."))
	bad := push("evil", evil)
	nd, ns := fetchtest.PushIndex(t, host, "models/idx", "nested", bad)
	odd := fetchtest.Manifest(benign.Digest.String(), benign.Size, "application/vnd.example.odd+json")
	fetchtest.PushIndex(t, host, "models/idx", "v1", benign, fetchtest.Manifest(nd, ns, "application/vnd.oci.image.index.v1+json"), odd)

	target := "oci://" + host + "/models/idx:v1"
	src, err := fetch.Open(context.Background(), target, fetch.Options{})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := scanner.Scan(context.Background(), []scanner.Target{{Name: target, Source: src}}, scanner.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var found, named bool
	for _, f := range rep.Files {
		found = found || f.Outcome == scanner.Findings && strings.Contains(f.Path, bad.Digest.Hex[:12])
		named = named || f.Outcome == scanner.Inconclusive && strings.Contains(f.Error, "application/vnd.example.odd+json")
	}
	if !found || !named || rep.Summary.Verdict == "pass" {
		for _, f := range rep.Files {
			t.Logf("%s: %s %s", f.Path, f.Outcome, f.Error)
		}
		t.Fatalf("verdict %s; nested index scanned: %v; odd child named: %v", rep.Summary.Verdict, found, named)
	}
}
