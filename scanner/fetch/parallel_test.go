package fetch_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/modelgate/modelgate/scanner"
	"github.com/modelgate/modelgate/scanner/fetch"
	"github.com/modelgate/modelgate/scanner/fetch/internal/fetchtest"
)

// scanURL scans one http(s) URL in default mode over conns connections.
func scanURL(t testing.TB, u string, conns int) scanner.FileResult {
	t.Helper()
	src, err := fetch.Open(context.Background(), u, fetch.Options{Connections: conns})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := scanner.Scan(context.Background(), []scanner.Target{{Name: u, Source: src}}, scanner.Options{})
	if err != nil || len(rep.Files) != 1 {
		t.Fatalf("scan: %v, %d files", err, len(rep.Files))
	}
	return rep.Files[0]
}

func digestOf(t testing.TB, r io.Reader) string {
	h := sha256.New()
	if _, err := io.Copy(h, r); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// TestParallelScan scans a file large enough to be fetched over several
// connections: the digest is that of the file's bytes and the server saw
// several connections; an origin that answers ranges from the wrong
// offset fails the file, never passes it.
func TestParallelScan(t *testing.T) {
	const size = 40 << 20
	data := fetchtest.SparseSafetensors(size, 50)
	want := digestOf(t, io.NewSectionReader(data, 0, size))

	srv := fetchtest.NewThrottled(data, size, 0, 0)
	defer srv.Close()
	res := scanURL(t, srv.URL+"/model.safetensors", 4)
	if res.Outcome != scanner.Clean || res.SHA256 != want {
		t.Fatalf("outcome %s (%s), sha256 %s, want clean and %s", res.Outcome, res.Error, res.SHA256, want)
	}
	if srv.Conns.Load() < 3 {
		t.Errorf("%d connections, want the file fetched over several", srv.Conns.Load())
	}

	liar := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, _ := strings.CutPrefix(r.Header.Get("Range"), "bytes=")
		s, e, _ := strings.Cut(v, "-")
		start, _ := strconv.ParseInt(s, 10, 64)
		end, _ := strconv.ParseInt(e, 10, 64)
		if start < 16<<20 || end-start+1 < 1<<20 {
			http.ServeContent(w, r, "f", time.Time{}, io.NewSectionReader(data, 0, size))
			return
		}
		// Later chunks of the parallel stream come from 64 KiB further
		// on, under a header that says so: the bytes are right for the
		// range they claim, wrong for the one asked.
		start, end = start+64<<10, min(end+64<<10, size-1)
		w.Header().Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", start, end, size))
		w.WriteHeader(http.StatusPartialContent)
		io.Copy(w, io.NewSectionReader(data, start, end-start+1))
	}))
	defer liar.Close()
	res = scanURL(t, liar.URL+"/model.safetensors", 4)
	if res.Outcome != scanner.Inconclusive {
		t.Fatalf("outcome %s, sha256 %s, want inconclusive", res.Outcome, res.SHA256)
	}
	if !strings.Contains(res.Error, "Content-Range") {
		t.Errorf("error %q, want the lying Content-Range named", res.Error)
	}
}

// BenchmarkParallelFetch scans a file in default mode from a loopback
// server that allows 6 MiB/s per connection and 48 MiB/s in all, as a
// CDN edge does, over one connection and over the default number, and
// reports the parallel scan's rate as a ratio to the server's aggregate
// limit and to the one-connection scan measured in the same run. The
// limits are low so that the scan's CPU (two SHA-256 passes, the
// server's copies) is not what bounds the rate on a loaded machine.
func BenchmarkParallelFetch(b *testing.B) {
	const perConn, total = 6 << 20, 48 << 20
	const small, large = 32 << 20, 512 << 20
	rate := func(size int64, conns int) float64 {
		data := fetchtest.SparseSafetensors(size, 50)
		srv := fetchtest.NewThrottled(data, size, perConn, total)
		defer srv.Close()
		start := time.Now()
		res := scanURL(b, srv.URL+"/model.safetensors", conns)
		if res.Outcome != scanner.Clean {
			b.Fatalf("outcome %s: %s", res.Outcome, res.Error)
		}
		return float64(size) / time.Since(start).Seconds()
	}
	var one, par float64
	for b.Loop() {
		one += rate(small, 1)
		par += rate(large, 0)
	}
	one, par = one/float64(b.N), par/float64(b.N)
	b.ReportMetric(par/(1<<20), "MiB/s")
	b.ReportMetric(par/total, "x-aggregate-limit")
	b.ReportMetric(par/one, "x-one-connection")
	b.ReportMetric(one/perConn, "one-conn-x-its-limit")
}
