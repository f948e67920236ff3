package pickle

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/modelgate/modelgate/formats"
	"github.com/modelgate/modelgate/formats/formatstest"
	"github.com/modelgate/modelgate/internal/pythontest"
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
		{"joblib_object_array_p5.pkl", false},
		{"joblib_payload_after_arrays.pkl", true},
	} {
		t.Run(c.name, func(t *testing.T) {
			data := formatstest.Testdata(t, c.name)
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

// TestPlainReadingProjectModules: what only pickle.load's reading of a
// joblib dump imports (the nested object-array pickle's GETs fetching the
// dump's strings) is low when no known library provides the module, and
// keeps its severity otherwise.
func TestPlainReadingProjectModules(t *testing.T) {
	for _, c := range []struct {
		module string
		rule   string
		sev    formats.Severity
		want   formats.Severity
	}{
		{"LabelEncoder", RuleUnknownGlobal, formats.Medium, formats.Low},
		{"Pipeline", RuleUnknownGlobal, formats.Medium, formats.Medium}, // PyPI's pipeline
		{"sklearn.evil", RuleUnknownGlobal, formats.Medium, formats.Medium},
		// Distributions' system Python: cloudinit.subp.subp and
		// uaclient.system.subp run a command on every Ubuntu cloud
		// image, dnf and yum's on Fedora and RHEL.
		{"cloudinit.subp", RuleUnknownGlobal, formats.Medium, formats.Medium},
		{"uaclient.system", RuleUnknownGlobal, formats.Medium, formats.Medium},
		{"apport.fileutils", RuleUnknownGlobal, formats.Medium, formats.Medium},
		{"dnf.cli", RuleUnknownGlobal, formats.Medium, formats.Medium},
		{"uno", RuleUnknownGlobal, formats.Medium, formats.Medium},
		{"dbruntime.dbutils", RuleUnknownGlobal, formats.Medium, formats.Medium},
		{"os", RuleDeniedGlobal, formats.Critical, formats.Critical},
	} {
		rec := formatstest.NewRecorder()
		p := &plainScope{&teeScope{Scope: rec, seen: map[string]bool{}}}
		p.Report(formats.NewFinding(c.rule, 1, "imports %s.dtype", c.module).At(c.sev).
			With("module", c.module).With("global", c.module+".dtype"))
		if len(rec.Findings) != 1 || rec.Findings[0].Severity != c.want || rec.Findings[0].Details["reading"] == "" {
			t.Errorf("%s: %+v, want one %s finding of the plain reading", c.module, rec.Findings, c.want)
		}
	}
}

// TestJoblibWrappers reads joblib streams made from real joblib.dump output
// (testdata/make_joblib_wrappers.py) whose array wrappers are built, or
// whose state is written, another way than joblib writes them. joblib.load
// reaches the mgmarker.hit payload in each (tools/differential checks it
// with the real loader); modelgate must read the bytes after each BUILD as
// joblib does and report the marker, or, for pre-0.10 wrappers naming a
// file outside the dump's folder, report that file.
func TestJoblibWrappers(t *testing.T) {
	a, _ := formats.Lookup(formats.Pickle)
	files, _ := filepath.Glob(filepath.Join("testdata", "joblib_*wrapper_*.pkl"))
	if len(files) < 15 {
		t.Fatalf("only %d wrapper samples; run testdata/make_joblib_wrappers.py", len(files))
	}
	for _, path := range files {
		name := filepath.Base(path)
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			rec, err := formatstest.Run(t, a, name, data)
			benign := strings.Contains(name, "_ok_")
			if benign && err != nil {
				t.Fatalf("benign sample ends inconclusive: %v", err)
			}
			var marker, outside bool
			for _, f := range rec.Findings {
				marker = marker || f.Details["global"] == "mgmarker.hit" || strings.Contains(f.Message, "mgmarker.hit")
				outside = outside || f.Rule == RuleJoblibFile && f.Severity >= formats.Critical
			}
			worst, any := rec.Max()
			switch {
			case benign && any && worst >= formats.Medium:
				t.Errorf("benign sample has findings:\n%s", list(rec.Findings))
			case !benign && strings.HasPrefix(name, "joblib_ndwrapper_") && !outside:
				t.Errorf("companion file outside the folder not reported (err %v):\n%s", err, list(rec.Findings))
			case !benign && strings.HasPrefix(name, "joblib_wrapper_") && !marker:
				t.Errorf("payload after the array not reported (err %v):\n%s", err, list(rec.Findings))
			}
		})
	}
}

// TestPlainReadingMatchesPickleLoad: on a joblib dump whose object array
// is a protocol-5 pickle of its own, the module modelgate's plain reading
// reports is the one CPython's pickle.load tries to import.
func TestPlainReadingMatchesPickleLoad(t *testing.T) {
	py := pythontest.Require(t)
	const name = "joblib_object_array_p5.pkl"
	out, err := exec.Command(py, "-c", "import pickle,sys\ntry:\n    pickle.load(open(sys.argv[1],'rb'))\n"+
		"except ModuleNotFoundError as e:\n    print(e.name)\n", filepath.Join("testdata", name)).Output()
	if err != nil {
		t.Fatalf("python: %v", err)
	}
	want := strings.TrimSpace(string(out))
	a, _ := formats.Lookup(formats.Pickle)
	rec, err := formatstest.Run(t, a, name, formatstest.Testdata(t, name))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range rec.Findings {
		if f.Details["reading"] != "" && f.Details["module"] == want {
			return
		}
	}
	t.Errorf("pickle.load imports %q; the plain reading reported:\n%s", want, list(rec.Findings))
}
