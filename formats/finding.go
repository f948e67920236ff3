// Package formats is the registry of model-file formats: it identifies a
// file by its bytes (Sniff), holds the Analyzer registered for each format,
// and defines the types every analyzer shares — Input, Finding, Rule,
// Severity, Limits and the Scope through which an analyzer reports findings
// and hands container members back for analysis.
//
// Analyzers live in sub-packages (formats/pickle, ...) and register
// themselves at init, the way image decoders and database/sql drivers do.
// Nothing in this package or its analyzers ever loads, unpickles or
// executes a model: every reading is static and bounded.
package formats

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// Severity ranks a finding. The zero value is Info.
type Severity int

// Severities from least to most severe.
const (
	Info Severity = iota
	Low
	Medium
	High
	Critical
)

var severityNames = [...]string{"info", "low", "medium", "high", "critical"}

func (s Severity) String() string {
	if s < Info || s > Critical {
		return fmt.Sprintf("severity(%d)", int(s))
	}
	return severityNames[s]
}

// ParseSeverity reads a severity name, case-insensitively.
func ParseSeverity(name string) (Severity, error) {
	for i, n := range severityNames {
		if strings.EqualFold(name, n) {
			return Severity(i), nil
		}
	}
	return Info, fmt.Errorf("unknown severity %q (want one of %s)", name, strings.Join(severityNames[:], ", "))
}

// MarshalText writes the severity's name.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText reads a severity name.
func (s *Severity) UnmarshalText(b []byte) error {
	v, err := ParseSeverity(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// Finding is one thing an analyzer found. Location is filled in by the
// engine from the container path and Offset; analyzers leave it empty.
type Finding struct {
	Rule     string            `json:"rule"`
	Severity Severity          `json:"severity"`
	Message  string            `json:"message"`
	Location string            `json:"location"`
	Offset   int64             `json:"offset"`
	Details  map[string]string `json:"details,omitempty"`
	// Member names the file of a Tree a layout finding is about; the
	// engine folds it into Location.
	Member string `json:"-"`
}

// NoOffset marks a finding that concerns a whole file, not a byte in it.
const NoOffset = -1

// String renders the finding as one line: severity, rule, location, message.
func (f Finding) String() string {
	return fmt.Sprintf("%s %s %s: %s", f.Severity, f.Rule, f.Location, f.Message)
}

// Rule documents a rule ID. IDs are stable: once released, a rule ID never
// changes meaning.
type Rule struct {
	ID       string   `json:"id"`
	Severity Severity `json:"severity"` // default severity of its findings
	Title    string   `json:"title"`
	Doc      string   `json:"doc"` // one paragraph: what it means and what to do
}

var rules = map[string]Rule{}

// RegisterRule records a rule for `modelgate rules` and for validation of
// findings. It panics on a duplicate ID: that is a programming error caught
// by the first test run, never an input error.
func RegisterRule(r Rule) {
	if _, dup := rules[r.ID]; dup {
		panic("formats: rule registered twice: " + r.ID)
	}
	rules[r.ID] = r
}

// LookupRule returns the rule registered under id.
func LookupRule(id string) (Rule, bool) {
	r, ok := rules[id]
	return r, ok
}

// Rules returns every registered rule, sorted by ID.
func Rules() []Rule {
	out := make([]Rule, 0, len(rules))
	for _, r := range rules {
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b Rule) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// NewFinding makes a finding for a registered rule at its default severity.
func NewFinding(id string, offset int64, format string, args ...any) Finding {
	r, ok := rules[id]
	if !ok {
		panic("formats: finding for unregistered rule " + id)
	}
	return Finding{Rule: id, Severity: r.Severity, Message: fmt.Sprintf(format, args...), Offset: offset}
}

// With returns a copy of f with detail key set to value.
func (f Finding) With(key, value string) Finding {
	d := make(map[string]string, len(f.Details)+1)
	for k, v := range f.Details {
		d[k] = v
	}
	d[key] = value
	f.Details = d
	return f
}

// In returns a copy of f about the tree member named member.
func (f Finding) In(member string) Finding {
	f.Member = member
	return f
}

// At returns a copy of f with severity s.
func (f Finding) At(s Severity) Finding {
	f.Severity = s
	return f
}

// MarshalJSON omits the offset of whole-file findings.
func (f Finding) MarshalJSON() ([]byte, error) {
	type plain Finding
	if f.Offset < 0 {
		return json.Marshal(struct {
			plain
			Offset *int64 `json:"offset,omitempty"`
		}{plain: plain(f)})
	}
	return json.Marshal(plain(f))
}
