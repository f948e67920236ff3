package remote

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

func serve(t *testing.T, body []byte, noRange bool) (*httptest.Server, *atomic.Int32) {
	var reqs atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reqs.Add(1)
		if noRange {
			r.Header.Del("Range")
		}
		http.ServeContent(w, r, "f", time.Time{}, bytes.NewReader(body))
	}))
	t.Cleanup(srv.Close)
	return srv, &reqs
}

func TestReaderAtPatterns(t *testing.T) {
	body := make([]byte, 20<<20)
	for i := range body {
		body[i] = byte(i * 7)
	}
	for _, noRange := range []bool{false, true} {
		srv, reqs := serve(t, body, noRange)
		h := NewHTTP(nil)
		r := NewReaderAt(context.Background(), int64(len(body)), h.RangeOpener(srv.URL))
		check := func(off int64, n int) {
			t.Helper()
			p := make([]byte, n)
			k, err := r.ReadAt(p, off)
			if err != nil && !(errors.Is(err, io.EOF) && off+int64(n) >= int64(len(body))) {
				t.Fatalf("noRange=%v ReadAt(%d, %d): %v", noRange, off, n, err)
			}
			if !bytes.Equal(p[:k], body[off:off+int64(k)]) {
				t.Fatalf("noRange=%v ReadAt(%d, %d): wrong bytes", noRange, off, n)
			}
		}
		check(0, 8)
		check(8, 1000) // same window
		check(int64(len(body))-22, 22)
		check(int64(len(body))-5000, 5000)
		// Windows are block-aligned: the end record and the 5000 bytes
		// before it share one.
		if !noRange && reqs.Load() != 2 {
			t.Errorf("header-style reads took %d requests, want 2", reqs.Load())
		}
		for off := int64(1 << 20); off < int64(len(body)); off += 1 << 20 {
			check(off, 1<<20)
		}
		check(12345, 300)
		check(int64(len(body))-10, 100)
		r.Close()
	}
}

func TestShortBodyAndStatus(t *testing.T) {
	body := []byte("0123456789")
	srv, _ := serve(t, body, false)
	h := NewHTTP(nil)
	r := NewReaderAt(context.Background(), 100, h.RangeOpener(srv.URL))
	defer r.Close()
	if _, err := r.ReadAt(make([]byte, 100), 0); err == nil {
		t.Error("a file shorter than stated read without error")
	}

	var calls atomic.Int32
	flaky := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) < 3 {
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.Write([]byte("ok"))
	}))
	defer flaky.Close()
	resp, err := h.Do(context.Background(), http.MethodGet, flaky.URL, nil)
	if err != nil {
		t.Fatalf("retries did not recover: %v", err)
	}
	resp.Body.Close()

	gone := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNotFound) }))
	defer gone.Close()
	if _, err := h.Do(context.Background(), http.MethodGet, gone.URL, nil); !IsStatus(err, http.StatusNotFound) {
		t.Errorf("404 gave %v", err)
	}
}

func TestRedirects(t *testing.T) {
	var leaked atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "" {
			leaked.Add(1)
		}
		w.Write([]byte("cdn"))
	}))
	defer other.Close()
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/loop":
			http.Redirect(w, r, "/loop", http.StatusFound)
		default:
			http.Redirect(w, r, other.URL+"/x", http.StatusFound)
		}
	}))
	defer origin.Close()
	h := NewHTTP(nil)
	h.Header.Set("Authorization", "Bearer secret")
	resp, err := h.Do(context.Background(), http.MethodGet, origin.URL+"/file", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if leaked.Load() != 0 {
		t.Error("Authorization followed a redirect to another port")
	}
	if _, err := h.Do(context.Background(), http.MethodGet, origin.URL+"/loop", nil); err == nil {
		t.Error("a redirect loop succeeded")
	}
}

func FuzzParseContentRange(f *testing.F) {
	for _, s := range []string{"bytes 0-0/10", "bytes 5-9/*", "bytes -1-2/3", "bytes 1-/", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		start, total, err := parseContentRange(s)
		if err == nil && (start < 0 || total < -1) {
			t.Errorf("%q parsed to %d/%d", s, start, total)
		}
	})
}

// TestStreamStopsAtWindow reads a file the way a scan does: its head and
// tail windows, then the rest front to back; the tail is not fetched
// again by the stream.
func TestStreamStopsAtWindow(t *testing.T) {
	body := make([]byte, 2<<20)
	for i := range body {
		body[i] = byte(i * 13)
	}
	srv, _ := serve(t, body, false)
	r := NewReaderAt(context.Background(), int64(len(body)), NewHTTP(nil).RangeOpener(srv.URL))
	defer r.Close()
	p := make([]byte, 1<<20)
	for _, rd := range []struct{ off, n int64 }{{0, 64 << 10}, {int64(len(body)) - 100, 100}, {64 << 10, 1 << 20}, {64<<10 + 1<<20, int64(len(body)) - (64<<10 + 1<<20)}} {
		k, err := r.ReadAt(p[:rd.n], rd.off)
		if err != nil && !errors.Is(err, io.EOF) || !bytes.Equal(p[:k], body[rd.off:rd.off+int64(k)]) || int64(k) != rd.n {
			t.Fatalf("ReadAt(%d, %d): %d %v", rd.off, rd.n, k, err)
		}
	}
	if got := r.Fetched(); got != int64(len(body)) {
		t.Errorf("fetched %d bytes of a %d-byte file", got, len(body))
	}
}
