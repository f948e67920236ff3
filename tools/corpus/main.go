// Command corpus measures a modelgate binary's false-alarm rate on the real-world benign
// corpus that tools/corpus/gather.py builds outside the repository.
//
// It scans every file of the corpus manifest with the given binary, one process per file and
// the default gate (--fail-on medium) as a user scanning that file would, from an empty
// working directory so no policy file applies. Every file in the corpus is benign, so a failed
// gate (exit 1) or no verdict (exit 2) is a false alarm. It prints the rate per split (tune,
// holdout), format and source, and the failures by rule and by global or reason. It never
// changes the corpus; it writes only the report files named by its flags.
//
// Usage:
//
//	go run ./tools/corpus measure -bin PATH [-corpus DIR] [-out FILE] [-failures FILE] [-results FILE]
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"
)

func main() {
	if len(os.Args) < 2 || os.Args[1] != "measure" {
		fmt.Fprintln(os.Stderr, "usage: corpus measure -bin PATH [-corpus DIR] [-out FILE] [-failures FILE] [-results FILE]")
		os.Exit(3)
	}
	if err := measure(os.Args[2:]); err != nil {
		fmt.Fprintln(os.Stderr, "corpus:", err)
		os.Exit(1)
	}
}

// entry is one row of manifest.tsv.
type entry struct {
	SHA256, Split, Format, Source, Origin, File string
}

// finding is the part of a modelgate JSON finding the measurement reads.
type finding struct {
	Rule     string            `json:"rule"`
	Severity string            `json:"severity"`
	Message  string            `json:"message"`
	Location string            `json:"location"`
	Details  map[string]string `json:"details"`
}

type report struct {
	Files []struct {
		Path     string    `json:"path"`
		Outcome  string    `json:"outcome"`
		Reason   string    `json:"reason"`
		Error    string    `json:"error"`
		Findings []finding `json:"findings"`
	} `json:"files"`
	Errors []string `json:"errors"`
}

// result is what one scan of one corpus file gave; it is also the line format of -results.
type result struct {
	File     string    `json:"file"`
	Split    string    `json:"split"`
	Format   string    `json:"format"`
	Source   string    `json:"source"`
	Exit     int       `json:"exit"`
	Outcome  string    `json:"outcome,omitempty"`
	Reason   string    `json:"reason,omitempty"`
	Error    string    `json:"error,omitempty"`
	Failing  []finding `json:"failing,omitempty"`
	Duration float64   `json:"seconds"`
}

var severityRank = map[string]int{"info": 0, "low": 1, "medium": 2, "high": 3, "critical": 4}

func measure(args []string) error {
	fs := flag.NewFlagSet("measure", flag.ContinueOnError)
	bin := fs.String("bin", "", "modelgate binary to measure (required)")
	corpus := fs.String("corpus", "/work/corpus", "corpus directory holding manifest.tsv")
	out := fs.String("out", "", "also write the summary to FILE")
	failures := fs.String("failures", "", "write the tune half's failures (path, rule, severity, message) to FILE")
	results := fs.String("results", "", "write one JSON line per scanned file to FILE")
	jobs := fs.Int("jobs", runtime.NumCPU(), "scans run at once")
	timeout := fs.Duration("timeout", 2*time.Minute, "time allowed per file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *bin == "" {
		return errors.New("-bin is required")
	}
	binPath, err := filepath.Abs(*bin)
	if err != nil {
		return fmt.Errorf("binary path: %w", err)
	}
	entries, err := readManifest(filepath.Join(*corpus, "manifest.tsv"))
	if err != nil {
		return err
	}
	// An empty working directory: no .modelgate.yaml of the caller's applies.
	work, err := os.MkdirTemp("", "corpus-measure-")
	if err != nil {
		return fmt.Errorf("working directory: %w", err)
	}
	defer os.RemoveAll(work)

	res := make([]result, len(entries))
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < max(1, *jobs); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				res[i] = scan(binPath, work, filepath.Join(*corpus, entries[i].File), *timeout)
				res[i].File, res[i].Split, res[i].Format, res[i].Source = entries[i].File, entries[i].Split, entries[i].Format, entries[i].Source
			}
		}()
	}
	for i := range entries {
		next <- i
	}
	close(next)
	wg.Wait()

	var sum bytes.Buffer
	summarize(&sum, binPath, res)
	os.Stdout.Write(sum.Bytes())
	if *out != "" {
		if err := os.WriteFile(*out, sum.Bytes(), 0o644); err != nil {
			return fmt.Errorf("summary: %w", err)
		}
	}
	if *failures != "" {
		if err := writeFailures(*failures, res); err != nil {
			return err
		}
	}
	if *results != "" {
		if err := writeResults(*results, res); err != nil {
			return err
		}
	}
	return nil
}

// readManifest reads a manifest by its header's column names, so corpora gathered by other
// scripts (whose columns come in another order) measure the same way. A manifest without a
// split column is split by digest, as gather.py splits: 0-7 tune, 8-f holdout.
func readManifest(path string) ([]entry, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("manifest: %w", err)
	}
	defer f.Close()
	var es []entry
	sc := bufio.NewScanner(f)
	col := map[string]int{}
	for sc.Scan() {
		c := strings.Split(sc.Text(), "\t")
		if len(col) == 0 {
			for i, name := range c {
				col[name] = i
			}
			for _, need := range []string{"sha256", "format", "source", "file"} {
				if _, ok := col[need]; !ok {
					return nil, fmt.Errorf("manifest %s: header has no %q column", path, need)
				}
			}
			continue
		}
		if len(c) != len(col) {
			return nil, fmt.Errorf("manifest %s: line %q has %d columns, want %d", path, sc.Text(), len(c), len(col))
		}
		get := func(name string) string {
			if i, ok := col[name]; ok {
				return c[i]
			}
			return ""
		}
		e := entry{SHA256: get("sha256"), Split: get("split"), Format: get("format"), Source: get("source"), Origin: get("origin"), File: get("file")}
		if e.Split == "" {
			e.Split = "holdout"
			if e.SHA256 != "" && strings.ContainsRune("01234567", rune(e.SHA256[0])) {
				e.Split = "tune"
			}
		}
		es = append(es, e)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("manifest %s: %w", path, err)
	}
	return es, nil
}

// scan runs the binary on one file as a user would and keeps what made the gate fail.
func scan(bin, work, file string, timeout time.Duration) result {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "scan", "--format", "json", "--fail-on", "medium", file)
	cmd.Dir = work
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	r := result{Duration: time.Since(start).Seconds()}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		r.Exit = ee.ExitCode()
	default:
		r.Exit, r.Error = -1, err.Error()
		return r
	}
	if ctx.Err() != nil {
		r.Exit, r.Error = -1, "timeout"
		return r
	}
	var rep report
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
		r.Error = "unreadable report: " + firstLine(stderr.String())
		return r
	}
	for _, f := range rep.Files {
		if r.Outcome == "" || f.Outcome == "inconclusive" {
			r.Outcome, r.Reason, r.Error = f.Outcome, f.Reason, f.Error
		}
		for _, fd := range f.Findings {
			if severityRank[fd.Severity] >= severityRank["medium"] {
				r.Failing = append(r.Failing, fd)
			}
		}
	}
	if r.Error == "" && len(rep.Errors) > 0 {
		r.Error = rep.Errors[0]
	}
	return r
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}

// tally counts files by outcome of the gate.
type tally struct{ files, fail, inconclusive, other int }

func (t *tally) add(r result) {
	t.files++
	switch r.Exit {
	case 0:
	case 1:
		t.fail++
	case 2:
		t.inconclusive++
	default:
		t.other++
	}
}

func (t tally) rate() float64 {
	if t.files == 0 {
		return 0
	}
	return 100 * float64(t.fail+t.inconclusive+t.other) / float64(t.files)
}

func summarize(w io.Writer, bin string, res []result) {
	fmt.Fprintf(w, "modelgate false alarms on the benign corpus (binary %s, --fail-on medium, one process per file)\n", bin)
	fmt.Fprintln(w, "A false alarm is exit 1 (fail) or exit 2 (inconclusive) on a benign file; other = exit 3, crash or timeout.")
	splits := []string{"tune", "holdout", "all"}
	for _, key := range []struct {
		name string
		of   func(result) string
	}{{"format", func(r result) string { return r.Format }}, {"source", func(r result) string { return r.Source }}} {
		fmt.Fprintf(w, "\n## By %s\n\n%-26s", key.name, key.name)
		for _, s := range splits {
			fmt.Fprintf(w, " | %-7s %5s %4s %4s %3s %6s", s, "files", "fail", "inc", "oth", "rate")
		}
		fmt.Fprintln(w)
		groups := map[string]map[string]*tally{}
		for _, r := range res {
			for _, g := range []string{key.of(r), "TOTAL"} {
				if groups[g] == nil {
					groups[g] = map[string]*tally{"tune": {}, "holdout": {}, "all": {}}
				}
				groups[g][r.Split].add(r)
				groups[g]["all"].add(r)
			}
		}
		for _, g := range sortedKeys(groups) {
			if g != "TOTAL" {
				writeRow(w, g, groups[g], splits)
			}
		}
		writeRow(w, "TOTAL", groups["TOTAL"], splits)
	}

	byRule := map[string]map[string]int{}
	byLib := map[string]map[string]int{}
	byKey := map[string]map[string]int{}
	for _, r := range res {
		seen := map[string]bool{}
		for _, k := range failureKeys(r) {
			rule, _, _ := strings.Cut(k, " ")
			for _, c := range []struct {
				m   map[string]map[string]int
				key string
			}{{byRule, rule}, {byLib, libraryClass(k)}, {byKey, k}} {
				if !seen[c.key] {
					seen[c.key] = true
					count(c.m, c.key, r.Split)
				}
			}
		}
	}
	fmt.Fprintln(w, "\n## Failed or inconclusive files by rule (a file counts once per rule)")
	writeCounts(w, byRule)
	fmt.Fprintln(w, "\n## Failed or inconclusive files by rule and library (top-level module of the global)")
	writeCounts(w, byLib)
	fmt.Fprintln(w, "\n## Failed or inconclusive files by rule and global, operator or reason")
	writeCounts(w, byKey)
}

func writeRow(w io.Writer, name string, t map[string]*tally, splits []string) {
	fmt.Fprintf(w, "%-26s", name)
	for _, s := range splits {
		x := t[s]
		fmt.Fprintf(w, " | %-7s %5d %4d %4d %3d %5.1f%%", "", x.files, x.fail, x.inconclusive, x.other, x.rate())
	}
	fmt.Fprintln(w)
}

func count(m map[string]map[string]int, key, split string) {
	if m[key] == nil {
		m[key] = map[string]int{}
	}
	m[key][split]++
	m[key]["all"]++
}

func writeCounts(w io.Writer, m map[string]map[string]int) {
	keys := sortedKeys(m)
	sort.SliceStable(keys, func(i, j int) bool { return m[keys[i]]["all"] > m[keys[j]]["all"] })
	fmt.Fprintf(w, "%5s %5s %7s  %s\n", "all", "tune", "holdout", "class")
	for _, k := range keys {
		fmt.Fprintf(w, "%5d %5d %7d  %s\n", m[k]["all"], m[k]["tune"], m[k]["holdout"], k)
	}
}

var digits = regexp.MustCompile(`[0-9]+`)

// failureKeys names why a file failed the gate: "RULE subject" for each failing finding,
// "INCONCLUSIVE reason" when it had no verdict, "ERROR ..." when the scan itself broke.
func failureKeys(r result) []string {
	var ks []string
	for _, f := range r.Failing {
		subject := ""
		for _, d := range []string{"global", "op", "operator", "domain", "layer", "class_name", "custom_op"} {
			if v := f.Details[d]; v != "" {
				subject = d + "=" + v
				break
			}
		}
		if subject == "" {
			subject = digits.ReplaceAllString(f.Message, "N")
			if len(subject) > 90 {
				subject = subject[:90] + "…"
			}
		}
		ks = append(ks, f.Rule+" "+f.Severity+" "+subject)
	}
	if r.Exit == 2 && len(ks) == 0 {
		why := r.Reason
		if why == "" {
			// No inconclusive file: the verdict is missing because nothing was scanned.
			why = "outcome=" + r.Outcome
		}
		ks = append(ks, "INCONCLUSIVE "+why)
	}
	if r.Exit != 0 && r.Exit != 1 && r.Exit != 2 {
		ks = append(ks, fmt.Sprintf("ERROR exit %d %s", r.Exit, r.Error))
	}
	return ks
}

// libraryClass folds a failure key to its library: "MG101 medium global=pandas.core.frame.DataFrame"
// becomes "MG101 medium global=pandas.*"; keys without a global stay as they are.
func libraryClass(key string) string {
	head, global, ok := strings.Cut(key, " global=")
	if !ok {
		return key
	}
	top, _, _ := strings.Cut(global, ".")
	return head + " global=" + top + ".*"
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

func writeFailures(path string, res []result) error {
	var b bytes.Buffer
	b.WriteString("# Tune-half false alarms: path<TAB>rule<TAB>severity<TAB>message (INCONCLUSIVE rows give reason and error)\n")
	for _, r := range res {
		if r.Split != "tune" || r.Exit == 0 {
			continue
		}
		for _, f := range r.Failing {
			fmt.Fprintf(&b, "%s\t%s\t%s\t%s\n", r.File, f.Rule, f.Severity, oneLine(f.Message))
		}
		if len(r.Failing) == 0 {
			fmt.Fprintf(&b, "%s\tINCONCLUSIVE\t%s\t%s\n", r.File, r.Reason, oneLine("outcome "+r.Outcome+": "+r.Error))
		}
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		return fmt.Errorf("failures: %w", err)
	}
	return nil
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func writeResults(path string, res []result) error {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	for _, r := range res {
		if err := enc.Encode(r); err != nil {
			return fmt.Errorf("results: %w", err)
		}
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		return fmt.Errorf("results: %w", err)
	}
	return nil
}
