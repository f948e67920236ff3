package remote

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

const testChunk = 128 << 10

func testBody(n int) []byte {
	b := make([]byte, n)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	return b
}

// readAll reads r to its end the way the scan's hashing pass does, 1 MiB
// at a time, and returns the digest of what it read.
func readAll(r *ReaderAt) ([32]byte, error) {
	h := sha256.New()
	buf := make([]byte, 1<<20)
	for off := int64(0); off < r.Size(); {
		n, err := r.ReadAt(buf[:min(int64(len(buf)), r.Size()-off)], off)
		h.Write(buf[:n])
		off += int64(n)
		if err != nil && !(errors.Is(err, io.EOF) && off == r.Size()) {
			return [32]byte{}, err
		}
	}
	return [32]byte(h.Sum(nil)), nil
}

func parallelReader(size int64, open Opener, conns int) *ReaderAt {
	r := NewReaderAt(context.Background(), size, open).Parallel(conns, nil)
	r.chunk, r.backoff = testChunk, time.Millisecond
	return r
}

// flakyBody ends after half its bytes.
type flakyBody struct{ io.Reader }

func (flakyBody) Close() error { return nil }

// TestParallelReassembly fetches a file over several connections whose
// chunks arrive after random delays, with some attempts failing at the
// request and some ending early, and checks the bytes come out in order,
// that at most conns requests were in flight at once, and that more than
// one was.
func TestParallelReassembly(t *testing.T) {
	body := testBody(5<<20 + 12345)
	want := sha256.Sum256(body)
	for _, conns := range []int{2, 4, 8} {
		var mu sync.Mutex
		attempts := map[int64]int{}
		var inFlight, peak atomic.Int32
		rng := rand.New(rand.NewPCG(uint64(conns), 7))
		open := func(ctx context.Context, off, n int64) (io.ReadCloser, error) {
			cur := inFlight.Add(1)
			defer inFlight.Add(-1)
			for p := peak.Load(); cur > p && !peak.CompareAndSwap(p, cur); p = peak.Load() {
			}
			mu.Lock()
			attempts[off]++
			a := attempts[off]
			delay := time.Duration(rng.IntN(3000)) * time.Microsecond
			mu.Unlock()
			time.Sleep(delay)
			end := min(off+n, int64(len(body)))
			switch k := off / testChunk; {
			case k%3 == 1 && a == 1:
				return nil, errors.New("injected: connection reset")
			case k%5 == 2 && a <= 2:
				return flakyBody{bytes.NewReader(body[off : off+(end-off)/2])}, nil
			}
			return io.NopCloser(bytes.NewReader(body[off:end])), nil
		}
		r := parallelReader(int64(len(body)), open, conns)
		got, err := readAll(r)
		if err != nil {
			t.Fatalf("conns=%d: %v", conns, err)
		}
		if got != want {
			t.Fatalf("conns=%d: digest of the reassembled file differs", conns)
		}
		if p := peak.Load(); p > int32(conns) || p < 2 {
			t.Errorf("conns=%d: %d requests in flight at the peak", conns, p)
		}
		r.Close()
	}
}

// TestParallelChunkFails: a chunk that fails every attempt fails the read
// after a bounded number of attempts; no byte of it is served.
func TestParallelChunkFails(t *testing.T) {
	body := testBody(2 << 20)
	bad := int64(5 * testChunk)
	var tries atomic.Int32
	open := func(ctx context.Context, off, n int64) (io.ReadCloser, error) {
		if off == bad {
			tries.Add(1)
			return flakyBody{bytes.NewReader(body[off : off+n-1])}, nil
		}
		return io.NopCloser(bytes.NewReader(body[off : off+n])), nil
	}
	r := parallelReader(int64(len(body)), open, 4)
	defer r.Close()
	buf := make([]byte, len(body))
	n, err := r.ReadAt(buf, 0)
	if !errors.Is(err, ErrShortBody) {
		t.Fatalf("err = %v, want a short body", err)
	}
	if int64(n) > bad || !bytes.Equal(buf[:n], body[:n]) {
		t.Fatalf("served %d bytes (the failing chunk starts at %d), or wrong ones", n, bad)
	}
	if tries.Load() != chunkAttempts {
		t.Errorf("the failing chunk was asked for %d times, want %d", tries.Load(), chunkAttempts)
	}
}

// TestParallelHTTP runs parallel reads against servers that honour Range,
// ignore it, or lie in Content-Range.
func TestParallelHTTP(t *testing.T) {
	body := testBody(3<<20 + 77)
	want := sha256.Sum256(body)
	for _, tc := range []struct {
		name string
		// mangle may rewrite the request before ServeContent sees it or
		// answer it itself.
		mangle func(w http.ResponseWriter, r *http.Request) bool
		ok     bool
	}{
		{"honours Range", nil, true},
		{"ignores Range", func(w http.ResponseWriter, r *http.Request) bool {
			r.Header.Del("Range")
			return false
		}, true},
		{"shifted Content-Range", func(w http.ResponseWriter, r *http.Request) bool {
			// Answers every range from one byte later, saying so.
			start, end, ok := rangeOf(r)
			if !ok || start == 0 {
				return false
			}
			end = min(end, int64(len(body))-2)
			w.Header().Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", start+1, end+1, len(body)))
			w.WriteHeader(http.StatusPartialContent)
			w.Write(body[start+1 : end+2])
			return true
		}, false},
		{"wrong bytes under a true Content-Range, once", func(w http.ResponseWriter, r *http.Request) bool {
			// The origin serves a block two ways: the parallel stream
			// and an earlier window disagree.
			start, end, ok := rangeOf(r)
			if !ok || start != 2*testChunk || end-start+1 != testChunk {
				return false
			}
			bad := bytes.Clone(body[start : end+1])
			bad[100] ^= 1
			w.Header().Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", start, end, len(body)))
			w.WriteHeader(http.StatusPartialContent)
			w.Write(bad)
			return true
		}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var reqs atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				reqs.Add(1)
				if tc.mangle != nil && tc.mangle(w, r) {
					return
				}
				http.ServeContent(w, r, "f", time.Time{}, bytes.NewReader(body))
			}))
			defer srv.Close()
			r := parallelReader(int64(len(body)), NewHTTP(nil).RangeOpener(srv.URL), 4)
			defer r.Close()
			if strings.HasPrefix(tc.name, "wrong bytes") {
				// An analyzer reads the block first, as a window.
				p := make([]byte, 10)
				if _, err := r.ReadAt(p, 2*testChunk+50); err != nil {
					t.Fatal(err)
				}
			}
			got, err := readAll(r)
			if tc.ok {
				if err != nil || got != want {
					t.Fatalf("err = %v, digest matches = %v", err, got == want)
				}
				// A server that ignores Range is noticed at the second
				// chunk; the rest comes over one stream.
				if n := reqs.Load(); tc.mangle != nil && n > 16 {
					t.Errorf("%d requests", n)
				}
				t.Logf("%d requests", reqs.Load())
				return
			}
			if err == nil {
				t.Fatalf("read a file the origin lied about without error (digest matches = %v)", got == want)
			}
			t.Logf("%d requests; %v", reqs.Load(), err)
		})
	}
}

func rangeOf(r *http.Request) (int64, int64, bool) {
	v, ok := strings.CutPrefix(r.Header.Get("Range"), "bytes=")
	if !ok {
		return 0, 0, false
	}
	s, e, ok := strings.Cut(v, "-")
	start, err1 := strconv.ParseInt(s, 10, 64)
	end, err2 := strconv.ParseInt(e, 10, 64)
	return start, end, ok && err1 == nil && err2 == nil
}

// TestParallelCloseMidStream: closing a reader stops the fetches in
// flight, even those whose origin never answers.
func TestParallelCloseMidStream(t *testing.T) {
	body := testBody(4 << 20)
	open := func(ctx context.Context, off, n int64) (io.ReadCloser, error) {
		if off >= 1<<20 {
			<-ctx.Done()
			return nil, ctx.Err()
		}
		return io.NopCloser(bytes.NewReader(body[off : off+n])), nil
	}
	r := parallelReader(int64(len(body)), open, 4)
	p := make([]byte, 1<<20)
	if n, err := r.ReadAt(p, 0); n != len(p) || r.body == nil {
		t.Fatalf("read %d bytes (%v), or not over a parallel stream", n, err)
	}
	closed := make(chan struct{})
	go func() {
		r.Close()
		close(closed)
	}()
	select {
	case <-closed:
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not stop the fetches in flight")
	}
}

// TestParallelSharedBudget reads several files at once through one budget
// smaller than any one stream wants: each comes out whole, and closing a
// stream mid-way gives its buffers back.
func TestParallelSharedBudget(t *testing.T) {
	body := testBody(3 << 20)
	want := sha256.Sum256(body)
	open := func(ctx context.Context, off, n int64) (io.ReadCloser, error) {
		time.Sleep(time.Millisecond)
		return io.NopCloser(bytes.NewReader(body[off : off+n])), nil
	}
	budget := NewBudget(3)
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for i := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := parallelReader(int64(len(body)), open, 4)
			r.budget = budget
			defer r.Close()
			if i == 3 {
				// Stops after 1 MiB, with chunks still held.
				r.ReadAt(make([]byte, 1<<20), 0)
				return
			}
			got, err := readAll(r)
			if err == nil && got != want {
				err = fmt.Errorf("reader %d: wrong digest", i)
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := len(budget.bufs); n != 3 {
		t.Fatalf("%d of 3 buffers back in the budget", n)
	}
}
