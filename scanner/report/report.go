// Package report writes a scanner.Report for people (text, Markdown, a
// one-line summary) and for machines (JSON, whose schema is documented in
// docs/report-schema.md and schema/report.schema.json, and SARIF 2.1.0 for
// code scanning). Writers only format; they never decide a verdict — that
// is the report's summary, computed by the scanner and the gate.
package report

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/modelgate/modelgate/formats"
	"github.com/modelgate/modelgate/scanner"
	"github.com/modelgate/modelgate/scanner/baseline"
	"github.com/modelgate/modelgate/scanner/standards"
)

// WriteJSON writes r as one indented JSON document, with a "rules"
// section documenting every rule the report mentions and the standards it
// maps to.
func WriteJSON(w io.Writer, r *scanner.Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	doc := struct {
		*scanner.Report
		Rules []jsonRule `json:"rules"`
	}{Report: r, Rules: []jsonRule{}}
	for _, id := range ruleIDs(r) {
		info := ruleInfo(id)
		m, _ := standards.Lookup(id)
		doc.Rules = append(doc.Rules, jsonRule{ID: id, Title: info.Title, Severity: info.Severity, Standards: m})
	}
	return enc.Encode(doc)
}

// jsonRule documents a rule in the JSON report.
type jsonRule struct {
	ID        string            `json:"id"`
	Title     string            `json:"title"`
	Severity  formats.Severity  `json:"default_severity"`
	Standards standards.Mapping `json:"standards"`
}

// TextOptions shape the text report.
type TextOptions struct {
	// Color adds ANSI colour to severities and outcomes (for a terminal).
	Color bool
	// Quiet prints only findings at or above the fail-on threshold,
	// inconclusive files and the summary line.
	Quiet bool
}

const (
	ansiReset  = "\x1b[0m"
	ansiBold   = "\x1b[1m"
	ansiRed    = "\x1b[31m"
	ansiYellow = "\x1b[33m"
	ansiGreen  = "\x1b[32m"
	ansiCyan   = "\x1b[36m"
	ansiDim    = "\x1b[2m"
)

// WriteText writes r as a readable summary: one line per finding, one per
// file that is not clean, and a verdict line.
func WriteText(w io.Writer, r *scanner.Report, o TextOptions) error {
	p := &printer{w: w, color: o.Color}
	for _, e := range r.Errors {
		p.line("%s %s", p.paint(ansiRed+ansiBold, "error"), q(e))
	}
	for i := range r.Files {
		f := &r.Files[i]
		switch f.Outcome {
		case scanner.Clean:
			if !o.Quiet {
				p.line("%s %s%s", p.paint(ansiGreen, cleanLabel(f)), q(f.Path), hashNote(f))
			}
		case scanner.Skipped:
			if f.Unidentified {
				// Accepted by the policy: shown even when quiet, since a
				// reviewer vouched for content nobody read.
				p.line("%s %s: %s", p.paint(ansiYellow, "accepted    "), q(f.Path), q(f.Note))
			} else if !o.Quiet && f.Note != "" {
				p.line("%s %s: %s", p.paint(ansiDim, "skipped     "), q(f.Path), q(f.Note))
			} else if !o.Quiet {
				p.line("%s %s", p.paint(ansiDim, "skipped     "), q(f.Path))
			}
		case scanner.Findings:
			if top, _ := f.MaxSeverity(); !o.Quiet || top >= r.FailOn {
				p.line("%s %s%s", p.paint(ansiYellow, "findings    "), q(f.Path), hashNote(f))
			}
		case scanner.Inconclusive:
			p.line("%s %s: %s (%s)", p.paint(ansiRed, "inconclusive"), q(f.Path), q(f.Error), f.Reason)
		}
		if f.Outcome != scanner.Inconclusive && len(f.UnidentifiedMembers) > 0 && f.Note != "" {
			// Members the policy accepted unread: shown even when quiet.
			p.line("  %s %s", p.paint(ansiYellow, "accepted"), q(f.Note))
		}
		for _, x := range f.Findings {
			if o.Quiet && x.Severity < r.FailOn {
				continue
			}
			p.line("  %s %s %s: %s", p.severity(x.Severity), x.Rule, q(x.Location), q(x.Message))
		}
		if !o.Quiet {
			for _, x := range f.Suppressed {
				p.line("  %s %s %s: %s [not counted, %s: %s]", p.paint(ansiDim, fmt.Sprintf("%-8s", x.Finding.Severity)), x.Finding.Rule,
					q(x.Finding.Location), q(x.Finding.Message), x.Kind, q(x.Reason))
			}
		}
	}
	if r.Policy != nil {
		for _, n := range r.Policy.Notes {
			p.line("%s %s", p.paint(ansiYellow, "policy note "), q(n))
		}
	}
	if b := r.Baseline; b != nil {
		for _, d := range b.Drift {
			p.line("%s %s", p.paint(ansiYellow, "changed     "), q(d))
		}
	}
	s := r.Summary
	var sev []string
	for i := formats.Critical; i >= formats.Info; i-- {
		if n := s.BySeverity[i.String()]; n > 0 {
			sev = append(sev, fmt.Sprintf("%d %s", n, i))
		}
	}
	findings := "no findings"
	if len(sev) > 0 {
		findings = strings.Join(sev, ", ")
	}
	verdict := map[string]string{"pass": ansiGreen, "fail": ansiRed, "no-verdict": ansiYellow}[s.Verdict]
	p.line("%s: %d files (%s), %s; fail-on %s",
		p.paint(verdict+ansiBold, strings.ToUpper(s.Verdict)), s.Files, fileCounts(s), findings, s.FailOn)
	return p.err
}

// hashNote says when a file's SHA-256 was not computed, so a reader of a
// quick scan's report does not take it for a verified one, and when the
// verdict came from the result cache.
func hashNote(f *scanner.FileResult) string {
	switch {
	case f.Cached:
		return " (cached)"
	case f.SHA256NotComputed != "":
		return " (sha256: not computed (" + f.SHA256NotComputed + "))"
	}
	return ""
}

// cleanLabel names a clean file's outcome so a reader does not take a
// file whose findings were taken out of the verdict for one with none:
// "baselined" when the baseline already had them, "accepted" when only
// the policy took them out.
func cleanLabel(f *scanner.FileResult) string {
	switch {
	case slices.ContainsFunc(f.Suppressed, func(s scanner.Suppression) bool { return s.Kind == baseline.KindBaseline }):
		return "baselined   "
	case len(f.Suppressed) > 0:
		return "accepted    "
	}
	return "clean       "
}

// q quotes a path or message that holds a control character, the way
// archive member names are quoted, so a file name cannot print a line of
// its own (a fake verdict) in the report.
func q(s string) string { return formats.DisplayName(s) }

type printer struct {
	w     io.Writer
	color bool
	err   error
}

func (p *printer) line(format string, args ...any) {
	if p.err == nil {
		_, p.err = fmt.Fprintf(p.w, format+"\n", args...)
	}
}

func (p *printer) paint(code, s string) string {
	if !p.color {
		return s
	}
	return code + s + ansiReset
}

func (p *printer) severity(s formats.Severity) string {
	label := fmt.Sprintf("%-8s", s)
	switch s {
	case formats.Critical:
		return p.paint(ansiRed+ansiBold, label)
	case formats.High:
		return p.paint(ansiRed, label)
	case formats.Medium:
		return p.paint(ansiYellow, label)
	case formats.Low:
		return p.paint(ansiCyan, label)
	}
	return p.paint(ansiDim, label)
}
