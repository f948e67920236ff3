package compress

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	"github.com/pierrec/lz4/v4"

	"github.com/modelgate/modelgate/formats"
	"github.com/modelgate/modelgate/formats/formatstest"
)

var payload = []byte("\x80\x02cos\nsystem\nq\x00X\x02\x00\x00\x00idq\x01\x85q\x02Rq\x03.")

func zstdBytes(t testing.TB, b []byte) []byte {
	t.Helper()
	e, err := zstd.NewWriter(nil)
	if err != nil {
		t.Fatal(err)
	}
	return e.EncodeAll(b, nil)
}

func lz4Legacy(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := lz4.NewWriter(&buf)
	if err := w.Apply(lz4.LegacyOption(true)); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func readSample(t testing.TB, name string) []byte {
	t.Helper()
	b := formatstest.Testdata(t, name)
	return b
}

func TestAnalyze(t *testing.T) {
	tests := []struct {
		format, file, member string
		data                 []byte // when no file
	}{
		{formats.Gzip, "model.pkl.gz", "model.pkl", nil},
		{formats.Gzip, "multi.pkl.gz", "multi.pkl", nil},
		{formats.Bzip2, "model.pkl.bz2", "model.pkl", nil},
		{formats.XZ, "model.pkl.xz", "model.pkl", nil},
		{formats.LZMA, "model.pkl.lzma", "model.pkl", nil},
		{formats.Zlib, "model.pkl.z", "model.pkl", nil},
		{formats.LZ4, "model.pkl.lz4", "model.pkl", nil},
		{formats.JoblibZFile, "model.pkl.zfile", "model.pkl.zfile", nil},
		{formats.JoblibZFile, "old.gz", "old", zfileWide(t, readSample(t, "model.pkl.zfile"))},
		{formats.Zstd, "w.tzst", "w.tar", zstdBytes(t, payload)},
		{formats.LZ4, "legacy.lz4", "legacy", lz4Legacy(t, payload)},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			data := tt.data
			if data == nil {
				data = readSample(t, tt.file)
			}
			h, err := formats.ReadHead(formats.NewInput(tt.file, bytes.NewReader(data), int64(len(data))))
			if err != nil {
				t.Fatal(err)
			}
			if got := formats.Sniff(h); len(got) == 0 || got[0] != tt.format {
				t.Errorf("sniffed as %v, want %s", got, tt.format)
			}
			a, ok := formats.Lookup(tt.format)
			if !ok {
				t.Fatalf("no analyzer for %s", tt.format)
			}
			rec, err := formatstest.Run(t, a, tt.file, data)
			if err != nil {
				t.Fatal(err)
			}
			if len(rec.Members) != 1 || rec.Members[0].Name != tt.member || !bytes.Equal(rec.Members[0].Data, payload) || rec.Members[0].Err != nil {
				t.Errorf("members = %+v", rec.Members)
			}
		})
	}
}

// TestCorrupt checks that a damaged or truncated stream is an error.
func TestCorrupt(t *testing.T) {
	for _, tt := range []struct{ format, file string }{
		{formats.Gzip, "model.pkl.gz"}, {formats.Bzip2, "model.pkl.bz2"}, {formats.XZ, "model.pkl.xz"},
		{formats.LZMA, "model.pkl.lzma"}, {formats.Zlib, "model.pkl.z"}, {formats.LZ4, "model.pkl.lz4"},
		{formats.JoblibZFile, "model.pkl.zfile"},
	} {
		b := readSample(t, tt.file)
		for name, bad := range map[string][]byte{
			"truncated": b[:len(b)-6],
			"flipped":   append(append([]byte{}, b[:len(b)/2]...), append([]byte{b[len(b)/2] ^ 0x55}, b[len(b)/2+1:]...)...),
		} {
			if tt.format == formats.LZ4 && name == "flipped" {
				continue // Python writes LZ4 frames without a content checksum
			}
			t.Run(tt.file+"/"+name, func(t *testing.T) {
				a, _ := formats.Lookup(tt.format)
				rec, err := formatstest.Run(t, a, tt.file, bad)
				if err == nil {
					t.Errorf("no error; member %q", rec.Members[0].Data)
				}
			})
		}
	}
}

// TestBomb checks that a gzip bomb is handed back as a stream with its
// packed size, and that memory stays flat while the engine refuses it.
func TestBomb(t *testing.T) {
	var buf bytes.Buffer
	w, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	zeros := make([]byte, 1<<20)
	for range 64 {
		w.Write(zeros)
	}
	w.Close()
	data := buf.Bytes()
	s := &limitScope{max: 4 << 20}
	err := Analyzer{formats.Gzip}.Analyze(context.Background(), formats.NewInput("bomb.gz", bytes.NewReader(data), int64(len(data))), s)
	var le *formats.LimitError
	if !errors.As(err, &le) {
		t.Fatalf("err = %v", err)
	}
	if s.in.Size != -1 || s.in.Packed != int64(len(data)) || s.in.Name != "bomb" {
		t.Errorf("member %q size %d packed %d", s.in.Name, s.in.Size, s.in.Packed)
	}
}

// limitScope reads members up to max bytes and refuses larger ones, as
// the engine does with its decompressed-size cap.
type limitScope struct {
	max int64
	in  *formats.Input
}

func (l *limitScope) Report(formats.Finding) {}
func (l *limitScope) Limits() formats.Limits { return formats.DefaultLimits() }
func (l *limitScope) Scan(_ context.Context, m *formats.Input) error {
	l.in = m
	rc, err := m.Open()
	if err != nil {
		return nil
	}
	defer rc.Close()
	n, _ := io.Copy(io.Discard, io.LimitReader(rc, l.max+1))
	if n > l.max {
		return &formats.LimitError{Limit: "decompressed-bytes", Max: l.max}
	}
	return nil
}

// TestXZDict checks that an xz stream asking for a 1.5 GiB dictionary is
// refused before the decoder allocates it.
func TestXZDict(t *testing.T) {
	b := readSample(t, "model.pkl.xz")
	if err := checkXZDict(bufio.NewReader(bytes.NewReader(b))); err != nil {
		t.Fatalf("benign sample: %v", err)
	}
	// The first block header: size, flags, then filter 0x21 with its
	// one property byte; find that byte and ask for the largest dictionary.
	bad := slices.Clone(b)
	i := bytes.Index(bad[12:], []byte{0x21, 0x01})
	if i < 0 {
		t.Fatal("no LZMA2 filter in the sample")
	}
	bad[12+i+2] = 39
	bh := 12 + (int(bad[12])+1)*4
	binary.LittleEndian.PutUint32(bad[bh-4:], crc32.ChecksumIEEE(bad[12:bh-4]))
	_, err := formatstest.Run(t, Analyzer{formats.XZ}, "big.xz", bad)
	if err == nil || !strings.Contains(err.Error(), "dictionary") {
		t.Errorf("err = %v", err)
	}
}

func TestMemberName(t *testing.T) {
	for in, want := range map[string]string{
		"model.pkl.gz": "model.pkl", "dir/w.TGZ": "w.tar", "a.tar.zst": "a.tar", "x.joblib": "x.joblib",
		"m.pkl.z": "m.pkl", ".gz": ".gz", "": "data", `c:\m\n.bz2`: "n", "noext": "noext",
	} {
		if got := MemberName(in); got != want {
			t.Errorf("MemberName(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestRealWorld unwraps the shared joblib samples that are compressed.
func TestRealWorld(t *testing.T) {
	files, _ := filepath.Glob("../../../shared/realworld/joblib/*")
	n := 0
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		h, _ := formats.ReadHead(formats.NewInput(p, bytes.NewReader(b), int64(len(b))))
		f := formats.Sniff(h)
		if len(f) == 0 {
			continue
		}
		a, ok := formats.Lookup(f[0])
		if _, ours := decoders[f[0]]; !ok || !ours {
			continue
		}
		n++
		rec, err := formatstest.Run(t, a, filepath.Base(p), b)
		if err != nil || len(rec.Members) != 1 || len(rec.Members[0].Data) == 0 {
			t.Errorf("%s: %v %+v", p, err, rec.Members)
		}
	}
	t.Logf("%d compressed real-world files", n)
}

// TestTruncatedAnywhere cuts every sample at every byte: the unwrapped
// member must end in an error however the cut falls, including right after
// an xz block, where the index and footer are missing (xz -t: "Unexpected
// end of input") and the decoder alone sees a whole stream. Cuts between
// whole gzip members or xz streams are whole files and not tried.
func TestTruncatedAnywhere(t *testing.T) {
	multi := readSample(t, "multi.pkl.gz")
	blocks := readSample(t, "blocks.pkl.xz")
	zst := zstdBytes(t, bytes.Repeat(payload, 200))
	for _, tt := range []struct {
		format, file string
		whole        []int  // cuts that leave whole files
		data         []byte // when not a sample file
	}{
		{formats.Zstd, "model.pkl.zst", nil, zst},
		{formats.Gzip, "model.pkl.gz", nil, nil}, {formats.Gzip, "multi.pkl.gz", []int{len(multi) - 41}, nil},
		{formats.Bzip2, "model.pkl.bz2", nil, nil}, {formats.XZ, "model.pkl.xz", nil, nil},
		{formats.XZ, "blocks.pkl.xz", []int{len(blocks) - 36, len(blocks) - 32}, nil},
		{formats.LZMA, "model.pkl.lzma", nil, nil}, {formats.Zlib, "model.pkl.z", nil, nil}, {formats.LZ4, "model.pkl.lz4", nil, nil},
		{formats.JoblibZFile, "model.pkl.zfile", nil, nil},
	} {
		t.Run(tt.file, func(t *testing.T) {
			b := tt.data
			if b == nil {
				b = readSample(t, tt.file)
			}
			if _, err := formatstest.Run(t, Analyzer{tt.format}, tt.file, b); err != nil {
				t.Fatalf("whole file: %v", err)
			}
			for n := 1; n < len(b); n++ {
				if slices.Contains(tt.whole, n) {
					continue
				}
				if _, err := formatstest.Run(t, Analyzer{tt.format}, tt.file, b[:n]); err == nil {
					t.Errorf("cut at %d of %d: no error", n, len(b))
				}
			}
		})
	}
}

// TestXZIndexDamaged flips the index indicator of an xz file: the xz
// package reads the flipped byte as a block header and ends quietly; xz -t
// and Python's lzma refuse the file.
func TestXZIndexDamaged(t *testing.T) {
	b := readSample(t, "model.pkl.xz")
	back := (int(binary.LittleEndian.Uint32(b[len(b)-8:])) + 1) * 4
	bad := slices.Clone(b)
	bad[len(b)-12-back] ^= 0x10
	if _, err := formatstest.Run(t, Analyzer{formats.XZ}, "model.pkl.xz", bad); err == nil {
		t.Error("no error")
	}
}
