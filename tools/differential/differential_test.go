package differential

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/modelgate/modelgate/formats"
	_ "github.com/modelgate/modelgate/formats/all"
	"github.com/modelgate/modelgate/internal/pythontest"
	"github.com/modelgate/modelgate/scanner"
	"github.com/modelgate/modelgate/scanner/fetch"
)

// A family is a loader and the files it reads.
type family struct {
	name    string
	loaders []string // runner.py loader names
	modules []string // Python modules the loaders need
	ext     string
	muts    []Mutator
	extra   []string // globs of crafted files (marker payloads only) added to the seeds
}

var families = []family{
	{name: "pickle", loaders: []string{"pickle", "pypickle"}, modules: []string{"numpy"}, ext: ".pkl", muts: bytewise,
		extra: []string{"../../formats/pickle/testdata/broken_allowed_p0.pkl", "../../formats/pickle/testdata/joblib_wrapper_*.pkl"}},
	{name: "joblib", loaders: []string{"joblib"}, modules: []string{"numpy", "joblib"}, ext: ".joblib",
		muts:  append(slices.Clone(bytewise), joblibEdits...),
		extra: []string{"../../formats/pickle/testdata/joblib_wrapper_*.pkl", "../../formats/pickle/testdata/joblib_ndwrapper_*.pkl"}},
	{name: "torch", loaders: []string{"torch"}, modules: []string{"numpy", "torch"}, ext: ".pt", muts: bytewise,
		extra: []string{"../../formats/pytorch/testdata/legacy_tar_*.tar"}},
}

// budget is how long each family runs: MG_DIFFTIME (a Go duration), else
// a few seconds.
func budget(t *testing.T) time.Duration {
	if s := os.Getenv("MG_DIFFTIME"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil {
			t.Fatalf("MG_DIFFTIME: %v", err)
		}
		return d
	}
	return 3 * time.Second
}

func seedValue(t *testing.T) int64 {
	if s := os.Getenv("MG_DIFFSEED"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			t.Fatalf("MG_DIFFSEED: %v", err)
		}
		return n
	}
	return 1
}

func TestPickle(t *testing.T) { runFamily(t, families[0]) }
func TestJoblib(t *testing.T) { runFamily(t, families[1]) }
func TestTorch(t *testing.T)  { runFamily(t, families[2]) }

// result is one runner.py line.
type result struct {
	ID     string `json:"id"`
	Called bool   `json:"called"`
	Status string `json:"status"`
	Error  string `json:"error"`
}

type tally struct {
	cases, called, covered, clean, inconclusive, timeouts int
}

func runFamily(t *testing.T, fam family) {
	if testing.Short() {
		t.Skip("differential tests run the real loaders")
	}
	py := pythontest.Require(t, fam.modules...)
	dir := t.TempDir()
	seeds := loadSeeds(t, fam)
	if fam.name == "joblib" {
		// The NDArrayWrapper samples name ../mgmarker_payload.npy; batches
		// are folders of dir.
		companion(t, py, filepath.Join(dir, "mgmarker_payload.npy"))
	}
	r := rand.New(rand.NewSource(seedValue(t)))
	deadline := time.Now().Add(budget(t))
	var tl tally
	lastLog := time.Now()
	for batch := 0; batch == 0 || time.Now().Before(deadline); batch++ {
		bdir := filepath.Join(dir, "batch"+strconv.Itoa(batch))
		if err := os.MkdirAll(bdir, 0o755); err != nil {
			t.Fatal(err)
		}
		cases := map[string][]byte{}
		// The first batch is small: under go test the budget is seconds.
		for i := range 16 << min(batch, 2) {
			seed := seeds[r.Intn(len(seeds))]
			data := Mutate(r, seed, fam.muts)
			id := fmt.Sprintf("c%04d", i)
			cases[id] = data
			if err := os.WriteFile(filepath.Join(bdir, id+fam.ext), data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		check(t, py, fam, bdir, cases, &tl)
		os.RemoveAll(bdir)
		if time.Since(lastLog) > 5*time.Minute {
			lastLog = time.Now()
			t.Logf("%s: %d executions so far, marker reached %d times, all covered: %v", fam.name, tl.cases, tl.called, !t.Failed())
		}
	}
	t.Logf("%s: %d executions (%d timed out), loader reached the marker in %d, modelgate covered %d; %d clean, %d inconclusive",
		fam.name, tl.cases, tl.timeouts, tl.called, tl.covered, tl.clean, tl.inconclusive)
}

// check loads and scans one batch and reports each case where a loader
// reached the marker and modelgate did not say so.
func check(t *testing.T, py string, fam family, bdir string, cases map[string][]byte, tl *tally) {
	t.Helper()
	verdicts := scan(t, bdir)
	ids := make([]string, 0, len(cases))
	for id := range cases {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	var lines []string
	for _, id := range ids {
		for _, l := range fam.loaders {
			b, _ := json.Marshal(map[string]string{"id": id + "/" + l, "path": filepath.Join(bdir, id+fam.ext), "loader": l})
			lines = append(lines, string(b))
		}
	}
	for _, res := range load(t, py, bdir, lines) {
		tl.cases++
		if res.Status == "timeout" {
			tl.timeouts++
		}
		id, loader, _ := strings.Cut(res.ID, "/")
		v, ok := verdicts[id+fam.ext]
		if !ok {
			t.Errorf("%s: no scan result", id)
			continue
		}
		switch v.Outcome {
		case scanner.Clean:
			tl.clean++
		case scanner.Inconclusive:
			tl.inconclusive++
		}
		if !res.Called {
			continue
		}
		tl.called++
		if covers(v) {
			tl.covered++
			continue
		}
		kept := keep(t, fam, cases[id])
		t.Errorf("%s reached mgmarker.hit (%s %s) but modelgate says %s with %s; case kept as %s",
			loader, res.Status, res.Error, v.Outcome, summary(v.Findings), kept)
	}
}

// covers reports whether modelgate's verdict accounts for a call of the
// marker: it names it, it could not finish (inconclusive), or it reports
// a call whose target it cannot know (a computed import or call, a nested
// pickle it could not read, a joblib companion file outside the folder).
func covers(v scanner.FileResult) bool {
	if v.Outcome == scanner.Inconclusive {
		return true
	}
	for _, f := range v.Findings {
		if strings.Contains(f.Message, "mgmarker") || strings.Contains(f.Details["global"], "mgmarker") {
			return true
		}
		switch f.Rule {
		case "MG104", "MG112":
			return true
		case "MG105", "MG121":
			if f.Severity >= formats.High {
				return true
			}
		}
	}
	return false
}

func summary(fs []formats.Finding) string {
	var s []string
	for _, f := range fs {
		s = append(s, f.Rule+" "+f.Severity.String()+": "+f.Message)
	}
	if len(s) == 0 {
		return "no findings"
	}
	return strings.Join(s, "; ")
}

// keep saves a disagreeing case under testdata/found when MG_DIFFKEEP is
// set (make differential), so that it becomes a regression case.
func keep(t *testing.T, fam family, data []byte) string {
	sum := sha256.Sum256(data)
	name := filepath.Join("testdata", "found", fam.name, hex.EncodeToString(sum[:8])+fam.ext)
	if os.Getenv("MG_DIFFKEEP") == "" {
		return name + " (not written: set MG_DIFFKEEP)"
	}
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return name
}

// scan runs modelgate over a directory and returns each file's result.
func scan(t *testing.T, dir string) map[string]scanner.FileResult {
	src, err := fetch.NewLocal(dir)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := scanner.Scan(context.Background(), []scanner.Target{{Name: dir, Source: src}}, scanner.Options{Jobs: 1, FailOn: formats.Medium})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]scanner.FileResult{}
	for _, f := range rep.Files {
		out[filepath.Base(f.Path)] = f
	}
	return out
}

// load runs runner.py over the cases (JSON lines) and returns its results.
func load(t *testing.T, py, dir string, lines []string) []result {
	t.Helper()
	spec := filepath.Join(dir, "cases.jsonl")
	if err := os.WriteFile(spec, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	runner, _ := filepath.Abs("runner.py")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, py, runner, spec)
	cmd.Dir = dir
	cmd.Env = pythontest.Env(dir)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("runner: %v: %s", err, stderr.String())
	}
	var res []result
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		var r result
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("runner output %q: %v", sc.Text(), err)
		}
		res = append(res, r)
	}
	if len(res) != len(lines) {
		t.Fatalf("runner returned %d results for %d cases: %s", len(res), len(lines), stderr.String())
	}
	return res
}

// companion writes the object .npy that calls the marker when loaded.
func companion(t *testing.T, py, path string) {
	runner, _ := filepath.Abs("runner.py")
	cmd := exec.Command(py, runner, "--payload-npy", path)
	cmd.Env = pythontest.Env(filepath.Dir(path))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("payload npy: %v: %s", err, out)
	}
}

// loadSeeds reads the family's seeds, written with the real libraries by
// runner.py --seeds (testdata/seeds), the crafted marker samples of the
// format packages and the kept cases.
func loadSeeds(t *testing.T, fam family) [][]byte {
	globs := append([]string{filepath.Join("testdata", "seeds", fam.name, "*"), filepath.Join("testdata", "found", fam.name, "*")}, fam.extra...)
	var seeds [][]byte
	for _, g := range globs {
		files, _ := filepath.Glob(g)
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			seeds = append(seeds, b)
		}
	}
	if len(seeds) == 0 {
		t.Fatal("no seeds: run runner.py --seeds")
	}
	return seeds
}

// TestFound replays the cases earlier runs kept (testdata/found): each
// must now be reported, or be one the loader no longer reaches the marker
// in.
func TestFound(t *testing.T) {
	for _, fam := range families {
		files, _ := filepath.Glob(filepath.Join("testdata", "found", fam.name, "*"))
		if len(files) == 0 {
			continue
		}
		t.Run(fam.name, func(t *testing.T) {
			if testing.Short() {
				t.Skip("differential tests run the real loaders")
			}
			py := pythontest.Require(t, fam.modules...)
			dir := filepath.Join(t.TempDir(), "found")
			if err := os.Mkdir(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			if fam.name == "joblib" {
				companion(t, py, filepath.Join(filepath.Dir(dir), "mgmarker_payload.npy"))
			}
			cases := map[string][]byte{}
			for i, f := range files {
				data, err := os.ReadFile(f)
				if err != nil {
					t.Fatal(err)
				}
				id := fmt.Sprintf("k%04d", i)
				cases[id] = data
				if err := os.WriteFile(filepath.Join(dir, id+fam.ext), data, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			var tl tally
			check(t, py, fam, dir, cases, &tl)
			t.Logf("%s: %d kept cases, marker reached in %d, covered %d", fam.name, len(files), tl.called, tl.covered)
		})
	}
}
