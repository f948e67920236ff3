package onnx

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/modelgate/modelgate/formats"
	"github.com/modelgate/modelgate/formats/formatstest"
)

// pb builds protobuf messages for tests.
type pb []byte

func (m pb) v(num protowire.Number, v uint64) pb {
	m = protowire.AppendTag(m, num, protowire.VarintType)
	return protowire.AppendVarint(m, v)
}

func (m pb) b(num protowire.Number, b []byte) pb {
	m = protowire.AppendTag(m, num, protowire.BytesType)
	return protowire.AppendBytes(m, b)
}

func (m pb) s(num protowire.Number, s string) pb { return m.b(num, []byte(s)) }

func entry(k, v string) pb { return pb(nil).s(1, k).s(2, v) }

func strAttr(name, v string) pb { return pb(nil).s(1, name).s(4, v).v(20, 3) }

func intAttr(name string, v int64) pb { return pb(nil).s(1, name).v(3, uint64(v)).v(20, 2) }

func graphAttr(name string, g pb) pb { return pb(nil).s(1, name).b(6, g).v(20, 5) }

func mknode(op, domain string, attrs ...pb) pb {
	n := pb(nil).s(1, "x").s(2, "y").s(3, "n_"+op).s(4, op)
	for _, a := range attrs {
		n = n.b(5, a)
	}
	if domain != "" {
		n = n.s(7, domain)
	}
	return n
}

func graph(items ...pb) pb {
	g := pb(nil).s(2, "g")
	for _, n := range items {
		g = g.b(1, n)
	}
	return g
}

func tensor(name string, dtype uint64, dims []uint64, raw []byte) pb {
	t := pb(nil)
	for _, d := range dims {
		t = t.v(1, d)
	}
	t = t.v(2, dtype).s(8, name)
	if raw != nil {
		t = t.b(9, raw)
	}
	return t
}

func extTensor(name string, kv ...string) pb {
	t := pb(nil).v(1, 4).v(2, 1).s(8, name)
	for i := 0; i+1 < len(kv); i += 2 {
		t = t.b(13, entry(kv[i], kv[i+1]))
	}
	return t.v(14, 1)
}

func model(g pb, extra ...func(pb) pb) []byte {
	m := pb(nil).v(1, 8).s(2, "test").s(3, "1").b(7, g).b(8, pb(nil).s(1, "").v(2, 17))
	for _, e := range extra {
		m = e(m)
	}
	return m
}

func withInit(g pb, ts ...pb) pb {
	for _, t := range ts {
		g = g.b(5, t)
	}
	return g
}

func TestRules(t *testing.T) {
	relu := mknode("Relu", "")
	ifNode := func(inner pb) pb {
		return mknode("If", "", graphAttr("then_branch", graph(inner)), graphAttr("else_branch", graph(relu)))
	}
	for _, tc := range []struct {
		name string
		data []byte
		want string // rule expected at or above medium; "" for none
	}{
		{"benign", model(withInit(graph(relu), tensor("w", 1, []uint64{2, 2}, make([]byte, 16)))), ""},
		{"int4 packed", model(withInit(graph(relu), tensor("w", 22, []uint64{3}, make([]byte, 2)))), ""},
		{"proper external", model(withInit(graph(relu), extTensor("w", "location", "w.bin", "offset", "0", "length", "16"))), ""},
		{"pyop", model(graph(mknode("PyOp", "", strAttr("module", "os"), strAttr("class_name", "system")))), RulePyOp},
		{"pyop in nested subgraph", model(graph(ifNode(ifNode(mknode("PyOp", "custom", strAttr("module", "os")))))), RulePyOp},
		{"pyop in function", model(graph(mknode("F", "local")), func(m pb) pb {
			return m.b(25, pb(nil).s(1, "F").s(10, "local").b(7, mknode("PyOp", "")))
		}), RulePyOp},
		{"pyop in training", model(graph(relu), func(m pb) pb {
			return m.b(20, pb(nil).b(2, graph(mknode("PyOp", ""))))
		}), RulePyOp},
		{"pythonop", model(graph(mknode("PythonOp", "com.microsoft", strAttr("func_name", "evil.Fn")))), RulePythonOp},
		{"aten", model(graph(mknode("ATen", "org.pytorch.aten", strAttr("operator", "save")))), RuleATen},
		{"custom domain", model(graph(mknode("Evil", "com.evil"))), RuleCustomDomain},
		{"local function is not custom", model(graph(mknode("F", "local")), func(m pb) pb {
			return m.b(25, pb(nil).s(1, "F").s(10, "local").b(7, relu))
		}), ""},
		{"epcontext embedded", model(graph(mknode("EPContext", "com.microsoft", intAttr("embed_mode", 1), strAttr("ep_cache_context", "ENGINE")))), RuleEPContext},
		{"epcontext path", model(graph(mknode("EPContext", "com.microsoft", intAttr("embed_mode", 0), strAttr("ep_cache_context", "../../x.engine")))), RuleEPContext},
		{"cloud op", model(graph(mknode("AzureTritonInvoker", "com.microsoft.extensions", strAttr("model_uri", "https://x")))), RuleNetworkOp},
		{"url attribute", model(graph(mknode("Relu", "", strAttr("doc", "see http://evil.example/")))), RuleNetworkOp},
		{"absolute location", model(withInit(graph(relu), extTensor("w", "location", "/etc/passwd"))), RuleExternalPath},
		{"traversal", model(withInit(graph(relu), extTensor("w", "location", `sub\..\..\secret`))), RuleExternalPath},
		{"unc", model(withInit(graph(relu), extTensor("w", "location", `\\host\share\w`))), RuleExternalPath},
		{"url location", model(withInit(graph(relu), extTensor("w", "location", "http://x/w"))), RuleExternalPath},
		{"drive", model(withInit(graph(relu), extTensor("w", "location", `C:\w`))), RuleExternalPath},
		{"mem marker", model(withInit(graph(relu), extTensor("w", "location", "*/_ORT_MEM_ADDR_/*", "offset", "140000000"))), RuleMemAddr},
		{"negative length", model(withInit(graph(relu), extTensor("w", "location", "w.bin", "length", "-1"))), RuleExternalKeys},
		{"unknown key", model(withInit(graph(relu), extTensor("w", "location", "w.bin", "__class__", "x"))), RuleExternalKeys},
		{"overflow", model(withInit(graph(relu), extTensor("w", "location", "w.bin", "offset", "9223372036854775807", "length", "9"))), RuleExternalKeys},
		{"external and inline", model(withInit(graph(relu), extTensor("w", "location", "w.bin").b(9, []byte{1, 2, 3, 4}))), RuleExternalInline},
		{"raw size", model(withInit(graph(relu), tensor("w", 1, []uint64{1000}, make([]byte, 16)))), RuleTensorSize},
		{"negative dim", model(withInit(graph(relu), tensor("w", 1, []uint64{^uint64(0)}, make([]byte, 16)))), RuleTensorSize},
		{"no graph", pb(nil).v(1, 8).s(2, "x"), RuleStructure},
		{"ir version", pb(nil).v(1, 99).b(7, graph(relu)), RuleStructure},
		{"no opset import", pb(nil).v(1, 8).b(7, graph(relu)), RuleStructure},
		{"opset import at IR version 2", pb(nil).v(1, 2).b(7, graph(relu)).b(8, pb(nil).s(1, "").v(2, 1)), RuleStructure},
		{"IR version 2 without opset import", pb(nil).v(1, 2).b(7, graph(relu)), ""},
		{"function cycle", model(graph(mknode("F", "local")), func(m pb) pb {
			return m.b(25, pb(nil).s(1, "F").s(10, "local").b(7, mknode("G", "local"))).
				b(25, pb(nil).s(1, "G").s(10, "local").b(7, mknode("F", "local")))
		}), RuleFunctionCycle},
		{"shadowing function", model(graph(mknode("Relu", "")), func(m pb) pb {
			return m.b(25, pb(nil).s(1, "Relu").s(10, "").b(7, mknode("Identity", "")))
		}), RuleShadowFunction},
		{"ort config", model(graph(relu), func(m pb) pb { return m.b(14, entry("ort_config", "{}")) }), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := formatstest.Run(t, formats.AnalyzerFunc(Analyze), "m.onnx", tc.data)
			if err != nil {
				t.Fatalf("Analyze: %v", err)
			}
			var got []string
			for _, f := range r.Findings {
				if f.Severity >= formats.Medium {
					got = append(got, f.Rule)
				}
			}
			if tc.want == "" {
				if len(got) > 0 {
					t.Fatalf("want no finding, got %v: %v", got, r.Findings)
				}
				return
			}
			if !slices.Contains(got, tc.want) {
				t.Fatalf("want %s, got %v: %v", tc.want, got, r.Findings)
			}
		})
	}
}

func TestORTConfigIsLow(t *testing.T) {
	r, err := formatstest.Run(t, formats.AnalyzerFunc(Analyze), "m.onnx",
		model(graph(mknode("Relu", "")), func(m pb) pb { return m.b(14, entry("ort_config", "{}")) }))
	if err != nil || !slices.Contains(r.Rules(), RuleORTConfig) {
		t.Fatalf("want %s, got %v, %v", RuleORTConfig, r.Rules(), err)
	}
}

func TestMalformed(t *testing.T) {
	good := model(withInit(graph(mknode("Relu", "")), tensor("w", 1, []uint64{2}, make([]byte, 8))))
	for _, tc := range []struct {
		name string
		data []byte
	}{
		{"truncated", good[:len(good)-3]},
		{"length past end", append(slices.Clone(good), 0x3a, 0x7f)},
		{"group wire type", append(slices.Clone(good), 0x0b)},
		{"field zero", append(slices.Clone(good), 0x00, 0x00)},
		// Messages the walker does not judge are parsed all the same by
		// protobuf: a value_info name running past its message, a shape
		// dimension inside a type, packed floats of 5 bytes.
		{"graph output name past its value_info", model(graph(mknode("Relu", "")).b(12, pb{0x0a, 0x7f, 'y'}))},
		{"broken shape in an input type", model(graph(mknode("Relu", "")).b(11, pb(nil).s(1, "x").b(2, pb(nil).b(1, pb(nil).v(1, 1).b(2, pb{0x0a, 0x05, 0x08})))))},
		{"packed floats not whole", model(withInit(graph(mknode("Relu", "")), pb(nil).v(1, 1).v(2, 1).s(8, "w").b(4, []byte{0, 0, 0, 0, 0})))},
		{"packed dims cut in a varint", model(withInit(graph(mknode("Relu", "")), pb(nil).b(1, []byte{0x80}).v(2, 1).s(8, "w")))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := formatstest.Run(t, formats.AnalyzerFunc(Analyze), "m.onnx", tc.data); err == nil {
				t.Fatal("want an error")
			}
		})
	}
}

func TestDepthLimit(t *testing.T) {
	g := graph(mknode("Relu", ""))
	for range MaxGraphDepth + 2 {
		g = graph(mknode("If", "", graphAttr("then_branch", g)))
	}
	_, err := formatstest.Run(t, formats.AnalyzerFunc(Analyze), "m.onnx", model(g))
	if formats.Reason(err) != "limit" {
		t.Fatalf("want a limit error, got %v", err)
	}
}

func TestProbe(t *testing.T) {
	m := pb(nil).v(1, 7).v(5, 1).b(7, graph(mknode("Relu", "")))
	if !probe(formats.Head{Prefix: m, Size: int64(len(m))}) {
		t.Fatal("probe missed a model")
	}
	if probe(formats.Head{Prefix: []byte("hello, world"), Size: 12}) {
		t.Fatal("probe accepted text")
	}
}

type bytesReader []byte

func (b bytesReader) ReadAt(p []byte, off int64) (int, error) {
	if off >= int64(len(b)) {
		return 0, io.EOF
	}
	n := copy(p, b[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

func TestLayout(t *testing.T) {
	m := func(kv ...string) []byte {
		return model(withInit(graph(mknode("Relu", "")), extTensor("w", kv...)))
	}
	for _, tc := range []struct {
		name string
		tree formatstest.Tree
		want bool
		sev  formats.Severity // of the MG612 finding
	}{
		{"present", formatstest.Tree{"d/m.onnx": m("location", "w.bin", "offset", "0", "length", "16"), "d/w.bin": make([]byte, 16)}, false, 0},
		// Nothing to read: the model cannot load, no file is misread.
		{"missing", formatstest.Tree{"d/m.onnx": m("location", "w.bin")}, true, formats.Low},
		{"beyond", formatstest.Tree{"d/m.onnx": m("location", "w.bin", "offset", "8", "length", "16"), "d/w.bin": make([]byte, 16)}, true, formats.High},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if !(layout{}).Match(tc.tree.Names()) {
				t.Fatal("layout does not match")
			}
			r, err := formatstest.RunTree(t, layout{}, tc.tree)
			if err != nil {
				t.Fatal(err)
			}
			got := slices.Contains(r.Rules(), RuleExternalFile)
			if got != tc.want {
				t.Fatalf("want %v, got %v", tc.want, r.Findings)
			}
			for _, f := range r.Findings {
				if f.Member != "d/m.onnx" {
					t.Fatalf("finding not located in the model: %+v", f)
				}
				if f.Rule == RuleExternalFile && f.Severity != tc.sev {
					t.Fatalf("want %s, got %+v", tc.sev, f)
				}
			}
		})
	}
}

func TestRealWorld(t *testing.T) {
	files, _ := filepath.Glob("/work/shared/realworld/onnx/*/*.onnx")
	if len(files) == 0 {
		t.Skip("no real-world samples on this machine")
	}
	for _, p := range files {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		h := formats.Head{Name: p, Size: int64(len(data)), Prefix: data[:min(len(data), formats.HeadSize)]}
		if !slices.Contains(formats.Sniff(h), formats.ONNX) {
			t.Errorf("%s: not sniffed as ONNX", p)
		}
		r, err := formatstest.Run(t, formats.AnalyzerFunc(Analyze), p, data)
		if err != nil {
			t.Errorf("%s: %v", p, err)
		}
		for _, f := range r.Findings {
			if f.Severity >= formats.Medium {
				t.Errorf("%s: %v", p, f)
			}
		}
	}
}

func TestSamples(t *testing.T) {
	for _, tc := range []struct {
		file, want string
	}{
		{"benign_subgraphs.onnx", ""},
		{"external_ok/model.onnx", ""},
		{"external_missing/model.onnx", ""},
		{"external_traversal.onnx", RuleExternalPath},
		{"external_mem_addr.onnx", RuleMemAddr},
		{"pyop_nested.onnx", RulePyOp},
		{"custom_domain.onnx", RuleCustomDomain},
		{"aten.onnx", RuleATen},
		{"epcontext_path.onnx", RuleEPContext},
	} {
		t.Run(tc.file, func(t *testing.T) {
			data := formatstest.Testdata(t, tc.file)
			r, err := formatstest.Run(t, formats.AnalyzerFunc(Analyze), tc.file, data)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, f := range r.Findings {
				if f.Severity >= formats.Medium {
					got = append(got, f.Rule)
				}
			}
			if tc.want == "" && len(got) > 0 || tc.want != "" && !slices.Contains(got, tc.want) {
				t.Fatalf("want %q, got %v", tc.want, r.Findings)
			}
		})
	}
}

// dirTree is a formats.Tree over a directory, as the engine gives layouts.
type dirTree string

func (d dirTree) Names() []string {
	var out []string
	_ = filepath.WalkDir(string(d), func(p string, e os.DirEntry, err error) error {
		if err == nil && !e.IsDir() {
			rel, _ := filepath.Rel(string(d), p)
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	return out
}

func (d dirTree) Open(name string) (*formats.Input, error) {
	b, err := os.ReadFile(filepath.Join(string(d), name))
	if err != nil {
		return nil, err
	}
	return formats.NewInput(name, bytesReader(b), int64(len(b))), nil
}

func TestLayoutSamples(t *testing.T) {
	for dir, want := range map[string]bool{"testdata/external_ok": false, "testdata/external_missing": true} {
		r, err := formatstest.RunTree(t, layout{}, dirTree(dir))
		if err != nil {
			t.Fatal(err)
		}
		if got := slices.Contains(r.Rules(), RuleExternalFile); got != want {
			t.Errorf("%s: want %v, got %v", dir, want, r.Findings)
		}
	}
}

// sparseReader reads as head followed by zeros up to size.
type sparseReader struct {
	head []byte
	size int64
}

func (s sparseReader) ReadAt(p []byte, off int64) (int, error) {
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

func TestOver2GiB(t *testing.T) {
	const raw = 3 << 30
	hdr := tensor("w", 2, []uint64{raw}, nil)
	hdr = protowire.AppendTag(hdr, 9, protowire.BytesType)
	hdr = protowire.AppendVarint(hdr, raw)
	g := pb(nil).b(1, mknode("Relu", ""))
	g = protowire.AppendTag(g, 5, protowire.BytesType)
	g = protowire.AppendVarint(g, uint64(len(hdr))+raw)
	g = append(g, hdr...)
	m := pb(nil).v(1, 8)
	m = protowire.AppendTag(m, 7, protowire.BytesType)
	m = protowire.AppendVarint(m, uint64(len(g))+raw)
	m = append(m, g...)
	size := int64(len(m)) + raw
	var got []string
	if _, err := Walk(context.Background(), sparseReader{m, size}, size, func(f formats.Finding) { got = append(got, f.Rule) }); err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(got, RuleTooLarge) {
		t.Fatalf("want %s, got %v", RuleTooLarge, got)
	}
}
