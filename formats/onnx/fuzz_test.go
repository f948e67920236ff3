package onnx

import (
	"bytes"
	"context"
	"crypto/sha256"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/modelgate/modelgate/formats"
)

func FuzzONNX(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/*.onnx")
	for _, p := range seeds {
		if b, err := os.ReadFile(p); err == nil && len(b) < 1<<20 {
			f.Add(b)
		}
	}
	f.Add(model(withInit(graph(mknode("If", "", graphAttr("then_branch", graph(mknode("PyOp", ""))))),
		extTensor("w", "location", "w.bin", "offset", "0"), tensor("t", 1, []uint64{2}, make([]byte, 8)))))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _ = Walk(context.Background(), bytes.NewReader(data), int64(len(data)), func(formats.Finding) {})
	})
}

// benchModel is an ONNX model of about size bytes whose weight is one
// inline initializer, like an exported network with inline weights.
func benchModel(size int) []byte {
	var g pb
	for i := range 64 {
		g = g.b(1, mknode("Conv", "", intAttr("group", int64(i))))
	}
	chunk := size / 16
	for range 16 {
		g = g.b(5, tensor("w", 2, []uint64{uint64(chunk)}, make([]byte, chunk)))
	}
	return model(g)
}

func BenchmarkWalk(b *testing.B) {
	data := benchModel(64 << 20)
	r := bytes.NewReader(data)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Walk(context.Background(), r, int64(len(data)), func(formats.Finding) {}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSHA256 is the baseline the walk is compared with.
func BenchmarkSHA256(b *testing.B) {
	data := benchModel(64 << 20)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		sha256.Sum256(data)
	}
}

// writeSparseModel writes an ONNX model of about size bytes to path whose
// weights are n inline initializers; their raw_data is left as a hole, so
// the file costs no disk and its bytes read as zeros.
func writeSparseModel(tb testing.TB, path string, size int64, n int) {
	tb.Helper()
	chunk := size / int64(n)
	var nodes pb
	for i := range 64 {
		nodes = nodes.b(1, mknode("Conv", "", intAttr("group", int64(i))))
	}
	hdr := tensor("w", 2, []uint64{uint64(chunk)}, nil)
	hdr = protowire.AppendTag(hdr, 9, protowire.BytesType)
	hdr = protowire.AppendVarint(hdr, uint64(chunk))
	tensorLen := int64(len(hdr)) + chunk
	init := protowire.AppendVarint(protowire.AppendTag(nil, 5, protowire.BytesType), uint64(tensorLen))
	graphLen := int64(len(nodes)) + int64(n)*(int64(len(init))+tensorLen)
	head := pb(nil).v(1, 8).s(2, "bench")
	head = protowire.AppendTag(head, 7, protowire.BytesType)
	head = protowire.AppendVarint(head, uint64(graphLen))
	head = append(head, nodes...)
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Write(head); err != nil {
		tb.Fatal(err)
	}
	for range n {
		if _, err := f.Write(append(slices.Clone(init), hdr...)); err != nil {
			tb.Fatal(err)
		}
		if _, err := f.Seek(chunk, io.SeekCurrent); err != nil {
			tb.Fatal(err)
		}
	}
	end, _ := f.Seek(0, io.SeekCurrent)
	if err := f.Truncate(end); err != nil {
		tb.Fatal(err)
	}
}

// BenchmarkWalkFile walks a 512 MiB model on disk and hashes the same
// file, reporting the walk's speed as a multiple of SHA-256's.
func BenchmarkWalkFile(b *testing.B) {
	p := filepath.Join(b.TempDir(), "big.onnx")
	writeSparseModel(b, p, 512<<20, 64)
	f, err := os.Open(p)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	st, _ := f.Stat()
	b.SetBytes(st.Size())
	var walk, hash time.Duration
	for b.Loop() {
		t0 := time.Now()
		if _, err := Walk(context.Background(), f, st.Size(), func(formats.Finding) {}); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		h := sha256.New()
		if _, err := io.Copy(h, io.NewSectionReader(f, 0, st.Size())); err != nil {
			b.Fatal(err)
		}
		walk, hash = walk+t1.Sub(t0), hash+time.Since(t1)
	}
	b.ReportMetric(float64(hash)/float64(walk), "x-sha256")
}
