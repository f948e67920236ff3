package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/modelgate/modelgate/scanner"
)

// WriteSummary writes one line that says everything a CI log needs: the
// verdict, the counts, the threshold, the exit code, and what a policy or
// baseline changed.
func WriteSummary(w io.Writer, r *scanner.Report) error {
	s := r.Summary
	line := fmt.Sprintf("modelgate: %s: %d files (%s); %s; fail-on %s; exit %d",
		strings.ToUpper(s.Verdict), s.Files, fileCounts(s), severityCounts(s), s.FailOn, s.ExitCode)
	if r.Policy != nil {
		n := 0
		for _, f := range r.Files {
			for _, x := range f.Suppressed {
				if x.Kind != "baseline" {
					n++
				}
			}
		}
		line += fmt.Sprintf("; policy %s: %d taken out of the verdict, %d notes", r.Policy.Source, n, len(r.Policy.Notes))
	}
	if b := r.Baseline; b != nil {
		line += fmt.Sprintf("; baseline %s: %d new or worse, %d known, %d changed files", b.Source, b.New, b.Known, len(b.Drift))
	}
	_, err := fmt.Fprintln(w, line)
	return err
}
