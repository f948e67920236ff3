package scanner

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/modelgate/modelgate/formats"
	"github.com/modelgate/modelgate/scanner/fetch"
)

// markerLayout matches trees holding marker.txt and reports on config.json,
// on the tree as a whole, and on a file it cannot find.
type markerLayout struct{}

func (markerLayout) Match(names []string) bool { return slices.Contains(names, "marker.txt") }

func (markerLayout) AnalyzeTree(_ context.Context, t formats.Tree, s formats.Scope) error {
	in, err := t.Open("sub/config.json")
	if err != nil {
		return err
	}
	rc, _ := in.Open()
	b, _ := io.ReadAll(rc)
	s.Report(formats.Finding{Rule: "MG001", Severity: formats.High, Message: string(b), Offset: 3}.In("sub/config.json"))
	s.Report(formats.Finding{Rule: "MG001", Severity: formats.Low, Message: "whole tree", Offset: formats.NoOffset})
	return nil
}

func init() { formats.RegisterLayout("test-marker", markerLayout{}) }

func TestScanTree(t *testing.T) {
	dir := t.TempDir()
	for name, data := range map[string]string{"marker.txt": "x", "sub/config.json": `{"a":1}`} {
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, []byte(data), 0o644)
	}
	src, _ := fetch.NewLocal(dir)
	rep, err := Scan(context.Background(), []Target{{Name: dir, Source: src}}, Options{FailOn: formats.Medium})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Files) != 3 {
		t.Fatalf("files %+v", rep.Files)
	}
	cfg := rep.Files[1]
	if cfg.Outcome != Findings || len(cfg.Findings) != 1 || cfg.Findings[0].Message != `{"a":1}` ||
		cfg.Findings[0].Location != filepath.Join(dir, "sub/config.json")+"@3" {
		t.Errorf("config.json result %+v", cfg)
	}
	tree := rep.Files[2]
	if tree.Path != dir || tree.Outcome != Findings || !slices.Contains(tree.Formats, "test-marker") || tree.Findings[0].Location != dir {
		t.Errorf("tree result %+v", tree)
	}
	if rep.ExitCode() != ExitFindings {
		t.Errorf("exit %d", rep.ExitCode())
	}
}

// A single-file target is its own tree: what a layout says about the
// tree as a whole belongs to that one file, which is counted once, and a
// finding's location names the file once.
func TestSingleFileTargetIsOneFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "marker.txt")
	os.WriteFile(p, []byte("x"), 0o644)
	src, _ := fetch.NewLocal(p)
	rep, err := Scan(context.Background(), []Target{{Name: p, Source: src}}, Options{FailOn: formats.Medium})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Files) != 1 || rep.Summary.Files != 1 {
		t.Fatalf("%d results, summary %d files, want 1: %+v", len(rep.Files), rep.Summary.Files, rep.Files)
	}
	// The layout cannot open sub/config.json in a one-file tree.
	if f := rep.Files[0]; f.Path != p || f.Outcome != Inconclusive || f.Error == "" {
		t.Errorf("result %+v, want the layout's failure on the file itself", f)
	}

	onnx := "../formats/onnx/testdata/external_missing/model.onnx"
	src, _ = fetch.NewLocal(onnx)
	rep, err = Scan(context.Background(), []Target{{Name: onnx, Source: src}}, Options{FailOn: formats.Medium})
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range rep.Files[0].Findings {
		if loc, _, _ := strings.Cut(x.Location, "@"); loc != onnx {
			t.Errorf("location %q, want %s", x.Location, onnx)
		}
	}
}

// checkedLayout marks raw.data checked, the way a checkpoint index claims
// its data shards.
type checkedLayout struct{}

func (checkedLayout) Match(names []string) bool { return slices.Contains(names, "raw.data") }

func (checkedLayout) AnalyzeTree(_ context.Context, _ formats.Tree, s formats.Scope) error {
	formats.MarkChecked(s, "raw.data")
	return nil
}

func init() { formats.RegisterLayout("test-checked", checkedLayout{}) }

// A file whose bytes alone identify nothing (skipped, or unsupported) is
// clean once a layout has checked it as part of the tree.
func TestCheckedMemberIsClean(t *testing.T) {
	for _, before := range []FileResult{
		{Outcome: Skipped},
		{Outcome: Inconclusive, Reason: "unsupported", Error: "matches no known format"},
	} {
		files := []fetch.File{{Path: "d/raw.data", Rel: "raw.data", Size: 1,
			Open: func(context.Context) (fetch.ReaderAtCloser, error) { return nil, os.ErrNotExist }}}
		results := []FileResult{before}
		results[0].Path = "d/raw.data"
		scanTree(context.Background(), "d", files, results, nil, formats.DefaultLimits())
		if r := results[0]; r.Outcome != Clean || r.Reason != "" || r.Error != "" {
			t.Errorf("from %s: %+v", before.Outcome, r)
		}
	}
}
