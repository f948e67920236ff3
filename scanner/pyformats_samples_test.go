package scanner_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/modelgate/modelgate/formats"
	"github.com/modelgate/modelgate/scanner"
	"github.com/modelgate/modelgate/scanner/fetch"
)

// TestPyFormatSamples checks the Python-ecosystem packages made by
// testdata/pyformats/make_*.py: dill and cloudpickle pickles, skops files,
// MLflow model directories, TorchServe and NeMo archives. A directory
// sample is scanned as one target; its verdict is the worst of its files.
func TestPyFormatSamples(t *testing.T) {
	const manifest = "../testdata/pyformats/samples.tsv"
	for _, s := range readManifest(t, manifest) {
		t.Run(strings.TrimPrefix(s.path, filepath.Dir(manifest)+"/"), func(t *testing.T) {
			src, err := fetch.NewLocal(s.path)
			if err != nil {
				t.Fatal(err)
			}
			rep, err := scanner.Scan(context.Background(), []scanner.Target{{Name: s.path, Source: src}}, scanner.Options{Jobs: 1, FailOn: formats.Medium})
			if err != nil {
				t.Fatal(err)
			}
			if len(rep.Files) == 0 {
				t.Fatal("no files scanned")
			}
			top, any, inconclusive := formats.Info, false, false
			var all []formats.Finding
			for _, r := range rep.Files {
				if sev, ok := r.MaxSeverity(); ok {
					top, any = max(top, sev), true
				}
				inconclusive = inconclusive || r.Outcome == scanner.Inconclusive
				all = append(all, r.Findings...)
			}
			if s.expect == "clean" {
				if inconclusive || (any && top >= formats.Medium) {
					t.Errorf("benign sample (%s): inconclusive %v, findings %v", s.note, inconclusive, all)
				}
				return
			}
			want, err := formats.ParseSeverity(s.expect)
			if err != nil {
				t.Fatal(err)
			}
			if !any || top < want {
				t.Errorf("%s (%s): max severity %v, want at least %s: %v", s.catalogue, s.note, top, want, all)
			}
		})
	}
}

// TestPyFormatSamplesListed keeps the manifest complete: every sample
// file or directory the scripts write is listed.
func TestPyFormatSamplesListed(t *testing.T) {
	listed := map[string]bool{}
	for _, s := range readManifest(t, "../testdata/pyformats/samples.tsv") {
		listed[filepath.Base(s.path)] = true
	}
	for _, kind := range []string{"benign", "malicious", "real"} {
		entries, err := os.ReadDir(filepath.Join("../testdata/pyformats", kind))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			if !listed[e.Name()] {
				t.Errorf("%s/%s is not in samples.tsv", kind, e.Name())
			}
		}
	}
}
