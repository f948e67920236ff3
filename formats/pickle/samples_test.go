package pickle

import (
	"bufio"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/modelgate/modelgate/formats"
	"github.com/modelgate/modelgate/formats/formatstest"
)

const samplesDir = "../../testdata/pickle"

// TestSamples runs the analyzer over the real and crafted sample files:
// each malicious one must reach the severity samples.tsv names, each
// benign one must have nothing at medium or above and no error.
func TestSamples(t *testing.T) {
	f, err := os.Open(filepath.Join(samplesDir, "samples.tsv"))
	if err != nil {
		t.Skipf("no samples: %v", err)
	}
	defer f.Close()
	a, _ := formats.Lookup(formats.Pickle)
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		cols := strings.Split(sc.Text(), "\t")
		if len(cols) < 2 || cols[0] == "path" || strings.HasPrefix(cols[0], "#") {
			continue
		}
		path, expect := cols[0], cols[1]
		t.Run(path, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(samplesDir, path))
			if err != nil {
				t.Fatal(err)
			}
			if got := formats.Sniff(head(path, data)); len(got) == 0 || got[0] != formats.Pickle {
				t.Errorf("sniffed as %v, not a pickle", got)
			}
			rec, err := formatstest.Run(t, a, filepath.Base(path), data)
			worst, any := rec.Max()
			if expect == "clean" {
				if err != nil {
					t.Errorf("benign sample: error %v", err)
				}
				if any && worst >= formats.Medium {
					t.Errorf("benign sample has findings:\n%s", list(rec.Findings))
				}
				return
			}
			want, perr := formats.ParseSeverity(expect)
			if perr != nil {
				t.Fatalf("samples.tsv: %v", perr)
			}
			if !any || worst < want {
				t.Errorf("want >= %v, got %v (err %v):\n%s", want, worst, err, list(rec.Findings))
			}
		})
	}
}

func list(fs []formats.Finding) string {
	var b strings.Builder
	for _, f := range fs {
		b.WriteString("  " + f.Severity.String() + " " + f.Rule + " @" + strconv.FormatInt(f.Offset, 10) + " " + f.Message + "\n")
	}
	return b.String()
}

// TestJoblib reads joblib.dump output: the raw array data after each
// NumpyArrayWrapper is skipped, object arrays are scanned, and a payload
// after the arrays is found.
func TestJoblib(t *testing.T) {
	a, _ := formats.Lookup(formats.Pickle)
	for _, c := range []struct {
		name string
		bad  bool
	}{
		{"joblib_arrays_p2.pkl", false},
		{"joblib_arrays_p4.pkl", false},
		{"joblib_arrays_p5.pkl", false},
		{"joblib_payload_after_arrays.pkl", true},
	} {
		t.Run(c.name, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", c.name))
			if err != nil {
				t.Fatal(err)
			}
			rec, err := formatstest.Run(t, a, c.name, data)
			if err != nil {
				t.Fatalf("error %v; findings:\n%s", err, list(rec.Findings))
			}
			worst, any := rec.Max()
			if c.bad != (any && worst >= formats.Critical) {
				t.Errorf("findings:\n%s", list(rec.Findings))
			}
			if !c.bad && any && worst >= formats.Medium {
				t.Errorf("benign joblib file has findings:\n%s", list(rec.Findings))
			}
		})
	}
}
