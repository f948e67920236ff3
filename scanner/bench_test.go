package scanner_test

import (
	"archive/zip"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	_ "github.com/modelgate/modelgate/formats/all"
	"github.com/modelgate/modelgate/scanner"
	"github.com/modelgate/modelgate/scanner/fetch"
)

// sha256File is the yardstick: one plain SHA-256 pass over the file.
func sha256File(b *testing.B, path string) time.Duration {
	b.Helper()
	start := time.Now()
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.CopyBuffer(h, f, make([]byte, 1<<20)); err != nil {
		b.Fatal(err)
	}
	return time.Since(start)
}

// benchScan scans path b.N times and reports throughput and the ratio of
// its throughput to a plain SHA-256 pass (1.0 = as fast as hashing alone).
func benchScan(b *testing.B, path string) {
	src, err := fetch.NewLocal(path)
	if err != nil {
		b.Fatal(err)
	}
	st, _ := os.Stat(path)
	var yardstick time.Duration
	for range 3 {
		d := sha256File(b, path)
		if yardstick == 0 || d < yardstick {
			yardstick = d
		}
	}
	b.SetBytes(st.Size())
	b.ResetTimer()
	for b.Loop() {
		rep, err := scanner.Scan(context.Background(), []scanner.Target{{Name: path, Source: src}}, scanner.Options{Jobs: 1})
		if err != nil {
			b.Fatal(err)
		}
		if f := rep.Files[0]; f.SHA256 == "" {
			b.Fatalf("no hash: %+v", f)
		}
	}
	perOp := b.Elapsed() / time.Duration(b.N)
	b.ReportMetric(float64(yardstick)/float64(perOp), "x-sha256")
}

func writeBench(b *testing.B, name string, write func(w io.Writer)) string {
	b.Helper()
	p := filepath.Join(b.TempDir(), name)
	f, err := os.Create(p)
	if err != nil {
		b.Fatal(err)
	}
	write(f)
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	return p
}

func BenchmarkScan(b *testing.B) {
	const size = 256 << 20
	b.Run("unrecognised-256MiB", func(b *testing.B) {
		benchScan(b, writeBench(b, "blob.dat", func(w io.Writer) {
			buf := make([]byte, 1<<20)
			for i := range buf {
				buf[i] = byte(i*7 + i>>8)
			}
			for range size >> 20 {
				w.Write(buf)
			}
		}))
	})
	b.Run("safetensors-256MiB", func(b *testing.B) {
		benchScan(b, writeBench(b, "model.safetensors", func(w io.Writer) {
			hdr := []byte(`{"w":{"dtype":"F32","shape":[` + strconv.Itoa(size/4) + `],"data_offsets":[0,` + strconv.Itoa(size) + `]}}`)
			w.Write(binary.LittleEndian.AppendUint64(nil, uint64(len(hdr))))
			w.Write(hdr)
			buf := make([]byte, 1<<20)
			for i := range buf {
				buf[i] = byte(i * 13)
			}
			for range size >> 20 {
				w.Write(buf)
			}
		}))
	})
	b.Run("pickle-binbytes-256MiB", func(b *testing.B) {
		benchScan(b, writeBench(b, "blob.pkl", func(w io.Writer) {
			hdr := []byte{0x80, 0x04, 0x8e}
			hdr = binary.LittleEndian.AppendUint64(hdr, size)
			w.Write(hdr)
			buf := make([]byte, 1<<20)
			for range size >> 20 {
				w.Write(buf)
			}
			w.Write([]byte{0x94, '.'})
		}))
	})
}

// torchZip writes a torch.save-shaped zip checkpoint: one float32 storage
// of n bytes, stored (uncompressed) as torch writes them, filled with fill
// (a byte pattern when nil).
func torchZip(w io.Writer, n int64, fill []byte) error {
	zw := zip.NewWriter(w)
	numel := n / 4
	pkl := []byte("\x80\x02(X\x07\x00\x00\x00storagectorch\nFloatStorage\nX\x01\x00\x00\x000X\x03\x00\x00\x00cpu\x8a\x08")
	pkl = binary.LittleEndian.AppendUint64(pkl, uint64(numel))
	pkl = append(pkl, "tQ."...)
	for _, m := range []struct {
		name string
		data []byte
		size int64
	}{{"archive/data.pkl", pkl, 0}, {"archive/byteorder", []byte("little"), 0}, {"archive/data/0", nil, numel * 4}, {"archive/version", []byte("3\n"), 0}} {
		f, err := zw.CreateHeader(&zip.FileHeader{Name: m.name, Method: zip.Store})
		if err != nil {
			return err
		}
		if m.data != nil {
			f.Write(m.data)
			continue
		}
		buf := fill
		if buf == nil {
			buf = make([]byte, 1<<20)
			for i := range buf {
				buf[i] = byte(i * 31)
			}
		}
		for left := m.size; left > 0; left -= int64(len(buf)) {
			if _, err := f.Write(buf[:min(left, int64(len(buf)))]); err != nil {
				return err
			}
		}
	}
	return zw.Close()
}

// BenchmarkScanTorchCheckpoint scans a PyTorch zip checkpoint of
// MODELGATE_BENCH_GIB GiB (default 1): its data.pkl through the pickle
// machine and the storage layout, every byte hashed once.
func BenchmarkScanTorchCheckpoint(b *testing.B) {
	gib := int64(1)
	if v, err := strconv.Atoi(os.Getenv("MODELGATE_BENCH_GIB")); err == nil && v > 0 {
		gib = int64(v)
	}
	p := writeBench(b, "model.pt", func(w io.Writer) {
		if err := torchZip(w, gib<<30, nil); err != nil {
			b.Fatal(err)
		}
	})
	benchScan(b, p)
}
