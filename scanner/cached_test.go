package scanner_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/modelgate/modelgate/formats"
	"github.com/modelgate/modelgate/scanner"
	"github.com/modelgate/modelgate/scanner/cache"
	"github.com/modelgate/modelgate/scanner/fetch"
)

// evil runs os.system at load; benign is a pickle of the same length.
var (
	evil   = []byte("\x80\x04\x95\x14\x00\x00\x00\x00\x00\x00\x00\x8c\x02os\x8c\x06system\x93\x8c\x02id\x85R.")
	benign = []byte("\x80\x04\x95\x14\x00\x00\x00\x00\x00\x00\x00\x8c\x02ab\x8c\x06abcdef\x86\x8c\x02id\x86\x94.")
)

func cachedScan(t *testing.T, c scanner.ResultCache, version, path string) scanner.FileResult {
	t.Helper()
	src, err := fetch.NewLocal(path)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := scanner.Scan(context.Background(), []scanner.Target{{Name: path, Source: src}},
		scanner.Options{Jobs: 1, FailOn: formats.Medium, Cache: c, CacheVersion: version})
	if err != nil {
		t.Fatal(err)
	}
	return rep.Files[0]
}

func TestCache(t *testing.T) {
	if len(evil) != len(benign) {
		t.Fatal("samples must have the same length")
	}
	c, err := cache.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	p := filepath.Join(dir, "model.pkl")
	if err := os.WriteFile(p, evil, 0o644); err != nil {
		t.Fatal(err)
	}
	first := cachedScan(t, c, "v1", p)
	if first.Cached || first.Outcome != scanner.Findings {
		t.Fatalf("first scan: cached %v, %s", first.Cached, first.Outcome)
	}
	again := cachedScan(t, c, "v1", p)
	if !again.Cached || verdictOf(again) != verdictOf(first) || again.SHA256 != first.SHA256 {
		t.Fatalf("rescan: cached %v, %v, want %v", again.Cached, verdictOf(again), verdictOf(first))
	}
	if again.Findings[0].Location != first.Findings[0].Location {
		t.Errorf("cached location %q, want %q", again.Findings[0].Location, first.Findings[0].Location)
	}

	t.Run("same bytes elsewhere", func(t *testing.T) {
		q := filepath.Join(t.TempDir(), "model.pkl")
		os.WriteFile(q, evil, 0o644)
		r := cachedScan(t, c, "v1", q)
		if !r.Cached || !strings.HasPrefix(r.Findings[0].Location, q+"@") {
			t.Errorf("cached %v, location %q", r.Cached, r.Findings[0].Location)
		}
	})
	t.Run("another name", func(t *testing.T) {
		// The extension is a claim the scan judges: it is part of the key.
		q := filepath.Join(t.TempDir(), "model.safetensors")
		os.WriteFile(q, evil, 0o644)
		if r := cachedScan(t, c, "v1", q); r.Cached || !strings.Contains(verdictOf(r).rules, "MG002") {
			t.Errorf("cached %v, %v", r.Cached, verdictOf(r))
		}
	})
	t.Run("changed rules version", func(t *testing.T) {
		if r := cachedScan(t, c, "v2", p); r.Cached {
			t.Error("a result of another rules version answered")
		}
	})
	t.Run("bytes changed, size and mtime kept", func(t *testing.T) {
		q := filepath.Join(t.TempDir(), "model.pkl")
		os.WriteFile(q, evil, 0o644)
		if r := cachedScan(t, c, "v1", q); !r.Cached {
			t.Fatal("not cached")
		}
		st, _ := os.Stat(q)
		os.WriteFile(q, benign, 0o644)
		os.Chtimes(q, time.Time{}, st.ModTime())
		r := cachedScan(t, c, "v1", q)
		if r.Cached || r.Outcome != scanner.Clean {
			t.Errorf("changed bytes: cached %v, %s %v", r.Cached, r.Outcome, verdictOf(r))
		}
		os.WriteFile(q, evil, 0o644)
		os.Chtimes(q, time.Time{}, st.ModTime())
		if r := cachedScan(t, c, "v1", q); !r.Cached || r.Outcome != scanner.Findings {
			t.Errorf("bytes restored: cached %v, %s", r.Cached, r.Outcome)
		}
	})
}

// TestCacheCorrupt damages every stored entry in several ways; each time
// the scan must ignore the entry and analyze the file again.
func TestCacheCorrupt(t *testing.T) {
	cdir := t.TempDir()
	c, err := cache.Open(cdir)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "model.pkl")
	os.WriteFile(p, evil, 0o644)
	want := verdictOf(cachedScan(t, c, "v1", p))
	for _, damage := range []struct {
		name string
		do   func(b []byte) []byte
	}{
		{"truncated", func(b []byte) []byte { return b[:len(b)/2] }},
		{"empty", func([]byte) []byte { return nil }},
		{"flipped byte", func(b []byte) []byte { b[len(b)/2] ^= 1; return b }},
		{"verdict edited", func(b []byte) []byte {
			return []byte(strings.Replace(strings.Replace(string(b), `"outcome":"findings"`, `"outcome":"clean"`, 1), `"critical"`, `"info"`, -1))
		}},
		{"trailing data", func(b []byte) []byte { return append(b, "{}"...) }},
	} {
		t.Run(damage.name, func(t *testing.T) {
			n := 0
			filepath.WalkDir(cdir, func(q string, d os.DirEntry, err error) error {
				if err == nil && strings.HasSuffix(q, ".json") {
					b, _ := os.ReadFile(q)
					os.WriteFile(q, damage.do(b), 0o600)
					n++
				}
				return nil
			})
			if n == 0 {
				t.Fatal("no entry stored")
			}
			r := cachedScan(t, c, "v1", p)
			if r.Cached || verdictOf(r) != want {
				t.Errorf("damaged entry: cached %v, %v, want %v", r.Cached, verdictOf(r), want)
			}
		})
	}
	// An entry another cache wrote (another key) does not verify here.
	other, err := cache.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	q := filepath.Join(t.TempDir(), "model.pkl")
	os.WriteFile(q, benign, 0o644)
	cachedScan(t, other, "v1", q)
	cachedScan(t, c, "v1", q)
	if r := cachedScan(t, c, "v1", q); !r.Cached {
		t.Fatal("not cached")
	}
	if r := cachedScan(t, other, "v1", q); !r.Cached {
		t.Fatal("not cached")
	}
}

func TestCacheRefusesSharedDir(t *testing.T) {
	d := t.TempDir()
	if err := os.Chmod(d, 0o777); err != nil {
		t.Fatal(err)
	}
	if _, err := cache.Open(d); err == nil || !strings.Contains(err.Error(), "writable by other users") {
		t.Errorf("opened a world-writable cache: %v", err)
	}
}

// originSource is one remote-like file whose origin states a digest; it
// counts the bytes read from it.
type originSource struct {
	data   []byte
	digest string
	read   atomic.Int64
}

func (s *originSource) Walk(ctx context.Context, fn func(fetch.File) error) error {
	return fn(fetch.File{Path: "hf://org/m/model.pkl", Rel: "model.pkl", Size: int64(len(s.data)), Digest: s.digest,
		Open: func(context.Context) (fetch.ReaderAtCloser, error) {
			return &countingReader{nopCloser{bytes.NewReader(s.data)}, &s.read}, nil
		}})
}

type countingReader struct {
	fetch.ReaderAtCloser
	n *atomic.Int64
}

func (r *countingReader) ReadAt(p []byte, off int64) (int, error) {
	n, err := r.ReaderAtCloser.ReadAt(p, off)
	r.n.Add(int64(n))
	return n, err
}

// TestCacheOriginDigest checks that a file whose origin states its digest
// is not fetched again once its bytes were scanned, and that a digest the
// bytes do not match is never cached.
func TestCacheOriginDigest(t *testing.T) {
	c, err := cache.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	// A pickle of 4 MiB: its bytes are one BINBYTES argument.
	data := append([]byte("\x80\x04\x8e\x00\x00\x40\x00\x00\x00\x00\x00"), make([]byte, 4<<20)...)
	data = append(data, ".\x00"[:1]...)
	sum := sha256.Sum256(data)
	scan := func(s *originSource) scanner.FileResult {
		rep, err := scanner.Scan(context.Background(), []scanner.Target{{Name: "hf://org/m", Source: s}},
			scanner.Options{Jobs: 1, Cache: c, CacheVersion: "v1"})
		if err != nil {
			t.Fatal(err)
		}
		return rep.Files[0]
	}
	good := &originSource{data: data, digest: "sha256:" + hex.EncodeToString(sum[:])}
	for i := range 2 {
		good.read.Store(0)
		r := scan(good)
		if r.Cached != (i == 1) || r.Outcome != scanner.Clean {
			t.Errorf("scan %d: cached %v, %s %s", i, r.Cached, r.Outcome, r.Error)
		}
		if read := good.read.Load(); (i == 0) != (read >= int64(len(data))) {
			t.Errorf("scan %d read %d of %d bytes", i, read, len(data))
		}
	}
	// The bytes served are not those the digest names: the scan reads
	// them (MG005), and the mismatch is not cached under either digest.
	lies := &originSource{data: benign, digest: "sha256:" + strings.Repeat("1", 64)}
	for range 2 {
		if r := scan(lies); r.Cached || !strings.Contains(verdictOf(r).rules, "MG005") {
			t.Errorf("cached %v, %v", r.Cached, verdictOf(r))
		}
	}
	// A quick scan never hashes what it reads: its verdict on the bytes a
	// lying origin served must not be kept under the digest it claimed
	// (that of a payload, say), or the next quick scan of the real
	// payload would be answered from the cache.
	for i := range 2 {
		rep, err := scanner.Scan(context.Background(), []scanner.Target{{Name: "hf://org/m", Source: lies}},
			scanner.Options{Jobs: 1, Cache: c, CacheVersion: "v1", Quick: true})
		if err != nil {
			t.Fatal(err)
		}
		if r := rep.Files[0]; r.Cached {
			t.Errorf("quick scan %d answered from the cache: %s", i, r.Outcome)
		}
	}
}

// stampSource is one local file whose stamp changes on every call when
// touched is set: a writer at work during the scan.
type stampSource struct {
	data    []byte
	touched bool
	calls   atomic.Int64
}

func (s *stampSource) Walk(ctx context.Context, fn func(fetch.File) error) error {
	return fn(fetch.File{Path: "d/model.pkl", Rel: "model.pkl", Size: int64(len(s.data)), Local: true,
		Stamp: func() (string, error) {
			n := s.calls.Add(1)
			if !s.touched {
				n = 0
			}
			return strconv.FormatInt(n, 10), nil
		},
		Open: func(context.Context) (fetch.ReaderAtCloser, error) {
			return nopCloser{bytes.NewReader(s.data)}, nil
		}})
}

// TestCacheFileChangedDuringScan checks that a local file whose stamp
// changed between the lookup and the end of its analysis is not cached:
// the analyzers' re-reads may have seen other bytes than those hashed.
func TestCacheFileChangedDuringScan(t *testing.T) {
	for _, touched := range []bool{false, true} {
		c, err := cache.Open(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		s := &stampSource{data: evil, touched: touched}
		var cached bool
		for range 2 {
			rep, err := scanner.Scan(context.Background(), []scanner.Target{{Name: "d", Source: s}},
				scanner.Options{Jobs: 1, Cache: c, CacheVersion: "v1"})
			if err != nil {
				t.Fatal(err)
			}
			cached = rep.Files[0].Cached
		}
		if cached == touched {
			t.Errorf("file touched during its scans %v: second scan cached %v", touched, cached)
		}
	}
}
