package scanner_test

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/modelgate/modelgate/formats"
	"github.com/modelgate/modelgate/scanner"
	"github.com/modelgate/modelgate/scanner/fetch"
)

// sample is one line of a testdata manifest: a file and the least a
// correct scanner must say about it.
type sample struct {
	path, expect, catalogue, note string
}

func readManifest(t *testing.T, path string) []sample {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []sample
	sc := bufio.NewScanner(f)
	for n := 0; sc.Scan(); n++ {
		if n == 0 || strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		c := strings.SplitN(sc.Text(), "\t", 4)
		if len(c) < 4 {
			t.Fatalf("%s:%d: want 4 tab-separated columns", path, n+1)
		}
		out = append(out, sample{filepath.Join(filepath.Dir(path), c[0]), c[1], c[2], c[3]})
	}
	return out
}

func scanOne(t *testing.T, path string) scanner.FileResult {
	t.Helper()
	src, err := fetch.NewLocal(path)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := scanner.Scan(context.Background(), []scanner.Target{{Name: path, Source: src}}, scanner.Options{Jobs: 1, FailOn: formats.Medium})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Files) != 1 {
		t.Fatalf("%s: %d results", path, len(rep.Files))
	}
	return rep.Files[0]
}

// checkSamples asserts every sample of a manifest: benign files are read
// fully and have nothing at medium or above; malicious ones reach at least
// the severity the manifest names.
func checkSamples(t *testing.T, manifest string) {
	for _, s := range readManifest(t, manifest) {
		t.Run(strings.TrimPrefix(s.path, filepath.Dir(manifest)+"/"), func(t *testing.T) {
			r := scanOne(t, s.path)
			top, any := r.MaxSeverity()
			if s.expect == "clean" {
				if r.Outcome == scanner.Inconclusive || (any && top >= formats.Medium) {
					t.Errorf("benign sample (%s): outcome %s %s, findings %v", s.note, r.Outcome, r.Error, r.Findings)
				}
				return
			}
			if s.expect == "inconclusive" {
				// A resource attack: bounded, and never clean.
				if r.Outcome != scanner.Inconclusive && !any {
					t.Errorf("resource attack (%s): outcome %s, no finding", s.note, r.Outcome)
				}
				return
			}
			want, err := formats.ParseSeverity(s.expect)
			if err != nil {
				t.Fatal(err)
			}
			if !any || top < want {
				t.Errorf("catalogue %s (%s): max severity %v (found %v), want at least %s; outcome %s %s",
					s.catalogue, s.note, top, any, want, r.Outcome, r.Error)
			}
		})
	}
}

func TestPickleSamples(t *testing.T) { checkSamples(t, "../testdata/pickle/samples.tsv") }

func TestContainerSamples(t *testing.T) { checkSamples(t, "../testdata/containers/samples.tsv") }

func TestTorchScriptSamples(t *testing.T) {
	checkSamples(t, "../formats/pytorch/testdata/torchscript/samples.tsv")
}

func TestOpenVINOSamples(t *testing.T) { checkSamples(t, "../formats/openvino/testdata/samples.tsv") }

func TestCoreMLSamples(t *testing.T) { checkSamples(t, "../formats/coreml/testdata/samples.tsv") }

func TestExecuTorchSamples(t *testing.T) {
	checkSamples(t, "../formats/executorch/testdata/samples.tsv")
}

func TestLlamafileSamples(t *testing.T) { checkSamples(t, "../formats/llamafile/testdata/samples.tsv") }

func TestStableBaselinesSamples(t *testing.T) {
	checkSamples(t, "../formats/stablebaselines/testdata/samples.tsv")
}

func TestPyTorchMobileSamples(t *testing.T) {
	checkSamples(t, "../formats/pytorch/testdata/mobile/samples.tsv")
}

func TestPickleKerasSamples(t *testing.T) {
	checkSamples(t, "../formats/pickle/testdata/keras/samples.tsv")
}
