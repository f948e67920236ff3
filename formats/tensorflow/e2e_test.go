package tensorflow_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/modelgate/modelgate/formats"
	_ "github.com/modelgate/modelgate/formats/all"
	"github.com/modelgate/modelgate/formats/tensorflow"
	"github.com/modelgate/modelgate/scanner"
	"github.com/modelgate/modelgate/scanner/fetch"
)

func scan(t *testing.T, p string) *scanner.Report {
	t.Helper()
	src, err := fetch.NewLocal(p)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := scanner.Scan(context.Background(), []scanner.Target{{Name: p, Source: src}}, scanner.Options{Jobs: 1, FailOn: formats.Medium})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// TestCheckpointDirectories scans checkpoint directories through the whole
// engine (issue 14, item 6): real ones end clean with every file read, and
// each damaged or edited one fails the gate with its rule, or ends with no
// verdict when a shard cannot be checked.
func TestCheckpointDirectories(t *testing.T) {
	for _, tc := range []struct {
		dir  string
		exit int
		rule string
	}{
		{"half_plus_two", scanner.ExitClean, ""},
		{"keras_lso", scanner.ExitClean, ""},
		{"tf2onnx_regression", scanner.ExitClean, ""},
		{"state_tf1_abspath", scanner.ExitClean, tensorflow.RuleStatePath},
		{"serving_v1_export", scanner.ExitClean, tensorflow.RuleStatePath},
		{"truncated_shard", scanner.ExitFindings, tensorflow.RuleDataRange},
		{"offset_beyond_shard", scanner.ExitFindings, tensorflow.RuleDataRange},
		{"bad_block_checksum", scanner.ExitFindings, tensorflow.RuleIndexInvalid},
		{"checksum_mismatch", scanner.ExitFindings, tensorflow.RuleChecksum},
		{"overlapping_tensors", scanner.ExitFindings, tensorflow.RuleOverlap},
		{"shard_7_of_2", scanner.ExitFindings, tensorflow.RuleDataRange},
		{"state_traversal", scanner.ExitFindings, tensorflow.RuleStatePath},
		{"state_url", scanner.ExitFindings, tensorflow.RuleStatePath},
		{"iterator_graph", scanner.ExitFindings, tensorflow.RuleFileWrite},
		{"missing_shard", scanner.ExitNoVerdict, ""},
		{"orphan_shard", scanner.ExitNoVerdict, ""},
	} {
		t.Run(tc.dir, func(t *testing.T) {
			rep := scan(t, filepath.Join("testdata", "ckpt", tc.dir))
			var rules []string
			for _, f := range rep.Files {
				if tc.exit == scanner.ExitClean && f.Outcome != scanner.Clean && f.Outcome != scanner.Findings {
					t.Errorf("%s: %s %s", f.Path, f.Outcome, f.Error)
				}
				for _, x := range f.Findings {
					rules = append(rules, x.Rule)
				}
			}
			if got := rep.ExitCode(); got != tc.exit {
				t.Errorf("exit %d, want %d; files %+v", got, tc.exit, rep.Files)
			}
			if tc.rule != "" && !slices.Contains(rules, tc.rule) {
				t.Errorf("rules %v, want %s", rules, tc.rule)
			}
		})
	}
}

// TestGraphFiles scans frozen GraphDefs and MetaGraphDefs as single files:
// each is identified by its bytes and judged like a SavedModel's graph.
func TestGraphFiles(t *testing.T) {
	for _, tc := range []struct {
		file   string
		format string
		sev    formats.Severity // least severity wanted; Info means none at medium or above
	}{
		{"tf2onnx_regression_frozen.pb", formats.TFGraphDef, formats.Info},
		{"tf2onnx_regression.meta", formats.TFMetaGraph, formats.Info},
		{"pyfunc_frozen.pb", formats.TFGraphDef, formats.Critical},
		{"readfile_in_function_frozen.pb", formats.TFGraphDef, formats.High},
		{"writefile.meta", formats.TFMetaGraph, formats.High},
	} {
		t.Run(tc.file, func(t *testing.T) {
			rep := scan(t, filepath.Join("testdata", "graphs", tc.file))
			r := rep.Files[0]
			if !slices.Contains(r.Formats, tc.format) || r.Outcome == scanner.Inconclusive {
				t.Fatalf("formats %v, outcome %s %s", r.Formats, r.Outcome, r.Error)
			}
			top, any := r.MaxSeverity()
			if tc.sev == formats.Info && any && top >= formats.Medium || tc.sev > formats.Info && (!any || top < tc.sev) {
				t.Errorf("findings %v, want %s", r.Findings, tc.sev)
			}
		})
	}
}

// TestSavedModelTruncatedVariables: a SavedModel whose variables shard is
// cut short no longer passes (issue 14, item 6).
func TestSavedModelTruncatedVariables(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, b []byte) {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	read := func(p string) []byte {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	write("saved_model.pb", read("testdata/benign/saved_model.pb"))
	write("variables/variables.index", read("testdata/ckpt/half_plus_two/variables.index"))
	data := read("testdata/ckpt/half_plus_two/variables.data-00000-of-00001")
	write("variables/variables.data-00000-of-00001", data)
	if rep := scan(t, dir); rep.ExitCode() != scanner.ExitClean {
		t.Fatalf("whole SavedModel: exit %d", rep.ExitCode())
	}
	write("variables/variables.data-00000-of-00001", data[:len(data)-1])
	rep := scan(t, dir)
	if rep.ExitCode() != scanner.ExitFindings {
		t.Fatalf("truncated variables: exit %d, files %+v", rep.ExitCode(), rep.Files)
	}
}

// TestSavedModelCompanions: the data-only files TensorFlow writes beside
// saved_model.pb are read and end clean, not skipped or unidentified.
func TestSavedModelCompanions(t *testing.T) {
	dir := t.TempDir()
	for name, src := range map[string]string{
		"saved_model.pb": "testdata/benign/saved_model.pb", "fingerprint.pb": "testdata/companions/fingerprint.pb",
	} {
		b, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	debug := []byte{0x0a, 0x03, 'a', '.', 'p', 0x12, 0x00}
	if err := os.MkdirAll(filepath.Join(dir, "debug"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "debug", "saved_model_debug_info.pb"), debug, 0o644); err != nil {
		t.Fatal(err)
	}
	rep := scan(t, dir)
	for _, f := range rep.Files {
		if f.Outcome != scanner.Clean {
			t.Errorf("%s: %s %s", f.Path, f.Outcome, f.Error)
		}
	}
}
