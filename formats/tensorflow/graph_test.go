package tensorflow

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/modelgate/modelgate/formats"
)

func head(b []byte, n int) formats.Head {
	p := b[:min(len(b), n)]
	return formats.Head{Name: "model.bin", Size: int64(len(b)), Prefix: p, Suffix: b[max(0, len(b)-formats.TailSize):]}
}

// TestGraphProbes checks that GraphDefs and MetaGraphDefs are identified
// by their bytes, whole or from a cut head, and that other protobufs (ONNX,
// SavedModels, Keras metadata, fingerprints) are not.
func TestGraphProbes(t *testing.T) {
	frozen, _ := os.ReadFile("testdata/graphs/tf2onnx_regression_frozen.pb")
	meta, _ := os.ReadFile("testdata/graphs/tf2onnx_regression.meta")
	saved, _ := os.ReadFile("testdata/benign/saved_model.pb")
	onnxFiles, _ := filepath.Glob("../onnx/testdata/*.onnx")
	if len(frozen) == 0 || len(meta) == 0 || len(saved) == 0 || len(onnxFiles) == 0 {
		t.Fatal("samples missing")
	}
	type tc struct {
		name string
		h    formats.Head
		want string
	}
	cases := []tc{
		{"frozen graph", head(frozen, formats.HeadSize), formats.TFGraphDef},
		{"frozen graph, head cut in a node", head(frozen, 60), formats.TFGraphDef},
		{"meta graph", head(meta, formats.HeadSize), formats.TFMetaGraph},
		{"meta graph, head cut in the op list", head(meta, 400), formats.TFMetaGraph},
		{"meta graph without meta_info_def", head(pb(nil).b(2, graphDef(nodeDef("x", "Placeholder"))), formats.HeadSize), formats.TFMetaGraph},
		{"saved model under another name", head(saved, formats.HeadSize), ""},
		{"keras metadata", head(pb(nil).b(1, pb(nil).b(1, pb(nil).v(1, 1)).s(2, "_tf_keras_layer")), formats.HeadSize), ""},
		{"fingerprint", head(pb(nil).v(1, 123).v(2, 456), formats.HeadSize), ""},
		{"message of strings", head(pb(nil).s(1, "hello world"), formats.HeadSize), ""},
		{"node with a bad op name", head(graphDef(nodeDef("x", "not an op")), formats.HeadSize), ""},
		{"graph with a foreign field", head(graphDef(nodeDef("x", "Placeholder")).v(9, 1), formats.HeadSize), ""},
		{"whole file cut short", head(frozen[:100], formats.HeadSize), ""},
	}
	for _, p := range onnxFiles {
		b, _ := os.ReadFile(p)
		cases = append(cases, tc{p, head(b, formats.HeadSize), ""})
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := formats.Sniff(c.h)
			if c.want == "" {
				if slices.Contains(got, formats.TFGraphDef) || slices.Contains(got, formats.TFMetaGraph) {
					t.Fatalf("Sniff = %q", got)
				}
				return
			}
			if len(got) == 0 || got[0] != c.want {
				t.Fatalf("Sniff = %q, want %s", got, c.want)
			}
		})
	}
}

func TestParseCheckpointState(t *testing.T) {
	for _, tc := range []struct {
		in    string
		model string
		all   int
		ok    bool
	}{
		{"model_checkpoint_path: \"ckpt-3\"\nall_model_checkpoint_paths: \"ckpt-2\"\nall_model_checkpoint_paths: \"ckpt-3\"\n" +
			"all_model_checkpoint_timestamps: 1588000000.123\nlast_preserved_timestamp: 1587999999.5\n", "ckpt-3", 2, true},
		{"# written by hand\nmodel_checkpoint_path: 'a' \"b\" all_model_checkpoint_paths: [\"x\", 'y'];", "ab", 2, true},
		{"model_checkpoint_path: \"\\x2e\\056/\\u0065\"", "../e", 0, true},
		{"model_checkpoint_path: \"unterminated\n\"", "", 0, false},
		{"model_checkpoint_path: 3", "", 0, false},
		{"other_field: \"x\"", "", 0, false},
		{"model_checkpoint_path \"x\"", "", 0, false},
		{"all_model_checkpoint_timestamps: [1, \"x\"]", "", 0, false},
	} {
		st, err := ParseCheckpointState([]byte(tc.in))
		if tc.ok != (err == nil) {
			t.Errorf("%q: err %v", tc.in, err)
			continue
		}
		if err == nil && (st.ModelCheckpointPath != tc.model || len(st.AllModelCheckpointPaths) != tc.all) {
			t.Errorf("%q: got %+v", tc.in, st)
		}
	}
	if isCheckpointState([]byte("model checkpoint path")) || !isCheckpointState([]byte("# x\n model_checkpoint_path : \"a\"")) {
		t.Error("isCheckpointState")
	}
}
