package report

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/modelgate/modelgate/formats"
	"github.com/modelgate/modelgate/scanner"
	"github.com/modelgate/modelgate/scanner/standards"
)

// WriteMarkdown writes r as a Markdown report for a pull-request comment:
// the verdict, the findings that count, inconclusive files, the findings
// grouped by the standards they evidence (OWASP LLM Top 10, MITRE ATLAS,
// CWE, NIST AI RMF), and what a policy or baseline took out of the
// verdict. Every string that comes from a scanned file is escaped, so a
// hostile file name or pickle global cannot inject Markdown or HTML.
func WriteMarkdown(w io.Writer, r *scanner.Report) error {
	p := &printer{w: w}
	s := r.Summary
	p.line("## modelgate: %s", strings.ToUpper(s.Verdict))
	p.line("")
	p.line("**%d files** (%s) · %s · fail-on **%s** · exit code %d",
		s.Files, fileCounts(s), severityCounts(s), s.FailOn, s.ExitCode)
	for _, e := range r.Errors {
		p.line("")
		p.line("> **error:** %s", md(e))
	}

	type row struct {
		f *scanner.FileResult
		x formats.Finding
	}
	var rows []row
	for i := range r.Files {
		for _, x := range r.Files[i].Findings {
			rows = append(rows, row{&r.Files[i], x})
		}
	}
	slices.SortStableFunc(rows, func(a, b row) int { return int(b.x.Severity) - int(a.x.Severity) })
	if len(rows) > 0 {
		p.line("")
		p.line("### Findings")
		p.line("")
		p.line("| severity | rule | location | finding |")
		p.line("| --- | --- | --- | --- |")
		for _, rw := range rows {
			p.line("| %s | %s | %s | %s |", rw.x.Severity, rw.x.Rule, md(rw.x.Location), md(rw.x.Message))
		}
	}

	var inconclusive []*scanner.FileResult
	for i := range r.Files {
		if r.Files[i].Outcome == scanner.Inconclusive {
			inconclusive = append(inconclusive, &r.Files[i])
		}
	}
	if len(inconclusive) > 0 {
		p.line("")
		p.line("### Inconclusive (not fully read: no verdict)")
		p.line("")
		for _, f := range inconclusive {
			p.line("- %s: %s (%s)", md(f.Path), md(f.Error), md(f.Reason))
		}
	}

	var accepted []*scanner.FileResult
	for i := range r.Files {
		if f := &r.Files[i]; (f.Unidentified || len(f.UnidentifiedMembers) > 0 && f.Note != "") && f.Outcome != scanner.Inconclusive {
			accepted = append(accepted, f)
		}
	}
	if len(accepted) > 0 {
		p.line("")
		p.line("### Unidentified content accepted by the policy (not read)")
		p.line("")
		for _, f := range accepted {
			p.line("- %s: %s", md(f.Path), md(f.Note))
		}
	}

	if len(rows) > 0 {
		p.line("")
		p.line("### By standard")
		for _, fw := range standards.Frameworks {
			p.line("")
			p.line("**%s**", fw)
			p.line("")
			p.line("| taxon | findings | rules |")
			p.line("| --- | --- | --- |")
			count := map[string]int{}
			ruleSet := map[string][]string{}
			var order []string
			for _, rw := range rows {
				m, _ := standards.Lookup(rw.x.Rule)
				for _, t := range m.In(fw) {
					if _, seen := count[t]; !seen {
						order = append(order, t)
					}
					count[t]++
					if !slices.Contains(ruleSet[t], rw.x.Rule) {
						ruleSet[t] = append(ruleSet[t], rw.x.Rule)
					}
				}
			}
			slices.Sort(order)
			for _, t := range order {
				name, _ := standards.Name(t)
				slices.Sort(ruleSet[t])
				p.line("| [%s](%s) %s | %d | %s |", t, standards.URL(t), md(name), count[t], strings.Join(ruleSet[t], ", "))
			}
		}
	}

	var suppressed []string
	for _, f := range r.Files {
		for _, x := range f.Suppressed {
			reason := x.Reason
			if x.Owner != "" {
				reason += fmt.Sprintf(" (owner %s, expires %s)", x.Owner, x.Expires)
			}
			suppressed = append(suppressed, fmt.Sprintf("| %s | %s | %s | %s | %s |",
				x.Kind, x.Finding.Severity, x.Finding.Rule, md(x.Finding.Location), md(reason)))
		}
	}
	if len(suppressed) > 0 {
		p.line("")
		p.line("### Taken out of the verdict")
		p.line("")
		p.line("| kind | severity | rule | location | reason |")
		p.line("| --- | --- | --- | --- | --- |")
		for _, l := range suppressed {
			p.line("%s", l)
		}
	}

	if r.Policy != nil || r.Baseline != nil {
		p.line("")
		p.line("### Gate")
		p.line("")
		if r.Policy != nil {
			p.line("- policy %s (sha256 %.12s)", md(r.Policy.Source), r.Policy.SHA256)
			for _, n := range r.Policy.Notes {
				p.line("- **note:** %s", md(n))
			}
		}
		if b := r.Baseline; b != nil {
			p.line("- baseline %s: %d new or worse, %d already known", md(b.Source), b.New, b.Known)
			for _, d := range b.Drift {
				p.line("- **changed since the baseline:** %s", md(d))
			}
			for _, d := range b.Removed {
				p.line("- not in this scan: %s", md(d))
			}
		}
	}
	return p.err
}

// fileCounts says how the files ended: how many clean, with findings,
// inconclusive (and of those, how many of a format or content this build
// cannot analyze) and skipped (as inert, or accepted by the policy).
func fileCounts(s scanner.Summary) string {
	inconclusive := fmt.Sprintf("%d inconclusive", s.Inconclusive)
	if s.Unsupported > 0 {
		inconclusive += fmt.Sprintf(" (%d unsupported)", s.Unsupported)
	}
	skipped := fmt.Sprintf("%d skipped as inert", s.Skipped)
	if s.Accepted > 0 || s.Inert != s.Skipped {
		skipped = fmt.Sprintf("%d skipped (%d inert, %d accepted by policy)", s.Skipped, s.Inert, s.Accepted)
	}
	return fmt.Sprintf("%d clean, %d with findings, %s, %s", s.Clean, s.WithFindings, inconclusive, skipped)
}

func severityCounts(s scanner.Summary) string {
	var sev []string
	for i := formats.Critical; i >= formats.Info; i-- {
		if n := s.BySeverity[i.String()]; n > 0 {
			sev = append(sev, fmt.Sprintf("%d %s", n, i))
		}
	}
	if len(sev) == 0 {
		return "no findings"
	}
	return strings.Join(sev, ", ")
}

// mdEscaper backslash-escapes what Markdown or a table would interpret,
// and turns line breaks into spaces so a table row stays one row.
var mdEscaper = strings.NewReplacer(
	`\`, `\\`, "`", "\\`", "*", `\*`, "_", `\_`, "[", `\[`, "]", `\]`, "<", "&lt;", ">", "&gt;",
	"|", `\|`, "&", "&amp;", "\n", " ", "\r", " ",
)

// md quotes a string with control characters the way archive member
// names are quoted, then escapes it for Markdown.
func md(s string) string { return mdEscaper.Replace(formats.DisplayName(s)) }
