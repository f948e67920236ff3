// Command testsummary runs `go test -json` with the arguments it is given
// and prints what a plain `go test` prints (the per-package ok/FAIL lines,
// and the output of every test that failed), then one line per skipped
// test with its reason and a closing line that counts them, so a test
// skipped for a missing tool (docker-registry, PostgreSQL) is never
// silent. It exits with go test's status. It only reads test output;
// it never changes what runs.
//
//	go run ./internal/testsummary -count=1 ./...
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"strings"
)

func main() {
	goBin := os.Getenv("GO")
	if goBin == "" {
		goBin = "go"
	}
	cmd := exec.Command(goBin, append([]string{"test", "-json"}, os.Args[1:]...)...)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		fmt.Fprintln(os.Stderr, "testsummary:", err)
		os.Exit(2)
	}
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "testsummary:", err)
		os.Exit(2)
	}
	s := summarize(out, os.Stdout)
	err = cmd.Wait()
	fmt.Fprint(os.Stdout, s.footer())
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		os.Exit(ee.ExitCode())
	case err != nil:
		fmt.Fprintln(os.Stderr, "testsummary:", err)
		os.Exit(2)
	}
}

// event is one line of `go test -json` (cmd/test2json).
type event struct {
	Action  string
	Package string
	Test    string
	Output  string
}

type skip struct{ pkg, test, reason string }

type summary struct{ skips []skip }

// summarize copies to w what plain `go test` would print and collects the
// skipped tests.
func summarize(r io.Reader, w io.Writer) *summary {
	s := &summary{}
	logs := map[[2]string][]string{} // package and test -> output lines
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for sc.Scan() {
		var e event
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			// Not JSON (a build failure printed raw): pass it on.
			fmt.Fprintln(w, sc.Text())
			continue
		}
		key := [2]string{e.Package, e.Test}
		switch {
		case e.Action == "build-output":
			// Compiler errors, reported as events since Go 1.24.
			fmt.Fprint(w, e.Output)
		case e.Action == "output" && e.Test == "":
			// Package lines: "ok  pkg 1.2s", "FAIL pkg", build errors.
			// The bare PASS a verbose run adds is not in plain output.
			if e.Output != "PASS\n" && !strings.HasPrefix(e.Output, "=== ") {
				fmt.Fprint(w, e.Output)
			}
		case e.Action == "output":
			logs[key] = append(logs[key], e.Output)
		case e.Action == "fail" && e.Test != "":
			for _, l := range logs[key] {
				fmt.Fprint(w, l)
			}
			delete(logs, key)
		case e.Action == "skip" && e.Test != "":
			s.skips = append(s.skips, skip{pkg: e.Package, test: e.Test, reason: reason(logs[key])})
			delete(logs, key)
		case e.Action == "pass" && e.Test != "":
			delete(logs, key)
		}
	}
	return s
}

// reason is what a skipped test said about why: its log lines without
// the runner's own.
func reason(lines []string) string {
	var said []string
	for _, l := range lines {
		t := strings.TrimSpace(l)
		if t == "" || strings.HasPrefix(t, "=== ") || strings.HasPrefix(t, "--- SKIP") {
			continue
		}
		said = append(said, t)
	}
	if len(said) == 0 {
		return "no reason given"
	}
	return strings.Join(said, " ")
}

func (s *summary) footer() string {
	if len(s.skips) == 0 {
		return "tests skipped: none\n"
	}
	slices.SortFunc(s.skips, func(a, b skip) int { return strings.Compare(a.pkg+" "+a.test, b.pkg+" "+b.test) })
	var b strings.Builder
	for _, k := range s.skips {
		fmt.Fprintf(&b, "SKIP %s %s: %s\n", k.pkg, k.test, k.reason)
	}
	fmt.Fprintf(&b, "tests skipped: %d (listed above with their reasons; .ci/run installs docker-registry, postgresql-15 and the Python libraries they need)\n", len(s.skips))
	return b.String()
}
