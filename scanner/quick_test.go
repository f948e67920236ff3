package scanner_test

import (
	"context"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/modelgate/modelgate/formats"
	"github.com/modelgate/modelgate/scanner"
	"github.com/modelgate/modelgate/scanner/fetch"
)

// verdict is what a quick scan must agree on with a full one.
type verdict struct {
	outcome scanner.Outcome
	rules   string // the rule IDs of the findings, sorted, deduplicated
}

func verdictOf(f scanner.FileResult) verdict {
	var ids []string
	for _, x := range f.Findings {
		ids = append(ids, x.Rule+"/"+x.Severity.String())
	}
	slices.Sort(ids)
	return verdict{f.Outcome, strings.Join(slices.Compact(ids), ",")}
}

func scanMode(t *testing.T, path string, quick bool) scanner.FileResult {
	t.Helper()
	src, err := fetch.NewLocal(path)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := scanner.Scan(context.Background(), []scanner.Target{{Name: path, Source: src}}, scanner.Options{Jobs: 1, FailOn: formats.Medium, Quick: quick})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Files) != 1 {
		t.Fatalf("%s: %d results", path, len(rep.Files))
	}
	return rep.Files[0]
}

// TestQuickSameVerdict scans every file under every testdata directory of
// the module twice, structure-only (--quick) and in full, and requires the
// same outcome and the same findings (rule and severity) from both. The
// one legitimate difference, a fault only tensor bytes show, is stated in
// TestQuickExceptions; no sample here has it.
func TestQuickSameVerdict(t *testing.T) {
	var files []string
	err := filepath.WalkDir("..", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || strings.HasPrefix(d.Name(), ".") && p != "..") {
			return filepath.SkipDir
		}
		if d.Type().IsRegular() && slices.Contains(strings.Split(filepath.ToSlash(p), "/"), "testdata") {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 500 {
		t.Fatalf("only %d testdata files found", len(files))
	}
	for _, p := range files {
		t.Run(filepath.ToSlash(p), func(t *testing.T) {
			t.Parallel()
			full, quick := scanMode(t, p, false), scanMode(t, p, true)
			if vf, vq := verdictOf(full), verdictOf(quick); vf != vq {
				t.Errorf("full %s [%s], quick %s [%s] %s", vf.outcome, vf.rules, vq.outcome, vq.rules, quick.Error)
			}
			if quick.SHA256 != "" || quick.SHA256NotComputed != scanner.NotComputedQuick {
				t.Errorf("quick scan has sha256 %q, not-computed %q", quick.SHA256, quick.SHA256NotComputed)
			}
		})
	}
}
