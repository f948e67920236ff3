package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/modelgate/modelgate/formats/pickle"
	"github.com/modelgate/modelgate/scanner"
)

// maxReport bounds the JSON report suggest reads: reports of whole
// registries stay far below it.
const maxReport = 256 << 20

// suggestable is a plain dotted Python name (module.name): anything else a
// hostile pickle put in a global's name is left out of the draft.
var suggestable = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)+$`)

// runPolicySuggest reads a JSON scan report and writes a draft policy that
// allows each pickle global the report found not on the allowlist (MG101)
// or used beyond its entry (MG116), with the files that named it. It never
// suggests a denylisted global (those are other rules) and never writes a
// reason a reviewer did not: every reason says REVIEW.
func runPolicySuggest(w io.Writer, name string) error {
	f, err := os.Open(name)
	if err != nil {
		return &exitError{code: scanner.ExitUsage, err: fmt.Errorf("report: %w", err)}
	}
	defer f.Close()
	var rep struct {
		Files []struct {
			Path     string `json:"path"`
			Findings []struct {
				Rule    string            `json:"rule"`
				Details map[string]string `json:"details"`
			} `json:"findings"`
		} `json:"files"`
	}
	if err := json.NewDecoder(io.LimitReader(f, maxReport)).Decode(&rep); err != nil {
		return &exitError{code: scanner.ExitUsage, err: fmt.Errorf("report %s: not a modelgate JSON report (scan --format json): %w", name, err)}
	}
	seen := map[string][]string{} // global -> "path (rule)" in report order
	for _, file := range rep.Files {
		for _, fd := range file.Findings {
			g := fd.Details["global"]
			if (fd.Rule != pickle.RuleUnknownGlobal && fd.Rule != pickle.RuleMisusedGlobal) || !suggestable.MatchString(g) {
				continue
			}
			where := file.Path + " (" + fd.Rule + ")"
			if !slices.Contains(seen[g], where) {
				seen[g] = append(seen[g], where)
			}
		}
	}
	globals := make([]string, 0, len(seen))
	for g := range seen {
		globals = append(globals, g)
	}
	slices.Sort(globals)

	var b strings.Builder
	fmt.Fprintf(&b, "# Draft policy from %s (modelgate policy suggest).\n", name)
	b.WriteString("# Each global below failed the scan as not on modelgate's pickle allowlist (MG101) or used\n" +
		"# beyond its entry (MG116). Loading a pickle imports it: keep an entry only after reading what\n" +
		"# building or calling it runs, and replace its REVIEW reason with why it is safe.\n")
	b.WriteString("version: 1\n")
	if len(globals) == 0 {
		b.WriteString("# The report has no MG101 or MG116 finding: nothing to allow.\n")
		_, err := io.WriteString(w, b.String())
		return err
	}
	b.WriteString("pickle:\n  allow:\n")
	for _, g := range globals {
		files := seen[g]
		reason := "REVIEW: named by " + files[0]
		if len(files) > 1 {
			reason += fmt.Sprintf(" and %d other file(s)", len(files)-1)
		}
		fmt.Fprintf(&b, "    - global: %s\n      reason: %s\n", strconv.Quote(g), strconv.Quote(reason))
	}
	_, err = io.WriteString(w, b.String())
	return err
}
