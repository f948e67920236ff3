package pickle

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/modelgate/modelgate/formats"
	"github.com/modelgate/modelgate/formats/formatstest"
)

// TestBrokenPickleSniff checks that a pickle which breaks after a GLOBAL
// (testdata/make_broken.py: real pickle.dumps output with a broken tail) is
// sniffed as a pickle — loaders import the global before they fail — and
// that its analysis reports the import and ends with an error
// (inconclusive), never skipped or clean; and that real text is not.
func TestBrokenPickleSniff(t *testing.T) {
	a, _ := formats.Lookup(formats.Pickle)
	for _, c := range []struct {
		file string
		want formats.Severity // the worst finding; 0: none
	}{
		{"broken_system_p0.pkl", formats.Critical},
		{"broken_system_text_p0.pkl", formats.Critical},
		{"broken_system_reduce_p1.pkl", formats.Critical},
		{"broken_allowed_p0.pkl", formats.High}, // MG110: the invalid opcode
	} {
		t.Run(c.file, func(t *testing.T) {
			data := formatstest.Testdata(t, c.file)
			h := formats.Head{Name: c.file, Size: int64(len(data)), Prefix: data, Suffix: data}
			if got := formats.Sniff(h); !slices.Contains(got, formats.Pickle) {
				t.Fatalf("sniffed as %v, not a pickle", got)
			}
			rec, err := formatstest.Run(t, a, c.file, data)
			if err == nil {
				t.Errorf("a broken pickle analyzed without error")
			}
			worst, any := rec.Max()
			if c.want == 0 && any || c.want != 0 && (!any || worst < c.want) {
				t.Errorf("want worst %v; findings:\n%s", c.want, list(rec.Findings))
			}
		})
	}
	// All text, an unknown global, but called (OBJ) before the pickle
	// breaks: the differential harness found it as the storages member of
	// a mutated pre-1.0 torch tar (tools/differential/testdata/found).
	called := "(cmgmarker\nhit\no0uq\x00ctorch\nFl"
	h := formats.Head{Name: "storages", Size: int64(len(called)), Prefix: []byte(called), Suffix: []byte(called)}
	if got := formats.Sniff(h); !slices.Contains(got, formats.Pickle) {
		t.Errorf("a text pickle calling a global sniffed as %v", got)
	}
	// A pickle cut short right after a call of a global (INST, then the
	// end): C pickle.load calls it before it meets the end.
	cut := "(imgmarker\nhit\n"
	h = formats.Head{Name: "tensors", Size: int64(len(cut)), Prefix: []byte(cut), Suffix: []byte(cut)}
	if got := formats.Sniff(h); !slices.Contains(got, formats.Pickle) {
		t.Errorf("a truncated pickle calling a global sniffed as %v", got)
	}
	// Real text that starts like a GLOBAL must stay text.
	for _, text := range []string{
		"cmake_uamqp\nuamqp\n", // a real top_level.txt
		"cat\ndog\n",
		"config:\n  name: x\n",
		"# README\n\nSome text.\n",
		"{\"architectures\": [\"BertModel\"]}\n",
		"import os\nimport sys\n",
	} {
		h := formats.Head{Name: "f", Size: int64(len(text)), Prefix: []byte(text), Suffix: []byte(text)}
		if got := formats.Sniff(h); slices.Contains(got, formats.Pickle) {
			t.Errorf("text %q sniffed as %v", text, got)
		}
	}
	for _, path := range []string{"../../README.md", "../../go.mod", "../../docs"} {
		files, _ := filepath.Glob(path)
		if more, _ := filepath.Glob(filepath.Join(path, "*.md")); len(more) > 0 {
			files = more
		}
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				continue
			}
			h := formats.Head{Name: f, Size: int64(len(data)), Prefix: data, Suffix: data}
			if got := formats.Sniff(h); slices.Contains(got, formats.Pickle) {
				t.Errorf("%s sniffed as %v", f, got)
			}
		}
	}
}
