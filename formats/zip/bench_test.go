package zip

import (
	"bytes"
	"context"
	"crypto/sha256"
	"io"
	"math/rand/v2"
	"testing"

	"github.com/modelgate/modelgate/formats"
)

// benchArchive is a PyTorch-like archive: a small pickle and a few large
// stored tensor records of random bytes.
func benchArchive(b *testing.B) []byte {
	rng := rand.New(rand.NewPCG(1, 2))
	blob := make([]byte, 16<<20)
	for i := range blob {
		blob[i] = byte(rng.Uint32())
	}
	return stdZip(b, Store, "archive/data.pkl", string(pkl),
		"archive/data/0", string(blob[:8<<20]), "archive/data/1", string(blob[8<<20:]),
		"archive/version", "3\n")
}

// BenchmarkScanStored streams every member out of the archive, as the
// engine does, and checks CRCs; compare with BenchmarkSHA256 for the ratio.
func BenchmarkScanStored(b *testing.B) {
	data := benchArchive(b)
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for b.Loop() {
		s := &countScope{lim: formats.DefaultLimits()}
		if err := Analyze(context.Background(), formats.NewInput("m.pt", bytes.NewReader(data), int64(len(data))), s); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkScanDeflated is the same with deflated members.
func BenchmarkScanDeflated(b *testing.B) {
	text := bytes.Repeat([]byte("weights 0.125 0.25 0.5 1.0\n"), 600_000)
	data := stdZip(b, Deflate, "archive/data.pkl", string(pkl), "archive/data/0", string(text))
	b.SetBytes(int64(len(text)))
	b.ResetTimer()
	for b.Loop() {
		s := &countScope{lim: formats.DefaultLimits()}
		if err := Analyze(context.Background(), formats.NewInput("m.pt", bytes.NewReader(data), int64(len(data))), s); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSHA256 is the yardstick: a plain SHA-256 pass over the same
// bytes as BenchmarkScanStored.
func BenchmarkSHA256(b *testing.B) {
	data := benchArchive(b)
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for b.Loop() {
		h := sha256.New()
		if _, err := io.Copy(h, bytes.NewReader(data)); err != nil {
			b.Fatal(err)
		}
	}
}
