package tensorflow

import (
	"flag"
	"path"
	"path/filepath"
	"slices"
	"testing"

	"github.com/modelgate/modelgate/formats"
	"github.com/modelgate/modelgate/formats/formatstest"
)

var update = flag.Bool("update", false, "rewrite testdata from the builders")

// sample is a SavedModel in testdata/<dir>/saved_model.pb, built by the
// test builders (go test -update rewrites them) so that every rule has a
// file and the fuzzer a seed.
type sample struct {
	data []byte
	want string
}

func samples() map[string]sample {
	benign := graphDef(nodeDef("x", "Placeholder"), nodeDef("y", "AddV2"), nodeDef("s", "SaveV2"), nodeDef("r", "RestoreV2"))
	return map[string]sample{
		"benign":           {savedModel(withFunction(benign, "__inference_serve", nodeDef("m", "MatMul"))), ""},
		"pyfunc":           {savedModel(graphDef(nodeDef("p", "PyFunc", strAttr("token", "pyfunc_0")))), RulePythonOp},
		"readfile_in_func": {savedModel(withFunction(benign, "__inference_f", nodeDef("r", "ReadFile"))), RuleFileRead},
		"writefile":        {savedModel(graphDef(nodeDef("w", "WriteFile"))), RuleFileWrite},
		"rpc":              {savedModel(graphDef(nodeDef("r", "RpcClient"))), RuleNetworkOp},
		"nested_graph": {savedModel(graphDef(nodeDef("c", "Const", constStrings(graphDef(nodeDef("w", "WriteFile")))),
			nodeDef("d", "DatasetFromGraph"))), RuleNested},
		"asset_traversal": {savedModel(benign, pb(nil).s(2, "../../etc/passwd")), RuleAssetPath},
		"summary_writer":  {savedModel(graphDef(nodeDef("s", "CreateSummaryFileWriter"))), RuleDebugOp},
		"no_meta_graph":   {pb(nil).v(1, 1), RuleStructure},
	}
}

func TestSamples(t *testing.T) {
	for dir, s := range samples() {
		p := filepath.Join("testdata", dir, "saved_model.pb")
		t.Run(dir, func(t *testing.T) {
			b := formatstest.Built(t, path.Join(dir, "saved_model.pb"), s.data, *update)
			r, err := formatstest.Run(t, formats.AnalyzerFunc(Analyze), p, b)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, f := range r.Findings {
				if f.Severity >= formats.Medium {
					got = append(got, f.Rule)
				}
			}
			if s.want == "" && len(got) > 0 || s.want != "" && !slices.Contains(got, s.want) {
				t.Fatalf("want %q, got %v", s.want, r.Findings)
			}
		})
	}
}
