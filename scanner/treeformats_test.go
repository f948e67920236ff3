package scanner_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/modelgate/modelgate/formats"
)

// treeFormats are identified by probes their packages register; every
// sample of theirs must scan as its manifest says.
var treeFormats = map[string]string{
	formats.XGBoost: "xgboost", formats.LightGBM: "lightgbm", formats.CatBoost: "catboost",
	formats.Msgpack: "msgpack", formats.PaddleProgram: "paddle", formats.PaddleParams: "paddle",
}

func TestTreeFormatSamples(t *testing.T) {
	for _, pkg := range []string{"xgboost", "lightgbm", "catboost", "msgpack", "paddle"} {
		manifest := filepath.Join("..", "formats", pkg, "testdata", "samples.tsv")
		t.Run(pkg, func(t *testing.T) {
			for _, s := range readManifest(t, manifest) {
				want := pkg
				if filepath.Ext(s.path) == ".pdparams" {
					// paddle.save writes pickles.
					want = ""
				}
				if k := sniffFile(t, s.path); len(k) == 0 || treeFormats[k[0]] != want && !(want == "" && k[0] == formats.Pickle) {
					t.Errorf("%s sniffed as %v", s.path, k)
				}
			}
			checkSamples(t, manifest)
		})
	}
}

// TestTreeFormatProbesClaimNothingElse sniffs every file of the
// repository's test data and of ../shared/realworld: only the tree-format
// packages' own samples may be read as one of their formats.
func TestTreeFormatProbesClaimNothingElse(t *testing.T) {
	roots := []string{"..", filepath.Join("..", "..", "shared", "realworld")}
	for _, root := range roots {
		if _, err := os.Stat(root); err != nil {
			continue
		}
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				if d.Name() == ".git" {
					return filepath.SkipDir
				}
				return nil
			}
			if !d.Type().IsRegular() {
				return nil
			}
			for _, k := range sniffFile(t, p) {
				pkg, ours := treeFormats[k]
				if ours && !strings.Contains(filepath.ToSlash(p), "formats/"+pkg+"/testdata/") {
					t.Errorf("%s sniffed as %s", p, k)
				}
				if ours && slices.Contains([]string{".go", ".py", ".md", ".tsv"}, filepath.Ext(p)) {
					t.Errorf("%s sniffed as %s", p, k)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

func sniffFile(t *testing.T, p string) []string {
	t.Helper()
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	h, err := formats.ReadHead(formats.NewInput(p, f, st.Size()))
	if err != nil {
		t.Fatal(err)
	}
	return formats.Sniff(h)
}
