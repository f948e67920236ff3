package compress

import (
	"bytes"
	"context"
	"crypto/sha256"
	"io"
	"math/rand/v2"
	"testing"

	"github.com/klauspost/compress/gzip"

	"github.com/modelgate/modelgate/formats"
)

// benchPayload is 32 MiB of half-compressible bytes, like float weights.
func benchPayload() []byte {
	rng := rand.New(rand.NewPCG(3, 4))
	b := make([]byte, 32<<20)
	for i := range b {
		if i%2 == 0 {
			b[i] = byte(rng.Uint32())
		}
	}
	return b
}

// BenchmarkGzip streams a gzip member through the analyzer as the engine
// reads it; throughput is of decompressed bytes. Compare BenchmarkSHA256.
func BenchmarkGzip(b *testing.B) {
	raw := benchPayload()
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write(raw)
	w.Close()
	data := buf.Bytes()
	b.SetBytes(int64(len(raw)))
	b.ResetTimer()
	for b.Loop() {
		s := &limitScope{max: 1 << 40}
		if err := (Analyzer{formats.Gzip}).Analyze(context.Background(), formats.NewInput("w.gz", bytes.NewReader(data), int64(len(data))), s); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkZstd is BenchmarkGzip for Zstandard.
func BenchmarkZstd(b *testing.B) {
	raw := benchPayload()
	data := zstdBytes(b, raw)
	b.SetBytes(int64(len(raw)))
	b.ResetTimer()
	for b.Loop() {
		s := &limitScope{max: 1 << 40}
		if err := (Analyzer{formats.Zstd}).Analyze(context.Background(), formats.NewInput("w.zst", bytes.NewReader(data), int64(len(data))), s); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSHA256 is the yardstick over the same decompressed bytes.
func BenchmarkSHA256(b *testing.B) {
	raw := benchPayload()
	b.SetBytes(int64(len(raw)))
	b.ResetTimer()
	for b.Loop() {
		h := sha256.New()
		io.Copy(h, bytes.NewReader(raw))
	}
}
