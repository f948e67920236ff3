package scanner_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/modelgate/modelgate/scanner"
	"github.com/modelgate/modelgate/scanner/cache"
	"github.com/modelgate/modelgate/scanner/fetch"
)

// countingSource counts every byte the scan reads from its files.
type countingSource struct {
	fetch.Source
	n, reads atomic.Int64
}

func (c *countingSource) Walk(ctx context.Context, fn func(fetch.File) error) error {
	return c.Source.Walk(ctx, func(f fetch.File) error {
		if open := f.Open; open != nil {
			f.Open = func(ctx context.Context) (fetch.ReaderAtCloser, error) {
				rc, err := open(ctx)
				if err != nil {
					return nil, err
				}
				return &countingReaderAt{ReaderAtCloser: rc, c: c}, nil
			}
		}
		return fn(f)
	})
}

type countingReaderAt struct {
	fetch.ReaderAtCloser
	c *countingSource
}

func (r *countingReaderAt) ReadAt(p []byte, off int64) (int, error) {
	n, err := r.ReaderAtCloser.ReadAt(p, off)
	r.c.n.Add(int64(n))
	r.c.reads.Add(1)
	return n, err
}

// sparseWriter writes to f but seeks over all-zero blocks, so a
// checkpoint of zeros takes no disk space; finish sets the final size.
type sparseWriter struct {
	f   *os.File
	off int64
}

func (w *sparseWriter) Write(p []byte) (int, error) {
	for i := 0; i < len(p); i += 64 << 10 {
		chunk := p[i:min(len(p), i+64<<10)]
		var err error
		if len(bytes.TrimLeft(chunk, "\x00")) == 0 {
			_, err = w.f.Seek(int64(len(chunk)), io.SeekCurrent)
		} else {
			_, err = w.f.Write(chunk)
		}
		if err != nil {
			return i, err
		}
		w.off += int64(len(chunk))
	}
	return len(p), nil
}

func (w *sparseWriter) skip(n int64) error {
	_, err := w.f.Seek(n, io.SeekCurrent)
	w.off += n
	return err
}

func (w *sparseWriter) finish() error {
	if err := w.f.Truncate(w.off); err != nil {
		return err
	}
	return w.f.Close()
}

// sparseTorch writes a torch.save-shaped checkpoint of gib GiB of zero
// tensor data into a temporary directory, sparse where the file system
// allows.
func sparseTorch(tb testing.TB, dir string, gib int64) string {
	tb.Helper()
	p := dir + "/model.pt"
	f, err := os.Create(p)
	if err != nil {
		tb.Fatal(err)
	}
	w := &sparseWriter{f: f}
	if err := torchZip(w, gib<<30, make([]byte, 1<<20)); err != nil {
		tb.Fatal(err)
	}
	if err := w.finish(); err != nil {
		tb.Fatal(err)
	}
	return p
}

func benchGiB() int64 {
	if v, err := strconv.Atoi(os.Getenv("MODELGATE_BENCH_GIB")); err == nil && v > 0 {
		return int64(v)
	}
	return 1
}

// BenchmarkQuickTorchCheckpoint scans a sparse 1 GiB PyTorch checkpoint
// with --quick and reports the time per scan, the bytes read (counted at
// the file's ReaderAt) and, measured in the same run, the ratio of the
// full scan's time to the quick one's.
func BenchmarkQuickTorchCheckpoint(b *testing.B) {
	p := sparseTorch(b, b.TempDir(), benchGiB())
	scanOnce := func(quick bool) (time.Duration, int64) {
		l, err := fetch.NewLocal(p)
		if err != nil {
			b.Fatal(err)
		}
		src := &countingSource{Source: l}
		start := time.Now()
		rep, err := scanner.Scan(context.Background(), []scanner.Target{{Name: p, Source: src}}, scanner.Options{Jobs: 1, Quick: quick})
		if err != nil {
			b.Fatal(err)
		}
		if f := rep.Files[0]; f.Outcome != scanner.Clean {
			b.Fatalf("quick=%v: %s %s %v", quick, f.Outcome, f.Error, f.Findings)
		}
		return time.Since(start), src.n.Load()
	}
	full, fullRead := scanOnce(false)
	var read int64
	b.ResetTimer()
	for b.Loop() {
		_, read = scanOnce(true)
	}
	perOp := b.Elapsed() / time.Duration(b.N)
	b.ReportMetric(float64(perOp.Microseconds())/1000, "ms/scan")
	b.ReportMetric(float64(read), "B-read/scan")
	b.ReportMetric(float64(full)/float64(perOp), "x-faster-than-full")
	b.ReportMetric(float64(fullRead)/float64(read), "x-fewer-bytes-than-full")
}

// BenchmarkQuickShardedDirectory scans a local directory of 100 sparse
// 1 GiB safetensors shards with --quick and reports the time per scan and
// the bytes read.
func BenchmarkQuickShardedDirectory(b *testing.B) {
	dir := b.TempDir()
	for i := range 100 {
		writeSparse(b, dir, fmt.Sprintf("model-%05d-of-00100.safetensors", i+1), 1<<30, bigModels[1].write)
	}
	var read int64
	for b.Loop() {
		rep, n := scanCounting(b, dir, scanner.Options{Quick: true})
		if rep.Summary.Clean != 100 {
			b.Fatalf("%+v", rep.Summary)
		}
		read = n
	}
	b.ReportMetric(float64((b.Elapsed()/time.Duration(b.N)).Microseconds())/1000, "ms/scan")
	b.ReportMetric(float64(read), "B-read/scan")
}

// BenchmarkCachedRescanLocal scans a sparse 1 GiB PyTorch checkpoint with
// the result cache and reports, measured in the same run, the bytes read
// and the time of a re-scan against a scan without the cache. A local
// file has no origin digest, so a re-scan still reads it once to hash
// it; it skips the analysis.
func BenchmarkCachedRescanLocal(b *testing.B) {
	p := sparseTorch(b, b.TempDir(), benchGiB())
	c, err := cache.Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	scanOnce := func(c scanner.ResultCache) (time.Duration, int64, bool) {
		start := time.Now()
		rep, read := scanCounting(b, p, scanner.Options{Jobs: 1, Cache: c, CacheVersion: "bench"})
		if f := rep.Files[0]; f.Outcome != scanner.Clean {
			b.Fatalf("%s %s", f.Outcome, f.Error)
		}
		return time.Since(start), read, rep.Files[0].Cached
	}
	plain, plainRead, _ := scanOnce(nil)
	if _, _, hit := scanOnce(c); hit {
		b.Fatal("first scan cached")
	}
	var read int64
	b.ResetTimer()
	for b.Loop() {
		var hit bool
		_, read, hit = scanOnce(c)
		if !hit {
			b.Fatal("re-scan not cached")
		}
	}
	perOp := b.Elapsed() / time.Duration(b.N)
	b.ReportMetric(float64(read), "B-read-rescan")
	b.ReportMetric(float64(plainRead), "B-read-uncached")
	b.ReportMetric(float64(plain)/float64(perOp), "x-faster-than-uncached")
}
