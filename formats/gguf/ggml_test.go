package gguf

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/modelgate/modelgate/formats"
	"github.com/modelgate/modelgate/formats/formatstest"
)

// legacy writes legacy GGML files the way whisper.cpp's and llama.cpp's
// converters lay them out.
type legacy struct {
	b     bytes.Buffer
	align int // tensor data alignment (ggjt), or 0
}

func (l *legacy) i32(vs ...int32) *legacy {
	for _, v := range vs {
		binary.Write(&l.b, binary.LittleEndian, v)
	}
	return l
}

func (l *legacy) raw(s string) *legacy {
	l.b.WriteString(s)
	return l
}

// tensor writes a record and data bytes of zeros.
func (l *legacy) tensor(name string, typ int32, data int, dims ...int32) *legacy {
	l.i32(int32(len(dims)), int32(len(name)), typ).i32(dims...).raw(name)
	for l.align > 0 && l.b.Len()%l.align != 0 {
		l.b.WriteByte(0)
	}
	l.b.Write(make([]byte, data))
	return l
}

func (l *legacy) bytes() []byte { return slices.Clone(l.b.Bytes()) }

func whisperHeader() *legacy { return whisperFtype(2001) }

// whisperFtype is a whisper header for ftype (quantization version times
// 1000 plus the ggml file type).
func whisperFtype(ftype int32) *legacy {
	l := &legacy{}
	l.raw("lmgg").i32(51865, 1500, 384, 6, 4, 448, 384, 6, 4, 80, ftype)
	l.i32(80, 201).raw(string(make([]byte, 80*201*4)))
	return l.i32(3).i32(1).raw("a").i32(2).raw("bb").i32(0)
}

func whisper() *legacy {
	return whisperHeader().tensor("encoder.conv1.bias", 0, 4*384, 1, 384).
		tensor("encoder.conv1.weight", 1, 2*3*80*384, 3, 80, 384).
		tensor("decoder.blocks.0.mlp.0.weight", 2, 18*2*3, 64, 3)
}

func vadHeader() *legacy {
	l := &legacy{}
	l.raw("lmgg").i32(10).raw("silero-16k").i32(6, 2, 0, 512, 64, 4)
	l.i32(129, 128, 3, 128, 64, 3, 64, 64, 3, 64, 128, 3)
	return l.i32(128, 128, 128, 1)
}

func vad() *legacy {
	return vadHeader().tensor("_model.encoder.0.reparam_conv.weight", 1, 2*3*129*128, 3, 129, 128).
		tensor("_model.decoder.decoder.2.bias", 0, 4).
		tensor("_model.stft.forward_basis_buffer", 1, 2*256*258, 256, 1, 258)
}

func llamaHeader(magic string, version int32) *legacy {
	l := &legacy{}
	l.raw(magic)
	if version > 0 {
		l.i32(version)
	}
	l.i32(3, 64, 256, 2, 1, 32, 1)
	for _, tok := range []string{"<unk>", "a", ""} {
		l.i32(int32(len(tok))).raw(tok)
		if version > 0 {
			l.i32(0)
		}
	}
	if magic == "tjgg" {
		l.align = 32
	}
	return l
}

func runGGML(t testing.TB, data []byte) (*formatstest.Recorder, error) {
	t.Helper()
	return formatstest.Run(t, formats.AnalyzerFunc(AnalyzeGGML), "model.bin", data)
}

func TestAnalyzeGGML(t *testing.T) {
	trunc := func(b []byte, n int) []byte { return b[:len(b)-n] }
	// A zip end record as the last tensor's data.
	zip := whisperHeader().i32(1, 1, 24, 22).raw("a").raw("PK\x05\x06" + string(make([]byte, 18)))
	tests := []struct {
		name    string
		data    []byte
		rules   []string
		wantErr error // nil: none; errAny: some error
	}{
		{"whisper", whisper().bytes(), nil, nil},
		{"whisper no tensors", whisperHeader().bytes(), nil, nil},
		{"whisper f16", whisperFtype(1).tensor("encoder.conv1.bias", 0, 4*384, 1, 384).tensor("a", 1, 2*384, 384).bytes(), nil, nil},
		{"whisper old quantization", whisperFtype(8).tensor("a", 8, 34, 32).bytes(), nil, formats.ErrUnsupported},
		{"vad", vad().bytes(), nil, nil},
		{"llama ggml", llamaHeader("lmgg", 0).tensor("tok_embeddings.weight", 1, 2*64*3, 64, 3).bytes(), nil, nil},
		{"llama ggmf", llamaHeader("fmgg", 1).tensor("norm.weight", 0, 4*64, 64).bytes(), nil, nil},
		{"llama ggjt v3 quantized", llamaHeader("tjgg", 3).tensor("norm.weight", 0, 4*64, 64).
			tensor("output.weight", 2, 18*2*3, 64, 3).bytes(), nil, nil},
		{"llama ggjt v1 quantized", llamaHeader("tjgg", 1).tensor("output.weight", 2, 20*2*3, 64, 3).bytes(), nil, formats.ErrUnsupported},

		{"truncated in filters", whisperHeader().bytes()[:1000], []string{RuleGGMLHeader}, errTruncated},
		{"truncated in vocabulary", trunc(whisperHeader().bytes(), 3), []string{RuleGGMLHeader}, errTruncated},
		{"truncated in hparams", whisperHeader().bytes()[:30], []string{RuleGGMLHeader}, errTruncated},
		{"truncated vad", vadHeader().bytes()[:60], []string{RuleGGMLHeader}, errTruncated},
		{"truncated in tensor data", trunc(whisper().bytes(), 1), []string{RuleGGMLRange}, nil},
		{"tensor past EOF", whisperHeader().tensor("a", 0, 16, 1000).bytes(), []string{RuleGGMLRange}, nil},
		{"trailing few bytes", whisper().raw("junk!").bytes(), []string{RuleGGMLTrailing}, nil},
		{"trailing junk", whisper().raw(strings.Repeat("\xff", 100)).bytes(), []string{RuleGGMLTrailing}, nil},
		{"trailing zeros", vad().raw(string(make([]byte, 64))).bytes(), []string{RuleGGMLTrailing}, nil},
		{"huge vocabulary", (&legacy{}).raw("lmgg").i32(51865, 1500, 384, 6, 4, 448, 384, 6, 4, 80, 1, 1, 1, 0).i32(0x7fffffff).raw("more").bytes(),
			[]string{RuleGGMLHeader}, errTruncated},
		{"negative vocabulary", (&legacy{}).raw("lmgg").i32(51865, 1500, 384, 6, 4, 448, 384, 6, 4, 80, 1, 1, 1, 0).i32(-1).raw("more").bytes(),
			[]string{RuleGGMLHeader}, errTruncated},
		{"huge token", (&legacy{}).raw("lmgg").i32(51865, 1500, 384, 6, 4, 448, 384, 6, 4, 80, 1, 1, 1, 0).i32(1, -2).raw("more").bytes(),
			[]string{RuleGGMLHeader}, errTruncated},
		{"huge vad layers", (&legacy{}).raw("lmgg").i32(10).raw("silero-16k").i32(6, 2, 0, 512, 64, 0x7fffffff).bytes(),
			[]string{RuleGGMLHeader}, errTruncated},
		{"negative vad layers", (&legacy{}).raw("lmgg").i32(10).raw("silero-16k").i32(6, 2, 0, 512, 64, -4, 0, 0, 0, 0).bytes(),
			[]string{RuleGGMLHeader}, errTruncated},
		{"huge llama vocabulary", (&legacy{}).raw("tjgg").i32(3, 1<<22, 64, 256, 2, 1, 32, 1, 0, 0).bytes(), []string{RuleGGMLHeader}, errTruncated},
		{"bad type", whisperHeader().tensor("a", 99, 4, 1).bytes(), []string{RuleGGMLTensor}, errAny},
		{"negative type", whisperHeader().tensor("a", -1, 4, 1).bytes(), []string{RuleGGMLTensor}, errAny},
		{"removed type", whisperHeader().tensor("a", 4, 20, 32).bytes(), []string{RuleGGMLTensor}, errAny},
		{"five dims", whisperHeader().tensor("a", 0, 4, 1, 1, 1, 1, 1).bytes(), []string{RuleGGMLTensor}, errAny},
		{"negative dim", whisperHeader().tensor("a", 0, 4, -1).bytes(), []string{RuleGGMLTensor}, errAny},
		{"partial block", whisperHeader().tensor("a", 2, 18, 31).bytes(), []string{RuleGGMLTensor}, errAny},
		{"int32 element count", whisperHeader().tensor("a", 1, 16, 65536, 65536).bytes(), []string{RuleGGMLTensor, RuleGGMLRange}, nil},
		{"overflowing size", whisperHeader().tensor("a", 0, 16, 0x7fffffff, 0x7fffffff, 0x7fffffff, 0x7fffffff).bytes(), []string{RuleGGMLTensor}, errAny},
		{"long name", whisperHeader().tensor(strings.Repeat("n", 70), 0, 4, 1).bytes(), []string{RuleGGMLTensor}, nil},
		{"control name", whisperHeader().tensor("a\x00b", 0, 4, 1).bytes(), []string{RuleGGMLTensor}, nil},
		{"duplicate name", whisper().tensor("encoder.conv1.bias", 0, 4, 1).bytes(), []string{RuleGGMLDuplicate}, nil},
		{"zip polyglot", zip.bytes(), []string{RuleGGMLPolyglot}, nil},
		{"unknown lmgg layout", append([]byte("lmgg"), bytes.Repeat([]byte{0xff}, 100)...), nil, formats.ErrUnsupported},
		{"big-endian", append([]byte("ggml"), make([]byte, 100)...), nil, formats.ErrUnsupported},
		{"lora", append([]byte("algg"), make([]byte, 100)...), nil, formats.ErrUnsupported},
		{"ggjt v4", append(llamaHeader("tjgg", 4).bytes(), make([]byte, 64)...), nil, formats.ErrUnsupported},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := runGGML(t, tt.data)
			switch {
			case tt.wantErr == nil && err != nil:
				t.Errorf("err = %v, want none", err)
			case tt.wantErr == errAny && err == nil:
				t.Errorf("no error, want one")
			case tt.wantErr != nil && tt.wantErr != errAny && !errors.Is(err, tt.wantErr):
				t.Errorf("err = %v, want %v", err, tt.wantErr)
			}
			got := slices.Compact(slices.Sorted(slices.Values(r.Rules())))
			want := slices.Sorted(slices.Values(tt.rules))
			if !slices.Equal(got, want) {
				t.Errorf("rules %v, want %v; findings %v", got, want, r.Findings)
			}
		})
	}
}

var errAny = errors.New("any error")

func TestCheckGGMLLayout(t *testing.T) {
	for _, tt := range []struct {
		data []byte
		want string
	}{
		{whisper().bytes(), LayoutWhisper},
		{vad().bytes(), LayoutVAD},
		{llamaHeader("lmgg", 0).bytes(), LayoutLlama},
		{llamaHeader("fmgg", 1).bytes(), LayoutGGMF},
		{llamaHeader("tjgg", 2).bytes(), LayoutGGJT + " v2"},
	} {
		got, err := CheckGGML(context.Background(), bytes.NewReader(tt.data), int64(len(tt.data)), func(formats.Finding) {})
		if got != tt.want || err != nil {
			t.Errorf("layout %q, %v; want %q", got, err, tt.want)
		}
	}
}

func TestGGMLFindingCap(t *testing.T) {
	l := whisperHeader()
	for range 50 {
		l.tensor("same", 0, 4, 1)
	}
	r, err := runGGML(t, l.bytes())
	if err != nil || len(r.Findings) != reportCap {
		t.Errorf("err %v, %d findings; want %d", err, len(r.Findings), reportCap)
	}
}

func TestGGMLCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	data := whisper().bytes()
	if _, err := CheckGGML(ctx, bytes.NewReader(data), int64(len(data)), func(formats.Finding) {}); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want canceled", err)
	}
}

func TestRealWorldGGML(t *testing.T) {
	for _, f := range realworld(t, "ggml") {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			layout, err := CheckGGML(context.Background(), bytes.NewReader(data), int64(len(data)), func(f formats.Finding) { t.Errorf("finding: %v", f) })
			if err != nil {
				t.Errorf("%s: %v", layout, err)
			}
			t.Logf("%s", layout)
		})
	}
}

func FuzzGGML(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("..", "..", "..", "shared", "realworld", "ggml", "*"))
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add(whisper().bytes())
	f.Add(vad().bytes())
	f.Add(llamaHeader("lmgg", 0).tensor("a", 1, 2*64, 64).bytes())
	f.Add(llamaHeader("fmgg", 1).tensor("a", 0, 4*64, 64).bytes())
	f.Add(llamaHeader("tjgg", 3).tensor("a", 2, 18*2, 64).tensor("b", 0, 4, 1).bytes())
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _ = CheckGGML(context.Background(), bytes.NewReader(data), int64(len(data)), func(formats.Finding) {})
		_, _ = DescribeGGML(context.Background(), bytes.NewReader(data), int64(len(data)))
	})
}

// segments is a sparse file: the given byte runs at their offsets, zeros
// elsewhere, so that a multi-gigabyte model needs no memory.
type segments struct {
	at   []int64
	runs [][]byte
	size int64
}

func (s *segments) ReadAt(p []byte, off int64) (int, error) {
	if off >= s.size {
		return 0, io.EOF
	}
	n := int(min(int64(len(p)), s.size-off))
	clear(p[:n])
	i, _ := slices.BinarySearch(s.at, off+1)
	for i = max(i-1, 0); i < len(s.at) && s.at[i] < off+int64(n); i++ {
		start := s.at[i]
		run := s.runs[i]
		if start+int64(len(run)) <= off {
			continue
		}
		if start >= off {
			copy(p[start-off:n], run)
		} else {
			copy(p[:n], run[off-start:])
		}
	}
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

func BenchmarkGGMLWhisperLarge(b *testing.B) {
	// A whisper large-v3-shaped file: the real header and vocabulary of
	// the tiny test model, then 1,200 F16 tensors of 2.5 MB each (3 GB).
	tiny, err := os.ReadFile(filepath.Join("..", "..", "..", "shared", "realworld", "ggml", "for-tests-ggml-tiny.bin"))
	if err != nil {
		b.Skip(err)
	}
	s := &segments{at: []int64{0}, runs: [][]byte{tiny}}
	off := int64(len(tiny))
	for i := range 1200 {
		rec := (&legacy{}).tensor("decoder.blocks."+itoa(uint64(i))+".mlp.0.weight", 1, 0, 1280, 1024).bytes()
		s.at, s.runs = append(s.at, off), append(s.runs, rec)
		off += int64(len(rec)) + 2*1280*1024
	}
	s.size = off
	b.SetBytes(s.size)
	for b.Loop() {
		if _, err := CheckGGML(context.Background(), s, s.size, func(f formats.Finding) { b.Fatal(f) }); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(s.size)/1e9, "file-GB")
}

func BenchmarkGGMLRealVAD(b *testing.B) {
	data, err := os.ReadFile(filepath.Join("..", "..", "..", "shared", "realworld", "ggml", "for-tests-silero-v6.2.0-ggml.bin"))
	if err != nil {
		b.Skip(err)
	}
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := CheckGGML(context.Background(), bytes.NewReader(data), int64(len(data)), func(f formats.Finding) { b.Fatal(f) }); err != nil {
			b.Fatal(err)
		}
	}
}

// TestDescribeGGML: the facts of each legacy layout are its header's
// hyper-parameters and its tensor records' counts.
func TestDescribeGGML(t *testing.T) {
	for _, tc := range []struct {
		name       string
		data       []byte
		family     string
		hparams    int
		fileType   string
		tensors    int
		params     uint64
		types      []string
		firstParam string
	}{
		{"whisper", whisper().bytes(), "whisper", 11, "MOSTLY_F16", 3, 384 + 3*80*384 + 64*3, []string{"F16", "F32", "Q4_0"}, "n_vocab=51865"},
		{"vad", vad().bytes(), "silero-16k", 6, "", 3, 3*129*128 + 1 + 256*258, []string{"F16", "F32"}, "version_major=6"},
		{"ggjt", llamaHeader("tjgg", 3).tensor("tok", 0, 4*64*3, 64, 3).bytes(), "llama", 7, "MOSTLY_F16", 1, 192, []string{"F32"}, "n_vocab=3"},
		{"no tensors", whisperHeader().bytes(), "whisper", 11, "MOSTLY_F16", 0, 0, nil, "n_vocab=51865"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := DescribeGGML(context.Background(), bytes.NewReader(tc.data), int64(len(tc.data)))
			if err != nil {
				t.Fatal(err)
			}
			types := slices.Sorted(maps.Keys(f.TensorTypes))
			if f.Family != tc.family || len(f.HParams) != tc.hparams || f.HParams[0] != tc.firstParam || f.FileType != tc.fileType ||
				f.Tensors != tc.tensors || f.Params != tc.params || !slices.Equal(types, tc.types) {
				t.Errorf("got %+v", f)
			}
		})
	}
	if _, err := DescribeGGML(context.Background(), bytes.NewReader([]byte("lmgg")), 4); err == nil {
		t.Error("a bare magic gave facts")
	}
}
