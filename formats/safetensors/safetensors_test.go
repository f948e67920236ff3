package safetensors

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/modelgate/modelgate/formats"
	"github.com/modelgate/modelgate/formats/formatstest"
)

// file assembles a safetensors file from a header and a data region, the
// way the reference writer does (8-byte little-endian length, JSON, data).
func file(header string, data []byte) []byte {
	var b bytes.Buffer
	binary.Write(&b, binary.LittleEndian, uint64(len(header)))
	b.WriteString(header)
	b.Write(data)
	return b.Bytes()
}

func zeros(n int) []byte { return make([]byte, n) }

// tinyZip is a stored zip with one member, built by hand.
func tinyZip() []byte {
	var b bytes.Buffer
	name := "a.pkl"
	body := []byte("\x80\x02K\x01.")
	lh := make([]byte, 30)
	copy(lh, "PK\x03\x04")
	binary.LittleEndian.PutUint16(lh[4:], 20)
	binary.LittleEndian.PutUint32(lh[18:], uint32(len(body)))
	binary.LittleEndian.PutUint32(lh[22:], uint32(len(body)))
	binary.LittleEndian.PutUint16(lh[26:], uint16(len(name)))
	b.Write(lh)
	b.WriteString(name)
	b.Write(body)
	cdOff := b.Len()
	cd := make([]byte, 46)
	copy(cd, "PK\x01\x02")
	binary.LittleEndian.PutUint16(cd[4:], 20)
	binary.LittleEndian.PutUint16(cd[6:], 20)
	binary.LittleEndian.PutUint32(cd[20:], uint32(len(body)))
	binary.LittleEndian.PutUint32(cd[24:], uint32(len(body)))
	binary.LittleEndian.PutUint16(cd[28:], uint16(len(name)))
	b.Write(cd)
	b.WriteString(name)
	cdSize := b.Len() - cdOff
	eocd := make([]byte, 22)
	copy(eocd, "PK\x05\x06")
	binary.LittleEndian.PutUint16(eocd[8:], 1)
	binary.LittleEndian.PutUint16(eocd[10:], 1)
	binary.LittleEndian.PutUint32(eocd[12:], uint32(cdSize))
	binary.LittleEndian.PutUint32(eocd[16:], uint32(cdOff))
	b.Write(eocd)
	return b.Bytes()
}

func run(t *testing.T, data []byte) (*formatstest.Recorder, error) {
	t.Helper()
	return formatstest.Run(t, formats.AnalyzerFunc(Analyze), "model.safetensors", data)
}

func TestAnalyze(t *testing.T) {
	pickle := append([]byte("\x80\x04\x95\x10\x00\x00\x00\x00\x00\x00\x00\x8c\x05posix\x8c\x06system\x93."), zeros(8)...)
	zip := tinyZip()
	tests := []struct {
		name    string
		data    []byte
		rules   []string // every rule expected; nil means clean
		wantErr bool
	}{
		{"clean", file(`{"__metadata__":{"format":"pt"},"a":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]},"b":{"dtype":"BF16","shape":[3],"data_offsets":[16,22]}}`, zeros(22)), nil, false},
		{"clean padded", file(`{"a":{"dtype":"F8_E4M3","shape":[4],"data_offsets":[0,4]}}      `, zeros(4)), nil, false},
		{"clean empty", file(`{}`, nil), nil, false},
		{"clean scalar and empty tensor", file(`{"s":{"dtype":"I64","shape":[],"data_offsets":[0,8]},"e":{"dtype":"F16","shape":[0,5],"data_offsets":[8,8]}}`, zeros(8)), nil, false},
		{"clean F4", file(`{"a":{"dtype":"F4","shape":[6],"data_offsets":[0,3]}}`, zeros(3)), nil, false},
		{"clean null metadata", file(`{"__metadata__":null,"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}`, zeros(1)), nil, false},
		{"too short", []byte{1, 2, 3}, []string{RuleHeaderLength}, true},
		{"header too large", append(binary.LittleEndian.AppendUint64(nil, MaxHeader+1), "{}"...), []string{RuleHeaderLength}, true},
		{"header beyond file", append(binary.LittleEndian.AppendUint64(nil, 1000), "{}"...), []string{RuleHeaderLength}, true},
		{"not json", file(`{"a":`, nil), []string{RuleHeaderInvalid}, true},
		{"not object", file(`[1,2]`, nil), []string{RuleHeaderInvalid}, true},
		{"invalid utf8", file("{\"a\xff\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]}}", zeros(1)), []string{RuleHeaderInvalid}, false},
		{"trailing garbage", file(`{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}xx`, zeros(1)), []string{RuleHeaderInvalid}, false},
		{"negative dim", file(`{"a":{"dtype":"U8","shape":[-1],"data_offsets":[0,1]}}`, zeros(1)), []string{RuleHeaderInvalid}, false},
		{"fractional offset", file(`{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1.0]}}`, zeros(1)), []string{RuleHeaderInvalid}, false},
		{"three offsets", file(`{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1,2]}}`, zeros(1)), []string{RuleHeaderInvalid}, false},
		{"missing dtype", file(`{"a":{"shape":[1],"data_offsets":[0,1]}}`, zeros(1)), []string{RuleHeaderInvalid}, false},
		{"unknown dtype", file(`{"a":{"dtype":"O","shape":[1],"data_offsets":[0,8]}}`, zeros(8)), []string{RuleDtype}, false},
		{"size mismatch", file(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}`, zeros(4)), []string{RuleSize}, false},
		{"size overflow", file(`{"a":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,4]}}`, zeros(4)), []string{RuleSize}, false},
		{"huge dim", file(`{"a":{"dtype":"U8","shape":[281474976710656,0],"data_offsets":[0,0]}}`, nil), []string{RuleRank}, false},
		{"misaligned bits", file(`{"a":{"dtype":"F4","shape":[3],"data_offsets":[0,2]}}`, zeros(2)), []string{RuleSize}, false},
		{"overlap", file(`{"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]},"b":{"dtype":"U8","shape":[4],"data_offsets":[0,4]}}`, zeros(4)), []string{RuleOffsets}, false},
		{"gap", file(`{"a":{"dtype":"U8","shape":[4],"data_offsets":[4,8]}}`, zeros(8)), []string{RuleOffsets}, false},
		{"reversed", file(`{"a":{"dtype":"U8","shape":[4],"data_offsets":[4,0]}}`, zeros(4)), []string{RuleOffsets}, false},
		{"trailing bytes", file(`{"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]}}`, zeros(20)), []string{RuleCoverage}, false},
		{"past end", file(`{"a":{"dtype":"U8","shape":[40],"data_offsets":[0,40]}}`, zeros(4)), []string{RuleCoverage}, false},
		{"duplicate tensor", file(`{"a":{"dtype":"U8","shape":[0],"data_offsets":[0,0]},"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]}}`, zeros(4)), []string{RuleDuplicateKey}, false},
		{"duplicate inner key", file(`{"a":{"dtype":"U8","dtype":"F32","shape":[1],"data_offsets":[0,4]}}`, zeros(4)), []string{RuleDuplicateKey}, false},
		{"duplicate metadata key", file(`{"__metadata__":{"k":"1","k":"2"}}`, nil), []string{RuleDuplicateKey}, false},
		{"unexpected key", file(`{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1],"extra":{"x":[1]}}}`, zeros(1)), []string{RuleUnexpectedKey}, false},
		{"metadata not strings", file(`{"__metadata__":{"n":1,"o":{"x":"y"}}}`, nil), []string{RuleMetadataType}, false},
		{"metadata not object", file(`{"__metadata__":[1]}`, nil), []string{RuleMetadataType}, false},
		{"nul in name", file(`{"a\u0000hidden":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}`, zeros(1)), []string{RuleName}, false},
		{"bidi in name", file("{\"a\u202eb\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]}}", zeros(1)), []string{RuleName}, false},
		{"long name", file(`{"`+strings.Repeat("n", 2000)+`":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}`, zeros(1)), []string{RuleName}, false},
		{"padding", file(`{}`+strings.Repeat(" ", 10000), nil), []string{RulePadding}, false},
		{"leading space", file(`  {}`, nil), []string{RuleNonCanonical}, false},
		{"metadata code", file(`{"__metadata__":{"hook":"__import__('os').system('id')"}}`, nil), []string{RuleMetadataCode}, false},
		{"rank", file(`{"a":{"dtype":"U8","shape":[1,1,1,1,1,1,1,1,1],"data_offsets":[0,1]}}`, zeros(1)), []string{RuleRank}, false},
		{"pickle at data start", file(`{"a":{"dtype":"U8","shape":[`+itoa(len(pickle))+`],"data_offsets":[0,`+itoa(len(pickle))+`]}}`, pickle), []string{RulePolyglot}, false},
		{"zip in last tensor", file(`{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"z":{"dtype":"U8","shape":[`+itoa(len(zip))+`],"data_offsets":[8,`+itoa(8+len(zip))+`]}}`, append(zeros(8), zip...)), []string{RulePolyglot}, false},
		{"elf in tensor", file(`{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"z":{"dtype":"U8","shape":[64],"data_offsets":[4,68]}}`, append(zeros(4), append([]byte("\x7fELF\x02\x01\x01"), zeros(57)...)...)), []string{RulePolyglot}, false},
		{"proto only is not a pickle", file(`{"a":{"dtype":"F16","shape":[2],"data_offsets":[0,4]}}`, []byte{0x80, 0x02, 0x00, 0x3c}), nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := run(t, tt.data)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v; findings %v", err, tt.wantErr, r.Findings)
			}
			got := r.Rules()
			if tt.rules == nil && len(got) > 0 {
				t.Fatalf("want clean, got %v", r.Findings)
			}
			for _, want := range tt.rules {
				if !slices.Contains(got, want) {
					t.Errorf("missing %s; got %v", want, r.Findings)
				}
			}
			for _, f := range r.Findings {
				if _, ok := formats.LookupRule(f.Rule); !ok {
					t.Errorf("unregistered rule %s", f.Rule)
				}
			}
		})
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestPolyglotMemberScanned(t *testing.T) {
	pickle := []byte("\x80\x02cos\nsystem\n.")
	r, err := run(t, file(`{"a":{"dtype":"U8","shape":[`+itoa(len(pickle))+`],"data_offsets":[0,`+itoa(len(pickle))+`]}}`, pickle))
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Members) != 1 || !bytes.Equal(r.Members[0].Data, pickle) {
		t.Fatalf("members = %+v", r.Members)
	}
}

func TestDuplicateLastWins(t *testing.T) {
	var got []formats.Finding
	data := file(`{"a":{"dtype":"U8","shape":[0],"data_offsets":[0,0]},"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]}}`, zeros(4))
	h, err := ReadHeader(context.Background(), bytes.NewReader(data), int64(len(data)), func(f formats.Finding) { got = append(got, f) })
	if err != nil {
		t.Fatal(err)
	}
	if len(h.Tensors) != 1 || h.Tensors[0].End != 4 {
		t.Fatalf("tensors = %+v", h.Tensors)
	}
}

func realworld(t testing.TB, kind string) []string {
	dir := filepath.Join("..", "..", "..", "shared", "realworld", kind)
	files, _ := filepath.Glob(filepath.Join(dir, "*"))
	if len(files) == 0 {
		t.Skipf("no real-world files in %s", dir)
	}
	return files
}

func TestRealWorld(t *testing.T) {
	for _, f := range realworld(t, "safetensors") {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			r, err := run(t, data)
			if err != nil {
				t.Fatal(err)
			}
			if sev, ok := r.Max(); ok && sev >= formats.Medium {
				t.Errorf("findings on a real file: %v", r.Findings)
			}
			for _, f := range r.Findings {
				t.Logf("below medium: %v", f)
			}
		})
	}
}

func TestCanceled(t *testing.T) {
	var hdr strings.Builder
	hdr.WriteString("{")
	for i := range 5000 {
		if i > 0 {
			hdr.WriteString(",")
		}
		hdr.WriteString(`"t` + itoa(i) + `":{"dtype":"U8","shape":[0],"data_offsets":[0,0]}`)
	}
	hdr.WriteString("}")
	data := file(hdr.String(), nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := Analyze(ctx, formats.NewInput("x", bytes.NewReader(data), int64(len(data))), formatstest.NewRecorder())
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
}

func FuzzSafetensors(f *testing.F) {
	for _, p := range realworldSeeds() {
		if b, err := os.ReadFile(p); err == nil && len(b) < 1<<20 {
			f.Add(b)
		}
	}
	f.Add(file(`{"__metadata__":{"format":"pt"},"a":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]}}`, zeros(16)))
	f.Add(file(`{"a":{"dtype":"U8","shape":[0],"data_offsets":[0,0]},"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]}}`, zeros(4)))
	f.Add(file(`{"z":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}`, tinyZip()))
	f.Fuzz(func(t *testing.T, data []byte) {
		r := formatstest.NewRecorder()
		_ = Analyze(context.Background(), formats.NewInput("f", bytes.NewReader(data), int64(len(data))), r)
		for _, m := range r.Members {
			if len(m.Data) > len(data) {
				t.Fatalf("member larger than file")
			}
		}
	})
}

func realworldSeeds() []string {
	files, _ := filepath.Glob(filepath.Join("..", "..", "..", "shared", "realworld", "safetensors", "*"))
	return files
}

// sparse is a ReaderAt over a large file that holds a real header and
// zeros everywhere else; it counts the bytes read.
type sparse struct {
	head []byte
	size int64
	read int64
}

func (s *sparse) ReadAt(p []byte, off int64) (int, error) {
	if off >= s.size {
		return 0, io.EOF
	}
	n := len(p)
	if rem := s.size - off; int64(n) > rem {
		n = int(rem)
	}
	clear(p[:n])
	if off < int64(len(s.head)) {
		copy(p[:n], s.head[off:])
	}
	s.read += int64(n)
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

func BenchmarkHeader10GB(b *testing.B) {
	// 1,000 F16 tensors of 5 MiB each: a 10 GB-class file with a
	// realistic header.
	const per = 5 << 20
	var hdr strings.Builder
	hdr.WriteString(`{"__metadata__":{"format":"pt"}`)
	var off uint64
	for i := range 2000 {
		hdr.WriteString(`,"model.layers.` + itoa(i) + `.mlp.weight":{"dtype":"F16","shape":[2560,1024],"data_offsets":[` + itoa(int(off)) + `,` + itoa(int(off+per)) + `]}`)
		off += per
	}
	hdr.WriteString("}")
	head := file(hdr.String(), nil)
	src := &sparse{head: head, size: int64(len(head)) + int64(off)}
	b.SetBytes(int64(len(head)))
	b.ReportAllocs()
	for b.Loop() {
		src.read = 0
		r := formatstest.NewRecorder()
		if err := Analyze(context.Background(), formats.NewInput("big.safetensors", src, src.size), r); err != nil {
			b.Fatal(err)
		}
		if len(r.Findings) > 0 {
			b.Fatal(r.Findings)
		}
	}
	b.ReportMetric(float64(src.read), "bytes-read/op")
	b.ReportMetric(float64(src.size)/1e9, "file-GB")
}
