package tensorflow

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/modelgate/modelgate/formats"
	"github.com/modelgate/modelgate/formats/formatstest"
)

type pb []byte

func (m pb) b(num protowire.Number, b []byte) pb {
	m = protowire.AppendTag(m, num, protowire.BytesType)
	return protowire.AppendBytes(m, b)
}

func (m pb) s(num protowire.Number, s string) pb { return m.b(num, []byte(s)) }

func (m pb) v(num protowire.Number, v uint64) pb {
	m = protowire.AppendTag(m, num, protowire.VarintType)
	return protowire.AppendVarint(m, v)
}

func nodeDef(name, op string, attrs ...pb) pb {
	n := pb(nil).s(1, name).s(2, op)
	for _, a := range attrs {
		n = n.b(5, a)
	}
	return n
}

func strAttr(key, v string) pb { return pb(nil).s(1, key).b(2, pb(nil).s(2, v)) }

func constStrings(vals ...[]byte) pb {
	t := pb(nil).v(1, 7)
	for _, v := range vals {
		t = t.b(8, v)
	}
	return pb(nil).s(1, "value").b(2, pb(nil).b(8, t))
}

func graphDef(nodes ...pb) pb {
	g := pb(nil)
	for _, n := range nodes {
		g = g.b(1, n)
	}
	return g
}

func savedModel(g pb, extra ...pb) []byte {
	mg := pb(nil).b(1, pb(nil).s(4, "serve")).b(2, g)
	for _, e := range extra {
		mg = mg.b(6, e)
	}
	return pb(nil).v(1, 1).b(2, mg)
}

func withFunction(g pb, name string, nodes ...pb) pb {
	fd := pb(nil).b(1, pb(nil).s(1, name))
	for _, n := range nodes {
		fd = fd.b(3, n)
	}
	return g.b(2, pb(nil).b(1, fd))
}

func TestSavedModelRules(t *testing.T) {
	benign := graphDef(nodeDef("x", "Placeholder"), nodeDef("y", "Add"), nodeDef("s", "SaveV2"))
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"benign", savedModel(benign), ""},
		{"print to stderr", savedModel(graphDef(nodeDef("p", "PrintV2", strAttr("output_stream", "stderr")))), ""},
		{"pyfunc", savedModel(graphDef(nodeDef("p", "PyFunc", strAttr("token", "pyfunc_0")))), RulePythonOp},
		{"readfile in function", savedModel(withFunction(benign, "__inference_f", nodeDef("r", "ReadFile"))), RuleFileRead},
		{"writefile", savedModel(graphDef(nodeDef("w", "WriteFile"))), RuleFileWrite},
		{"print to file", savedModel(graphDef(nodeDef("p", "PrintV2", strAttr("output_stream", "file:///tmp/x")))), RuleFileWrite},
		{"rpc", savedModel(graphDef(nodeDef("r", "RpcClient"))), RuleNetworkOp},
		{"remote path", savedModel(graphDef(nodeDef("c", "Const", constStrings([]byte("gs://bucket/x"))))), RuleNetworkOp},
		{"nested writefile", savedModel(graphDef(nodeDef("c", "Const", constStrings(graphDef(nodeDef("w", "WriteFile")))), nodeDef("d", "DatasetFromGraph"))), RuleFileWrite},
		{"summary writer", savedModel(graphDef(nodeDef("s", "CreateSummaryFileWriter"))), RuleDebugOp},
		{"asset traversal", savedModel(benign, pb(nil).s(2, "../../etc/passwd")), RuleAssetPath},
		{"no meta graph", pb(nil).v(1, 1), RuleStructure},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := formatstest.Run(t, formats.AnalyzerFunc(Analyze), "saved_model.pb", tc.data)
			if err != nil {
				t.Fatalf("Analyze: %v", err)
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

func TestSavedModelMalformed(t *testing.T) {
	good := savedModel(graphDef(nodeDef("x", "Add")))
	for _, data := range [][]byte{good[:len(good)-2], append(slices.Clone(good), 0x12, 0x40), {0x0b}} {
		if _, err := formatstest.Run(t, formats.AnalyzerFunc(Analyze), "saved_model.pb", data); err == nil {
			t.Errorf("%x: want an error", data)
		}
	}
}

func TestNestedDepth(t *testing.T) {
	g := graphDef(nodeDef("w", "WriteFile"))
	for range MaxNestedDepth + 2 {
		g = graphDef(nodeDef("c", "Const", constStrings(g)))
	}
	r, err := formatstest.Run(t, formats.AnalyzerFunc(Analyze), "saved_model.pb", savedModel(g))
	if formats.Reason(err) != "limit" {
		t.Fatalf("want a limit, got %v %v", err, r.Findings)
	}
}

func TestRealWorldSavedModel(t *testing.T) {
	files, _ := filepath.Glob("/work/shared/realworld/tf_savedmodel/*/saved_model.pb")
	if len(files) == 0 {
		t.Skip("no real-world samples on this machine")
	}
	for _, p := range files {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		h := formats.Head{Name: p, Size: int64(len(data)), Prefix: data[:min(len(data), formats.HeadSize)]}
		if !slices.Contains(formats.Sniff(h), formats.SavedModel) {
			t.Errorf("%s: not sniffed as a SavedModel", p)
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
