package scanner_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/modelgate/modelgate/scanner"
	"github.com/modelgate/modelgate/scanner/fetch"
)

// zeros is one block of tensor data; writers repeat it, and sparseWriter
// turns it into a hole.
var zeros = make([]byte, 1<<20)

func writeZeros(w io.Writer, n int64) error {
	if sw, ok := w.(*sparseWriter); ok {
		return sw.skip(n)
	}
	for ; n > 0; n -= int64(len(zeros)) {
		if _, err := w.Write(zeros[:min(n, int64(len(zeros)))]); err != nil {
			return err
		}
	}
	return nil
}

// bigModels write models whose tensor data is n bytes of zeros.
var bigModels = []struct {
	name  string
	write func(w io.Writer, n int64) error
}{
	{"model.pt", func(w io.Writer, n int64) error { return torchZip(w, n, zeros) }},
	{"model.safetensors", func(w io.Writer, n int64) error {
		hdr := []byte(`{"__metadata__":{"format":"pt"},"w":{"dtype":"F32","shape":[` + strconv.FormatInt(n/4, 10) + `],"data_offsets":[0,` + strconv.FormatInt(n, 10) + `]}}`)
		w.Write(binary.LittleEndian.AppendUint64(nil, uint64(len(hdr))))
		w.Write(hdr)
		return writeZeros(w, n)
	}},
	{"legacy.pt", legacyTorch},
	{"array.npy", func(w io.Writer, n int64) error {
		hdr := fmt.Sprintf("{'descr': '<f4', 'fortran_order': False, 'shape': (%d,), }", n/4)
		hdr += string(bytes.Repeat([]byte(" "), 63-(10+len(hdr))%64)) + "\n"
		w.Write([]byte("\x93NUMPY\x01\x00"))
		w.Write(binary.LittleEndian.AppendUint16(nil, uint16(len(hdr))))
		w.Write([]byte(hdr))
		return writeZeros(w, n)
	}},
	{"model.gguf", func(w io.Writer, n int64) error {
		var b bytes.Buffer
		str := func(s string) {
			binary.Write(&b, binary.LittleEndian, uint64(len(s)))
			b.WriteString(s)
		}
		b.WriteString("GGUF")
		for _, v := range []any{uint32(3), uint64(1), uint64(1)} {
			binary.Write(&b, binary.LittleEndian, v)
		}
		str("general.architecture")
		binary.Write(&b, binary.LittleEndian, uint32(8)) // string
		str("llama")
		str("w")
		for _, v := range []any{uint32(1), uint64(n / 4), uint32(0), uint64(0)} {
			binary.Write(&b, binary.LittleEndian, v)
		}
		b.Write(make([]byte, (32-b.Len()%32)%32))
		w.Write(b.Bytes())
		return writeZeros(w, n)
	}},
}

// legacyTorch writes a pre-1.6 torch.save file: the magic number,
// protocol version and sys_info pickles, a tensor whose storage is
// persistent ID "0", the key list, then the storage record.
func legacyTorch(w io.Writer, n int64) error {
	numel := n / 4
	var b bytes.Buffer
	b.WriteString("\x80\x02\x8a\x0al\xfc\x9cF\xf9 j\xa8P\x19.")               // 0x1950a86a20f9469cfc6c
	b.WriteString("\x80\x02M\xe9\x03.")                                       // 1001
	b.WriteString("\x80\x02}q\x00(X\x0d\x00\x00\x00little_endianq\x01\x88u.") // sys_info
	b.WriteString("\x80\x02ctorch._utils\n_rebuild_tensor_v2\n((X\x07\x00\x00\x00storagectorch\nFloatStorage\nX\x01\x00\x00\x000X\x03\x00\x00\x00cpu\x8a\x08")
	b.Write(binary.LittleEndian.AppendUint64(nil, uint64(numel)))
	b.WriteString("NtQK\x00\x8a\x08")
	b.Write(binary.LittleEndian.AppendUint64(nil, uint64(numel)))
	b.WriteString("\x85K\x01\x85\x89ccollections\nOrderedDict\n)RtR.")
	b.WriteString("\x80\x02]X\x01\x00\x00\x000a.")
	b.Write(binary.LittleEndian.AppendUint64(nil, uint64(numel)))
	w.Write(b.Bytes())
	return writeZeros(w, n)
}

// writeSparse writes a model with write into dir, sparse where the file
// system allows.
func writeSparse(tb testing.TB, dir, name string, n int64, write func(io.Writer, int64) error) string {
	tb.Helper()
	p := filepath.Join(dir, name)
	f, err := os.Create(p)
	if err != nil {
		tb.Fatal(err)
	}
	w := &sparseWriter{f: f}
	if err := write(w, n); err != nil {
		tb.Fatal(err)
	}
	if err := w.finish(); err != nil {
		tb.Fatal(err)
	}
	return p
}

// scanCounting scans path and returns its report and the bytes read.
func scanCounting(tb testing.TB, path string, opts scanner.Options) (*scanner.Report, int64) {
	tb.Helper()
	l, err := fetch.NewLocal(path)
	if err != nil {
		tb.Fatal(err)
	}
	src := &countingSource{Source: l}
	rep, err := scanner.Scan(context.Background(), []scanner.Target{{Name: path, Source: src}}, opts)
	if err != nil {
		tb.Fatal(err)
	}
	return rep, src.n.Load()
}

// TestQuickReadsHeadersOnly checks that a structure-only scan of a model
// of each kind reads under 1 MiB (the headers, which are alike at any
// size), and gives the verdict of the full scan.
func TestQuickReadsHeadersOnly(t *testing.T) {
	dir := t.TempDir()
	for _, m := range bigModels {
		t.Run(m.name, func(t *testing.T) {
			p := writeSparse(t, dir, m.name, 64<<20, m.write)
			rep, read := scanCounting(t, p, scanner.Options{Quick: true})
			f := rep.Files[0]
			if f.Outcome != scanner.Clean || len(f.Formats) == 0 {
				t.Fatalf("%s %v %s %v", f.Outcome, f.Formats, f.Error, f.Findings)
			}
			if read > 1<<20 {
				t.Errorf("read %d bytes of a 64 MiB %s", read, f.Formats)
			}
			full, fullRead := scanCounting(t, p, scanner.Options{})
			if vf, vq := verdictOf(full.Files[0]), verdictOf(f); vf != vq {
				t.Errorf("full %v, quick %v", vf, vq)
			}
			if fullRead < 64<<20 {
				t.Errorf("full scan read %d bytes of 64 MiB", fullRead)
			}
		})
	}
}

// TestQuickExceptions states where a structure-only scan legitimately
// differs from a full one: a fault only the tensor bytes show. A stored
// zip member whose data does not match its CRC-32 (MG210) is found by
// reading the data; quick mode does not read it. No code-execution rule
// depends on tensor bytes: a pickle is always read whole.
func TestQuickExceptions(t *testing.T) {
	var b bytes.Buffer
	if err := torchZip(&b, 1<<20, nil); err != nil {
		t.Fatal(err)
	}
	data := b.Bytes()
	i := bytes.Index(data, []byte("archive/data/0"))
	data[i+len("archive/data/0")+4096] ^= 0xff // inside the tensor bytes
	p := filepath.Join(t.TempDir(), "corrupt.pt")
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		quick bool
		want  verdict
	}{
		{false, verdict{scanner.Findings, "MG210/high"}},
		{true, verdict{scanner.Clean, ""}},
	} {
		if got := verdictOf(scanMode(t, p, c.quick)); got != c.want {
			t.Errorf("quick=%v: %v, want %v", c.quick, got, c.want)
		}
	}
}
