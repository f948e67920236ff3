package numpy

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/modelgate/modelgate/formats"
	"github.com/modelgate/modelgate/formats/formatstest"
	"github.com/modelgate/modelgate/internal/pythontest"
)

// The differential test against numpy.load. By default it checks the
// seeds, the kept cases and a few hundred generated ones (seconds). Run it
// longer with
//
//	NPY_DIFF_DURATION=20m go test -run TestDifferentialNumPy -timeout 0 ./formats/numpy/
//
// (or make differential-numpy); NPY_DIFF_SEED picks the generator's seed
// (default: fixed, or the time when a duration is given), and
// NPY_DIFF_KEEP=dir writes disagreeing cases there for testdata/cases/.

// oracle is one line of testdata/npy_oracle.py's answer.
type oracle struct {
	Path      string  `json:"path"`
	OK        bool    `json:"ok"`
	Err       string  `json:"err"`
	Shape     []int64 `json:"shape"`
	Fortran   bool    `json:"fortran"`
	Itemsize  int64   `json:"itemsize"`
	HasObject bool    `json:"hasobject"`
	Offset    int64   `json:"offset"`
	Descr     string  `json:"descr"`
	Reached   bool    `json:"reached"`
	LoadErr   string  `json:"loaderr"`
}

// runOracle asks numpy about every file, in one process.
func runOracle(t *testing.T, py, dir string, paths []string) map[string]oracle {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, py, filepath.Join("testdata", "npy_oracle.py"))
	cmd.Env = pythontest.Env(dir)
	cmd.Stdin = strings.NewReader(strings.Join(paths, "\n") + "\n")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("oracle: %v: %s", err, stderr.String())
	}
	got := map[string]oracle{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var o oracle
		if err := json.Unmarshal(sc.Bytes(), &o); err != nil {
			t.Fatalf("oracle line %q: %v", sc.Text(), err)
		}
		got[o.Path] = o
	}
	if len(got) != len(paths) {
		t.Fatalf("oracle answered %d of %d files: %s", len(got), len(paths), stderr.String())
	}
	return got
}

// reading is modelgate's reading of a file: the header, the dtype, and
// what the analyzer did with it.
type reading struct {
	h      *Header
	d      dt
	err    error // readHeader's or descrToDtype's
	rec    *formatstest.Recorder
	anaErr error
}

func read(t *testing.T, data []byte) reading {
	var r reading
	var hdrRec formatstest.Recorder
	r.h, r.err = readHeader(bufio.NewReader(bytes.NewReader(data)), &hdrRec)
	if r.err == nil {
		r.d, r.err = descrToDtype(r.h.Descr, 0)
	}
	r.rec, r.anaErr = formatstest.Run(t, formats.AnalyzerFunc(analyze), "case.npy", data)
	return r
}

// disagreement says how modelgate's reading of data differs from numpy's,
// or "" when it does not.
func disagreement(data []byte, o oracle, r reading) string {
	if o.OK && o.HasObject && o.Reached {
		// np.load(allow_pickle=True) unpickled the data at o.Offset: the
		// same bytes must reach modelgate's pickle analysis.
		found := false
		for _, m := range r.rec.Members {
			if m.Name == "object-array.pkl" && o.Offset <= int64(len(data)) && bytes.Equal(m.Data, data[o.Offset:]) {
				found = true
			}
		}
		if !found {
			return fmt.Sprintf("numpy unpickles the data at %d (descr %s); modelgate did not analyze it (err %v, members %d)",
				o.Offset, o.Descr, r.anaErr, len(r.rec.Members))
		}
	}
	if r.err != nil {
		return "" // inconclusive: never read as clean
	}
	// Only a header finding counts: the marker data makes most
	// non-object cases fail the size check whatever the header says.
	flagged := slices.Contains(r.rec.Rules(), RuleHeader)
	if !o.OK {
		if !flagged && r.anaErr == nil {
			return fmt.Sprintf("numpy refuses the header (%s); modelgate read it without a finding", o.Err)
		}
		return ""
	}
	var diffs []string
	if !slices.Equal(r.h.Shape, o.Shape) && !(len(r.h.Shape) == 0 && len(o.Shape) == 0) {
		diffs = append(diffs, fmt.Sprintf("shape %v vs numpy %v", r.h.Shape, o.Shape))
	}
	if r.h.FortranOrder != o.Fortran {
		diffs = append(diffs, fmt.Sprintf("fortran_order %v vs numpy %v", r.h.FortranOrder, o.Fortran))
	}
	if r.d.size != o.Itemsize {
		diffs = append(diffs, fmt.Sprintf("itemsize %d vs numpy %d", r.d.size, o.Itemsize))
	}
	if r.d.object != o.HasObject {
		diffs = append(diffs, fmt.Sprintf("hasobject %v vs numpy %v", r.d.object, o.HasObject))
	}
	if r.h.DataOffset != o.Offset {
		diffs = append(diffs, fmt.Sprintf("data offset %d vs numpy %d", r.h.DataOffset, o.Offset))
	}
	if len(diffs) > 0 {
		return fmt.Sprintf("numpy reads %s: %s", o.Descr, strings.Join(diffs, "; "))
	}
	return ""
}

type diffStats struct {
	cases, numpyOK, mgOK, bothOK, objects, refusedByMG int
}

// check runs one batch through numpy and modelgate.
func check(t *testing.T, py string, cases map[string][]byte, mustRead map[string]bool, keep string, st *diffStats) {
	t.Helper()
	// One directory per batch, removed at once: a long run writes
	// millions of files.
	dir, err := os.MkdirTemp("", "npydiff")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	var paths []string
	byPath := map[string]string{}
	for name, data := range cases {
		p := filepath.Join(dir, strconv.Itoa(len(paths))+".npy")
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
		byPath[p] = name
	}
	answers := runOracle(t, py, dir, paths)
	for _, p := range paths {
		name, data, o := byPath[p], cases[byPath[p]], answers[p]
		r := read(t, data)
		st.cases++
		if o.OK {
			st.numpyOK++
		}
		if r.err == nil {
			st.mgOK++
		}
		if o.OK && r.err == nil {
			st.bothOK++
		}
		if o.OK && o.HasObject {
			st.objects++
		}
		if os.Getenv("NPY_DIFF_VERBOSE") != "" && (!o.OK || r.err != nil) {
			t.Logf("numpy: %v %s | modelgate: %v", o.OK, o.Err, r.err)
		}
		if o.OK && r.err != nil {
			st.refusedByMG++
			if mustRead[name] {
				t.Errorf("%s: numpy reads it (%s); modelgate does not: %v", name, o.Descr, r.err)
			}
		}
		if d := disagreement(data, o, r); d != "" {
			t.Errorf("%s: %s\nfile: %q", name, d, data[:min(len(data), 400)])
			if keep != "" {
				_ = os.WriteFile(filepath.Join(keep, fmt.Sprintf("case-%x.npy", hash(data))), data, 0o644)
			}
		}
	}
}

func hash(b []byte) uint32 {
	h := uint32(2166136261)
	for _, c := range b {
		h = (h ^ uint32(c)) * 16777619
	}
	return h
}

func loadDir(t *testing.T, pattern string) map[string][]byte {
	t.Helper()
	files, _ := filepath.Glob(pattern)
	out := map[string][]byte{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out[f] = b
	}
	return out
}

func TestDifferentialNumPy(t *testing.T) {
	py := pythontest.Require(t, "numpy")
	seeds := loadDir(t, filepath.Join("testdata", "seeds", "*.npy"))
	if len(seeds) == 0 {
		t.Fatal("no seeds: run testdata/make_seeds.py")
	}
	var st diffStats
	mustRead := map[string]bool{}
	for name := range seeds {
		mustRead[name] = true
	}
	kept := loadDir(t, filepath.Join("testdata", "cases", "*.npy"))
	for k, v := range kept {
		seeds[k] = v
	}
	keep := os.Getenv("NPY_DIFF_KEEP")
	check(t, py, seeds, mustRead, keep, &st)

	seed, budget, batch := uint64(1), time.Duration(0), 300
	if s := os.Getenv("NPY_DIFF_DURATION"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil {
			t.Fatalf("NPY_DIFF_DURATION: %v", err)
		}
		budget, batch, seed = d, 3000, uint64(time.Now().UnixNano())
	}
	if s := os.Getenv("NPY_DIFF_SEED"); s != "" {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("NPY_DIFF_SEED: %v", err)
		}
		seed = n
	}
	t.Logf("seed %d", seed)
	g := &gen{r: rand.New(rand.NewPCG(seed, 0x6e7079))}
	var seedList [][]byte
	for _, name := range slices.Sorted(maps.Keys(seeds)) {
		seedList = append(seedList, seeds[name])
	}
	start := time.Now()
	for round := 0; round == 0 || time.Since(start) < budget; round++ {
		cases := map[string][]byte{}
		for i := 0; i < batch; i++ {
			var b []byte
			if g.chance(0.3) {
				b = g.mutate(seedList[g.pick(len(seedList))])
			} else {
				b = g.file(g.header())
			}
			if b != nil {
				cases[fmt.Sprintf("round %d case %d", round, i)] = b
			}
		}
		check(t, py, cases, nil, keep, &st)
		if t.Failed() && keep == "" {
			break
		}
	}
	t.Logf("%d cases in %v: numpy read %d, modelgate read %d, both %d; numpy read %d object dtypes; modelgate inconclusive on %d numpy reads",
		st.cases, time.Since(start).Round(time.Second), st.numpyOK, st.mgOK, st.bothOK, st.objects, st.refusedByMG)
}
