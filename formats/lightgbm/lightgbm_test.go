package lightgbm

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/modelgate/modelgate/formats"
	"github.com/modelgate/modelgate/formats/formatstest"
)

var real = []string{"tiniest_single_tree.txt", "pure_categorical.txt", "mixed_categorical.txt", "leaf_scan.txt"}

func sample(t testing.TB, name string) string {
	t.Helper()
	b := formatstest.Testdata(t, name)
	return string(b)
}

func run(t *testing.T, data string) (*formatstest.Recorder, error) {
	t.Helper()
	if !Probe(formats.Head{Size: int64(len(data)), Prefix: []byte(data)}) {
		t.Fatal("probe does not identify it")
	}
	return formatstest.Run(t, formats.AnalyzerFunc(Analyze), "model.txt", []byte(data))
}

func TestRealModels(t *testing.T) {
	for _, n := range real {
		t.Run(n, func(t *testing.T) {
			r, err := run(t, sample(t, n))
			if err != nil || len(r.Findings) > 0 {
				t.Fatalf("want clean, got %v %v", err, r.Findings)
			}
			crlf := strings.ReplaceAll(sample(t, n), "\n", "\r\n")
			if r, err := run(t, crlf); err != nil || !slices.Contains(r.Rules(), RuleStructure) {
				// tree_sizes counts bytes: CRLF line ends make every tree longer.
				t.Fatalf("CRLF copy: want %s, got %v %v", RuleStructure, err, r.Findings)
			}
		})
	}
}

func TestVariants(t *testing.T) {
	tiny := sample(t, "tiniest_single_tree.txt")
	cat := sample(t, "pure_categorical.txt")
	for _, tc := range []struct {
		name, data, rule string
		wantErr          bool
	}{
		{"plugin objective", strings.Replace(tiny, "objective=regression", "objective=my_native_loss", 1), RuleUnknownObjective, false},
		{"custom objective", strings.Replace(tiny, "objective=regression", "objective=custom", 1), "", false},
		{"binary with args", strings.Replace(tiny, "objective=regression", "objective=binary sigmoid:1", 1), "", false},
		{"tree_sizes off", strings.Replace(tiny, "tree_sizes=479", "tree_sizes=4790", 1), RuleStructure, false},
		{"child out of range", strings.Replace(tiny, "left_child=1 -1 -2", "left_child=1 -1 -9", 1), RuleStructure, false},
		{"child node out of range", strings.Replace(tiny, "right_child=2 -3 -4", "right_child=7 -3 -4", 1), RuleStructure, false},
		{"pandas not json", strings.Replace(tiny, "pandas_categorical:null", "pandas_categorical:__import__('os')", 1), RuleStructure, false},
		{"no end of trees", strings.Replace(tiny, "end of trees", "end of tree", 1), "", true},
		{"python objective", strings.Replace(tiny, "[objective: regression]", "[objective: custom]", 1), RuleUserObjective, false},
		{"tree_sizes count", strings.Replace(tiny, "tree_sizes=479", "tree_sizes=479 100", 1), RuleStructure, false},
		{"cat boundaries", strings.Replace(cat, "cat_boundaries=0 1", "cat_boundaries=0 99", 1), RuleStructure, false},
		{"truncated", tiny[:300], "", true},
		{"no version key", strings.Replace(tiny, "num_class=1\n", "", 1), "", true},
		{"garbage header line", strings.Replace(tiny, "label_index=0", "label_index 0", 1), "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := run(t, tc.data)
			if tc.wantErr != (err != nil) {
				t.Fatalf("error %v, want error %v", err, tc.wantErr)
			}
			if tc.rule == "" && len(r.Findings) > 0 || tc.rule != "" && !slices.Contains(r.Rules(), tc.rule) {
				t.Fatalf("want %q, got %v", tc.rule, r.Findings)
			}
		})
	}
}

func TestProbeRejects(t *testing.T) {
	for _, p := range []string{"tree\n", "treeview\nversion=v3", "tree\nversion=vx", "# tree\nversion=v3", "Tree=0\n"} {
		if Probe(formats.Head{Size: int64(len(p)), Prefix: []byte(p)}) {
			t.Errorf("probe accepts %q", p)
		}
	}
}

func FuzzLightGBM(f *testing.F) {
	for _, n := range real[:2] {
		f.Add([]byte(sample(f, n)))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		in := formats.NewInput("m.txt", bytes.NewReader(b), int64(len(b)))
		_ = Analyze(context.Background(), in, formatstest.NewRecorder())
	})
}
