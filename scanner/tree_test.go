package scanner

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"slices"
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
