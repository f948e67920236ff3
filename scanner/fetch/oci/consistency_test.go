package oci

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"

	"github.com/modelgate/modelgate/internal/registrytest"
	"github.com/modelgate/modelgate/scanner/fetch"
	"github.com/modelgate/modelgate/scanner/fetch/internal/fetchtest"
	"github.com/modelgate/modelgate/scanner/fetch/remote"
)

// twoFaced fronts a registry and answers every small blob range that does
// not start at byte 0 (the reads an analyzer makes ahead of the hash) with
// other bytes than the whole body holds, and everything else faithfully.
func twoFaced(t *testing.T, host string) string {
	t.Helper()
	u, _ := url.Parse("http://" + host)
	proxy := httputil.NewSingleHostReverseProxy(u)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var a, b int64
		if strings.Contains(r.URL.Path, "/blobs/") {
			if _, err := fmt.Sscanf(r.Header.Get("Range"), "bytes=%d-%d", &a, &b); err == nil && a > 0 && b-a < 128<<10 {
				rec := httptest.NewRecorder()
				proxy.ServeHTTP(rec, r)
				for k, v := range rec.Header() {
					w.Header()[k] = v
				}
				w.WriteHeader(rec.Code)
				w.Write(bytes.ReplaceAll(rec.Body.Bytes(), []byte("honest"), []byte("benign")))
				return
			}
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://")
}

// TestAnalyzerBytesAreHashedBytes: a layer read ahead in small ranges
// (the end of the file first, as a zip reader does, then enough other
// places to push it out of the cache) and then streamed whole (as the hash
// does) must either give the same bytes both times or fail; the analyzers
// must never have judged bytes the digest does not cover.
func TestAnalyzerBytesAreHashedBytes(t *testing.T) {
	host := registrytest.Start(t)
	data := bytes.Repeat([]byte("honest "), 2<<20/7)
	fetchtest.Push(t, host, "org/twofaced", "latest", fetchtest.Artifact{
		ConfigMediaType: ModelPackConfig,
		Layers: []fetchtest.Layer{{MediaType: "application/vnd.cncf.model.weight.v1.raw", Data: data,
			Annotations: map[string]string{AnnotationFilepath: "weights.bin"}}},
	})
	ref, err := name.ParseReference(twoFaced(t, host) + "/org/twofaced:latest")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	src, err := OpenRef(ctx, ref, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var f fetch.File
	src.Walk(ctx, func(x fetch.File) error { f = x; return nil })
	ra, err := f.Open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer ra.Close()

	size := int64(len(data))
	ahead := make([]byte, 22)
	if _, err := ra.ReadAt(ahead, size-22); err != nil && err != io.EOF {
		t.Fatal(err)
	}
	for i := int64(1); i <= 9; i++ {
		ra.ReadAt(make([]byte, 100), i*(128<<10))
	}
	whole := make([]byte, size)
	var serr error
	for off := int64(0); off < size && serr == nil; off += 1 << 20 {
		_, serr = ra.ReadAt(whole[off:min(off+1<<20, size)], off)
	}
	switch {
	case serr == nil && !bytes.Equal(whole[size-22:], ahead):
		t.Fatalf("the analyzers saw %q at the end, the hash %q", ahead, whole[size-22:])
	case serr != nil && !errors.Is(serr, remote.ErrInconsistent):
		t.Fatalf("read: %v, want %v", serr, remote.ErrInconsistent)
	case serr == nil:
		t.Fatalf("a two-faced origin went unnoticed")
	}
}
