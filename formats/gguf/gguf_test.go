package gguf

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/modelgate/modelgate/formats"
	"github.com/modelgate/modelgate/formats/formatstest"
)

// builder writes GGUF files the way llama.cpp's writer lays them out:
// header, metadata, tensor infos, padding to the alignment, tensor data.
type builder struct {
	order    binary.ByteOrder
	version  uint32
	nKV, nT  uint64
	kvs, tis bytes.Buffer
	align    int
}

func newBuilder() *builder { return &builder{order: binary.LittleEndian, version: 3, align: 32} }

func (g *builder) put(b *bytes.Buffer, v any) { binary.Write(b, g.order, v) }

func (g *builder) str(b *bytes.Buffer, s string) {
	g.put(b, uint64(len(s)))
	b.WriteString(s)
}

func (g *builder) kv(key string, typ uint32, payload func(b *bytes.Buffer)) *builder {
	g.nKV++
	g.str(&g.kvs, key)
	g.put(&g.kvs, typ)
	payload(&g.kvs)
	return g
}

func (g *builder) kvString(key, v string) *builder {
	return g.kv(key, tString, func(b *bytes.Buffer) { g.str(b, v) })
}

func (g *builder) kvU32(key string, v uint32) *builder {
	return g.kv(key, tU32, func(b *bytes.Buffer) { g.put(b, v) })
}

func (g *builder) kvStrings(key string, vs ...string) *builder {
	return g.kv(key, tArray, func(b *bytes.Buffer) {
		g.put(b, tString)
		g.put(b, uint64(len(vs)))
		for _, v := range vs {
			g.str(b, v)
		}
	})
}

func (g *builder) kvF32s(key string, n int) *builder {
	return g.kv(key, tArray, func(b *bytes.Buffer) {
		g.put(b, tF32)
		g.put(b, uint64(n))
		b.Write(make([]byte, 4*n))
	})
}

func (g *builder) tensor(name string, typ uint32, offset uint64, dims ...uint64) *builder {
	g.nT++
	g.str(&g.tis, name)
	g.put(&g.tis, uint32(len(dims)))
	for _, d := range dims {
		g.put(&g.tis, d)
	}
	g.put(&g.tis, typ)
	g.put(&g.tis, offset)
	return g
}

// bytes assembles the file with data bytes of tensor data after the
// padded header.
func (g *builder) bytes(data int) []byte {
	var b bytes.Buffer
	b.WriteString("GGUF")
	g.put(&b, g.version)
	g.put(&b, g.nT)
	g.put(&b, g.nKV)
	b.Write(g.kvs.Bytes())
	b.Write(g.tis.Bytes())
	if data > 0 {
		for b.Len()%g.align != 0 {
			b.WriteByte(0)
		}
		b.Write(make([]byte, data))
	}
	return b.Bytes()
}

func base() *builder {
	return newBuilder().kvString("general.architecture", "llama").kvString("general.name", "tiny").kvU32("llama.block_count", 2)
}

func run(t *testing.T, data []byte) (*formatstest.Recorder, error) {
	t.Helper()
	return formatstest.Run(t, formats.AnalyzerFunc(Analyze), "model.gguf", data)
}

func TestAnalyze(t *testing.T) {
	llama3 := `{% for message in messages %}{{ '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n' + message['content'] | trim + '<|eot_id|>' }}{% endfor %}{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\n\n' }}{% endif %}`
	tests := []struct {
		name    string
		data    []byte
		rules   []string
		wantErr bool
	}{
		{"clean", base().kvString("tokenizer.chat_template", llama3).
			kvStrings("tokenizer.ggml.tokens", "<unk>", "<0x0A>", "a").kvF32s("tokenizer.ggml.scores", 3).
			tensor("token_embd.weight", 0, 0, 4, 2).tensor("blk.0.attn_q.weight", 2, 32, 64, 1).bytes(32 + 64), nil, false},
		{"clean no tensors", base().bytes(0), nil, false},
		{"clean v2", func() []byte { g := base(); g.version = 2; return g.bytes(0) }(), nil, false},
		{"big endian", func() []byte {
			g := newBuilder()
			g.order = binary.BigEndian
			return g.kvString("general.name", "be").tensor("w", 0, 0, 8).bytes(32)
		}(), []string{RuleBigEndian}, false},
		{"bad version", func() []byte { g := base(); g.version = 7; return g.bytes(0) }(), []string{RuleHeader}, true},
		{"counts exceed file", func() []byte {
			b := base().bytes(0)
			binary.LittleEndian.PutUint64(b[16:], 1<<40)
			return b
		}(), []string{RuleHeader}, true},
		{"truncated", base().kvString("general.description", "xyz").bytes(0)[:60], []string{RuleHeader}, true},
		{"string past end", func() []byte {
			b := base().kvString("general.description", "xyz").bytes(0)
			binary.LittleEndian.PutUint64(b[len(b)-11:], 1<<20)
			return b
		}(), []string{RuleHeader}, true},
		{"unknown value type", base().kv("general.x", 99, func(*bytes.Buffer) {}).bytes(0), []string{RuleMetadata}, true},
		{"nested array", base().kv("general.tags", tArray, func(b *bytes.Buffer) {
			binary.Write(b, binary.LittleEndian, tArray)
			binary.Write(b, binary.LittleEndian, uint64(1))
			binary.Write(b, binary.LittleEndian, tU8)
			binary.Write(b, binary.LittleEndian, uint64(2))
			b.Write([]byte{1, 2})
		}).bytes(0), []string{RuleMetadata}, false},
		{"huge array", base().kv("general.tags", tArray, func(b *bytes.Buffer) {
			binary.Write(b, binary.LittleEndian, tU64)
			binary.Write(b, binary.LittleEndian, uint64(1<<61))
		}).bytes(0), []string{RuleMetadata}, true},
		{"bool not 0/1", base().kv("general.flag", tBool, func(b *bytes.Buffer) { b.WriteByte(7) }).bytes(0), []string{RuleMetadata}, false},
		{"empty key", base().kvString("", "x").bytes(0), []string{RuleMetadata}, false},
		{"duplicate key", base().kvString("general.name", "again").bytes(0), []string{RuleDuplicateKey}, false},
		{"key name", base().kvString("General.Name", "x").bytes(0), []string{RuleKeyName}, false},
		{"invalid utf8", base().kvString("general.description", "a\xffb").bytes(0), []string{RuleUTF8}, false},
		{"vocab length mismatch", base().kvStrings("tokenizer.ggml.tokens", "a", "b").kvF32s("tokenizer.ggml.scores", 3).bytes(0), []string{RuleTokenizer}, false},
		{"vocab wrong type", base().kvStrings("tokenizer.ggml.tokens", "a").kvStrings("tokenizer.ggml.scores", "x").bytes(0), []string{RuleTokenizer}, false},
		{"bad byte token", base().kvStrings("tokenizer.ggml.tokens", "<0x-1>").bytes(0), []string{RuleTokenizer}, false},
		{"block count", newBuilder().kvU32("llama.block_count", 100000).bytes(0), []string{RuleBlockCount}, false},
		{"alignment not power of two", base().kvU32("general.alignment", 24).bytes(0), []string{RuleAlignment}, false},
		{"alignment wrong type", base().kv("general.alignment", tU64, func(b *bytes.Buffer) { binary.Write(b, binary.LittleEndian, uint64(32)) }).bytes(0), []string{RuleAlignment}, false},
		{"too many dims", base().tensor("w", 0, 0, 1, 1, 1, 1, 1).bytes(32), []string{RuleTensorInfo}, false},
		{"removed type", base().tensor("w", 4, 0, 32).bytes(32), []string{RuleTensorInfo}, false},
		{"unknown type", base().tensor("w", 400, 0, 32).bytes(32), []string{RuleTensorInfo}, false},
		{"block multiple", base().tensor("w", 2, 0, 33).bytes(32), []string{RuleTensorInfo}, false},
		{"negative dim", base().tensor("w", 0, 0, 1<<63).bytes(32), []string{RuleTensorInfo}, false},
		{"nbytes overflow", base().tensor("w", 0, 0, 4, 1<<30-1, 1<<30+1, 1).bytes(32), []string{RuleTensorInfo}, false},
		{"long name", base().tensor(strings.Repeat("n", 64), 0, 0, 8).bytes(32), []string{RuleTensorInfo}, false},
		{"duplicate tensor", base().tensor("w", 0, 0, 8).tensor("w", 0, 32, 8).bytes(64), []string{RuleDuplicateName}, false},
		{"control name", base().tensor("w\x01", 0, 0, 8).bytes(32), []string{RuleTensorName}, false},
		{"misaligned offset", base().tensor("a", 0, 0, 8).tensor("b", 0, 33, 8).bytes(96), []string{RuleTensorOffset}, false},
		{"overlap", base().tensor("a", 0, 0, 8).tensor("b", 0, 0, 8).bytes(64), []string{RuleTensorOffset}, false},
		{"past end", base().tensor("a", 0, 0, 1024).bytes(32), []string{RuleTensorRange}, false},
		{"trailing", base().tensor("a", 0, 0, 8).bytes(96), []string{RuleTrailing}, false},
		{"zip appended", append(base().tensor("a", 0, 0, 8).bytes(32), emptyZip()...), []string{RulePolyglot, RuleTrailing}, false},
		{"template escape", base().kvString("tokenizer.chat_template", `{{ ().__class__.__base__.__subclasses__() }}`).bytes(0), []string{RuleTemplateEscape}, false},
		{"named template escape", base().kvString("tokenizer.chat_template.tool_use", `{{ cycler.__init__.__globals__.os.popen('id').read() }}`).bytes(0), []string{RuleTemplateEscape}, false},
		{"template list escape", base().kvStrings("tokenizer.chat_templates", "default", `{{ self.__init__.__globals__ }}`).bytes(0), []string{RuleTemplateEscape}, false},
		{"template parse", base().kvString("tokenizer.chat_template", `{% for m in messages %}`).bytes(0), []string{RuleTemplateParse}, false},
		{"template loader", base().kvString("tokenizer.chat_template", `{% include 'x' %}`).bytes(0), []string{RuleTemplateLoader}, false},
		{"template computed lookup", base().kvString("tokenizer.chat_template", `{% set i = 'XXinitXX'|replace('X','_') %}{{ namespace[i] }}`).bytes(0), []string{RuleTemplateComputed}, false},
		{"template unknown filter", base().kvString("tokenizer.chat_template", `{{ messages|shell }}`).bytes(0), []string{RuleTemplateUnknown}, false},
		{"template raw ended by a vertical tab", base().kvString("tokenizer.chat_template", "{% raw %}x{%\vendraw %}{{ cycler.__init__.__globals__.os.name }}{% raw %}{% endraw %}").bytes(0), []string{RuleTemplateEscape, RuleTemplateParse}, false},
		{"template dos", base().kvString("tokenizer.chat_template", `{% for i in range(99999999999) %}x{% endfor %}`).bytes(0), []string{RuleTemplateDoS}, false},
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
		})
	}
}

func emptyZip() []byte {
	eocd := make([]byte, 22)
	copy(eocd, "PK\x05\x06")
	return eocd
}

func TestTemplateSeverity(t *testing.T) {
	r, err := run(t, base().kvString("tokenizer.chat_template", `{{ lipsum.__globals__['os'].popen('id').read() }}`).bytes(0))
	if err != nil {
		t.Fatal(err)
	}
	if sev, _ := r.Max(); sev != formats.Critical {
		t.Fatalf("max severity %v: %v", sev, r.Findings)
	}
}

func TestVersion1Unsupported(t *testing.T) {
	g := base()
	g.version = 1
	_, err := run(t, g.bytes(0))
	if !errors.Is(err, formats.ErrUnsupported) {
		t.Fatalf("err = %v", err)
	}
}

func TestCanceled(t *testing.T) {
	g := base()
	for range 1000 {
		g.kvString("general.x", "y")
	}
	data := g.bytes(0)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := Analyze(ctx, formats.NewInput("x", bytes.NewReader(data), int64(len(data))), formatstest.NewRecorder())
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
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
	for _, f := range realworld(t, "gguf") {
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

func FuzzGGUF(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("..", "..", "..", "shared", "realworld", "gguf", "*"))
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add(base().kvString("tokenizer.chat_template", `{{ ()|attr('__class__') }}`).kvStrings("tokenizer.ggml.tokens", "<0x0A>").
		tensor("a", 0, 0, 8).tensor("b", 2, 32, 32).bytes(64))
	f.Add(base().kvU32("general.alignment", 64).tensor("a", 30, 0, 4, 4).bytes(64))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _ = Check(context.Background(), bytes.NewReader(data), int64(len(data)), func(formats.Finding) {})
	})
}

// sparse serves a real header followed by zeros up to size, counting
// nothing itself: Check reports the bytes it read.
type sparse struct {
	head []byte
	size int64
}

func (s *sparse) ReadAt(p []byte, off int64) (int, error) {
	if off >= s.size {
		return 0, io.EOF
	}
	n := int(min(int64(len(p)), s.size-off))
	clear(p[:n])
	if off < int64(len(s.head)) {
		copy(p[:n], s.head[off:])
	}
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

func BenchmarkHeader10GB(b *testing.B) {
	// 32 layers of Q4_K 4096x4096 tensors plus a 32k vocabulary: the
	// header of a 7B-class model, padded out to 10 GB of sparse data.
	g := base()
	toks := make([]string, 32000)
	for i := range toks {
		toks[i] = "tok" + strings.Repeat("x", i%7)
	}
	g.kvStrings("tokenizer.ggml.tokens", toks...).kvF32s("tokenizer.ggml.scores", len(toks))
	const per = 4096 * 4096 / 256 * 144
	var off uint64
	for i := range 1000 {
		g.tensor("blk."+itoa(uint64(i))+".ffn.weight", 12, off, 4096, 4096)
		off += per
	}
	head := g.bytes(0)
	for len(head)%32 != 0 {
		head = append(head, 0)
	}
	src := &sparse{head: head, size: int64(len(head)) + int64(off)}
	b.SetBytes(int64(len(head)))
	var read int64
	for b.Loop() {
		var n int
		var err error
		read, err = Check(context.Background(), src, src.size, func(f formats.Finding) { n++; b.Log(f) })
		if err != nil || n > 0 {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(read), "bytes-read/op")
	b.ReportMetric(float64(src.size)/1e9, "file-GB")
}
